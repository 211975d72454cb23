"""The factory line on top of the kernel: jobs, FIFO stations, yields, rework and breakdowns.

One call of :func:`run_replication` simulates a :class:`LineSpec` from an empty line at time
0 to ``horizon_h`` and measures the window after ``warmup_h``. The model, event by event:

* RELEASE (a routing): a unit enters the first step; the next release is scheduled.
* A unit entering a step joins the step's batch (batch steps wait for ``batch`` units of the
  same routing and step) and the task (unit or batch) takes a free unit of the station or
  joins its FIFO queue. Service ends after the sampled work, counted in open hours (see
  :mod:`rackforge.twin.calendar`).
* DONE (a server): the server takes the next queued task, then each finished unit moves on:
  it fails the step with probability ``1 - yield``; a failed unit goes to ``rework_to`` or is
  scrapped. At an inspection step a failure is a defect, which is caught with probability
  ``d`` (the line's detect rate, 1 when unset): caught defects are reworked or scrapped as
  above; a missed defect travels on with the unit, is detected again (with probability
  ``d``) at each later inspection step, and a unit that leaves the line with it counts as an
  escape (it still counts as output).
* FAIL / REPAIR (a server): exponential times to failure and to repair in calendar time; the
  job in process pauses and resumes where it stopped (preemptive-resume).

Components are assumed available: a rack's routing never waits for the trays it consumes;
the twin models a plant's operations capacity, not its material.
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Any

import numpy as np

from rackforge.twin.calendar import finish_time, open_between
from rackforge.twin.compiled import ServerState, compile_line
from rackforge.twin.kernel import Handler, Kernel
from rackforge.twin.repstats import RepStats, TraceRecord, job_hours_in_window
from rackforge.twin.spec import LineSpec

INF = math.inf


def _units(task: Any) -> list[int]:
    return [task] if type(task) is int else list(task)


def run_replication(
    spec: LineSpec,
    horizon_h: float,
    warmup_h: float,
    seed: np.random.SeedSequence,
    trace: bool = False,
) -> RepStats:
    """Simulate ``spec`` once, from an empty line, with streams spawned from ``seed``.

    Event codes: ``0 .. S-1`` is the end of a service at pooled station ``s`` (a station that
    never breaks down: its units are a count of idle units, and each has its own handler
    closure); then DONE_K (the end of a service at tracked unit ``k`` of a station that breaks
    down), RELEASE, DELAY (unlimited stations), FAIL, REPAIR and WARMUP.
    Work is booked as busy time when a service starts; the work still to do at the warm-up
    and at the horizon is taken back out, so busy hours cover the window exactly.
    """
    spec.validate()
    if not 0.0 <= warmup_h < horizon_h:
        raise ValueError("need 0 <= warmup_h < horizon_h")
    c = compile_line(spec, seed)
    tw, horizon = warmup_h, horizon_h
    d_rate = 1.0 if spec.detect_rate is None else spec.detect_rate
    rec: list[TraceRecord] | None = [] if trace else None
    s_name = [st.name for st in spec.stations]
    r_item = [r.item for r in spec.routes]
    n_sta, n_routes, n_sites = len(spec.stations), len(spec.routes), len(spec.sites())
    DONE_K, RELEASE, DELAY, FAIL, REPAIR, WARMUP = range(n_sta, n_sta + 6)

    g_station, g_next, g_rework = c.g_station, c.g_next, c.g_rework
    g_batch, g_route = c.g_batch, c.g_route
    g_stream, g_info, first, r_fast = c.g_stream, c.g_info, c.first, c.r_fast
    g_acc: list[list[int]] = [[] for _ in g_station]
    g_acc_t: list[list[float]] = [[] for _ in g_station]
    sta_h, sta_unl, sta_queue, sta_idle = c.sta_h, c.sta_unl, c.sta_queue, c.sta_idle
    sta_tracked, sta_free, sta_servers = c.sta_tracked, c.sta_free, c.sta_servers
    sta_ttf, sta_ttr, srv_station = c.sta_ttf, c.sta_ttr, c.srv_station
    r_site, r_release = c.r_site, c.r_release

    sta_busy = [0.0] * n_sta
    sta_qarea = [0.0] * n_sta
    sta_wait = [0.0] * n_sta
    sta_starts = [0] * n_sta  # all starts; the count at the warm-up is subtracted at the end
    sta_starts_w = [0] * n_sta
    sta_down = [0.0] * n_sta
    n_srv = len(srv_station)
    srv: list[ServerState | None] = [None] * n_srv  # a new tuple per service: identity = token
    srv_up = [True] * n_srv
    srv_down_t = [0.0] * n_srv
    srv_rem = [0.0] * n_srv  # open hours of work left on a broken-down unit's job

    job_rel: list[float] = []
    job_exit: list[float] = []
    job_bad: list[bool] = []  # carries a defect missed by an inspection
    job_route: list[int] = []
    released, completed = [0] * n_routes, [0] * n_routes
    scrapped, reworked, escaped = [0] * n_routes, [0] * n_routes, [0] * n_routes
    cycles: list[list[float]] = [[] for _ in range(n_routes)]
    wip_n = [0] * n_sites
    wip_area = [0.0] * n_sites
    wip_last = [0.0] * n_sites

    kernel = Kernel()
    heap = kernel.heap
    seq = kernel.seq
    push = heapq.heappush

    def start(s: int, g: int, task: Any, t: float) -> None:
        """Start ``task`` at an idle unit of station ``s`` (the caller checked there is one)."""
        sta_idle[s] -= 1
        sta_starts[s] += 1
        w = next(g_stream[g])
        sta_busy[s] += w
        h = sta_h[s]
        f = t + w if h == 0.0 else finish_time(t, w, h)
        if sta_tracked[s]:
            k = sta_free[s].pop()
            state = (task, g, f)
            srv[k] = state
            push(heap, (f, seq(), DONE_K, k, state))
        else:
            k = -1
            push(heap, (f, seq(), s, task, g))
        if rec is not None:
            rec.extend((t, "start", s_name[s], j, k) for j in _units(task))

    def take_next(s: int, t: float) -> None:
        """A unit of ``s`` became idle: give it the first queued task, if any."""
        q = sta_queue[s]
        if not q:
            return
        task, g, te = q.popleft()
        if t >= tw:
            sta_qarea[s] += (t - (te if te > tw else tw)) * (1 if type(task) is int else len(task))
            sta_wait[s] += t - te
        start(s, g, task, t)

    def enter(j: int, g: int, t: float) -> None:
        s = g_station[g]
        task: Any = j
        b = g_batch[g]
        if b > 1:
            acc = g_acc[g]
            acc_t = g_acc_t[g]
            acc.append(j)
            acc_t.append(t)
            if len(acc) < b:
                return
            if t >= tw:
                sta_qarea[s] += sum(t - (te if te > tw else tw) for te in acc_t)
            task = acc.copy()
            acc.clear()
            acc_t.clear()
        if sta_idle[s]:
            start(s, g, task, t)
        elif sta_unl[s]:
            sta_starts[s] += 1
            w = next(g_stream[g])
            sta_busy[s] += w
            push(heap, (t + w, seq(), DELAY, g, task))
            if rec is not None:
                rec.extend((t, "start", s_name[s], j, -1) for j in _units(task))
        else:
            sta_queue[s].append((task, g, t))

    def leave(j: int, t: float) -> None:
        si = r_site[job_route[j]]
        wip_area[si] += wip_n[si] * (t - wip_last[si])
        wip_last[si] = t
        wip_n[si] -= 1
        job_exit[j] = t

    def fail_unit(j: int, g: int, t: float) -> None:
        r = g_rework[g]
        ri = g_route[g]
        if r >= 0:
            if t >= tw:
                reworked[ri] += 1
            if rec is not None:
                rec.append((t, "rework", r_item[ri], j, -1))
            enter(j, r, t)
        else:
            if t >= tw:
                scrapped[ri] += 1
            if rec is not None:
                rec.append((t, "scrap", r_item[ri], j, -1))
            leave(j, t)

    def complete(j: int, g: int, t: float) -> None:
        ri = g_route[g]
        if t >= tw:
            completed[ri] += 1
            cycles[ri].append(t - job_rel[j])
            if job_bad[j]:
                escaped[ri] += 1
        if rec is not None:
            rec.append((t, "escape" if job_bad[j] else "exit", r_item[ri], j, -1))
        leave(j, t)

    def advance(j: int, g: int, t: float) -> None:
        """Unit ``j`` finished step ``g``: it passes or fails, then moves on (hot path)."""
        insp, y, unif, fast = g_info[g]
        if insp:
            if job_bad[j] or (y < 1.0 and next(unif) >= y):
                if next(unif) < d_rate:  # the defect is caught
                    job_bad[j] = False
                    fail_unit(j, g, t)
                    return
                job_bad[j] = True  # missed: it travels on
        elif y < 1.0 and next(unif) >= y:
            fail_unit(j, g, t)
            return
        if fast is None:  # a batch or an unlimited station next, or the exit
            n = g_next[g]
            if n >= 0:
                enter(j, n, t)
            else:
                complete(j, g, t)
            return
        n, s, stream, h, q, tracked = fast  # the next step is unbatched at a limited station
        if not sta_idle[s]:
            q.append((j, n, t))
            return
        if tracked:
            start(s, n, j, t)
            return
        sta_idle[s] -= 1
        sta_starts[s] += 1
        w = next(stream)
        sta_busy[s] += w
        push(heap, (t + w if h == 0.0 else finish_time(t, w, h), seq(), s, j, n))
        if rec is not None:
            rec.append((t, "start", s_name[s], j, -1))

    def pooled_done(s: int) -> Handler:
        """The handler of service ends at pooled station ``s`` (a closure per station)."""
        q = sta_queue[s]
        h = sta_h[s]
        name = s_name[s]

        def on_done(t: float, task: Any, g: int) -> None:
            if rec is not None:
                rec.extend((t, "done", name, j, -1) for j in _units(task))
            if q:
                nxt, g2, te = q.popleft()
                if t >= tw:
                    sta_qarea[s] += (t - (te if te > tw else tw)) * (
                        1 if type(nxt) is int else len(nxt)
                    )
                    sta_wait[s] += t - te
                sta_starts[s] += 1
                w = next(g_stream[g2])
                sta_busy[s] += w
                push(heap, (t + w if h == 0.0 else finish_time(t, w, h), seq(), s, nxt, g2))
                if rec is not None:
                    rec.extend((t, "start", name, j, -1) for j in _units(nxt))
            else:
                sta_idle[s] += 1
            if type(task) is int:
                advance(task, g, t)
            else:
                for j in task:
                    advance(j, g, t)

        return on_done

    def on_done_k(t: float, k: int, state: ServerState) -> None:
        if srv[k] is not state:
            return  # a completion cancelled by a breakdown
        task, g, _ = state
        s = srv_station[k]
        if rec is not None:
            rec.extend((t, "done", s_name[s], j, k) for j in _units(task))
        q = sta_queue[s]
        if q:  # the unit goes straight on to the first queued task
            nxt, g2, te = q.popleft()
            if t >= tw:
                sta_qarea[s] += (t - (te if te > tw else tw)) * (
                    1 if type(nxt) is int else len(nxt)
                )
                sta_wait[s] += t - te
            sta_starts[s] += 1
            w = next(g_stream[g2])
            sta_busy[s] += w
            h = sta_h[s]
            f = t + w if h == 0.0 else finish_time(t, w, h)
            st = (nxt, g2, f)
            srv[k] = st
            push(heap, (f, seq(), DONE_K, k, st))
            if rec is not None:
                rec.extend((t, "start", s_name[s], j, k) for j in _units(nxt))
        else:
            srv[k] = None
            sta_free[s].append(k)
            sta_idle[s] += 1
        if type(task) is int:
            advance(task, g, t)
        else:
            for j in task:
                advance(j, g, t)

    def on_delay(t: float, g: int, task: Any) -> None:
        if rec is not None:
            rec.extend((t, "done", s_name[g_station[g]], j, -1) for j in _units(task))
        for j in _units(task):
            advance(j, g, t)

    def on_release(t: float, ri: int, _: Any) -> None:
        j = len(job_rel)
        job_rel.append(t)
        job_exit.append(INF)
        job_bad.append(False)
        job_route.append(ri)
        si = r_site[ri]
        wip_area[si] += wip_n[si] * (t - wip_last[si])
        wip_last[si] = t
        wip_n[si] += 1
        if t >= tw:
            released[ri] += 1
        if rec is not None:
            rec.append((t, "release", r_item[ri], j, -1))
        fast = r_fast[ri]
        if fast is None:
            enter(j, first[ri], t)
        else:  # the first step is unbatched at a pooled station: inline, as in on_done
            g, stream, h, q, s = fast
            if sta_idle[s]:
                sta_idle[s] -= 1
                sta_starts[s] += 1
                w = next(stream)
                sta_busy[s] += w
                push(heap, (t + w if h == 0.0 else finish_time(t, w, h), seq(), s, j, g))
                if rec is not None:
                    rec.append((t, "start", s_name[s], j, -1))
            else:
                q.append((j, g, t))
        tn = next(r_release[ri], INF)
        if tn <= horizon:
            push(heap, (tn, seq(), RELEASE, ri, None))

    def on_fail(t: float, k: int, _: Any) -> None:
        s = srv_station[k]
        srv_up[k] = False
        srv_down_t[k] = t
        state = srv[k]
        if state is not None:
            h, f = sta_h[s], state[2]
            srv_rem[k] = f - t if h == 0.0 else open_between(t, f, h)
            srv[k] = (state[0], state[1], INF)  # a new token cancels the pending DONE_K
        else:
            sta_free[s].remove(k)
            sta_idle[s] -= 1
        if rec is not None:
            rec.append((t, "fail", s_name[s], -1, k))
        ttr = sta_ttr[s]
        assert ttr is not None  # only units of stations that break down get FAIL events
        push(heap, (t + next(ttr), seq(), REPAIR, k, None))

    def on_repair(t: float, k: int, _: Any) -> None:
        s = srv_station[k]
        srv_up[k] = True
        t0 = srv_down_t[k]
        if t > tw:
            sta_down[s] += t - (t0 if t0 > tw else tw)
        if rec is not None:
            rec.append((t, "repair", s_name[s], -1, k))
        state = srv[k]
        if state is not None:
            h, w = sta_h[s], srv_rem[k]
            f = t + w if h == 0.0 else finish_time(t, w, h)
            st = (state[0], state[1], f)
            srv[k] = st
            push(heap, (f, seq(), DONE_K, k, st))
        else:
            sta_free[s].append(k)
            sta_idle[s] += 1
            take_next(s, t)
        ttf = sta_ttf[s]
        assert ttf is not None
        push(heap, (t + next(ttf), seq(), FAIL, k, None))

    def work_left(x: float) -> list[float]:
        """Hours of booked work still to do after time ``x``, by station."""
        left = [0.0] * n_sta
        for k, state in enumerate(srv):
            if state is not None:
                s = srv_station[k]
                h = sta_h[s]
                if not srv_up[k]:
                    left[s] += srv_rem[k]
                else:
                    left[s] += state[2] - x if h == 0.0 else open_between(x, state[2], h)
        for ev in heap:
            code = ev[2]
            if code < n_sta:
                h = sta_h[code]
                left[code] += ev[0] - x if h == 0.0 else open_between(x, ev[0], h)
            elif code == DELAY:
                left[g_station[ev[3]]] += ev[0] - x
        return left

    def on_warmup(t: float, _a: Any, _b: Any) -> None:
        sta_busy[:] = work_left(t)
        sta_starts_w[:] = sta_starts
        for si in range(n_sites):
            wip_area[si] = 0.0
            wip_last[si] = t

    # ---- initial events, the run, and closing the books at the horizon ----
    if tw > 0.0:
        kernel.schedule(tw, WARMUP)
    for ri in range(n_routes):
        t0 = next(r_release[ri], INF)
        if t0 <= horizon:
            kernel.schedule(t0, RELEASE, ri)
    for s in range(n_sta):
        ttf = sta_ttf[s]
        if ttf is not None:
            for k in sta_servers[s]:
                kernel.schedule(next(ttf), FAIL, k)
    handlers = [pooled_done(s) for s in range(n_sta)]
    handlers += [on_done_k, on_release, on_delay, on_fail, on_repair, on_warmup]
    tick = time.process_time()
    kernel.run(horizon, handlers)
    sim_s = time.process_time() - tick

    for s, left in enumerate(work_left(horizon)):
        sta_busy[s] -= left
        for task, _g, te in sta_queue[s]:
            sta_qarea[s] += (horizon - max(te, tw)) * len(_units(task))
        for k in sta_servers[s]:
            if not srv_up[k]:
                sta_down[s] += horizon - max(srv_down_t[k], tw)
    for g, acc_t in enumerate(g_acc_t):
        sta_qarea[g_station[g]] += sum(horizon - max(te, tw) for te in acc_t)
    for si in range(n_sites):
        wip_area[si] += wip_n[si] * (horizon - wip_last[si])

    site_jobs, site_job_hours = job_hours_in_window(
        job_rel, job_exit, [r_site[ri] for ri in job_route], n_sites, tw, horizon
    )
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
        route_cycle=[np.asarray(x, dtype=float) for x in cycles],
        station_busy_h=sta_busy,
        station_open_h=[
            (horizon - tw) if h == 0.0 else open_between(tw, horizon, h) for h in sta_h
        ],
        station_queue_area=sta_qarea,
        station_wait_h=sta_wait,
        station_starts=[a - b for a, b in zip(sta_starts, sta_starts_w, strict=True)],
        station_down_h=sta_down,
        site_wip_area=wip_area,
        site_jobs=site_jobs,
        site_job_hours=site_job_hours,
        trace=rec,
    )
