"""Times off the service-time grid: the answer is the optimum for the exact times.

The exact optimum of a small serial chain with quarter-day times is found by enumerating
every pair of service times on the quarter-day grid (exact there: the times are multiples of
it, Graves & Willems 2000, sec. 3) and costing each from the definitions alone. Random
networks with quarter-day times are solved twice: on the whole-day grid and refined to the
exact times, and by the grid algorithms on the quarter-day grid, where they are exact."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inventory_helpers import reference_cost, tree_networks

from rackforge.inventory import GSMOptions, optimize
from rackforge.inventory.exact_times import RATIO, WHOLE_UNITS, initial_breakpoints
from rackforge.inventory.model import Arc, GSMNetwork, Stage
from rackforge.inventory.results import SolveStatus

CHAIN = GSMNetwork(
    stages=(
        Stage("A", 1.5, cost_added=20.0),
        Stage("B", 2.75, cost_added=30.0),
        Stage("C", 1.25, cost_added=50.0, demand_mean=10.0, demand_std=4.0, max_service_time=0),
    ),
    arcs=(Arc("A", "B"), Arc("B", "C")),
    name="quarter-day chain",
)


def exact_optimum() -> float:
    grid = np.arange(0.0, 6.0, 0.25)
    best = np.inf
    for s_a, s_b in itertools.product(grid, grid):
        if s_a <= 1.5 and s_b <= s_a + 2.75:  # S_j <= SI_j + T_j
            best = min(best, reference_cost(CHAIN, {"A": s_a, "B": s_b, "C": 0.0}))
    return float(best)


def test_on_an_exact_grid_the_optimum_is_proven() -> None:
    result = optimize(CHAIN, GSMOptions(time_step=0.25))
    assert result.rounded_stages == 0 and result.status is SolveStatus.OPTIMAL
    assert result.total_cost == pytest.approx(exact_optimum(), rel=1e-9)


def test_off_the_grid_the_answer_is_refined_to_the_exact_optimum() -> None:
    result = optimize(CHAIN)  # whole days: every time is rounded, then refined
    assert result.rounded_stages == 3 and result.status is SolveStatus.OPTIMAL
    assert result.total_cost == pytest.approx(exact_optimum(), rel=1e-9)
    assert "solved for the exact times" in result.message
    by_stage = {s.stage: s for s in result.stages}  # reported at the exact times
    assert [by_stage[n].processing_time for n in "ABC"] == [1.5, 2.75, 1.25]
    service = {s.stage: s.service_time for s in result.stages}
    assert reference_cost(CHAIN, service) == pytest.approx(result.total_cost, rel=1e-9)


def test_without_refinement_the_exact_optimum_lies_between_the_bound_and_the_answer() -> None:
    result = optimize(CHAIN, GSMOptions(exact_times=False))
    exact = exact_optimum()
    assert result.rounded_stages == 3 and result.time_step == 1.0
    assert result.lower_bound <= exact * (1 + 1e-9)
    assert exact <= result.total_cost * (1 + 1e-9)
    assert result.gap == pytest.approx((result.total_cost - result.lower_bound) / result.total_cost)
    assert result.gap > 1e-6 and result.status is SolveStatus.FEASIBLE  # not claimed optimal
    assert "optimum for the exact times" in result.message
    # the policy is feasible for the exact times: its cost there is no more than reported
    service = {s.stage: s.service_time for s in result.stages}
    assert reference_cost(CHAIN, service) <= result.total_cost * (1 + 1e-9)


@st.composite
def quarter_day_networks(draw: st.DrawFn) -> GSMNetwork:
    """Small general networks whose times are multiples of a quarter day."""
    network = draw(tree_networks(max_stages=6, tree=draw(st.booleans())))
    quarter = st.integers(0, 16).map(lambda q: q / 4)
    stages = tuple(
        replace(
            s,
            processing_time=draw(quarter),
            inbound_service_time=draw(quarter) if s.inbound_service_time else 0.0,
            max_service_time=None if s.max_service_time is None else draw(quarter),
        )
        for s in network.stages
    )
    return replace(network, stages=stages)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarter_day_networks())
def test_refined_day_grid_answer_is_the_quarter_grid_optimum(network: GSMNetwork) -> None:
    refined = optimize(network, GSMOptions(time_step=1.0))
    exact = optimize(network, GSMOptions(time_step=0.25))
    assert exact.rounded_stages == 0 and exact.status is SolveStatus.OPTIMAL
    assert refined.status is SolveStatus.OPTIMAL
    assert refined.total_cost == pytest.approx(exact.total_cost, rel=1e-6, abs=1e-9)
    service = {s.stage: s.service_time for s in refined.stages}
    assert reference_cost(network, service) == pytest.approx(refined.total_cost, rel=1e-9)
    for a in network.arcs:  # the refined policy is feasible for the exact times
        assert (
            service[a.downstream]
            <= network.stage(a.downstream).processing_time
            + max(
                [network.stage(a.downstream).inbound_service_time]
                + [service[b.upstream] for b in network.arcs if b.downstream == a.downstream]
            )
            + 1e-9
        )


def test_breakpoints_cover_the_range_and_start_whole() -> None:
    points = initial_breakpoints(0.5, 40.0)
    assert points[0] == 0.5 and points[-1] == 40.0 and points == sorted(set(points))
    whole = [float(x) for x in range(1, WHOLE_UNITS + 1)]
    assert points[1 : 1 + WHOLE_UNITS] == whole
    ratios = [b / a for a, b in itertools.pairwise(points[WHOLE_UNITS:-1])]
    assert ratios and all(r == pytest.approx(RATIO) for r in ratios)
    assert initial_breakpoints(3.0, 3.0) == [3.0]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarter_day_networks(), st.data())
def test_a_shorter_time_never_costs_more_at_exact_times(
    network: GSMNetwork, data: st.DataObject
) -> None:
    """Metamorphic: cutting one stage's processing time by a quarter day (a looser what-if)
    never raises the optimum for the exact times."""
    k = data.draw(st.integers(0, len(network.stages) - 1))
    stage = network.stages[k]
    shorter = replace(stage, processing_time=max(0.0, stage.processing_time - 0.25))
    looser = replace(network, stages=(*network.stages[:k], shorter, *network.stages[k + 1 :]))
    before, after = optimize(network), optimize(looser)
    assert before.status is SolveStatus.OPTIMAL and after.status is SolveStatus.OPTIMAL
    assert after.total_cost <= before.total_cost * (1 + 1e-6) + 1e-9
