"""A small discrete-event kernel: a time-ordered heap of plain tuples and a dispatch loop.

The kernel knows nothing about factories. An event is the tuple
``(time, seq, handler, a, b)``: at ``time`` the kernel calls ``handler(time, a, b)``, and
``seq`` (a running counter) breaks ties so that events due at the same time run in the order
they were scheduled (FIFO), which makes every run reproducible. Tuples compare element-wise
in C and ``seq`` is unique, so handlers are never compared and no event objects are created.

Domain models (see :mod:`rackforge.twin.line`) build their handlers on top of the kernel and,
on their hot paths, push tuples straight onto :attr:`Kernel.heap` with :func:`heapq.heappush`
and :attr:`Kernel.seq` (the documented fast path), exactly as :meth:`Kernel.schedule` does.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

#: A handler receives the event time and the two event arguments.
Handler = Callable[[float, Any, Any], None]
#: ``(time, seq, handler, a, b)``
Event = tuple[float, float, Handler, Any, Any]


class Kernel:
    """The event list and the simulation clock (hours, from 0)."""

    __slots__ = ("events", "heap", "now", "seq")

    def __init__(self) -> None:
        self.heap: list[Event] = []
        self.seq: Callable[[], int] = itertools.count().__next__
        self.now: float = 0.0
        self.events: int = 0  # events dispatched so far

    def schedule(self, time: float, handler: Handler, a: Any = None, b: Any = None) -> None:
        """Call ``handler(time, a, b)`` at absolute ``time`` (not before :attr:`now`)."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} before the clock ({self.now})")
        heapq.heappush(self.heap, (time, self.seq(), handler, a, b))

    def peek(self) -> float:
        """Time of the next event (``inf`` when none is pending)."""
        return self.heap[0][0] if self.heap else float("inf")

    def run(self, until: float) -> int:
        """Dispatch every event due at or before ``until``, in (time, seq) order.

        Returns the number of events dispatched by this call; events after ``until`` stay on
        the heap, so a later call can continue the run. The loop body is only pop, unpack and
        call: a sentinel event at ``until`` (sorted after every other event at that time)
        ends the loop by raising, and the sentinel also keeps the heap from ever running
        empty. The clock :attr:`now` is set to ``until`` when the call returns; handlers get
        the current time as their first argument.
        """
        if until < self.now:
            raise ValueError(f"cannot run until {until}, before the clock ({self.now})")
        heap = self.heap
        pop = heapq.heappop
        before = len(heap)
        first_seq = self.seq()
        heapq.heappush(heap, (until, _LAST, _raise_stop, None, None))
        try:
            while True:
                t, _, handler, a, b = pop(heap)
                handler(t, a, b)
        except _Stop:
            pass
        pushed = self.seq() - first_seq - 1
        n = before + pushed - len(heap)
        self.now = until
        self.events += n
        return n


class _Stop(Exception):
    """Raised by the sentinel event to leave the dispatch loop."""


_LAST = float("inf")  # the sentinel's seq: after every real event due at the same time


def _raise_stop(t: float, a: Any, b: Any) -> None:
    raise _Stop
