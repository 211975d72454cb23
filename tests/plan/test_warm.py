"""Warm starts: a re-plan started from a close plan's basis or incumbent reaches the optimum a
cold solve reaches (the start changes the path, never the answer), and is used only by a
model of the same shape."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rackforge.plan import PlanOptions, build_network, plan
from rackforge.plan.lp.model import build_model
from rackforge.plan.lp.solve import WHOLE_RELAXATION, Solution, SolverSettings, SolveStatus, solve
from rackforge.plan.lp.warm import WarmStart
from rackforge.scenario import Scenario
from rackforge.scenario.synthetic import synthetic
from rackforge.scenario.whatif import CellEdit, EventEdit, what_if

OPTIONS = PlanOptions(explain=False)


@pytest.fixture(scope="module")
def base() -> Scenario:
    return synthetic(2, 60, 16, seed=3)


@pytest.fixture(scope="module")
def base_start(base: Scenario) -> WarmStart:
    start = _solved(base).warm_start
    assert start is not None
    return start


def _solved(s: Scenario, warm: WarmStart | None = None) -> Solution:
    pm = build_model(build_network(s), OPTIONS)
    return solve(pm.model, SolverSettings(), warm)


def _outage(s: Scenario, row: int, start: int, weeks: int, factor: float) -> Scenario:
    supplier = str(s.supply["supplier"].iloc[row % len(s.supply)])
    event = EventEdit(supplier, s.week_label(start), str(weeks), str(factor))
    return what_if(s, events=[event])


def test_an_outage_replanned_from_the_base_basis_reaches_the_cold_optimum(base: Scenario) -> None:
    first = _solved(base)
    assert first.warm_start is not None and first.warm_start.has_basis
    edit = _outage(base, 0, 4, 6, 0.0)
    cold, warm = _solved(edit), _solved(edit, first.warm_start)
    assert warm.warm_started and not cold.warm_started
    assert warm.status is cold.status is SolveStatus.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert warm.objective > first.objective  # the outage costs something: the test can fail


def test_a_start_from_a_model_of_another_shape_is_not_used(base: Scenario) -> None:
    other = synthetic(2, 60, 15, seed=3)  # one week fewer: other columns and rows
    start = _solved(other).warm_start
    cold, warm = _solved(base), _solved(base, start)
    assert not warm.warm_started
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)


def test_plan_keeps_its_start_and_a_cell_edit_replans_from_it(base: Scenario) -> None:
    first = plan(base, OPTIONS)
    r = base.resources.iloc[0]
    edit = what_if(
        base, edits=[CellEdit.parse(f"resources.{r.site}/{r.resource}.units={r.units + 2}")]
    )
    cold, warm = plan(edit, OPTIONS), plan(edit, OPTIONS, first.warm_start)
    # the same optimum; the plans may differ where the optimum is not unique
    assert warm.has_plan and warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert warm.objective <= first.objective * (1 + 1e-9)  # more units never cost more


def _with_moq(base: Scenario, moq: float) -> Scenario:
    """A MIP: the first 8 supply rows (x 16 weeks) order at least ``moq`` when they order."""
    rows = [moq if i < 8 else 0.0 for i in range(len(base.supply))]
    return base.with_tables(supply=base.supply.assign(moq=rows))


@pytest.mark.parametrize(
    ("moq", "whole"),
    [
        (300.0, False),  # the relaxation orders fractions of a minimum: branch and cut
        (30_000.0, True),  # minimums the relaxation meets whole: the relaxation is the proof
    ],
)
def test_a_mip_replanned_from_the_base_reaches_the_cold_optimum(
    base: Scenario, moq: float, whole: bool
) -> None:
    """A MIP keeps its fixed-integer LP's basis; a close MIP solves its relaxation from it and
    stops there when that is whole, else goes on from the base plan as an incumbent. Either
    way it reaches the cold optimum (within the MIP gap), and a whole relaxation is never
    worse than the cold incumbent: it is the exact optimum."""
    with_moq = _with_moq(base, moq)
    first = _solved(with_moq)
    assert first.mip and first.warm_start is not None and first.warm_start.has_basis
    edit = _outage(with_moq, 2, 5, 4, 0.5)
    cold, warm = _solved(edit), _solved(edit, first.warm_start)
    assert warm.warm_started and warm.status is cold.status is SolveStatus.OPTIMAL
    assert (warm.solver_status == WHOLE_RELAXATION) is whole
    tolerance = 1e-4 * abs(cold.objective) + 1e-6
    assert abs(warm.objective - cold.objective) <= tolerance
    if whole:
        assert warm.gap is not None and warm.gap <= 1e-9
        assert warm.objective <= cold.objective + 1e-9 * abs(cold.objective)


@settings(max_examples=8, deadline=None)
@given(
    row=st.integers(0, 10_000),
    start=st.integers(0, 15),
    weeks=st.integers(0, 16),
    factor=st.sampled_from([0.0, 0.3, 0.7, 1.5]),
)
def test_any_outage_or_expansion_warm_equals_cold(
    base: Scenario, base_start: WarmStart, row: int, start: int, weeks: int, factor: float
) -> None:
    edit = _outage(base, row, start, weeks, factor)
    cold, warm = _solved(edit), _solved(edit, base_start)
    assert warm.warm_started
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
