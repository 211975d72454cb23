"""Generation choice, the co-design comparison and the timing of rack demand."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roadmap_sample import valid_roadmap

from rackforge import Scenario
from rackforge.roadmap import (
    Objective,
    RoadmapOptions,
    RoadmapStatus,
    WorkloadStatus,
    parse_roadmap,
    plan_roadmap,
    spread,
)
from rackforge.roadmap.results import RoadmapResult


def plan(scenario: Scenario, raw: dict[str, Any], **options: Any) -> RoadmapResult:
    return plan_roadmap(scenario, parse_roadmap(raw, scenario), RoadmapOptions(**options))


def one_run(**changes: Any) -> dict[str, Any]:
    raw = valid_roadmap()
    raw["runs"] = [{**raw["runs"][0], **changes}]
    raw["fleets"] = []
    return raw


def test_hand_computed_run_on_both_generations(two_racks: Scenario) -> None:
    result = plan(two_racks, one_run())
    by_gen = {c.generation: c for c in result.comparison}
    # rack-t: 1e27 / (5e15 * 0.4 * 0.9 * 90 * 86400) = 71,444.9 GPUs -> 993 racks of 72
    now = by_gen["rack-t"]
    assert (now.gpus, now.racks) == (71_445, 993)
    assert now.it_mw == pytest.approx(993 * 0.132)
    assert now.facility_mw == pytest.approx(993 * 0.132 * 1.2)
    assert now.cost == pytest.approx(993 * 3.5e6)
    # rack-n: 16.5 PF FP8 -> 21,650 GPUs -> 301 racks at 200 kW
    nxt = by_gen["rack-n"]
    assert (nxt.gpus, nxt.racks) == (21_650, 301)
    assert nxt.it_mw == pytest.approx(60.2)
    assert result.workloads[0].generation == "rack-n"  # 1.81e9 < 3.48e9
    assert [c.chosen for c in result.comparison] == [False, True]


@pytest.mark.parametrize(
    ("objective", "price_n", "kw_n", "expected"),
    [
        (Objective.COST, 6.0e6, 200, "rack-n"),  # 301 x 6.0e6 = 1.81e9 < 993 x 3.5e6 = 3.48e9
        (Objective.COST, 20e6, 200, "rack-t"),  # 301 x 20e6 = 6.02e9 > 3.48e9
        (Objective.RACKS, 20e6, 200, "rack-n"),  # 301 < 993 whatever the price
        (Objective.MW, 20e6, 200, "rack-n"),  # 60.2 MW < 131.1 MW
        (Objective.MW, 6.0e6, 500, "rack-t"),  # 301 x 0.5 = 150.5 MW > 131.1 MW
        (Objective.RACKS, 6.0e6, 500, "rack-n"),
    ],
)
def test_objective_decides_the_generation(
    two_racks: Scenario, objective: Objective, price_n: float, kw_n: float, expected: str
) -> None:
    raw = one_run()
    raw["generations"][1].update(price=price_n, rack_kw=kw_n)
    result = plan(two_racks, raw, objective=objective)
    chosen = result.workloads[0]
    assert chosen.generation == expected
    assert objective.value in chosen.reason
    best = min(
        (c for c in result.comparison if c.available),
        key=lambda c: {"cost": c.cost, "racks": c.racks, "mw": c.it_mw}[objective.value],
    )
    assert best.generation == expected


def test_generation_not_out_by_the_first_delivery_is_skipped(two_racks: Scenario) -> None:
    # rack-n is available from 2026-W20; a run starting 2026-W22 with lead 4 wants racks in W18
    result = plan(two_racks, one_run(start="2026-W22", delivery_weeks=1))
    run = result.workloads[0]
    assert run.generation == "rack-t"
    late = next(c for c in result.comparison if c.generation == "rack-n")
    assert not late.available and "2026-W20" in late.reason and "2026-W18" in late.reason
    assert "rack-n available from 2026-W20" in run.reason
    # one week later, W19 ... still before W20; from start W24 (delivery W20) it is available
    assert (
        plan(two_racks, one_run(start="2026-W24", delivery_weeks=1)).workloads[0].generation
        == "rack-n"
    )


def test_pinned_generation_not_available_is_flagged(two_racks: Scenario) -> None:
    result = plan(two_racks, one_run(start="2026-W10", generation="rack-n"))
    run = result.workloads[0]
    assert run.generation == "rack-n"
    assert run.status is WorkloadStatus.GENERATION_NOT_AVAILABLE
    assert result.status is RoadmapStatus.WARNINGS
    assert "pinned" in run.reason and "2026-W20" in run.reason


def test_no_generation_available_means_no_demand(two_racks: Scenario) -> None:
    raw = one_run(start="2026-W10", precision="fp8")
    raw["generations"][0]["available"] = "2026-W30"
    result = plan(two_racks, raw)
    run = result.workloads[0]
    assert run.status is WorkloadStatus.NO_GENERATION
    assert (run.generation, run.racks) == ("", 0)
    assert result.demand == ()
    assert "no generation is available" in run.reason


def test_training_racks_arrive_lead_weeks_before_start(two_racks: Scenario) -> None:
    # start W30 (offset 29), lead 4: due by W26 (offset 25); 4 delivery weeks W23..W26
    result = plan(two_racks, one_run())
    run = result.workloads[0]
    assert [d.label for d in run.deliveries] == ["2026-W23", "2026-W24", "2026-W25", "2026-W26"]
    assert [d.qty for d in run.deliveries] == [76, 75, 75, 75]  # 301, earlier weeks first
    assert [(r.label, r.qty) for r in result.demand] == [(d.label, d.qty) for d in run.deliveries]
    assert all(r.item == "rack-n" and r.site == "dc-1" for r in result.demand)
    assert result.demand[0].demand == "roadmap-frontier-a-2026-W23"


def test_all_in_one_week_and_the_override(two_racks: Scenario) -> None:
    one = plan(two_racks, one_run(delivery_weeks=1)).workloads[0]
    assert [(d.label, d.qty) for d in one.deliveries] == [("2026-W26", 301)]
    even = plan(two_racks, one_run(delivery_weeks=1), delivery_weeks=7).workloads[0]
    assert [d.week for d in even.deliveries] == list(range(19, 26))
    assert sum(d.qty for d in even.deliveries) == 301


def test_fleet_ramps_from_start(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    raw["runs"] = []
    raw["fleets"] = [raw["fleets"][0]]  # 2e7 tokens/s of 2e11 params at 25% MFU, from W40
    result = plan(two_racks, raw)
    fleet = result.workloads[0]
    # 2e7 * 2 * 2e11 / (16.5e15 * 0.25) = 1,939.4 -> 1,940 GPUs -> 27 racks of rack-n
    assert (fleet.gpus, fleet.racks, fleet.generation) == (1_940, 27, "rack-n")
    assert fleet.flops == pytest.approx(8e18)
    # ramp over W40..W43, each week's racks 4 weeks earlier: W36..W39
    assert [(d.label, d.qty) for d in fleet.deliveries] == [
        ("2026-W36", 7), ("2026-W37", 7), ("2026-W38", 7), ("2026-W39", 6)
    ]  # fmt: skip


def test_deliveries_before_the_start_land_in_week_0(two_racks: Scenario) -> None:
    result = plan(two_racks, one_run(start="2026-W03", generation="rack-t"))
    run = result.workloads[0]
    assert run.status is WorkloadStatus.BEFORE_START
    assert [d.week for d in run.deliveries] == [-5, -4, -3, -2]  # start offset 2, lead 4
    assert [(r.week, r.qty) for r in result.demand] == [(0, 993)]
    assert "demanded in week 0" in run.reason


def test_deliveries_after_the_horizon_are_left_out(two_racks: Scenario) -> None:
    # 2026 has 53 ISO weeks: 2027-W05 is offset 57, due by 53, six weeks 48..53; horizon 0..51
    result = plan(two_racks, one_run(start="2027-W05", delivery_weeks=6))
    run = result.workloads[0]
    assert [d.week for d in run.deliveries] == list(range(48, 54))
    inside = [d for d in run.deliveries if d.week < 52]
    assert run.status is WorkloadStatus.BEYOND_HORIZON
    assert sum(r.qty for r in result.demand) == sum(d.qty for d in inside) < run.racks
    assert "left out" in run.reason


def test_result_to_dict_has_the_documented_fields(two_racks: Scenario) -> None:
    data = plan(two_racks, valid_roadmap()).to_dict()
    for run in data["runs"]:
        assert {"name", "generation", "gpus", "racks", "it_mw", "facility_mw"} <= set(run)
    for row in data["demand"]:
        assert {"item", "week", "qty"} <= set(row)
    assert data["racks_by_generation"] == {"rack-n": 301 + 27, "rack-t": 102 + 10}


@given(total=st.integers(0, 100_000), weeks=st.integers(1, 60))
def test_spread_is_even_and_complete(total: int, weeks: int) -> None:
    parts = spread(total, weeks)
    assert len(parts) == weeks and sum(parts) == total
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)  # earlier weeks get the extra rack


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.integers(-10, 70),
    lead=st.integers(0, 20),
    window=st.integers(1, 12),
    ramp=st.integers(1, 12),
    objective=st.sampled_from(Objective),
)
def test_every_rack_is_demanded_once_or_reported(
    two_racks: Scenario, start: int, lead: int, window: int, ramp: int, objective: Objective
) -> None:
    raw = valid_roadmap()
    for run in raw["runs"]:
        run.update(start=start, lead_weeks=lead, delivery_weeks=window)
    for fleet in raw["fleets"]:
        fleet.update(start=start, lead_weeks=lead, ramp_weeks=ramp)
    result = plan(two_racks, raw, objective=objective)
    horizon = two_racks.config.horizon_weeks
    for w in result.workloads:
        rows = [r for r in result.demand if r.workload == w.name]
        beyond = sum(d.qty for d in w.deliveries if d.week >= horizon)
        assert sum(r.qty for r in rows) + beyond == w.racks
        assert all(0 <= r.week < horizon and r.item == w.generation for r in rows)
        assert (w.status is WorkloadStatus.BEYOND_HORIZON) == (beyond > 0 and w.status not in (
            WorkloadStatus.BEFORE_START, WorkloadStatus.GENERATION_NOT_AVAILABLE
        ))  # fmt: skip
        chosen = [c for c in result.comparison if c.workload == w.name and c.chosen]
        assert [c.generation for c in chosen] == ([w.generation] if w.generation else [])
    ids = [r.demand for r in result.demand]
    assert len(ids) == len(set(ids))
