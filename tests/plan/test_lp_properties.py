"""Invariants of any plan, on small random networks: flow conservation, no negative stock,
deliveries within demand, non-negative cost parts that add up to the objective."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from plan_scenarios import networks

from rackforge.plan import PlanResult, PlanStatus, plan
from rackforge.scenario import Scenario

TOL = 1e-5


def stock_from_flows(s: Scenario, r: PlanResult) -> dict[tuple[str, str, int], float]:
    """End-of-week stock rebuilt from the plan's flow tables and the scenario alone."""
    t = r.tables
    assert t is not None
    delta: dict[tuple[str, str, int], float] = defaultdict(float)
    for row in s.receipts.itertuples():
        delta[(row.site, row.item, row.week)] += row.qty
    for row in t.production.itertuples():
        delta[(row.site, row.item, row.available_week)] += row.qty
        # the parent's one-step routing scraps 1 - yield of the units started, each with its
        # material: 1 / yield starts per good unit
        ops = s.operations
        step = ops[(ops["site"] == row.site) & (ops["item"] == row.item)]
        starts = 1.0 / float(step["yield"].iloc[0]) if len(step) else 1.0
        for b in s.bom[s.bom["parent"] == row.item].itertuples():
            delta[(row.site, b.child, row.week)] -= row.qty * b.qty / (1 - b.scrap) * starts
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
