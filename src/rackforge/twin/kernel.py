"""A small discrete-event kernel: a time-ordered heap of plain tuples and a dispatch loop.

The kernel knows nothing about factories. An event is the tuple
``(time, key, handler, a, b)``: at ``time`` the kernel calls ``handler(time, a, b)``, and
events due at the same time run in the order of their keys, which makes every run
reproducible. Keys are integers unique among the pending events, so tuples compare in C
without ever reaching the handlers, and no event objects are created.

:meth:`Kernel.schedule` keys events with a running counter (:attr:`Kernel.seq`) that starts
far below zero: events it schedules for the same time run in the order they were scheduled
(FIFO), before any event with a key of zero or more. That leaves the non-negative keys to
domain models (see :mod:`rackforge.twin.line`), which build their handlers on top of the
kernel and, on their hot paths, push tuples straight onto :attr:`Kernel.heap` with
:func:`heapq.heappush` (the documented fast path), keyed by :attr:`Kernel.seq` or by an id of
their own that no other pending event has (the line keys a unit's event by the unit's number).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

#: A handler receives the event time and the two event arguments.
Handler = Callable[[float, Any, Any], None]
#: ``(time, key, handler, a, b)``
Event = tuple[float, float, Handler, Any, Any]
#: The first key :meth:`Kernel.schedule` hands out: below every key a model may use.
FIRST_KEY = -(2**62)


class Kernel:
    """The event list and the simulation clock (hours, from 0)."""

    __slots__ = ("events", "heap", "now", "seq")

    def __init__(self) -> None:
        self.heap: list[Event] = []
        self.seq: Callable[[], int] = itertools.count(FIRST_KEY).__next__
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
        """Dispatch every event due at or before ``until``, in (time, key) order.

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
        heapq.heappush(heap, (until, _LAST, _raise_stop, None, None))
        n = 0
        try:
            for n in itertools.count():  # noqa: B007 (n: the events dispatched, read below)
                t, _, handler, a, b = pop(heap)
                handler(t, a, b)
        except _Stop:
            pass
        self.now = until
        self.events += n
        return n


class _Stop(Exception):
    """Raised by the sentinel event to leave the dispatch loop."""


_LAST = float("inf")  # the sentinel's key: after every real event due at the same time


def _raise_stop(t: float, a: Any, b: Any) -> None:
    raise _Stop
