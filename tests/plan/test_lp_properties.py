"""Invariants of any plan, on small random networks: flow conservation, no negative stock,
deliveries within demand, non-negative cost parts that add up to the objective."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_scenarios import build, demand, item, offer

from rackforge.plan import PlanResult, PlanStatus, plan
from rackforge.scenario import Scenario

TOL = 1e-5


@st.composite
def networks(draw: st.DrawFn) -> Scenario:
    h = draw(st.integers(2, 5))
    lead = st.integers(0, 2)
    cap = st.one_of(st.none(), st.integers(1, 20).map(float))

    def opt(name: str, value: float | None) -> dict[str, Any]:
        return {} if value is None else {name: value}

    bom = [
        {
            "parent": "R",
            "child": "A",
            "qty": draw(st.integers(1, 3)),
            "scrap": draw(st.sampled_from([0.0, 0.1])),
        },
        {"parent": "R", "child": "K1", "qty": draw(st.integers(1, 2))},
        {
            "parent": "A",
            "child": "K2",
            "qty": draw(st.integers(1, 4)),
            "scrap": draw(st.sampled_from([0.0, 0.25])),
        },
    ]
    make = [
        {
            "site": "P",
            "item": "R",
            "lead_weeks": draw(st.integers(0, 1)),
            "cost": 5,
            **opt("max_per_week", draw(cap)),
        },
        {"site": "P", "item": "A", "lead_weeks": draw(st.integers(0, 1)), "cost": 2},
    ]
    resources = [
        {
            "site": "P",
            "resource": "L",
            "kind": "line",
            "units": 1,
            "hours_per_week": draw(st.integers(5, 40)),
        }
    ]
    operations = [
        {
            "site": "P",
            "item": item_,
            "step": 1,
            "resource": "L",
            "hours": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "yield": draw(st.sampled_from([0.8, 0.9, 1.0])),
        }
        for item_ in ("R", "A")
    ]
    supply = [
        offer("K1", 3, lead=draw(lead), supplier="S1", **opt("capacity_per_week", draw(cap))),
        offer("K1", 2, lead=draw(lead), supplier="S2", moq=draw(st.sampled_from([0, 0, 5]))),
        offer("K2", 1, lead=draw(lead), supplier="S2", **opt("capacity_per_week", draw(cap))),
    ]
    inventory = [
        {
            "site": "P",
            "item": i,
            "on_hand": draw(st.integers(0, 10)),
            "safety_stock": draw(st.sampled_from([0, 0, 2])),
        }
        for i in ("R", "K1", "K2")
    ]
    receipts = [
        {
            "site": "P",
            "item": "K2",
            "week": draw(st.integers(0, h - 1)),
            "qty": draw(st.integers(0, 10)),
        }
    ]
    weeks = draw(st.lists(st.integers(0, h - 1), min_size=1, max_size=4))
    dem = [
        demand(
            f"d{i}",
            "R",
            w,
            draw(st.integers(1, 8)),
            site="C",
            bp=draw(st.sampled_from([1, 20])),
            lp=500,
        )
        for i, w in enumerate(weeks)
    ]
    return build(
        sites=[
            {"site": "P", "kind": "plant", "country": "US"},
            {"site": "C", "kind": "customer", "country": "US"},
        ],
        items=[item("R", 400, "rack"), item("A", 80, "assembly"), item("K1", 10), item("K2", 5)],
        suppliers=[{"supplier": "S1", "country": "US"}, {"supplier": "S2", "country": "TW"}],
        bom=bom,
        make=make,
        resources=resources,
        operations=operations,
        supply=supply,
        inventory=inventory,
        receipts=receipts,
        lanes=[
            {
                "from_site": "P",
                "to_site": "C",
                "lead_weeks": draw(st.integers(0, 1)),
                "cost_per_unit": 1,
                **opt("capacity_per_week", draw(cap)),
            }
        ],
        demand=dem,
        horizon=h,
        backlog=draw(st.booleans()),
        holding_rate=0.25,
        domestic=draw(st.sampled_from([0.0, 0.3])),
        tariffs={"TW": 0.2},
    )


def stock_from_flows(s: Scenario, r: PlanResult) -> dict[tuple[str, str, int], float]:
    """End-of-week stock rebuilt from the plan's flow tables and the scenario alone."""
    t = r.tables
    assert t is not None
    delta: dict[tuple[str, str, int], float] = defaultdict(float)
    for row in s.receipts.itertuples():
        delta[(row.site, row.item, row.week)] += row.qty
    for row in t.production.itertuples():
        delta[(row.site, row.item, row.available_week)] += row.qty
        for b in s.bom[s.bom["parent"] == row.item].itertuples():
            delta[(row.site, b.child, row.week)] -= row.qty * b.qty / (1 - b.scrap)
    for row in t.purchases.itertuples():
        delta[(row.site, row.item, row.arrival_week)] += row.qty
    for row in t.transfers.itertuples():
        delta[(row.to_site, row.item, row.arrival_week)] += row.qty
        delta[(row.from_site, row.item, row.week)] -= row.qty
    for row in t.deliveries.itertuples():
        delta[(row.site, row.item, row.week)] -= row.qty
    stock = {}
    opening = s.inventory.set_index(["site", "item"])["on_hand"]
    for site, item_ in {(k[0], k[1]) for k in delta} | set(opening.index):
        level = float(opening.get((site, item_), 0.0))
        for w in s.weeks:
            level += delta.get((site, item_, w), 0.0)
            stock[(site, item_, w)] = level
    return stock


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(networks())
def test_plan_invariants(s: Scenario) -> None:
    r = plan(s)
    assert r.status is PlanStatus.OPTIMAL
    assert r.tables is not None
    # cost parts are non-negative and add up to the objective
    assert all(v >= -TOL for v in r.cost.values())
    assert sum(r.cost.values()) == pytest.approx(r.objective, rel=1e-6, abs=1e-6)
    # flow conservation: the stock table equals opening stock plus every flow in and out
    rebuilt = stock_from_flows(s, r)
    table = r.tables.inventory.set_index(["site", "item", "week"])["on_hand"]
    for key, level in rebuilt.items():
        assert level >= -TOL  # no negative stock
        assert float(table.get(key, 0.0)) == pytest.approx(level, abs=1e-4)
    # never more delivered than demanded, and what is not delivered is lost
    service = r.tables.service
    delivered = r.tables.deliveries.groupby("demand")["qty"].sum()
    for row in service.itertuples():
        got = float(delivered.get(row.demand, 0.0))
        assert got <= row.qty + TOL
        assert got + row.lost == pytest.approx(row.qty, abs=1e-5)
    if not s.config.backlog:
        assert (r.tables.deliveries["late_weeks"] == 0).all()
