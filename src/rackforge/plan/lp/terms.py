"""Sparse rows for linopy: terms collected as (row, variable label, coefficient) triplets.

linopy stores an expression as a dense rectangle of rows x terms, padded to the longest row.
The planner's rows are very uneven (a stock balance has a handful of terms, the domestic-content
row one per purchase), so a family of rows is packed into a few linopy constraints, one per
power-of-two class of row length: padding stays below 2x the real term count whatever the
spread. Only rows that have terms are created. :class:`RowFamily` maps rows back to the
linopy constraint labels, so duals read back as one array per family.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import linopy
import numpy as np
import xarray as xr

from rackforge.plan.options import Family

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
        labels = np.asarray(labels, dtype=np.int64).ravel()
        rows_a = np.broadcast_to(np.asarray(rows, dtype=np.int64), labels.shape).ravel()
        coeffs_a = np.broadcast_to(np.asarray(coeffs, dtype=float), labels.shape).ravel()
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

    ``parts`` holds (linopy constraint name, family row of each of its rows); ``meta`` names
    what each family row is about (e.g. resource row and week) for explanations.
    """

    family: Family | None
    name: str
    n_rows: int
    parts: list[tuple[str, np.ndarray]] = field(default_factory=list)
    meta: dict[str, np.ndarray] = field(default_factory=dict)
    rhs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def labels(self, model: linopy.Model) -> np.ndarray:
        """linopy constraint label of each family row (-1 where the row has no terms)."""
        out = np.full(self.n_rows, -1, dtype=np.int64)
        for name, rows in self.parts:
            out[rows] = model.constraints[name].labels.values.ravel()
        return out


def _expression(
    model: linopy.Model, dim: str, rows: np.ndarray, labels: np.ndarray, coeffs: np.ndarray
) -> tuple[linopy.LinearExpression, np.ndarray]:
    """Pack sorted triplets into a dense expression over the distinct rows."""
    order = np.argsort(rows, kind="stable")
    rows, labels, coeffs = rows[order], labels[order], coeffs[order]
    uniq, start, count = np.unique(rows, return_index=True, return_counts=True)
    width = int(count.max())
    position = np.arange(len(rows)) - np.repeat(start, count)
    slot = np.repeat(np.arange(len(uniq)), count)
    v = np.full((len(uniq), width), -1, dtype=model.dtypes["labels"])
    c = np.zeros((len(uniq), width))
    v[slot, position] = labels
    c[slot, position] = coeffs
    data = xr.Dataset(
        {"vars": ((dim, TERM_DIM), v), "coeffs": ((dim, TERM_DIM), c)},
        coords={dim: np.arange(len(uniq))},
    )
    return linopy.LinearExpression(data, model), uniq


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
    rows, labels, coeffs = terms.triplets()
    out = RowFamily(family, name, terms.n_rows, meta=meta or {}, rhs=np.asarray(rhs, float))
    if len(rows) == 0:
        return out
    count = np.bincount(rows, minlength=terms.n_rows)
    size_class = np.zeros(terms.n_rows, dtype=np.int64)
    nonzero = count > 0
    size_class[nonzero] = np.ceil(np.log2(count[nonzero])).astype(np.int64)
    term_class = size_class[rows]
    classes = np.unique(size_class[nonzero])
    for k, cls in enumerate(classes):
        part = f"{name}" if len(classes) == 1 else f"{name}_{k}"
        sel = term_class == cls
        dim = f"{part}_row"
        expr, family_rows = _expression(model, dim, rows[sel], labels[sel], coeffs[sel])
        bound = xr.DataArray(out.rhs[family_rows], dims=[dim], coords={dim: expr.coords[dim]})
        model.add_constraints(expr, sign, bound, name=part)
        out.parts.append((part, family_rows))
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
    return linopy.LinearExpression(data, model)
