"""The factory line on top of the kernel: jobs, FIFO stations, yields, rework and breakdowns.

One call of :func:`run_replication` simulates a :class:`LineSpec` from an empty line at time
0 to ``horizon_h`` and measures the window after ``warmup_h``. The model:

* RELEASE (a routing): a unit enters the first step; the next release is scheduled. When
  the routing's first station serves no other step, its queue sees nothing but these
  releases, in time order, so one event admits a block of them (:data:`ADMIT_BLOCK` of
  :mod:`rackforge.twin.compiled`) and fixes their starts and ends ahead of time.
* A unit entering a step joins the step's batch (batch steps wait for ``batch`` units of the
  same routing and step) and the task (unit or batch) joins the station's FIFO queue. When it
  will start and end, and on which unit, is known at once (:mod:`rackforge.twin.stations`),
  so a task costs one event, the end of its service. Work is counted in open hours (see
  :mod:`rackforge.twin.calendar`): a task pauses while its station is closed.
* End of service (``on_advance`` for one unit, ``on_done`` for a batch or in a traced run):
  each finished unit moves on. It fails the step with probability
  ``1 - yield``; a failed unit goes to ``rework_to`` or is scrapped. At an inspection step a
  failure is a defect, which is caught with probability ``d`` (the line's detect rate, 1 when
  unset): caught defects are reworked or scrapped as above; a missed defect travels on with
  the unit, is detected again (with probability ``d``) at each later inspection step, and a
  unit that leaves the line with it counts as an escape (it still counts as output).
* Breakdowns: every unit of a station with an MTBF and MTTR alternates exponential up and
  down times in calendar time, drawn before the run (:mod:`rackforge.twin.compiled`). A task
  takes the unit that is first both free and up; a failure pauses the task in process, which
  resumes on the same unit after the repair (preemptive-resume,
  :class:`rackforge.twin.stations.TrackedUnits`).

Events due at the same time run releases first, then the units' events in the order of the
units' numbers (the older unit first), whichever path a task took. Statistics are booked
when a task's start and end are fixed, clipped to the window ``[warmup_h, horizon_h]``.
What became of each unit (completed, scrapped, escaped, its cycle time) is read from the
job log at the end (:class:`rackforge.twin.repstats.JobLog`).
* Material (when the spec has it, :class:`rackforge.twin.spec.Material`): a released unit
  takes its kit from the stores before its first step (:mod:`rackforge.twin.stores`), and
  waits in release order while a part is short; its time in the system counts from its
  release. Good units of a routing that makes a part go into stock when they leave; the
  plan's purchases, transfers and receipts arrive after their drawn lead times and its
  shipments leave at their due times, or later as stock comes in; a transfer between two
  parts of the line arrives with what really left. Without material every part is taken as
  available.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_right
from itertools import chain, islice
from typing import Any

import numpy as np

from rackforge.twin.batches import Batches
from rackforge.twin.calendar import finish_time, open_between
from rackforge.twin.compiled import compile_line
from rackforge.twin.kernel import Kernel
from rackforge.twin.repstats import JobLog, RepStats, TraceRecord
from rackforge.twin.spec import LineSpec
from rackforge.twin.stations import TrackedUnits
from rackforge.twin.stores import Stores

INF = math.inf


def _units(task: Any) -> list[int]:
    return [task] if type(task) is int else list(task)


#: Records of one instant in the order things happen: services end, their units move on or
#: leave, new units arrive, tasks start, units fail or are repaired. Records are made when
#: a time is fixed (a start when its task joins the queue, a release when it is admitted),
#: often before that time, so the trace is sorted by time and this rank (stable: otherwise in
#: the order recorded).
_RANK = {
    "done": 0,
    "rework": 1,
    "scrap": 1,
    "exit": 1,
    "escape": 1,
    "release": 2,
    "start": 3,
    "fail": 4,
    "repair": 4,
}


def _trace_order(record: TraceRecord) -> tuple[float, int]:
    return record[0], _RANK[record[1]]


def run_replication(
    spec: LineSpec,
    horizon_h: float,
    warmup_h: float,
    seed: np.random.SeedSequence,
    trace: bool = False,
) -> RepStats:
    """Simulate ``spec`` once, from an empty line, with streams spawned from ``seed``.

    With ``trace`` every event is recorded (sorted by time) and every task takes the general
    path; the results are the same as without it.
    """
    spec.validate()
    if not 0.0 <= warmup_h < horizon_h:
        raise ValueError("need 0 <= warmup_h < horizon_h")
    c = compile_line(spec, seed, horizon_h, fast_paths=not trace)
    tw, horizon = warmup_h, horizon_h
    d_rate = 1.0 if spec.detect_rate is None else spec.detect_rate
    rec: list[TraceRecord] | None = [] if trace else None
    s_name = [st.name for st in spec.stations]
    r_item = [r.item for r in spec.routes]
    n_sta, n_routes, n_sites = len(spec.stations), len(spec.routes), len(spec.sites())

    g_station, g_rework = c.g_station, c.g_rework
    g_batch, g_route = c.g_batch, c.g_route
    g_stream, g_info = c.g_stream, c.g_info
    batches = Batches(g_batch, tw, horizon)
    sta_h, sta_units = c.sta_h, c.sta_units
    r_site, r_release, r_block = c.r_site, c.r_release, c.r_block
    r_into = [c.into(g) for g in c.r_first]  # the step of no work a released unit finished

    sta_busy = [0.0] * n_sta
    sta_wait = [0.0] * n_sta  # waits of the tasks that start in the window
    sta_qextra = [0.0] * n_sta  # queue area (unit-hours) beyond those waits
    sta_starts = [0] * n_sta

    # Job j's release time and routing, when it left (or surely leaves) the line (inf while
    # in it), and the jobs scrapped or carrying a defect an inspection missed: what became
    # of the units released, completed, scrapped and escaped is read from these at the end.
    job_rel: list[float] = []
    job_route: list[int] = []
    job_exit: list[float] = []
    job_scrap: list[int] = []
    job_bad: set[int] = set()
    reworked = [0] * n_routes

    kernel = Kernel()
    heap = kernel.heap
    seq = kernel.seq
    push, heapreplace = heapq.heappush, heapq.heapreplace

    def book(s: int, k: int, n: int, te: float, st: float, f: float, w: float, h: float) -> None:
        """Window statistics of a task of ``n`` units that joined ``s`` at ``te``, starts at
        ``st`` on unit ``k`` (-1: untracked) and ends at ``f`` after ``w`` hours of work."""
        if tw <= st <= horizon:
            sta_starts[s] += 1
            sta_wait[s] += st - te
            sta_qextra[s] -= st - te
        lo = te if te > tw else tw
        hi = st if st < horizon else horizon
        if hi > lo:
            sta_qextra[s] += (hi - lo) * n
        if st >= tw and f <= horizon:
            sta_busy[s] += w
        else:
            x = st if st > tw else tw
            y = f if f < horizon else horizon
            if y > x:
                if k < 0:
                    sta_busy[s] += open_between(x, y, h)
                else:
                    tracked = sta_units[s]
                    assert isinstance(tracked, TrackedUnits)
                    sta_busy[s] += tracked.up_hours(k, x, y)

    def serve(s: int, g: int, task: Any, t: float) -> None:
        """``task`` (a unit or a batch) joins the queue of station ``s`` at ``t``."""
        w = next(g_stream[g])
        units = sta_units[s]
        if units is None:  # a pure delay
            k, st, f, h = -1, t, t + w, 0.0
        else:
            h = units.open_h
            k, st, f = units.take(t, w)
        single = type(task) is int
        book(s, k, 1 if single else len(task), t, st, f, w, h)
        key = task if single else task[0]  # (the units of a batch have no other event)
        if single and rec is None:
            push(heap, (f, key, on_advance, task, g))
        else:
            push(heap, (f, key, on_done, task, (g, k)))
        if rec is not None and st <= horizon:
            rec.extend((st, "start", s_name[s], j, k) for j in _units(task))

    def enter(j: int, g: int, t: float) -> None:
        """Unit ``j`` enters step ``g`` at ``t``: into its buffer when the step is a batch."""
        task: Any = j
        if g_batch[g] > 1:
            task = batches.add(g, j, t)
            if task is None:
                return
        serve(g_station[g], g, task, t)

    def fail_unit(j: int, g: int, t: float) -> None:
        r = g_rework[g]
        ri = g_route[g]
        if r >= 0:
            if t >= tw:
                reworked[ri] += 1
            if rec is not None:
                rec.append((t, "rework", r_item[ri], j, -1))
            on_advance(t, j, c.into(r))
        else:
            if rec is not None:
                rec.append((t, "scrap", r_item[ri], j, -1))
            job_exit[j] = t
            job_scrap.append(j)

    def complete(j: int, g: int, t: float) -> None:
        """Unit ``j`` leaves the line at ``t`` after its last step ``g``."""
        job_exit[j] = t
        if stores is not None:
            stores.made(t, g_route[g])
        if rec is not None:
            rec.append((t, "escape" if j in job_bad else "exit", r_item[g_route[g]], j, -1))

    def on_advance(t: float, j: int, g: int) -> None:
        """Unit ``j`` finished step ``g``: it passes or fails, then moves on (hot path)."""
        check, n, s, stream, h, free, last, tracked = g_info[g]
        if check is not None:
            insp, y, unif = check
            if insp:
                if j in job_bad or (y < 1.0 and next(unif) >= y):
                    if next(unif) < d_rate:  # the defect is caught
                        job_bad.discard(j)
                        fail_unit(j, g, t)
                        return
                    job_bad.add(j)  # missed: it travels on
            elif next(unif) >= y:
                fail_unit(j, g, t)
                return
        if free is not None:  # the next step is unbatched at a limited station
            w = next(stream)
            if tracked is not None:  # its units break down: the first free and up
                k, st, f = tracked.take(t, w)
            else:
                k = -1
                m = free[0]
                st = t if t >= m else m
                f = st + w if h == 0.0 else finish_time(st, w, h)
                heapreplace(free, f)
            if last:  # nothing waits on the unit's end: it leaves at f without an event
                job_exit[j] = f
            else:
                push(heap, (f, j, on_advance, j, n))
            if t >= tw and f <= horizon:  # what book() does for a task inside the window
                sta_starts[s] += 1
                sta_wait[s] += st - t
                sta_busy[s] += w
            elif f > tw:  # (a task that ends before the warm-up counts for nothing)
                book(s, k, 1, t, st, f, w, h)
            return
        if s >= 0:  # unbatched: straight to the station's queue
            serve(s, n, j, t)
        elif n >= 0:
            enter(j, n, t)
        else:
            complete(j, g, t)

    def on_done(t: float, task: Any, gk: tuple[int, int]) -> None:
        g, k = gk
        units = _units(task)
        if rec is not None:
            rec.extend((t, "done", s_name[g_station[g]], j, k) for j in units)
        for j in units:
            on_advance(t, j, g)

    def on_release(t: float, ri: int, _: Any) -> None:
        """Routing ``ri`` releases a unit at ``t``."""
        j = len(job_rel)
        job_rel.append(t)
        job_route.append(ri)
        job_exit.append(INF)
        if rec is not None:
            rec.append((t, "release", r_item[ri], j, -1))
        if stores is None:
            on_advance(t, j, r_into[ri])
        else:
            stores.request(t, ri, j)
        tn = next(r_release[ri], INF)
        if tn <= horizon:
            push(heap, (tn, seq(), on_release, ri, None))

    def on_flow(t: float, part: int, flow: tuple[float, int, float, bool]) -> None:
        """A planned arrival (``qty > 0``) or shipment (to part ``to`` after ``lead``) of
        ``part``; ``flow`` is ``(qty, to, lead, held)`` (``held``: the shipment's quantity
        was held for it)."""
        assert stores is not None
        qty, to, lead, held = flow
        if qty > 0:
            stores.put(t, part, qty)
        else:
            stores.ship(t, part, -qty, to, lead, held)

    def on_hold(_: float, part: int, qty: float) -> None:
        """A shipment of ``qty`` of ``part`` is due later: kits leave it that much."""
        assert stores is not None
        stores.hold(part, qty)

    def send(t: float, to: int, qty: float, lead: float) -> None:
        """``qty`` of a transfer left at ``t``: it comes into part ``to`` after ``lead``."""
        if t + lead <= horizon:
            push(heap, (t + lead, seq(), on_flow, to, (qty, -1, 0.0, False)))

    def on_release_block(t: float, ri: int, _: Any) -> None:
        """Routing ``ri``, whose first station serves nothing else, releases a unit at ``t``:
        the units it will release up to ``r_block[ri]`` in all are admitted now. No other
        task ever joins that queue, so the starts and ends of theirs follow from their
        release times alone, in order, whatever else happens first. With material, the
        routing's kits are taken now for as many as the stock allows (no one else takes
        those parts, so no one sees them go early); from the first that finds a part short
        its releases are admitted one by one."""
        releases = r_release[ri]
        times = [t]
        times.extend(islice(releases, r_block[ri] - 1))
        if times[-1] > horizon:
            del times[bisect_right(times, horizon) :]
            tn = INF
        else:
            tn = next(releases, INF)
        if stores is not None:
            fit = stores.take_ahead(ri, len(times))
            if fit < len(times):  # short: the rest, one by one at their own times
                rest = times[fit:] + ([tn] if tn <= horizon else [])
                r_release[ri] = chain(rest[1:], releases)
                push(heap, (rest[0], seq(), on_release, ri, None))
                del times[fit:]
                tn = INF
                if not times:
                    return
        j0 = len(job_rel)
        job_rel.extend(times)
        job_route.extend([ri] * len(times))
        job_exit.extend([INF] * len(times))
        g = r_into[ri]
        _, n, s, stream, h, free, last, tracked = g_info[g]
        if free is None or last or tracked is not None or rec is not None:
            for j, x in enumerate(times, j0):
                if rec is not None:
                    rec.append((x, "release", r_item[ri], j, -1))
                on_advance(x, j, g)
        else:  # on_advance's pooled step, written out for the units of the block
            for j, x in enumerate(times, j0):
                w = next(stream)
                m = free[0]
                st = x if x >= m else m
                f = st + w if h == 0.0 else finish_time(st, w, h)
                heapreplace(free, f)
                push(heap, (f, j, on_advance, j, n))
                if x >= tw and f <= horizon:
                    sta_starts[s] += 1
                    sta_wait[s] += st - x
                    sta_busy[s] += w
                elif f > tw:
                    book(s, -1, 1, x, st, f, w, h)
        if tn <= horizon:
            push(heap, (tn, seq(), on_release_block, ri, None))

    stores: Stores | None = None
    if spec.material is not None:
        admit = lambda t, j, ri: on_advance(t, j, r_into[ri])  # noqa: E731
        stores = Stores(spec.material, admit, tw, horizon, send)
        for t, part, qty, to, lead, hold in c.flows:
            if t <= horizon:
                if hold > 0:  # rackforge.twin.stores
                    kernel.schedule(max(t - hold, 0.0), on_hold, part, -qty)
                kernel.schedule(t, on_flow, part, (qty, to, lead, hold > 0))

    for ri in range(n_routes):
        t0 = next(r_release[ri], INF)
        if t0 <= horizon:
            kernel.schedule(t0, on_release if r_block[ri] == 1 else on_release_block, ri)
    tick = time.process_time()
    kernel.run(horizon)
    sim_s = time.process_time() - tick

    # ---- closing the books at the horizon ----
    if stores is not None:
        stores.close()
    batches.close()
    for g, area in enumerate(batches.area):
        sta_qextra[g_station[g]] += area
    sta_down = [0.0] * n_sta
    for k, s in enumerate(c.srv_station):
        for d, r in zip(c.srv_down_start[k], c.srv_down_end[k], strict=True):
            if d > horizon:
                break
            sta_down[s] += max(0.0, min(r, horizon) - max(d, tw))
            if rec is not None:
                rec.append((d, "fail", s_name[s], -1, k))
                if r <= horizon:
                    rec.append((r, "repair", s_name[s], -1, k))
    if rec is not None:
        rec.sort(key=_trace_order)

    log = JobLog.of(job_rel, job_exit, job_route, job_scrap, job_bad, r_site, n_sites)
    released, completed, scrapped, escaped, cycles = log.route_outcomes(tw, horizon)
    site_jobs, site_job_hours = log.hours_in_window(tw, horizon)
    return RepStats(
        events=kernel.events,
        sim_s=sim_s,
        horizon_h=horizon,
        warmup_h=tw,
        route_released=released,
        route_completed=completed,
        route_scrapped=scrapped,
        route_reworked=reworked,
        route_escaped=escaped,
        route_cycle=cycles,
        station_busy_h=sta_busy,
        station_open_h=[open_between(tw, horizon, h) for h in sta_h],
        station_queue_area=[w + q for w, q in zip(sta_wait, sta_qextra, strict=True)],
        station_wait_h=sta_wait,
        station_starts=sta_starts,
        station_down_h=sta_down,
        site_wip_area=log.wip_integral(tw, horizon),
        site_jobs=site_jobs,
        site_job_hours=site_job_hours,
        trace=rec,
        route_kit_wait_h=stores.route_wait_h if stores else [],
        part_kit_wait_h=stores.part_wait_h if stores else [],
        part_shipped_short=stores.shipped_short if stores else [],
    )
