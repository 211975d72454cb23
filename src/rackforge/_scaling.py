"""Row, column and objective scaling of a linear program, in powers of two.

A plan mixes quantities of very different sizes (kilograms of copper by the hundred thousand,
racks by the thousand, hours per unit of a few hundredths) and costs from cents to millions;
solved as written, HiGHS reports the model badly scaled and its feasibility tolerances
(absolute, 1e-7 .. 1e-6) then mean very different things on different rows. We solve

    min (sigma * S c)^T x'   s.t.   (R A S) x' (sense) R b,   l / S <= x' <= u / S

with ``x = S x'``, so every coefficient is near 1 in magnitude. ``R`` and ``S`` are
geometric-mean equilibration factors (Fourer 1982, "Solving staircase linear programs by the
simplex method, 1: Inversion", *Math. Programming* 23; the scheme of Curtis & Reid 1972 and
Tomlin 1975, "On scaling linear programming problems", *Math. Programming Study* 4): passes
alternate ``r_i = 1 / sqrt(min_j |a_ij| max_j |a_ij|)`` and the same over columns. Factors are
rounded to powers of two, so scaling and unscaling are exact in binary floating point.
Integer columns keep factor 1 (their values must stay integral).

Back in the model's units: ``x = S x'``; a row dual ``y = R y' / sigma`` (from the
Lagrangian of the scaled problem); objective ``= objective' / sigma``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

#: Geometric-mean passes; Tomlin (1975) reports little gain beyond a handful.
PASSES = 6
#: Where the scaled costs are centred: HiGHS warns below 1e-4 and above 1e6 (HiGHS 1.16,
#: ``assessCosts``), so a spread of up to 1e10 fits; 10 is the middle of that band in logs.
COST_CENTRE = 10.0


@dataclass(frozen=True)
class Scaling:
    """``x = col * x'``; row ``i`` multiplied by ``row[i]``; costs by ``col * objective``."""

    row: np.ndarray
    col: np.ndarray
    objective: float

    @classmethod
    def identity(cls, n_rows: int, n_cols: int) -> Scaling:
        return cls(np.ones(n_rows), np.ones(n_cols), 1.0)

    def matrix(self, a: sparse.csr_matrix) -> sparse.csr_matrix:
        return sparse.csr_matrix(sparse.diags(self.row) @ a @ sparse.diags(self.col))

    def cost(self, c: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(c, float) * self.col * self.objective, dtype=float)

    def rhs(self, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(b, float) * self.row, dtype=float)

    def bounds(self, bound: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(bound, float) / self.col, dtype=float)

    def primal(self, x_scaled: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(x_scaled, float) * self.col, dtype=float)

    def to_scaled(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(x, float) / self.col, dtype=float)

    def dual(self, y_scaled: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(y_scaled, float) * self.row / self.objective, dtype=float)


def _pow2(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp2(np.round(np.log2(x))), dtype=float)


def _geometric(abs_a: sparse.csr_matrix) -> np.ndarray:
    """Per row, 1 / sqrt(min * max) of the nonzero magnitudes (1 for an empty row)."""
    n = abs_a.shape[0]
    hi = np.ones(n)
    lo = np.ones(n)
    nonempty = np.diff(abs_a.indptr) > 0
    if abs_a.nnz:
        rows = np.flatnonzero(nonempty)
        starts = abs_a.indptr[rows]
        hi[rows] = np.maximum.reduceat(abs_a.data, starts)
        lo[rows] = np.minimum.reduceat(abs_a.data, starts)
    return np.asarray(1.0 / np.sqrt(hi * lo), dtype=float)


def equilibrate(a: sparse.csr_matrix, c: np.ndarray, integer: np.ndarray | None = None) -> Scaling:
    """Power-of-two scaling of ``a`` (rows and columns) and of the costs ``c``.

    The objective factor centres the nonzero scaled cost magnitudes (geometrically) on
    ``COST_CENTRE``, inside the band HiGHS accepts without a warning (1e-4 .. 1e6).
    """
    n_rows, n_cols = a.shape
    fixed = np.zeros(n_cols, dtype=bool) if integer is None else np.asarray(integer, bool)
    abs_a = abs(sparse.csr_matrix(a, dtype=float))
    abs_a.eliminate_zeros()
    row = np.ones(n_rows)
    col = np.ones(n_cols)
    for _ in range(PASSES):
        scaled = sparse.diags(row) @ abs_a @ sparse.diags(col)
        row = row * _geometric(sparse.csr_matrix(scaled))
        scaled = sparse.diags(row) @ abs_a @ sparse.diags(col)
        step = _geometric(sparse.csr_matrix(scaled.T))
        step[fixed] = 1.0
        col = col * step
    row, col = _pow2(row), _pow2(col)
    col[fixed] = 1.0
    costs = np.abs(np.asarray(c, float)) * col
    costs = costs[costs > 0]
    centre = float(np.sqrt(costs.min() * costs.max())) if costs.size else COST_CENTRE
    return Scaling(row, col, float(_pow2(np.array([COST_CENTRE / centre]))[0]))
