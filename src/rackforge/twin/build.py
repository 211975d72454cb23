"""From a scenario to a :class:`LineSpec`: stations, routings and their releases.

* Stations are the ``resources`` of each simulated site (the scenario's validation makes
  sure every operation's resource is listed).
* Routings are the ``operations`` of each (site, item), steps in ``step`` order;
  ``rework_to`` (a step number) becomes the index of that step.
* Releases come from a production plan (``site, item, week, qty``: good units a week, e.g.
  the planner's production), or from a fixed or Poisson rate per site split over the items
  in the proportions of that plan. Plan quantities are grossed up by the routing's chance of
  not being scrapped, so that the expected good output matches the plan.
* Without a plan, :func:`level_plan` derives one from the demand.
* Components are taken as available unless the plan's material is given
  (:mod:`rackforge.twin.material`): then each routing kits its BOM children from the stores.
* Dated events (``events.csv``) on a site or a resource take units of its stations down for
  their weeks (:func:`rackforge.scenario.events.capacity_factors`, the rule every engine
  reads): a station of ``n`` units at factor ``f`` keeps ``round(n * f)`` of them (half up), so
  a single-unit station at half capacity stays up. Expansions (``f > 1``) and events on
  suppliers and lanes are listed in the notes, not simulated.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from rackforge.scenario import Scenario
from rackforge.scenario.automation import levers_applied
from rackforge.scenario.events import Limit, capacity_factors
from rackforge.scenario.schema import HOURS_PER_WEEK
from rackforge.twin.material import PlanMaterial, material_spec
from rackforge.twin.options import ReleaseMode, TwinOptions
from rackforge.twin.releases import level_plan, normalize_plan
from rackforge.twin.spec import Dist, LineSpec, Release, Route, Station, Step, TwinError

#: Units one run may release: each is an object in memory and a few events.
MAX_JOBS = 5_000_000


def _outages(factors: np.ndarray, units: int) -> tuple[tuple[float, float, int], ...]:
    """The planned down times of a station from its weekly event factors: each run of weeks
    at one factor below 1 takes ``units - round(units * f)`` units down (half up)."""
    out: list[tuple[float, float, int]] = []
    week = 0
    while week < len(factors):
        f, end = float(factors[week]), week + 1
        while end < len(factors) and factors[end] == f:
            end += 1
        down = units - math.floor(units * f + 0.5)
        if f < 1.0 and down > 0:
            out.append((week * HOURS_PER_WEEK, end * HOURS_PER_WEEK, down))
        week = end
    return tuple(out)


def _event_notes(scenario: Scenario, factors: np.ndarray, res: pd.DataFrame) -> list[str]:
    notes = []
    for row, f in zip(res.itertuples(index=False), factors, strict=True):
        if (f > 1.0).any():
            notes.append(
                f"{row.site}/{row.resource}: an expansion event is not simulated (units fixed)"
            )
    simulated = set(scenario.sites["site"].astype(str)) | set(
        res["site"].astype(str) + "/" + res["resource"].astype(str)
    )  # a site or one of its resources; anything else is a supplier or a lane
    for ev in scenario.events.itertuples(index=False):
        if str(ev.target) not in simulated:
            notes.append(
                f"event {ev.event} on {ev.target}: the twin takes material as available; "
                "not simulated"
            )
    return notes


def _stations(
    scenario: Scenario, sites: list[str]
) -> tuple[list[Station], dict[tuple[str, str], int], list[str]]:
    stations: list[Station] = []
    index: dict[tuple[str, str], int] = {}
    res = scenario.resources[scenario.resources["site"].isin(sites)]
    factors = capacity_factors(scenario, Limit.RESOURCES, res)
    for site in sites:
        mine = (res["site"] == site).to_numpy()
        for row, f in zip(res[mine].itertuples(index=False), factors[mine], strict=True):
            index[(site, str(row.resource))] = len(stations)
            stations.append(
                Station(
                    name=str(row.resource),
                    site=site,
                    kind=str(row.kind),
                    units=int(row.units),
                    hours_per_week=float(row.hours_per_week),
                    efficiency=float(row.efficiency),
                    mtbf_h=float(row.mtbf_h),
                    mttr_h=float(row.mttr_h),
                    outages=_outages(f, int(row.units)),
                )
            )
    return stations, index, _event_notes(scenario, factors, res)


def _steps(rows: pd.DataFrame, where: str, index: dict[tuple[str, str], int]) -> tuple[Step, ...]:
    rows = rows.sort_values("step")
    pos = {int(n): i for i, n in enumerate(rows["step"])}
    steps = []
    problems = []
    for row in rows.to_dict("records"):
        rework = int(row["rework_to"])
        if rework >= 0 and rework not in pos:
            problems.append(f"{where} step {row['step']}: rework_to {rework} is no step of it")
        steps.append(
            Step(
                station=index[(str(row["site"]), str(row["resource"]))],
                hours=float(row["hours"]),
                dist=Dist(str(row["dist"])),
                cv=float(row["cv"]),
                yield_=float(row["yield"]),
                rework_to=pos.get(rework, -1),
                batch=int(row["batch"]),
                inspection=bool(row["inspection"]),
                name=str(row["operation"]),
            )
        )
    if problems:
        raise TwinError(problems)
    return tuple(steps)


def line_from_scenario(
    scenario: Scenario,
    options: TwinOptions | None = None,
    plan: pd.DataFrame | None = None,
    material: PlanMaterial | None = None,
) -> tuple[LineSpec, list[str]]:
    """The line of the scenario's plants and notes on what was assumed or left out; with
    ``material`` (the plan window's, :func:`rackforge.twin.material.plan_material`) its
    routings take their kits from the stores and wait while a part is short."""
    options = options or TwinOptions()
    ops = scenario.operations
    routed = [s for s in dict.fromkeys(ops["site"].astype(str))]
    sites = list(options.sites) or routed
    unknown = [s for s in sites if s not in routed]
    if unknown:
        raise TwinError([f"site {s}: no routings (operations) to simulate" for s in unknown])
    if not sites:
        raise TwinError(["the scenario has no operations: nothing to simulate"])
    stations, index, notes = _stations(scenario, sites)
    run_weeks = math.ceil(options.weeks)
    if plan is None:
        plan_df = level_plan(scenario, max(run_weeks, scenario.config.horizon_weeks))
    else:
        plan_df = normalize_plan(scenario, plan)
        last = int(plan_df["week"].max()) + 1 if len(plan_df) else 0
        if options.release is ReleaseMode.PLAN and last < run_weeks:
            notes.append(f"the plan ends after week {last}; nothing is released after it")
    weekly: dict[tuple[str, str], list[float]] = {}
    for (site, item), grp in plan_df.groupby(["site", "item"]):
        qty = [0.0] * (int(grp["week"].max()) + 1)
        for week, q in zip(grp["week"], grp["qty"], strict=True):
            qty[int(week)] += float(q)
        weekly[(str(site), str(item))] = qty
    routes: list[Route] = []
    for site in sites:
        keys = list(dict.fromkeys(ops.loc[ops["site"] == site, "item"].astype(str)))
        mix = {item: sum(weekly.get((site, item), [])) for item in keys}
        total = sum(mix.values())
        for item in keys:
            rows = ops[(ops["site"] == site) & (ops["item"] == item)]
            steps = _steps(rows, f"routing {site}/{item}", index)
            route = Route(item=item, steps=steps, release=Release.plan(()), site=site)
            p_good = route.success_probability()
            if options.release is ReleaseMode.PLAN:
                qty = weekly.get((site, item), [])
                release = Release.plan(tuple(q / p_good for q in qty))
                if not any(qty):
                    notes.append(f"{site}/{item}: no planned production; nothing released")
            else:
                share = mix[item] / total if total > 0 else 1.0 / len(keys)
                rate = options.release_rate_per_h * share
                release = (
                    Release.rate(rate)
                    if options.release is ReleaseMode.RATE
                    else Release.poisson(rate)
                )
            routes.append(Route(item=item, steps=steps, release=release, site=site))
    for site, item in weekly:
        if site in sites and not ((ops["site"] == site) & (ops["item"] == item)).any():
            notes.append(f"{site}/{item}: planned but has no routing; not simulated")
    spec = LineSpec(tuple(stations), tuple(routes), availability=options.availability)
    if material is not None:
        kitted = material_spec(scenario, routes, material)
        spec = replace(spec, material=kitted)
        notes.append(
            f"material: {len(kitted.parts)} parts kitted from the plan's stock and "
            f"flows; lead times drawn with each supply row's and lane's cv "
            f"(scenario default {scenario.config.lead_time_cv:g})"
        )
    auto = levers_applied(scenario.config.automation, options.levers)
    spec = spec.with_levers(auto.touch_time_reduction, auto.inspection_detect_rate)
    per_week = sum(r.release.per_week() for r in routes)
    if not math.isfinite(per_week):
        raise TwinError(["releases must be finite"])
    if per_week * options.weeks > MAX_JOBS:
        raise TwinError(
            [
                f"the run releases {per_week * options.weeks:,.0f} units in {options.weeks:g} "
                f"weeks; the twin simulates at most {MAX_JOBS:,} (fewer weeks or sites)"
            ]
        )
    spec.validate()
    return spec, notes
