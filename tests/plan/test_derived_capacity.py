"""The plan's capacity and material rules (rackforge.scenario.derived) against the twin and
against hand-computed MRP records.

Availability of a unit that fails and is repaired: A = MTBF / (MTBF + MTTR) (Hopp & Spearman
2008, *Factory Physics*, 3rd ed., eq. 8.5). A unit scrapped in the routing has consumed its
material: 1 / g starts per good unit, g the routing's probability of finishing good.
"""

from __future__ import annotations

import numpy as np
import pytest
from plan_scenarios import build, demand, item, offer, resource

from rackforge.plan import OrderType, plan, run_mrp
from rackforge.scenario import Scenario
from rackforge.scenario.derived import (
    availability,
    available_hours,
    good_fraction,
    starts_per_good_unit,
)
from rackforge.twin import ReleaseMode, TwinOptions, simulate_scenario

# one unit, open all week, 90% efficient, up 45 h / down 5 h on average (A = 0.9); one step
# of 1 h per unit passing 80%, the rest scrapped
HOURS = 1.0
YIELD = 0.8
EXPECTED_GOOD_PER_WEEK = 168 * 0.9 * 0.9 / (HOURS / YIELD)  # 108.864


def saturated_line(qty: float = 200.0) -> Scenario:
    return build(
        items=[item("R", 100, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 2, "scrap": 0.2}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1)],
        resources=[resource("L", 1, 168, efficiency=0.9, mtbf_h=45.0, mttr_h=5.0)],
        operations=[
            {
                "site": "P",
                "item": "R",
                "step": 1,
                "resource": "L",
                "hours": HOURS,
                "yield": YIELD,
            }
        ],
        demand=[demand(f"d{w}", "R", w, qty, bp=50, lp=5000) for w in range(4)],
        horizon=4,
    )


def test_availability_by_hand() -> None:
    got = availability(np.array([45.0, np.nan, 10.0]), np.array([5.0, 2.0, 0.0]))
    assert got == pytest.approx([0.9, 1.0, 1.0])  # no MTBF, or no repair time: always up
    hours = available_hours(saturated_line())
    assert float(hours[("P", "L")]) == pytest.approx(168 * 0.9 * 0.9)


def test_good_fraction_of_a_routing_with_rework_and_scrap() -> None:
    # step 0 passes 90% and sends the rest back to itself (rework: nothing lost); step 1
    # passes 80% and scraps the rest: g = 0.8
    assert good_fraction(np.array([0.9, 0.8]), np.array([0, -1])) == pytest.approx(0.8)
    # two scrapping steps: g = 0.9 * 0.8
    assert good_fraction(np.array([0.9, 0.8]), np.array([-1, -1])) == pytest.approx(0.72)
    assert float(starts_per_good_unit(saturated_line())[("P", "R")]) == pytest.approx(1.25)


def test_plan_capacity_is_the_twins_throughput_on_a_saturated_line() -> None:
    s = saturated_line()
    result = plan(s)
    assert result.tables is not None
    made = result.tables.production.groupby("week")["qty"].sum()
    # demand (200 a week) is above capacity: the plan makes exactly capacity every week
    assert made.max() == pytest.approx(EXPECTED_GOOD_PER_WEEK, rel=1e-6)
    # the twin, fed more than the line can take, completes the same good units a week
    twin = simulate_scenario(
        s,
        TwinOptions(
            weeks=30,
            replications=6,
            seed=3,
            workers=1,
            release=ReleaseMode.RATE,
            release_rate_per_h=1.2,  # starts capacity is 168 * 0.81 / 1 = 136 a week
        ),
    )
    (line,) = twin.items
    got = line.throughput_per_week
    assert abs(got.mean - EXPECTED_GOOD_PER_WEEK) <= got.ci95 + 0.01 * EXPECTED_GOOD_PER_WEEK


def test_scrap_in_the_routing_consumes_material_in_plan_and_mrp() -> None:
    s = saturated_line(qty=40.0)
    # 2 K per R, 20% component scrap, 1 / 0.8 starts per good R: 2 / 0.8 / 0.8 = 3.125 K
    per_good = 2 / (1 - 0.2) / YIELD
    mrp = run_mrp(s)
    buys = mrp.orders(OrderType.BUY)
    assert buys["qty"].sum() == pytest.approx(4 * 40 * per_good)
    result = plan(s)
    assert result.tables is not None
    bought = result.tables.purchases["qty"].sum()
    made = result.tables.production["qty"].sum()
    assert made == pytest.approx(160.0)
    assert bought == pytest.approx(made * per_good)
