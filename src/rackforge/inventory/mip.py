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
from dataclasses import dataclass, field

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
class SparseModel:
    """A MIP built column by column and row by row, handed to HiGHS by :meth:`lp`."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)

    def add_column(self, cost: float, lo: float, hi: float, integer: bool = False) -> int:
        """A new column; returns its index."""
        self.cost.append(cost)
        self.lower.append(lo)
        self.upper.append(hi)
        self.integer.append(integer)
        return len(self.cost) - 1

    def add_row(self, entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.row_lower)
        for col, val in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.row_lower.append(lo)
        self.row_upper.append(hi)

    @property
    def binaries(self) -> int:
        return sum(self.integer)

    def lp(self) -> highspy.HighsLp:
        shape = (len(self.row_lower), len(self.cost))
        matrix = sparse.csc_matrix((self.vals, (self.rows, self.cols)), shape=shape)
        return highs_lp(
            self.cost,
            self.lower,
            self.upper,
            self.row_lower,
            self.row_upper,
            matrix.astype(np.float64),
            np.asarray(self.integer, dtype=bool),
        )


def _build(problem: GridProblem) -> SparseModel:
    n = problem.n
    T, M = problem.T, problem.M
    model = SparseModel()
    for j in range(n):
        model.add_column(0.0, 0.0, float(problem.smax[j]))
    for j in range(n):
        model.add_column(0.0, float(problem.ext_in[j]), float(M[j] - T[j]))
    for i, j in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        model.add_row([(n + j, 1.0), (i, -1.0)], 0.0, math.inf)
    for j in range(n):
        if problem.coef[j] <= 0.0:
            model.add_row([(j, 1.0), (n + j, -1.0)], -math.inf, float(T[j]))
            continue
        lo = max(0, int(problem.ext_in[j] + T[j] - problem.smax[j]))
        ts = np.arange(lo, int(M[j]) + 1)
        costs = problem.coef[j] * np.sqrt(ts)
        cols = [model.add_column(float(c), 0.0, 1.0, integer=True) for c in costs]
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
    lp = model.lp()
    h = mip_solver(lp, threads, rel_gap)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    if cutoff is not None:
        set_cutoff(h, cutoff)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    binaries = model.binaries
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
