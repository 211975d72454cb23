"""The dynamic program of Graves & Willems (2000) for networks that are spanning trees.

Graves, S. C. and Willems, S. P. (2000), "Optimizing Strategic Safety Stock Placement in
Supply Chains", M&SOM 2(1):68-83, section 5. Stages are visited so that each has at most one
unvisited neighbour ``p(k)`` (a post-order of the tree). Stage ``k`` solves the subproblem of
itself and the already-visited stages connected to it:

    c_k(S, SI) = h_k * B_k * sqrt(SI + T_k - S)
                 + sum_{i supplies k, visited} min_{x <= SI} f_i(x)
                 + sum_{j buys from k, visited} min_{y >= S} g_j(y),

then ``f_k(S) = min_SI c_k(S, SI)`` when ``p(k)`` buys from ``k`` and
``g_k(SI) = min_S c_k(S, SI)`` when ``p(k)`` supplies ``k``; the last stage minimises over both.
Here ``B_k = z_k sigma_k`` is the demand-bound coefficient, so ``B_k sqrt(tau)`` is the safety
stock over a net replenishment time ``tau``.

The functions are numpy arrays over integer service times. ``c_k`` is a Toeplitz matrix in
``(S, SI)`` (it depends on ``SI - S``), built as a strided view of one vector, so each stage
costs one matrix addition and one row or column minimum. Bounds on ``S`` and ``SI`` and linear
terms ``mu_k S_k + nu_k SI_k`` are accepted so that :mod:`rackforge.inventory.bnb` can use the
DP as the relaxation of a general network (arcs outside the tree dropped or priced).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from rackforge.inventory.problem import FloatArray, GridProblem, IntArray

INF = math.inf


@dataclass(frozen=True)
class Bounds:
    """Bounds on the outbound (``S``) and inbound (``SI``) service times, in grid steps."""

    s_lo: IntArray
    s_hi: IntArray
    si_lo: IntArray
    si_hi: IntArray

    @classmethod
    def root(cls, problem: GridProblem) -> Bounds:
        """The bounds of the problem itself: ``0 <= S <= min(sbar, M)``,
        ``ext_in <= SI <= M - T``."""
        n = problem.n
        return cls(
            s_lo=np.zeros(n, dtype=np.int64),
            s_hi=problem.smax.copy(),
            si_lo=problem.ext_in.copy(),
            si_hi=problem.M - problem.T,
        )

    def empty(self) -> bool:
        return bool(np.any(self.s_lo > self.s_hi) or np.any(self.si_lo > self.si_hi))

    def with_s_hi(self, k: int, value: int) -> Bounds:
        s_hi = self.s_hi.copy()
        s_hi[k] = min(int(s_hi[k]), value)
        return Bounds(self.s_lo, s_hi, self.si_lo, self.si_hi)

    def with_si_lo(self, k: int, value: int) -> Bounds:
        si_lo = self.si_lo.copy()
        si_lo[k] = max(int(si_lo[k]), value)
        return Bounds(self.s_lo, self.s_hi, si_lo, self.si_hi)


@dataclass(frozen=True)
class Forest:
    """A spanning forest of the network visited in post-order (children before parents).

    ``parent[k]`` is ``p(k)`` (-1 at a root); ``feeds_parent[k]`` is True when ``k`` supplies
    ``p(k)`` (so ``k`` computes ``f_k(S)``), False when ``p(k)`` supplies ``k`` (``g_k(SI)``).
    ``in_tree[a]`` says whether arc ``a`` is in the forest.
    """

    order: tuple[int, ...]
    parent: IntArray
    feeds_parent: NDArray[np.bool_]
    children: tuple[tuple[int, ...], ...]
    roots: tuple[int, ...]
    in_tree: NDArray[np.bool_]


def spanning_forest(problem: GridProblem) -> Forest:
    """A maximum-weight spanning forest, arc weight = cost coefficients of its two ends, so that
    the arcs between expensive stages are kept exactly and the cheap ones relaxed."""
    n = problem.n
    g: nx.Graph = nx.Graph()
    g.add_nodes_from(range(n))
    w = problem.coef
    for a, (i, j) in enumerate(zip(problem.src.tolist(), problem.dst.tolist(), strict=True)):
        if not g.has_edge(i, j):
            g.add_edge(i, j, weight=float(w[i] + w[j]), arc=a)
    in_tree = np.zeros(len(problem.src), dtype=bool)
    for _, _, data in nx.maximum_spanning_edges(g, data=True):
        in_tree[data["arc"]] = True
    return _forest(problem, in_tree)


def _forest(problem: GridProblem, in_tree: NDArray[np.bool_]) -> Forest:
    n = problem.n
    adjacency: list[list[tuple[int, bool]]] = [[] for _ in range(n)]
    for a in np.flatnonzero(in_tree):
        i, j = int(problem.src[a]), int(problem.dst[a])
        adjacency[i].append((j, True))  # j buys from i
        adjacency[j].append((i, False))  # i supplies j
    parent = np.full(n, -1, dtype=np.int64)
    feeds = np.zeros(n, dtype=bool)
    seen = np.zeros(n, dtype=bool)
    order: list[int] = []
    roots: list[int] = []
    for r in problem.order[::-1].tolist():  # roots downstream: a demand stage per component
        if seen[r]:
            continue
        roots.append(r)
        seen[r] = True
        stack, component = [r], []
        while stack:
            k = stack.pop()
            component.append(k)
            for m, m_buys_from_k in adjacency[k]:
                if not seen[m]:
                    seen[m] = True
                    parent[m] = k
                    feeds[m] = not m_buys_from_k  # m supplies its parent k
                    stack.append(m)
        order.extend(reversed(component))
    children: list[list[int]] = [[] for _ in range(n)]
    for k in order:
        if parent[k] >= 0:
            children[int(parent[k])].append(k)
    return Forest(
        order=tuple(order),
        parent=parent,
        feeds_parent=feeds,
        children=tuple(tuple(c) for c in children),
        roots=tuple(roots),
        in_tree=in_tree,
    )


def tree_forest(problem: GridProblem) -> Forest:
    """The forest of a network that is itself a tree (every arc kept)."""
    return _forest(problem, np.ones(len(problem.src), dtype=bool))


@dataclass
class _Stage:
    """What the DP keeps of a visited stage for its parent and for the backtrack."""

    best: FloatArray  # prefix min of f (feeds parent) or suffix min of g, full domain
    arg: IntArray  # argmin of ``best``
    other: IntArray  # best SI for each S (f) or best S for each SI (g), full domain


def solve_forest(
    problem: GridProblem,
    forest: Forest,
    bounds: Bounds,
    mu: FloatArray | None = None,
    nu: FloatArray | None = None,
) -> tuple[float, IntArray, IntArray]:
    """Minimise ``sum_k coef_k sqrt(SI_k + T_k - S_k) + mu_k S_k + nu_k SI_k`` subject to the
    bounds and to ``SI_j >= S_i`` on the arcs of ``forest``.

    Returns the minimum and an optimal ``(S, SI)``; the minimum is ``inf`` when the bounds
    leave no solution.
    """
    n = problem.n
    if bounds.empty():
        zeros = np.zeros(n, dtype=np.int64)
        return INF, zeros, zeros
    costs = problem.stage_costs
    kept: list[_Stage | None] = [None] * n
    root_value: dict[int, tuple[float, int, int]] = {}
    for k in forest.order:
        n_s = int(problem.M[k]) + 1
        n_si = int(problem.M[k] - problem.T[k]) + 1
        A = np.zeros(n_si) if nu is None else nu[k] * np.arange(n_si, dtype=np.float64)
        B = np.zeros(n_s) if mu is None else mu[k] * np.arange(n_s, dtype=np.float64)
        for child in forest.children[k]:
            info = kept[child]
            assert info is not None
            if forest.feeds_parent[child]:  # child supplies k: min_{x <= SI} f_child(x)
                m = min(len(info.best), n_si)
                A[:m] += info.best[:m]
                A[m:] += info.best[-1]
            else:  # child buys from k: min_{y >= S} g_child(y)
                B += info.best[:n_s]
        s0, s1 = int(bounds.s_lo[k]), min(int(bounds.s_hi[k]), n_s - 1)
        si0, si1 = int(bounds.si_lo[k]), min(int(bounds.si_hi[k]), n_si - 1)
        if s0 > s1 or si0 > si1:
            zeros = np.zeros(n, dtype=np.int64)
            return INF, zeros, zeros
        W = costs[k][s0 : s1 + 1, si0 : si1 + 1]
        if forest.parent[k] < 0:
            total = W + A[si0 : si1 + 1][None, :] + B[s0 : s1 + 1][:, None]
            r, q = np.unravel_index(int(np.argmin(total)), total.shape)
            root_value[k] = (float(total[r, q]), s0 + int(r), si0 + int(q))
            continue
        if forest.feeds_parent[k]:
            inner = W + A[si0 : si1 + 1][None, :]
            q = np.argmin(inner, axis=1)
            f = np.full(n_s, INF)
            f[s0 : s1 + 1] = inner[np.arange(len(q)), q] + B[s0 : s1 + 1]
            other = np.zeros(n_s, dtype=np.int64)
            other[s0 : s1 + 1] = q + si0
            best = np.minimum.accumulate(f)
            arg = np.maximum.accumulate(np.where(f == best, np.arange(n_s), 0))
        else:
            inner = W + B[s0 : s1 + 1][:, None]
            r_best = np.argmin(inner, axis=0)
            g = np.full(n_si, INF)
            g[si0 : si1 + 1] = inner[r_best, np.arange(len(r_best))] + A[si0 : si1 + 1]
            other = np.zeros(n_si, dtype=np.int64)
            other[si0 : si1 + 1] = r_best + s0
            rev = g[::-1]
            run = np.minimum.accumulate(rev)
            rarg = np.maximum.accumulate(np.where(rev == run, np.arange(n_si), 0))
            best = run[::-1]
            arg = (n_si - 1 - rarg)[::-1]
        kept[k] = _Stage(best=best, arg=arg.astype(np.int64), other=other)
    return _backtrack(forest, kept, root_value, n)


def _backtrack(
    forest: Forest,
    kept: list[_Stage | None],
    root_value: dict[int, tuple[float, int, int]],
    n: int,
) -> tuple[float, IntArray, IntArray]:
    S = np.zeros(n, dtype=np.int64)
    SI = np.zeros(n, dtype=np.int64)
    total = 0.0
    stack: list[int] = []
    for r, (value, s, si) in root_value.items():
        total += value
        S[r], SI[r] = s, si
        stack.append(r)
    while stack:
        k = stack.pop()
        for child in forest.children[k]:
            info = kept[child]
            assert info is not None
            if forest.feeds_parent[child]:
                x = min(int(SI[k]), len(info.best) - 1)
                S[child] = info.arg[x]
                SI[child] = info.other[S[child]]
            else:
                SI[child] = info.arg[int(S[k])]
                S[child] = info.other[SI[child]]
            stack.append(child)
    if not math.isfinite(total):
        return INF, S, SI
    return total, S, SI
