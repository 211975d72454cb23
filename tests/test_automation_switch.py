"""The automation switch: one rule (``rackforge.scenario.automation``) for today and
automated, the same default in every command, and what the levers change in racks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from typer.testing import CliRunner

from rackforge import Scenario
from rackforge.cli import app
from rackforge.job import JobOptions, Step, run_job
from rackforge.plan import PlanOptions, plan
from rackforge.plan.ceiling import ceiling
from rackforge.report.collect import summary
from rackforge.risk import RiskOptions, StressOptions, assess, stress_test
from rackforge.scenario.automation import (
    DEFAULT_AUTOMATION,
    AutomationChoice,
    Levers,
    levers_applied,
    with_levers,
)
from rackforge.scenario.derived import hours_per_good_unit
from rackforge.twin import TwinOptions

runner = CliRunner()


def test_one_default_for_every_engine() -> None:
    assert DEFAULT_AUTOMATION is AutomationChoice.ON
    assert TwinOptions().levers is Levers.ON
    assert PlanOptions().automation is True
    assert JobOptions().automation is DEFAULT_AUTOMATION


def test_today_is_the_scenario_without_touch_time_and_with_todays_detect_rate(
    tiny: Scenario,
) -> None:
    auto = tiny.config.automation
    today = levers_applied(auto, Levers.OFF)
    assert today.touch_time_reduction == {} and today.inspection_detect_rate == 0.97  # unstated
    stated = replace(auto, inspection_detect_rate_today=0.7)
    assert levers_applied(stated, Levers.OFF).inspection_detect_rate == 0.7
    assert levers_applied(stated, Levers.ON) is stated
    assert with_levers(tiny, Levers.ON) is tiny


def test_the_planner_reads_today_as_the_switch_writes_it(tiny: Scenario) -> None:
    """``PlanOptions(automation=False)`` and the switch's today give the same hours and plan."""
    today = with_levers(tiny, Levers.OFF)
    assert hours_per_good_unit(today).equals(hours_per_good_unit(tiny, automation=False))
    a = plan(today)
    b = plan(tiny, PlanOptions(automation=False))
    assert a.objective == pytest.approx(b.objective, rel=1e-9)


def test_the_levers_never_lower_the_ceiling_nor_raise_risk(tiny: Scenario) -> None:
    """Less touch time loosens every hour limit: the ceiling cannot fall, nor the demand a
    node's outage loses grow (metamorphic: a looser limit never hurts)."""
    today = with_levers(tiny, Levers.OFF)
    assert ceiling(tiny, lifts=0).racks_per_week >= ceiling(today, lifts=0).racks_per_week - 1e-6
    on, off = assess(tiny, RiskOptions(workers=1)), assess(today, RiskOptions(workers=1))
    lost = {n.target: n.impact_units for n in off.nodes}
    for node in on.nodes:
        assert node.impact_units <= lost[node.target] + 1e-6, node.target
    options = StressOptions(scenarios=256, seed=1)
    assert (
        stress_test(tiny, options).fill_rate.mean
        >= stress_test(today, options).fill_rate.mean - 1e-9
    )


@pytest.mark.parametrize(
    "command",
    [
        ["plan", "tiny", "--no-ceiling"],
        ["risk", "tiny", "--workers", "1"],
        ["stress", "tiny", "--scenarios", "128"],
    ],
)
def test_every_command_shows_what_the_levers_change(command: list[str], tmp_path: object) -> None:
    args = [*command, "--automation", "compare"]
    if command[0] == "plan":
        args += ["--out", f"{tmp_path}/plan"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "What the automation levers change" in result.output
    assert "A = today" in result.output and "B = automated" in result.output


def test_the_job_compares_the_plan_in_racks(tiny: Scenario) -> None:
    options = JobOptions(steps=frozenset({Step.PLAN}), automation=AutomationChoice.COMPARE)
    job = run_job(tiny, options)
    assert job.plan is not None and job.plan_today is not None
    (line,) = [x for x in summary(job) if x.startswith("Automation (levers on vs off)")]
    assert "racks a week automated" in line
    off = run_job(tiny, replace(options, automation=AutomationChoice.OFF))
    assert off.plan is not None and off.plan_today is None
    assert off.plan.objective == pytest.approx(job.plan_today.objective, rel=1e-9)
