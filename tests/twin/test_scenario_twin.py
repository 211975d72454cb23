"""The twin on the bundled ``tiny`` scenario, checked by hand.

tiny: demand 50 racks over 8 weeks -> 6.25 racks a week level, 2 trays a rack -> 12.5
trays a week. Trays: 1 h at labor-1, then 2 h at test-1 passing 90% (failures back to
assembly), so 1 / 0.9 visits of each. Racks: 2 h at line-1, then 4 h at test-1.
Scheduled hours a week: labor-1 2 x 40, test-1 2 x 50, line-1 1 x 40. Utilisation:
labor-1 12.5 / 0.9 x 1 / 80 = 0.1736; test-1 (12.5 / 0.9 x 2 + 6.25 x 4) / 100 = 0.5278;
line-1 6.25 x 2 / 40 = 0.3125.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from rackforge import Scenario, load_scenario
from rackforge.scenario.derived import bom_per_site
from rackforge.scenario.whatif import EventEdit, what_if
from rackforge.twin import (
    Availability,
    Levers,
    ReleaseMode,
    TwinError,
    TwinOptions,
    TwinStatus,
    compare_automation,
    level_plan,
    nominal_capacity,
    simulate_scenario,
)
from rackforge.twin.releases import split

UTIL = {"labor-1": 12.5 / 0.9 / 80, "test-1": (12.5 / 0.9 * 2 + 6.25 * 4) / 100, "line-1": 0.3125}
LONG = TwinOptions(weeks=60, replications=4, workers=1, seed=3, levers=Levers.OFF)


def test_level_plan_from_demand(tiny: Scenario) -> None:
    plan = level_plan(tiny)
    per_week = plan.groupby(["site", "item"])["qty"].mean().to_dict()
    assert per_week == {("plant-a", "rack-t"): 6.25, ("plant-a", "tray-t"): 12.5}
    assert sorted(plan["week"].unique()) == list(range(8))


def test_level_plan_explodes_the_bom_as_the_planner_does(tiny: Scenario) -> None:
    """A rack routing that scraps 20% of its starts needs 2 / 0.8 trays per good rack: the
    level plan reads children per good parent from the one place every engine does."""
    ops = tiny.operations.copy()
    ops.loc[(ops["item"] == "rack-t") & (ops["step"] == 2), "yield"] = 0.8
    scrappy = tiny.with_tables(operations=ops)
    per_week = level_plan(scrappy).groupby("item")["qty"].mean()
    per_rack = bom_per_site(scrappy)[("plant-a", "rack-t")]["tray-t"]
    assert per_rack == pytest.approx(2.0 / 0.8)
    assert per_week["tray-t"] == pytest.approx(per_week["rack-t"] * per_rack)


@pytest.mark.parametrize("availability", list(Availability))
def test_utilisation_throughput_and_rework_by_hand(
    tiny: Scenario, availability: Availability
) -> None:
    result = simulate_scenario(tiny, replace(LONG, availability=availability))
    util = result.utilization()
    for name, expected in UTIL.items():
        assert util[name] == pytest.approx(expected, abs=0.015), name
    assert result.totals.throughput_per_week.mean == pytest.approx(18.75, rel=0.01)
    # a tray test fails 10% of the time: reworks / (reworks + trays out) ~ 0.1 (binomial)
    tray = next(i for i in result.items if i.item == "tray-t")
    reworks = sum(r.route_reworked[0] for r in result.runs)
    visits = reworks + sum(r.route_completed[0] for r in result.runs)
    assert abs(reworks / visits - 0.1) < 3 * (0.1 * 0.9 / visits) ** 0.5
    assert tray.rework_units.mean == reworks / len(result.runs)
    assert result.totals.scrap_units.mean == 0
    assert result.totals.bottleneck is not None
    assert result.totals.bottleneck.resource == "test-1"
    assert "highest utilisation" in result.totals.bottleneck.reason
    assert result.status is TwinStatus.OK
    test1 = next(r for r in result.resources if r.resource == "test-1")
    assert test1.availability.mean == pytest.approx(200 / 204, abs=0.01)  # MTBF / (MTBF + MTTR)


def test_automation_levers(tiny: Scenario) -> None:
    """Levers on: labour hours x 0.75 (labor-1 utilisation 0.1302) and a 97% detect rate
    at the inspection steps, so a few tray defects escape (0.1 x 0.03 per test visit). Today's
    rate is not stated, so today inspects at the same 97%: the same escapes; stated as 1.0
    today, nothing escapes today."""
    on = simulate_scenario(tiny, replace(LONG, levers=Levers.ON))
    assert on.utilization()["labor-1"] == pytest.approx(UTIL["labor-1"] * 0.75, abs=0.01)
    assert on.utilization()["line-1"] == pytest.approx(UTIL["line-1"], abs=0.015)
    assert on.totals.escaped_units.mean > 0
    off = simulate_scenario(tiny, LONG)
    assert off.totals.escaped_units.mean == pytest.approx(on.totals.escaped_units.mean, rel=0.5)
    automation = replace(tiny.config.automation, inspection_detect_rate_today=1.0)
    perfect = replace(tiny, config=replace(tiny.config, automation=automation))
    assert simulate_scenario(perfect, LONG).totals.escaped_units.mean == 0


def test_levers_that_change_nothing_change_nothing(tiny: Scenario) -> None:
    """No touch time removed and today's detect rate the automated one: today and automated
    draw the same numbers (common random numbers), so every paired difference is exactly 0."""
    automation = replace(tiny.config.automation, touch_time_reduction={})
    same = replace(tiny, config=replace(tiny.config, automation=automation))
    cmp = compare_automation(same, replace(LONG, weeks=20))
    assert cmp.rack_gain_per_week.mean == 0 and cmp.cycle_time_change_h.mean == 0
    assert cmp.today.totals.escaped_units.mean == cmp.automated.totals.escaped_units.mean


def test_compare_today_and_automated(tiny: Scenario) -> None:
    cmp = compare_automation(tiny, replace(LONG, weeks=30))
    assert cmp.today.utilization()["labor-1"] > cmp.automated.utilization()["labor-1"]
    # releases limit the output (the line is far from full), so throughput does not change,
    # but trays spend less time in assembly
    assert cmp.throughput_gain_per_week.contains(0.0)
    assert cmp.cycle_time_change_h.high < 0
    data = cmp.to_dict()
    assert set(data) == {"levers", "today", "automated", "difference"}
    assert data["levers"]["touch_time_reduction"] == {"labor": 0.25}


def test_both_lines_on_one_pool_measure_what_each_measures_alone(tiny: Scenario) -> None:
    """compare_automation runs today's and the automated line's replications on one pool of
    processes; each replication's stream is its own, so every measurement of each line is
    the one it has when simulated alone, serially."""
    options = TwinOptions(weeks=12, replications=3, workers=2, seed=5)
    cmp = compare_automation(tiny, options)
    for levers, result in ((Levers.OFF, cmp.today), (Levers.ON, cmp.automated)):
        alone = simulate_scenario(tiny, replace(options, levers=levers, workers=1))
        assert _measured(result.to_dict()) == _measured(alone.to_dict())


def _measured(data: dict[str, object]) -> dict[str, object]:
    """What a run measures, without its timings."""
    return {k: v for k, v in data.items() if k not in ("wall_s", "sim_s", "events_per_s")}


def test_a_given_plan_with_iso_weeks(tiny: Scenario) -> None:
    plan = pd.DataFrame(
        {
            "site": "plant-a",
            "item": "rack-t",
            "week": [f"2026-W{w:02d}" for w in range(1, 11)],
            "qty": 10.0,
        }
    )
    result = simulate_scenario(tiny, TwinOptions(weeks=10, replications=2, workers=1), plan=plan)
    rack = next(i for i in result.items if i.item == "rack-t")
    tray = next(i for i in result.items if i.item == "tray-t")
    assert rack.released_per_week.mean == pytest.approx(10.0, abs=0.2)
    assert tray.released_per_week.mean == 0
    assert any("tray-t: no planned production" in n for n in result.notes)


def test_rate_release_split_by_the_plan_mix(tiny: Scenario) -> None:
    options = TwinOptions(
        weeks=20, replications=2, workers=1, release=ReleaseMode.RATE, release_rate_per_h=0.2
    )
    result = simulate_scenario(tiny, options)
    released = {i.item: i.released_per_week.mean for i in result.items}
    assert released["tray-t"] == pytest.approx(0.2 * 168 * 2 / 3, abs=0.1)
    assert released["rack-t"] == pytest.approx(0.2 * 168 / 3, abs=0.1)


def test_overload_is_reported(tiny: Scenario) -> None:
    """0.3 jobs an hour (2/3 trays, 1/3 racks): test-1 needs 0.2 x 168 / 0.9 x 2 + 0.1 x 168 x 4
    = 142 h a week of its 100; labor-1 only 37 h of 80."""
    options = TwinOptions(
        weeks=20, replications=2, workers=1, release=ReleaseMode.POISSON, release_rate_per_h=0.3
    )
    result = simulate_scenario(tiny, options)
    assert result.status is TwinStatus.OVERLOADED
    assert result.totals.bottleneck is not None
    assert result.totals.bottleneck.resource == "test-1"


def test_bad_requests_name_the_problem(tiny: Scenario) -> None:
    with pytest.raises(TwinError, match="nowhere: no routings"):
        simulate_scenario(tiny, TwinOptions(sites=("nowhere",)))
    with pytest.raises(TwinError, match="missing column"):
        simulate_scenario(tiny, plan=pd.DataFrame({"site": ["plant-a"], "qty": [1]}))
    with pytest.raises(TwinError, match="rate > 0"):
        simulate_scenario(tiny, TwinOptions(release=ReleaseMode.RATE))
    with pytest.raises(TwinError, match="warm-up"):
        simulate_scenario(tiny, TwinOptions(weeks=2, warmup_weeks=3))


def test_split_fills_capped_makers_first() -> None:
    # 100 units shared 3:1, but the first site takes at most 60: the rest goes to the other
    assert split(100.0, {"a": 3.0, "b": 1.0}, {"a": 60.0, "b": math.inf}) == {
        "a": 60.0,
        "b": pytest.approx(40.0),
    }
    # nobody can take more than their caps: the remainder is bought, not made
    assert split(100.0, {"a": 1.0, "b": 1.0}, {"a": 10.0, "b": 20.0}) == {"a": 10.0, "b": 20.0}


def test_bundled_default_scenario_runs_a_plant() -> None:
    """One week of one plant of the default scenario: units flow and a resource is named."""
    scenario = load_scenario("us-ai-racks")
    options = TwinOptions(weeks=1, warmup_weeks=0.25, replications=1, sites=("plant-oh",))
    result = simulate_scenario(scenario, options)
    assert set(result.sites) == {"plant-oh"}
    assert result.totals.throughput_per_week.mean > 0
    assert result.totals.bottleneck is not None
    names = set(scenario.resources.loc[scenario.resources["site"] == "plant-oh", "resource"])
    assert result.totals.bottleneck.resource in names
    assert nominal_capacity(scenario, "plant-oh", "rack-gb300") > 0


EVENT_RUN = TwinOptions(
    weeks=8, warmup_weeks=0, replications=4, workers=1, seed=3, levers=Levers.OFF
)


@pytest.mark.parametrize(
    ("event", "test1_up"),
    [
        # one of test-1's two units out for the whole run: the other is up 200/204 of the time
        ("plant-a/test-1:0:0:0.5", 0.5 * 200 / 204),
        # the plant stopped in 2 of 8 weeks: test-1 is up 6/8 of 200/204
        ("plant-a:2:2:0", 6 / 8 * 200 / 204),
    ],
)
def test_dated_events_take_station_units_down(tiny: Scenario, event: str, test1_up: float) -> None:
    s = what_if(tiny, events=[EventEdit.parse(event)])
    test1 = next(r for r in simulate_scenario(s, EVENT_RUN).resources if r.resource == "test-1")
    assert test1.availability.mean == pytest.approx(test1_up, abs=0.01)


def test_a_stopped_plant_makes_nothing_and_other_events_are_noted(tiny: Scenario) -> None:
    stopped = simulate_scenario(what_if(tiny, events=[EventEdit.parse("plant-a:0:0:0")]), EVENT_RUN)
    assert stopped.throughput_of(["rack-t"]).mean == 0.0
    edits = [EventEdit.parse("plant-a/line-1:0:0:1.5"), EventEdit.parse("sup-tw:0:2:0")]
    noted = simulate_scenario(what_if(tiny, events=edits), EVENT_RUN)
    base = simulate_scenario(tiny, EVENT_RUN)
    assert noted.throughput_of(["rack-t"]).mean == base.throughput_of(["rack-t"]).mean
    assert any("line-1: an expansion event is not simulated" in n for n in noted.notes)
    assert any("on sup-tw: the twin takes material as available" in n for n in noted.notes)


def test_a_run_too_large_to_simulate_is_refused(tiny: Scenario) -> None:
    # 1e9 racks of demand validate (the planner takes them), but a week's level plan would
    # release over 1e8 units: the twin refuses before building anything.
    huge = tiny.with_tables(demand=tiny.demand.assign(qty=1e9))
    with pytest.raises(TwinError, match="the twin simulates at most 5,000,000"):
        simulate_scenario(huge, replace(EVENT_RUN, weeks=1))


def test_rack_cycle_time_has_its_interval(tiny: Scenario) -> None:
    # The rack cycle time is each replication's mean over its completed racks; its interval is
    # Student's t over the replications, as for throughput.
    result = simulate_scenario(tiny, EVENT_RUN)
    cycle = result.cycle_time_estimate(["rack-t"])
    rack = [i.item for i in result.items].index("rack-t")
    per_run = [float(run.route_cycle[rack].mean()) for run in result.runs]
    assert cycle.mean == pytest.approx(sum(per_run) / len(per_run))
    assert 0 < cycle.ci95 < cycle.mean
    assert result.cycle_time_of(["rack-t"]) == cycle.mean
