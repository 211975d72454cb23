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
from typing import TYPE_CHECKING

import numpy as np
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
    import linopy

    return linopy.LinearExpression(data, model), uniq


def _groups(count: np.ndarray, slack: int = 4096) -> np.ndarray:
    """Group of each row (-1: no terms): rows sorted by length, a new group whenever padding
    the group to its longest row would exceed twice its terms (plus a small ``slack``)."""
    group = np.full(len(count), -1, dtype=np.int64)
    nonzero = np.flatnonzero(count)
    if nonzero.size == 0:
        return group
    order = nonzero[np.argsort(count[nonzero], kind="stable")]
    sorted_count = count[order]
    size_class = np.ceil(np.log2(sorted_count)).astype(np.int64)
    current, start, terms = 0, 0, 0
    bounds = np.flatnonzero(np.diff(size_class)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(order)], strict=True):
        block = int(sorted_count[lo:hi].sum())
        padded = (hi - start) * int(sorted_count[hi - 1])
        if lo > start and padded > 2 * (terms + block) + slack:
            current, start, terms = current + 1, lo, 0
        terms += block
        group[order[lo:hi]] = current
    return group


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
    group = _groups(np.bincount(rows, minlength=terms.n_rows))
    term_group = group[rows]
    n_groups = int(group.max()) + 1
    for k in range(n_groups):
        part = f"{name}" if n_groups == 1 else f"{name}_{k}"
        sel = term_group == k
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
    import linopy

    return linopy.LinearExpression(data, model)
