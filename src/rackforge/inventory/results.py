"""Options and results of the safety-stock optimisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rackforge.inventory.problem import GridProblem, IntArray, TimeRounding


class Method(Enum):
    """Which algorithm solves the problem.

    ``TREE_DP``: the dynamic program of Graves & Willems (2000); spanning trees only.
    ``BRANCH_AND_BOUND``: the DP over a spanning tree inside a branch and bound
    (:mod:`rackforge.inventory.bnb`). ``MIP``: HiGHS on the discrete-time MIP
    (:mod:`rackforge.inventory.mip`). ``PAIRS``: HiGHS on the (SI, S) pair model, its LP
    relaxation first (:mod:`rackforge.inventory.pairs`). ``AUTO``: the DP for trees; otherwise
    the pair model for 70% of the time limit and, unless it proved its answer optimal, branch
    and bound for the rest; when the pair model would have more than ``PAIR_LIMIT`` binaries,
    branch and bound for 30% of the time and then the MIP, with the best cost so far as a
    cutoff.
    """

    AUTO = "auto"
    TREE_DP = "tree_dp"
    BRANCH_AND_BOUND = "branch_and_bound"
    MIP = "mip"
    PAIRS = "pairs"


class SolveStatus(Enum):
    """``OPTIMAL``: proven optimal (within ``GSMOptions.gap``) on the time grid.
    ``FEASIBLE``: stopped at the time limit; ``gap`` bounds the distance to the optimum."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"


@dataclass(frozen=True)
class GSMOptions:
    """Options of :func:`rackforge.inventory.optimize`.

    Attributes:
        method: the algorithm (see :class:`Method`).
        time_step: grid step of service times, in the network's time unit; ``None`` (default):
            the greatest common divisor of the times when they are whole numbers (exact), else
            1. The MIP has about ``sum_j M_j / time_step`` binaries, the DP works in
            ``O(sum_j (M_j / time_step)^2)``.
        rounding: how times off the grid are rounded (see :class:`TimeRounding`).
        exact_times: with times off the grid rounded ``UP``, refine the grid's answer to the
            optimum for the exact times (:mod:`rackforge.inventory.exact_times`) and report it
            at the exact times; False: report the rounded-up answer and its bound.
        time_limit_s: wall-clock limit for the search (the tree DP always finishes).
        gap: relative optimality tolerance.
        threads: threads HiGHS may use.
        lagrange_iterations: subgradient iterations at the root of the branch and bound.
    """

    method: Method = Method.AUTO
    time_step: float | None = None
    rounding: TimeRounding = TimeRounding.UP
    exact_times: bool = True
    time_limit_s: float = 60.0
    gap: float = 1e-6
    threads: int = 1
    lagrange_iterations: int = 60


@dataclass(frozen=True)
class StageResult:
    """The policy of one stage (times in the network's time unit, money per year).

    ``inbound_service_time`` is ``SI_j``, set by ``supplier`` (the upstream stage quoting the
    longest service time; empty when the outside supply or nothing binds). Net replenishment
    time ``nrt = max(SI_j + T_j - S_j, 0)``; ``safety_stock = z sigma sqrt(nrt)``;
    ``base_stock = mean * nrt + safety_stock`` (Graves & Willems 2000, eq. 2);
    ``cost = unit_holding_cost * safety_stock``.
    """

    stage: str
    label: str
    processing_time: float
    inbound_service_time: float
    service_time: float
    nrt: float
    demand_mean: float
    demand_std: float
    z: float
    base_stock: float
    safety_stock: float
    unit_holding_cost: float
    cost: float
    supplier: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class GSMResult:
    """Safety-stock placement of a network: per-stage policy, total cost and how sure it is.

    ``lower_bound`` is a proven lower bound on the optimal cost; ``gap`` =
    ``(total_cost - lower_bound) / total_cost``.
    """

    network: str
    status: SolveStatus
    method: Method
    message: str
    total_cost: float
    lower_bound: float
    gap: float
    stages: tuple[StageResult, ...]
    time_unit: str
    time_step: float
    rounding: TimeRounding
    rounded_stages: int
    holding_rate: float
    solve_seconds: float
    nodes: int

    def stage(self, name: str) -> StageResult:
        for s in self.stages:
            if s.stage == name:
                return s
        raise KeyError(name)

    @property
    def safety_stock(self) -> dict[str, float]:
        return {s.stage: s.safety_stock for s in self.stages}

    @property
    def total_safety_stock(self) -> float:
        return float(sum(s.safety_stock for s in self.stages))

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "status": self.status.value,
            "method": self.method.value,
            "message": self.message,
            "total_cost": self.total_cost,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "time_unit": self.time_unit,
            "time_step": self.time_step,
            "rounding": self.rounding.value,
            "rounded_stages": self.rounded_stages,
            "holding_rate": self.holding_rate,
            "solve_seconds": self.solve_seconds,
            "nodes": self.nodes,
            "stages": [s.to_dict() for s in self.stages],
        }


def _suppliers(
    problem: GridProblem, S: NDArray[np.floating[Any]] | IntArray, ext_in: NDArray[Any]
) -> list[str]:
    """Name of the upstream stage that sets each stage's inbound service time."""
    names = [s.name for s in problem.network.stages]
    best = ext_in.copy()
    who = [""] * problem.n
    for i, j in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        if S[i] > best[j] or (S[i] == best[j] and who[j] == "" and S[i] > 0):
            best[j], who[j] = S[i], names[i]
    return who


def build_result(
    problem: GridProblem,
    S: NDArray[Any],
    *,
    status: SolveStatus,
    method: Method,
    message: str,
    lower_bound: float,
    seconds: float,
    nodes: int,
    at_exact_times: bool = False,
) -> GSMResult:
    """Evaluate outbound service times ``S`` into a :class:`GSMResult`: ``S`` in grid steps
    on the grid's times, or with ``at_exact_times`` in time units on the network's own."""
    if at_exact_times:
        exact = problem.exact
        times = _Times(
            exact.T, exact.inbound(S), S, exact.nrt(S), _suppliers(problem, S, exact.ext_in)
        )
    else:
        step = problem.step
        times = _Times(
            T=problem.T * step,
            SI=problem.inbound(S) * step,
            S=S * step,
            nrt=problem.nrt(S) * step,
            suppliers=_suppliers(problem, S, problem.ext_in),
        )
    return _result(problem, times, status, method, message, lower_bound, seconds, nodes)


@dataclass(frozen=True)
class _Times:
    """A policy's times per stage, in the network's time unit."""

    T: NDArray[Any]
    SI: NDArray[Any]
    S: NDArray[Any]
    nrt: NDArray[Any]
    suppliers: list[str]


def _result(
    problem: GridProblem,
    times: _Times,
    status: SolveStatus,
    method: Method,
    message: str,
    lower_bound: float,
    seconds: float,
    nodes: int,
) -> GSMResult:
    demand = problem.demand
    safety = demand.bound * np.sqrt(times.nrt)
    cost = problem.holding_cost * safety
    z = demand.z
    stages = tuple(
        StageResult(
            stage=s.name,
            label=s.label,
            processing_time=float(times.T[j]),
            inbound_service_time=float(times.SI[j]),
            service_time=float(times.S[j]),
            nrt=float(times.nrt[j]),
            demand_mean=float(demand.mean[j]),
            demand_std=float(demand.std[j]),
            z=float(z[j]),
            base_stock=float(demand.mean[j] * times.nrt[j] + safety[j]),
            safety_stock=float(safety[j]),
            unit_holding_cost=float(problem.holding_cost[j]),
            cost=float(cost[j]),
            supplier=times.suppliers[j],
        )
        for j, s in enumerate(problem.network.stages)
    )
    total = float(cost.sum())
    lower = min(lower_bound, total)
    gap = 0.0 if total <= 0 else max(0.0, (total - lower) / total)
    return GSMResult(
        network=problem.network.name,
        status=status,
        method=method,
        message=message,
        total_cost=total,
        lower_bound=lower if math.isfinite(lower) else 0.0,
        gap=gap,
        stages=stages,
        time_unit=problem.network.time_unit,
        time_step=problem.step,
        rounding=problem.rounding,
        rounded_stages=problem.rounded_stages,
        holding_rate=problem.network.holding_rate,
        solve_seconds=seconds,
        nodes=nodes,
    )
