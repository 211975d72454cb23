"""MRP against explosions computed by hand with Orlicky's record (gross, scheduled receipts,
projected on hand, net requirements, planned receipts and releases)."""

from __future__ import annotations

from typing import Any

import pytest
from plan_scenarios import build, demand, item, offer

from rackforge.plan import ExceptionKind, MrpResult, MrpStatus, OrderType, plan, run_mrp
from rackforge.scenario import Scenario


def orders(result: MrpResult, kind: OrderType) -> list[tuple[Any, ...]]:
    po = result.orders(kind)
    return [
        (r.item, r.source, r.release_week, r.due_week, pytest.approx(r.qty))
        for r in po.sort_values(["item", "due_week"]).itertuples()
    ]


def two_level() -> Scenario:
    return build(
        items=[item("R", 1000, "rack"), item("T", 200, "assembly"), item("G", 10), item("F", 50)],
        suppliers=[{"supplier": "S1", "country": "US"}, {"supplier": "S2", "country": "TW"}],
        bom=[
            {"parent": "R", "child": "T", "qty": 2},
            {"parent": "R", "child": "F", "qty": 1},
            {"parent": "T", "child": "G", "qty": 4, "scrap": 0.2},
        ],
        make=[
            {"site": "P", "item": "R", "lead_weeks": 1, "cost": 7},
            {"site": "P", "item": "T", "lead_weeks": 1, "cost": 3},
        ],
        supply=[
            offer("G", 10, lead=2, supplier="S1"),
            offer("G", 9, lead=1, supplier="S2"),
            offer("F", 50, lead=1, supplier="S1", moq=6),
        ],
        inventory=[
            {"site": "P", "item": "R", "on_hand": 2},
            {"site": "P", "item": "T", "on_hand": 3, "safety_stock": 1},
            {"site": "P", "item": "G", "on_hand": 10},
        ],
        receipts=[{"site": "P", "item": "G", "week": 1, "qty": 20}],
        demand=[demand("d3", "R", 3, 5), demand("d4", "R", 4, 4)],
        horizon=6,
        tariffs={"TW": 0.2},
    )


def test_two_level_explosion_by_hand() -> None:
    r = run_mrp(two_level())
    assert r.status is MrpStatus.OK and r.exceptions == []
    assert r.low_level_codes == {"R": 0, "T": 1, "F": 1, "G": 2}
    # R: gross w3 5, w4 4; on hand 2 -> planned receipts 3 (w3), 4 (w4); lead 1
    # T: gross = 2 x R releases = 6 (w2), 8 (w3); on hand 3, safety 1 -> 4 (w2), 8 (w3)
    assert orders(r, OrderType.MAKE) == [
        ("R", "P", 2, 3, 3),
        ("R", "P", 3, 4, 4),
        ("T", "P", 1, 2, 4),
        ("T", "P", 2, 3, 8),
    ]
    # F: gross 3 (w2), 4 (w3), nothing on hand, moq 6 -> 6 in w2 (3 left), 6 in w3 (5 left)
    # G: gross = 4 / (1 - 0.2) = 5 per T release = 20 (w1), 40 (w2); on hand 10 + 20 received
    #    in w1 -> short 30 in w2; S1 lands at 10 < S2's 9 x 1.2 = 10.8; lead 2 -> release w0
    assert orders(r, OrderType.BUY) == [
        ("F", "S1", 1, 2, 6),
        ("F", "S1", 2, 3, 6),
        ("G", "S1", 0, 2, 30),
    ]
    rec = r.records.set_index(["item", "week"])
    assert rec.loc[("T", 2), "projected_on_hand"] == pytest.approx(1)  # 3 + 4 - 6
    assert rec.loc[("F", 3), "net_requirement"] == pytest.approx(1)  # 3 left - 4
    assert rec.loc[("F", 3), "projected_on_hand"] == pytest.approx(5)
    assert rec.loc[("G", 1), "projected_on_hand"] == pytest.approx(10)  # 10 + 20 - 20
    g = r.orders(OrderType.BUY).set_index("item").loc["G"]
    assert g["cost"] == pytest.approx(30 * 10)


def test_bundled_tiny_by_hand(tiny: Scenario) -> None:
    r = run_mrp(tiny)
    # 10 racks a week due at dc-1 in weeks 3..7, shipped a week earlier from plant-a
    assert orders(r, OrderType.TRANSFER) == [
        ("rack-t", "plant-a", w - 1, w, 10) for w in range(3, 8)
    ]
    # gpu-t: gross 80 a week in weeks 1..5, 100 on hand + 80 received in week 1 ->
    # short 60 (w3), 80 (w4), 80 (w5); sup-tw lands at 50 x 1.15 = 57.5 < sup-us 60, lead 2
    assert orders(r, OrderType.BUY)[-3:] == [
        ("gpu-t", "sup-tw", 1, 3, 60),
        ("gpu-t", "sup-tw", 2, 4, 80),
        ("gpu-t", "sup-tw", 3, 5, 80),
    ]
    assert r.status is MrpStatus.OK


def test_mrp_matches_the_uncapacitated_lp_purchases(tiny: Scenario) -> None:
    # tiny has spare capacity, so the least-cost plan buys GPUs just in time, as MRP does
    lp = plan(tiny).tables.purchases
    lp_gpu = lp[lp["item"] == "gpu-t"].groupby("week")["qty"].sum().to_dict()
    mrp_gpu = run_mrp(tiny).orders(OrderType.BUY).query("item == 'gpu-t'")
    assert lp_gpu == pytest.approx(mrp_gpu.set_index("release_week")["qty"].to_dict())


def test_past_due_release() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 10, lead=2)],
        demand=[demand("d", "K", 1, 5)],
        horizon=3,
    )
    r = run_mrp(s)
    (e,) = r.exceptions
    # due week 1, lead 2 -> should have been released in week -1
    assert (e.kind, e.item, e.week, e.qty) == (ExceptionKind.PAST_DUE, "K", -1, 5)
    assert r.planned_orders["past_due"].tolist() == [True]


def test_no_source_names_the_missing_component() -> None:
    s = build(
        sites=[
            {"site": "P", "kind": "plant", "country": "US"},
            {"site": "Q", "kind": "plant", "country": "US"},
        ],
        items=[item("R", 100, "rack"), item("K")],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1, site="Q")],
        demand=[demand("d", "R", 1, 3)],
        horizon=2,
    )
    r = run_mrp(s)
    (e,) = r.exceptions
    assert (e.kind, e.site, e.item, e.week, e.qty) == (ExceptionKind.NO_SOURCE, "P", "K", 1, 3)
    late = plan(s).late[0]
    assert late.cause.kind.value == "no_source" and late.cause.id == "P/K"


def test_over_capacity_is_flagged_not_limited() -> None:
    s = build(
        items=[item("K")],
        supply=[offer("K", 1, capacity_per_week=4)],
        demand=[demand("d", "K", 1, 6)],
        horizon=2,
    )
    r = run_mrp(s)
    (e,) = r.exceptions
    assert (e.kind, e.week, e.qty) == (ExceptionKind.OVER_CAPACITY, 1, pytest.approx(2))
    assert r.planned_orders["qty"].sum() == pytest.approx(6)
