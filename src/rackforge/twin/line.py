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
from collections import deque
from typing import Any

import numpy as np

from rackforge.twin.calendar import finish_time, open_between
from rackforge.twin.kernel import Kernel
from rackforge.twin.repstats import RepStats, TraceRecord
from rackforge.twin.sampling import (
    exponential_stream,
    plan_times,
    poisson_times,
    rate_times,
    service_stream,
    uniform_stream,
)
from rackforge.twin.spec import LineSpec, ReleaseKind

DONE, RELEASE, DELAY, FAIL, REPAIR, WARMUP = range(6)
INF = math.inf


def run_replication(
    spec: LineSpec,
    horizon_h: float,
    warmup_h: float,
    seed: np.random.SeedSequence,
    trace: bool = False,
) -> RepStats:
    """Simulate ``spec`` once with the random streams spawned from ``seed``."""
    spec.validate()
    if not 0.0 <= warmup_h < horizon_h:
        raise ValueError("need 0 <= warmup_h < horizon_h")
    stations, routes = spec.stations, spec.routes
    sites = spec.sites()
    site_of = {s: i for i, s in enumerate(sites)}
    ss_rel, ss_step, ss_sta = seed.spawn(3)
    tw, horizon = warmup_h, horizon_h
    d_rate = 1.0 if spec.detect_rate is None else spec.detect_rate
    rec: list[TraceRecord] | None = [] if trace else None

    # ---- steps, numbered globally across routings (g) ----
    g_station: list[int] = []
    g_next: list[int] = []
    g_yield: list[float] = []
    g_rework: list[int] = []
    g_batch: list[int] = []
    g_insp: list[bool] = []
    g_route: list[int] = []
    g_stream: list[Any] = []
    g_unif: list[Any] = []
    first: list[int] = []
    n_steps = sum(len(r.steps) for r in routes)
    step_seeds = ss_step.spawn(n_steps)
    for ri, r in enumerate(routes):
        base = len(g_station)
        first.append(base)
        for i, s in enumerate(r.steps):
            srv_rng, u_rng = (np.random.default_rng(x) for x in step_seeds[base + i].spawn(2))
            mean = s.hours * s.batch * spec.work_multiplier(s.station)
            g_station.append(s.station)
            g_next.append(base + i + 1 if i + 1 < len(r.steps) else -1)
            g_yield.append(s.yield_)
            g_rework.append(base + s.rework_to if s.rework_to >= 0 else -1)
            g_batch.append(s.batch)
            g_insp.append(s.inspection)
            g_route.append(ri)
            g_stream.append(service_stream(srv_rng, s.dist, mean, s.cv))
            g_unif.append(uniform_stream(u_rng))
    g_acc: list[list[int]] = [[] for _ in g_station]
    g_acc_t: list[list[float]] = [[] for _ in g_station]
    r_site = [site_of[r.site] for r in routes]

    # ---- stations and their servers (k) ----
    n_sta = len(stations)
    sta_h = [spec.daily_open_hours(i) for i in range(n_sta)]
    sta_unl = [st.units is None for st in stations]
    sta_free: list[list[int]] = []
    sta_servers: list[range] = []
    sta_queue: list[deque[tuple[Any, int, float]]] = [deque() for _ in stations]
    sta_busy = [0.0] * n_sta
    sta_qarea = [0.0] * n_sta
    sta_wait = [0.0] * n_sta
    sta_starts = [0] * n_sta
    sta_down = [0.0] * n_sta
    sta_ttf: list[Any] = [None] * n_sta
    sta_ttr: list[Any] = [None] * n_sta
    srv_station: list[int] = []
    for si, (st, sseed) in enumerate(zip(stations, ss_sta.spawn(n_sta), strict=True)):
        units = st.units or 0
        k0 = len(srv_station)
        srv_station.extend([si] * units)
        sta_servers.append(range(k0, k0 + units))
        sta_free.append(list(reversed(range(k0, k0 + units))))
        if st.fails and units:
            f_rng, r_rng = (np.random.default_rng(x) for x in sseed.spawn(2))
            sta_ttf[si] = exponential_stream(f_rng, st.mtbf_h, 64)
            sta_ttr[si] = exponential_stream(r_rng, st.mttr_h, 64)
    n_srv = len(srv_station)
    srv_task: list[Any] = [None] * n_srv
    srv_g = [0] * n_srv
    srv_work = [0.0] * n_srv
    srv_fin = [0.0] * n_srv
    srv_ver = [0] * n_srv
    srv_up = [True] * n_srv
    srv_down_t = [0.0] * n_srv
    srv_rem = [0.0] * n_srv

    # ---- jobs (j) and counters ----
    job_rel: list[float] = []
    job_exit: list[float] = []
    job_bad: list[bool] = []
    job_route: list[int] = []
    n_routes = len(routes)
    released, completed = [0] * n_routes, [0] * n_routes
    scrapped, reworked, escaped = [0] * n_routes, [0] * n_routes, [0] * n_routes
    cycles: list[list[float]] = [[] for _ in routes]
    wip_n = [0] * len(sites)
    wip_area = [0.0] * len(sites)
    wip_last = [0.0] * len(sites)

    kernel = Kernel()
    heap = kernel.heap
    seq = kernel.seq
    push = heapq.heappush
    s_name = [st.name for st in stations]
    r_item = [r.item for r in routes]

    def start(k: int, s: int, g: int, task: Any, t: float) -> None:
        w = next(g_stream[g])
        h = sta_h[s]
        f = t + w if h == 0.0 else finish_time(t, w, h)
        srv_task[k] = task
        srv_g[k] = g
        srv_work[k] = w
        srv_fin[k] = f
        push(heap, (f, seq(), DONE, k, srv_ver[k]))
        if rec is not None:
            for j in [task] if type(task) is int else task:
                rec.append((t, "start", s_name[s], j, k))

    def take_next(k: int, s: int, t: float) -> None:
        q = sta_queue[s]
        if q:
            task, g, te = q.popleft()
            if t >= tw:
                sta_qarea[s] += (t - (te if te > tw else tw)) * (
                    1 if type(task) is int else len(task)
                )
                sta_wait[s] += t - te
                sta_starts[s] += 1
            start(k, s, g, task, t)
        else:
            srv_task[k] = None
            sta_free[s].append(k)

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
            if t > tw:
                sta_qarea[s] += sum(t - (te if te > tw else tw) for te in acc_t)
            task = acc.copy()
            acc.clear()
            acc_t.clear()
        free = sta_free[s]
        if free:
            if t >= tw:
                sta_starts[s] += 1
            start(free.pop(), s, g, task, t)
        elif sta_unl[s]:
            if t >= tw:
                sta_starts[s] += 1
            w = next(g_stream[g])
            push(heap, (t + w, seq(), DELAY, g, (task, t, w)))
        else:
            sta_queue[s].append((task, g, t))

    def leave(j: int, t: float) -> None:
        si = r_site[job_route[j]]
        wip_area[si] += wip_n[si] * (t - wip_last[si])
        wip_last[si] = t
        wip_n[si] -= 1
        job_exit[j] = t

    def finish_unit(j: int, g: int, t: float) -> None:
        fail = False
        if g_insp[g]:
            y = g_yield[g]
            if job_bad[j] or (y < 1.0 and next(g_unif[g]) >= y):
                fail = next(g_unif[g]) < d_rate
                job_bad[j] = not fail
        elif g_yield[g] < 1.0:
            fail = next(g_unif[g]) >= g_yield[g]
        if fail:
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
            return
        n = g_next[g]
        if n >= 0:
            enter(j, n, t)
            return
        ri = g_route[g]
        if t >= tw:
            completed[ri] += 1
            cycles[ri].append(t - job_rel[j])
            if job_bad[j]:
                escaped[ri] += 1
        if rec is not None:
            rec.append((t, "escape" if job_bad[j] else "exit", r_item[ri], j, -1))
        leave(j, t)

    def on_done(t: float, k: int, ver: int) -> None:
        if ver != srv_ver[k]:
            return  # a completion cancelled by a breakdown
        task = srv_task[k]
        g = srv_g[k]
        s = srv_station[k]
        sta_busy[s] += srv_work[k]
        if rec is not None:
            for j in [task] if type(task) is int else task:
                rec.append((t, "done", s_name[s], j, k))
        take_next(k, s, t)
        if type(task) is int:
            finish_unit(task, g, t)
        else:
            for j in task:
                finish_unit(j, g, t)

    def on_delay(t: float, g: int, payload: tuple[Any, float, float]) -> None:
        task, t0, w = payload
        if t > tw:
            sta_busy[g_station[g]] += w if t0 >= tw else t - tw
        for j in [task] if type(task) is int else task:
            finish_unit(j, g, t)

    rel_iter: list[Any] = []
    for r, rseed in zip(routes, ss_rel.spawn(n_routes), strict=True):
        kind = r.release.kind
        if kind is ReleaseKind.PLAN:
            rel_iter.append(plan_times(r.release.weekly))
        elif kind is ReleaseKind.RATE:
            rel_iter.append(rate_times(r.release.rate_per_h))
        else:
            rel_iter.append(poisson_times(np.random.default_rng(rseed), r.release.rate_per_h))

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
        enter(j, first[ri], t)
        tn = next(rel_iter[ri], INF)
        if tn <= horizon:
            push(heap, (tn, seq(), RELEASE, ri, None))

    def work_done(k: int, x: float) -> float:
        if srv_task[k] is None:
            return 0.0
        if not srv_up[k]:
            return srv_work[k] - srv_rem[k]
        h = sta_h[srv_station[k]]
        f = srv_fin[k]
        return srv_work[k] - (f - x if h == 0.0 else open_between(x, f, h))

    def on_fail(t: float, k: int, _: Any) -> None:
        s = srv_station[k]
        srv_up[k] = False
        srv_down_t[k] = t
        if srv_task[k] is not None:
            h = sta_h[s]
            f = srv_fin[k]
            srv_rem[k] = f - t if h == 0.0 else open_between(t, f, h)
            srv_ver[k] += 1
        else:
            sta_free[s].remove(k)
        if rec is not None:
            rec.append((t, "fail", s_name[s], -1, k))
        push(heap, (t + next(sta_ttr[s]), seq(), REPAIR, k, None))

    def on_repair(t: float, k: int, _: Any) -> None:
        s = srv_station[k]
        srv_up[k] = True
        t0 = srv_down_t[k]
        if t > tw:
            sta_down[s] += t - (t0 if t0 > tw else tw)
        if rec is not None:
            rec.append((t, "repair", s_name[s], -1, k))
        if srv_task[k] is not None:
            h = sta_h[s]
            w = srv_rem[k]
            f = t + w if h == 0.0 else finish_time(t, w, h)
            srv_fin[k] = f
            push(heap, (f, seq(), DONE, k, srv_ver[k]))
        else:
            take_next(k, s, t)
        push(heap, (t + next(sta_ttf[s]), seq(), FAIL, k, None))

    def on_warmup(t: float, _a: Any, _b: Any) -> None:
        for s in range(n_sta):
            sta_busy[s] = -sum(work_done(k, t) for k in sta_servers[s])
        for si in range(len(sites)):
            wip_area[si] = 0.0
            wip_last[si] = t

    # ---- initial events, run, close the books at the horizon ----
    if tw > 0.0:
        kernel.schedule(tw, WARMUP)
    for ri in range(n_routes):
        t0 = next(rel_iter[ri], INF)
        if t0 <= horizon:
            kernel.schedule(t0, RELEASE, ri)
    for s in range(n_sta):
        if sta_ttf[s] is not None:
            for k in sta_servers[s]:
                kernel.schedule(next(sta_ttf[s]), FAIL, k)
    tick = time.perf_counter()
    kernel.run(horizon, (on_done, on_release, on_delay, on_fail, on_repair, on_warmup))
    sim_s = time.perf_counter() - tick

    for s in range(n_sta):
        sta_busy[s] += sum(work_done(k, horizon) for k in sta_servers[s])
        for task, _g, te in sta_queue[s]:
            sta_qarea[s] += (horizon - max(te, tw)) * (1 if type(task) is int else len(task))
        for k in sta_servers[s]:
            if not srv_up[k]:
                sta_down[s] += horizon - max(srv_down_t[k], tw)
    for g, acc_t in enumerate(g_acc_t):
        sta_qarea[g_station[g]] += sum(horizon - max(te, tw) for te in acc_t)
    for ev in heap:
        if ev[2] == DELAY:
            _task, t0, _w = ev[4]
            sta_busy[g_station[ev[3]]] += horizon - max(t0, tw)
    for si in range(len(sites)):
        wip_area[si] += wip_n[si] * (horizon - wip_last[si])

    rel_a = np.asarray(job_rel, dtype=float)
    exit_a = np.minimum(np.asarray(job_exit, dtype=float), horizon)
    in_window = exit_a >= tw
    overlap = np.where(in_window, exit_a - np.maximum(rel_a, tw), 0.0)
    site_a = np.asarray([r_site[ri] for ri in job_route], dtype=np.int64)
    n_sites = len(sites)
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
        route_cycle=[np.asarray(c, dtype=float) for c in cycles],
        station_busy_h=sta_busy,
        station_open_h=[
            (horizon - tw) if sta_h[s] == 0.0 else open_between(tw, horizon, sta_h[s])
            for s in range(n_sta)
        ],
        station_queue_area=sta_qarea,
        station_wait_h=sta_wait,
        station_starts=sta_starts,
        station_down_h=sta_down,
        site_wip_area=wip_area,
        site_jobs=np.bincount(site_a[in_window], minlength=n_sites).tolist(),
        site_job_hours=np.bincount(site_a, weights=overlap, minlength=n_sites).tolist(),
        trace=rec,
    )
