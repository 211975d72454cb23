"""Capacity that may be bought: integer expansion variables on the capacity rows.

A row of ``resources``, ``make``, ``supply`` or ``lanes`` with an ``expand_cost`` may grow by
``e >= 0`` whole units (resource units, or units a week of its weekly limit) at that cost each.
An expansion works from week ``expand_lead_weeks`` on, and dated events act on it as on the
row's own capacity (a stopped plant's new bay is stopped too). In each capacity row

    load(week) <= capacity(week) + e x per_unit(week)      (week >= expand_lead_weeks)

with ``per_unit`` the hours a week of one more resource unit (:func:`hours_per_unit`) or 1 unit
a week, times the week's event factor. Only the expansion plan adds these variables; the
least-cost plan and the ceiling leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rackforge.plan.lp.context import Build
from rackforge.plan.lp.terms import Terms
from rackforge.plan.network import Network
from rackforge.scenario import Scenario
from rackforge.scenario.derived import hours_per_unit
from rackforge.scenario.events import Limit, capacity_factors, weekly_capacity

#: The table column each limit's capacity is read from (what an expansion adds to).
CAPACITY_COLUMN = {
    Limit.RESOURCES: "units",
    Limit.MAKE: "max_per_week",
    Limit.SUPPLY: "capacity_per_week",
    Limit.LANES: "capacity_per_week",
}


@dataclass(frozen=True)
class Expandable:
    """Per capacity table, aligned with the network's rows: the cost of one more unit (NaN:
    the row cannot grow), the first week an expansion works and what one unit adds a week."""

    cost: dict[Limit, np.ndarray]
    first_week: dict[Limit, np.ndarray]
    per_unit: dict[Limit, np.ndarray]  # (rows, horizon)

    def rows(self, limit: Limit) -> np.ndarray:
        """The rows of ``limit`` that may grow."""
        return np.flatnonzero(np.isfinite(self.cost[limit]))

    @property
    def any(self) -> bool:
        return any(self.rows(limit).size for limit in Limit)


def expandable(scenario: Scenario, net: Network) -> Expandable:
    """What the scenario offers to buy (module docstring); a row whose limit is unbounded in
    every week has nothing to expand."""
    frames = {
        Limit.RESOURCES: (scenario.resources, net.resources),
        Limit.MAKE: (scenario.make, net.make),
        Limit.SUPPLY: (scenario.supply, net.supply),
        Limit.LANES: (scenario.lanes, net.lanes),
    }
    cost, first, per_unit = {}, {}, {}
    for limit, (table, rows) in frames.items():
        table = table.reset_index(drop=True)
        price = table["expand_cost"].to_numpy(float).copy()
        if limit is Limit.RESOURCES:
            unit = hours_per_unit(scenario).to_numpy(float)
        else:
            unit = np.ones(len(table))
            price[~np.isfinite(net.weekly[limit]).any(axis=1)] = np.nan
        cost[limit] = price
        first[limit] = table["expand_lead_weeks"].to_numpy(np.int64)
        per_unit[limit] = weekly_capacity(unit, capacity_factors(scenario, limit, rows))
    return Expandable(cost, first, per_unit)


def add_expansions(build: Build) -> None:
    """One integer variable per row that may grow, ``expand_<table>`` (none without
    ``build.expansion``)."""
    offer = build.expansion
    if offer is None:
        return
    for limit in Limit:
        rows = offer.rows(limit)
        if rows.size:
            build.variables[f"expand_{limit.value}"] = build.model.add_variables(
                lower=0.0,
                coords=[pd.Index(rows, name=f"expand_{limit.value}_row")],
                name=f"expand_{limit.value}",
                integer=True,
            )


def expansion_labels(build: Build, limit: Limit) -> np.ndarray:
    """The expansion variable of each row of ``limit`` (-1 where the row cannot grow)."""
    out = np.full(len(build.net.weekly[limit]), -1, dtype=np.int64)
    var = build.variables.get(f"expand_{limit.value}")
    if var is not None and build.expansion is not None:
        out[build.expansion.rows(limit)] = np.asarray(var.labels.values, dtype=np.int64)
    return out


def grow(build: Build, limit: Limit, terms: Terms, limit_rows: np.ndarray) -> None:
    """Let capacity rows ``k * horizon + week`` of ``terms``, about rows ``limit_rows[k]`` of
    ``limit``, take in the rows' expansions from their first week on."""
    offer = build.expansion
    if offer is None or limit_rows.size == 0:
        return
    labels = expansion_labels(build, limit)[limit_rows]
    k = np.flatnonzero(labels >= 0)
    if k.size == 0:
        return
    h = build.horizon
    rows = k[:, None] * h + np.arange(h)[None, :]
    row_of = limit_rows[k]
    coeff = -offer.per_unit[limit][row_of]
    coeff[np.arange(h)[None, :] < offer.first_week[limit][row_of][:, None]] = 0.0
    terms.add(rows, np.broadcast_to(labels[k][:, None], rows.shape), coeff)
