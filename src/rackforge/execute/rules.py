"""What the execution reads from the scenario, once: each rule from the place the planner and
the risk engine read it (BOM per site, which resources a routing loads, yields, capacities,
MTBF/MTTR, the risk table)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from rackforge.plan.tables import PlanTables
from rackforge.risk.disruptions import RiskProfile, weekly_hazard
from rackforge.scenario import ItemKind, Scenario
from rackforge.scenario.derived import (
    availability,
    bom_per_site,
    hours_per_good_unit,
    lane_row,
    lead_time_cv_by_row,
    starts_per_good_unit,
)

Node = tuple[str, str]  # (site, item)


@dataclass(frozen=True)
class Rules:
    """The scenario's rules as the executed plan applies them (see the module docstring)."""

    bom: dict[Node, dict[str, float]]  # children issued per good parent, by (site, parent)
    routing: dict[Node, tuple[tuple[str, float], ...]]  # (resource, hours a good unit)
    good_fraction: dict[Node, float]  # expected good units per unit started on the routing
    make_cap: dict[Node, float]  # max_per_week of a make row
    supply_cap: dict[tuple[str, str, str], float]  # (supplier, item, site) -> per week
    supply_lead: dict[tuple[str, str, str], int]  # the supplier's real lead time, weeks
    supply_cv: dict[tuple[str, str, str], float]  # its lead time's cv (lead_time_cvs)
    lane_cap: dict[tuple[str, str, str], float]  # (from, to, item; "" = every item)
    lane_cv: dict[tuple[str, str, str], float]  # the lane row's lead time's cv
    resources: pd.DataFrame  # site, resource, units, hours_per_week, mtbf_h, mttr_h, avail
    racks: frozenset[str]
    risk_targets: tuple[str, ...]
    risk: RiskProfile
    safety_stock: dict[Node, float]
    level: dict[str, int]  # 0 for what has no BOM, else one more than its deepest child
    # peak weekly flow of each supply row and lane arc in the plan executed: the capacity
    # an outage scales where the row states none (with_nominal)
    supply_nominal: dict[tuple[str, str, str], float] = field(default_factory=dict)
    lane_nominal: dict[tuple[str, str, str], float] = field(default_factory=dict)


def _levels(bom: dict[Node, dict[str, float]]) -> dict[str, int]:
    children: dict[str, set[str]] = {}
    for (_, parent), kids in bom.items():
        children.setdefault(parent, set()).update(kids)
    level: dict[str, int] = {}

    def of(item: str) -> int:
        if item not in level:  # the BOM is a DAG (validated)
            level[item] = 1 + max((of(c) for c in children.get(item, ())), default=-1)
        return level[item]

    for item in list(children):
        of(item)
    return level


def rules_of(scenario: Scenario) -> Rules:
    loads = hours_per_good_unit(scenario)
    routing: dict[Node, list[tuple[str, float]]] = {}
    for site, item, res, hours in zip(*(loads[c] for c in loads.columns), strict=True):
        routing.setdefault((str(site), str(item)), []).append((str(res), float(hours)))
    starts = starts_per_good_unit(scenario)
    res = scenario.resources.copy()
    res["avail"] = availability(res["mtbf_h"], res["mttr_h"])
    risk = scenario.risk
    inv = scenario.inventory
    bom = bom_per_site(scenario)
    return Rules(
        bom=bom,
        routing={k: tuple(v) for k, v in routing.items()},
        good_fraction={(str(s), str(i)): 1.0 / float(v) for (s, i), v in starts.items()},
        make_cap={
            (str(s), str(i)): float(c)
            for s, i, c in zip(
                *(scenario.make[k] for k in ("site", "item", "max_per_week")), strict=False
            )
        },
        supply_cap={
            (str(a), str(i), str(s)): float(c)
            for a, i, s, c in zip(
                *(scenario.supply[k] for k in ("supplier", "item", "site", "capacity_per_week")),
                strict=False,
            )
        },
        supply_lead={
            (str(a), str(i), str(s)): int(w)
            for a, i, s, w in zip(
                *(scenario.supply[k] for k in ("supplier", "item", "site", "lead_weeks")),
                strict=True,
            )
        },
        supply_cv=lead_time_cv_by_row(scenario, "supply"),
        lane_cv=lead_time_cv_by_row(scenario, "lanes"),
        lane_cap={
            (str(f), str(t), str(i)): float(c)
            for f, t, i, c in zip(
                *(scenario.lanes[k] for k in ("from_site", "to_site", "item", "capacity_per_week")),
                strict=False,
            )
        },
        resources=res[
            ["site", "resource", "units", "hours_per_week", "mtbf_h", "mttr_h", "avail"]
        ].reset_index(drop=True),
        racks=frozenset(scenario.items_of_kind(ItemKind.RACK)),
        risk_targets=tuple(str(t) for t in risk["target"]),
        risk=RiskProfile(
            hazard=weekly_hazard(risk["annual_prob"].to_numpy(float)),
            ttr_weeks=risk["ttr_weeks"].to_numpy(float),
            factor=risk["capacity_factor"].to_numpy(float),
        ),
        safety_stock={
            (str(s), str(i)): float(q)
            for s, i, q in zip(inv["site"], inv["item"], inv["safety_stock"], strict=True)
            if q > 0
        },
        level=_levels(bom),
    )


def with_nominal(rules: Rules, tables: PlanTables) -> Rules:
    """``rules`` with the nominal capacities of the plan in ``tables``: each supply row's
    and lane arc's peak weekly flow (the risk engine's nominal capacity,
    :mod:`rackforge.risk.baseline`, read off the plan executed)."""
    buy = tables.purchases.groupby(["supplier", "item", "site", "week"])["qty"].sum()
    ship = tables.transfers.groupby(["from_site", "to_site", "item", "week"])["qty"].sum()

    def peaks(flows: pd.Series) -> dict[tuple[str, str, str], float]:
        if flows.empty:
            return {}
        top = flows.groupby(level=[0, 1, 2]).max()
        return {(str(a), str(b), str(c)): float(q) for (a, b, c), q in top.items()}

    return replace(rules, supply_nominal=peaks(buy), lane_nominal=peaks(ship))


def lane_cap(rules: Rules, from_site: str, to_site: str, item: str) -> float:
    """The lane row's capacity for ``item``: its own row, else the every-item row."""
    return lane_row(rules.lane_cap, (from_site, to_site, item), math.inf)


def lane_cv(rules: Rules, from_site: str, to_site: str, item: str) -> float:
    """The cv of the lane row's lead time for ``item`` (its own row, else the every-item row)."""
    return lane_row(rules.lane_cv, (from_site, to_site, item), 0.0)


def breakdown_share(rules: Rules, rng: np.random.Generator) -> np.ndarray:
    """One week's up-time of each resource row relative to its mean availability.

    Breakdowns of a row's ``units`` come at ``units * hours / (MTBF + MTTR)`` a week (Poisson)
    and each takes an exponential repair of mean MTTR, so the hours lost are a gamma sum whose
    mean is the long-run down share ``MTTR / (MTBF + MTTR)`` of the hours (renewal-reward
    theorem; Ross 1996, *Stochastic Processes*, thm 3.6.1). Dividing by the availability the
    planner already charges (``MTBF / (MTBF + MTTR)``) gives a factor of mean ~1 on the
    plan's available hours.
    """
    r = rules.resources
    hours = r["units"].to_numpy(float) * r["hours_per_week"].to_numpy(float)
    mtbf = r["mtbf_h"].to_numpy(float)
    mttr = r["mttr_h"].to_numpy(float)
    fails = np.isfinite(mtbf) & np.isfinite(mttr) & (mttr > 0) & (hours > 0)
    share = np.ones(len(r))
    if not fails.any():
        return share
    n = rng.poisson(hours[fails] / (mtbf[fails] + mttr[fails]))
    down = np.where(n > 0, rng.gamma(np.maximum(n, 1), mttr[fails]), 0.0)
    up = np.maximum(0.0, 1.0 - down / hours[fails])
    share[fails] = up / r["avail"].to_numpy(float)[fails]
    return share
