"""The guaranteed-service model as an assignment of (SI, S) pairs, solved by HiGHS.

The MIP of :mod:`rackforge.inventory.mip` picks a net replenishment time per stage; its LP
relaxation pays the concave cost ``sqrt`` only on the chord between the extreme times, so its
bound is weak. Here each stage ``j`` picks one pair ``(a, b) = (SI_j, S_j)`` of its grid instead,
a binary ``x_jab`` that carries the exact cost ``coef_j sqrt(a + T_j - b)``, and every arc
``(i, j)`` asks ``SI_j >= S_i`` of the cumulative distributions:

    min   sum_j sum_ab coef_j sqrt(a + T_j - b) x_jab
    s.t.  sum_ab x_jab = 1                                       for every stage j
          P(S_i >= v) <= P(SI_j >= v)   for every arc (i, j) and every time v >= 1
          with P(S_j >= v) = sum_{a, b >= v} x_jab,  P(SI_j >= v) = sum_{a >= v, b} x_jab
          over a = ext_in_j .. M_j - T_j,  b = 0 .. min(sbar_j, M_j, a + T_j),  x_jab in {0, 1}

For 0/1 values the arc rows say exactly ``S_i <= SI_j``; for fractional ones they ask that
``SI_j`` stochastically dominate ``S_i``, which is what makes the relaxation strong. It is an
extended formulation in the sense of the time-indexed models of scheduling (J. P. Sousa and
L. A. Wolsey, "A time indexed formulation of non-preemptive single machine scheduling
problems", *Mathematical Programming* 54, 1992): binaries indexed by time, constraints on their
running sums. The cumulative sums are columns of their own, defined by running-sum rows, so
every ``x`` appears in three rows only.

The LP relaxation is solved first by simplex: when its vertex is integral (the usual case on
the Willems chains), its bound proves the solution optimal at once. Otherwise HiGHS solves the
MIP for the remaining time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from rackforge._highs import highs_lp
from rackforge.inventory.mip import MipOutcome, mip_solver, set_cutoff
from rackforge.inventory.problem import FloatArray, GridProblem, IntArray


def _grid(problem: GridProblem, j: int) -> tuple[IntArray, IntArray]:
    """Stage ``j``'s inbound times ``a`` and, for each, how many outbound times (0 up to
    ``min(smax_j, a + T_j)``) can pair with it."""
    a = np.arange(int(problem.ext_in[j]), int(problem.M[j] - problem.T[j]) + 1)
    return a, np.minimum(problem.smax[j], a + problem.T[j]) + 1


def pair_count(problem: GridProblem) -> int:
    """Number of ``x_jab`` binaries of the pair model of ``problem``."""
    return sum(int(_grid(problem, j)[1].sum()) for j in range(problem.n))


@dataclass
class _Columns:
    cost: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    n: int = 0

    def add(self, cost: FloatArray) -> IntArray:
        """New columns in [0, 1] with these costs; returns their indices."""
        self.cost.append(cost)
        self.upper.append(np.ones(len(cost)))
        first, self.n = self.n, self.n + len(cost)
        return np.arange(first, self.n)


@dataclass
class _Rows:
    rows: list[IntArray] = field(default_factory=list)
    cols: list[IntArray] = field(default_factory=list)
    vals: list[FloatArray] = field(default_factory=list)
    lower: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    n: int = 0

    def add(
        self, row: IntArray, col: IntArray, val: FloatArray, count: int, lo: float, hi: float
    ) -> None:
        """Entries ``(n + row, col, val)`` of ``count`` new rows, all with bounds ``[lo, hi]``."""
        self.rows.append(row + self.n)
        self.cols.append(col)
        self.vals.append(val)
        self.lower.append(np.full(count, lo))
        self.upper.append(np.full(count, hi))
        self.n += count


def _running_sum_rows(rows: _Rows, cum: IntArray, parts: IntArray, part_row: IntArray) -> None:
    """Rows ``cum[v] - cum[v + 1] - sum(parts in row v) = 0`` (``cum[len]`` is 0)."""
    m = len(cum)
    if m == 0:
        return
    idx = np.arange(m)
    rows.add(
        np.concatenate([idx, idx[:-1], part_row]),
        np.concatenate([cum, cum[1:], parts]),
        np.concatenate([np.ones(m), -np.ones(m - 1), -np.ones(len(parts))]),
        m,
        0.0,
        0.0,
    )


@dataclass(frozen=True)
class _Model:
    lp: highspy.HighsLp
    pair_col: IntArray  # the x columns
    pair_stage: IntArray  # per x column: its stage
    pair_s: IntArray  # its S value


def _build(problem: GridProblem) -> _Model:
    columns, rows = _Columns(), _Rows()
    stage_of: list[IntArray] = []
    s_of: list[IntArray] = []
    x_cols: list[IntArray] = []
    cs: list[IntArray] = []  # per stage: columns P(S_j >= v), v = 1 .. smax_j
    csi: list[IntArray] = []  # per stage: columns P(SI_j >= v), v = ext_in_j + 1 .. M_j - T_j
    T, smax, ext_in = problem.T, problem.smax, problem.ext_in
    for j in range(problem.n):
        a, width = _grid(problem, j)  # S values 0 .. width - 1 for each SI = a
        pa = np.repeat(a, width)
        pb = np.arange(int(width.sum())) - np.repeat(np.cumsum(width) - width, width)
        x = columns.add(problem.coef[j] * np.sqrt(pa + T[j] - pb))
        x_cols.append(x)
        stage_of.append(np.full(len(x), j))
        s_of.append(pb)
        rows.add(np.zeros(len(x), dtype=np.int64), x, np.ones(len(x)), 1, 1.0, 1.0)
        c_s = columns.add(np.zeros(int(smax[j])))
        has_s = pb >= 1
        _running_sum_rows(rows, c_s, x[has_s], pb[has_s] - 1)
        cs.append(c_s)
        c_si = columns.add(np.zeros(len(a) - 1))
        has_si = pa > a[0]
        _running_sum_rows(rows, c_si, x[has_si], pa[has_si] - a[0] - 1)
        csi.append(c_si)
    upper = np.concatenate(columns.upper)
    for i, j in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        v = np.arange(1, int(smax[i]) + 1)
        si_max = int(problem.M[j] - T[j])
        upper[cs[i][v > si_max]] = 0.0  # S_i can never exceed what SI_j can be
        linked = (v > ext_in[j]) & (v <= si_max)
        k = int(linked.sum())
        if k:
            idx = np.arange(k)
            rows.add(
                np.concatenate([idx, idx]),
                np.concatenate([cs[i][linked], csi[j][v[linked] - int(ext_in[j]) - 1]]),
                np.concatenate([np.ones(k), -np.ones(k)]),
                k,
                -math.inf,
                0.0,
            )
    matrix = sparse.csc_matrix(
        (
            np.concatenate(rows.vals),
            (np.concatenate(rows.rows), np.concatenate(rows.cols)),
        ),
        shape=(rows.n, columns.n),
    )
    pair_col = np.concatenate(x_cols)
    integer = np.zeros(columns.n, dtype=bool)
    integer[pair_col] = True
    lp = highs_lp(
        np.concatenate(columns.cost),
        np.zeros(columns.n),
        upper,
        np.concatenate(rows.lower),
        np.concatenate(rows.upper),
        matrix,
        integer,
    )
    return _Model(lp, pair_col, np.concatenate(stage_of), np.concatenate(s_of))


def _service_times(problem: GridProblem, model: _Model, values: FloatArray) -> IntArray:
    """Per stage the S of its heaviest pair (the pair itself when the values are 0/1)."""
    x = values[model.pair_col]
    order = np.lexsort((x, model.pair_stage))  # by stage, then by weight: the last one wins
    last = np.r_[model.pair_stage[order][1:] != model.pair_stage[order][:-1], True]
    S = np.zeros(problem.n, dtype=np.int64)
    S[model.pair_stage[order][last]] = model.pair_s[order][last]
    return S


def solve_pairs(
    problem: GridProblem,
    time_limit_s: float,
    rel_gap: float,
    cutoff: float | None = None,
    threads: int = 1,
) -> MipOutcome:
    """Solve the pair model: its LP relaxation by simplex, then, unless that proves the
    rounded solution optimal, the MIP for what is left of ``time_limit_s``.

    ``cutoff`` is the cost of a solution found elsewhere: the MIP prunes every node that
    cannot beat it, and proving that none does proves the cutoff optimal (``S`` may then be
    that of the LP relaxation, or None)."""
    deadline = time.monotonic() + time_limit_s
    model = _build(problem)
    binaries = len(model.pair_col)
    h = mip_solver(model.lp, threads, rel_gap)
    h.setOptionValue("solve_relaxation", True)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))
    h.run()
    lower, S, value = -math.inf, None, math.inf
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        lower = float(h.getInfo().objective_function_value)
        S = _service_times(problem, model, np.asarray(h.getSolution().col_value))
        value = problem.cost(S)
        if _proves(lower, value, rel_gap):
            return MipOutcome(S, value, lower, True, 0, binaries)
    left = deadline - time.monotonic()
    if left <= 0.0:
        return MipOutcome(S, value, lower, False, 0, binaries)
    h.setOptionValue("solve_relaxation", False)
    h.setOptionValue("solver", "choose")
    h.setOptionValue("time_limit", left)
    bound = min(value, math.inf if cutoff is None else cutoff)
    if math.isfinite(bound):
        set_cutoff(h, bound)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    lower = max(lower, float(info.mip_dual_bound))
    if status == highspy.HighsModelStatus.kObjectiveBound:
        lower = max(lower, bound)  # every node was pruned: nothing beats the bound
    if info.primal_solution_status != 0:
        found = _service_times(problem, model, np.asarray(h.getSolution().col_value))
        if problem.cost(found) < value:
            S, value = found, problem.cost(found)
    proven = _proves(lower, min(value, bound), rel_gap)
    return MipOutcome(S, value, lower, proven, int(info.mip_node_count), binaries)


def _proves(lower: float, value: float, rel_gap: float) -> bool:
    return value <= lower + rel_gap * abs(lower) + 1e-9
