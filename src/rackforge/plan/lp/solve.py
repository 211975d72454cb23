"""Solve a built model with HiGHS, quietly, and read primal and dual values by linopy label.

The model reaches HiGHS through linopy's matrix export (``Model.matrices``) so that the
solver's options (``output_flag`` off, time limit, MIP gap, threads) are set before the model
is loaded: loading it first makes HiGHS print its banner on stdout, which a library must not.
For a MIP the duals come from the LP with the integer variables fixed at the incumbent's
values (the usual fix-and-resolve; e.g. PyPSA's ``assign_all_duals`` / Gurobi ``fixed()``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum, StrEnum

import highspy
import linopy
import numpy as np

from rackforge._highs import quiet_highs


class SolveStatus(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, not proven optimal (e.g. stopped on another limit)
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


class LpMethod(StrEnum):
    """HiGHS's ``solver`` option: its choice, dual simplex, interior point (then crossover to
    a basic solution, so shadow prices stay vertex duals) or first-order PDLP."""

    CHOOSE = "choose"
    SIMPLEX = "simplex"
    IPM = "ipm"
    PDLP = "pdlp"


@dataclass(frozen=True)
class SolverSettings:
    time_limit_s: float = math.inf
    mip_gap: float = 1e-4
    threads: int | None = None
    # Interior point with crossover: on the bundled scenario 2x faster than HiGHS's choice
    # (dual simplex), on generated multi-plant networks 10x and more (bench/plan_vs_pyomo.py).
    method: LpMethod = LpMethod.IPM


@dataclass
class Solution:
    """Solver outcome; ``primal``/``dual`` are indexed by linopy variable/constraint label."""

    status: SolveStatus
    has_solution: bool
    objective: float
    primal: np.ndarray
    dual: np.ndarray
    mip: bool
    gap: float | None
    solve_s: float  # wall time of solve(): matrix export, HiGHS, read-back
    solver_status: str
    highs_s: float = 0.0  # HiGHS's own run time (every run() of this solve)


_MS = highspy.HighsModelStatus


def _status(model_status: highspy.HighsModelStatus, feasible: bool) -> SolveStatus:
    if model_status == _MS.kOptimal:
        return SolveStatus.OPTIMAL
    if model_status == _MS.kTimeLimit:
        return SolveStatus.TIME_LIMIT
    if model_status == _MS.kInfeasible:
        return SolveStatus.INFEASIBLE
    if model_status in (_MS.kUnbounded, _MS.kUnboundedOrInfeasible):
        return SolveStatus.UNBOUNDED
    return SolveStatus.FEASIBLE if feasible else SolveStatus.ERROR


def _scatter(values: np.ndarray, labels: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    if len(labels):
        out[labels] = values
    return out


def solve(model: linopy.Model, settings: SolverSettings) -> Solution:
    """Solve ``model`` (minimisation) with HiGHS; never prints."""
    start = time.perf_counter()
    mat = model.matrices
    vlabels = np.asarray(mat.vlabels, dtype=np.int64)
    clabels = np.asarray(mat.clabels, dtype=np.int64)
    n_var = int(vlabels.max()) + 1 if len(vlabels) else 0
    n_con = int(clabels.max()) + 1 if len(clabels) else 0
    h = quiet_highs(threads=settings.threads or 0)
    if math.isfinite(settings.time_limit_s):
        h.setOptionValue("time_limit", float(settings.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(settings.mip_gap))
    n = len(vlabels)
    h.addVars(n, np.asarray(mat.lb, float), np.asarray(mat.ub, float))
    integer = np.flatnonzero(np.isin(mat.vtypes, ["B", "I"]))
    # For a MIP, any "solver" but "choose" would make HiGHS drop integrality: branch and cut
    # decides how to solve its relaxations.
    h.setOptionValue("solver", LpMethod.CHOOSE.value if integer.size else settings.method.value)
    if integer.size:
        h.changeColsIntegrality(
            integer.size, integer.astype(np.int32), np.ones(integer.size, dtype=np.uint8)
        )
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(mat.c, float))
    a = mat.A
    if a is not None and a.shape[0]:
        csr = a.tocsr()
        b = np.asarray(mat.b, float)
        lower = np.where(mat.sense != "<", b, -np.inf)
        upper = np.where(mat.sense != ">", b, np.inf)
        h.addRows(
            csr.shape[0],
            lower,
            upper,
            csr.nnz,
            csr.indptr.astype(np.int32),
            csr.indices.astype(np.int32),
            csr.data,
        )
    h.run()
    highs_s = float(h.getRunTime())
    info = h.getInfo()
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    status = _status(h.getModelStatus(), feasible)
    solver_status = h.modelStatusToString(h.getModelStatus())
    mip = bool(integer.size)
    gap: float | None = None
    if not feasible:
        empty = np.full(0, np.nan)
        return Solution(
            status,
            False,
            math.nan,
            _scatter(empty, vlabels[:0], n_var),
            _scatter(empty, clabels[:0], n_con),
            mip,
            None,
            time.perf_counter() - start,
            solver_status,
            highs_s,
        )
    col = np.asarray(h.getSolution().col_value, float)
    objective = float(info.objective_function_value)
    if mip:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
        fixed = np.round(col[integer])
        h.changeColsBounds(integer.size, integer.astype(np.int32), fixed, fixed)
        h.changeColsIntegrality(
            integer.size, integer.astype(np.int32), np.zeros(integer.size, dtype=np.uint8)
        )
        h.setOptionValue("time_limit", math.inf)
        h.run()
        highs_s = float(h.getRunTime())
        if h.getModelStatus() == _MS.kOptimal:
            col = np.asarray(h.getSolution().col_value, float)
            objective = float(h.getInfo().objective_function_value)
            denom = max(abs(objective), 1e-9)
            gap = max(0.0, (objective - bound) / denom) if math.isfinite(bound) else gap
    row_dual = np.asarray(h.getSolution().row_dual, float)
    dual_ok = h.getInfo().dual_solution_status == 2
    primal = _scatter(col, vlabels, n_var)
    dual = _scatter(row_dual, clabels, n_con) if dual_ok else np.full(n_con, np.nan)
    return Solution(
        status,
        True,
        objective,
        primal,
        dual,
        mip,
        gap,
        time.perf_counter() - start,
        solver_status,
        highs_s,
    )
