"""The whole job on one scenario: roadmap -> plan -> twin -> executed plan -> risk -> stress
-> safety stock.

Each step is one engine call with options sized so that the bundled scenario runs in about a
minute on two cores; a step that cannot run (no roadmap, no plan to simulate) is skipped with
a note that says why, and the later steps still run. The job returns the engines' own result
objects; :mod:`rackforge.report.collect` turns them into tables, figures and a summary.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from rackforge.inventory import GSMOptions, GSMResult, optimize
from rackforge.inventory.from_scenario import (
    DemandVariability,
    demand_variability,
    network_from_scenario,
)
from rackforge.job_options import JobOptions as JobOptions
from rackforge.job_options import Step as Step
from rackforge.plan import PlanOptions, PlanResult, plan
from rackforge.risk import RiskOptions, RiskReport, StressOptions, StressResult, assess
from rackforge.risk import stress_test as run_stress
from rackforge.roadmap import RoadmapResult, plan_roadmap, with_roadmap_demand
from rackforge.scenario import ItemKind, Scenario
from rackforge.scenario.automation import (
    AutomationChoice,
    Levers,
    with_levers,
)
from rackforge.twin import AutomationComparison, ReleaseMode, TwinOptions, compare_automation
from rackforge.twin.material import plan_material, plan_releases

if TYPE_CHECKING:  # the solver is imported where a plan is made
    from rackforge.execute import ExecutionResult
    from rackforge.plan.lp.warm import WarmStart

StepProgress = Callable[[Step, int, int], None]


@dataclass
class JobResult:
    """What every step returned (None where it was skipped: see ``notes``)."""

    scenario: Scenario
    options: JobOptions
    roadmap: RoadmapResult | None = None
    plan: PlanResult | None = None
    plan_today: PlanResult | None = None  # with automation compare: the plan without levers
    twin: AutomationComparison | None = None
    twin_weeks: tuple[str, ...] = ()  # the plan weeks the twin simulated
    execute: ExecutionResult | None = None
    risk: RiskReport | None = None
    stress: StressResult | None = None
    inventory: GSMResult | None = None
    seconds: dict[Step, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> Scenario:
        """The scenario with the levers the answers are for (``options.automation``)."""
        return with_levers(self.scenario, self.options.automation.levers[-1])


def run_job(
    scenario: Scenario,
    options: JobOptions | None = None,
    progress: StepProgress | None = None,
    warm: WarmStart | None = None,
) -> JobResult:
    """Run every step on ``scenario`` (validated by loading it) and return the results.
    ``warm``: the plan's start from a close scenario's plan (:func:`rackforge.plan.plan`)."""
    opts = options or JobOptions()
    job = JobResult(scenario=scenario, options=opts)

    def tick(step: Step) -> Callable[[int, int], None]:
        return lambda done, total: progress(step, done, total) if progress else None

    def timed(step: Step, work: Callable[[], None]) -> None:
        if step not in opts.steps:
            return
        tick(step)(0, 1)
        started = time.perf_counter()
        work()
        job.seconds[step] = time.perf_counter() - started
        tick(step)(1, 1)

    timed(Step.ROADMAP, lambda: _roadmap(job))
    timed(Step.PLAN, lambda: _plan(job, warm))
    timed(Step.TWIN, lambda: _twin(job, tick(Step.TWIN)))
    timed(Step.EXECUTE, lambda: _execute(job, tick(Step.EXECUTE)))
    timed(Step.RISK, lambda: _risk(job, tick(Step.RISK)))
    timed(Step.STRESS, lambda: _stress(job, tick(Step.STRESS)))
    timed(Step.INVENTORY, lambda: _inventory(job))
    return job


def _roadmap(job: JobResult) -> None:
    if job.scenario.roadmap is None:
        job.notes.append("roadmap: the scenario has no roadmap.yaml; step skipped")
        return
    job.roadmap = plan_roadmap(job.scenario)
    if job.options.roadmap_demand:
        job.scenario = with_roadmap_demand(job.scenario, job.roadmap)


def _plan(job: JobResult, warm: WarmStart | None) -> None:
    job.plan = plan(job.answered, PlanOptions(ceiling=True), warm)
    if job.options.automation is AutomationChoice.COMPARE:
        job.plan_today = plan(with_levers(job.scenario, Levers.OFF), PlanOptions(ceiling=True))
    if not job.plan.has_plan:
        job.notes.append(
            f"plan: no plan ({job.plan.message}); the twin runs a level plan from demand, and "
            "risk and stress measure the network with their own flow models, not a plan"
        )


def _twin(job: JobResult, progress: Callable[[int, int], None]) -> None:
    if not len(job.scenario.operations):
        job.notes.append("twin: the scenario has no routings (operations); step skipped")
        return
    lead_in = job.options.twin_lead_in_weeks
    window = busiest_window(job, job.options.twin_weeks, lead_in)
    material = None
    if job.plan is not None and job.plan.tables is not None:
        simulated = len(window.labels) + window.lead_in
        material = plan_material(job.scenario, job.plan.tables, window.start, simulated)
    opts = TwinOptions(
        weeks=job.options.twin_weeks + window.lead_in,
        warmup_weeks=window.lead_in or None,
        replications=job.options.twin_replications,
        seed=job.options.seed,
        workers=job.options.workers,
        release=ReleaseMode.PLAN,
    )
    job.twin = compare_automation(job.scenario, opts, window.release, progress, material)
    job.twin_weeks = window.labels


def _execute(job: JobResult, progress: Callable[[int, int], None]) -> None:
    from rackforge.execute import ExecuteOptions, execute

    if job.plan is None or not job.plan.has_plan:
        job.notes.append("execute: no plan to execute; step skipped")
        return
    horizon = job.scenario.config.horizon_weeks
    opts = ExecuteOptions(
        weeks=min(job.options.execute_weeks, horizon),
        replan_every=job.options.execute_replan_every,
        replications=job.options.execute_replications,
        seed=job.options.seed,
        workers=min(job.options.workers or os.cpu_count() or 1, job.options.execute_replications),
    )
    job.execute = execute(job.answered, opts, progress, first=job.plan)


@dataclass(frozen=True)
class TwinWindow:
    """The plan weeks the twin simulates: the busiest ``labels`` (measured), after
    ``lead_in`` weeks of the plan before them that fill the line (simulated as warm-up).
    ``release``: the plan's production from ``start`` (the first simulated week), renumbered
    from week 0; ``None`` when there is no plan (the twin then derives a level plan)."""

    release: pd.DataFrame | None
    labels: tuple[str, ...]
    start: int
    lead_in: int


def busiest_window(job: JobResult, weeks: float, lead_in: int = 0) -> TwinWindow:
    """The ``weeks`` consecutive plan weeks in which the most racks are started, and up to
    ``lead_in`` weeks before them (fewer where the plan starts sooner)."""
    result = job.plan
    if result is None or result.tables is None:
        return TwinWindow(None, (), 0, 0)
    prod = result.tables.production
    racks = job.scenario.items_of_kind(ItemKind.RACK)
    span = max(1, round(weeks))
    horizon = len(result.week_labels)
    started = prod[prod["item"].isin(racks)].groupby("week")["qty"].sum()
    window = started.reindex(range(horizon), fill_value=0.0).rolling(span).sum()
    last = int(window.idxmax()) if window.notna().any() else min(span, horizon) - 1
    first = max(0, last - span + 1)
    start = max(0, first - lead_in)
    release = plan_releases(result.tables, start, last + 1 - start)
    labels = tuple(result.week_labels[first : last + 1])
    return TwinWindow(release, labels, start, first - start)


def _risk(job: JobResult, progress: Callable[[int, int], None]) -> None:
    if job.scenario.risk.empty:
        job.notes.append("risk: the scenario has no risk table; default recovery times apply")
    job.risk = assess(job.answered, RiskOptions(workers=job.options.workers), progress)


def _stress(job: JobResult, progress: Callable[[int, int], None]) -> None:
    opts = StressOptions(scenarios=job.options.stress_scenarios, seed=job.options.seed)
    job.stress = run_stress(job.answered, opts, progress)


def _inventory(job: JobResult) -> None:
    if demand_variability(job.scenario) is not DemandVariability.FORECAST_ERROR:
        job.notes.append(
            "inventory: no forecast error is stated (demand.forecast_cv, scenario.yaml "
            "forecast_cv); demand sigma is inferred from the spread around each stock point's "
            "weekly trend"
        )
    network = network_from_scenario(job.answered)
    job.inventory = optimize(network, GSMOptions(time_limit_s=job.options.inventory_time_limit_s))
