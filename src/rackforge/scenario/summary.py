"""A first look at a scenario: counts, and demand against nominal capacity.

Nominal capacity is the rough-cut check planners do before any optimisation (Vollmann et al.,
*Manufacturing Planning and Control Systems*, ch. "Capacity planning", the bill-of-labour
method): for each plant and item it makes, the units a week the plant could make of that item
alone, i.e. ``min(max_per_week, min_r available_hours_r / load_r)`` where ``load_r`` is the
bill of resources: the routing's hours per good unit at resource ``r`` plus, for every BOM child
made at the same plant, the child units per good parent times the child's own load. Available
hours, hours per good unit (with the automation levers, as the planner applies them by
default) and child units come from :mod:`rackforge.scenario.derived` and the planner's BOM
rules. It ignores material and the sharing of resources between items; the planner accounts
for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rackforge.scenario.derived import (
    available_hours,
    bom_per_site,
    hours_per_good_unit,
    rough_cut,
)
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import ItemKind


@dataclass(frozen=True)
class ScenarioSummary:
    counts: dict[str, int]
    horizon: tuple[str, str]
    capacity: pd.DataFrame  # site, item, units_per_week, limited_by
    demand_vs_capacity: pd.DataFrame  # week, label, demand, capacity, gap (rack items)


def bill_of_resources(scenario: Scenario) -> dict[tuple[str, str], dict[str, float]]:
    """Hours per good unit of each made (site, item) at each resource of that site, including
    the sub-assemblies the same site makes for it."""
    own: dict[tuple[str, str], dict[str, float]] = {}
    for row in hours_per_good_unit(scenario).itertuples(index=False):
        own.setdefault((row.site, row.item), {})[row.resource] = float(row.hours)
    made = set(zip(scenario.make["site"], scenario.make["item"], strict=True))
    children = bom_per_site(scenario)
    rolled: dict[tuple[str, str], dict[str, float]] = {}

    def roll(site: str, item: str) -> dict[str, float]:
        if (site, item) not in rolled:
            total = dict(own.get((site, item), {}))
            for child, per_unit in children.get((site, item), {}).items():
                if (site, child) in made:
                    for resource, hours in roll(site, child).items():
                        total[resource] = total.get(resource, 0.0) + per_unit * hours
            rolled[(site, item)] = total
        return rolled[(site, item)]

    return {key: roll(*key) for key in made}


def nominal_capacity(scenario: Scenario) -> pd.DataFrame:
    """Units a week each plant could make of each item alone, and what limits it."""
    hours = available_hours(scenario)
    loads = bill_of_resources(scenario)
    rows = []
    for make in scenario.make.itertuples(index=False):
        best, limit = rough_cut(
            hours, make.site, loads[(make.site, make.item)], float(make.max_per_week)
        )
        rows.append(
            {"site": make.site, "item": make.item, "units_per_week": best, "limited_by": limit}
        )
    return pd.DataFrame(rows, columns=["site", "item", "units_per_week", "limited_by"])


def summarize(scenario: Scenario) -> ScenarioSummary:
    counts = {name: len(frame) for name, frame in scenario.tables.items()}
    capacity = nominal_capacity(scenario)
    racks = scenario.items_of_kind(ItemKind.RACK)
    rack_capacity = capacity[capacity["item"].isin(racks)]
    # Plants share their resources between generations: take each plant's best rack.
    weekly_capacity = float(rack_capacity.groupby("site")["units_per_week"].max().sum())
    demand = scenario.demand[scenario.demand["item"].isin(racks)]
    per_week = demand.groupby("week")["qty"].sum().reindex(scenario.weeks, fill_value=0.0)
    table = pd.DataFrame(
        {
            "week": list(scenario.weeks),
            "label": [scenario.week_label(w) for w in scenario.weeks],
            "demand": per_week.to_numpy(),
            "capacity": weekly_capacity,
        }
    )
    table["gap"] = (table["demand"] - table["capacity"]).clip(lower=0.0)
    last = scenario.config.horizon_weeks - 1
    return ScenarioSummary(
        counts=counts,
        horizon=(scenario.week_label(0), scenario.week_label(last)),
        capacity=capacity,
        demand_vs_capacity=table,
    )
