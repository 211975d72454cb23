"""From the raw measurements of the replications to a :class:`TwinResult`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from rackforge.twin.repstats import RepStats, cycle_times, mean_or_nan
from rackforge.twin.results import (
    Bottleneck,
    CycleTime,
    ItemResult,
    ResourceResult,
    Shortage,
    Totals,
    TwinResult,
    TwinStatus,
)
from rackforge.twin.spec import HOURS_PER_WEEK, LineSpec
from rackforge.twin.stats import estimate

#: Thresholds of :attr:`TwinStatus.OVERLOADED`.
GROWTH_SHARE = 0.05
SATURATED = 0.95


def _cycle(runs: Sequence[RepStats], routes: Sequence[int]) -> CycleTime:
    pooled = cycle_times(runs, routes)
    per_run = estimate([mean_or_nan(x) for x in pooled])
    allx = np.concatenate(pooled) if pooled else np.empty(0)
    if allx.size == 0:
        return CycleTime(per_run, math.nan, math.nan)
    p50, p95 = np.percentile(allx, [50.0, 95.0])
    return CycleTime(per_run, float(p50), float(p95))


def _resources(spec: LineSpec, runs: Sequence[RepStats]) -> list[ResourceResult]:
    out = []
    for s, st in enumerate(spec.stations):
        units = st.units
        util, avail, queue, wait = [], [], [], []
        for run in runs:
            cap = (units or 0) * run.station_open_h[s]
            util.append(run.station_busy_h[s] / cap if cap > 0 else math.nan)
            avail.append(1.0 - run.station_down_h[s] / ((units or 1) * run.window_h))
            queue.append(run.station_queue_area[s] / run.window_h)
            starts = run.station_starts[s]
            wait.append(run.station_wait_h[s] / starts if starts else 0.0)
        out.append(
            ResourceResult(
                site=st.site,
                resource=st.name,
                kind=st.kind,
                units=units,
                utilization=estimate(util),
                availability=estimate(avail),
                mean_queue=estimate(queue),
                mean_wait_h=estimate(wait),
            )
        )
    return out


def _bottleneck(resources: Sequence[ResourceResult]) -> Bottleneck | None:
    limited = [r for r in resources if r.units is not None and not math.isnan(r.utilization.mean)]
    if not limited:
        return None
    top = max(limited, key=lambda r: (r.utilization.mean, r.mean_queue.mean))
    if top.utilization.mean <= 0.0:
        return None  # nothing was processed
    longest = max(limited, key=lambda r: r.mean_queue.mean)
    reason = (
        f"highest utilisation: {top.utilization.mean:.1%} of {top.units} unit(s)"
        f" over their scheduled hours; mean queue {top.mean_queue.mean:.1f} units,"
        f" mean wait {top.mean_wait_h.mean:.1f} h"
    )
    if top.availability.mean < 1.0:
        reason += f"; up {top.availability.mean:.1%} of the time (breakdowns)"
    if longest is not top and longest.mean_queue.mean > top.mean_queue.mean:
        reason += (
            f"; the longest queue is at {longest.resource}"
            f" ({longest.mean_queue.mean:.1f} units, utilisation {longest.utilization.mean:.1%})"
        )
    return Bottleneck(top.site, top.resource, top.utilization.mean, top.mean_queue.mean, reason)


def _totals(
    runs: Sequence[RepStats],
    routes: Sequence[int],
    sites: Sequence[int],
    resources: Sequence[ResourceResult],
) -> Totals:
    def total(values: Sequence[int]) -> float:
        return float(sum(values[r] for r in routes))

    weeks = [run.window_h / HOURS_PER_WEEK for run in runs]
    released = [total(run.route_released) for run in runs]
    left = [total(run.route_completed) + total(run.route_scrapped) for run in runs]
    bottleneck = _bottleneck(resources)
    growth = float(
        np.mean([(r - x) / r if r else 0.0 for r, x in zip(released, left, strict=True)])
    )
    overloaded = (
        bottleneck is not None and bottleneck.utilization > SATURATED and growth > GROWTH_SHARE
    )
    return Totals(
        throughput_per_week=estimate(
            [total(run.route_completed) / w for run, w in zip(runs, weeks, strict=True)]
        ),
        cycle_time_h=_cycle(runs, routes),
        wip_mean=estimate(
            [sum(run.site_wip_area[i] for i in sites) / run.window_h for run in runs]
        ),
        scrap_units=estimate([total(run.route_scrapped) for run in runs]),
        rework_units=estimate([total(run.route_reworked) for run in runs]),
        escaped_units=estimate([total(run.route_escaped) for run in runs]),
        bottleneck=bottleneck,
        status=TwinStatus.OVERLOADED if overloaded else TwinStatus.OK,
    )


def _shortages(spec: LineSpec, runs: Sequence[RepStats]) -> tuple[Shortage, ...]:
    """Parts that held units up or left a shipment short, most units waiting first."""
    if spec.material is None:
        return ()
    out = []
    for k, name in enumerate(spec.material.parts):
        waiting = [run.part_kit_wait_h[k] / run.window_h for run in runs]
        short = [run.part_shipped_short[k] for run in runs]
        if max(waiting) > 0 or max(short) > 0:
            site, _, item = name.partition("/")
            out.append(Shortage(site, item, estimate(waiting), estimate(short)))
    return tuple(sorted(out, key=lambda x: -x.units_waiting.mean))


def summarize(
    spec: LineSpec,
    runs: Sequence[RepStats],
    seed: int,
    wall_s: float,
    notes: Sequence[str] = (),
) -> TwinResult:
    """Aggregate the replications of ``spec`` (all measured over the same window)."""
    if not runs:
        raise ValueError("no replications to summarize")
    sites = spec.sites()
    resources = _resources(spec, runs)
    items = []
    for r, route in enumerate(spec.routes):
        weeks = [run.window_h / HOURS_PER_WEEK for run in runs]
        items.append(
            ItemResult(
                site=route.site,
                item=route.item,
                released_per_week=estimate(
                    [run.route_released[r] / w for run, w in zip(runs, weeks, strict=True)]
                ),
                throughput_per_week=estimate(
                    [run.route_completed[r] / w for run, w in zip(runs, weeks, strict=True)]
                ),
                cycle_time_h=_cycle(runs, [r]),
                scrap_units=estimate([run.route_scrapped[r] for run in runs]),
                rework_units=estimate([run.route_reworked[r] for run in runs]),
                escaped_units=estimate([run.route_escaped[r] for run in runs]),
            )
        )
    per_site = {}
    for i, site in enumerate(sites):
        routes = [r for r, route in enumerate(spec.routes) if route.site == site]
        res = [x for x in resources if x.site == site]
        per_site[site] = _totals(runs, routes, [i], res)
    all_routes = list(range(len(spec.routes)))
    totals = _totals(runs, all_routes, list(range(len(sites))), resources)
    if any(t.status is TwinStatus.OVERLOADED for t in per_site.values()):
        totals = replace(totals, status=TwinStatus.OVERLOADED)
    first = runs[0]
    return TwinResult(
        shortages=_shortages(spec, runs),
        totals=totals,
        sites=per_site,
        items=tuple(items),
        resources=tuple(resources),
        weeks=first.horizon_h / HOURS_PER_WEEK,
        warmup_weeks=first.warmup_h / HOURS_PER_WEEK,
        replications=len(runs),
        seed=seed,
        events=sum(run.events for run in runs),
        wall_s=wall_s,
        sim_s=sum(run.sim_s for run in runs),
        notes=tuple(notes),
        runs=tuple(runs),
    )
