"""Branch and bound for general acyclic networks over a spanning-tree relaxation.

In the spirit of Humair & Willems (2011, "Optimizing strategic safety stock placement in general
acyclic networks", Operations Research 59(3):781-787), the general problem is solved through the
spanning-tree dynamic program of Graves & Willems (2000):

* Relaxation. Keep a spanning forest of the arcs (:func:`tree_dp.spanning_forest`); for each
  dropped arc ``(i, j)`` the constraint ``SI_j >= S_i`` is either ignored (plain relaxation) or
  priced with a Lagrange multiplier ``lambda_ij >= 0`` (the term ``lambda_ij (S_i - SI_j)`` is
  linear in ``S_i`` and ``SI_j``, which the DP handles exactly). Multipliers come from
  subgradient optimisation with Polyak steps at the root (Held, Wolfe & Crowder 1974) and are
  reused in every node; any ``lambda >= 0`` gives a valid lower bound.
* Branching. For a dropped arc violated by the plain relaxation (``S_i > SI_j``) and a value
  ``v`` with ``SI_j <= v < S_i``, every feasible solution has either ``S_i <= v`` or
  ``SI_j >= v + 1``; both children exclude the relaxed solution.
* Upper bounds. Every relaxed solution ``S`` is feasible once ``SI`` is recomputed as the
  latest supplier's service time; its cost is an upper bound. A node whose plain relaxation
  violates no dropped arc is solved exactly.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from rackforge.inventory.local_search import improve
from rackforge.inventory.problem import FloatArray, GridProblem, IntArray
from rackforge.inventory.tree_dp import Bounds, Forest, solve_forest, spanning_forest

INF = math.inf
#: Longest dive of the primal heuristic, and how often (in nodes) the search dives.
MAX_DIVE = 50
DIVE_EVERY = 25


@dataclass(frozen=True)
class SearchOutcome:
    """Best solution found, a proven lower bound and whether the search finished."""

    S: IntArray
    value: float
    lower_bound: float
    finished: bool
    nodes: int


@dataclass
class _Search:
    problem: GridProblem
    forest: Forest
    tails: IntArray  # dropped arcs
    heads: IntArray
    deadline: float
    rel_gap: float
    best_S: IntArray
    best_value: float
    nodes: int = 0

    def offer(self, S: IntArray) -> None:
        value = self.problem.cost(S)
        if value < self.best_value:
            self.best_value, self.best_S = value, S.copy()

    def dive(self, bounds: Bounds, mu: FloatArray | None, nu: FloatArray | None) -> None:
        """Primal heuristic: repeatedly tighten the bounds so that every violated dropped arc
        holds (cap the supplier's ``S_i`` at ``SI_j``, or raise ``SI_j`` to ``S_i``) and
        re-solve, until the relaxed solution is feasible; then polish by local search."""
        for cap in (True, False):
            b = bounds
            for _ in range(MAX_DIVE):
                _, S, SI = solve_forest(self.problem, self.forest, b, mu, nu)
                bad = np.flatnonzero(self.violation(S, SI) > 0)
                if len(bad) == 0:
                    break
                tails, heads = self.tails[bad], self.heads[bad]
                if cap:
                    s_hi = b.s_hi.copy()
                    np.minimum.at(s_hi, tails, SI[heads])
                    b = Bounds(b.s_lo, s_hi, b.si_lo, b.si_hi)
                else:
                    si_lo = b.si_lo.copy()
                    np.maximum.at(si_lo, heads, S[tails])
                    b = Bounds(b.s_lo, b.s_hi, si_lo, b.si_hi)
            self.offer(improve(self.problem, S))

    def prunes(self, bound: float) -> bool:
        return bound >= self.best_value - self.rel_gap * abs(self.best_value) - 1e-9

    def multipliers(self, lam: FloatArray) -> tuple[FloatArray, FloatArray]:
        n = self.problem.n
        mu, nu = np.zeros(n), np.zeros(n)
        np.add.at(mu, self.tails, lam)
        np.add.at(nu, self.heads, -lam)
        return mu, nu

    def violation(self, S: IntArray, SI: IntArray) -> IntArray:
        out: IntArray = S[self.tails] - SI[self.heads]
        return out


@dataclass
class _Relaxed:
    """Best Lagrangian bound found and its multipliers and solution."""

    bound: float
    lam: FloatArray
    S: IntArray
    SI: IntArray


def _subgradient(
    search: _Search, bounds: Bounds, iterations: int, lam: FloatArray, theta: float = 1.0
) -> _Relaxed:
    """Lagrange multipliers of the dropped arcs that (approximately) maximise the bound, by
    subgradient steps ``theta (UB - L) / |g|^2`` from ``lam`` (Held, Wolfe & Crowder 1974)."""
    zeros = np.zeros(search.problem.n, dtype=np.int64)
    best = _Relaxed(-INF, lam.copy(), zeros, zeros)
    stall = 0
    for _ in range(iterations):
        mu, nu = search.multipliers(lam)
        value, S, SI = solve_forest(search.problem, search.forest, bounds, mu, nu)
        if not math.isfinite(value):
            return _Relaxed(INF, lam, S, SI)
        search.offer(S)
        if value > best.bound:
            best, stall = _Relaxed(value, lam.copy(), S, SI), 0
        else:
            stall += 1
            if stall >= 8:
                theta, stall = theta / 2, 0
        g = search.violation(S, SI).astype(np.float64)
        norm = float(g @ g)
        if norm == 0.0 or theta < 1e-3 or search.prunes(best.bound):
            break
        if time.monotonic() > search.deadline:
            break
        lam = np.maximum(0.0, lam + theta * (search.best_value - value) / norm * g)
    return best


def branch_and_bound(
    problem: GridProblem,
    deadline: float,
    rel_gap: float,
    lagrange_iterations: int = 60,
    node_iterations: int = 5,
) -> SearchOutcome:
    """Minimise the safety-stock cost of ``problem`` exactly (up to ``rel_gap``) unless the
    monotonic clock passes ``deadline`` first."""
    forest = spanning_forest(problem)
    dropped = np.flatnonzero(~forest.in_tree)
    root = Bounds.root(problem)
    value0, S0, SI0 = solve_forest(problem, forest, root)
    search = _Search(
        problem=problem,
        forest=forest,
        tails=problem.src[dropped],
        heads=problem.dst[dropped],
        deadline=deadline,
        rel_gap=rel_gap,
        best_S=S0.copy(),
        best_value=problem.cost(S0),
        nodes=1,
    )
    if not np.any(search.violation(S0, SI0) > 0):
        return SearchOutcome(S0, search.best_value, value0, True, 1)
    search.dive(root, None, None)
    relaxed = _subgradient(search, root, lagrange_iterations, np.zeros(len(dropped)))
    search.dive(root, *search.multipliers(relaxed.lam))
    weight = problem.coef[search.tails] + problem.coef[search.heads] + 1e-12
    tie = itertools.count()
    Node = tuple[float, int, Bounds, IntArray, IntArray, FloatArray]
    heap: list[Node] = []
    S, SI = relaxed.S, relaxed.SI
    if not np.any(search.violation(S, SI) > 0):
        S, SI = S0, SI0
    heapq.heappush(heap, (max(value0, relaxed.bound), next(tie), root, S, SI, relaxed.lam))

    def explore(bounds: Bounds, parent_bound: float, parent_lam: FloatArray) -> None:
        """Bound a child; keep it with the relaxed solution to branch on (the Lagrangian one
        when it violates a dropped arc, else the plain one; none violated: solved exactly)."""
        search.nodes += 1
        relaxed = _subgradient(search, bounds, node_iterations, parent_lam, 0.5)
        if not math.isfinite(relaxed.bound) or search.prunes(relaxed.bound):
            return
        bound = max(relaxed.bound, parent_bound)
        S, SI = relaxed.S, relaxed.SI
        if not np.any(search.violation(S, SI) > 0):
            plain, S, SI = solve_forest(problem, forest, bounds)
            search.offer(S)
            bound = max(bound, plain)
            if not np.any(search.violation(S, SI) > 0):
                return
        if not search.prunes(bound):
            heapq.heappush(heap, (bound, next(tie), bounds, S, SI, relaxed.lam))

    finished = True
    lower = search.best_value
    while heap:
        bound, _, bounds, S, SI, lam = heap[0]
        if search.prunes(bound):
            lower = bound
            heap.clear()
            break
        if time.monotonic() > deadline:
            finished = False
            break
        heapq.heappop(heap)
        if search.nodes % DIVE_EVERY == 0:
            search.dive(bounds, *search.multipliers(lam))
        v = search.violation(S, SI)
        a = int(np.argmax(np.where(v > 0, v * weight, -1.0)))
        i, j = int(search.tails[a]), int(search.heads[a])
        split = int((S[i] + SI[j]) // 2)  # SI_j <= split < S_i
        explore(bounds.with_s_hi(i, split), bound, lam)
        explore(bounds.with_si_lo(j, split + 1), bound, lam)
    lower = min([lower, search.best_value, *(h[0] for h in heap)])
    return SearchOutcome(
        S=search.best_S,
        value=search.best_value,
        lower_bound=lower,
        finished=finished,
        nodes=search.nodes,
    )
