"""Where the jobs come from: a production plan given by the user, or one derived from demand.

A plan is a table ``site, item, week, qty`` of good units to make (the planner's production
output has that shape). Without one, :func:`level_plan` derives a level plan from the
scenario's demand, so that the twin runs on nothing but the scenario.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import pandas as pd

from rackforge.scenario import Scenario, parse_iso_week
from rackforge.scenario.derived import (
    available_hours,
    bom_per_site,
    hours_per_good_unit,
    rough_cut,
)
from rackforge.twin.spec import TwinError

PLAN_COLUMNS = ("site", "item", "week", "qty")


def nominal_capacities(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Good units a week each (site, item) with a routing could make of the item alone (the
    rough cut of :func:`rackforge.scenario.derived.rough_cut`, with the routing's hours per
    good unit before the automation levers), capped by ``make.max_per_week``."""
    hours = available_hours(scenario)
    limits = {
        (str(site), str(item)): float(cap)
        for site, item, cap in zip(
            scenario.make["site"], scenario.make["item"], scenario.make["max_per_week"], strict=True
        )
    }
    loads: dict[tuple[str, str], dict[str, float]] = {}
    for row in hours_per_good_unit(scenario, automation=False).itertuples(index=False):
        loads.setdefault((str(row.site), str(row.item)), {})[str(row.resource)] = float(row.hours)
    return {
        key: rough_cut(hours, key[0], own, limits.get(key, math.inf))[0]
        for key, own in loads.items()
    }


def nominal_capacity(scenario: Scenario, site: str, item: str) -> float:
    """:func:`nominal_capacities` of one (site, item); NaN without a routing."""
    return nominal_capacities(scenario).get((site, item), math.nan)


def split(total: float, weights: dict[str, float], caps: dict[str, float]) -> dict[str, float]:
    """Share ``total`` in proportion to ``weights``, no site above its cap (water-filling:
    what a capped site cannot take goes to the others; what nobody can take is left out)."""
    out = {s: 0.0 for s in weights}
    open_ = {s for s in weights if caps[s] > 0}
    left = total
    while left > 1e-12 and open_:
        w = sum(weights[s] for s in open_)
        share = {s: left * (weights[s] / w if w > 0 else 1.0 / len(open_)) for s in open_}
        left = 0.0
        for s in sorted(open_):
            room = caps[s] - out[s]
            take = min(share[s], room)
            out[s] += take
            left += share[s] - take
            if out[s] >= caps[s] - 1e-12:
                open_.discard(s)
    return out


def level_plan(scenario: Scenario, weeks: int | None = None) -> pd.DataFrame:
    """A level production plan derived from the demand (columns site, item, week, qty).

    Each demanded item's total demand is spread evenly over the horizon; the plan repeats
    that level for ``weeks`` weeks (default: the horizon). Requirements are exploded
    through the bill of materials in topological order, children per good parent as every
    engine reads them (:func:`rackforge.scenario.derived.bom_per_site`: a site's own BOM rows
    in place of the generic ones, ``qty / (1 - scrap)``, the routing's shrinkage included).
    Each made item's requirement is shared between the sites that make it in
    proportion to their :func:`nominal_capacity` (equally when a maker has no routing),
    never above ``make.max_per_week``; what no site can make, like items nobody makes, is
    bought and left out. A planner's plan, when there is one, is the better input.
    """
    horizon = scenario.config.horizon_weeks
    makers: dict[str, list[str]] = defaultdict(list)
    caps: dict[tuple[str, str], float] = {}
    for site, item, limit in zip(
        scenario.make["site"], scenario.make["item"], scenario.make["max_per_week"], strict=True
    ):
        makers[str(item)].append(str(site))
        caps[(str(site), str(item))] = float(limit)
    bom = scenario.bom
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(str(i) for i in scenario.items["item"])
    graph.add_edges_from(zip(bom["parent"].astype(str), bom["child"].astype(str), strict=True))
    need: dict[str, float] = defaultdict(float)
    for item, qty in scenario.demand.groupby("item")["qty"].sum().items():
        need[str(item)] += float(qty) / horizon
    req: dict[tuple[str, str], float] = {}
    capacity = nominal_capacities(scenario)
    children = bom_per_site(scenario)
    for item in nx.topological_sort(graph):
        sites = makers.get(item, [])
        if not sites or need[item] <= 0:
            continue
        nominal = {s: capacity.get((s, item), math.nan) for s in sites}
        if any(math.isnan(v) for v in nominal.values()):
            weights = {s: 1.0 for s in sites}
        else:
            weights = {s: (v if math.isfinite(v) else 1.0) for s, v in nominal.items()}
        shares = split(need[item], weights, {s: caps[(s, item)] for s in sites})
        for site, rate in shares.items():
            if rate <= 0:
                continue
            req[(site, item)] = rate
            for child, per_unit in children.get((site, item), {}).items():
                need[child] += rate * per_unit
    records = [
        (site, item, week, rate)
        for (site, item), rate in sorted(req.items())
        for week in range(horizon if weeks is None else weeks)
    ]
    return pd.DataFrame.from_records(records, columns=list(PLAN_COLUMNS))


def normalize_plan(scenario: Scenario, plan: pd.DataFrame) -> pd.DataFrame:
    """Check a plan's columns and turn ISO-week labels (``2026-W05``) into week offsets."""
    missing = [c for c in PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise TwinError([f"plan: missing column(s) {', '.join(missing)}"])
    out = plan.loc[:, list(PLAN_COLUMNS)].copy()
    start = scenario.config.start_date
    problems = []

    def week_of(value: object) -> int:
        if isinstance(value, str) and "-W" in value:
            return (parse_iso_week(value) - start).days // 7
        return int(str(value))

    try:
        out["week"] = [week_of(w) for w in out["week"]]
    except ValueError as exc:
        problems.append(f"plan: week: {exc}")
    out["qty"] = pd.to_numeric(out["qty"], errors="coerce")
    if out["qty"].isna().any() or (out["qty"] < 0).any():
        problems.append("plan: qty must be numbers >= 0")
    if not problems and (out["week"] < 0).any():
        problems.append("plan: weeks before the scenario start")
    if problems:
        raise TwinError(problems)
    out["site"] = out["site"].astype(str)
    out["item"] = out["item"].astype(str)
    return out
