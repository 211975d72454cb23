"""Sparse rows for linopy: terms collected as (row, variable label, coefficient) triplets.

The planner's rows are very uneven (a stock balance has a handful of terms, the domestic-content
row one per purchase), so a family of rows goes to linopy as one CSR-backed constraint
(``linopy.constraints.CSRConstraint``): no dense rectangle padded to the longest row and no
xarray alignment, the costs of building rows as expressions. Only rows that have terms are
created; :class:`RowFamily` maps rows back to linopy constraint labels, so duals read back as
one array per family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from rackforge.plan.options import Family

if TYPE_CHECKING:
    import linopy

TERM_DIM = "_term"


class Terms:
    """Triplets of one family of rows (or of the objective), gathered block by block."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self._rows: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        self._coeffs: list[np.ndarray] = []

    def add(self, rows: np.ndarray | int, labels: np.ndarray, coeffs: np.ndarray | float) -> None:
        """Add terms ``coeffs * x[labels]`` to ``rows``; labels < 0 (masked slots) are dropped."""
        rows_b, labels_b, coeffs_b = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(labels, dtype=np.int64),
            np.asarray(coeffs, dtype=float),
        )
        rows_a, labels, coeffs_a = rows_b.ravel(), labels_b.ravel(), coeffs_b.ravel()
        keep = (labels >= 0) & (coeffs_a != 0.0)
        self._rows.append(rows_a[keep])
        self._labels.append(labels[keep])
        self._coeffs.append(coeffs_a[keep])

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return (
            np.concatenate(self._rows),
            np.concatenate(self._labels),
            np.concatenate(self._coeffs),
        )

    def counts(self) -> np.ndarray:
        rows, _, _ = self.triplets()
        return np.bincount(rows, minlength=self.n_rows)


@dataclass
class RowFamily:
    """Rows of one constraint family, as placed in the linopy model.

    ``constraint`` names its linopy constraint (None when no row has terms); ``meta`` names
    what each family row is about (e.g. resource row and week) for explanations.
    """

    family: Family | None
    name: str
    n_rows: int
    constraint: str | None = None
    meta: dict[str, np.ndarray] = field(default_factory=dict)
    rhs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def labels(self, model: linopy.Model) -> np.ndarray:
        """linopy constraint label of each family row (-1 where the row has no terms)."""
        if self.constraint is None:
            return np.full(self.n_rows, -1, dtype=np.int64)
        return np.asarray(model.constraints[self.constraint].labels.values, dtype=np.int64)


def add_rows(
    model: linopy.Model,
    name: str,
    terms: Terms,
    sign: str,
    rhs: np.ndarray,
    family: Family | None = None,
    meta: dict[str, np.ndarray] | None = None,
) -> RowFamily:
    """Add ``sum(terms) <sign> rhs`` for every row that has terms; return the family."""
    from linopy.constraints import CSRConstraint
    from linopy.csr import CSRLinearExpression, Grid, coo_to_csr

    rows, labels, coeffs = terms.triplets()
    out = RowFamily(family, name, terms.n_rows, meta=meta or {}, rhs=np.asarray(rhs, float))
    if len(rows) == 0:
        return out
    # one CSR row per family row, a column per variable label (duplicates are summed)
    csr = coo_to_csr(coeffs, rows, labels, (terms.n_rows, model.shape[1]), model)
    index = pd.RangeIndex(terms.n_rows, name=f"{name}_row")
    lhs = CSRLinearExpression(csr, np.zeros(terms.n_rows), Grid.from_coords([index]), model)
    bound = xr.DataArray(out.rhs, coords=[index])
    model.add_constraints(CSRConstraint.from_csr(lhs, sign, bound), name=name, freeze=True)
    out.constraint = name
    return out


def objective_expression(model: linopy.Model, terms: Terms) -> linopy.LinearExpression:
    """The objective ``sum coeffs * x`` as one linopy expression (duplicates allowed)."""
    _, labels, coeffs = terms.triplets()
    data = xr.Dataset(
        {
            "vars": ((TERM_DIM,), labels.astype(model.dtypes["labels"])),
            "coeffs": ((TERM_DIM,), coeffs),
        }
    )
    import linopy

    return linopy.LinearExpression(data, model)
