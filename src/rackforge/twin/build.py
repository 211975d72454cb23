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
* Components are taken as available: the twin models operations capacity, not material.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import pandas as pd

from rackforge.scenario import Scenario, parse_iso_week
from rackforge.twin.options import Levers, ReleaseMode, TwinOptions
from rackforge.twin.spec import Dist, LineSpec, Release, Route, Station, Step, TwinError

PLAN_COLUMNS = ("site", "item", "week", "qty")


def level_plan(scenario: Scenario, weeks: int | None = None) -> pd.DataFrame:
    """A level production plan derived from the demand (columns site, item, week, qty).

    Each demanded item's total demand is spread evenly over the horizon, and the plan runs
    for ``weeks`` weeks (default: the horizon) at that level. Made items are
    split equally between the sites that make them, and each site's share is exploded
    through the bill of materials (``qty / (1 - scrap)`` children per parent; a site's own
    BOM rows replace the generic ones for the same parent and child). A child made at the
    same site is made there; one made elsewhere is split equally between its makers;
    a child nobody makes is bought and left out. A planner's plan, when there is one, is the
    better input: this is the fallback that needs nothing but the scenario.
    """
    horizon = scenario.config.horizon_weeks
    makers: dict[str, list[str]] = defaultdict(list)
    for site, item in zip(scenario.make["site"], scenario.make["item"], strict=True):
        makers[str(item)].append(str(site))
    bom = scenario.bom
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(str(i) for i in scenario.items["item"])
    graph.add_edges_from(zip(bom["parent"].astype(str), bom["child"].astype(str), strict=True))
    req: dict[tuple[str, str], float] = defaultdict(float)

    def allocate(item: str, rate: float, site: str | None) -> None:
        if site is not None and site in makers.get(item, []):
            req[(site, item)] += rate
            return
        sites = makers.get(item, [])
        for s in sites:
            req[(s, item)] += rate / len(sites)

    demand = scenario.demand.groupby("item")["qty"].sum()
    for item, qty in demand.items():
        allocate(str(item), float(qty) / horizon, None)
    for item in nx.topological_sort(graph):
        rows = bom[bom["parent"] == item]
        for site in sorted({s for (s, i) in req if i == item}):
            rate = req[(site, item)]
            mine = rows[rows["site"] == site]
            generic = rows[(rows["site"] == "") & ~rows["child"].isin(mine["child"])]
            for child, qty, scrap in pd.concat([mine, generic])[
                ["child", "qty", "scrap"]
            ].itertuples(index=False):
                allocate(str(child), rate * float(qty) / (1.0 - float(scrap)), site)
    records = [
        (site, item, week, rate)
        for (site, item), rate in sorted(req.items())
        if rate > 0
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


def _stations(
    scenario: Scenario, sites: list[str]
) -> tuple[list[Station], dict[tuple[str, str], int]]:
    stations: list[Station] = []
    index: dict[tuple[str, str], int] = {}
    res = scenario.resources
    for site in sites:
        for row in res[res["site"] == site].itertuples(index=False):
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
                )
            )
    return stations, index


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
    scenario: Scenario, options: TwinOptions | None = None, plan: pd.DataFrame | None = None
) -> tuple[LineSpec, list[str]]:
    """The line of the scenario's plants and notes on what was assumed or left out."""
    options = options or TwinOptions()
    ops = scenario.operations
    routed = [s for s in dict.fromkeys(ops["site"].astype(str))]
    sites = list(options.sites) or routed
    unknown = [s for s in sites if s not in routed]
    if unknown:
        raise TwinError([f"site {s}: no routings (operations) to simulate" for s in unknown])
    if not sites:
        raise TwinError(["the scenario has no operations: nothing to simulate"])
    stations, index = _stations(scenario, sites)
    notes: list[str] = []
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
    if options.levers is Levers.ON:
        auto = scenario.config.automation
        spec = spec.with_levers(auto.touch_time_reduction, auto.inspection_detect_rate)
    if not math.isfinite(sum(r.release.per_week() for r in routes)):
        raise TwinError(["releases must be finite"])
    spec.validate()
    return spec, notes
