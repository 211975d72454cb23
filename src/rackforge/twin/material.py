"""The material of a plan window for the twin: the stock at the window's start and what the
plan moves in and out of the simulated plants during it.

:func:`plan_material` reads a plan (its tables, in plan weeks) and :func:`material_spec`
turns that into the :class:`rackforge.twin.spec.Material` of a line, kits from the BOM as
every engine reads it (:func:`rackforge.scenario.derived.bom_lines`: the site's own line in
place of the blank one, ``qty / (1 - scrap)`` children per unit started; the routing's own
scrap is simulated, so the planner's shrinkage factor is not applied again).

What a window holds, weeks counted from its first:

* ``on_hand``: the plan's stock at the end of the week before the window (the scenario's
  inventory when the window starts at week 0);
* arrivals, at the start of their week (the due date of MRP's buckets): purchases and
  transfers due in the window, with their lead times (which the twin draws with each supply
  row's or lane's cv, :func:`rackforge.scenario.derived.lead_time_cvs`), the scenario's
  open receipts due in it, and the production of items the twin does not route (the plan's,
  at its available week);
* departures: transfers shipped and deliveries made in the window, due at the end of their
  week (a week's shipments leave once its work is done), and the children that production
  of unrouted parents consumes, at the start of its week (when it is started). A transfer
  shipped in the window keeps its lane's lead time on both ends, so the twin can send what
  really left (:class:`rackforge.twin.spec.Flow`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rackforge.plan.tables import PlanTables
from rackforge.scenario import Scenario
from rackforge.scenario.derived import ROW_KEYS, bom_lines, lane_row, lead_time_cv_by_row
from rackforge.scenario.schema import HOURS_PER_WEEK
from rackforge.twin.spec import Flow, Material, Route

_FLOW_COLUMNS = [
    "site",
    "item",
    "week",
    "lead_weeks",
    "lead_cv",
    "qty",
    "made",
    "by",
    "to_site",
    "transfer",
]


@dataclass(frozen=True)
class PlanMaterial:
    """``on_hand``: site, item, qty at the window's start. ``flows``: site, item, week (from
    the window's start), lead_weeks and the cv of its draw (``lead_cv``: the supply row's or
    lane's, :func:`rackforge.scenario.derived.lead_time_cvs`), qty (negative: leaves),
    ``made`` (the plan's production: the twin makes it itself where it routes the item) and
    ``by`` (the parent whose production consumes it, "" otherwise: the twin kits it itself
    where it routes the parent). A transfer is two rows, one per end, when both fall in the
    window (shipped at ``site``, lane and lead time on both; ``to_site`` on the shipment),
    with the same ``transfer`` (-1 for what is no transfer): the twin links them where it
    simulates both plants."""

    on_hand: pd.DataFrame
    flows: pd.DataFrame


def plan_releases(tables: PlanTables, first: int, weeks: int) -> pd.DataFrame:
    """site, item, week, qty: the plan's production started in weeks ``first .. first + weeks
    - 1``, renumbered from week 0 (what the twin releases)."""
    prod = tables.production
    chosen = prod[(prod["week"] >= first) & (prod["week"] < first + weeks) & (prod["qty"] > 0)]
    release = chosen[["site", "item", "week", "qty"]].assign(week=chosen["week"] - first)
    return release.reset_index(drop=True)


def plan_material(scenario: Scenario, tables: PlanTables, first: int, weeks: int) -> PlanMaterial:
    """The material of the plan weeks ``first .. first + weeks - 1`` (module docstring)."""
    last = first + weeks

    def within(frame: pd.DataFrame, col: str) -> pd.DataFrame:
        return frame[(frame[col] >= first) & (frame[col] < last)]

    if first == 0:
        inv = scenario.inventory.rename(columns={"on_hand": "qty"})
    else:
        inv = tables.inventory[tables.inventory["week"] == first - 1]
        inv = inv.rename(columns={"on_hand": "qty"})
    on_hand = inv.groupby(["site", "item"], as_index=False)["qty"].sum()

    def flow(
        frame: pd.DataFrame,
        site: str,
        week: str,
        lead: Any,
        sign: float,
        made: bool = False,
        cv: Any = 0.0,
    ) -> pd.DataFrame:
        # arrivals come at the start of their week, shipments leave at its end
        end = 1 if sign < 0 else 0
        return pd.DataFrame(
            {
                "site": frame[site].astype(str),
                "item": frame["item"].astype(str),
                "week": frame[week].astype(int) - first + end,
                "lead_weeks": lead,
                "lead_cv": cv,
                "qty": sign * frame["qty"].astype(float),
                "made": made,
                "by": "",
                "to_site": "",
                "transfer": -1,
            }
        )

    def moves(frame: pd.DataFrame, week: str, sign: float) -> pd.DataFrame:
        """One end of each transfer of ``frame``, with its lane's lead time and cv."""
        cv = [lane_row(lane_cv, key, 0.0) for key in _keys(frame, ROW_KEYS["lanes"])]
        site = "to_site" if sign > 0 else "from_site"
        out = flow(frame, site, week, frame["arrival_week"] - frame["week"], sign, cv=cv)
        return out.assign(
            to_site="" if sign > 0 else frame["to_site"].astype(str),
            transfer=frame.index.to_numpy(int),
        )

    buy = within(tables.purchases, "arrival_week")
    sent = within(tables.deliveries, "week")
    made = within(tables.production, "available_week")
    receipts = within(scenario.receipts, "week")
    supply_cv = lead_time_cv_by_row(scenario, "supply")
    lane_cv = lead_time_cv_by_row(scenario, "lanes")
    buy_cv = [supply_cv.get(key, 0.0) for key in _keys(buy, ROW_KEYS["supply"])]
    transfers = tables.transfers.reset_index(drop=True)
    parts = [
        flow(buy, "site", "arrival_week", buy["arrival_week"] - buy["week"], 1.0, cv=buy_cv),
        moves(within(transfers, "arrival_week"), "arrival_week", 1.0),
        flow(receipts, "site", "week", 0, 1.0),
        flow(made, "site", "available_week", 0, 1.0, made=True),
        moves(within(transfers, "week"), "week", -1.0),
        flow(sent, "site", "week", 0, -1.0),
        _consumed(scenario, within(tables.production, "week"), first),
    ]
    frames = [p for p in parts if len(p)]
    flows = pd.concat(frames, ignore_index=True) if frames else _empty_flows()
    return PlanMaterial(on_hand, flows)


def _keys(moves: pd.DataFrame, columns: tuple[str, str, str]) -> list[tuple[str, str, str]]:
    """The supply row or lane (:data:`ROW_KEYS`) each of ``moves`` goes by."""
    a, b, c = (moves[k].astype(str) for k in columns)
    return list(zip(a, b, c, strict=True))


def _consumed(scenario: Scenario, started: pd.DataFrame, first: int) -> pd.DataFrame:
    """The children that the production started in the window takes, at its start week (the
    planner's own rate: children per good parent, its shrinkage included)."""
    lines = bom_lines(scenario).rename(columns={"parent": "by", "child": "item"})
    lines = lines[["site", "by", "item", "per_unit"]]
    use = started[["site", "item", "week", "qty"]].rename(columns={"item": "by"})
    use = use.merge(lines, on=["site", "by"])
    return pd.DataFrame(
        {
            "site": use["site"].astype(str),
            "item": use["item"].astype(str),
            "week": use["week"].astype(int) - first,
            "lead_weeks": 0,
            "lead_cv": 0.0,
            "qty": -use["qty"].astype(float) * use["per_unit"].astype(float),
            "made": False,
            "by": use["by"].astype(str),
            "to_site": "",
            "transfer": -1,
        }
    )


def _empty_flows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _FLOW_COLUMNS})


def material_spec(scenario: Scenario, routes: Sequence[Route], window: PlanMaterial) -> Material:
    """The :class:`Material` of a line of ``routes``: their kits, the parts they take or make
    and the window's stock and flows of those parts (what the twin makes or kits itself
    left out)."""
    bom = bom_lines(scenario)
    per_start = bom["qty"] / (1.0 - bom["scrap"])
    kit_of: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for site, parent, child, q in zip(
        bom["site"], bom["parent"], bom["child"], per_start, strict=True
    ):
        kit_of.setdefault((str(site), str(parent)), []).append((str(child), float(q)))
    index: dict[tuple[str, str], int] = {}
    kits = []
    for r in routes:
        kit = []
        for child, q in kit_of.get((r.site, r.item), []):
            kit.append((index.setdefault((r.site, child), len(index)), q))
        kits.append(tuple(kit))
    routed = {(r.site, r.item) for r in routes}
    makes = tuple(index.get((r.site, r.item), -1) for r in routes)
    stock = [0.0] * len(index)
    for site, item, q in zip(
        window.on_hand["site"], window.on_hand["item"], window.on_hand["qty"], strict=True
    ):
        k = index.get((str(site), str(item)))
        if k is not None:
            stock[k] += max(float(q), 0.0)
    flows = window.flows
    # a transfer whose shipment the twin makes comes with what really leaves, not the plan's
    shipped = flows.loc[(flows["qty"] < 0) & (flows["transfer"] >= 0)]
    linked = {
        int(x)
        for x, site, item in zip(shipped["transfer"], shipped["site"], shipped["item"], strict=True)
        if (site, item) in index
    }
    out = []
    for f in flows.itertuples(index=False):
        k = index.get((f.site, f.item))
        if k is None or (f.made and (f.site, f.item) in routed) or (f.site, f.by) in routed:
            continue
        if f.qty > 0 and f.transfer in linked:
            continue
        due, lead = f.week * HOURS_PER_WEEK, f.lead_weeks * HOURS_PER_WEEK
        to = index.get((f.to_site, f.item), -1) if f.qty < 0 else -1
        # a shipment (not a consumption, due at its week's start) is held from its week's start
        hold = HOURS_PER_WEEK if f.qty < 0 and not f.by else 0.0
        out.append(Flow(due, lead, k, float(f.qty), float(f.lead_cv), to, hold))
    names = tuple(f"{s}/{i}" for s, i in index)
    return Material(names, tuple(stock), tuple(kits), makes, tuple(out))
