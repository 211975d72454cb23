"""A :class:`LineSpec` flattened into lists for the event loop, with its random streams.

Steps of all routings are numbered globally (``g``), stations by their index (``s``) and the
units of every station globally (servers, ``k``). Each step owns two streams (processing
times and uniforms for its yield and inspection draws), each station two (times to failure
and to repair) and each routing one (Poisson releases), all spawned from the replication's
seed in a fixed order: two runs of the same structure draw the same numbers for the same
step (common random numbers).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rackforge.twin.sampling import (
    exponential_stream,
    plan_times,
    poisson_times,
    rate_times,
    service_stream,
    uniform_stream,
)
from rackforge.twin.spec import LineSpec, ReleaseKind

#: ``(task, step g, finish time)`` of a busy tracked unit; a task is a job id or a batch list.
ServerState = tuple[Any, int, float]
Queue = deque[tuple[Any, int, float]]  # (task, step g, time it joined)


@dataclass
class Compiled:
    """Static structure and streams of one replication (mutable queues start empty)."""

    # steps
    g_station: list[int] = field(default_factory=list)
    g_next: list[int] = field(default_factory=list)
    g_yield: list[float] = field(default_factory=list)
    g_rework: list[int] = field(default_factory=list)
    g_batch: list[int] = field(default_factory=list)
    g_insp: list[bool] = field(default_factory=list)
    g_route: list[int] = field(default_factory=list)
    g_stream: list[Iterator[float]] = field(default_factory=list)
    g_unif: list[Iterator[float]] = field(default_factory=list)
    g_info: list[tuple[bool, float, Iterator[float], tuple[Any, ...] | None]] = field(
        default_factory=list
    )
    first: list[int] = field(default_factory=list)  # first step of each routing
    r_fast: list[tuple[Any, ...] | None] = field(default_factory=list)  # release fast path
    # stations
    sta_h: list[float] = field(default_factory=list)  # daily open hours, 0 = always open
    sta_unl: list[bool] = field(default_factory=list)
    sta_queue: list[Queue] = field(default_factory=list)
    sta_idle: list[int] = field(default_factory=list)  # idle units that are up
    sta_tracked: list[bool] = field(default_factory=list)  # units tracked one by one
    sta_free: list[list[int]] = field(default_factory=list)  # idle tracked units
    sta_servers: list[range] = field(default_factory=list)  # tracked units
    sta_ttf: list[Iterator[float] | None] = field(default_factory=list)
    sta_ttr: list[Iterator[float] | None] = field(default_factory=list)
    # tracked units (stations that break down)
    srv_station: list[int] = field(default_factory=list)
    # routings
    r_site: list[int] = field(default_factory=list)
    r_release: list[Iterator[float]] = field(default_factory=list)


def compile_line(spec: LineSpec, seed: np.random.SeedSequence) -> Compiled:
    """Flatten ``spec`` and spawn its streams from ``seed``."""
    c = Compiled()
    ss_rel, ss_step, ss_sta = seed.spawn(3)
    site_of = {s: i for i, s in enumerate(spec.sites())}
    n_steps = sum(len(r.steps) for r in spec.routes)
    step_seeds = ss_step.spawn(n_steps)
    for ri, r in enumerate(spec.routes):
        base = len(c.g_station)
        c.first.append(base)
        c.r_site.append(site_of[r.site])
        for i, s in enumerate(r.steps):
            srv_rng, u_rng = (np.random.default_rng(x) for x in step_seeds[base + i].spawn(2))
            mean = s.hours * s.batch * spec.work_multiplier(s.station)
            c.g_station.append(s.station)
            c.g_next.append(base + i + 1 if i + 1 < len(r.steps) else -1)
            c.g_yield.append(s.yield_)
            c.g_rework.append(base + s.rework_to if s.rework_to >= 0 else -1)
            c.g_batch.append(s.batch)
            c.g_insp.append(s.inspection)
            c.g_route.append(ri)
            c.g_stream.append(service_stream(srv_rng, s.dist, mean, s.cv))
            c.g_unif.append(uniform_stream(u_rng))
    for rel_seed, r in zip(ss_rel.spawn(len(spec.routes)), spec.routes, strict=True):
        rel = r.release
        if rel.kind is ReleaseKind.PLAN:
            c.r_release.append(plan_times(rel.weekly))
        elif rel.kind is ReleaseKind.RATE:
            c.r_release.append(rate_times(rel.rate_per_h))
        else:
            c.r_release.append(poisson_times(np.random.default_rng(rel_seed), rel.rate_per_h))

    for si, (st, sseed) in enumerate(
        zip(spec.stations, ss_sta.spawn(len(spec.stations)), strict=True)
    ):
        units = st.units or 0
        tracked = st.fails and units > 0
        k0 = len(c.srv_station)
        n_tracked = units if tracked else 0
        c.sta_h.append(spec.daily_open_hours(si))
        c.sta_unl.append(st.units is None)
        c.sta_queue.append(deque())
        c.sta_idle.append(units)
        c.sta_tracked.append(tracked)
        c.sta_free.append(list(reversed(range(k0, k0 + n_tracked))))  # pop() gives unit 0
        c.sta_servers.append(range(k0, k0 + n_tracked))
        c.srv_station.extend([si] * n_tracked)
        if tracked:
            f_rng, r_rng = (np.random.default_rng(x) for x in sseed.spawn(2))
            c.sta_ttf.append(exponential_stream(f_rng, st.mtbf_h, 64))
            c.sta_ttr.append(exponential_stream(r_rng, st.mttr_h, 64))
        else:
            c.sta_ttf.append(None)
            c.sta_ttr.append(None)

    # What the event loop needs when a unit finishes step g, in one tuple: inspection?,
    # yield, uniforms, and (when the next step is unbatched at a limited station) the next
    # step, its station, times, daily open hours, queue and whether its units are tracked.
    for g, n in enumerate(c.g_next):
        si = c.g_station[n] if n >= 0 else -1
        fast = None
        if n >= 0 and c.g_batch[n] == 1 and not c.sta_unl[si]:
            fast = (n, si, c.g_stream[n], c.sta_h[si], c.sta_queue[si], c.sta_tracked[si])
        c.g_info.append((c.g_insp[g], c.g_yield[g], c.g_unif[g], fast))
    for g in c.first:
        si = c.g_station[g]
        if c.g_batch[g] != 1 or c.sta_unl[si] or c.sta_tracked[si]:
            c.r_fast.append(None)
        else:
            c.r_fast.append((g, c.g_stream[g], c.sta_h[si], c.sta_queue[si], si))
    return c
