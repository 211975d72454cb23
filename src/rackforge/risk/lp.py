"""The time-expanded flow LP of a :class:`~rackforge.risk.network.Network`, solved by HiGHS.

Weeks ``t = 0 .. W-1`` of a window. Variables: ``x[a,t]`` units dispatched on arc ``a``
(only where they arrive inside the window), ``s[p,t]`` stock at the end of week ``t``, ``y[g,t]``
units delivered to demand group ``g``, and, for the fractional-week problem, ``theta``.
Constraints (Simchi-Levi et al. 2015, model for TTS/PI, written per week as in a multi-period
production-distribution LP):

* balance, per stock point and week::

      s[p,t] = s[p,t-1] + on_hand[p]*[t=0] + receipts[p,t] + sum_{a: out(a)=p} x[a,t-lead(a)]
               - sum_a q[a,p] x[a,t] - sum_{g at p} y[g,t]

* arc capacity ``0 <= x[a,t] <= u[a,t]`` and pool capacity ``sum_a load[c,a] x[a,t] <= U[c,t]``;
* service ``l[g,t] <= y[g,t] <= v[g,t]``.

In the fractional-week problem the last week ``T = W-1`` runs for a fraction ``theta`` of a week
(rates uniform within a week): what arrives in it can only have been dispatched in the first
``theta`` of its dispatch week (``x <= u*theta`` and pool loads ``<= U*theta``), its service is
``y >= v*theta``, and ``theta`` is maximised. That makes the weekly model agree with the paper's continuous
``t`` (a stock of 100 parts against a net draw of 20 a week lasts 5 weeks, not 5 plus a bucket).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import highspy
import numpy as np
import scipy.sparse as sp

from rackforge._highs import highs_lp, quiet_highs
from rackforge.risk.network import FloatArray, IntArray, Network

_INF = highspy.kHighsInf


class Objective(Enum):
    FEASIBILITY = "feasibility"  # no objective: is the service window feasible?
    MAX_SERVICE = "max_service"  # maximise weighted deliveries (min lost demand)
    MAX_THETA = "max_theta"  # maximise the served fraction of the last week


class LpStatus(Enum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    ERROR = "error"


@dataclass(frozen=True)
class LpInput:
    """What varies between solves of one network: window, capacities, service bounds."""

    window: int
    arc_ub: FloatArray  # (A, W) capacity of each arc each week; inf = unbounded
    pool_ub: FloatArray  # (C, W)
    serve_lb: FloatArray  # (G, W)
    serve_ub: FloatArray  # (G, W)
    objective: Objective
    weights: FloatArray | None = None  # (G, W) value of a delivered unit, for MAX_SERVICE
    cost_weight: float = 0.0  # weight of purchase/make/lane/holding cost, for MAX_SERVICE


@dataclass(frozen=True)
class LpSolution:
    status: LpStatus
    objective: float
    flows: FloatArray  # (A, W) dispatched units (0 where no variable)
    served: FloatArray  # (G, W)
    theta: float
    balance_dual: FloatArray  # (P, W)


class _Layout:
    """Column and row numbering of one window."""

    def __init__(self, net: Network, window: int) -> None:
        self.w = window
        n_per_arc = np.maximum(window - net.arc_lead, 0)
        self.flow_arc: IntArray = np.repeat(np.arange(net.n_arcs), n_per_arc)
        starts = np.concatenate(([0], np.cumsum(n_per_arc)[:-1]))
        self.flow_t: IntArray = np.arange(len(self.flow_arc)) - np.repeat(starts, n_per_arc)
        self.n_flow = len(self.flow_arc)
        self.stock0 = self.n_flow
        self.serve0 = self.stock0 + net.n_points * window
        self.theta = self.serve0 + net.n_groups * window
        self.n_bal = net.n_points * window


def solve(net: Network, spec: LpInput, highs: highspy.Highs | None = None) -> LpSolution:
    """Build the LP for ``spec`` and solve it with HiGHS."""
    lp, lay, _ = _assemble(net, spec, free_pool_rows=False)
    h = highs or new_highs()
    h.clearModel()
    h.passModel(lp)
    h.run()
    return _read(net, lay, h, spec.objective is Objective.MAX_THETA)


class WarmLp:
    """One full-horizon ``MAX_SERVICE`` model kept in HiGHS and re-solved with changed bounds.

    Every solve starts from the optimal basis of the model as built (dual simplex after a bound
    change), and the bounds are restored afterwards, so a result does not depend on the order
    of earlier solves.
    """

    def __init__(self, net: Network, spec: LpInput, highs: highspy.Highs | None = None) -> None:
        if spec.objective is not Objective.MAX_SERVICE:
            raise ValueError("a warm model maximises service")
        self.net = net
        self.lp, self.lay, pool_rows = _assemble(net, spec, free_pool_rows=True)
        self.h = highs or new_highs()
        self.h.clearModel()
        self.h.passModel(self.lp)
        self.h.run()
        self.solution = _read(net, self.lay, self.h, frac=False)
        self.basis = self.h.getBasis()
        self.col_lo = np.asarray(self.lp.col_lower_, dtype=float)
        self.col_hi = np.asarray(self.lp.col_upper_, dtype=float)
        self.row_hi = np.asarray(self.lp.row_upper_, dtype=float)
        self.pool_row = pool_rows  # (C, W), -1 where the pool has no member that week

    def solve(
        self, arc_ub: FloatArray, pool_ub: FloatArray, serve_lb: FloatArray, serve_ub: FloatArray
    ) -> LpSolution:
        lay = self.lay
        lo, hi = self.col_lo.copy(), self.col_hi.copy()
        hi[: lay.n_flow] = _highs_inf(arc_ub[lay.flow_arc, lay.flow_t])
        lo[lay.serve0 : lay.theta] = serve_lb.ravel()
        hi[lay.serve0 : lay.theta] = _highs_inf(serve_ub.ravel())
        row_hi = self.row_hi.copy()
        has_row = self.pool_row >= 0
        row_hi[self.pool_row[has_row]] = _highs_inf(pool_ub[has_row])
        cols = np.flatnonzero((lo != self.col_lo) | (hi != self.col_hi))
        rows = np.flatnonzero(row_hi != self.row_hi)
        row_lo = np.asarray(self.lp.row_lower_, dtype=float)
        self._bounds(cols, lo, hi, rows, row_lo, row_hi)
        self.h.clearSolver()  # forget factorisation and pricing data of earlier solves
        self.h.setBasis(self.basis)
        self.h.run()
        solution = _read(self.net, lay, self.h, frac=False)
        self._bounds(cols, self.col_lo, self.col_hi, rows, row_lo, self.row_hi)
        return solution

    def _bounds(
        self,
        cols: IntArray,
        lo: FloatArray,
        hi: FloatArray,
        rows: IntArray,
        row_lo: FloatArray,
        row_hi: FloatArray,
    ) -> None:
        if len(cols):
            self.h.changeColsBounds(len(cols), cols.astype(np.int32), lo[cols], hi[cols])
        if len(rows):
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                len(rows), rows.astype(np.int32), row_lo[rows], row_hi[rows]
            )


def _highs_inf(values: FloatArray) -> FloatArray:
    """HiGHS's infinity for unbounded values (``highspy.kHighsInf``; ``inf`` in current builds)."""
    return np.where(values == np.inf, _INF, np.where(values == -np.inf, -_INF, values))


def _assemble(
    net: Network, spec: LpInput, free_pool_rows: bool
) -> tuple[highspy.HighsLp, _Layout, IntArray]:
    """The HiGHS model of ``spec``, its layout and the row of each pool and week (or -1)."""
    lay = _Layout(net, spec.window)
    frac = spec.objective is Objective.MAX_THETA
    n_col = lay.theta + (1 if frac else 0)
    rows, cols, vals, row_lo, row_hi = _balance_block(net, lay)
    pool_rows = _pool_block(net, lay, spec, free_pool_rows, rows, cols, vals, row_lo, row_hi)
    col_lo = np.zeros(n_col)
    col_hi = np.full(n_col, np.inf)
    col_hi[: lay.n_flow] = spec.arc_ub[lay.flow_arc, lay.flow_t]
    col_lo[lay.serve0 : lay.theta] = spec.serve_lb.ravel()
    col_hi[lay.serve0 : lay.theta] = spec.serve_ub.ravel()
    if frac:
        _theta_block(net, lay, spec, col_lo, col_hi, rows, cols, vals, row_lo, row_hi)
    row_lo_all = np.concatenate(row_lo)
    n_row = len(row_lo_all)
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_row, n_col)
    )
    lp = highs_lp(
        _objective(net, lay, spec, n_col),
        col_lo,
        _highs_inf(col_hi),
        _highs_inf(row_lo_all),
        _highs_inf(np.concatenate(row_hi)),
        matrix,
    )
    return lp, lay, pool_rows


def new_highs() -> highspy.Highs:
    h = quiet_highs(threads=1)
    return h


Parts = tuple[list[IntArray], list[IntArray], list[FloatArray], list[FloatArray], list[FloatArray]]


def _balance_block(net: Network, lay: _Layout) -> Parts:
    w = lay.w
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    # stock s[p,t]: +1 in its own week's row, -1 in the next week's row
    p_idx = np.repeat(np.arange(net.n_points), w)
    t_idx = np.tile(np.arange(w), net.n_points)
    stock_cols = lay.stock0 + p_idx * w + t_idx
    rows += [p_idx * w + t_idx]
    cols += [stock_cols]
    vals += [np.ones(len(stock_cols))]
    later = t_idx + 1 < w
    rows += [p_idx[later] * w + t_idx[later] + 1]
    cols += [stock_cols[later]]
    vals += [-np.ones(int(later.sum()))]
    # arrivals: -1 in the row of the output point at t + lead
    flow_cols = np.arange(lay.n_flow)
    arrive = lay.flow_t + net.arc_lead[lay.flow_arc]
    rows += [net.arc_out[lay.flow_arc] * w + arrive]
    cols += [flow_cols]
    vals += [-np.ones(lay.n_flow)]
    # consumption: +q in the row of each consumed point at t
    n_cons = np.diff(net.cons_ptr)[lay.flow_arc]
    entry = np.repeat(net.cons_ptr[lay.flow_arc], n_cons) + _ragged_offsets(n_cons)
    rows += [net.cons_point[entry] * w + np.repeat(lay.flow_t, n_cons)]
    cols += [np.repeat(flow_cols, n_cons)]
    vals += [net.cons_qty[entry]]
    # deliveries: +1 in the row of the group's point
    g_idx = np.repeat(np.arange(net.n_groups), w)
    tg = np.tile(np.arange(w), net.n_groups)
    rows += [net.group_point[g_idx] * w + tg]
    cols += [lay.serve0 + g_idx * w + tg]
    vals += [np.ones(len(g_idx))]
    rhs = net.receipts[:, :w].copy()
    rhs[:, 0] += net.on_hand
    rhs_flat = rhs.ravel()
    return rows, cols, vals, [rhs_flat], [rhs_flat.copy()]


def _ragged_offsets(counts: IntArray) -> IntArray:
    """``[0..c0-1, 0..c1-1, ...]`` for counts ``c``."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _pool_block(
    net: Network,
    lay: _Layout,
    spec: LpInput,
    free_rows: bool,
    rows: list[IntArray],
    cols: list[IntArray],
    vals: list[FloatArray],
    row_lo: list[FloatArray],
    row_hi: list[FloatArray],
) -> IntArray:
    """Pool rows ``sum load*x[a,t] <= U[c,t]`` (unbounded ones only if ``free_rows``); returns
    the row of each pool and week, -1 where there is none."""
    w = lay.w
    col_of = np.full((net.n_arcs, w), -1, dtype=np.int64)
    col_of[lay.flow_arc, lay.flow_t] = np.arange(lay.n_flow)
    pool_rows = np.full((net.n_pools, w), -1, dtype=np.int64)
    next_row = lay.n_bal
    for c in range(net.n_pools):
        members = slice(net.pool_ptr[c], net.pool_ptr[c + 1])
        arcs, coef = net.pool_arc[members], net.pool_coef[members]
        for t in range(w):
            ub = float(spec.pool_ub[c, t])
            col = col_of[arcs, t]
            used = col >= 0
            if not used.any() or not (free_rows or np.isfinite(ub)):
                continue
            rows.append(np.full(int(used.sum()), next_row))
            cols.append(col[used])
            vals.append(coef[used])
            row_lo.append(np.array([-np.inf]))
            row_hi.append(np.array([ub]))
            pool_rows[c, t] = next_row
            next_row += 1
    return pool_rows


def _theta_block(
    net: Network,
    lay: _Layout,
    spec: LpInput,
    col_lo: FloatArray,
    col_hi: FloatArray,
    rows: list[IntArray],
    cols: list[IntArray],
    vals: list[FloatArray],
    row_lo: list[FloatArray],
    row_hi: list[FloatArray],
) -> None:
    """The last week runs for ``theta`` of a week: whatever arrives in it was dispatched in the
    first ``theta`` of its dispatch week (``x <= u*theta``, and the pool loads of those
    dispatches ``<= U*theta``), and ``y >= v*theta`` of its demand is served."""
    last = lay.w - 1
    col_hi[lay.theta] = 1.0
    next_row = sum(len(r) for r in row_lo)

    def add(row_cols: IntArray, row_vals: FloatArray, cap: float, lower: bool) -> None:
        nonlocal next_row
        rows.append(np.full(len(row_cols) + 1, next_row))
        cols.append(np.append(row_cols, lay.theta))
        vals.append(np.append(row_vals, -cap))
        row_lo.append(np.array([0.0 if lower else -np.inf]))
        row_hi.append(np.array([np.inf if lower else 0.0]))
        next_row += 1

    arriving = lay.flow_t + net.arc_lead[lay.flow_arc] == last
    flows = np.flatnonzero(arriving)
    ub = spec.arc_ub[lay.flow_arc[flows], lay.flow_t[flows]]
    for col, u in zip(flows[np.isfinite(ub)], ub[np.isfinite(ub)], strict=True):
        add(np.array([col]), np.array([1.0]), float(u), lower=False)
        col_hi[col] = np.inf
    col_of = {(int(lay.flow_arc[f]), int(lay.flow_t[f])): int(f) for f in flows}
    for c in range(net.n_pools):
        members = range(net.pool_ptr[c], net.pool_ptr[c + 1])
        by_week: dict[int, list[tuple[int, float]]] = {}
        for j in members:
            a = int(net.pool_arc[j])
            week = last - int(net.arc_lead[a])
            if (a, week) in col_of:
                by_week.setdefault(week, []).append((col_of[(a, week)], float(net.pool_coef[j])))
        for week, entries in by_week.items():
            cap = float(spec.pool_ub[c, week])
            if np.isfinite(cap):
                add(
                    np.array([e[0] for e in entries]), np.array([e[1] for e in entries]), cap, False
                )
    for g in range(net.n_groups):
        need = float(spec.serve_ub[g, last])
        if need > 0:
            col = lay.serve0 + g * lay.w + last
            add(np.array([col]), np.array([1.0]), need, lower=True)
            col_lo[col] = 0.0


def _objective(net: Network, lay: _Layout, spec: LpInput, n_col: int) -> FloatArray:
    cost = np.zeros(n_col)
    if spec.objective is Objective.MAX_THETA:
        cost[lay.theta] = -1.0
    elif spec.objective is Objective.MAX_SERVICE:
        assert spec.weights is not None
        cost[lay.serve0 : lay.theta] = -spec.weights.ravel()
        if spec.cost_weight:
            cost[: lay.n_flow] = spec.cost_weight * net.arc_cost[lay.flow_arc]
            hold = np.repeat(net.holding_cost, lay.w)
            cost[lay.stock0 : lay.serve0] = spec.cost_weight * hold
    return cost


def _read(net: Network, lay: _Layout, h: highspy.Highs, frac: bool) -> LpSolution:
    w = lay.w
    status = h.getModelStatus()
    empty = np.zeros((0, 0))
    if status in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,  # no objective here is unbounded
    ):
        return LpSolution(LpStatus.INFEASIBLE, np.nan, empty, empty, 0.0, empty)
    if status != highspy.HighsModelStatus.kOptimal:
        return LpSolution(LpStatus.ERROR, np.nan, empty, empty, 0.0, empty)
    sol = h.getSolution()
    x = np.asarray(sol.col_value)
    flows = np.zeros((net.n_arcs, w))
    flows[lay.flow_arc, lay.flow_t] = np.maximum(x[: lay.n_flow], 0.0)
    served = np.maximum(x[lay.serve0 : lay.theta], 0.0).reshape(net.n_groups, w)
    duals = np.asarray(sol.row_dual)[: lay.n_bal].reshape(net.n_points, w)
    theta = float(x[lay.theta]) if frac else 1.0
    return LpSolution(
        LpStatus.OPTIMAL, float(h.getInfo().objective_function_value), flows, served, theta, duals
    )
