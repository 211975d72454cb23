"""The factory twin against SimPy on the same line, in one process.

The line: Poisson releases (1 an hour) through four stations with several units each:
kitting (2 units, exponential 1.6 h), tray assembly (4 units, lognormal 2.9 h, cv 0.5),
L10 test (6 units, lognormal 4.3 h, cv 0.3, 90% pass, failures back to assembly) and pack
(2 units, exponential 1.6 h). Every station runs at about 80% utilisation.

Both engines simulate the same hours with the same warm-up and replications, draw their
times from the same kind of block-sampled numpy streams (``rackforge.twin.sampling``, so
sampling costs the same) and measure the same outputs: cycle time and throughput of the
units finished after the warm-up, and busy time per station. The SimPy model is the
idiomatic one (a process per unit, ``simpy.Resource`` per station, ``with
request()``/``timeout``).

Run:  python bench/twin_vs_simpy.py [--hours 20000] [--replications 4] [--out FILE.md]
Prints a markdown table: wall time, events per second (each engine's own events), units
per second, mean cycle time with its 95% interval, and the ratios.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

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


def rackforge_line() -> LineSpec:
    names = ("kitting", "assembly", "l10-test", "pack")
    stations = tuple(Station(n, "bench", units=u) for n, u in zip(names, UNITS, strict=True))
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

    def unit(env: simpy.Environment) -> Iterator[simpy.Event]:
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

    def source(env: simpy.Environment) -> Iterator[simpy.Event]:
        while True:
            yield env.timeout(next(gaps))
            env.process(unit(env))

    tick = time.perf_counter()
    env.process(source(env))
    env.run(until=hours)
    wall = time.perf_counter() - tick
    scheduled = next(env._eid)  # SimPy numbers every event it schedules
    return Run(wall, scheduled - len(env._queue), cycle, busy)


def rackforge_replication(
    spec: LineSpec, hours: float, warmup: float, seed: np.random.SeedSequence
) -> Run:
    tick = time.perf_counter()
    stats = run_replication(spec, hours, warmup, seed)
    wall = time.perf_counter() - tick
    return Run(wall, stats.events, stats.route_cycle[0].tolist(), stats.station_busy_h)


def row(name: str, runs: list[Run], hours: float, warmup: float) -> tuple[str, float, float]:
    wall = sum(r.wall_s for r in runs)
    events = sum(r.events for r in runs)
    units = sum(len(r.cycle) for r in runs)
    ct = estimate([float(np.mean(r.cycle)) for r in runs])
    tp = estimate([len(r.cycle) / (hours - warmup) for r in runs])
    util = [
        float(np.mean([r.busy[i] / (u * (hours - warmup)) for r in runs]))
        for i, u in enumerate(UNITS)
    ]
    line = (
        f"| {name} | {wall:.2f} | {events:,} | {events / wall:,.0f} | {units / wall:,.0f} "
        f"| {ct.mean:.2f} ± {ct.ci95:.2f} | {tp.mean:.3f} ± {tp.ci95:.3f} "
        f"| {' / '.join(f'{u:.2f}' for u in util)} |"
    )
    return line, wall, ct.mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--hours", type=float, default=20_000.0, help="simulated hours per replication"
    )
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", help="also write the table to this markdown file")
    args = parser.parse_args()
    hours, reps = args.hours, args.replications
    warmup = 0.2 * hours
    spec = rackforge_line()
    seeds = np.random.SeedSequence(args.seed).spawn(2 * reps)
    # interleave the engines so that both see the same machine load
    sp_runs, rf_runs = [], []
    for i in range(reps):
        sp_runs.append(simpy_replication(hours, warmup, seeds[i]))
        rf_runs.append(rackforge_replication(spec, hours, warmup, seeds[reps + i]))
    header = (
        "| engine | wall s | events | events/s | units/s | cycle time h (95% CI) "
        "| units/h (95% CI) | utilisation by station |\n|---|---|---|---|---|---|---|---|"
    )
    sp_line, sp_wall, sp_ct = row("SimPy 4 (process per unit)", sp_runs, hours, warmup)
    rf_line, rf_wall, rf_ct = row("rackforge twin (1 process)", rf_runs, hours, warmup)
    lines = [header, sp_line, rf_line]
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
            f"| rackforge twin ({min(cores, reps)} processes, wall incl. start-up) | {par_wall:.2f} | | | | | | |"
        )
    sp_units = sum(len(r.cycle) for r in sp_runs) / sp_wall
    rf_units = sum(len(r.cycle) for r in rf_runs) / rf_wall
    diff = np.mean([np.mean(r.cycle) for r in rf_runs]) - np.mean(
        [np.mean(r.cycle) for r in sp_runs]
    )
    se = math.sqrt(
        np.var([np.mean(r.cycle) for r in rf_runs], ddof=1) / reps
        + np.var([np.mean(r.cycle) for r in sp_runs], ddof=1) / reps
    )
    agree = abs(diff) <= 2.0 * se
    summary = [
        "",
        f"{reps} replications x {hours:,.0f} h (warm-up {warmup:,.0f} h), seed {args.seed}, "
        f"Python {'.'.join(map(str, __import__('sys').version_info[:3]))}, {cores} core(s).",
        f"Speed-up (wall time, same simulated hours): **{sp_wall / rf_wall:.1f}x**; "
        f"units per second {rf_units / sp_units:.1f}x.",
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
