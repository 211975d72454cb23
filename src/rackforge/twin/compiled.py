"""A :class:`LineSpec` flattened into lists for the event loop, with its random streams.

Steps of all routings are numbered globally (``g``), stations by their index (``s``) and the
units of stations that break down globally (tracked servers, ``k``). Each step owns two
streams (processing times and uniforms for its yield and inspection draws), each tracked
server two (times to failure and to repair) and each routing one (Poisson releases), all
spawned from the replication's seed in a fixed order: two runs of the same structure draw
the same numbers for the same step and server (common random numbers).

A server's breakdowns run in calendar time whatever it is doing, so its whole up/down
timeline over the horizon is drawn here, before the run: the line then knows when a unit is
up without FAIL and REPAIR events.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rackforge.twin.sampling import (
    MIN_CV,
    lognormal_params,
    plan_times,
    poisson_times,
    rate_times,
    service_stream,
    uniform_stream,
)
from rackforge.twin.spec import LineSpec, Material, ReleaseKind
from rackforge.twin.stations import PooledUnits, TrackedUnits

#: Releases admitted by one event when a routing's first station serves no other step: more
#: saves events, but each admitted unit's end of service waits on the event heap.
ADMIT_BLOCK = 32

#: ``(inspection?, yield, uniforms)`` of a step at which a unit can fail.
Check = tuple[bool, float, Iterator[float]]
#: ``(check, next step, its station, its times, its daily open hours, its free-time heap,
#: the unit leaves after it, the station's units when they break down)``, the last five set
#: only for an unbatched next step at a limited station and the station -1 for a batched next
#: step or the exit.
StepInfo = tuple[
    Check | None, int, int, Iterator[float], float, list[Any] | None, bool, TrackedUnits | None
]


@dataclass
class Compiled:
    """Static structure and streams of one replication (the free-time heaps start at 0)."""

    # steps
    g_station: list[int] = field(default_factory=list)
    g_rework: list[int] = field(default_factory=list)
    g_batch: list[int] = field(default_factory=list)
    g_route: list[int] = field(default_factory=list)
    g_stream: list[Iterator[float]] = field(default_factory=list)
    # g_info goes on past the steps with a step of no work into each step (``into(g)``):
    # a released unit has just "finished" the one into its routing's first step, a unit sent
    # back for rework the one into the step it redoes.
    g_info: list[StepInfo] = field(default_factory=list)
    # stations
    sta_h: list[float] = field(default_factory=list)  # daily open hours, 0 = always open
    # each station's units (rackforge.twin.stations), None for an unlimited one
    sta_units: list[PooledUnits | TrackedUnits | None] = field(default_factory=list)
    # tracked units (stations that break down): sorted down intervals [start, end)
    srv_station: list[int] = field(default_factory=list)
    srv_down_start: list[list[float]] = field(default_factory=list)
    srv_down_end: list[list[float]] = field(default_factory=list)
    # routings
    r_site: list[int] = field(default_factory=list)
    r_first: list[int] = field(default_factory=list)
    r_release: list[Iterator[float]] = field(default_factory=list)
    r_block: list[int] = field(default_factory=list)  # releases admitted per event
    # material: the plan's flows with their lead times drawn (drawn_flows)
    flows: list[DrawnFlow] = field(default_factory=list)

    def into(self, g: int) -> int:
        """The step of no work whose next step is ``g``."""
        return len(self.g_station) + g


def compile_line(
    spec: LineSpec, seed: np.random.SeedSequence, horizon_h: float, fast_paths: bool = True
) -> Compiled:
    """Flatten ``spec``, spawn its streams from ``seed`` and draw the breakdowns of every
    tracked unit up to ``horizon_h``. ``fast_paths=False`` leaves out the tuples the event
    loop uses to inline the common case (a traced run takes the general path everywhere)."""
    c = Compiled()
    ss_rel, ss_step, ss_sta, ss_mat = seed.spawn(4)
    site_of = {s: i for i, s in enumerate(spec.sites())}
    n_steps = sum(len(r.steps) for r in spec.routes)
    step_seeds = ss_step.spawn(n_steps)
    nexts: list[int] = []  # the next step of each step (-1: the exit)
    checks: list[Check | None] = []  # None: a unit always passes the step
    for ri, r in enumerate(spec.routes):
        base = len(c.g_station)
        c.r_first.append(base)
        c.r_site.append(site_of[r.site])
        for i, s in enumerate(r.steps):
            srv_rng, u_rng = (np.random.default_rng(x) for x in step_seeds[base + i].spawn(2))
            mean = s.hours * s.batch * spec.work_multiplier(s.station)
            c.g_station.append(s.station)
            nexts.append(base + i + 1 if i + 1 < len(r.steps) else -1)
            c.g_rework.append(base + s.rework_to if s.rework_to >= 0 else -1)
            c.g_batch.append(s.batch)
            c.g_route.append(ri)
            c.g_stream.append(service_stream(srv_rng, s.dist, mean, s.cv))
            unif = uniform_stream(u_rng)
            can_fail = s.inspection or s.yield_ < 1.0
            checks.append((s.inspection, s.yield_, unif) if can_fail else None)
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
        tracked = (st.fails or bool(st.outages)) and units > 0
        k0 = len(c.srv_station)
        n_tracked = units if tracked else 0
        c.sta_h.append(spec.daily_open_hours(si))
        c.srv_station.extend([si] * n_tracked)
        if tracked:
            for unit, unit_seed in enumerate(sseed.spawn(n_tracked)):
                if st.fails:
                    f_rng, r_rng = (np.random.default_rng(x) for x in unit_seed.spawn(2))
                    starts, ends = down_intervals(f_rng, r_rng, st.mtbf_h, st.mttr_h, horizon_h)
                else:
                    starts, ends = [math.inf], [math.inf]
                planned = [(a, b) for a, b, n in st.outages if unit < n]
                starts, ends = with_outages(starts, ends, planned)
                c.srv_down_start.append(starts)
                c.srv_down_end.append(ends)
            c.sta_units.append(
                TrackedUnits(c.srv_down_start[k0:], c.srv_down_end[k0:], c.sta_h[si], k0)
            )
        else:
            c.sta_units.append(PooledUnits(units, c.sta_h[si]) if st.units is not None else None)

    mat = spec.material
    if mat is not None:
        c.flows = drawn_flows(mat, np.random.default_rng(ss_mat))
    # A unit that becomes a part must come back to the loop when it leaves (stock goes up).
    feeds = [mat is not None and mat.makes[ri] >= 0 for ri in range(len(spec.routes))]
    # What the event loop needs when a unit finishes step g, in one tuple: the check of the
    # unit (inspection?, yield, uniforms; None when it always passes), the next step (-1: the
    # exit), its station (-1 when a batch must form first) and, when that step is unbatched
    # at a limited station, its times, daily open hours, the heap of its units' free times
    # (None otherwise), whether the unit surely leaves the line after it and the station's
    # units if they break down.
    nexts.extend(range(n_steps))
    checks.extend([None] * n_steps)
    for n, check in zip(nexts, checks, strict=True):
        if fast_paths and n >= 0 and inline(c, n):
            si = c.g_station[n]
            # the unit surely leaves after n, and nothing needs to know when
            last = nexts[n] < 0 and checks[n] is None and not feeds[c.g_route[n]]
            pool = c.sta_units[si]
            assert pool is not None  # (a limited station)
            breaks = pool if isinstance(pool, TrackedUnits) else None
            c.g_info.append((check, n, si, c.g_stream[n], c.sta_h[si], pool.free, last, breaks))
        else:  # the general path; the station is given when no batch has to form first
            si = c.g_station[n] if n >= 0 and c.g_batch[n] == 1 else -1
            c.g_info.append((check, n, si, iter(()), 0.0, None, False, None))
    # A first station that serves no other step, and whose step no unit comes back to for
    # rework, sees only its routing's releases, in time order: they can be admitted in blocks.
    uses = Counter(c.g_station)
    for g in c.r_first:
        shared = mat is not None and not mat.kits_alone(c.g_route[g])  # kits ahead seen
        alone = uses[c.g_station[g]] == 1 and g not in c.g_rework and not shared
        c.r_block.append(ADMIT_BLOCK if alone else 1)
    return c


#: A flow of :class:`Material` as one replication runs it: ``(time_h, part, qty, to,
#: lead_h)``; an arrival comes at ``time_h``; a shipment is due to leave at ``time_h`` and, for
#: a transfer, arrives in part ``to`` (-1: none) ``lead_h`` after it leaves.
DrawnFlow = tuple[float, int, float, int, float, float]


def drawn_flows(mat: Material, rng: np.random.Generator) -> list[DrawnFlow]:
    """Every flow of ``mat`` with its lead time drawn lognormal with mean ``lead_h`` and the
    flow's cv (:func:`lognormal_params`): an arrival comes that much later or earlier than
    due, no earlier than time 0; a transfer travels that long (one draw for the whole
    shipment, a part of it sent late included). Each comes as ``(time, part, qty, to, drawn
    lead, hours held before it)``."""
    out: list[DrawnFlow] = []
    for due, lead, part, qty, cv, to, hold in mat.flows:
        drawn = lead
        if lead > 0 and cv >= MIN_CV and (qty > 0 or to >= 0):
            drawn = lead * float(rng.lognormal(*lognormal_params(1.0, cv)))
        t = due - lead + drawn if qty > 0 else due
        out.append((max(t, 0.0), part, qty, to, drawn, hold))
    return out


def inline(c: Compiled, g: int) -> bool:
    """Step ``g`` is unbatched at a limited station (the common case, served inline)."""
    return c.g_batch[g] == 1 and c.sta_units[c.g_station[g]] is not None


def down_intervals(
    f_rng: np.random.Generator, r_rng: np.random.Generator, mtbf: float, mttr: float, until: float
) -> tuple[list[float], list[float]]:
    """Breakdowns of one unit from time 0: up for an exponential time of mean ``mtbf``, down
    for one of mean ``mttr``, and so on, until the first failure after ``until``; then one
    last interval that starts and ends at ``inf``."""
    starts: list[float] = []
    ends: list[float] = []
    t = 0.0
    block = max(8, int(until / (mtbf + mttr) * 1.2) + 8)
    while not starts or starts[-1] <= until:
        up = f_rng.exponential(mtbf, block)
        down = r_rng.exponential(mttr, block)
        fail = t + np.cumsum(up) + np.concatenate(([0.0], np.cumsum(down)[:-1]))
        repair = fail + down
        starts.extend(fail.tolist())
        ends.extend(repair.tolist())
        t = ends[-1]
    starts.append(math.inf)  # then up for ever: loops over the intervals need no bounds test
    ends.append(math.inf)
    return starts, ends


def with_outages(
    starts: list[float], ends: list[float], outages: list[tuple[float, float]]
) -> tuple[list[float], list[float]]:
    """A unit's down intervals (sorted, ending with the ``inf`` sentinel) joined with planned
    ``outages`` ``[a, b)``: overlapping or touching intervals merge into one."""
    if not outages:
        return starts, ends
    spans = sorted([*zip(starts[:-1], ends[:-1], strict=True), *outages])
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [a for a, _ in merged] + [math.inf], [b for _, b in merged] + [math.inf]
