"""The cheapest set of expansions (rackforge.plan.expansion) against hand-computed answers and
against brute force over every whole-unit expansion of a small plant."""

from __future__ import annotations

import itertools
import math

import pytest
from plan_scenarios import build, demand, item, offer, resource
from test_derived_capacity import EXPECTED_GOOD_PER_WEEK, HOURS, YIELD

from rackforge import load_scenario
from rackforge.documents import DocumentKind, check_document
from rackforge.plan import PlanOptions, plan
from rackforge.plan.ceiling import solve_rate
from rackforge.plan.expansion import ExpansionStatus, cheapest_expansion
from rackforge.plan.lp.solve import SolverSettings
from rackforge.scenario import Scenario


def line(cost: float = 1000.0, lead: int = 0, units: int = 1) -> Scenario:
    """One line (108.864 good racks a week per unit, see test_derived_capacity) that may grow
    at ``cost`` a unit, working ``lead`` weeks after the start; 4 weeks, all in the window."""
    return build(
        items=[item("R", 100, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 2, "scrap": 0.2}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1)],
        resources=[
            resource(
                "L",
                units,
                168,
                efficiency=0.9,
                mtbf_h=45.0,
                mttr_h=5.0,
                expand_cost=cost,
                expand_lead_weeks=lead,
            )
        ],
        operations=[
            {"site": "P", "item": "R", "step": 1, "resource": "L", "hours": HOURS, "yield": YIELD}
        ],
        demand=[demand(f"d{w}", "R", w, 200.0, bp=50, lp=5000) for w in range(4)],
        horizon=4,
    )


@pytest.mark.parametrize(
    ("target", "lead", "added"),
    [
        (200.0, 0, 1),  # ceil(200 / 108.864) = 2 units
        (300.0, 0, 2),  # ceil(300 / 108.864) = 3 units
        # from week 2 only: 108.864 x (2 x 1 + 2 x (1 + e)) >= 4 x 200 gives e >= 1.67
        (200.0, 2, 2),
    ],
)
def test_whole_units_by_hand(target: float, lead: int, added: int) -> None:
    found = cheapest_expansion(line(lead=lead), target, weeks=4)
    assert found.status is ExpansionStatus.REACHED
    (e,) = found.expansions
    assert (e.table, e.key, e.column, e.old, e.new) == (
        "resources",
        {"site": "P", "resource": "L"},
        "units",
        1.0,
        1.0 + added,
    )
    assert e.cost == pytest.approx(1000.0 * added)
    assert e.first_week == ("2026-W03" if lead == 2 else "2026-W01")
    assert found.racks_per_week == pytest.approx(target, rel=1e-6)
    assert found.racks_per_week_after == pytest.approx((1 + added) * EXPECTED_GOOD_PER_WEEK)


def test_nothing_is_bought_below_the_ceiling_and_nothing_priced_says_so() -> None:
    assert cheapest_expansion(line(), 100.0, weeks=4).status is ExpansionStatus.NOTHING_NEEDED
    none = cheapest_expansion(line(cost=math.nan), 200.0, weeks=4)
    assert none.status is ExpansionStatus.NOT_PRICED and not none.expansions


def test_a_limit_without_a_price_is_named_when_the_target_is_out_of_reach() -> None:
    s = line()
    s = s.with_tables(make=s.make.assign(max_per_week=150.0))  # the make limit is not priced
    found = cheapest_expansion(s, 200.0, weeks=4)
    assert found.status is ExpansionStatus.UNREACHABLE
    assert found.racks_per_week == pytest.approx(150.0, rel=1e-6)
    assert found.held_by == ["make P/R"]
    assert "make P/R" in found.sentence("USD")


def test_a_priced_make_limit_grows_with_the_line() -> None:
    s = line()
    s = s.with_tables(make=s.make.assign(max_per_week=150.0, expand_cost=10.0))
    found = cheapest_expansion(s, 200.0, weeks=4)
    got = {(e.table, e.column): (e.old, e.new) for e in found.expansions}
    assert got == {("resources", "units"): (1.0, 2.0), ("make", "max_per_week"): (150.0, 200.0)}
    assert found.cost == pytest.approx(1000.0 + 50 * 10.0)


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    s = load_scenario("tiny")
    return s.with_tables(resources=s.resources.assign(expand_cost=[1000.0, 5000.0, 20000.0]))


@pytest.mark.parametrize("target", [15.0, 22.0])
def test_the_cheapest_set_is_the_brute_force_optimum(tiny: Scenario, target: float) -> None:
    """Every whole-unit expansion of tiny's three resources (up to 3, 4 and 2 units), cheapest
    first: the first that reaches the target is the optimum."""
    settings = SolverSettings()
    costs = tiny.resources["expand_cost"].to_numpy(float)
    combos = sorted(itertools.product(range(4), range(5), range(3)), key=lambda c: float(costs @ c))
    best = None
    for added in combos:
        copy = tiny.with_tables(
            resources=tiny.resources.assign(units=tiny.resources["units"] + list(added))
        )
        if solve_rate(copy, 8, settings)[0] >= target - 1e-6:
            best = float(costs @ added)
            break
    found = cheapest_expansion(tiny, target)
    assert found.status is ExpansionStatus.REACHED
    assert found.cost == pytest.approx(best)
    assert found.racks_per_week_after >= target - 1e-6


def test_metamorphic_a_higher_target_later_or_dearer_never_costs_less(tiny: Scenario) -> None:
    base = cheapest_expansion(tiny, 15.0).cost
    assert cheapest_expansion(tiny, 18.0).cost >= base
    later = tiny.with_tables(resources=tiny.resources.assign(expand_lead_weeks=2))
    assert cheapest_expansion(later, 15.0).cost >= base
    dearer = tiny.with_tables(
        resources=tiny.resources.assign(expand_cost=[2000.0, 6000.0, 20000.0])
    )
    assert cheapest_expansion(dearer, 15.0).cost >= base
    cheaper = tiny.with_tables(
        resources=tiny.resources.assign(expand_cost=[500.0, 4000.0, 10000.0])
    )
    assert cheapest_expansion(cheaper, 15.0).cost <= base
    looser = tiny.with_tables(resources=tiny.resources.assign(units=tiny.resources["units"] + 1))
    assert cheapest_expansion(looser, 15.0).cost <= base  # more of every limit: no dearer


def test_the_plan_document_carries_the_expansion(tiny: Scenario) -> None:
    result = plan(tiny, PlanOptions(ceiling=True, expand_to=15.0))
    assert result.ceiling is not None and result.ceiling.expansion is not None
    doc = result.to_dict()
    check_document(DocumentKind.PLAN, doc)
    got = doc["ceiling"]["expansion"]
    assert got["status"] == "reached" and got["target_per_week"] == 15.0
    assert got["cost"] == pytest.approx(sum(e["cost"] for e in got["expansions"]))
    lift = doc["ceiling"]["lifts"][0]
    assert lift["cost"] == pytest.approx((lift["to"] - lift["from"]) * 5000.0)  # test-1
