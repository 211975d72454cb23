"""Warm starts: a solved model's final basis (LP) or incumbent (MIP), kept to start a close one.

A what-if changes a limit (a capacity, an event's factor, a resource's units): the model keeps
every variable and constraint and only bounds, right-hand sides or coefficients move. The
optimal basis of the base model is then still dual feasible when only right-hand sides
moved, and dual simplex from it needs a few hundred pivots where a cold solve needs tens of
thousands (Chvatal 1983, *Linear Programming*, ch. 10, "sensitivity analysis": a change of
``b`` keeps the optimal basis dual feasible; Bixby 2002, *Operations Research* 50(1):3-15, on
warm-started dual simplex). A MIP keeps the basis of its fixed-integer LP (solved for its
shadow prices): a close MIP solves its LP relaxation from it and is done when that comes out
whole (:func:`rackforge.plan.lp.solve._whole_relaxation`); otherwise the base plan is handed
to branch and cut as its first incumbent (HiGHS ``setSolution``).

A start is used only by a model with the same column and row labels, integrality and row
senses (:func:`model_key`); any other model is solved cold, so a start can make a solve
faster, never different: the optimum is the model's own either way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    from linopy.matrices import MatrixAccessor

_STATUS = tuple(highspy.HighsBasisStatus.__members__.values())


@dataclass(frozen=True, eq=False)
class WarmStart:
    """What a later solve of the same model shape starts from.

    ``col_status``/``row_status``: HiGHS basis status codes (``HighsBasisStatus``) in the
    model's column and row order, empty when no basis was kept (a MIP); ``col_value``: the
    solution's column values in the model's own units (not scaled).
    """

    key: str
    col_status: np.ndarray
    row_status: np.ndarray
    col_value: np.ndarray

    @property
    def has_basis(self) -> bool:
        return self.col_status.size > 0


def model_key(mat: MatrixAccessor) -> str:
    """A digest of what a basis depends on: column and row labels, integrality, row senses."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (mat.vlabels, mat.clabels, mat.vtypes, mat.sense):
        arr = np.ascontiguousarray(np.asarray(part))
        digest.update(str(arr.dtype).encode() + str(arr.shape).encode())
        digest.update(arr.astype(str).tobytes() if arr.dtype == object else arr.tobytes())
    return digest.hexdigest()


def capture(h: highspy.Highs, key: str, col_value: np.ndarray) -> WarmStart:
    """The start a solved ``h`` leaves: its basis when HiGHS has one (an LP's, or a MIP's
    fixed-integer LP's; branch and cut leaves none) and the solution's column values."""
    empty = np.zeros(0, dtype=np.int8)
    col_status, row_status = empty, empty
    basis = h.getBasis()
    if basis.valid:
        col_status = np.fromiter((int(s) for s in basis.col_status), np.int8)
        row_status = np.fromiter((int(s) for s in basis.row_status), np.int8)
    return WarmStart(key, col_status, row_status, np.asarray(col_value, float).copy())


def set_basis(h: highspy.Highs, start: WarmStart) -> bool:
    """Load ``start``'s basis into ``h``; False when HiGHS refuses it."""
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUS[s] for s in start.col_status.tolist()]
    basis.row_status = [_STATUS[s] for s in start.row_status.tolist()]
    basis.valid = True
    return bool(h.setBasis(basis) == highspy.HighsStatus.kOk)
