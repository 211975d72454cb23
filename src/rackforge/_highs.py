"""A HiGHS instance that prints nothing.

highspy >= 1.16 writes its banner to the C-level standard output the first time a ``Highs``
object is built in a process, before any option can be set, so ``output_flag`` cannot stop
it. A library must not print: the first construction runs with file descriptor 1 pointed at
``os.devnull``; the options then keep every later solve quiet.

HiGHS also keeps one thread scheduler per process, sized by the ``threads`` option of the
first solve; a later solve asking for another size fails with status "error" unless the
scheduler is reset first, which :func:`quiet_highs` does when the size changes.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

_lock = threading.Lock()
_banner_shown = False
_scheduler_threads: int | None = None  # the ``threads`` of the last Highs made here (0: auto)


def quiet_highs(threads: int = 0) -> highspy.Highs:
    """A new ``highspy.Highs`` with console output and logging switched off, using
    ``threads`` threads (0: HiGHS's default)."""
    global _banner_shown, _scheduler_threads
    with _lock:
        if _banner_shown:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            h = _construct_silently()
            _banner_shown = True
        if _scheduler_threads is not None and _scheduler_threads != threads:
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = threads
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    if threads:
        h.setOptionValue("threads", int(threads))
    return h


def _construct_silently() -> highspy.Highs:
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def highs_lp(
    cost: npt.ArrayLike,
    col_lower: npt.ArrayLike,
    col_upper: npt.ArrayLike,
    row_lower: npt.ArrayLike,
    row_upper: npt.ArrayLike,
    matrix: sparse.csc_matrix,
    integer: npt.NDArray[np.bool_] | None = None,
) -> highspy.HighsLp:
    """A HiGHS model ``min cost x, row_lower <= matrix x <= row_upper, col_lower <= x <=
    col_upper`` (columns flagged in ``integer`` integral), the matrix passed column-wise."""
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = matrix.shape
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if integer is not None:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if b else kinds.kContinuous for b in integer]
    return lp
