"""Running the twin on a scenario, and today versus automated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from rackforge.scenario import ItemKind, Scenario
from rackforge.scenario.automation import Levers, levers_applied
from rackforge.twin.build import line_from_scenario
from rackforge.twin.material import PlanMaterial
from rackforge.twin.options import TwinOptions
from rackforge.twin.results import TwinResult
from rackforge.twin.runner import Job, Progress, simulate_lines
from rackforge.twin.stats import Estimate, paired


def simulate_scenario(
    scenario: Scenario,
    options: TwinOptions | None = None,
    plan: pd.DataFrame | None = None,
    progress: Progress | None = None,
    material: PlanMaterial | None = None,
) -> TwinResult:
    """Simulate the scenario's plants (``options.sites``, default all with routings).

    ``plan`` is a production plan with columns site, item, week, qty (weeks as offsets or
    ISO labels); without one, a level plan is derived from the demand. ``material``: the
    plan window's stock and flows, for kits taken from the stores (otherwise parts are
    taken as available).
    """
    return _simulate(scenario, [options or TwinOptions()], plan, progress, material)[0]


def _simulate(
    scenario: Scenario,
    runs: Sequence[TwinOptions],
    plan: pd.DataFrame | None,
    progress: Progress | None,
    material: PlanMaterial | None,
) -> list[TwinResult]:
    """The scenario's line under each of ``runs``, all simulated on one pool of processes
    (:func:`rackforge.twin.runner.simulate_lines`)."""
    jobs: list[Job] = []
    notes: list[list[str]] = []
    for options in runs:
        options.validate()
        spec, line_notes = line_from_scenario(scenario, options, plan, material)
        jobs.append((spec, options))
        notes.append(line_notes)
    return simulate_lines(jobs, progress, notes)


@dataclass(frozen=True)
class AutomationComparison:
    """The same line today (levers off) and automated (levers on), with the same random
    numbers, replication by replication; differences are paired (automated minus today)."""

    today: TwinResult
    automated: TwinResult
    throughput_gain_per_week: Estimate  # good units of every item
    cycle_time_change_h: Estimate
    touch_time_reduction: dict[str, float]
    inspection_detect_rate: float | None
    inspection_detect_rate_today: float | None
    rack_gain_per_week: Estimate  # finished racks only

    def to_dict(self) -> dict[str, Any]:
        return {
            "levers": {
                "touch_time_reduction": dict(self.touch_time_reduction),
                "inspection_detect_rate": self.inspection_detect_rate,
                "inspection_detect_rate_today": self.inspection_detect_rate_today,
            },
            "today": self.today.to_dict(),
            "automated": self.automated.to_dict(),
            "difference": {
                "throughput_per_week": self.throughput_gain_per_week.to_dict(),
                "racks_per_week": self.rack_gain_per_week.to_dict(),
                "cycle_time_h": self.cycle_time_change_h.to_dict(),
            },
        }


def _per_run(result: TwinResult) -> tuple[list[float], list[float]]:
    throughput = result.completed_per_week({i.item for i in result.items})
    cycle = []
    for run in result.runs:
        n = sum(len(c) for c in run.route_cycle)
        cycle.append(sum(float(c.sum()) for c in run.route_cycle) / n if n else float("nan"))
    return throughput, cycle


def compare_automation(
    scenario: Scenario,
    options: TwinOptions | None = None,
    plan: pd.DataFrame | None = None,
    progress: Progress | None = None,
    material: PlanMaterial | None = None,
) -> AutomationComparison:
    """Run the line with the automation levers off and on (same seed, so the same random
    numbers drive both: common random numbers) and compare throughput and cycle time.

    ``progress(done, total)`` counts the replications of both runs (``total = 2R``).
    """
    options = options or TwinOptions()
    # both lines on one pool: 2R replications keep every worker busy to the end
    runs = [replace(options, levers=levers) for levers in (Levers.OFF, Levers.ON)]
    today, automated = _simulate(scenario, runs, plan, progress, material)
    t_thr, t_cyc = _per_run(today)
    a_thr, a_cyc = _per_run(automated)
    auto = scenario.config.automation
    racks = scenario.items_of_kind(ItemKind.RACK)
    return AutomationComparison(
        today=today,
        automated=automated,
        throughput_gain_per_week=paired(t_thr, a_thr),
        cycle_time_change_h=paired(t_cyc, a_cyc),
        touch_time_reduction=dict(auto.touch_time_reduction),
        inspection_detect_rate=auto.inspection_detect_rate,
        inspection_detect_rate_today=levers_applied(auto, Levers.OFF).inspection_detect_rate,
        rack_gain_per_week=paired(
            today.completed_per_week(racks), automated.completed_per_week(racks)
        ),
    )
