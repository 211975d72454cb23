"""The ceiling (rackforge.plan.ceiling): sustainable racks a week from the throughput LP, in
racks, and lifts that are edits confirmed by solving again."""

from __future__ import annotations

import math

import pytest
from test_derived_capacity import EXPECTED_GOOD_PER_WEEK, saturated_line

from rackforge import load_scenario
from rackforge.plan import PlanOptions, plan
from rackforge.plan.ceiling import Lift, ceiling
from rackforge.scenario import ItemKind, Scenario


def test_the_ceiling_of_a_saturated_line_is_its_capacity_and_a_unit_more_doubles_it() -> None:
    # one resource unit, 168 h x 0.9 efficiency x 0.9 availability, 1 h per start, 80% good
    c = ceiling(saturated_line(), weeks=4)
    assert c.racks_per_week == pytest.approx(EXPECTED_GOOD_PER_WEEK, rel=1e-6)
    assert c.target_per_week == pytest.approx(200.0) and not c.meets_target
    (lift,) = c.lifts
    assert (lift.table, lift.key, lift.column, lift.old, lift.new) == (
        "resources",
        {"site": "P", "resource": "L"},
        "units",
        1.0,
        2.0,
    )
    # the dual: one more unit is 168 x 0.81 hours at 1.25 h per good unit
    assert lift.marginal == pytest.approx(EXPECTED_GOOD_PER_WEEK, rel=1e-6)
    assert lift.racks_per_week_after == pytest.approx(2 * EXPECTED_GOOD_PER_WEEK, rel=1e-6)


@pytest.fixture(scope="module")
def bundled() -> Scenario:
    return load_scenario("us-ai-racks")


def test_the_bundled_first_lift_delivers_what_it_promises(bundled: Scenario) -> None:
    c = ceiling(bundled)
    assert c.window == ("2026-W45", "2026-W52")
    assert c.lifts and c.racks_per_week < c.target_per_week
    lift = c.lifts[0]
    # apply the edit to a copy as a planner would, and solve the ceiling again
    frame = bundled.table(lift.table).copy()
    row = (frame[list(lift.key)] == list(lift.key.values())).all(axis=1)
    frame.loc[row, lift.column] = lift.new
    after = ceiling(bundled.with_tables(**{lift.table: frame}), lifts=0).racks_per_week
    promised = lift.racks_per_week_after - c.racks_per_week
    assert promised > 0 and after - c.racks_per_week >= 0.5 * promised


def test_the_plan_peak_is_never_above_what_the_ceiling_allows_on_average(
    bundled: Scenario,
) -> None:
    result = plan(bundled, PlanOptions(explain=False, ceiling=True))
    assert result.ceiling is not None and result.tables is not None
    prod = result.tables.production
    racks = prod[prod["item"].isin(bundled.items_of_kind(ItemKind.RACK))]
    window = racks[racks["available_week"] >= bundled.config.horizon_weeks - 8]
    # what the cost plan completes in the window, a week, cannot beat the maximum
    assert window["qty"].sum() / 8 <= result.ceiling.racks_per_week + 1e-6


def test_cost_drivers_carry_their_units() -> None:
    result = plan(saturated_line(), PlanOptions(ceiling=True))
    assert result.ceiling is not None
    (driver,) = [d for d in result.ceiling.cost_drivers if d.kind == "resource"]
    assert driver.unit == "USD per resource hour" and driver.site == "P"
    assert driver.value == pytest.approx(result.bottlenecks[0].total_shadow_price)


def test_a_lane_lift_edits_only_the_binding_lane_row() -> None:
    from plan_scenarios import build, demand, item, offer

    # P makes R from K, which comes from warehouse Q over a lane of 30 a week; a lane row
    # listed first between the same sites carries another item X (5 a week)
    s = build(
        sites=[
            {"site": "P", "kind": "plant", "country": "US"},
            {"site": "Q", "kind": "warehouse", "country": "US"},
        ],
        items=[item("R", 100, "rack"), item("K", 10), item("X", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1, site="Q"), offer("X", 1, site="Q")],
        lanes=[
            {
                "from_site": "Q",
                "to_site": "P",
                "item": item_,
                "lead_weeks": 0,
                "capacity_per_week": cap,
            }
            for item_, cap in (("X", 5), ("K", 30))
        ],
        demand=[demand(f"d{w}", "R", w, 50) for w in range(2)],
        horizon=2,
    )
    c = ceiling(s, weeks=2)
    assert c.racks_per_week == pytest.approx(30.0)
    (lift,) = c.lifts
    assert lift.key == {"from_site": "Q", "to_site": "P", "item": "K"}
    assert (lift.old, lift.new) == (30.0, 38.0)
    assert lift.racks_per_week_after == pytest.approx(38.0)


def test_nothing_limits_an_uncapacitated_plant() -> None:
    from plan_scenarios import build, demand, item, offer

    s = build(
        items=[item("R", 100, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1)],
        demand=[demand("d0", "R", 0, 5)],
        horizon=2,
    )
    c = ceiling(s, weeks=2)
    assert c.racks_per_week == float("inf") and not c.lifts
    assert "any number of racks" in c.sentence()


def test_target_answer_states_the_ceiling_not_the_cost_plans_output(tiny: Scenario) -> None:
    from dataclasses import replace as _replace

    from rackforge.plan.target import target_check

    result = plan(tiny, PlanOptions(ceiling=True))
    assert result.ceiling is not None and result.target is not None
    rate = result.ceiling.racks_per_week
    can = f"{rate:,.0f} racks a week" if math.isfinite(rate) else "any number of racks"
    assert can in result.target.answer
    # a ceiling below the demand the plan meets: the answer says stock built ahead covers it
    # and names the ceiling's lifts (in racks), not the cost plan's binding limits
    low = _replace(
        result.ceiling,
        racks_per_week=result.ceiling.target_per_week / 2,
        lifts=[Lift("resources", {"site": "plant-a", "resource": "test"}, "units", 2, 3, 9.0, 1)],
    )
    answer = target_check(result, ceiling=low).answer
    assert answer.startswith("yes, but only from stock built ahead")
    assert "Held back by: resources plant-a/test units (to 3: 9 a week)" in answer
