"""The raw measurements of one replication (plain lists, cheap to pickle between processes).

Every quantity covers the measured window ``[warmup_h, horizon_h]`` only. Lists are indexed
like :attr:`LineSpec.routes` (``route_*``), :attr:`LineSpec.stations` (``station_*``) and
:meth:`LineSpec.sites` (``site_*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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
    # with material (``LineSpec.material``): hours units waited for their kits, by routing
    # and by the part that held them up, and planned shipments still owed at the horizon
    route_kit_wait_h: list[float] = field(default_factory=list)
    part_kit_wait_h: list[float] = field(default_factory=list)
    part_shipped_short: list[float] = field(default_factory=list)

    @property
    def window_h(self) -> float:
        return self.horizon_h - self.warmup_h


@dataclass(frozen=True)
class JobLog:
    """What became of each job: when it entered and left the line (``exit`` is ``inf`` while
    it is in), its routing, whether it left as scrap and whether it carries a defect that no
    inspection caught. The routings' outcomes and both sides of Little's law over a window
    come from it."""

    release: npt.NDArray[np.float64]
    exit: npt.NDArray[np.float64]
    route: npt.NDArray[np.int64]
    scrapped: npt.NDArray[np.bool_]
    defective: npt.NDArray[np.bool_]
    route_site: npt.NDArray[np.int64]
    n_sites: int

    @classmethod
    def of(
        cls,
        release: list[float],
        exit: list[float],
        route: list[int],
        scrapped: list[int],
        defective: set[int],
        route_site: list[int],
        n_sites: int,
    ) -> JobLog:
        """From the event loop's lists: jobs by number, and the numbers of the scrapped and
        defective ones."""
        n = len(release)
        scrap = np.zeros(n, dtype=bool)
        scrap[scrapped] = True
        bad = np.zeros(n, dtype=bool)
        bad[list(defective)] = True
        return cls(
            np.array(release, dtype=float),
            np.array(exit, dtype=float),
            np.array(route, dtype=np.int64),
            scrap,
            bad,
            np.array(route_site, dtype=np.int64),
            n_sites,
        )

    @property
    def site(self) -> npt.NDArray[np.int64]:
        return self.route_site[self.route]

    def route_outcomes(
        self, warmup_h: float, horizon_h: float
    ) -> tuple[list[int], list[int], list[int], list[int], list[npt.NDArray[np.float64]]]:
        """Per routing, over the window: units released, completed (left the last step,
        escapes included), scrapped and escaped, and the cycle times (release to exit) of
        the completed ones, in job order."""
        n = self.route_site.size
        left = (self.exit >= warmup_h) & (self.exit <= horizon_h)
        done = left & ~self.scrapped
        released = np.bincount(self.route[self.release >= warmup_h], minlength=n)
        completed = np.bincount(self.route[done], minlength=n)
        scrapped = np.bincount(self.route[left & self.scrapped], minlength=n)
        escaped = np.bincount(self.route[done & self.defective], minlength=n)
        cycle = self.exit - self.release
        cycles = [cycle[done & (self.route == r)] for r in range(n)]
        return released.tolist(), completed.tolist(), scrapped.tolist(), escaped.tolist(), cycles

    def hours_in_window(self, warmup_h: float, horizon_h: float) -> tuple[list[int], list[float]]:
        """Per site: the jobs in the system at some time in the window and their hours in
        it, job by job (the L = lambda W side)."""
        site = self.site
        out = np.minimum(self.exit, horizon_h)
        inside = out >= warmup_h
        hours = np.where(inside, out - np.maximum(self.release, warmup_h), 0.0)
        jobs = np.bincount(site[inside], minlength=self.n_sites).tolist()
        return jobs, np.bincount(site, weights=hours, minlength=self.n_sites).tolist()

    def wip_integral(self, warmup_h: float, horizon_h: float) -> list[float]:
        """Per site: the integral over the window of the number of jobs in the system, from
        the WIP curve's change points (+1 at each release, -1 at each exit, sorted by time)
        integrated piece by piece (the time-average side)."""
        site = self.site
        areas = []
        for si in range(self.n_sites):
            if self.n_sites == 1:
                release, exit = self.release, self.exit
            else:
                mine = site == si
                release, exit = self.release[mine], self.exit[mine]
            times = np.concatenate([release, exit])
            order = np.argsort(times, kind="stable")
            # jobs in the system just after each change: +1 for a release, -1 for an exit
            level = np.cumsum(np.where(order < release.size, 1.0, -1.0))
            times = np.clip(times[order], warmup_h, horizon_h)
            areas.append(float(np.sum(level[:-1] * np.diff(times))) if times.size else 0.0)
        return areas


def cycle_times(runs: Sequence[RepStats], routes: Sequence[int]) -> list[npt.NDArray[np.float64]]:
    """Per replication, the release-to-exit hours of the units of ``routes`` completed."""
    return [
        np.concatenate([run.route_cycle[r] for r in routes]) if routes else np.empty(0)
        for run in runs
    ]


def mean_or_nan(x: npt.NDArray[np.float64]) -> float:
    return float(x.mean()) if x.size else math.nan
