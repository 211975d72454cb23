"""Dated capacity events (``events.csv``): the one place that says which capacity an event
changes, in which weeks, and by what factor.

An event keeps ``capacity_factor`` of a capacity in the weeks ``start .. start + weeks - 1``
(``weeks`` 0: to the end of the horizon; an event running past the horizon is clipped). Its
``target`` selects the rows it changes:

* a supplier: its ``supply`` rows (``capacity_per_week``);
* a site: the hours of every resource there and its ``make`` limits (``max_per_week``);
* a lane ``from_site>to_site``: its ``lanes`` rows (``capacity_per_week``);
* ``site/resource``: that resource's hours.

With ``item`` set, only the supply, make and lane rows of that item change (a lane row for
every item is shared, so it changes too); resources serve every item and change whatever the
item. Events on one row multiply. A factor of 0 stops the row even where its capacity is
unlimited (a supplier with no stated capacity ships nothing while stopped); any other factor
leaves an unlimited capacity unlimited, unless the row's *nominal* capacity is known, its
peak weekly flow in a plan being executed: then a factor between 0 and 1 keeps that share of
it, the rule by which the executed plan and the risk engine limit such a row in an outage
(:class:`rackforge.plan.options.NominalCapacities`). Factors above 1 are expansions.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import pandas as pd

from rackforge.scenario.errors import Problem
from rackforge.scenario.model import Scenario


class Limit(StrEnum):
    """The capacities an event can change, named by their table."""

    RESOURCES = "resources"
    MAKE = "make"
    SUPPLY = "supply"
    LANES = "lanes"


def outage_targets(
    sites: Iterable[str], suppliers: Iterable[str], lanes: Iterable[tuple[str, str]]
) -> set[str]:
    """What a risk row or an outage may name: a site, a supplier or a lane
    ``from_site>to_site`` (events may also name ``site/resource``)."""
    return set(sites) | set(suppliers) | {f"{a}>{b}" for a, b in lanes}


def _hits(limit: Limit, rows: pd.DataFrame, target: str, item: str) -> np.ndarray:
    """Which of ``rows`` (columns of the ``limit`` table's key) the event's target selects."""
    n = len(rows)
    same_item: np.ndarray = np.ones(n, dtype=bool)
    if item and "item" in rows:
        own = rows["item"].astype(str).to_numpy()
        shared = own == "" if limit is Limit.LANES else np.zeros(n, dtype=bool)
        same_item = np.asarray((own == item) | shared, dtype=bool)
    if limit is Limit.RESOURCES:
        named = rows["site"].astype(str) + "/" + rows["resource"].astype(str)
        hit: np.ndarray = ((rows["site"] == target) | (named == target)).to_numpy(bool)
        return hit
    if limit is Limit.MAKE:
        hit = (rows["site"] == target).to_numpy(bool)
    elif limit is Limit.SUPPLY:
        hit = (rows["supplier"] == target).to_numpy(bool)
    else:
        lane = rows["from_site"].astype(str) + ">" + rows["to_site"].astype(str)
        hit = (lane == target).to_numpy(bool)
    out: np.ndarray = hit & same_item
    return out


def capacity_factors(scenario: Scenario, limit: Limit, rows: pd.DataFrame) -> np.ndarray:
    """``(len(rows), horizon)``: the factor on each row's capacity in each week (1 where no
    event applies). ``rows`` holds the key columns of the ``limit`` table (site/resource;
    site/item; supplier/item/site; from_site/to_site/item), one row per capacity."""
    h = scenario.config.horizon_weeks
    factor = np.ones((len(rows), h))
    if rows.empty:
        return factor
    for ev in scenario.events.itertuples(index=False):
        hit = _hits(limit, rows, str(ev.target), str(ev.item))
        if not hit.any():
            continue
        first = int(ev.start)
        last = h if int(ev.weeks) <= 0 else min(h, first + int(ev.weeks))
        factor[np.ix_(hit, np.arange(first, last))] *= float(ev.capacity_factor)
    return factor


def weekly_capacity(
    capacity: np.ndarray, factor: np.ndarray, nominal: np.ndarray | None = None
) -> np.ndarray:
    """``(rows, weeks)`` capacities: ``capacity`` per row times its weekly factor, 0 where
    the factor is 0 even for an unlimited capacity; with ``nominal`` (per row, NaN where not
    known), an unlimited row under a factor between 0 and 1 keeps that share of its nominal
    capacity (module docstring)."""
    cap = np.asarray(capacity, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        out = np.where(factor == 0.0, 0.0, cap * factor)
        if nominal is not None:
            known = np.asarray(nominal, dtype=float)[:, None]
            partial = np.isinf(cap) & (factor > 0.0) & (factor < 1.0) & np.isfinite(known)
            out = np.where(partial, known * factor, out)
    return out


def unlimited_share_warnings(scenario: Scenario) -> list[Problem]:
    """A warning, located at its ``events`` row, for each event with a factor between 0 and 1
    that hits a supply row or lane with no stated capacity: planned alone, such a row stays
    unlimited (module docstring), so the event does not limit it. (A plant's make rows need
    no warning: their plant's resources carry the event.)"""
    out: list[Problem] = []

    def named(limit: Limit, row: pd.Series) -> str:
        if limit is Limit.SUPPLY:
            return f"supply row {row['supplier']} {row['item']} at {row['site']}"
        return f"lane {row['from_site']}>{row['to_site']} ({row['item'] or 'every item'})"

    for k, ev in enumerate(scenario.events.itertuples(index=False)):
        if not 0.0 < float(ev.capacity_factor) < 1.0:
            continue
        free: list[str] = []
        for limit, rows in ((Limit.SUPPLY, scenario.supply), (Limit.LANES, scenario.lanes)):
            if rows.empty:
                continue
            hit = _hits(limit, rows, str(ev.target), str(ev.item))
            unlimited = hit & ~np.isfinite(rows["capacity_per_week"].to_numpy(float))
            free += [named(limit, row) for _, row in rows[unlimited].astype(str).iterrows()]
        if free:
            out.append(
                Problem(
                    "events.csv",
                    f"{float(ev.capacity_factor):g} of {', '.join(free)}, which states no "
                    "capacity_per_week, leaves it unlimited in a plan; state its capacity to "
                    "plan a partial outage (an executed plan limits it to that share of its "
                    "peak flow)",
                    k + 2,  # 1: the header
                    "capacity_factor",
                )
            )
    return out
