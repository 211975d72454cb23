"""Benchmark: Monte-Carlo stress throughput (scenario-weeks per second) by array backend.

Runs the stress test of a scenario (the bundled ``us-ai-racks`` by default: 5 plants, 52 weeks)
on numpy in this process, on every other installed backend (cupy, jax, torch), and on numpy
spread over a local Dask cluster, and prints a markdown table with ratios against numpy in one
process. Every run uses the same seed; the table checks that all give the same mean delivery.

    python bench/stress_backends.py                      # 100,000 scenarios
    python bench/stress_backends.py --scenarios 20000 --workers 2 --out bench/results/stress_backends.md
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from rackforge.risk import Backend, StressOptions, StressResult, installed_backends, stress_test
from rackforge.risk.distributed import dask_client, dask_runner
from rackforge.risk.stress import run_local
from rackforge.scenario import load_scenario


@dataclass(frozen=True)
class Row:
    backend: str
    runner: str
    result: StressResult
    wall_s: float


def run(args: argparse.Namespace) -> list[Row]:
    scenario = load_scenario(args.scenario)
    rows: list[Row] = []
    backends = [b for b in installed_backends() if b.value in args.backends]
    for backend in backends:
        options = StressOptions(
            scenarios=args.scenarios, seed=args.seed, backend=backend, chunk_size=args.chunk_size
        )
        started = time.perf_counter()
        result = stress_test(scenario, options, None, run_local)
        rows.append(Row(backend.value, "1 process", result, time.perf_counter() - started))
    if args.workers > 0:
        options = StressOptions(
            scenarios=args.scenarios,
            seed=args.seed,
            backend=Backend.NUMPY,
            chunk_size=args.chunk_size,
        )
        with dask_client(workers=args.workers, processes=True) as client:
            started = time.perf_counter()  # the cluster's start-up is not counted
            result = stress_test(scenario, options, None, dask_runner(client))
            wall = time.perf_counter() - started
        rows.append(Row("numpy", f"dask local, {args.workers} workers", result, wall))
    return rows


def table(rows: list[Row], args: argparse.Namespace) -> str:
    reference = rows[0].wall_s
    weeks = rows[0].result.horizon_weeks
    lines = [
        f"{args.scenarios:,} scenarios x {weeks} weeks of `{args.scenario}`, seed {args.seed}, "
        f"chunks of {args.chunk_size:,}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs, python {platform.python_version()}",
        "",
        "| backend | runner | wall s | scenario-weeks/s | speed vs numpy 1 process | mean delivered |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        rate = args.scenarios * weeks / row.wall_s
        lines.append(
            f"| {row.backend} | {row.runner} | {row.wall_s:.1f} | {rate:,.0f} | "
            f"{reference / row.wall_s:.2f}x | {row.result.delivered_units.mean:,.1f} |"
        )
    same = len({round(r.result.delivered_units.mean, 6) for r in rows}) == 1
    lines += ["", f"same answer on every row: {'yes' if same else 'NO'}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="us-ai-racks")
    parser.add_argument("--scenarios", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=8192)
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers (0: skip)")
    parser.add_argument(
        "--backends", nargs="*", default=[b.value for b in Backend], help="backends to try"
    )
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    text = table(run(args), args)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
