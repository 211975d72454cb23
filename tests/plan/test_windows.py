"""The plan of a horizon cut into windows: the pieced plan keeps every row of the whole model
and costs no less than its optimum, and the Lagrangian bound never exceeds that optimum (weak
duality, Fisher 1981), reaching it when one window holds the whole horizon and its own shadow
prices price the rows it shares with the demands never delivered (strong LP duality)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rackforge.plan import PlanOptions, build_network, plan
from rackforge.plan.lp.model import build_model
from rackforge.plan.lp.solve import SolverSettings
from rackforge.plan.lp.windows import (
    WeekMatrix,
    lagrangian_bound,
    roll,
    serial_runner,
    spans,
    violation,
    week_matrix,
)
from rackforge.plan.options import Windows
from rackforge.plan.result import PlanResult
from rackforge.scenario import Scenario
from rackforge.scenario.synthetic import synthetic

OPTIONS = PlanOptions(explain=False)
SLACK = 1e-7  # relative: solver tolerances


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return synthetic(2, 30, 16, seed=5)


@pytest.fixture(scope="module")
def whole(scenario: Scenario) -> PlanResult:
    result = plan(scenario, OPTIONS)
    assert result.status.value == "optimal"
    return result


@pytest.fixture(scope="module")
def matrix(scenario: Scenario) -> WeekMatrix:
    return week_matrix(build_model(build_network(scenario), OPTIONS).build)[0]


@settings(max_examples=8, deadline=None)
@given(weeks=st.integers(1, 9), overlap=st.integers(0, 10))
def test_a_pieced_plan_keeps_every_row_and_costs_no_less_than_the_optimum(
    scenario: Scenario, whole: PlanResult, weeks: int, overlap: int
) -> None:
    rolled = plan(scenario, PlanOptions(explain=False, windows=Windows(weeks, overlap)))
    assert rolled.has_plan
    assert rolled.objective >= whole.objective * (1 - SLACK)
    # every delivery the pieced plan makes is within what was demanded
    service = rolled.tables.service
    assert (service["on_time"] + service["late"] + service["lost"]).sub(
        service["qty"]
    ).abs().max() < 1e-6
    gap = rolled.info.gap
    assert gap is not None  # with every cost >= 0 some multiplier scale bounds every window
    bound = rolled.objective * (1 - gap)
    assert bound <= whole.objective * (1 + SLACK)


def test_one_window_is_the_whole_plan_and_its_bound_is_tight(
    scenario: Scenario, whole: PlanResult
) -> None:
    h = scenario.config.horizon_weeks
    one = plan(scenario, PlanOptions(explain=False, windows=Windows(h)))
    assert math.isclose(one.objective, whole.objective, rel_tol=1e-9)
    assert one.info.gap is not None and one.info.gap < 1e-6
    assert one.status.value == "optimal"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([0.01, 1.0, 100.0]))
def test_any_multipliers_of_the_right_sign_bound_the_optimum(
    matrix: WeekMatrix, whole: PlanResult, seed: int, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    dual = rng.normal(0.0, scale, matrix.a.shape[0])
    cuts = spans(matrix.horizon, 5, 3)
    bound = lagrangian_bound(matrix, dual, cuts, SolverSettings(), serial_runner)
    assert bound.value <= whole.objective * (1 + SLACK)


def test_the_pieced_plan_of_the_whole_matrix_is_checked_row_by_row(matrix: WeekMatrix) -> None:
    x = np.zeros(matrix.a.shape[1])
    # nothing bought, made or delivered misses the stock balances that hold opening stock
    assert violation(matrix, x) > 0


def test_the_bound_on_dask_is_the_bound_in_process(matrix: WeekMatrix) -> None:
    from rackforge.plan.lp.windows import dask_runner
    from rackforge.risk.distributed import dask_client

    cuts = spans(matrix.horizon, 8, 8)  # the first window plans the whole horizon
    dual = roll(matrix, SolverSettings(), cuts).first_dual
    here = lagrangian_bound(matrix, dual, cuts, SolverSettings(), serial_runner)
    with dask_client(workers=2, processes=False) as client:
        there = lagrangian_bound(matrix, dual, cuts, SolverSettings(), dask_runner(client))
    assert math.isfinite(here.value) and here.theta == 1.0
    assert there.value == pytest.approx(here.value, rel=1e-9)


def test_the_bound_on_processes_is_the_bound_in_process(scenario: Scenario) -> None:
    here = plan(scenario, PlanOptions(explain=False, windows=Windows(8, 8)))
    pooled = plan(scenario, PlanOptions(explain=False, windows=Windows(8, 8, workers=2)))
    assert pooled.objective == here.objective
    assert here.info.gap is not None and pooled.info.gap == pytest.approx(here.info.gap, abs=1e-12)
