"""The steps of the whole job and how much work each does, apart from the engines, so that
the command line reads their defaults without importing them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rackforge.scenario.automation import DEFAULT_AUTOMATION, AutomationChoice


class Step(StrEnum):
    """The steps of the job, in the order they run."""

    ROADMAP = "roadmap"
    PLAN = "plan"
    TWIN = "twin"
    EXECUTE = "execute"
    RISK = "risk"
    STRESS = "stress"
    INVENTORY = "inventory"


@dataclass(frozen=True)
class JobOptions:
    """How much work each step does.

    Attributes:
        twin_weeks: weeks of the plan the twin simulates: the window with the highest planned
            rack output (the weeks that test the plants hardest).
        twin_lead_in_weeks: plan weeks before that window the twin also simulates, as its
            warm-up: the measured weeks start with the line and the stores as the plan
            leaves them, not empty.
        twin_replications: replications of the twin, each run today and automated.
        execute_weeks: weeks of the plan executed with what really happens, re-planned every
            ``execute_replan_every`` weeks (:mod:`rackforge.execute`), in
            ``execute_replications`` replications.
        stress_scenarios: Monte-Carlo disruption scenarios.
        seed: seed of every random step (same seed, same report).
        workers: processes for the twin and the risk LPs (None: one per core).
        roadmap_demand: plan on the scenario's demand with the roadmap's rack demand in place
            of earlier roadmap rows (otherwise the roadmap is reported beside the demand).
        inventory_time_limit_s: wall-clock limit of the safety-stock search.
        steps: the steps to run (the others are left out, their results None).
        automation: the levers the plan, risk, stress and safety stock answer for (``on``,
            the default of every command; ``compare`` also plans today, in ``plan_today``).
            The twin step always measures today beside automated: it is the job's measure of
            what the levers change.
    """

    twin_weeks: float = 2.0
    twin_lead_in_weeks: int = 1
    twin_replications: int = 3  # three, not two: a 95% CI on two has t = 12.7
    execute_weeks: int = 13
    execute_replan_every: int = 4
    execute_replications: int = 2
    stress_scenarios: int = 4096
    seed: int = 0
    workers: int | None = None
    roadmap_demand: bool = False
    inventory_time_limit_s: float = 30.0
    steps: frozenset[Step] = frozenset(Step)
    automation: AutomationChoice = DEFAULT_AUTOMATION
