"""Entry point: choose the algorithm, run it, evaluate the service times it returns."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from rackforge.inventory.bnb import branch_and_bound
from rackforge.inventory.exact_times import refine
from rackforge.inventory.mip import MipOutcome, solve_mip
from rackforge.inventory.model import GSMError, GSMNetwork
from rackforge.inventory.pairs import pair_count, solve_pairs
from rackforge.inventory.problem import GridProblem, IntArray, TimeRounding, prepare
from rackforge.inventory.results import (
    GSMOptions,
    GSMResult,
    Method,
    SolveStatus,
    build_result,
)
from rackforge.inventory.tree_dp import Bounds, solve_forest, tree_forest

#: Largest pair model ``Method.AUTO`` builds (binaries); above it, branch and bound.
PAIR_LIMIT = 2_000_000
#: Share of the time limit that ``Method.AUTO`` gives the branch and bound before the MIP.
AUTO_SEARCH_SHARE = 0.3


@dataclass
class _Best:
    """The incumbent and the proven lower bound, merged across algorithms."""

    S: IntArray
    value: float
    lower: float
    nodes: int
    proven: bool
    method: Method
    notes: list[str]


def optimize(network: GSMNetwork, options: GSMOptions | None = None) -> GSMResult:
    """Place safety stock in ``network`` at minimum holding cost (guaranteed-service model).

    Chooses outbound service times ``S_j`` (``0 <= S_j <= sbar_j``) to minimise
    ``sum_j h_j z_j sigma_j sqrt(SI_j + T_j - S_j)`` with ``SI_j >= S_i`` for every arc
    ``(i, j)`` (Graves & Willems 2000, problem P; Humair & Willems 2011 for general acyclic
    networks). See :class:`GSMOptions` for the algorithms and the time grid.

    With times off the grid and ``TimeRounding.UP``, the answer's gap is to the optimum for the
    exact times, not the rounded ones: the rounded-up policy is feasible for the exact times
    and costs at least as much there, and the optimum with times rounded down (a relaxation:
    shorter times and longer maximum service times never cost more) bounds the exact optimum
    from below. ``status`` is optimal only when that gap is within ``options.gap``. With
    ``options.exact_times`` (default) the answer is then refined to the exact times
    (:mod:`rackforge.inventory.exact_times`) in the time left, and evaluated at them.
    """
    options = options or GSMOptions()
    started = time.monotonic()
    deadline = started + options.time_limit_s
    problem = prepare(network, options.time_step, options.rounding)
    result = _optimize_grid(problem, options, started, deadline)
    if not (problem.rounded_stages and options.rounding is TimeRounding.UP):
        return result
    relaxed = prepare(network, problem.step, TimeRounding.DOWN)
    remaining = max(deadline - time.monotonic(), 1.0)
    lower = _optimize_grid(
        relaxed, replace(options, time_limit_s=remaining), time.monotonic(), deadline
    )
    bounded = exact_bound(result, lower.lower_bound, options.gap, time.monotonic() - started)
    if not options.exact_times:
        return bounded
    return _refined(problem, bounded, result.message, options, started, deadline)


def _refined(
    problem: GridProblem,
    bounded: GSMResult,
    grid_message: str,
    options: GSMOptions,
    started: float,
    deadline: float,
) -> GSMResult:
    """``bounded`` (the rounded-up answer and its bound for the exact times) refined to the
    exact times (:mod:`rackforge.inventory.exact_times`), evaluated at the exact times; the
    message keeps the grid solve's own notes (``grid_message``) and replaces its bound."""
    incumbent = np.array([s.service_time for s in bounded.stages], dtype=np.float64)
    out = refine(
        problem.exact, incumbent, bounded.lower_bound, deadline, options.gap, options.threads
    )
    total = out.value
    gap = 0.0 if total <= 0 else max(0.0, (total - out.lower_bound) / total)
    note = (
        f"{problem.rounded_stages} stage(s) have times off the {problem.step:g}-step grid: "
        f"solved for the exact times by {out.rounds} round(s) of piecewise-linear refinement, "
        f"within {gap:.2%} of their optimum"
    )
    return build_result(
        problem,
        out.S,
        at_exact_times=True,
        status=SolveStatus.OPTIMAL if out.finished else SolveStatus.FEASIBLE,
        method=bounded.method,
        message="; ".join(m for m in (grid_message, note) if m),
        lower_bound=out.lower_bound,
        seconds=time.monotonic() - started,
        nodes=bounded.nodes + out.nodes,
    )


def exact_bound(result: GSMResult, lower: float, gap: float, seconds: float) -> GSMResult:
    """``result`` with ``lower`` (a lower bound on the exact optimum) as its bound."""
    bound = min(result.lower_bound, lower)
    total = result.total_cost
    exact_gap = 0.0 if total <= 0 else max(0.0, (total - bound) / total)
    proven = result.status is SolveStatus.OPTIMAL and exact_gap <= gap
    note = (
        f"{result.rounded_stages} stage(s) have times off the {result.time_step:g}-step grid: "
        f"rounded up, within {exact_gap:.2%} of the optimum for the exact times (bound from "
        "the times rounded down)"
    )
    return replace(
        result,
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        lower_bound=bound,
        gap=exact_gap,
        message="; ".join(m for m in (result.message, note) if m),
        solve_seconds=seconds,
    )


def _optimize_grid(
    problem: GridProblem, options: GSMOptions, started: float, deadline: float
) -> GSMResult:
    """The optimum on the grid (the rounded times), by the method ``options`` asks for."""
    network = problem.network
    method = options.method
    if method is Method.AUTO:
        if network.is_tree:
            method = Method.TREE_DP
        elif pair_count(problem) <= PAIR_LIMIT:
            method = Method.PAIRS
        else:
            method = Method.BRANCH_AND_BOUND
    if method is Method.TREE_DP:
        if not network.is_tree:
            name = network.name or "the network"
            raise GSMError([f"{name} is not a spanning tree; use another Method"])
        return _tree(problem, started)
    zeros = np.zeros(problem.n, dtype=np.int64)
    best = _Best(zeros, problem.cost(zeros), 0.0, 0, False, method, [])
    # AUTO: when the first method has not proven its answer by its share of the time, the
    # second goes on from it for the rest.
    auto = options.method is Method.AUTO
    share = 1.0
    if auto:
        bnb_first = method is Method.BRANCH_AND_BOUND
        share = AUTO_SEARCH_SHARE if bnb_first else 1.0 - AUTO_SEARCH_SHARE
    first_deadline = started + share * (deadline - started)
    if method is Method.BRANCH_AND_BOUND:
        _search(problem, options, first_deadline, best)
        if auto and not best.proven:
            _mip(problem, options, deadline, best, Method.MIP)
    else:
        _mip(problem, options, first_deadline, best, method)
        if auto and not best.proven:
            _search(problem, options, deadline, best)
    status = SolveStatus.OPTIMAL if best.proven else SolveStatus.FEASIBLE
    if not best.proven:
        best.notes.append("stopped at the time limit")
    return build_result(
        problem,
        best.S,
        status=status,
        method=best.method,
        message="; ".join(best.notes),
        lower_bound=best.lower,
        seconds=time.monotonic() - started,
        nodes=best.nodes,
    )


def _tree(problem: GridProblem, started: float) -> GSMResult:
    value, S, _ = solve_forest(problem, tree_forest(problem), Bounds.root(problem))
    return build_result(
        problem,
        S,
        status=SolveStatus.OPTIMAL,
        method=Method.TREE_DP,
        message="dynamic program on a spanning tree (Graves & Willems 2000)",
        lower_bound=value,
        seconds=time.monotonic() - started,
        nodes=problem.n,
    )


def _search(problem: GridProblem, options: GSMOptions, deadline: float, best: _Best) -> None:
    outcome = branch_and_bound(problem, deadline, options.gap, options.lagrange_iterations)
    best.nodes += outcome.nodes
    best.notes.append(
        f"branch and bound over a spanning tree: {outcome.nodes} nodes"
        + ("" if outcome.finished else ", unfinished")
    )
    if outcome.value <= best.value:
        best.S, best.value, best.method = outcome.S, outcome.value, Method.BRANCH_AND_BOUND
    best.lower = max(best.lower, outcome.lower_bound)
    best.proven = outcome.finished or best.lower >= best.value * (1 - options.gap)


def _mip(
    problem: GridProblem, options: GSMOptions, deadline: float, best: _Best, method: Method
) -> None:
    remaining = max(deadline - time.monotonic(), 0.5)
    cutoff = best.value if best.nodes > 0 and math.isfinite(best.value) else None
    outcome: MipOutcome
    if method is Method.PAIRS:
        outcome = solve_pairs(problem, remaining, options.gap, cutoff, options.threads)
        how = f"{outcome.nodes} nodes"
        if outcome.optimal and not outcome.nodes:
            how = "its LP relaxation was integral"
        best.notes.append(f"HiGHS on the pair model: {outcome.binaries} binaries, {how}")
    else:
        outcome = solve_mip(problem, remaining, options.gap, cutoff, options.threads)
        best.notes.append(f"HiGHS MIP: {outcome.binaries} binaries, {outcome.nodes} nodes")
    best.nodes += outcome.nodes
    if outcome.S is not None and outcome.value < best.value:
        best.S, best.value, best.method = outcome.S, outcome.value, method
    best.lower = max(best.lower, outcome.lower_bound)
    best.proven = outcome.optimal or best.lower >= best.value * (1 - options.gap)
