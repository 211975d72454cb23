"""A station's units: which unit serves a task, when the task starts and when it ends.

Tasks join a station's queue in time order and are served first come, first served by
``c`` parallel units. When a task will start and end is known the moment it joins:

* :class:`PooledUnits` (units that never fail): the task starts at the later of its arrival
  and the time the first unit frees up, and keeps that unit busy until its end (the
  Kiefer-Wolfowitz recursion: J. Kiefer and J. Wolfowitz, "On the theory of queues with
  many servers", *Trans. Amer. Math. Soc.* 78, 1955, pp. 1-18). The station is a heap of
  the times its units free up, not a queue of waiting tasks.
* :class:`TrackedUnits` (units with breakdowns or planned outages): each unit alternates up
  and down times known in advance; the task takes the unit that is first both free and up,
  and a down time that falls inside the task pauses it, which resumes on the same unit after
  the repair (preemptive-resume).

Work is counted in open hours: with a daily window of ``open_h`` hours
(:mod:`rackforge.twin.calendar`) a task also pauses while the station is closed. Both kinds
answer ``take(t, w) -> (unit, start, end)`` for a task of ``w`` open hours of work that joins
at ``t``; the event loop (:mod:`rackforge.twin.line`) writes the pooled case out inline on
its hot path, the same arithmetic as :meth:`PooledUnits.take`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from heapq import heapreplace

from rackforge.twin.calendar import finish_time, open_between


class PooledUnits:
    """``units`` identical units that never fail (module docstring)."""

    __slots__ = ("free", "open_h")

    def __init__(self, units: int, open_h: float = 0.0) -> None:
        self.free: list[float] = [0.0] * units  # all zeros: already a heap
        self.open_h = open_h

    def take(self, t: float, w: float) -> tuple[int, float, float]:
        """A task of ``w`` open hours joins at ``t``: -1 (units are not told apart), its
        start and its end. Tasks must join in time order."""
        free, h = self.free, self.open_h
        m = free[0]
        st = t if t >= m else m
        f = st + w if h == 0.0 else finish_time(st, w, h)
        heapreplace(free, f)
        return -1, st, f


class TrackedUnits:
    """Units told apart, each with its own down intervals (module docstring).

    ``down_start[u]``/``down_end[u]``: unit ``u``'s down intervals ``[start, end)``, sorted
    and disjoint, ending with one that starts and ends at ``inf`` (an endless up time). The
    units are numbered from ``first`` (their numbers across the line, which ``take`` returns).
    """

    __slots__ = ("_hot", "down_end", "down_next", "down_start", "free", "open_h")

    def __init__(
        self,
        down_start: list[list[float]],
        down_end: list[list[float]],
        open_h: float = 0.0,
        first: int = 0,
    ) -> None:
        n = len(down_start)
        # indexed by the units' numbers across the line (those below ``first`` unused)
        self.down_start = [[math.inf]] * first + down_start
        self.down_end = [[math.inf]] * first + down_end
        self.down_next = [0] * (first + n)  # per unit: its first down interval not over
        self.open_h = open_h
        # Heap keys are lower bounds of when a unit can next start, raised lazily to the end
        # of a repair when the unit is found down; ties go to the lower-numbered unit.
        self.free: list[tuple[float, int]] = [(0.0, k) for k in range(first, first + n)]
        # what take() reads, in one attribute (it is on the event loop's hot path)
        self._hot = (self.free, self.down_start, self.down_end, self.down_next, open_h)

    def take(self, t: float, w: float) -> tuple[int, float, float]:
        """A task of ``w`` open hours joins at ``t``: the unit (its number across the line)
        first both free and up, the start and the end (the work pauses while the unit is
        down or the station closed). Tasks must join in time order."""
        free, down_start, down_end, down_next, h = self._hot
        while True:
            key, k = free[0]
            x = key if key > t else t
            starts, ends = down_start[k], down_end[k]
            p = down_next[k]
            while ends[p] <= x:  # (the lists end with an endless up time)
                p += 1
            down_next[k] = p  # queries on a unit come in time order
            if starts[p] > x:
                break
            heapreplace(free, (ends[p], k))
        st = x
        while True:
            f = x + w if h == 0.0 else finish_time(x, w, h)
            if f <= starts[p]:
                break
            w -= open_between(x, starts[p], h)
            x = ends[p]
            p += 1
        heapreplace(free, (f, k))
        return k, st, f

    def up_hours(self, k: int, x: float, y: float) -> float:
        """Open hours in ``[x, y]`` during which unit ``k`` (its number across the line) is
        up."""
        h = self.open_h
        starts, ends = self.down_start[k], self.down_end[k]
        hours = open_between(x, y, h)
        i = bisect_right(ends, x)
        while i < len(starts) and starts[i] < y:
            hours -= open_between(max(starts[i], x), min(ends[i], y), h)
            i += 1
        return hours
