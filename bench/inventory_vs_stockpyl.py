"""Benchmark: rackforge's guaranteed-service solvers against stockpyl, and the Willems chains.

1. Tree DP (Graves & Willems 2000): ``rackforge.inventory`` (numpy, vectorised over service
   times) vs ``stockpyl.gsm_tree.optimize_committed_service_times`` (Snyder) on the same
   spanning trees: the textbook networks, stockpyl's own tree instances and random trees.
   Both run in this process; the costs must agree to 1e-6 (relative).
2. The 38 chains of Willems (2008) (and the toy chain 00) with ``Method.AUTO``: status, cost,
   proven lower bound and time of each.

Run by hand (prints markdown; ``--out FILE`` also writes it):

    python bench/inventory_vs_stockpyl.py [--time-limit 60] [--chains 00,05,38] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from stockpyl.gsm_tree import optimize_committed_service_times
from stockpyl.instances import load_instance

from rackforge.inventory import (
    Arc,
    GSMNetwork,
    GSMOptions,
    Method,
    Stage,
    optimize,
    read_textbook,
    read_willems,
)
from rackforge.testing import from_stockpyl, to_stockpyl

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def random_tree(n: int, rng: np.random.Generator, max_time: int = 10) -> GSMNetwork:
    """A random spanning tree of ``n`` stages, arcs oriented at random, demand at the sinks."""
    arcs = []
    for k in range(1, n):
        other = int(rng.integers(0, k))
        arcs.append((other, k) if rng.random() < 0.5 else (k, other))
    has_succ = {a for a, _ in arcs}
    stages = tuple(
        Stage(
            name=f"s{k}",
            processing_time=int(rng.integers(1, max_time + 1)),
            cost_added=float(rng.uniform(1, 100)),
            demand_mean=float(rng.uniform(10, 100)) if k not in has_succ else 0.0,
            demand_std=float(rng.uniform(1, 30)) if k not in has_succ else 0.0,
            z=1.645,
            max_service_time=float(rng.integers(0, 3)) if k not in has_succ else None,
        )
        for k in range(n)
    )
    return GSMNetwork(
        stages=stages,
        arcs=tuple(Arc(f"s{a}", f"s{b}") for a, b in arcs),
        holding_rate=0.25,
        name=f"random tree n={n}",
    )


def _our_cost(net: Any, options: GSMOptions) -> float:
    return float(optimize(net, options).total_cost)


def _peer_cost(peer: Any) -> float:
    return float(optimize_committed_service_times(peer)[1])


def _best_time(fn: Callable[[], float], repeats: int) -> tuple[float, float]:
    best, value = float("inf"), float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def tree_table(repeats: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    networks = [
        read_textbook(DATA / "gsm-textbook" / "bulldozer.txt", holding_rate=0.30),
        read_textbook(DATA / "gsm-textbook" / "battery.txt", holding_rate=0.25),
        read_textbook(DATA / "gsm-textbook" / "digital_camera.txt", holding_rate=0.24),
        read_willems(DATA / "willems-2008" / "00"),
        from_stockpyl(load_instance("problem_6_9"), "stockpyl problem_6_9"),
        from_stockpyl(load_instance("figure_6_14"), "stockpyl figure_6_14"),
        *(random_tree(n, rng) for n in (25, 50, 100, 200)),
    ]
    lines = [
        "| tree | stages | rackforge DP (ms) | stockpyl DP (ms) | stockpyl / rackforge | cost |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    options = GSMOptions(method=Method.TREE_DP)
    for net in networks:
        ours, cost = _best_time(partial(_our_cost, net, options), repeats)
        theirs, peer_cost = _best_time(partial(_peer_cost, to_stockpyl(net)), 1)
        if abs(cost - peer_cost) > 1e-6 * max(1.0, abs(cost)):
            raise AssertionError(f"{net.name}: rackforge {cost} vs stockpyl {peer_cost}")
        lines.append(
            f"| {net.name} | {len(net.stages)} | {ours * 1e3:.2f} | {theirs * 1e3:.1f} | "
            f"{theirs / ours:.0f}x | {cost:,.2f} |"
        )
    return lines


def chains_table(chains: list[str], time_limit: float) -> tuple[list[str], float]:
    lines = [
        "| chain | stages | arcs | tree | off-grid stages | status | method | cost | lower bound "
        "| gap | seconds |",
        "|---|---:|---:|---|---:|---|---|---:|---:|---:|---:|",
    ]
    total = 0.0
    for chain in chains:
        start = time.perf_counter()
        net = read_willems(DATA / "willems-2008" / chain)
        result = optimize(net, GSMOptions(time_limit_s=time_limit))
        seconds = time.perf_counter() - start
        total += seconds
        lines.append(
            f"| {chain} | {len(net.stages)} | {len(net.arcs)} | {'yes' if net.is_tree else 'no'} "
            f"| {result.rounded_stages} | {result.status.value} | {result.method.value} | {result.total_cost:,.2f} | "
            f"{result.lower_bound:,.2f} | {result.gap:.1e} | {seconds:.2f} |"
        )
        print(lines[-1], flush=True)
    return lines, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--chains", default=",".join(f"{k:02d}" for k in range(39)))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    header = [
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "",
        "### Tree DP: rackforge vs stockpyl (same trees, same process)",
        "",
    ]
    trees = tree_table(args.repeats, args.seed)
    print("\n".join(header + trees), flush=True)
    print(f"\n### Willems (2008) chains, Method.AUTO, time limit {args.time_limit:g} s\n")
    chains, total = chains_table(args.chains.split(","), args.time_limit)
    text = "\n".join([*header, *trees, "", "### Willems (2008) chains", "", *chains])
    text += f"\n\ntotal {total:.1f} s for {len(chains) - 2} chains\n"
    print(f"\ntotal {total:.1f} s")
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
