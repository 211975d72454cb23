"""The Monte-Carlo stress test: the plan is reproduced without disruptions, losses are
attributed to the right node, and the answer depends on the seed only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from risk_networks import Risk, Source, one_part

from rackforge.risk import BLOCK, StressOptions, StressStatus, stress_test
from rackforge.risk.distributed import dask_client, dask_runner
from rackforge.risk.stress import Distribution
from rackforge.scenario import Scenario


def without_risk(s: Scenario) -> Scenario:
    return s.with_tables(risk=s.risk.assign(annual_prob=0.0))


def test_no_disruption_delivers_the_plan(tiny: Scenario) -> None:
    # tiny's plan serves all 50 racks on time; with no disruption every scenario does too.
    result = stress_test(without_risk(tiny), StressOptions(scenarios=300, seed=4))
    assert result.status is StressStatus.NO_RISK
    assert result.plan_units == pytest.approx(50.0)
    assert np.allclose(result.delivered, 50.0, rtol=0.01)
    assert result.fill_rate.p5 == pytest.approx(1.0, rel=0.01)
    assert result.top_contributors == ()


def test_no_disruption_matches_an_analytic_capacity_bound() -> None:
    # The plant makes at most 8 racks a week against a demand of 10 for 12 weeks, parts are
    # plentiful: the feasible plan delivers 12 * 8 = 96 racks; the simulation, with backlog,
    # cannot do better either (production is the limit).
    s = one_part(on_hand=1000.0, make_cap=8.0, risks=(Risk("sup-a", 4, annual_prob=0.0),))
    result = stress_test(s, StressOptions(scenarios=200))
    assert result.plan_units == pytest.approx(96.0)
    assert np.allclose(result.delivered, 96.0, rtol=0.01)
    assert result.fill_rate.mean == pytest.approx(96.0 / 120.0, rel=0.01)


def test_losses_are_attributed_per_down_week() -> None:
    # No stock, lost sales, one supplier with exactly the weekly need (10) as capacity, so it
    # can never catch up: every week it is down 10 racks are lost, the regression of lost units
    # on down-weeks has slope exactly 10 and the expected loss is 10 * mean down-weeks.
    s = one_part(
        on_hand=0.0,
        per_rack=1.0,
        sources=(Source("sup-a", capacity=10.0),),
        backlog=False,
        horizon=26,
        risks=(Risk("sup-a", ttr_weeks=2, annual_prob=0.6),),
    )
    result = stress_test(s, StressOptions(scenarios=2000, seed=11))
    (top,) = result.top_contributors
    assert top.target == "sup-a"
    assert top.lost_per_down_week == pytest.approx(10.0, rel=1e-9)
    lost = result.demand_units - result.delivered
    assert top.expected_lost_units == pytest.approx(lost.mean(), rel=1e-9)


def test_rerouting_to_a_second_source() -> None:
    # sup-a (risky) is the cheaper source; sup-b has room for everything with the same lead.
    # Re-routing moves what sup-a owes to sup-b: nothing is lost. Without it the plan waits.
    s = one_part(
        on_hand=0.0,
        per_rack=1.0,
        backlog=False,
        sources=(Source("sup-a"), Source("sup-b", capacity=50.0)),
        risks=(Risk("sup-a", ttr_weeks=3, annual_prob=0.9),),
    )
    s = s.with_tables(supply=s.supply.assign(price=[1.0, 2.0]))
    rerouted = stress_test(s, StressOptions(scenarios=500, seed=2))
    waiting = stress_test(s, StressOptions(scenarios=500, seed=2, reroute=False))
    assert np.allclose(rerouted.delivered, rerouted.demand_units)
    assert waiting.fill_rate.mean < 0.99


def test_same_seed_same_answer_whatever_the_chunks(tiny: Scenario) -> None:
    n = 2 * BLOCK + 100
    one = stress_test(tiny, StressOptions(scenarios=n, seed=7, chunk_size=BLOCK))
    two = stress_test(tiny, StressOptions(scenarios=n, seed=7, chunk_size=4 * BLOCK))
    np.testing.assert_array_equal(one.delivered, two.delivered)
    assert _stable(one.to_dict()) == _stable(two.to_dict())
    other = stress_test(tiny, StressOptions(scenarios=n, seed=8))
    assert not np.array_equal(one.delivered, other.delivered)


def test_dask_local_cluster_gives_the_single_process_answer(tiny: Scenario) -> None:
    options = StressOptions(scenarios=3 * BLOCK, seed=5, chunk_size=BLOCK)
    alone = stress_test(tiny, options)
    seen: list[tuple[int, int]] = []
    with dask_client(workers=2, processes=False) as client:
        spread = stress_test(
            tiny,
            dataclasses.replace(options, chunk_size=2 * BLOCK),
            lambda d, t: seen.append((d, t)),
            dask_runner(client),
        )
    np.testing.assert_array_equal(alone.delivered, spread.delivered)
    assert _stable(alone.to_dict()) == _stable(spread.to_dict())
    assert seen[-1] == (2, 2)


def _stable(d: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in d.items() if k != "wall_s"}


scenario_st = st.fixed_dictionaries(
    {
        "on_hand": st.integers(0, 120),
        "per_rack": st.integers(1, 3),
        "capacity": st.integers(5, 40),
        "lead": st.integers(0, 3),
        "prob": st.floats(0.0, 1.0).map(lambda v: round(v, 6)),  # cells: 0 or >= 1e-9
        "ttr": st.floats(0.5, 10.0),
        "factor": st.floats(0.0, 1.0).map(lambda v: round(v, 6)),
        "backlog": st.booleans(),
    }
)


@settings(max_examples=15, deadline=None)
@given(params=scenario_st, seed=st.integers(0, 2**32 - 1))
def test_deliveries_stay_within_demand(params: dict, seed: int) -> None:  # type: ignore[type-arg]
    s = one_part(
        on_hand=float(params["on_hand"]),
        per_rack=float(params["per_rack"]),
        sources=(Source("sup-a", capacity=float(params["capacity"]), lead=params["lead"]),),
        backlog=params["backlog"],
        risks=(
            Risk("sup-a", params["ttr"], params["prob"], params["factor"]),
            Risk("plant", params["ttr"], params["prob"] / 2, params["factor"]),
        ),
    )
    result = stress_test(s, StressOptions(scenarios=300, seed=seed))
    assert np.all(result.delivered >= -1e-9)
    assert np.all(result.delivered <= result.demand_units + 1e-9)
    for dist in (result.fill_rate, result.delivered_units):
        assert dist.p5 <= dist.p50 + 1e-12 <= dist.p95 + 2e-12
        assert dist.cvar5 <= dist.mean + 1e-9
    assert result.fill_rate.p5 >= 0.0 and result.fill_rate.p95 <= 1.0 + 1e-12


def test_distribution_by_hand() -> None:
    # 20 outcomes 1..20: p5 = 1 + 0.05*19 = 1.95 (linear), the worst ceil(5% of 20) = 1 -> CVaR 1.
    d = Distribution.of(np.arange(1.0, 21.0))
    assert (d.p5, d.p50, d.mean, d.cvar5) == pytest.approx((1.95, 10.5, 10.5, 1.0))
    # 100 outcomes 0..99: the worst 5 are 0..4 -> CVaR 2.
    assert Distribution.of(np.arange(100.0)).cvar5 == pytest.approx(2.0)
