"""Dated events and partial disruptions in the risk engines, on networks worked out by hand.

One part per rack, a demand of 10 racks a week, lost sales (no backlog).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from risk_networks import Part, PlantNetwork, Risk, Source

from rackforge.risk import RiskOptions, StressOptions, assess, stress_test
from rackforge.risk.explain import differences
from rackforge.scenario import Scenario, ScenarioError


def plant(**kwargs: object) -> Scenario:
    sources = kwargs.pop("sources", (Source("sup-a"),))
    part = Part("part", 1.0, float(kwargs.pop("on_hand", 0.0)), sources)  # type: ignore[arg-type]
    return PlantNetwork((part,), backlog=False, **kwargs).scenario()  # type: ignore[arg-type]


def test_a_known_stop_with_room_to_buy_ahead_loses_nothing() -> None:
    # sup-a has no capacity limit and stops in weeks 4-5: the plan (the known future) buys
    # 30 parts in week 3, so all 12 x 10 = 120 racks are served, in the risk baseline and in
    # every stress scenario alike.
    s = plant(events=(("sup-a", 4, 2, 0.0),), risks=(Risk("sup-a", 4, annual_prob=0.0),))
    result = stress_test(s, StressOptions(scenarios=50))
    assert result.plan_units == pytest.approx(120.0)
    assert result.delivered.min() == pytest.approx(120.0)


def test_a_known_stop_at_full_use_loses_its_weeks() -> None:
    # sup-a can send exactly the weekly need (10): nothing can be bought ahead, the two
    # stopped weeks lose 2 x 10 racks. The risk baseline plans 100 and stress delivers 100.
    s = plant(
        sources=(Source("sup-a", capacity=10.0),),
        events=(("sup-a", 4, 2, 0.0),),
        risks=(Risk("sup-a", 4, annual_prob=0.0),),
    )
    result = stress_test(s, StressOptions(scenarios=50))
    assert result.plan_units == pytest.approx(100.0)
    assert result.delivered.max() == pytest.approx(100.0)
    report = assess(s, RiskOptions())
    assert report.demand_units - report.baseline_served_units == pytest.approx(20.0)


def test_an_expansion_event_lifts_the_plan() -> None:
    # Capacity 8 a week, doubled from week 6: 6 x 8 + 6 x 10 = 108 racks.
    s = plant(
        sources=(Source("sup-a", capacity=8.0),),
        events=(("sup-a", 6, 0, 2.0),),
        risks=(Risk("sup-a", 4, annual_prob=0.0),),
    )
    assert stress_test(s, StressOptions(scenarios=20)).plan_units == pytest.approx(108.0)


def test_random_disruptions_fall_on_top_of_the_events() -> None:
    # The event stops weeks 4-5 (20 racks) and sup-a is then down in some scenarios too:
    # no scenario does better than the plan's 100, some do worse.
    s = plant(
        sources=(Source("sup-a", capacity=10.0),),
        events=(("sup-a", 4, 2, 0.0),),
        risks=(Risk("sup-a", 2, annual_prob=0.9),),
    )
    result = stress_test(s, StressOptions(scenarios=400, seed=3))
    assert result.delivered.max() == pytest.approx(100.0)
    assert result.delivered.min() < 100.0


@pytest.mark.parametrize(("factor", "lost"), [(0.5, 0.0), (0.4, 8.0), (0.0, 40.0)])
def test_a_partly_disrupted_plant_keeps_that_share_of_its_hours(factor: float, lost: float) -> None:
    # The line has 20 hours a week and a rack takes 1 hour; the plan makes 10 a week. At half
    # the hours the plant can still make 10 (not half of the 10 it happened to make); at 40%
    # it makes 8, losing 2 a week over the 4 weeks down; stopped, 10 a week.
    s = plant(on_hand=1000.0, line_hours=20.0, risks=(Risk("plant", 4, capacity_factor=factor),))
    (node,) = [n for n in assess(s, RiskOptions()).nodes if n.target == "plant"]
    assert node.impact_units == pytest.approx(lost, abs=1e-6)


def test_a_partly_disrupted_plant_in_stress_keeps_its_hours() -> None:
    # The same plant at half its hours, down most of the year in stress: nothing is lost.
    s = plant(on_hand=1000.0, line_hours=20.0, risks=(Risk("plant", 4, 0.9, 0.5),))
    result = stress_test(s, StressOptions(scenarios=300, seed=1))
    assert result.delivered.min() == pytest.approx(120.0)


@settings(max_examples=25, deadline=None)
@given(
    rate=st.floats(0.0, 60.0).map(lambda v: round(v, 6)),  # cells hold 0 or >= 1e-9
    ttr=st.floats(0.0, 30.0).map(lambda v: round(v, 6)),
)
def test_a_rate_is_refused_when_it_keeps_the_node_down_a_year(rate: float, ttr: float) -> None:
    # annual_prob is a yearly rate: rate * ttr weeks down a year must stay under 52.
    risk = (Risk("sup-a", ttr, annual_prob=rate),)
    if rate * ttr < 52:
        assert plant(risks=risk).risk["annual_prob"].iloc[0] == pytest.approx(rate)
        return
    with pytest.raises(ScenarioError) as err:
        plant(risks=risk)
    (problem,) = err.value.problems
    assert (problem.file, problem.line, problem.column) == ("risk.csv", 2, "annual_prob")
    assert "events.csv" in problem.message


def test_risk_and_stress_say_why_they_differ() -> None:
    # 50 parts in stock and an unlimited supplier: one 4-week outage drains 40 of them, so the
    # LP loses nothing (TTS 5 weeks). Stress, at 6 disruptions a year of random length, loses.
    s = plant(on_hand=50.0, horizon=26, risks=(Risk("sup-a", 4, annual_prob=6.0),))
    report = assess(s, RiskOptions())
    result = stress_test(s, StressOptions(scenarios=500, seed=5))
    (diff,) = differences(report, result, s)
    assert diff.target == "sup-a"
    assert "the LP loses nothing in a 4-week outage" in diff.sentence
    # geometric outages of mean 4 weeks outlast 5 whole weeks with probability (3/4)^5 = 24%
    assert "last 5.0 weeks" in diff.sentence and "24% of its outages last longer" in diff.sentence
    # No rate in the risk table: the LP loses 2 weeks of demand, stress never draws it.
    s = plant(risks=(Risk("sup-a", 2, annual_prob=0.0),))
    (diff,) = differences(assess(s, RiskOptions()), stress_test(s, StressOptions(50)), s)
    assert "loses 20 units in the LP, stress expects 0" in diff.sentence
    assert "no disruption rate" in diff.sentence
    assert report.to_dict()["policy"].startswith("foresight")
    assert result.to_dict()["policy"].startswith("myopic")
