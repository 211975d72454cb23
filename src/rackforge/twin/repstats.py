"""The raw measurements of one replication (plain lists, cheap to pickle between processes).

Every quantity covers the measured window ``[warmup_h, horizon_h]`` only. Lists are indexed
like :attr:`LineSpec.routes` (``route_*``), :attr:`LineSpec.stations` (``station_*``) and
:meth:`LineSpec.sites` (``site_*``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: ``(time_h, event, where, job, server)``: event is release, start, done, rework, scrap,
#: escape, exit, fail or repair; ``where`` names the item or station; -1 where not relevant.
TraceRecord = tuple[float, str, str, int, int]


@dataclass
class RepStats:
    """What one replication measured."""

    events: int
    sim_s: float  # CPU seconds of this replication's event loop
    horizon_h: float
    warmup_h: float
    route_released: list[int]  # units released
    route_completed: list[int]  # units that left the last step (escapes included)
    route_scrapped: list[int]
    route_reworked: list[int]  # failures sent back to an earlier step
    route_escaped: list[int]  # completed units that carry an undetected defect
    route_cycle: list[npt.NDArray[np.float64]]  # release-to-exit hours of completed units
    station_busy_h: list[float]  # work done (server-hours)
    station_open_h: list[float]  # scheduled open hours of one unit
    station_queue_area: list[float]  # unit-hours spent waiting (queue and batch forming)
    station_wait_h: list[float]  # summed waits of the tasks that started service
    station_starts: list[int]  # tasks (units or batches) that started service
    station_down_h: list[float]  # unit-hours broken down
    site_wip_area: list[float]  # unit-hours in the system: the integral of the WIP curve
    site_jobs: list[int]  # jobs in the system at some time in the window
    site_job_hours: list[float]  # their hours in the system within the window, job by job
    trace: list[TraceRecord] | None = None

    @property
    def window_h(self) -> float:
        return self.horizon_h - self.warmup_h


@dataclass(frozen=True)
class JobLog:
    """When each job entered and left the line (``exit`` is ``inf`` while it is in) and the
    site it belongs to: both sides of Little's law over a window come from it."""

    release: npt.NDArray[np.float64]
    exit: npt.NDArray[np.float64]
    site: npt.NDArray[np.int64]
    n_sites: int

    def hours_in_window(self, warmup_h: float, horizon_h: float) -> tuple[list[int], list[float]]:
        """Per site: the jobs in the system at some time in the window and their hours in
        it, job by job (the L = lambda W side)."""
        out = np.minimum(self.exit, horizon_h)
        inside = out >= warmup_h
        hours = np.where(inside, out - np.maximum(self.release, warmup_h), 0.0)
        jobs = np.bincount(self.site[inside], minlength=self.n_sites).tolist()
        return jobs, np.bincount(self.site, weights=hours, minlength=self.n_sites).tolist()

    def wip_integral(self, warmup_h: float, horizon_h: float) -> list[float]:
        """Per site: the integral over the window of the number of jobs in the system, from
        the WIP curve's change points (+1 at each release, -1 at each exit, sorted by time)
        integrated piece by piece (the time-average side)."""
        areas = []
        for si in range(self.n_sites):
            mine = self.site == si
            times = np.concatenate([self.release[mine], self.exit[mine]])
            steps = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum())])
            order = np.argsort(times, kind="stable")
            times = np.clip(times[order], warmup_h, horizon_h)
            level = np.cumsum(steps[order])  # jobs in the system just after each change
            areas.append(float(np.sum(level[:-1] * np.diff(times))) if times.size else 0.0)
        return areas
