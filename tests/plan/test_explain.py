"""Bottlenecks, causes of late demand and the target check on the bundled tiny scenario with
its test bench halved; plus the time-limit path."""

from __future__ import annotations

import pandas as pd
import pytest

from rackforge.plan import CauseKind, Family, PlanOptions, PlanStatus, plan, target_check
from rackforge.plan.explain import bottlenecks
from rackforge.plan.lp.solve import SolveStatus, solve_status
from rackforge.scenario import Scenario


@pytest.fixture(scope="module")
def short_of_test_hours(tiny: Scenario) -> Scenario:
    res = tiny.resources.copy()
    res.loc[res["resource"] == "test-1", "units"] = 1  # 50 h a week instead of 100
    return tiny.with_tables(resources=res)


def test_the_halved_test_bench_is_the_bottleneck_and_the_cause(
    short_of_test_hours: Scenario,
) -> None:
    r = plan(short_of_test_hours)
    assert r.status is PlanStatus.OPTIMAL
    # a rack loads test-1 with 4 h + 2 trays x 2 h / 0.9 = 8.44 h; 50 h < 10 racks x 8.44 h
    top = r.bottlenecks[0]
    assert (top.kind, top.id) == (Family.RESOURCE, "plant-a/test-1")
    util = r.tables.utilization
    busy = util[(util["resource"] == "test-1") & (util["utilization"] > 0.999)]
    assert len(busy) >= 3
    assert r.late and all(d.cause.kind is CauseKind.RESOURCE for d in r.late)
    assert {d.cause.id for d in r.late} == {"plant-a/test-1"}
    assert all(d.cause.weeks for d in r.late)
    check = r.target
    assert check is not None and not check.meets
    assert check.binding[0]["id"] == "plant-a/test-1"
    assert check.answer.startswith("no:") and "plant-a/test-1" in check.answer
    # the same check over a shorter window, from the library function
    again = target_check(r, weeks=2)
    assert [w.label for w in again.weeks] == ["2026-W07", "2026-W08"]
    assert sum(w.on_time for w in again.weeks) < sum(w.demand for w in again.weeks)


def test_cost_split_frames(short_of_test_hours: Scenario) -> None:
    r = plan(short_of_test_hours)
    by_gen = r.production_by_generation
    assert list(by_gen.columns) == ["gen-1"]
    assert by_gen.to_numpy().sum() == pytest.approx(
        r.tables.production.query("item == 'rack-t'")["qty"].sum()
    )
    by_country = r.purchases_by_country
    assert by_country.to_numpy().sum() == pytest.approx(r.tables.purchases["value"].sum())
    assert r.utilization_by_resource.to_numpy().max() == pytest.approx(1.0)


def test_time_limit_without_a_plan(tiny: Scenario) -> None:
    r = plan(tiny, PlanOptions(time_limit_s=1e-9))
    assert r.status is PlanStatus.TIME_LIMIT and not r.has_plan
    assert "time limit" in r.message and r.to_dict()["status"] == "time_limit"


def test_highs_status_mapping() -> None:
    import highspy

    ms = highspy.HighsModelStatus
    assert solve_status(ms.kTimeLimit, True) is SolveStatus.TIME_LIMIT
    assert solve_status(ms.kOptimal, True) is SolveStatus.OPTIMAL
    assert solve_status(ms.kInfeasible, False) is SolveStatus.INFEASIBLE
    assert solve_status(ms.kIterationLimit, True) is SolveStatus.FEASIBLE
    assert solve_status(ms.kIterationLimit, False) is SolveStatus.ERROR


@pytest.mark.parametrize("noise", [-3e-13, 0.0, 3e-13])
def test_a_bottleneck_s_week_and_rank_do_not_follow_round_off(noise: float) -> None:
    """Two suppliers binding at the same price in the same weeks, with the solver's
    round-off on one of them (the order of the model's rows moves it): the peak is the
    first week at the top price, and equal totals rank by name, whatever the round-off."""
    rows = []
    for supplier, bump in (("sup-b", noise), ("sup-a", 0.0)):
        for week, price in ((3, 5.0), (4, 7.0), (5, 7.0 * (1 + bump)), (6, 7.0)):
            rows.append(("supplier", supplier, "plant", "part", week, price * (1 + bump), 1.0))
    frame = pd.DataFrame(
        rows, columns=["kind", "id", "site", "item", "week", "shadow_price", "limit"]
    )
    out = bottlenecks(frame)
    assert [b.id for b in out] == ["sup-a", "sup-b"]
    assert [b.week for b in out] == [4, 4]
