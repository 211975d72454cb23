"""The buffers in front of batch steps: units wait until a batch of the step's size is there.

A unit that finishes the step before a batch step (a burn-in rack, a lot of boards) waits in
the step's buffer; when the ``size``-th unit of the same routing and step arrives, the batch
leaves the buffer as one task for the station's queue, its units in arrival order. Time in
the buffer is time in the station's queue: the buffer books its unit-hours over the window
``[warmup_h, horizon_h]`` (the queue area of Little's law, L = lambda W) by step, with those
still waiting at the horizon counted up to it (:meth:`Batches.close`).
"""

from __future__ import annotations


class Batches:
    """One buffer per step; a step of size 1 never holds a unit (see the module docstring)."""

    __slots__ = ("area", "horizon", "since", "size", "tw", "units")

    def __init__(self, sizes: list[int], warmup_h: float, horizon_h: float) -> None:
        self.size = sizes
        self.tw, self.horizon = warmup_h, horizon_h
        self.units: list[list[int]] = [[] for _ in sizes]
        self.since: list[list[float]] = [[] for _ in sizes]  # when each unit joined
        self.area = [0.0] * len(sizes)  # unit-hours waited within the window, by step

    def add(self, g: int, j: int, t: float) -> list[int] | None:
        """Unit ``j`` joins the buffer of step ``g`` at ``t``: the batch that leaves it now,
        or None while it is not full."""
        units, since = self.units[g], self.since[g]
        units.append(j)
        since.append(t)
        if len(units) < self.size[g]:
            return None
        tw = self.tw
        if t >= tw:
            self.area[g] += sum(t - (te if te > tw else tw) for te in since)
        batch = units.copy()
        units.clear()
        since.clear()
        return batch

    def close(self) -> None:
        """Book the waits of the units still in a buffer at the horizon."""
        for g, since in enumerate(self.since):
            self.area[g] += sum(self.horizon - max(te, self.tw) for te in since)
