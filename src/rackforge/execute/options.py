"""The options of an executed plan, in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rackforge.risk.options import DurationModel


class ExecuteError(ValueError):
    """Options that cannot run (the message names the option)."""


@dataclass(frozen=True)
class Outage:
    """An outage the plans do not expect: ``target`` (a supplier, a site or a lane
    ``from_site>to_site``, as in ``risk.csv``) keeps ``capacity_factor`` of its capacity in
    weeks ``start .. start + weeks - 1``; the planner learns of it, and of when it ends, in the
    first re-plan after it starts."""

    target: str
    start: int
    weeks: int
    capacity_factor: float = 0.0

    def active(self, week: int) -> bool:
        return self.start <= week < self.start + self.weeks


@dataclass(frozen=True)
class ExecuteOptions:
    """How to execute a plan week by week.

    ``weeks`` executed from the scenario's first week (default: the whole horizon), re-planning
    from the state reached every ``replan_every`` weeks; ``replications`` independent runs,
    each with its own random stream drawn from ``seed`` (same seed, same answer, whatever
    ``workers`` processes run them). The sources of randomness can be switched off one by
    one; with all off the execution is the plan itself.
    """

    weeks: int | None = None
    replan_every: int = 4
    replications: int = 10
    seed: int = 0
    #: coefficient of variation of every supply and lane lead time (lognormal, mean the
    #: table's lead time; rackforge.execute.week); None: each row's own, from the scenario
    #: (rackforge.scenario.derived.lead_time_cvs: 0.1 unless the scenario says otherwise)
    lead_time_cv: float | None = None
    breakdowns: bool = True  # weekly up-time of each resource from its MTBF/MTTR
    yields: bool = True  # good units out of a routing drawn around its expected yield
    disruptions: bool = True  # random outages of the risk table's suppliers, plants and lanes
    duration: DurationModel = DurationModel.GEOMETRIC  # outage length, as in `stress`
    outages: tuple[Outage, ...] = ()  # outages the plans do not expect (drawn or not)
    #: weeks added to every supply lead time in the plans (not in what really happens): a
    #: safety lead time, so that orders are placed early enough to absorb late deliveries
    safety_lead_weeks: int = 0
    workers: int = 1

    def validate(self, horizon: int) -> int:
        """The number of weeks to execute; raises :class:`ExecuteError` naming a bad option."""
        weeks = horizon if self.weeks is None else self.weeks
        if not 1 <= weeks <= horizon:
            raise ExecuteError(f"--weeks must be between 1 and the horizon ({horizon}): {weeks}")
        if self.replan_every < 1:
            raise ExecuteError(f"--replan-every must be at least 1: {self.replan_every}")
        if self.replications < 1:
            raise ExecuteError(f"--replications must be at least 1: {self.replications}")
        if self.lead_time_cv is not None and not 0.0 <= self.lead_time_cv <= 2.0:
            raise ExecuteError(f"--lead-time-cv must be between 0 and 2: {self.lead_time_cv}")
        if not 0 <= self.safety_lead_weeks <= 26:
            raise ExecuteError(
                f"--safety-lead-weeks must be between 0 and 26: {self.safety_lead_weeks}"
            )
        if self.workers < 1:
            raise ExecuteError(f"--workers must be at least 1: {self.workers}")
        if self.seed < 0:
            raise ExecuteError(f"--seed must be 0 or more: {self.seed}")
        for o in self.outages:
            if not (0 <= o.start < horizon and o.weeks >= 1 and 0.0 <= o.capacity_factor < 1.0):
                raise ExecuteError(
                    f"--outage {o.target}: the start must be in the horizon, the weeks at least "
                    f"1 and the capacity factor in [0, 1): {o.start}, {o.weeks}, "
                    f"{o.capacity_factor}"
                )
        return weeks

    @property
    def random(self) -> bool:
        """Whether anything is drawn at random."""
        drawn_leads = self.lead_time_cv is None or self.lead_time_cv > 0
        return bool(drawn_leads or self.breakdowns or self.yields or self.disruptions)

    def without_randomness(self) -> ExecuteOptions:
        """The same loop with every source of randomness off: the plan executed as planned."""
        return replace(self, lead_time_cv=0.0, breakdowns=False, yields=False, disruptions=False)
