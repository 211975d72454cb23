"""A long horizon planned window by window, with a bound that says what that gives up.

**The plan: a rolling horizon** (Baker 1977, "An experimental study of the effectiveness of
rolling schedules in production planning", *Decision Sciences* 8(1); Sethi & Sorger 1991, "A
theory of rolling horizon decision making", *Annals of Operations Research* 29). The weeks are
cut into windows of ``weeks``. Window k plans its own weeks and ``overlap`` more, with every
earlier week's flows fixed at what the windows before it decided, and keeps its own weeks'
flows; the last window decides what belongs to no week (a demand never delivered). A row over
many weeks (a demand's deliveries, domestic content) holds in each window over the weeks
decided so far. The pieced plan satisfies every row of the whole model (checked), so its cost
is at least the optimum.

**The bound: Lagrangian relaxation** of the rows that tie weeks of different windows together
(Fisher 1981, "The Lagrangian relaxation method for solving integer programming problems",
*Management Science* 27(1); Geoffrion 1974, "Lagrangean relaxation for integer programming",
*Mathematical Programming Study* 2). For multipliers ``λ`` of the right sign on those rows
(free on an equality, ``<= 0`` on ``<=``, ``>= 0`` on ``>=``, HiGHS's sign of a shadow price)

    L(λ) = λᵀ b_L + Σ_k min { (c_k - A_{L,k}ᵀ λ) x_k : x_k within window k's own rows and bounds }

is at most the cost of every plan of the whole model, so at most its optimum. Each minimum is
one window's LP, independent of the others, so they run side by side (processes or Dask).
``λ`` are the windows' shadow prices of those rows (each from the first window that plans the
row's weeks), scaled by ``θ`` in 1, then 0 if some window's LP is unbounded at 1 (with every
cost non-negative, ``L(0)`` is finite). When the first window plans the whole horizon its
prices are the whole model's and the bound is tight (strong LP duality); when windows meet
inside the horizon their prices disagree there (a window that starts from stock fixed by the
windows before it values that stock otherwise than they did), a ray through that seam
unbounds a window's LP at ``θ = 1``, and the ``θ = 0`` bound is far below the optimum.
A MIP's windows keep their integers in the plan; the bound relaxes them, which only lowers
each minimum. The gap reported is ``(plan - bound) / plan``.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import highspy
import numpy as np
from scipy import sparse

from rackforge.plan.lp.solve import (
    Solution,
    SolverSettings,
    SolveStatus,
    fixed_lp,
    load_matrix,
    model_arrays,
    scatter,
    solve_status,
)
from rackforge.plan.options import LpMethod, Windows

if TYPE_CHECKING:
    from rackforge.plan.lp.context import Build

#: Multiplier scales tried for the bound, largest first (module docstring).
THETAS = (1.0, 0.0)
#: A pieced plan may miss a row by this much relative to the row's size (solver tolerances).
FEASIBILITY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class MatrixLp:
    """``min cost x`` s.t. ``row_lower <= a x <= row_upper``, ``lower <= x <= upper``."""

    a: sparse.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@dataclass(frozen=True)
class WeekMatrix(MatrixLp):
    """The model in matrix form (model units), with the week of every column and row.

    ``col_week`` is -1 for a column of no week (a demand never delivered); ``row_week`` is -1
    for a row over many weeks (a demand's deliveries, domestic content).
    """

    is_int: np.ndarray
    col_week: np.ndarray
    row_week: np.ndarray
    horizon: int

    def row_span(self, col_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the least and greatest of ``col_values`` over its columns (rows with no
        column: +inf and -inf)."""
        a = self.a
        vals = np.asarray(col_values, float)[a.indices]
        low = np.full(a.shape[0], np.inf)
        high = np.full(a.shape[0], -np.inf)
        nonempty = np.diff(a.indptr) > 0
        starts = a.indptr[:-1][nonempty]
        if starts.size:
            low[nonempty] = np.minimum.reduceat(vals, starts)
            high[nonempty] = np.maximum.reduceat(vals, starts)
        return low, high


def week_matrix(build: Build) -> tuple[WeekMatrix, np.ndarray, np.ndarray]:
    """The built model as a :class:`WeekMatrix`, with its variable and constraint labels.

    Raises ValueError when a row of one week holds a column of a later week or of no week:
    such a model cannot be cut into windows (e.g. the expansion plan's capacity that may be
    bought, which serves every week).
    """
    model = build.model
    mat = model.matrices
    vlabels = np.asarray(mat.vlabels, dtype=np.int64)
    clabels = np.asarray(mat.clabels, dtype=np.int64)
    variables = list(build.variables.values())
    n_labels = 1 + max([int(vlabels.max(initial=-1))] + [int(v.labels.max()) for v in variables])
    label_week = np.full(n_labels, -1, dtype=np.int64)
    for var in variables:
        labels = np.asarray(var.labels.values, dtype=np.int64)
        if "week" in var.labels.dims:
            weeks = np.asarray(var.labels.coords["week"].values, np.int64)
            shape = [1] * labels.ndim
            shape[var.labels.dims.index("week")] = len(weeks)
            week = np.broadcast_to(weeks.reshape(shape), labels.shape)
            keep = labels >= 0
            label_week[labels[keep]] = week[keep]
    families = [(f, f.labels(model)) for f in build.rows.values()]
    n_rows = 1 + max(
        [int(clabels.max(initial=-1))] + [int(lab.max(initial=-1)) for _, lab in families]
    )
    row_label_week = np.full(n_rows, -1, dtype=np.int64)
    row_family = np.full(n_rows, "", dtype=object)
    for family, labels in families:
        keep = labels >= 0
        row_family[labels[keep]] = family.name
        week_of_row = family.meta.get("week")
        if week_of_row is not None:
            row_label_week[labels[keep]] = np.asarray(week_of_row, np.int64)[keep]
    m = WeekMatrix(
        *model_arrays(model), label_week[vlabels], row_label_week[clabels], build.horizon
    )
    # a week's row may hold that week's and earlier weeks' columns only
    weekless = np.where(m.col_week < 0, np.inf, m.col_week)
    _, latest = m.row_span(weekless)
    wrong = (m.row_week >= 0) & (latest > m.row_week)
    if wrong.any():
        name = row_family[clabels[np.flatnonzero(wrong)[0]]]
        raise ValueError(
            f"the plan cannot be cut into windows: a row of {name!r} holds a column of a later "
            "week or of none"
        )
    return m, vlabels, clabels


def chain_weeks(m: WeekMatrix, families: dict[str, np.ndarray]) -> int:
    """The longest chain of lead times: for each family of columns (``families``: the
    positions of its columns), the furthest a column reaches past its own week (a purchase's
    lead time, a transfer's), summed over the families, as if a chain took each kind of flow
    once (a purchase, then production, then a transfer)."""
    csc = sparse.csc_matrix(m.a)
    weeks = m.row_week[csc.indices]
    furthest = np.full(csc.shape[1], -1, dtype=np.int64)
    used = np.diff(csc.indptr) > 0
    if used.any():
        furthest[used] = np.maximum.reduceat(weeks, csc.indptr[:-1][used])
    reach = np.where(m.col_week >= 0, furthest - m.col_week, 0)
    return int(sum(int(reach[cols].max(initial=0)) for cols in families.values()))


def spans(horizon: int, weeks: int, overlap: int) -> list[tuple[int, int, int]]:
    """Each window's first week, the week after the last it decides, and the week after the
    last it plans (its overlap included)."""
    out = []
    for start in range(0, horizon, weeks):
        stop = min(start + weeks, horizon)
        out.append((start, stop, min(stop + overlap, horizon)))
    return out


@dataclass
class Rolled:
    """The pieced plan, its windows' shadow prices and how its windows ended."""

    x: np.ndarray
    dual: np.ndarray  # per row, from the window deciding its week; NaN where none
    first_dual: np.ndarray  # per row, from the first window that plans its weeks
    status: SolveStatus
    solver_status: str
    has_plan: bool


def row_anchor(m: WeekMatrix) -> np.ndarray:
    """The week a row belongs to: its own, or for a row over many weeks its first column's."""
    first, _ = m.row_span(np.where(m.col_week < 0, np.inf, m.col_week))
    anchor = np.where(m.row_week >= 0, m.row_week, first)
    return np.where(np.isfinite(anchor), anchor, 0).astype(np.int64)


def roll(m: WeekMatrix, settings: SolverSettings, cuts: list[tuple[int, int, int]]) -> Rolled:
    """The rolling-horizon plan (module docstring), solved window after window (``cuts``:
    the windows' :func:`spans`)."""
    start = time.perf_counter()
    cw, rw = m.col_week, m.row_week
    x = np.zeros(m.a.shape[1])
    dual = np.full(m.a.shape[0], np.nan)
    first_dual = np.full(m.a.shape[0], np.nan)
    anchor = row_anchor(m)
    status, text = SolveStatus.OPTIMAL, []
    for s, e, end in cuts:
        free = ((cw >= s) & (cw < end)) | (cw < 0)
        fixed = (cw >= 0) & (cw < s)
        rows = np.flatnonzero(((rw >= s) & (rw < end)) | (rw < 0))
        part = m.a[rows]
        shift = part[:, fixed] @ x[fixed]
        sub = sparse.csr_matrix(part[:, free])
        keep = np.diff(sub.indptr) > 0  # rows left with something to decide
        rows, sub, shift = rows[keep], sub[keep], shift[keep]
        lp = load_matrix(
            sub,
            m.row_lower[rows] - shift,
            m.row_upper[rows] - shift,
            m.cost[free],
            m.lower[free],
            m.upper[free],
            m.is_int[free],
            settings,
        )
        limit = max(1.0, settings.time_limit_s - (time.perf_counter() - start))
        raw = lp.run(limit)
        weeks = f"weeks {s}-{end - 1}"
        if not lp.has_solution:
            return Rolled(
                x,
                dual,
                first_dual,
                solve_status(raw, False),
                f"{weeks}: {lp.h.modelStatusToString(raw)}",
                False,
            )
        window_status = solve_status(raw, True)
        if window_status is not SolveStatus.OPTIMAL:
            status = SolveStatus.FEASIBLE
            text.append(f"{weeks}: {lp.h.modelStatusToString(raw)}")
        sol = lp.columns()
        if lp.integer.size:
            scaled = np.asarray(lp.h.getSolution().col_value, float)
            if fixed_lp(lp, scaled[lp.integer]):
                sol = lp.columns()
        decided = free & (cw < e)  # a column of no week (-1) is decided by every window
        x[decided] = sol[decided[free]]
        if lp.h.getInfo().dual_solution_status == 2:
            priced = (anchor[rows] >= s) & (anchor[rows] < e)
            row_dual = lp.scaling.dual(np.asarray(lp.h.getSolution().row_dual, float))
            dual[rows[priced]] = row_dual[priced]
            new = np.isnan(first_dual[rows]) & (anchor[rows] < end)  # it plans the row's weeks
            first_dual[rows[new]] = row_dual[new]
    return Rolled(x, dual, first_dual, status, "; ".join(text), True)


def violation(m: WeekMatrix, x: np.ndarray) -> float:
    """The largest amount by which ``x`` misses a row, relative to the size of the row's
    terms (a balance of thousands of units that nets to zero may miss by thousandths)."""
    act = m.a @ x
    size = 1.0 + abs(m.a) @ np.abs(x)
    miss = np.maximum(m.row_lower - act, act - m.row_upper)
    return float(np.max(np.maximum(miss, 0) / size, initial=0.0))


def solve_block(settings: SolverSettings, block: MatrixLp) -> float:
    """The minimum of a window's Lagrangian sub-problem (its own rows and bounds, its priced
    costs), or -inf when HiGHS does not prove one (unbounded). By dual simplex: HiGHS's
    interior point can take minutes to give up on an unbounded block."""
    settings = replace(settings, method=LpMethod.SIMPLEX)
    lp = load_matrix(
        block.a,
        block.row_lower,
        block.row_upper,
        block.cost,
        block.lower,
        block.upper,
        np.zeros(block.cost.size, dtype=bool),
        settings,
    )
    if lp.run(settings.time_limit_s) != highspy.HighsModelStatus.kOptimal:
        return -math.inf
    return lp.objective(lp.columns())


#: Runs ``solve_block`` over the blocks; results in the blocks' order.
BlockRunner = Callable[[SolverSettings, Sequence[MatrixLp]], list[float]]


def serial_runner(settings: SolverSettings, blocks: Sequence[MatrixLp]) -> list[float]:
    return [solve_block(settings, b) for b in blocks]


def pool_runner(pool: ProcessPoolExecutor) -> BlockRunner:
    """Blocks solved by the processes of ``pool``."""

    def run(settings: SolverSettings, blocks: Sequence[MatrixLp]) -> list[float]:
        return list(pool.map(partial(solve_block, settings), blocks))

    return run


def dask_runner(client: object) -> BlockRunner:
    """Blocks solved as tasks of a ``distributed.Client``."""
    from rackforge.risk.distributed import in_order

    def run(settings: SolverSettings, blocks: Sequence[MatrixLp]) -> list[float]:
        return in_order(client, solve_block, settings, list(blocks))

    return run


@dataclass(frozen=True)
class Bound:
    """The Lagrangian bound: its value (-inf if none was finite) and the multiplier scale."""

    value: float
    theta: float | None


#: A block's cost smaller than this, relative to the sizes it is the difference of, is zero.
ROUND_OFF = 1e-11


def _priced(cost: np.ndarray, link: sparse.csr_matrix, lam: np.ndarray) -> np.ndarray:
    """``cost - linkᵀ lam``, with the round-off of that difference set to zero: a column that
    the multipliers price exactly at its cost (every column the optimal plan uses, when they
    are its shadow prices) would otherwise have a cost of -1e-9 or so, and with no upper
    bound a block unbounded by round-off alone."""
    out = cost - link.T @ lam
    size = np.abs(cost) + abs(link).T @ np.abs(lam)
    return np.where(np.abs(out) <= ROUND_OFF * size, 0.0, out)


def lagrangian_bound(
    m: WeekMatrix,
    dual: np.ndarray,
    cuts: list[tuple[int, int, int]],
    settings: SolverSettings,
    runner: BlockRunner,
) -> Bound:
    """The bound of the module docstring, from the windows' shadow prices ``dual``."""
    starts = np.array([s for s, _, _ in cuts])
    n_blocks = len(starts) + 1  # the last block: columns of no week
    block = np.where(m.col_week < 0, n_blocks - 1, np.searchsorted(starts, m.col_week, "right") - 1)
    low, high = m.row_span(block)
    linking = np.flatnonzero(low < high)
    lam = np.nan_to_num(dual[linking])
    lam = np.where(np.isfinite(m.row_lower[linking]), lam, np.minimum(lam, 0.0))  # a <= row
    lam = np.where(np.isfinite(m.row_upper[linking]), lam, np.maximum(lam, 0.0))  # a >= row
    b = np.where(lam >= 0, m.row_lower[linking], m.row_upper[linking])
    b = np.where(lam == 0, 0.0, b)
    link_rows = sparse.csr_matrix(m.a[linking])
    own = (low == high) & np.isfinite(low)
    pieces = []
    for k in range(n_blocks):
        cols = block == k
        rows = np.flatnonzero(own & (low == k))
        pieces.append((cols, rows, sparse.csr_matrix(m.a[rows][:, cols]), link_rows[:, cols]))
    for theta in THETAS:
        blocks = [
            MatrixLp(
                sub,
                m.row_lower[rows],
                m.row_upper[rows],
                _priced(m.cost[cols], link, theta * lam),
                m.lower[cols],
                m.upper[cols],
            )
            for cols, rows, sub, link in pieces
        ]
        minima = runner(settings, blocks)
        if all(math.isfinite(v) for v in minima):
            return Bound(float(sum(minima) + theta * np.dot(lam, b)), theta)
    return Bound(-math.inf, None)


def solve_windows(build: Build, settings: SolverSettings, windows: Windows) -> Solution:
    """The plan of ``build``'s model window by window, with its bound and gap (module
    docstring); the bound's blocks are solved where ``windows`` says (:func:`block_runner`)."""
    start = time.perf_counter()
    m, vlabels, clabels = week_matrix(build)
    n_var = int(vlabels.max()) + 1 if len(vlabels) else 0
    n_con = int(clabels.max()) + 1 if len(clabels) else 0
    if windows.overlap is not None:
        overlap = windows.overlap
    else:
        families = {
            name: np.searchsorted(vlabels, lab[lab >= 0])
            for name, var in build.variables.items()
            for lab in [np.asarray(var.labels.values, dtype=np.int64).ravel()]
        }
        overlap = chain_weeks(m, families)
    cuts = spans(m.horizon, windows.weeks, overlap)
    rolled = roll(m, settings, cuts)
    mip = bool(m.is_int.any())
    how = f"rolling horizon: {len(cuts)} windows of {windows.weeks} weeks (+{overlap})"
    if not rolled.has_plan:
        return Solution.none(
            rolled.status,
            mip,
            (n_var, n_con),
            time.perf_counter() - start,
            f"{how}; no plan in {rolled.solver_status}",
        )
    missed = violation(m, rolled.x)
    if missed > FEASIBILITY_TOLERANCE:
        raise RuntimeError(f"the pieced plan misses a row by {missed:.2e} (relative)")
    objective = float(np.dot(m.cost, rolled.x))
    with block_runner(windows) as runner:
        bound = lagrangian_bound(m, rolled.first_dual, cuts, settings, runner)
    gap = None
    if math.isfinite(bound.value):
        gap = (objective - bound.value) / max(abs(objective), 1e-9)
        if gap < -FEASIBILITY_TOLERANCE:  # no bound exceeds a plan's cost
            raise RuntimeError(
                f"the bound {bound.value:.6g} exceeds the plan's cost {objective:.6g}"
            )
        gap = max(0.0, gap)
    status = rolled.status
    if status is SolveStatus.OPTIMAL and (gap is None or gap > settings.mip_gap):
        status = SolveStatus.FEASIBLE  # a plan, not proven optimal
    found = (
        f"bound {bound.value:,.6g} (multipliers x{bound.theta})" if gap is not None else "no bound"
    )
    detail = f"; {rolled.solver_status}" if rolled.solver_status else ""
    return Solution(
        status,
        True,
        objective,
        scatter(rolled.x, vlabels, n_var),
        scatter(rolled.dual, clabels, n_con),
        mip,
        gap,
        time.perf_counter() - start,
        f"{how}; {found}{detail}",
    )


@contextlib.contextmanager
def block_runner(windows: Windows) -> Iterator[BlockRunner]:
    """Where the bound's blocks are solved, open for every round of them: a Dask client
    (``windows.dask``), a pool of ``windows.workers`` spawned processes (HiGHS holds threads,
    so no fork), or this process."""
    if windows.dask is not None:
        from rackforge.risk.distributed import dask_client

        with dask_client(windows.dask, workers=windows.workers) as client:
            yield dask_runner(client)
    elif windows.workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=windows.workers, mp_context=context) as pool:
            yield pool_runner(pool)
    else:
        yield serial_runner
