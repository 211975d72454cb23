"""The factory twin against SimPy on the same line, in one process.

The line: Poisson releases (1 an hour) through four stations with several units each:
kitting (2 units, exponential 1.6 h), tray assembly (4 units, lognormal 2.9 h, cv 0.5),
L10 test (6 units, lognormal 4.3 h, cv 0.3, 90% pass, failures back to assembly) and pack
(2 units, exponential 1.6 h). Every station runs at about 80% utilisation.

With ``--breakdowns`` every unit of every station also fails: exponential times to failure
(mean 50 h) and to repair (mean 2.5 h) in calendar time, busy or not; a failure stops the
task on that unit, which resumes there after the repair (preemptive-resume), and a task
waits for a unit that is free and up. The twin takes its general path for such stations (a
unit chosen among the free and up ones, its down time added to the task), and the SimPy
model is the one of SimPy's machine-shop example: a process per unit taking tasks from a
``simpy.Store``, and a breakdown process per unit that interrupts it.

Both engines simulate the same hours with the same warm-up and replications, draw their
times from the same kind of block-sampled numpy streams (``rackforge.twin.sampling``, so
sampling costs the same) and measure the same outputs: cycle time and throughput of the
units finished after the warm-up, and busy time per station. The SimPy model is the
idiomatic one (a process per unit, ``simpy.Resource`` per station, ``with
request()``/``timeout``).

Run:  python bench/twin_vs_simpy.py [--breakdowns] [--hours 20000] [--replications 8]
      [--out FILE.md]
Prints a markdown table: wall time, events per second (each engine's own events), units
per second, mean cycle time with its 95% interval, and the ratios.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import os
import statistics
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from rackforge.twin import (
    Availability,
    Dist,
    LineSpec,
    Release,
    Route,
    Station,
    Step,
    TwinOptions,
    estimate,
    run_replication,
    simulate,
)
from rackforge.twin.sampling import exponential_stream, service_stream, uniform_stream

RATE = 1.0  # releases an hour
UNITS = (2, 4, 6, 2)
STEPS = (  # (dist, mean h, cv)
    (Dist.EXPONENTIAL, 1.6, 1.0),
    (Dist.LOGNORMAL, 2.9, 0.5),
    (Dist.LOGNORMAL, 4.3, 0.3),
    (Dist.EXPONENTIAL, 1.6, 1.0),
)
TEST, REWORK_TO, YIELD = 2, 1, 0.9
MTBF, MTTR = 50.0, 2.5  # hours, with --breakdowns


def rackforge_line(breakdowns: bool = False) -> LineSpec:
    names = ("kitting", "assembly", "l10-test", "pack")
    mtbf, mttr = (MTBF, MTTR) if breakdowns else (math.nan, math.nan)
    stations = tuple(
        Station(n, "bench", units=u, mtbf_h=mtbf, mttr_h=mttr)
        for n, u in zip(names, UNITS, strict=True)
    )
    steps = tuple(
        Step(
            i,
            m,
            d,
            cv,
            yield_=YIELD if i == TEST else 1.0,
            rework_to=REWORK_TO if i == TEST else -1,
        )
        for i, (d, m, cv) in enumerate(STEPS)
    )
    return LineSpec(
        stations, (Route("tray", steps, Release.poisson(RATE), "bench"),), Availability.FACTOR
    )


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    events: int
    cycle: list[float]  # cycle times after the warm-up
    busy: list[float]


def simpy_replication(hours: float, warmup: float, seed: np.random.SeedSequence) -> Run:
    """The line in SimPy: one process per unit."""
    env = simpy.Environment()
    rngs = [np.random.default_rng(s) for s in seed.spawn(len(STEPS) + 2)]
    stations = [simpy.Resource(env, capacity=u) for u in UNITS]
    times: list[Iterator[float]] = [
        service_stream(rng, d, m, cv) for rng, (d, m, cv) in zip(rngs, STEPS, strict=False)
    ]
    passes = uniform_stream(rngs[-2])
    gaps = exponential_stream(rngs[-1], 1.0 / RATE)
    cycle: list[float] = []
    busy = [0.0] * len(STEPS)

    def unit(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        born = env.now
        i = 0
        while i < len(STEPS):
            with stations[i].request() as req:
                yield req
                work = next(times[i])
                yield env.timeout(work)
                if env.now >= warmup:
                    busy[i] += work
            if i == TEST and next(passes) >= YIELD:
                i = REWORK_TO
            else:
                i += 1
        if env.now >= warmup:
            cycle.append(env.now - born)

    def source(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        while True:
            yield env.timeout(next(gaps))
            env.process(unit(env))

    tick, cpu = time.perf_counter(), time.process_time()
    env.process(source(env))
    env.run(until=hours)
    wall, cpu = time.perf_counter() - tick, time.process_time() - cpu
    scheduled = next(env._eid)  # SimPy numbers every event it schedules
    return Run(wall, cpu, scheduled - len(env._queue), cycle, busy)


def simpy_breakdown_replication(hours: float, warmup: float, seed: np.random.SeedSequence) -> Run:
    """The line with breakdowns in SimPy: a process per unit of every station takes tasks
    from the station's FIFO store; a breakdown process per unit interrupts it."""
    env = simpy.Environment()
    n_units = sum(UNITS)
    rngs = [np.random.default_rng(s) for s in seed.spawn(len(STEPS) + 2 + 2 * n_units)]
    stores = [simpy.Store(env) for _ in UNITS]
    times = [service_stream(rng, d, m, cv) for rng, (d, m, cv) in zip(rngs, STEPS, strict=False)]
    passes = uniform_stream(rngs[len(STEPS)])
    gaps = exponential_stream(rngs[len(STEPS) + 1], 1.0 / RATE)
    unit_rngs = iter(rngs[len(STEPS) + 2 :])
    cycle: list[float] = []
    busy = [0.0] * len(STEPS)
    last = len(STEPS) - 1

    class Unit:
        def __init__(self, i: int) -> None:
            self.i = i
            self.broken = False
            self.repaired = env.event()
            self.process = env.process(self.work())
            env.process(self.breakdowns(next(unit_rngs), next(unit_rngs)))

        def work(self) -> Generator[simpy.Event, Any, None]:
            i = self.i
            while True:
                if self.broken:
                    yield self.repaired
                req = stores[i].get()
                try:
                    born = yield req
                except simpy.Interrupt:  # broken while idle
                    if not req.triggered:
                        req.cancel()
                        continue
                    born = req.value  # (the task had just been taken)
                work = left = next(times[i])
                while True:
                    if self.broken:
                        yield self.repaired
                    start = env.now
                    try:
                        yield env.timeout(left)
                        break
                    except simpy.Interrupt:  # preempted: resume after the repair
                        left -= env.now - start
                if env.now >= warmup:
                    busy[i] += work
                if i == TEST and next(passes) >= YIELD:
                    stores[REWORK_TO].put(born)
                elif i < last:
                    stores[i + 1].put(born)
                elif env.now >= warmup:
                    cycle.append(env.now - born)

        def breakdowns(
            self, f_rng: np.random.Generator, r_rng: np.random.Generator
        ) -> Generator[simpy.Event, Any, None]:
            up, down = exponential_stream(f_rng, MTBF), exponential_stream(r_rng, MTTR)
            while True:
                yield env.timeout(next(up))
                self.broken = True
                self.repaired = env.event()
                self.process.interrupt()
                yield env.timeout(next(down))
                self.broken = False
                self.repaired.succeed()

    def source(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        while True:
            yield env.timeout(next(gaps))
            stores[0].put(env.now)

    tick, cpu = time.perf_counter(), time.process_time()
    for i, u in enumerate(UNITS):
        for _ in range(u):
            Unit(i)
    env.process(source(env))
    env.run(until=hours)
    wall, cpu = time.perf_counter() - tick, time.process_time() - cpu
    scheduled = next(env._eid)
    return Run(wall, cpu, scheduled - len(env._queue), cycle, busy)


def bare_replication(hours: float, warmup: float, seed: np.random.SeedSequence) -> Run:
    """The floor: the same line as a bare heapq loop with nothing but cycle times (no
    statistics, no warm-up bookkeeping beyond them, no generality). Not a usable model: it
    shows how close the twin's kernel and line come to what plain Python can do."""
    rngs = [np.random.default_rng(s) for s in seed.spawn(len(STEPS) + 2)]
    times = [service_stream(rng, d, m, cv) for rng, (d, m, cv) in zip(rngs, STEPS, strict=False)]
    passes = uniform_stream(rngs[-2])
    gaps = exponential_stream(rngs[-1], 1.0 / RATE)
    heap: list[tuple[float, int, int, int, int]] = []
    seq = itertools.count().__next__
    idle = list(UNITS)
    queues: list[deque[int]] = [deque() for _ in UNITS]
    born: list[float] = []
    cycle: list[float] = []
    push, pop = heapq.heappush, heapq.heappop
    last = len(STEPS) - 1

    def arrive(j: int, i: int, t: float) -> None:
        if idle[i]:
            idle[i] -= 1
            push(heap, (t + next(times[i]), seq(), 0, i, j))
        else:
            queues[i].append(j)

    tick, cpu = time.perf_counter(), time.process_time()
    push(heap, (next(gaps), seq(), 1, 0, 0))
    events = 0
    while True:
        t, _, code, i, j = pop(heap)
        if t > hours:
            break
        events += 1
        if code == 1:
            born.append(t)
            arrive(len(born) - 1, 0, t)
            push(heap, (t + next(gaps), seq(), 1, 0, 0))
            continue
        if queues[i]:
            push(heap, (t + next(times[i]), seq(), 0, i, queues[i].popleft()))
        else:
            idle[i] += 1
        if i == TEST and next(passes) >= YIELD:
            arrive(j, REWORK_TO, t)
        elif i < last:
            arrive(j, i + 1, t)
        elif t >= warmup:
            cycle.append(t - born[j])
    wall, cpu = time.perf_counter() - tick, time.process_time() - cpu
    return Run(wall, cpu, events, cycle, [math.nan] * len(UNITS))


def rackforge_replication(
    spec: LineSpec, hours: float, warmup: float, seed: np.random.SeedSequence
) -> Run:
    tick, cpu = time.perf_counter(), time.process_time()
    stats = run_replication(spec, hours, warmup, seed)
    wall, cpu = time.perf_counter() - tick, time.process_time() - cpu
    return Run(wall, cpu, stats.events, stats.route_cycle[0].tolist(), stats.station_busy_h)


def row(name: str, runs: list[Run], hours: float, warmup: float) -> tuple[str, float, float]:
    wall = sum(r.wall_s for r in runs)
    cpu = sum(r.cpu_s for r in runs)
    events = sum(r.events for r in runs)
    units = sum(len(r.cycle) for r in runs)
    ct = estimate([float(np.mean(r.cycle)) for r in runs])
    tp = estimate([len(r.cycle) / (hours - warmup) for r in runs])
    util = [
        float(np.mean([r.busy[i] / (u * (hours - warmup)) for r in runs]))
        for i, u in enumerate(UNITS)
    ]
    line = (
        f"| {name} | {wall:.2f} | {cpu:.2f} | {events:,} | {events / cpu:,.0f} | {units / cpu:,.0f} "
        f"| {ct.mean:.2f} ± {ct.ci95:.2f} | {tp.mean:.3f} ± {tp.ci95:.3f} "
        f"| {' / '.join(f'{u:.2f}' for u in util)} |"
    )
    return line, cpu, ct.mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--breakdowns", action="store_true", help="every unit fails and is repaired"
    )
    parser.add_argument(
        "--hours", type=float, default=20_000.0, help="simulated hours per replication"
    )
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", help="also write the table to this markdown file")
    args = parser.parse_args()
    hours, reps = args.hours, args.replications
    warmup = 0.2 * hours
    spec = rackforge_line(args.breakdowns)
    simpy_run = simpy_breakdown_replication if args.breakdowns else simpy_replication
    seeds = np.random.SeedSequence(args.seed).spawn(2 * reps)
    # interleave the engines so that both see the same machine load
    sp_runs, rf_runs, bare_runs = [], [], []
    for i in range(reps):
        sp_runs.append(simpy_run(hours, warmup, seeds[i]))
        rf_runs.append(rackforge_replication(spec, hours, warmup, seeds[reps + i]))
        if not args.breakdowns:  # (the bare loop has no breakdowns)
            bare_runs.append(bare_replication(hours, warmup, seeds[reps + i]))
    header = (
        "| engine | wall s | CPU s | events | events/CPU s | units/CPU s | cycle time h (95% CI) "
        "| units/h (95% CI) | utilisation by station |\n|---|---|---|---|---|---|---|---|---|"
    )
    sp_name = "SimPy 4 (process per unit" + (" and per station unit)" if args.breakdowns else ")")
    sp_line, sp_cpu, sp_ct = row(sp_name, sp_runs, hours, warmup)
    rf_line, rf_cpu, rf_ct = row("rackforge twin (1 process)", rf_runs, hours, warmup)
    sp_wall = sum(r.wall_s for r in sp_runs)
    rf_wall = sum(r.wall_s for r in rf_runs)
    lines = [header, sp_line, rf_line]
    floor = ""
    if bare_runs:
        bare_line, bare_cpu, _ = row(
            "floor: bare heapq loop, no statistics", bare_runs, hours, warmup
        )
        lines.append(bare_line)
        pair_bare = statistics.median(
            s.cpu_s / b.cpu_s for s, b in zip(sp_runs, bare_runs, strict=True)
        )
        floor = (
            f" The bare loop (the plain-Python floor) is {pair_bare:.1f}x SimPy "
            f"({sp_cpu / bare_cpu:.1f}x in total)."
        )
    cores = os.cpu_count() or 1
    if cores > 1 and reps > 1:
        tick = time.perf_counter()
        simulate(
            spec,
            TwinOptions(
                weeks=hours / 168, replications=reps, warmup_weeks=warmup / 168, seed=args.seed
            ),
        )
        par_wall = time.perf_counter() - tick
        lines.append(
            f"| rackforge twin ({min(cores, reps)} processes, incl. start-up) | {par_wall:.2f} "
            "| | | | | | | |"
        )
    # The cores are often shared: each replication pair ran back to back, so the median of
    # the pairwise ratios is the figure least moved by other work on the machine.
    pair_ratio = statistics.median(s.cpu_s / r.cpu_s for s, r in zip(sp_runs, rf_runs, strict=True))
    sp_units = sum(len(r.cycle) for r in sp_runs) / sp_cpu
    rf_units = sum(len(r.cycle) for r in rf_runs) / rf_cpu
    diff = np.mean([np.mean(r.cycle) for r in rf_runs]) - np.mean(
        [np.mean(r.cycle) for r in sp_runs]
    )
    se = math.sqrt(
        np.var([np.mean(r.cycle) for r in rf_runs], ddof=1) / reps
        + np.var([np.mean(r.cycle) for r in sp_runs], ddof=1) / reps
    )
    agree = abs(diff) <= 2.0 * se
    line_name = f"with breakdowns (MTBF {MTBF:g} h, MTTR {MTTR:g} h), " if args.breakdowns else ""
    summary = [
        "",
        f"{line_name}{reps} replications x {hours:,.0f} h (warm-up {warmup:,.0f} h), seed "
        f"{args.seed}, Python {'.'.join(map(str, __import__('sys').version_info[:3]))}, "
        f"{cores} core(s).",
        f"Speed-up for the same simulated hours: **{pair_ratio:.1f}x** in CPU time (median of "
        f"the {reps} replication pairs; {sp_cpu / rf_cpu:.1f}x in total CPU time, "
        f"{sp_wall / rf_wall:.1f}x in wall time; units per CPU second {rf_units / sp_units:.1f}x)."
        + floor,
        f"Mean cycle time: rackforge {rf_ct:.2f} h, SimPy {sp_ct:.2f} h, difference "
        f"{diff:+.2f} h (2 standard errors {2 * se:.2f} h): "
        + ("the engines agree." if agree else "**the engines differ.**"),
    ]
    text = "\n".join(lines + summary)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
