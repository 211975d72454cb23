"""What :func:`rackforge.execute.execute` returns: plan against actual week by week, the
fill-rate distribution, and the chance that each demand row is delivered on time, and why not."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rackforge.execute.options import ExecuteOptions
from rackforge.execute.week import PLANNED_LATE, TOL, Ledger
from rackforge.plan import PlanResult
from rackforge.plan.tables import completions
from rackforge.scenario import ItemKind, Scenario

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


@dataclass(frozen=True)
class Replication:
    rep: int
    ledger: Ledger
    open: dict[str, float]  # what is still owed at the end, by demand id
    plans: int  # plans solved (the first one included)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a binomial proportion (Wilson 1927, *JASA* 22:209;
    recommended over the normal interval for small ``n`` or a share near 0 or 1 by Brown, Cai
    & DasGupta 2001, *Statistical Science* 16:101)."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class ExecutionResult:
    """The executed plan over ``weeks`` weeks and its replications.

    ``weeks_table``: per week the racks the first plan completes (``planned``) and, as means
    over replications, the racks completed (``made``, with its 5th and 95th percentiles),
    delivered, and past due still owed at the week's end (``late``). ``fill_rates``: per
    replication, rack units delivered by their due week over rack units due in the executed
    weeks. ``orders``: per demand row due in the executed weeks, the share of replications
    that deliver it in full by its due week, its Wilson interval and the most frequent cause
    when it is late. ``causes``: units short or late per replication, by cause.
    """

    scenario: str
    options: ExecuteOptions
    week_labels: tuple[str, ...]
    weeks_table: pd.DataFrame
    fill_rates: np.ndarray
    planned_fill_rate: float
    orders: pd.DataFrame
    causes: pd.DataFrame
    plans_per_replication: float

    def fill_rate_summary(self) -> dict[str, float]:
        f = self.fill_rates
        return {
            "mean": float(f.mean()),
            "p5": float(np.percentile(f, 5)),
            "p50": float(np.percentile(f, 50)),
            "p95": float(np.percentile(f, 95)),
            "planned": self.planned_fill_rate,
        }

    def at_risk(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` rows least likely to be on time (ties: the larger first)."""
        late = self.orders[self.orders["on_time_probability"] < 1.0]
        return late.sort_values(["on_time_probability", "qty"], ascending=[True, False]).head(n)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``rackforge execute --json`` (docs/execute.md)."""
        o = self.options
        return {
            "scenario": self.scenario,
            "options": {
                "weeks": o.weeks,
                "replan_every": o.replan_every,
                "replications": o.replications,
                "seed": o.seed,
                "lead_time_cv": o.lead_time_cv,
                "breakdowns": o.breakdowns,
                "yields": o.yields,
                "disruptions": o.disruptions,
                "duration": o.duration.value,
                "safety_lead_weeks": o.safety_lead_weeks,
                "outages": [
                    {
                        "target": x.target,
                        "start": self.week_labels[x.start]
                        if x.start < len(self.week_labels)
                        else x.start,
                        "weeks": x.weeks,
                        "capacity_factor": x.capacity_factor,
                    }
                    for x in o.outages
                ],
            },
            "plans_per_replication": self.plans_per_replication,
            "weeks": [
                {
                    "week": r.iso_week,
                    "planned": float(r.planned),
                    "made": float(r.made),
                    "made_p5": float(r.made_p5),
                    "made_p95": float(r.made_p95),
                    "delivered": float(r.delivered),
                    "late": float(r.late),
                }
                for r in self.weeks_table.itertuples(index=False)
            ],
            "fill_rate": {
                **self.fill_rate_summary(),
                "replications": [float(x) for x in self.fill_rates],
            },
            "orders": [
                {
                    "demand": r.demand,
                    "item": r.item,
                    "site": r.site,
                    "due_week": r.due_week,
                    "qty": float(r.qty),
                    "on_time_probability": float(r.on_time_probability),
                    "ci95": [float(r.ci_low), float(r.ci_high)],
                    "cause": r.cause,
                }
                for r in self.orders.itertuples(index=False)
            ],
            "causes": [
                {"cause": r.cause, "units_per_replication": float(r.units)}
                for r in self.causes.itertuples(index=False)
            ],
        }


def _planned_racks(
    scenario: Scenario, first: PlanResult, racks: set[str], weeks: int
) -> np.ndarray:
    """Racks the first plan completes per week (:func:`completions`)."""
    out = np.zeros(weeks)
    assert first.tables is not None
    done = completions(first.tables, scenario.receipts)
    done = done[done["item"].isin(racks) & (done["week"] < weeks)]
    np.add.at(out, done["week"].to_numpy(int), done["qty"].to_numpy(float))
    return out


def _orders(
    scenario: Scenario, first: PlanResult, reps: list[Replication], weeks: int
) -> pd.DataFrame:
    dem = scenario.demand
    rows = dem[dem["week"] < weeks]
    planned_cause = {d.demand: d.cause.text for d in first.late}
    out = []
    for d, item, site, week, qty in zip(
        *(rows[c] for c in ("demand", "item", "site", "week", "qty")), strict=True
    ):
        on_time = [r.ledger.on_time.get(d, 0.0) >= qty * (1 - TOL) - TOL for r in reps]
        hits = int(sum(on_time))
        low, high = wilson(hits, len(reps))
        causes = Counter(
            r.ledger.cause.get(d, PLANNED_LATE)
            for r, ok in zip(reps, on_time, strict=True)
            if not ok
        )
        cause = ""
        if causes:
            top, count = causes.most_common(1)[0]
            if top == PLANNED_LATE and d in planned_cause:
                top = f"{PLANNED_LATE}: {planned_cause[d]}"
            cause = f"{top} ({count} of {len(reps) - hits} late runs)"
        out.append(
            {
                "demand": str(d),
                "item": str(item),
                "site": str(site),
                "due_week": scenario.week_label(int(week)),
                "qty": float(qty),
                "on_time_probability": hits / len(reps),
                "ci_low": low,
                "ci_high": high,
                "expected_on_time_units": float(
                    np.mean([min(r.ledger.on_time.get(d, 0.0), qty) for r in reps])
                ),
                "cause": cause,
            }
        )
    return pd.DataFrame(out)


def summarise(
    scenario: Scenario, first: PlanResult, options: ExecuteOptions, reps: list[Replication]
) -> ExecutionResult:
    weeks = int(options.weeks or scenario.config.horizon_weeks)
    rack_items = scenario.items_of_kind(ItemKind.RACK)
    made = np.array([r.ledger.made for r in reps])
    table = pd.DataFrame(
        {
            "week": np.arange(weeks),
            "iso_week": [scenario.week_label(w) for w in range(weeks)],
            "planned": _planned_racks(scenario, first, rack_items, weeks),
            "made": made.mean(axis=0),
            "made_p5": np.percentile(made, 5, axis=0),
            "made_p95": np.percentile(made, 95, axis=0),
            "delivered": np.mean([r.ledger.delivered for r in reps], axis=0),
            "late": np.mean([r.ledger.late for r in reps], axis=0),
        }
    )
    dem = scenario.demand
    due = dem[(dem["week"] < weeks) & dem["item"].isin(rack_items)]
    total = float(due["qty"].sum())
    fill = np.array(
        [
            sum(
                min(r.ledger.on_time.get(d, 0.0), q)
                for d, q in zip(due["demand"], due["qty"], strict=False)
            )
            / total
            if total > 0
            else 1.0
            for r in reps
        ]
    )
    assert first.tables is not None
    svc = first.tables.service
    svc = svc[svc["demand"].isin(set(due["demand"]))]
    planned_fill = float(svc["on_time"].sum()) / total if total > 0 else 1.0
    short: Counter[str] = Counter()
    for r in reps:
        short.update(r.ledger.short)
    causes = pd.DataFrame(
        [(c, u / len(reps)) for c, u in short.most_common()], columns=["cause", "units"]
    )
    return ExecutionResult(
        scenario=scenario.config.name,
        options=options,
        week_labels=tuple(scenario.week_label(w) for w in range(weeks)),
        weeks_table=table,
        fill_rates=fill,
        planned_fill_rate=planned_fill,
        orders=_orders(scenario, first, reps, weeks),
        causes=causes,
        plans_per_replication=float(np.mean([r.plans for r in reps])),
    )
