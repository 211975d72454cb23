"""Time to survive and performance impact on networks small enough to work out by hand.

Every expected value is derived in the test from the stock, rates and lead times, as in the
worked examples of Simchi-Levi et al. (HBR 2014; Interfaces 2015): a node down for good leaves
a stock ``s`` that drains at the net rate ``d*q - C`` (demand times BOM quantity, minus what the
remaining sources can send), so ``TTS = s / (d*q - C)``.
"""

from __future__ import annotations

import math

import pytest
from risk_networks import Part, PlantNetwork, Risk, Source, one_part

from rackforge.risk import NodeKind, NodeStatus, RiskOptions, assess
from rackforge.scenario import Scenario


def node(scenario: Scenario, target: str, **options: object):  # type: ignore[no-untyped-def]
    report = assess(scenario, RiskOptions(**options))  # type: ignore[arg-type]
    return next(n for n in report.nodes if n.target == target)


def test_single_supplier_down_survives_on_stock() -> None:
    # 1 rack needs 2 parts; 100 parts on hand; demand 10 racks a week = 20 parts a week.
    # The only supplier down for good: 100 / 20 = 5 weeks.
    # Down for its TTR of 8 weeks: weeks 5, 6, 7 go unserved -> 3 * 10 = 30 racks lost.
    s = one_part(risks=(Risk("sup-a", ttr_weeks=8),))
    a = node(s, "sup-a")
    assert a.tts_weeks == pytest.approx(5.0, abs=1e-6)
    assert a.impact_units == pytest.approx(30.0, abs=1e-6)
    assert a.exposed and a.status is NodeStatus.EXPOSED
    assert a.kind is NodeKind.SUPPLIER
    assert a.limited_by == "part@plant"
    assert a.lost_by_demand == pytest.approx({"rack@plant": 30.0})
    # lost_penalty defaults to 2 x unit_value = 2,000 a rack
    assert a.impact_value == pytest.approx(30 * 2000.0)


def test_second_source_stretches_survival() -> None:
    # A second supplier sends X = 12 parts a week: the stock drains at 20 - 12 = 8 a week,
    # so TTS = 100 / 8 = 12.5 weeks (12 full weeks leave 4 parts; week 13 runs at half rate:
    # 4 + 12*theta = 20*theta -> theta = 0.5). In 8 weeks only 64 of 100 parts are used: no loss.
    s = one_part(
        sources=(Source("sup-a"), Source("sup-b", capacity=12.0)),
        horizon=20,
        risks=(Risk("sup-a", ttr_weeks=8),),
    )
    a = node(s, "sup-a")
    assert a.tts_weeks == pytest.approx(12.5, abs=1e-6)
    assert a.impact_units == pytest.approx(0.0, abs=1e-6)
    assert a.status is NodeStatus.COVERED


def test_exact_drain_rate_matches_the_continuous_formula() -> None:
    # X = 10: 100 / (20 - 10) = 10 weeks exactly (the fractional last week adds nothing).
    s = one_part(sources=(Source("sup-a"), Source("sup-b", capacity=10.0)), horizon=16)
    assert node(s, "sup-a").tts_weeks == pytest.approx(10.0, abs=1e-6)


def test_lead_time_of_the_second_source_delays_relief() -> None:
    # sup-b sends 10 a week but with a 3-week lead: nothing arrives in weeks 0-2, so the stock
    # falls to 100 - 3*20 = 40, then drains at 20 - 10 = 10 a week for 4 more weeks: TTS = 7.
    s = one_part(sources=(Source("sup-a"), Source("sup-b", capacity=10.0, lead=3)), horizon=16)
    assert node(s, "sup-a").tts_weeks == pytest.approx(7.0, abs=1e-6)


def test_capacity_factor_keeps_part_of_the_supplier() -> None:
    # sup-a has 20 a week and keeps half (10) while disrupted: 100 / (20 - 10) = 10 weeks.
    s = one_part(
        sources=(Source("sup-a", capacity=20.0),),
        horizon=16,
        risks=(Risk("sup-a", ttr_weeks=4, capacity_factor=0.5),),
    )
    a = node(s, "sup-a")
    assert a.capacity_factor == 0.5
    assert a.tts_weeks == pytest.approx(10.0, abs=1e-6)


def test_unbounded_supplier_keeps_a_share_of_its_planned_peak() -> None:
    # Unbounded sup-a: its nominal capacity is its peak planned flow. The plan buys 20 a week
    # once the stock is gone (it holds no stock, costing holding), so half is 10 a week and
    # TTS = 100 / (20 - 10) = 10 weeks, as with a declared capacity of 20.
    s = one_part(horizon=16, risks=(Risk("sup-a", ttr_weeks=4, capacity_factor=0.5),))
    assert node(s, "sup-a").tts_weeks == pytest.approx(10.0, abs=1e-6)


def test_open_receipts_count_as_stock() -> None:
    # 40 on hand plus a receipt of 60 in week 1: both are there before they run out
    # (40 covers weeks 0-1), so TTS = (40 + 60) / 20 = 5 weeks, the same as 100 on hand.
    s = one_part(on_hand=40.0, receipts=(("part", 1, 60.0),))
    assert node(s, "sup-a").tts_weeks == pytest.approx(5.0, abs=1e-6)
    # A receipt that lands after the stock is gone (week 3, after 40/20 = 2 weeks) leaves a gap:
    s = one_part(on_hand=40.0, receipts=(("part", 3, 60.0),))
    assert node(s, "sup-a").tts_weeks == pytest.approx(2.0, abs=1e-6)


def test_plant_down_lives_on_finished_racks() -> None:
    # The plant stops; 30 finished racks on hand at 10 a week last 3 weeks. TTR 2 -> no loss;
    # with the plant's risk row at TTR 5, weeks 3 and 4 are lost: 20 racks.
    s = one_part(rack_on_hand=30.0, risks=(Risk("plant", ttr_weeks=5),))
    p = node(s, "plant")
    assert p.kind is NodeKind.PLANT
    assert p.tts_weeks == pytest.approx(3.0, abs=1e-6)
    assert p.impact_units == pytest.approx(20.0, abs=1e-6)
    assert p.exposed


def test_two_parts_the_scarcer_one_decides() -> None:
    # Part a: 2 per rack, 100 on hand -> 5 weeks; part b: 1 per rack, 70 on hand -> 7 weeks.
    # One supplier sells both and goes down: TTS = min(5, 7) = 5 and part a runs short.
    parts = (
        Part("pa", 2.0, 100.0, (Source("main"),)),
        Part("pb", 1.0, 70.0, (Source("main"),)),
    )
    s = PlantNetwork(parts, risks=(Risk("main", ttr_weeks=6),)).scenario()
    m = node(s, "main")
    assert m.tts_weeks == pytest.approx(5.0, abs=1e-6)
    assert m.limited_by == "pa@plant"
    assert m.impact_units == pytest.approx(10.0, abs=1e-6)  # week 5 of a 6-week outage


def test_nodes_without_risk_row_use_the_default_ttr() -> None:
    s = one_part(sources=(Source("sup-a"), Source("sup-b", capacity=5.0)))
    report = assess(s, RiskOptions(default_ttr_weeks=7.0))
    b = next(n for n in report.nodes if n.target == "sup-b")
    assert not b.ttr_from_risk_table and b.ttr_weeks == 7.0
    assert math.isinf(b.tts_weeks) and b.status is NodeStatus.SURVIVES
    assert b.to_dict()["ttr_source"] == "default"


def test_ranked_by_impact_and_serialisable(tiny: Scenario) -> None:
    report = assess(tiny)
    impacts = [n.impact_units for n in report.nodes]
    assert impacts == sorted(impacts, reverse=True)
    data = report.to_dict()
    for row in data["nodes"]:
        assert {"target", "kind", "tts_weeks", "ttr_weeks", "impact_units", "exposed"} <= set(row)
    assert data["demand_units"] == 50.0 and data["baseline_shortfall_units"] == 0.0


def test_bundled_tiny_by_hand(tiny: Scenario) -> None:
    # tiny: rack-t = 2 trays (4 gpu-t each) + 1 frame-t, made at plant-a (1 week), shipped to
    # dc-1 (1 week); demand 10 a week in weeks 3-7; 10 frames and 100 + 80 GPUs in stock.
    by = {n.target: n for n in assess(tiny).nodes}
    # sup-us is the only frame source: 10 frames = 10 racks -> the week-3 demand, none after:
    # weeks 0-3 are served, TTS = 4. Down 4 weeks (default TTR): frames ordered in week 4
    # arrive in 5, racks reach dc-1 in week 7: weeks 4, 5, 6 lost = 30 racks.
    assert by["sup-us"].tts_weeks == pytest.approx(4.0, abs=1e-6)
    assert by["sup-us"].impact_units == pytest.approx(30.0, abs=1e-6)
    assert by["sup-us"].limited_by == "frame-t@plant-a"
    # sup-tw: sup-us can send 100 GPUs a week with a shorter lead: never short.
    assert math.isinf(by["sup-tw"].tts_weeks)
    # plant-a stops making and shipping: nothing reaches dc-1 for week 3 -> TTS = 3; down
    # 2 weeks, racks started in week 2 reach dc-1 in week 4: week 3 lost = 10.
    assert by["plant-a"].tts_weeks == pytest.approx(3.0, abs=1e-6)
    assert by["plant-a"].impact_units == pytest.approx(10.0, abs=1e-6)
    # The lane keeps half of its peak of 10 a week: 5 a week. Racks exist from week 1, so
    # shipments in weeks 1 and 2 (5 + 5) cover week 3; from week 4 racks arrive at 5 a week
    # against a demand of 10 with none in stock -> TTS = 4 (no fractional week).
    assert by["plant-a>dc-1"].tts_weeks == pytest.approx(4.0, abs=1e-6)
    assert by["plant-a>dc-1"].impact_units == pytest.approx(0.0, abs=1e-6)


def test_parallel_workers_give_the_same_report(tiny: Scenario) -> None:
    one = assess(tiny, RiskOptions(workers=1)).to_dict()
    two = assess(tiny, RiskOptions(workers=2)).to_dict()
    assert one == two


def test_covered_yet_losing_demand_after_a_lead_time() -> None:
    # One supplier, lead 3, capacity exactly the weekly need of 20 parts (no catch-up); 100 in
    # stock. Down for good, the stock lasts 100 / 20 = 5 weeks >= TTR 4: covered. But orders of
    # weeks 0-3 never ship, so arrivals of weeks 3-6 are missing: the stock covers weeks 0-4
    # and weeks 5 and 6 lose 10 racks each. Impact 20 racks, first lost in week 5.
    s = one_part(
        sources=(Source("sup-a", capacity=20.0, lead=3),), risks=(Risk("sup-a", ttr_weeks=4),)
    )
    a = node(s, "sup-a")
    assert a.tts_weeks == pytest.approx(5.0, abs=1e-6)
    assert not a.exposed and a.status is NodeStatus.COVERED_WITH_LOSS
    assert a.impact_units == pytest.approx(20.0, abs=1e-6)
    assert a.first_loss_week == 5


@pytest.mark.parametrize(
    ("lead", "start", "tts", "lost", "first"),
    [
        # The undisrupted plan draws the 100 parts on hand first (20 a week) and buys from
        # week 5. Down from week s for good, the stock left is 100 - 20 s: TTS = 5 - s weeks.
        # Down for the TTR of 8 weeks from s, weeks 5..s+7 go unserved: (s + 3) x 10 racks.
        (0, 0, 5.0, 30.0, 5),
        (0, 2, 3.0, 50.0, 5),
        (0, 4, 1.0, 70.0, 5),
        # Lead 2: the plan's order of week 3 is in transit at week 4 and arrives in week 5, so
        # an outage from week 4 survives weeks 4 and 5; orders placed again in week 12 arrive
        # after the horizon: weeks 6..11 lost. From week 0, orders resume in week 8 and arrive
        # in week 10: weeks 5..9 lost.
        (2, 0, 5.0, 50.0, 5),
        (2, 4, 2.0, 60.0, 6),
    ],
)
def test_an_outage_from_a_later_week_sees_the_stock_left_then(
    lead: int, start: int, tts: float, lost: float, first: int
) -> None:
    """No foresight: before the start every arc keeps to the undisrupted plan, so nothing is
    stocked up ahead of an outage the network does not know of."""
    s = one_part(
        sources=(Source("sup-a", capacity=30.0, lead=lead),), risks=(Risk("sup-a", ttr_weeks=8),)
    )
    a = node(s, "sup-a", start_week=start)
    assert a.tts_weeks == pytest.approx(tts, abs=1e-5)
    assert a.impact_units == pytest.approx(lost, abs=1e-4)
    assert a.first_loss_week == first and a.start_week == start


def test_a_start_week_outside_the_horizon_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the horizon"):
        assess(one_part(), RiskOptions(start_week=12))


def test_the_availability_of_a_later_partial_outage() -> None:
    from rackforge.risk.baseline import availability

    assert availability(0.5, 2.5, 8, 3).tolist() == [1, 1, 1, 0.5, 0.5, 0.75, 1, 1]
    assert availability(0.0, math.inf, 5, 2).tolist() == [1, 1, 0, 0, 0]


@pytest.mark.parametrize("start", [0, 3, 6])
def test_no_demand_is_lost_before_the_outage_begins(tiny: Scenario, start: int) -> None:
    report = assess(tiny, RiskOptions(start_week=start))
    assert report.start_week == start
    for n in report.nodes:
        assert n.first_loss_week is None or n.first_loss_week >= start, n.target
