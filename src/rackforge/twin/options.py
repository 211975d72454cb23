"""The options of a twin run, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rackforge.scenario.automation import Levers
from rackforge.twin.spec import Availability, TwinError

#: Share of the run cut as warm-up when ``warmup_weeks`` is not given.
DEFAULT_WARMUP_SHARE = 0.2


class ReleaseMode(Enum):
    """Where the jobs of a scenario come from."""

    PLAN = "plan"  # a production plan (given, or a level plan derived from the demand)
    RATE = "rate"  # a fixed rate of jobs per hour at each site, split by the plan's item mix
    POISSON = "poisson"  # a Poisson stream of that rate, split the same way


@dataclass(frozen=True)
class TwinOptions:
    """How to run the twin.

    ``weeks`` is the simulated time per replication, from an empty line; the first
    ``warmup_weeks`` (default 20% of ``weeks``) are simulated but left out of every
    statistic. ``workers`` processes run the replications (default: one per core, at most
    one per replication); results do not depend on it. ``sites`` restricts a scenario run
    to some plants (default: every site with routings).
    """

    weeks: float = 6.0
    replications: int = 4
    seed: int = 0
    warmup_weeks: float | None = None
    workers: int | None = None
    sites: tuple[str, ...] = ()
    release: ReleaseMode = ReleaseMode.PLAN
    release_rate_per_h: float = 0.0
    availability: Availability = Availability.CALENDAR
    levers: Levers = Levers.ON  # the default of every command (rackforge.scenario.automation)
    trace: bool = False

    @property
    def warmup(self) -> float:
        """Warm-up in weeks."""
        if self.warmup_weeks is None:
            return DEFAULT_WARMUP_SHARE * self.weeks
        return self.warmup_weeks

    def validate(self) -> None:
        problems = []
        if not self.weeks > 0:
            problems.append("weeks must be > 0")
        if self.replications < 1:
            problems.append("replications must be >= 1")
        if not 0 <= self.warmup < self.weeks:
            problems.append("warm-up must be >= 0 and shorter than the run")
        if self.workers is not None and self.workers < 1:
            problems.append("workers must be >= 1")
        if self.release is not ReleaseMode.PLAN and not self.release_rate_per_h > 0:
            problems.append("a rate or Poisson release needs a rate > 0 jobs per hour")
        if problems:
            raise TwinError(problems)
