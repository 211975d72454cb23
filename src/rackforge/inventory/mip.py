"""The guaranteed-service model as a MIP over discrete net replenishment times, solved by HiGHS.

For general acyclic networks (Humair & Willems 2011, "Optimizing strategic safety stock
placement in general acyclic networks", Operations Research 59(3):781-787; the same problem as
Graves & Willems 2000 with arbitrary arcs). With integer times the objective
``sum_j h_j B_j sqrt(tau_j)`` is exact at the integer net replenishment times ``tau_j``:

    min   sum_j sum_t  coef_j sqrt(t) y_jt
    s.t.  SI_j - S_i >= 0                        for every arc (i, j)
          SI_j + T_j - S_j - sum_t t y_jt = 0    for every stage j with coef_j > 0
          sum_t y_jt = 1                         (tau_j takes exactly one value)
          S_j - SI_j <= T_j                      for the stages with coef_j = 0
          0 <= S_j <= min(sbar_j, M_j),  ext_in_j <= SI_j <= M_j - T_j,  y_jt in {0, 1}

with ``t`` from ``max(0, ext_in_j + T_j - min(sbar_j, M_j))`` to ``M_j`` (``M_j``: the longest
replenishment time into ``j``). The matrix goes to HiGHS (Huangfu & Hall 2018) through highspy in
compressed-column form; the number of binaries is ``sum_j`` (grid points of ``tau_j``), which the
grid step of :class:`rackforge.inventory.GSMOptions` controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from rackforge._highs import highs_lp, quiet_highs
from rackforge.inventory.problem import GridProblem, IntArray


@dataclass(frozen=True)
class MipOutcome:
    """HiGHS's answer: best ``S`` (None if none found), its cost, the dual bound, optimality."""

    S: IntArray | None
    value: float
    lower_bound: float
    optimal: bool
    nodes: int
    binaries: int


@dataclass
class _Model:
    cost: list[float]
    lower: list[float]
    upper: list[float]
    integer: list[bool]
    rows: list[int]
    cols: list[int]
    vals: list[float]
    row_lower: list[float]
    row_upper: list[float]
    first_binary: list[int]  # per stage: index of its first y column (-1 if none)
    grid_lo: list[int]

    def add_row(self, entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.row_lower)
        for col, val in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.row_lower.append(lo)
        self.row_upper.append(hi)


def _build(problem: GridProblem) -> _Model:
    n = problem.n
    T, M = problem.T, problem.M
    si_hi = M - T
    model = _Model(
        cost=[0.0] * (2 * n),
        lower=[0.0] * n + [float(x) for x in problem.ext_in],
        upper=[float(x) for x in problem.smax] + [float(x) for x in si_hi],
        integer=[False] * (2 * n),
        rows=[],
        cols=[],
        vals=[],
        row_lower=[],
        row_upper=[],
        first_binary=[-1] * n,
        grid_lo=[0] * n,
    )
    for i, j in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        model.add_row([(n + j, 1.0), (i, -1.0)], 0.0, math.inf)
    for j in range(n):
        if problem.coef[j] <= 0.0:
            model.add_row([(j, 1.0), (n + j, -1.0)], -math.inf, float(T[j]))
            continue
        lo = max(0, int(problem.ext_in[j] + T[j] - problem.smax[j]))
        ts = np.arange(lo, int(M[j]) + 1)
        first = len(model.cost)
        model.first_binary[j], model.grid_lo[j] = first, lo
        cols = list(range(first, first + len(ts)))
        model.cost.extend((problem.coef[j] * np.sqrt(ts)).tolist())
        model.lower.extend([0.0] * len(ts))
        model.upper.extend([1.0] * len(ts))
        model.integer.extend([True] * len(ts))
        entries = [(n + j, 1.0), (j, -1.0)] + [
            (c, -float(t)) for c, t in zip(cols, ts, strict=True)
        ]
        model.add_row(entries, -float(T[j]), -float(T[j]))
        model.add_row([(c, 1.0) for c in cols], 1.0, 1.0)
    return model


def mip_solver(lp: highspy.HighsLp, threads: int, rel_gap: float) -> highspy.Highs:
    """A quiet, seeded HiGHS holding ``lp``, stopping at the relative gap ``rel_gap``."""
    h = quiet_highs(threads=int(threads))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    return h


def set_cutoff(h: highspy.Highs, cutoff: float) -> None:
    """Prune every node that cannot beat ``cutoff`` (a tiny slack keeps a node that ties)."""
    h.setOptionValue("objective_bound", float(cutoff) * (1 + 1e-9) + 1e-9)


def solve_mip(
    problem: GridProblem,
    time_limit_s: float,
    rel_gap: float,
    cutoff: float | None = None,
    threads: int = 1,
) -> MipOutcome:
    """Solve the MIP with HiGHS.

    ``cutoff`` is the cost of a known solution: HiGHS then prunes every node that cannot beat
    it (option ``objective_bound``), and when it proves that nothing does, the outcome has no
    ``S`` but ``optimal`` is True with ``lower_bound = cutoff``. (A cutoff helps HiGHS far more
    than handing it the solution itself, which slows its root processing on large chains.)
    """
    model = _build(problem)
    n_cols, n_rows = len(model.cost), len(model.row_lower)
    matrix = sparse.csc_matrix(
        (model.vals, (model.rows, model.cols)), shape=(n_rows, n_cols), dtype=np.float64
    )
    lp = highs_lp(
        model.cost,
        model.lower,
        model.upper,
        model.row_lower,
        model.row_upper,
        matrix,
        np.asarray(model.integer),
    )
    h = mip_solver(lp, threads, rel_gap)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    if cutoff is not None:
        set_cutoff(h, cutoff)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    binaries = sum(model.integer)
    nodes = int(info.mip_node_count)
    values = np.asarray(h.getSolution().col_value)
    if len(values) < problem.n or info.primal_solution_status == 0:
        exhausted = status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kObjectiveBound,
            highspy.HighsModelStatus.kOptimal,
        )
        if cutoff is not None and exhausted:
            return MipOutcome(None, math.inf, float(cutoff), True, nodes, binaries)
        return MipOutcome(None, math.inf, float(info.mip_dual_bound), False, nodes, binaries)
    S = np.rint(values[: problem.n]).astype(np.int64)
    S = np.clip(S, 0, problem.smax)
    return MipOutcome(
        S=S,
        value=problem.cost(S),
        lower_bound=float(info.mip_dual_bound),
        optimal=status == highspy.HighsModelStatus.kOptimal,
        nodes=nodes,
        binaries=binaries,
    )
