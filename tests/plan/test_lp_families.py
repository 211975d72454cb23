"""One hand-solved scenario per constraint family of the LP; the arithmetic is in each test."""

from __future__ import annotations

import pytest
from plan_scenarios import build, demand, item, offer

from rackforge.plan import (
    CauseKind,
    DomesticScope,
    Family,
    PlanInfeasibleError,
    PlanOptions,
    PlanResult,
    PlanStatus,
    SafetyStock,
    plan,
)
from rackforge.scenario import Scenario

# holding_rate 0.52 on a unit value of 100 -> 0.52 / 52 * 100 = 1 per unit-week
ONE_PER_WEEK = 0.52


def solved(result: PlanResult, objective: float) -> PlanResult:
    assert result.status is PlanStatus.OPTIMAL, result.message
    assert result.objective == pytest.approx(objective, rel=1e-9, abs=1e-6)
    assert sum(result.cost.values()) == pytest.approx(result.objective, rel=1e-9, abs=1e-6)
    return result


def test_purchase_arrives_after_its_lead_time() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=2)],
        demand=[demand("d", "K", 3, 5)],
        horizon=5,
        holding_rate=ONE_PER_WEEK,
    )
    # order in week 1, arrives in week 3 exactly: 5 x 10 = 50, nothing held
    r = solved(plan(s), 50)
    buy = r.tables.purchases
    assert buy[["week", "arrival_week", "qty"]].values.tolist() == [[1, 3, 5]]
    assert r.cost["holding"] == 0


def test_lead_time_makes_demand_late_and_is_named() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=2)],
        demand=[demand("d", "K", 1, 5, bp=2)],
        horizon=4,
    )
    # earliest arrival is week 2: 50 purchase + 5 units x 1 week x 2 backlog = 60
    r = solved(plan(s), 60)
    assert r.cost["backlog"] == pytest.approx(10)
    (late,) = r.late
    assert (late.late, late.lost, late.cause.kind) == (5, 0, CauseKind.LEAD_TIME)
    assert late.cause.weeks == (2,)


def test_bom_with_scrap_inflates_children() -> None:
    s = build(
        items=[item("R", 1000, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 2, "scrap": 0.2}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0, "cost": 1}],
        supply=[offer("K", 4)],
        demand=[demand("d", "R", 0, 4)],
        horizon=1,
    )
    # 4 racks x 2 / (1 - 0.2) = 10 K at 4 = 40, plus 4 x 1 production = 44
    r = solved(plan(s), 44)
    assert r.tables.purchases["qty"].sum() == pytest.approx(10)


def test_site_bom_line_replaces_the_blank_one() -> None:
    s = build(
        items=[item("R", 1000, "rack"), item("K", 10)],
        bom=[
            {"parent": "R", "child": "K", "qty": 2},
            {"parent": "R", "child": "K", "qty": 3, "site": "P"},
        ],
        make=[{"site": "P", "item": "R", "lead_weeks": 0, "cost": 1}],
        supply=[offer("K", 4)],
        demand=[demand("d", "R", 0, 4)],
        horizon=1,
    )
    # plant P uses its own line: 4 x 3 = 12 K x 4 = 48, + 4 = 52
    solved(plan(s), 52)


def resource_scenario(kind: str = "line", touch: dict[str, float] | None = None) -> Scenario:
    return build(
        items=[item("R", 100, "rack")],
        make=[{"site": "P", "item": "R", "lead_weeks": 0, "cost": 1}],
        resources=[{"site": "P", "resource": "L", "kind": kind, "units": 1, "hours_per_week": 10}],
        operations=[
            {"site": "P", "item": "R", "step": 1, "resource": "L", "hours": 1.0, "yield": 0.8}
        ],
        supply=[offer("R", 1e6)],
        demand=[demand("d", "R", 0, 10, bp=5)],
        horizon=2,
        touch=touch,
    )


def test_resource_hours_per_good_unit_divide_by_yield() -> None:
    # 1 h / 0.8 yield = 1.25 h per good rack; 10 h -> 8 racks in week 0, 2 one week late:
    # 10 x 1 production + 2 x 5 backlog = 20
    r = solved(plan(resource_scenario()), 20)
    prod = r.tables.production
    assert prod.set_index("week")["qty"].to_dict() == pytest.approx({0: 8, 1: 2})
    util = r.tables.utilization.set_index("week")["utilization"]
    assert util[0] == pytest.approx(1.0)
    (b,) = [b for b in r.bottlenecks if b.week == 0]
    # one more hour in week 0 = 0.8 more racks on time, each saving 5 of backlog
    assert (b.kind, b.id, b.shadow_price) == (Family.RESOURCE, "P/L", pytest.approx(4.0))
    assert r.late[0].cause.kind is CauseKind.RESOURCE and r.late[0].cause.id == "P/L"


def test_automation_lever_removes_touch_time() -> None:
    s = resource_scenario(kind="labor", touch={"labor": 0.2})
    # 1.25 h x (1 - 0.2) = 1 h per rack: 10 racks fit in week 0 (10 x 1 production)
    solved(plan(s), 10)
    solved(plan(s, PlanOptions(automation=False)), 20)


def test_supplier_capacity_splits_the_order() -> None:
    s = build(
        items=[item("K")],
        suppliers=[{"supplier": "S1", "country": "US"}, {"supplier": "S2", "country": "US"}],
        supply=[
            offer("K", 10, lead=1, supplier="S1", capacity_per_week=3),
            offer("K", 15, lead=1, supplier="S2"),
        ],
        demand=[demand("d", "K", 1, 5)],
        horizon=2,
    )
    # 3 from S1 at 10 + 2 from S2 at 15 = 60; a 4th unit from S1 would save 15 - 10 = 5
    r = solved(plan(s), 60)
    by = r.tables.purchases.set_index("supplier")["qty"].to_dict()
    assert by == pytest.approx({"S1": 3, "S2": 2})
    (b,) = r.bottlenecks
    assert (b.kind, b.id, b.week, b.shadow_price) == (Family.SUPPLIER, "S1", 0, pytest.approx(5))


def test_lane_capacity_delays_the_rest() -> None:
    s = build(
        sites=[
            {"site": "P", "kind": "plant", "country": "US"},
            {"site": "C", "kind": "customer", "country": "US"},
        ],
        items=[item("R", 100, "rack")],
        supply=[offer("R", 1000)],
        inventory=[{"site": "P", "item": "R", "on_hand": 10}],
        lanes=[
            {
                "from_site": "P",
                "to_site": "C",
                "lead_weeks": 1,
                "cost_per_unit": 2,
                "capacity_per_week": 4,
            }
        ],
        demand=[demand("d", "R", 1, 6, site="C", bp=3)],
        horizon=3,
    )
    # ship 4 in week 0 (on time), 2 in week 1 (one week late): 6 x 2 + 2 x 3 = 18
    r = solved(plan(s), 18)
    ship = r.tables.transfers.set_index("week")["qty"].to_dict()
    assert ship == pytest.approx({0: 4, 1: 2})
    assert r.late[0].cause.kind is CauseKind.LANE and r.late[0].cause.id == "P>C"
    lane = [b for b in r.bottlenecks if b.kind is Family.LANE and b.week == 0]
    assert lane[0].shadow_price == pytest.approx(3)


def test_make_capacity_builds_ahead_and_holds() -> None:
    # unit value 52 at holding rate 1.0 -> 1 per unit-week
    s = build(
        items=[item("R", 52, "rack")],
        make=[{"site": "P", "item": "R", "lead_weeks": 0, "cost": 1, "max_per_week": 3}],
        demand=[demand("d", "R", 1, 5)],
        horizon=2,
        holding_rate=1.0,
    )
    # 3 in week 1, 2 in week 0 held one week: 5 x 1 + 2 x 1 = 7
    r = solved(plan(s), 7)
    assert r.tables.production.set_index("week")["qty"].to_dict() == pytest.approx({0: 2, 1: 3})
    (b,) = [b for b in r.bottlenecks if b.kind is Family.MAKE]
    assert (b.id, b.week, b.shadow_price) == ("P/R", 1, pytest.approx(1))


def test_holding_cost_of_end_of_week_stock() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 1000)],
        inventory=[{"site": "P", "item": "K", "on_hand": 10}],
        demand=[demand("d", "K", 2, 4)],
        horizon=3,
        holding_rate=ONE_PER_WEEK,
    )
    # stock at the end of weeks 0, 1, 2: 10, 10, 6 units x 1 = 26
    r = solved(plan(s), 26)
    assert r.cost["holding"] == pytest.approx(26)
    assert r.tables.inventory["on_hand"].tolist() == pytest.approx([10, 10, 6])


def domestic_scenario(domestic: float, suppliers: tuple[str, ...] = ("F", "D")) -> Scenario:
    country = {"F": "TW", "D": "US"}
    prices = {"F": 10, "D": 20}
    return build(
        items=[item("K")],
        suppliers=[{"supplier": x, "country": country[x]} for x in suppliers],
        supply=[offer("K", prices[x], lead=1, supplier=x) for x in suppliers],
        demand=[demand("d", "K", 1, 10)],
        horizon=2,
        domestic=domestic,
    )


@pytest.mark.parametrize("scope", list(DomesticScope))
def test_domestic_content_share(scope: DomesticScope) -> None:
    # 20 xD >= 0.5 (20 xD + 10 xF), xD + xF = 10 -> xD >= 10/3; cost 10 xD + 100 = 400/3
    r = solved(plan(domestic_scenario(0.5), PlanOptions(domestic_scope=scope)), 400 / 3)
    assert r.kpis.domestic_share == pytest.approx(0.5)
    (b,) = [b for b in r.bottlenecks if b.kind is Family.DOMESTIC]
    # relaxing the row by e: 15 xD = 50 - e, cost falls by 10/15 per unit of e
    assert b.shadow_price == pytest.approx(2 / 3)


def test_impossible_domestic_content_loses_the_demand_and_says_why() -> None:
    r = solved(plan(domestic_scenario(0.5, ("F",))), 10 * (100 + 1))
    assert r.kpis.lost_units == 10
    assert r.late[0].cause.kind is CauseKind.DOMESTIC


def test_impossible_domestic_content_is_named_when_demand_must_be_met() -> None:
    r = plan(domestic_scenario(0.5, ("F",)), PlanOptions(must_meet_demand=True))
    assert r.status is PlanStatus.INFEASIBLE and not r.has_plan
    families = {c.family for c in r.conflicts}
    assert families == {Family.DOMESTIC, Family.DEMAND}
    # buying the 10 units needs 0.5 x 100 = 50 more domestic value; or 10 units short
    dom = [c for c in r.conflicts if c.family is Family.DOMESTIC]
    assert dom[0].violation == pytest.approx(50)
    assert "domestic_content" in r.message and "demand" in r.message
    with pytest.raises(PlanInfeasibleError, match="domestic_content"):
        r.raise_for_status()


def test_backlog_is_charged_per_unit_week() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=1)],
        demand=[demand("d", "K", 0, 5, bp=2, lp=100)],
        horizon=3,
    )
    # delivered in week 1: 5 x 10 + 5 x 2 x 1 = 60
    r = solved(plan(s), 60)
    assert (r.cost["purchase"], r.cost["backlog"]) == pytest.approx((50, 10))


def test_lost_sales_without_backlog() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=1)],
        demand=[demand("d", "K", 0, 5, bp=2, lp=100)],
        horizon=3,
        backlog=False,
    )
    # nothing can arrive in week 0 and late delivery is not allowed: 5 x 100 lost
    r = solved(plan(s), 500)
    assert r.tables.purchases.empty and r.kpis.lost_units == 5


def test_backlog_still_open_at_the_horizon_is_lost() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=3)],
        demand=[demand("d", "K", 0, 5, bp=2, lp=100)],
        horizon=3,
    )
    # backlogged weeks 0..2 (3 x 2) then lost (100): 5 x 106 = 530
    r = solved(plan(s), 530)
    assert (r.cost["backlog"], r.cost["lost"]) == pytest.approx((30, 500))


def tariff_scenario(override: float | None = None) -> Scenario:
    extra = {} if override is None else {"tariff": override}
    return build(
        items=[item("K")],
        suppliers=[{"supplier": "T", "country": "TW"}, {"supplier": "U", "country": "US"}],
        supply=[offer("K", 10, supplier="T", **extra), offer("K", 11.5, supplier="U")],
        demand=[demand("d", "K", 0, 10)],
        horizon=1,
        tariffs={"TW": 0.2},
    )


def test_tariff_country_rate_makes_the_import_dearer() -> None:
    # landed 10 x 1.2 = 12 > 11.5: buy 10 domestic for 115
    r = solved(plan(tariff_scenario()), 115)
    assert r.cost["tariff"] == 0 and set(r.tables.purchases["supplier"]) == {"U"}


def test_tariff_row_override_and_split_of_duty() -> None:
    # landed 10 x 1.1 = 11 < 11.5: purchase 100 (pre-duty) + duty 10
    r = solved(plan(tariff_scenario(override=0.1)), 110)
    assert (r.cost["purchase"], r.cost["tariff"]) == pytest.approx((100, 10))


@pytest.mark.parametrize(
    ("alt_price", "moq_cap", "objective", "supplier"),
    [
        (3.0, None, 10.0, "M"),  # 10 units at 1 (moq) = 10 < 4 x 3 = 12
        (2.0, None, 8.0, "A"),  # 4 x 2 = 8 < 10
        (3.0, 8.0, 12.0, "A"),  # capacity 8 < moq 10: M cannot deliver
    ],
)
def test_moq_needs_a_binary_order(
    alt_price: float, moq_cap: float | None, objective: float, supplier: str
) -> None:
    cap = {} if moq_cap is None else {"capacity_per_week": moq_cap}
    s = build(
        items=[item("K")],
        suppliers=[{"supplier": "M", "country": "US"}, {"supplier": "A", "country": "US"}],
        supply=[offer("K", 1, supplier="M", moq=10, **cap), offer("K", alt_price, supplier="A")],
        demand=[demand("d", "K", 0, 4)],
        horizon=1,
    )
    r = solved(plan(s), objective)
    assert r.info.mip
    assert set(r.tables.purchases["supplier"]) == {supplier}


def safety_scenario(lead: int) -> Scenario:
    return build(
        items=[item("K")],
        supply=[offer("K", 0.5, lead=lead)],
        inventory=[{"site": "P", "item": "K", "on_hand": 0, "safety_stock": 5}],
        demand=[demand("d", "K", 1, 1)],
        horizon=2,
        holding_rate=ONE_PER_WEEK / 10,
    )


@pytest.mark.parametrize("mode", list(SafetyStock))
def test_safety_stock_is_held_when_it_pays(mode: SafetyStock) -> None:
    # shortfall costs 1% x 100 = 1 per unit-week, more than a unit (0.5) held a week (0.1).
    # Buy 5 in week 0 and the demanded unit in week 1: 6 x 0.5 + 5 units x 2 weeks x 0.1 = 4
    r = solved(plan(safety_scenario(0), PlanOptions(safety_stock=mode)), 4)
    assert r.tables.inventory.set_index("week")["on_hand"].to_dict() == pytest.approx({0: 5, 1: 5})


def test_hard_safety_stock_that_cannot_be_met_is_named() -> None:
    r = plan(safety_scenario(1), PlanOptions(safety_stock=SafetyStock.HARD))
    assert r.status is PlanStatus.INFEASIBLE
    (c,) = r.conflicts
    assert (c.family, c.id, c.week, c.violation) == (Family.SAFETY_STOCK, "P/K", 0, 5)
