"""Guaranteed-service stages derived from a rackforge scenario, and safety stock written back.

One stage per stock point ``(site, item)`` that the demand reaches through the BOM and lanes,
each with one source, by the rule the MRP uses (:class:`rackforge.scenario.derived.Sourcing`):
the make row at the site if there is one, else the supply offer with the lowest landed cost
``price x (1 + tariff)`` (then the shortest lead time), else the cheapest lane into the site
from a site that has a source of the item.

* Time unit: the week. ``T_j`` is ``make.lead_weeks`` (made), ``supply.lead_weeks`` (bought)
  or ``lanes.lead_weeks`` (moved); demand mean and standard deviation are per week.
* Arcs: BOM children of a made item at the same site, the children issued per good unit (a
  line for the site overrides a blank-site line; :mod:`rackforge.scenario.derived`); the
  origin of a lane, one per unit.
* Cost added: ``make.cost``, the landed purchase price, or ``lanes.cost_per_unit``; holding cost
  ``h_j`` = the item's holding rate x its holding value, and the children per good unit of a
  made item, both as the planner counts them (:mod:`rackforge.scenario.derived`).
* Demand stages: every demanded ``(site, item)``; weekly quantities over the horizon (weeks
  without a row count as 0) give the mean and, per :class:`DemandVariability`, the standard
  deviation; ``z = Phi^-1(service_level)``; maximum service time ``max_service_weeks``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from statistics import NormalDist

import numpy as np
import pandas as pd

from rackforge.inventory.model import Arc, GSMError, GSMNetwork, Stage
from rackforge.inventory.results import GSMResult
from rackforge.scenario import Scenario
from rackforge.scenario.derived import (
    Source,
    SourceKind,
    Sourcing,
    bom_per_site,
    holding_value,
)


class DemandVariability(Enum):
    """Which spread of the weekly demand is ``sigma``.

    ``FORECAST_ERROR``: the stated forecast error: each demand row's ``forecast_cv`` (blank:
    the scenario's ``forecast_cv``) times its quantity is the standard deviation of its error,
    errors independent, so a stock point's weekly variance is the sum of its rows' variances in
    a week, averaged over the weeks; zero stated error means no safety stock. ``WEEKLY``: the
    sample standard deviation of the weekly quantities. ``TREND_RESIDUAL``: the standard
    deviation of the residuals around a least-squares line through them, so that a planned
    ramp (1,000 to 2,000 racks a week) does not count as uncertainty; both infer uncertainty
    from the plan's own demand and serve where no forecast error is stated.
    """

    FORECAST_ERROR = "forecast_error"
    WEEKLY = "weekly"
    TREND_RESIDUAL = "trend_residual"


def stated_forecast_cv(scenario: Scenario) -> pd.Series | None:
    """Each demand row's forecast-error CV (row, else scenario default), or None when the
    scenario states none at all."""
    cv = scenario.demand["forecast_cv"].astype(float)
    default = scenario.config.forecast_cv
    if default is None and cv.isna().all():
        return None
    return cv.fillna(0.0 if default is None else default)


def demand_variability(scenario: Scenario) -> DemandVariability:
    """The stated forecast error where the scenario gives one, else the trend residual."""
    if stated_forecast_cv(scenario) is not None:
        return DemandVariability.FORECAST_ERROR
    return DemandVariability.TREND_RESIDUAL


@dataclass(frozen=True)
class ScenarioGSMOptions:
    """How a scenario becomes a network.

    Attributes:
        service_level: probability that demand within the bound is met from stock (z =
            ``norm.ppf(service_level)``), at every demand stage.
        max_service_weeks: maximum service time quoted to customers at demand stages.
        variability: see :class:`DemandVariability` (None: :func:`demand_variability`).
        holding_rate: annual holding rate for every item (``None``: each item's own rate, else
            the scenario's).
    """

    service_level: float = 0.95
    max_service_weeks: float = 0.0
    variability: DemandVariability | None = None
    holding_rate: float | None = None


def stage_name(site: str, item: str) -> str:
    """Name of the stage of stock point ``(site, item)``: ``item@site``."""
    return f"{item}@{site}"


def _weekly_stats(
    scenario: Scenario, variability: DemandVariability
) -> dict[tuple[str, str], tuple[float, float]]:
    horizon = scenario.config.horizon_weeks
    out: dict[tuple[str, str], tuple[float, float]] = {}
    cv = stated_forecast_cv(scenario)
    demand = scenario.demand.assign(cv=0.0 if cv is None else cv.to_numpy())
    for (site, item), rows in demand.groupby(["site", "item"], sort=True):
        series = np.zeros(horizon)
        weeks_of = rows["week"].to_numpy(dtype=np.int64)
        np.add.at(series, weeks_of, rows["qty"].to_numpy(float))
        mean = float(series.mean())
        if variability is DemandVariability.FORECAST_ERROR:
            variance = np.zeros(horizon)
            np.add.at(variance, weeks_of, (rows["cv"] * rows["qty"]).to_numpy(float) ** 2)
            std = float(math.sqrt(float(variance.mean())))
        elif horizon < 3:
            std = float(series.std(ddof=1)) if horizon > 1 else 0.0
        elif variability is DemandVariability.WEEKLY:
            std = float(series.std(ddof=1))
        else:
            weeks = np.arange(horizon, dtype=np.float64)
            slope, intercept = np.polyfit(weeks, series, 1)
            residual = series - (slope * weeks + intercept)
            std = float(math.sqrt(float(residual @ residual) / (horizon - 2)))
        out[(str(site), str(item))] = (mean, std)
    return out


def _label(source: Source | None, site: str) -> str:
    if source is None:
        return f"no source at {site}: taken as available"
    if source.kind is SourceKind.MAKE:
        return f"make at {site}"
    if source.kind is SourceKind.BUY:
        return f"buy from {source.origin}"
    return f"move from {source.origin}"


def network_from_scenario(
    scenario: Scenario, options: ScenarioGSMOptions | None = None
) -> GSMNetwork:
    """The guaranteed-service network of ``scenario`` (see the module docstring)."""
    options = options or ScenarioGSMOptions()
    if not 0.0 < options.service_level < 1.0:
        raise GSMError([f"service_level must lie in (0, 1), not {options.service_level}"])
    z = float(NormalDist().inv_cdf(options.service_level))
    variability = options.variability or demand_variability(scenario)
    stats = _weekly_stats(scenario, variability)
    sources = Sourcing(scenario)
    value = holding_value(scenario)
    children = bom_per_site(scenario)
    rate = scenario.item_holding_rate().astype(float)
    if options.holding_rate is not None:
        rate = pd.Series(options.holding_rate, index=rate.index)
    stages: dict[tuple[str, str], Stage] = {}
    arcs: list[Arc] = []
    queue = sorted(stats)
    while queue:
        key = queue.pop()
        if key in stages:
            continue
        site, item = key
        source = sources.get(site, item)
        upstream: list[tuple[tuple[str, str], float]] = []
        if source is not None and source.kind is SourceKind.MAKE:
            upstream = [((site, c), q) for c, q in children.get((site, item), {}).items()]
        elif source is not None and source.kind is SourceKind.MOVE:
            upstream = [((source.origin, item), 1.0)]
        mean, std = stats.get(key, (0.0, 0.0))
        demanded = key in stats
        stages[key] = Stage(
            name=stage_name(site, item),
            processing_time=source.lead if source is not None else 0.0,
            cost_added=source.cost if source is not None else float(value[item]),
            demand_mean=mean,
            demand_std=std,
            z=z if demanded else None,
            max_service_time=options.max_service_weeks if demanded else None,
            holding_cost=float(rate[item] * value[item]),
            label=_label(source, site),
        )
        for up, qty in upstream:
            arcs.append(Arc(stage_name(*up), stage_name(site, item), qty))
            queue.append(up)
    return GSMNetwork(
        stages=tuple(stages[k] for k in sorted(stages)),
        arcs=tuple(arcs),
        holding_rate=scenario.config.holding_rate
        if options.holding_rate is None
        else options.holding_rate,
        time_unit="week",
        name=scenario.config.name,
    )


def inventory_with_safety_stock(
    scenario: Scenario, result: GSMResult, round_up: bool = True
) -> pd.DataFrame:
    """A copy of ``scenario.inventory`` whose ``safety_stock`` is the result's (rounded up to
    whole units unless ``round_up`` is False); stock points the table lacks are appended with
    ``on_hand = 0``. The scenario itself is not changed; ``scenario.with_tables(inventory=...)``
    gives a validated scenario with the new table."""
    keys = {
        stage_name(str(s), str(i)): (str(s), str(i))
        for s in scenario.sites["site"]
        for i in scenario.items["item"]
    }
    target: dict[tuple[str, str], float] = {}
    for stage in result.stages:
        if stage.stage not in keys:
            raise KeyError(f"stage {stage.stage!r} is no stock point of {scenario.config.name}")
        qty = stage.safety_stock
        target[keys[stage.stage]] = float(math.ceil(qty - 1e-9)) if round_up else qty
    inventory = scenario.inventory.copy()
    present = set(zip(inventory["site"].astype(str), inventory["item"].astype(str), strict=True))
    pairs = zip(inventory["site"].astype(str), inventory["item"].astype(str), strict=True)
    inventory["safety_stock"] = [
        target.get(key, float(old))
        for key, old in zip(pairs, inventory["safety_stock"], strict=True)
    ]
    missing = [k for k in sorted(target) if k not in present]
    if missing:
        extra = pd.DataFrame(
            {
                "site": [s for s, _ in missing],
                "item": [i for _, i in missing],
                "on_hand": 0.0,
                "safety_stock": [target[k] for k in missing],
            }
        )
        for col in inventory.columns:
            if col not in extra.columns:
                extra[col] = pd.Series([None] * len(extra), dtype=inventory[col].dtype)
        inventory = pd.concat([inventory, extra[inventory.columns]], ignore_index=True)
    return inventory
