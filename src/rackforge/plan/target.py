"""Can the plants reach the demanded rack rate at the end of the horizon, and what holds them
back? Demanded vs planned rack output per week over the last weeks, and the limits that bind
in (and just before) those weeks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from rackforge.plan.ceiling import Ceiling
from rackforge.plan.explain import bottlenecks
from rackforge.plan.result import PlanResult
from rackforge.scenario.schema import ItemKind

TOL = 1e-6


@dataclass(frozen=True)
class TargetWeek:
    week: int
    label: str
    demand: float  # units of the item kind due this week
    output: float  # units completed by the plants this week (production available)
    delivered: float  # units delivered this week (on time or late)
    on_time: float  # of this week's demand, units delivered this week


@dataclass(frozen=True)
class TargetCheck:
    item_kind: str
    weeks: list[TargetWeek]
    meets: bool
    binding: list[dict[str, Any]]
    answer: str

    def mean(self, attr: str) -> float:
        return sum(float(getattr(w, attr)) for w in self.weeks) / max(len(self.weeks), 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_kind": self.item_kind,
            "meets": self.meets,
            "demand_per_week": self.mean("demand"),
            "output_per_week": self.mean("output"),
            "delivered_per_week": self.mean("delivered"),
            "on_time_per_week": self.mean("on_time"),
            "weeks": [w.__dict__ for w in self.weeks],
            "binding": self.binding,
            "answer": self.answer,
        }


def target_check(
    result: PlanResult,
    weeks: int = 8,
    item_kind: ItemKind = ItemKind.RACK,
    lookback: int = 8,
    top: int = 5,
    ceiling: Ceiling | None = None,
) -> TargetCheck:
    """Demanded vs planned output of ``item_kind`` items over the last ``weeks`` weeks, and the
    ``top`` binding limits by total shadow price from ``lookback`` weeks before that window to
    the end of the horizon. With the ``ceiling`` (racks only), the answer states the plants'
    sustainable rate and the lifts in racks instead of the cost plan's output and cost drivers:
    the least-cost plan makes no more than it must, so its output is not what the plants can."""
    labels = result.week_labels
    h = len(labels)
    first = max(h - weeks, 0)
    window = range(first, h)
    if result.tables is None:
        return TargetCheck(item_kind, [], False, [], f"no plan: {result.message}")
    kinds = result.items.set_index("item")["kind"]
    chosen = set(kinds[kinds == item_kind].index)

    def per_week(frame: pd.DataFrame, week_col: str, qty_col: str) -> pd.Series:
        sel = frame[frame["item"].isin(chosen)]
        return sel.groupby(week_col)[qty_col].sum()

    t = result.tables
    demand = per_week(t.service, "week", "qty")
    on_time = per_week(t.service, "week", "on_time")
    output = per_week(t.production, "available_week", "qty")
    delivered = per_week(t.deliveries, "week", "qty")
    rows = [
        TargetWeek(
            w,
            labels[w],
            float(demand.get(w, 0.0)),
            float(output.get(w, 0.0)),
            float(delivered.get(w, 0.0)),
            float(on_time.get(w, 0.0)),
        )
        for w in window
    ]
    meets = all(r.on_time >= r.demand - TOL for r in rows)
    bind = result.binding
    bind = bind[bind["week"] >= first - lookback]
    top_rows: list[dict[str, Any]] = [
        {
            "kind": b.kind.value,
            "id": b.id,
            "site": b.site,
            "item": b.item,
            "first_week": labels[b.first_week],
            "last_week": labels[b.last_week],
            "binding_weeks": b.binding_weeks,
            "total_shadow_price": b.total_shadow_price,
        }
        for b in bottlenecks(bind)[:top]
    ]
    check = TargetCheck(item_kind, rows, meets, top_rows, "")
    if ceiling is not None and item_kind is ItemKind.RACK:
        answer = _ceiling_answer(check, ceiling)
    else:
        answer = _answer(check, labels, first)
    return TargetCheck(item_kind, rows, meets, top_rows, answer)


def _ceiling_answer(check: TargetCheck, ceiling: Ceiling) -> str:
    """The answer around the one capacity figure, the ceiling (:mod:`rackforge.plan.ceiling`)."""
    first, last = ceiling.window
    span = f"{first}..{last}"
    if not check.weeks or check.mean("demand") <= TOL:
        return f"no rack demand in {span}"
    demand, on_time = check.mean("demand"), check.mean("on_time")
    can = ceiling.rate_text
    lifts = "; ".join(
        f"{lift.table} {lift.where} {lift.column} "
        f"(to {lift.new:,.0f}: {lift.racks_per_week_after:,.0f} a week)"
        for lift in ceiling.lifts
    )
    held = f". Held back by: {lifts}" if lifts else ""
    if check.meets and ceiling.meets_target:
        return (
            f"yes: in {span} the plan delivers all {demand:,.0f} racks a week on time and the "
            f"plants can complete {can}"
        )
    if check.meets:
        return (
            f"yes, but only from stock built ahead: in {span} the plan delivers all "
            f"{demand:,.0f} racks a week on time while the plants can complete {can}{held}"
        )
    return (
        f"no: in {span} demand is {demand:,.0f} racks a week; the plants can complete {can} "
        f"and the plan delivers {on_time:,.0f} on time ({on_time / demand:.0%}){held}"
    )


def _answer(check: TargetCheck, labels: tuple[str, ...], first: int) -> str:
    if not check.weeks or check.mean("demand") <= TOL:
        return f"no {check.item_kind} demand in the last {len(check.weeks)} weeks"
    span = f"{labels[first]}..{labels[-1]}"
    demand, output, on_time = check.mean("demand"), check.mean("output"), check.mean("on_time")
    held = (
        "; ".join(
            f"{b['kind']} {b['id']} ({b['first_week']}..{b['last_week']})"
            for b in check.binding[:3]
        )
        or "no capacity limit (lead times or cost)"
    )
    held = f"{held} (cost drivers; the ceiling ranks limits in racks)"
    if check.meets:
        peak = max(w.output for w in check.weeks)
        if output >= demand * (1 - 0.01):
            return (
                f"yes: in {span} the plan delivers all {demand:,.0f} {check.item_kind}s a week "
                f"on time from current output ({output:,.0f} a week)"
            )
        return (
            f"yes, but only from stock built ahead: in {span} the plan delivers all "
            f"{demand:,.0f} {check.item_kind}s a week on time while the plants complete "
            f"{output:,.0f} a week (peak {peak:,.0f} against {check.weeks[-1].demand:,.0f} due "
            f"in {labels[-1]}). Held back by: {held}"
        )
    return (
        f"no: in {span} demand is {demand:,.0f} {check.item_kind}s a week; the plan "
        f"completes {output:,.0f} and delivers {on_time:,.0f} on time "
        f"({on_time / demand:.0%}). Held back by: {held}"
    )
