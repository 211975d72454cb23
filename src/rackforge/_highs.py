"""A HiGHS instance that prints nothing.

highspy >= 1.16 writes its banner to the C-level standard output the first time a ``Highs``
object is built in a process, before any option can be set, so ``output_flag`` cannot stop
it. A library must not print: the first construction runs with file descriptor 1 pointed at
``os.devnull``; the options then keep every later solve quiet.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy

_lock = threading.Lock()
_banner_shown = False


def quiet_highs() -> highspy.Highs:
    """A new ``highspy.Highs`` with console output and logging switched off."""
    global _banner_shown
    with _lock:
        if _banner_shown:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            h = _construct_silently()
            _banner_shown = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
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
