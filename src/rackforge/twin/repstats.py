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
    site_wip_area: list[float]  # unit-hours in the system, integrated event by event
    site_jobs: list[int]  # jobs in the system at some time in the window
    site_job_hours: list[float]  # their hours in the system within the window, job by job
    trace: list[TraceRecord] | None = None

    @property
    def window_h(self) -> float:
        return self.horizon_h - self.warmup_h


def job_hours_in_window(
    release: list[float],
    exit_: list[float],
    site: list[int],
    n_sites: int,
    warmup_h: float,
    horizon_h: float,
) -> tuple[list[int], list[float]]:
    """Per site: the jobs in the system at some time in the window and their hours in it.

    ``exit_`` is ``inf`` for a job still in the line. This is the job-by-job side of Little's
    law (L = lambda W over the window), kept apart from the event-by-event WIP integral.
    """
    rel = np.asarray(release, dtype=float)
    out = np.minimum(np.asarray(exit_, dtype=float), horizon_h)
    inside = out >= warmup_h
    hours = np.where(inside, out - np.maximum(rel, warmup_h), 0.0)
    sites = np.asarray(site, dtype=np.int64)
    jobs = np.bincount(sites[inside], minlength=n_sites).tolist()
    return jobs, np.bincount(sites, weights=hours, minlength=n_sites).tolist()
