"""Solve a built model with HiGHS, quietly, and read primal and dual values by linopy label.

The model reaches HiGHS through linopy's matrix export (``Model.matrices``) so that the
solver's options (``output_flag`` off, time limit, MIP gap, threads) are set before the model
is loaded: loading it first makes HiGHS print its banner on stdout, which a library must not.
HiGHS solves the model scaled by :mod:`rackforge._scaling` (powers of two, exact); values,
duals and the objective are read back in the model's own units.

For a MIP the duals come from the LP with the integer variables fixed at the incumbent's
values (the usual fix-and-resolve; e.g. PyPSA's ``assign_all_duals`` / Gurobi ``fixed()``).

A MIP that ends without an incumbent (declared infeasible, an error, or out of time) is not
taken at its word: its LP relaxation is solved (infeasible there is a proof; otherwise its
objective is a lower bound), the integers are rounded up wherever the relaxation uses them
(an order with a minimum quantity placed wherever the relaxation buys), else all set to zero,
the rest re-solved as an LP, and that plan handed back to branch and cut as a start for the
time that is left. The answer is the better of the two, with its gap against the bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import highspy
import numpy as np
from scipy import sparse

from rackforge._highs import quiet_highs
from rackforge._scaling import Scaling, equilibrate
from rackforge.plan.lp.warm import WarmStart, capture, model_key, set_basis
from rackforge.plan.options import LpMethod as LpMethod

if TYPE_CHECKING:  # linopy is imported where a model is built: it is slow to load
    import linopy


class SolveStatus(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, not proven optimal (e.g. stopped on another limit)
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


@dataclass(frozen=True)
class SolverSettings:
    time_limit_s: float = math.inf
    mip_gap: float = 1e-4
    threads: int | None = None
    # Interior point with crossover: on the bundled scenario 2x faster than HiGHS's choice
    # (dual simplex), on generated multi-plant networks 10x and more (bench/plan_vs_pyomo.py).
    method: LpMethod = LpMethod.IPM
    duals: bool = True  # a MIP's fixed-integer LP, for its shadow prices


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
    rescued: bool = False  # the plan came from the relaxation's rounding (module docstring)
    warm_start: WarmStart | None = None  # what a solve of a close model can start from
    warm_started: bool = False  # this solve started from a given WarmStart

    @classmethod
    def none(
        cls,
        status: SolveStatus,
        mip: bool,
        sizes: tuple[int, int],
        solve_s: float,
        solver_status: str,
        highs_s: float = 0.0,
        warm_started: bool = False,
    ) -> Solution:
        """A solve that ended without a plan (``sizes``: variable and constraint labels)."""
        n_var, n_con = sizes
        return cls(
            status,
            False,
            math.nan,
            np.full(n_var, np.nan),
            np.full(n_con, np.nan),
            mip,
            None,
            solve_s,
            solver_status,
            highs_s,
            warm_started=warm_started,
        )


_MS = highspy.HighsModelStatus
#: An integer the relaxation sets above a whole number by more than this is rounded up.
_ROUND_UP = 1e-9


def solve_status(model_status: highspy.HighsModelStatus, feasible: bool) -> SolveStatus:
    if model_status == _MS.kOptimal:
        return SolveStatus.OPTIMAL
    if model_status == _MS.kTimeLimit:
        return SolveStatus.TIME_LIMIT
    if model_status == _MS.kInfeasible:
        return SolveStatus.INFEASIBLE
    if model_status in (_MS.kUnbounded, _MS.kUnboundedOrInfeasible):
        return SolveStatus.UNBOUNDED
    return SolveStatus.FEASIBLE if feasible else SolveStatus.ERROR


def scatter(values: np.ndarray, labels: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    if len(labels):
        out[labels] = values
    return out


@dataclass
class LoadedLp:
    """A scaled model loaded into HiGHS, with what is needed to unscale its answers."""

    h: highspy.Highs
    scaling: Scaling
    cost: np.ndarray  # unscaled, to price a solution in the model's units
    integer: np.ndarray  # column indices
    lower: np.ndarray  # scaled column bounds, to restore after fixing
    upper: np.ndarray

    @property
    def has_solution(self) -> bool:
        return bool(self.h.getInfo().primal_solution_status == 2)  # kSolutionStatusFeasible

    def columns(self) -> np.ndarray:
        """The current solution's column values, unscaled."""
        return self.scaling.primal(np.asarray(self.h.getSolution().col_value, float))

    def objective(self, col: np.ndarray) -> float:
        return float(np.dot(self.cost, col))

    def set_integrality(self, on: bool) -> None:
        idx = self.integer.astype(np.int32)
        flags = np.full(idx.size, 1 if on else 0, dtype=np.uint8)
        self.h.changeColsIntegrality(idx.size, idx, flags)

    def fix_integers(self, values: np.ndarray | None) -> None:
        """Fix the integer columns at ``values`` (None: restore their bounds)."""
        idx = self.integer.astype(np.int32)
        lo = self.lower[idx] if values is None else values
        hi = self.upper[idx] if values is None else values
        self.h.changeColsBounds(idx.size, idx, lo, hi)

    def run(self, time_limit_s: float) -> _MS:
        self.h.setOptionValue("time_limit", float(time_limit_s))
        self.h.run()
        return self.h.getModelStatus()


def row_bounds(b: np.ndarray, sense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper row bounds of rows ``a x (sense) b`` (``sense`` one of <, >, =)."""
    b = np.asarray(b, float)
    return np.where(sense != "<", b, -np.inf), np.where(sense != ">", b, np.inf)


def load_matrix(
    a: sparse.csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    is_int: np.ndarray,
    settings: SolverSettings,
) -> LoadedLp:
    """``min cost x`` s.t. ``row_lower <= a x <= row_upper``, ``lower <= x <= upper`` and
    ``x[is_int]`` integral, scaled and loaded into a quiet HiGHS."""
    n = a.shape[1]
    integer = np.flatnonzero(is_int)
    cost = np.asarray(cost, float)
    scaling = equilibrate(a, cost, is_int)
    scaled_lower = scaling.bounds(np.asarray(lower, float))
    scaled_upper = scaling.bounds(np.asarray(upper, float))
    h = quiet_highs(threads=settings.threads or 0)
    h.setOptionValue("mip_rel_gap", float(settings.mip_gap))
    h.addVars(n, scaled_lower, scaled_upper)
    # For a MIP, any "solver" but "choose" would make HiGHS drop integrality: branch and cut
    # decides how to solve its relaxations.
    h.setOptionValue("solver", LpMethod.CHOOSE.value if integer.size else settings.method.value)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), scaling.cost(cost))
    if a.shape[0]:
        scaled = scaling.matrix(a)
        h.addRows(
            scaled.shape[0],
            scaling.rhs(row_lower),
            scaling.rhs(row_upper),
            scaled.nnz,
            scaled.indptr.astype(np.int32),
            scaled.indices.astype(np.int32),
            scaled.data,
        )
    loaded = LoadedLp(h, scaling, cost, integer, scaled_lower, scaled_upper)
    if integer.size:
        loaded.set_integrality(True)
    return loaded


ModelArrays = tuple[
    sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]


def model_arrays(model: linopy.Model) -> ModelArrays:
    """The model as :func:`load_matrix` takes it: matrix, row bounds, costs, column bounds
    and which columns are integer, in linopy's matrix order (``model.matrices``)."""
    mat = model.matrices
    a = mat.A
    csr = sparse.csr_matrix(a) if a is not None else sparse.csr_matrix((0, len(mat.vlabels)))
    lo, hi = row_bounds(np.asarray(mat.b, float), np.asarray(mat.sense))
    cost, lb, ub = (np.asarray(v, float) for v in (mat.c, mat.lb, mat.ub))
    return csr, lo, hi, cost, lb, ub, np.isin(mat.vtypes, ["B", "I"])


def _load(model: linopy.Model, settings: SolverSettings) -> LoadedLp:
    return load_matrix(*model_arrays(model), settings)


#: Seconds the rescue of a MIP gets at least for each of its solves, even past the limit.
RESCUE_MIN_S = 5.0


def _remaining(settings: SolverSettings, start: float) -> float:
    return max(RESCUE_MIN_S, settings.time_limit_s - (time.perf_counter() - start))


def _rescue(
    lp: LoadedLp, settings: SolverSettings, start: float
) -> tuple[SolveStatus, float, np.ndarray | None]:
    """A plan for a MIP that ended without one (module docstring).

    Returns the status, the lower bound on the objective (NaN if none) and the plan's scaled
    column values (None when there is no plan: the relaxation is infeasible or failed).
    """
    idx = lp.integer.astype(np.int32)
    lp.set_integrality(False)
    lp.h.setOptionValue("solver", LpMethod.CHOOSE.value)
    relaxed = lp.run(_remaining(settings, start))
    if relaxed == _MS.kInfeasible:
        return SolveStatus.INFEASIBLE, math.nan, None
    if relaxed == _MS.kTimeLimit:
        return SolveStatus.TIME_LIMIT, math.nan, None
    if relaxed != _MS.kOptimal:
        return SolveStatus.ERROR, math.nan, None
    bound = lp.objective(lp.columns())
    z = np.asarray(lp.h.getSolution().col_value, float)[idx]
    rounded: np.ndarray | None = None
    for guess in (np.maximum(np.ceil(z - _ROUND_UP), 0.0), np.zeros(idx.size)):
        if fixed_lp(lp, guess, _remaining(settings, start)):
            rounded = np.asarray(lp.h.getSolution().col_value, float)
            break
    lp.fix_integers(None)
    lp.set_integrality(True)
    if rounded is None:
        return SolveStatus.TIME_LIMIT, bound, None
    lp.h.setSolution(int(rounded.size), np.arange(rounded.size, dtype=np.int32), rounded)
    status = lp.run(_remaining(settings, start))
    cost_rounded = lp.objective(lp.scaling.primal(rounded))
    if lp.has_solution and lp.objective(lp.columns()) <= cost_rounded:
        bound = max(bound, float(lp.h.getInfo().mip_dual_bound) / lp.scaling.objective)
        col = np.asarray(lp.h.getSolution().col_value, float)
        return solve_status(status, True), bound, col
    return SolveStatus.FEASIBLE, bound, rounded


def fixed_lp(lp: LoadedLp, integers: np.ndarray, time_limit_s: float = math.inf) -> bool:
    """Fix the integer columns at ``integers``, solve the LP left; True if it is optimal."""
    lp.fix_integers(np.round(integers))
    lp.set_integrality(False)
    return bool(lp.run(time_limit_s) == _MS.kOptimal)


def _start_from(lp: LoadedLp, warm: WarmStart) -> bool:
    """Start ``lp`` from ``warm`` (a model of the same shape); False if HiGHS refuses it."""
    if lp.integer.size:
        x = lp.scaling.to_scaled(warm.col_value)
        lp.h.setSolution(int(x.size), np.arange(x.size, dtype=np.int32), x)
        return True
    if not warm.has_basis:
        return False
    # dual simplex from the basis: interior point cannot use it
    lp.h.setOptionValue("solver", LpMethod.SIMPLEX.value)
    return set_basis(lp.h, warm)


#: The solver status of a MIP proven optimal by its relaxation (:func:`_whole_relaxation`).
WHOLE_RELAXATION = "Optimal (its LP relaxation, started from a close plan's basis, is whole)"


def _whole_relaxation(lp: LoadedLp, warm: WarmStart, time_limit_s: float) -> np.ndarray | None:
    """The MIP's optimum from its LP relaxation alone, when that is whole.

    The relaxation is solved by dual simplex from ``warm``'s basis (the fixed-integer LP of a
    close model, whose columns and rows it shares). When its integer columns come out whole
    (within HiGHS's ``mip_feasibility_tolerance``), the relaxation's optimum is a plan of the
    MIP whose cost is a lower bound on every plan's: it is the MIP's optimum, proven, with no
    branching (Wolsey 1998, *Integer Programming*, sec. 2.1: a relaxation's optimal solution
    that is feasible for the original problem is optimal for it). Returns its scaled column
    values, or None with the MIP's integrality restored, to be solved by branch and cut.
    """
    lp.set_integrality(False)
    lp.h.setOptionValue("solver", LpMethod.SIMPLEX.value)
    if set_basis(lp.h, warm) and lp.run(time_limit_s) == _MS.kOptimal:
        x = np.asarray(lp.h.getSolution().col_value, float)
        z = x[lp.integer]
        _, tolerance = lp.h.getOptionValue("mip_feasibility_tolerance")
        if np.all(np.abs(z - np.round(z)) <= float(tolerance)):
            return x
    lp.set_integrality(True)
    lp.h.setOptionValue("solver", LpMethod.CHOOSE.value)
    return None


def solve(model: linopy.Model, settings: SolverSettings, warm: WarmStart | None = None) -> Solution:
    """Solve ``model`` (minimisation) with HiGHS; never prints. ``warm``: the start a solve
    of a close model returned, used if this model has the same shape (:mod:`.warm`)."""
    start = time.perf_counter()
    mat = model.matrices
    vlabels = np.asarray(mat.vlabels, dtype=np.int64)
    clabels = np.asarray(mat.clabels, dtype=np.int64)
    n_var = int(vlabels.max()) + 1 if len(vlabels) else 0
    n_con = int(clabels.max()) + 1 if len(clabels) else 0
    lp = _load(model, settings)
    h = lp.h
    mip = bool(lp.integer.size)
    key = model_key(mat)
    same_shape = warm if warm is not None and warm.key == key else None
    rescued = False
    bound = math.nan
    x: np.ndarray | None = None
    if mip and same_shape is not None and same_shape.has_basis:
        x = _whole_relaxation(lp, same_shape, settings.time_limit_s)
    if x is not None:
        warmed, status, solver_status = True, SolveStatus.OPTIMAL, WHOLE_RELAXATION
        bound = lp.objective(lp.scaling.primal(x))  # the relaxation's: a proof of optimality
    else:
        warmed = same_shape is not None and _start_from(lp, same_shape)
        raw = lp.run(settings.time_limit_s)
        solver_status = h.modelStatusToString(raw)
        status = solve_status(raw, lp.has_solution)
        if lp.has_solution:
            x = np.asarray(h.getSolution().col_value, float)
            if mip:
                bound = float(h.getInfo().mip_dual_bound) / lp.scaling.objective
        elif mip:
            status, bound, x = _rescue(lp, settings, start)
            rescued = x is not None
            solver_status = f"{solver_status}; after relaxation and rounding: {status.value}"
    if x is None or status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED):
        return Solution.none(
            status,
            mip,
            (n_var, n_con),
            time.perf_counter() - start,
            solver_status,
            float(h.getRunTime()),
            warmed,
        )
    col = lp.scaling.primal(x)
    dual_ok = not mip
    if mip and settings.duals:
        dual_ok = fixed_lp(lp, x[lp.integer])
        if dual_ok:
            col = lp.columns()
    objective = lp.objective(col)
    gap: float | None = None
    if mip and math.isfinite(bound):
        gap = max(0.0, (objective - bound) / max(abs(objective), 1e-9))
    elif not mip and settings.method is LpMethod.PDLP:
        # a first-order answer is optimal within a tolerance: its relative primal-dual gap
        error = float(h.getInfo().primal_dual_objective_error)  # type: ignore[attr-defined]
        gap = max(0.0, error) if math.isfinite(error) else None
    row_dual = np.asarray(h.getSolution().row_dual, float)
    dual_ok = (
        dual_ok and h.getInfo().dual_solution_status == 2 and row_dual.size == lp.scaling.row.size
    )
    primal = scatter(col, vlabels, n_var)
    dual = scatter(lp.scaling.dual(row_dual), clabels, n_con) if dual_ok else np.full(n_con, np.nan)
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
        float(h.getRunTime()),  # HiGHS's clock adds up every run() of this instance
        rescued,
        capture(h, key, col),
        warmed,
    )
