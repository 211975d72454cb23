"""A small discrete-event kernel: a time-ordered heap of plain tuples and a dispatch loop.

The kernel knows nothing about factories. An event is the tuple
``(time, seq, code, a, b)``: ``code`` indexes the handler table passed to :meth:`Kernel.run`,
``a`` and ``b`` are the handler's arguments, and ``seq`` (a running counter) breaks ties so
that events due at the same time run in the order they were scheduled (FIFO), which makes every
run reproducible. Tuples compare element-wise in C, so no event objects are created.

Domain models (see :mod:`rackforge.twin.line`) build their handlers on top of the kernel and,
on their hot paths, push tuples straight onto :attr:`Kernel.heap` with :func:`heapq.heappush`
and :attr:`Kernel.seq` (the documented fast path), exactly as :meth:`Kernel.schedule` does.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from typing import Any

#: A handler receives the event time and the two event arguments.
Handler = Callable[[float, Any, Any], None]
#: ``(time, seq, code, a, b)``
Event = tuple[float, int, int, Any, Any]


class Kernel:
    """The event list and the simulation clock (hours, from 0)."""

    __slots__ = ("events", "heap", "now", "seq")

    def __init__(self) -> None:
        self.heap: list[Event] = []
        self.seq: Callable[[], int] = itertools.count().__next__
        self.now: float = 0.0
        self.events: int = 0  # events dispatched so far

    def schedule(self, time: float, code: int, a: Any = None, b: Any = None) -> None:
        """Schedule handler ``code`` at absolute ``time`` (not before :attr:`now`)."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} before the clock ({self.now})")
        heapq.heappush(self.heap, (time, self.seq(), code, a, b))

    def peek(self) -> float:
        """Time of the next event (``inf`` when none is pending)."""
        return self.heap[0][0] if self.heap else float("inf")

    def run(self, until: float, handlers: Sequence[Handler]) -> int:
        """Dispatch every event due at or before ``until``, in (time, seq) order.

        Returns the number of events dispatched by this call. The clock ends at ``until``
        (events after it stay on the heap, so a later call can continue the run).
        """
        heap = self.heap
        pop = heapq.heappop
        push = heapq.heappush
        table = tuple(handlers)
        n = 0
        while heap:
            ev = pop(heap)
            t = ev[0]
            if t > until:
                push(heap, ev)
                break
            self.now = t
            table[ev[2]](t, ev[3], ev[4])
            n += 1
        self.now = max(self.now, until)
        self.events += n
        return n
