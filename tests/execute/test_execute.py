"""The executed plan: with nothing drawn at random it is the plan, week by week, whether it
re-plans or not; the same seed gives the same answer whatever the processes; the rolled
scenario carries stock, what is under way, what is owed and the events; the random parts
have the means their sources state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from typer.testing import CliRunner

from rackforge import Scenario, load_scenario
from rackforge.cli import app
from rackforge.execute import (
    ExecuteError,
    ExecuteOptions,
    Outage,
    execute,
    initial_state,
    rolled,
    rules_of,
    wilson,
)
from rackforge.execute.rules import breakdown_share
from rackforge.execute.week import Draws
from rackforge.job import JobOptions, JobResult
from rackforge.plan import plan
from rackforge.report.collect import weekly_output
from rackforge.scenario.whatif import EventEdit, what_if


@pytest.fixture(scope="module")
def bundled() -> Scenario:
    return load_scenario(None)


def _as_planned(
    scenario: Scenario, replan_every: int, weeks: int | None = None, safety_lead: int = 0
) -> None:
    options = ExecuteOptions(
        replications=1, replan_every=replan_every, weeks=weeks, safety_lead_weeks=safety_lead
    )
    result = execute(scenario, options.without_randomness())
    table = result.weeks_table
    # every week: the racks made are the racks the first plan completes
    np.testing.assert_allclose(table["made"], table["planned"], atol=1e-6)
    assert result.fill_rates[0] == pytest.approx(result.planned_fill_rate, abs=1e-9)
    assert result.causes.empty
    if replan_every < len(table):
        assert result.plans_per_replication > 1


@pytest.mark.parametrize("replan_every", [100, 2])
def test_without_randomness_the_tiny_plan_is_executed_as_planned(
    tiny: Scenario, replan_every: int
) -> None:
    _as_planned(tiny, replan_every)


def test_a_safety_lead_time_brings_orders_early_and_changes_nothing_else(tiny: Scenario) -> None:
    """Planned with one more week of supply lead time, orders come a week before the plan
    expects them: the plan is executed as planned all the same."""
    _as_planned(tiny, replan_every=100, safety_lead=1)


def test_without_randomness_the_bundled_plan_is_executed_as_planned(bundled: Scenario) -> None:
    """Re-planning every 4 weeks from the state reached reproduces the first plan's output
    (the rest of a plan is a plan for the rest; Bellman's principle of optimality)."""
    _as_planned(bundled, replan_every=4, weeks=12)


def test_planned_racks_are_the_reports_planned_output(bundled: Scenario) -> None:
    """The executed plan's "planned" and the report's planned output are one figure, work in
    process included (the bundled scenario finishes racks in process in its second week)."""
    wip = bundled.receipts
    assert ((wip["source"] == "wip") & wip["item"].str.startswith("rack")).any()
    options = ExecuteOptions(replications=1, weeks=6).without_randomness()
    executed = execute(bundled, options).weeks_table
    job = JobResult(bundled, JobOptions(), plan=plan(bundled))
    report = weekly_output(job).groupby("week_label", sort=False)["planned"].sum()
    np.testing.assert_allclose(executed["planned"], report.to_numpy()[:6], rtol=1e-9)


def test_same_seed_same_answer_whatever_the_processes(tiny: Scenario) -> None:
    options = ExecuteOptions(replications=4, replan_every=2, seed=7, lead_time_cv=0.5)
    one = execute(tiny, options)
    two = execute(tiny, ExecuteOptions(**{**options.__dict__, "workers": 2}))
    np.testing.assert_array_equal(one.fill_rates, two.fill_rates)
    np.testing.assert_array_equal(one.weeks_table["made"], two.weeks_table["made"])
    other = execute(tiny, ExecuteOptions(**{**options.__dict__, "seed": 8}))
    assert not np.array_equal(one.weeks_table["made"], other.weeks_table["made"])


def test_late_orders_name_a_cause(tiny: Scenario) -> None:
    result = execute(tiny, ExecuteOptions(replications=6, replan_every=2, lead_time_cv=1.0))
    late = result.orders[result.orders["on_time_probability"] < 1]
    assert not late.empty
    assert all(late["cause"].str.len() > 0)
    assert (result.fill_rates <= 1 + 1e-9).all()
    assert result.fill_rate_summary()["mean"] < 1


def test_the_rolled_scenario_carries_the_state(tiny: Scenario) -> None:
    s = what_if(tiny, events=[EventEdit("sup-tw", tiny.week_label(1), "4", "0.5")])
    rules = rules_of(s)
    state = initial_state(s)
    state.week = 3
    state.stock = {("plant-a", "gpu-t"): 7.0}
    first = str(s.demand["demand"].iloc[0])
    state.open = {first: 4.0}
    out = rolled(s, state, rules, {"plant-a": (0.5, 2)})
    assert out.config.horizon_weeks == s.config.horizon_weeks - 3
    assert out.config.start == s.week_label(3)
    inv = out.inventory.set_index(["site", "item"])["on_hand"]
    assert inv[("plant-a", "gpu-t")] == 7.0
    assert out.demand["demand"].tolist() == [first]
    assert out.demand["qty"].tolist() == [4.0]
    assert out.demand["week"].tolist() == [max(0, int(s.demand["week"].iloc[0]) - 3)]
    ev = out.events.set_index("target")
    assert (ev.at["sup-tw", "start"], ev.at["sup-tw", "weeks"]) == (0, 2)  # weeks 1..4 left 3..4
    assert (ev.at["plant-a", "weeks"], ev.at["plant-a", "capacity_factor"]) == (2, 0.5)


@given(successes=st.integers(0, 60), extra=st.integers(0, 60))
@settings(max_examples=40, deadline=None)
def test_wilson_interval_is_scipys(successes: int, extra: int) -> None:
    """The interval agrees with scipy's binomtest(...).proportion_ci(method="wilson")."""
    n = successes + extra
    if n == 0:
        return
    ci = binomtest(successes, n).proportion_ci(0.95, method="wilson")
    low, high = wilson(successes, n)
    assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_breakdowns_have_the_planners_mean(bundled: Scenario) -> None:
    """The weekly up-time draws average the availability the planner charges (renewal reward):
    the mean factor on the plan's hours is 1 for every resource row with breakdowns."""
    rules = rules_of(bundled)
    rng = np.random.default_rng(1)
    mean = np.mean([breakdown_share(rules, rng) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, 1.0, atol=0.01)


def test_yield_and_lead_time_draws_have_their_stated_moments() -> None:
    draws = Draws(np.random.default_rng(2), lead_time_cv=0.3, breakdowns=True, yields=True)
    good = np.array([draws.good(400.0, 0.9) for _ in range(20000)])
    assert good.mean() == pytest.approx(400.0, rel=0.005)
    assert good.var() == pytest.approx(400.0 * 0.1, rel=0.05)  # n g (1 - g), n = 400 / g
    leads = np.array([draws.lead(10, 0.0) for _ in range(20000)])  # the option: every row
    assert leads.mean() == pytest.approx(10.0, abs=0.1)
    assert leads.std() == pytest.approx(3.0, rel=0.05)


@given(
    weeks=st.integers(-3, 20),
    every=st.integers(-2, 5),
    reps=st.integers(-1, 3),
    cv=st.floats(-1, 3),
)
@settings(max_examples=60, deadline=None)
def test_bad_options_are_refused_by_name(weeks: int, every: int, reps: int, cv: float) -> None:
    options = ExecuteOptions(weeks=weeks, replan_every=every, replications=reps, lead_time_cv=cv)
    ok = 1 <= weeks <= 8 and every >= 1 and reps >= 1 and 0 <= cv <= 2
    if ok:
        assert options.validate(8) == weeks
    else:
        with pytest.raises(ExecuteError, match="--"):
            options.validate(8)


def test_the_command_prints_plan_against_actual(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["execute", "tiny", "--replications", "3", "--workers", "1", "--lead-time-cv", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "planned" in result.output and "fill rate" in result.output
    bad = runner.invoke(app, ["execute", "tiny", "--weeks", "99"])
    assert bad.exit_code == 2 and "--weeks" in bad.output
    hit = runner.invoke(app, ["execute", "tiny", "--no-randomness", "--outage", "plant-a:2:2"])
    assert hit.exit_code == 0, hit.output
    assert "plant-a outage" in hit.output
    bad = runner.invoke(app, ["execute", "tiny", "--outage", "plant-a:2"])
    assert bad.exit_code == 2 and "TARGET:START:WEEKS" in bad.output


@pytest.mark.parametrize("target", ["sup-tw", "plant-a", "plant-a>dc-1"])
def test_an_outage_executed_with_weekly_replans_loses_what_the_risk_lp_says(
    tiny: Scenario, target: str
) -> None:
    """One outage of a risk row's node for its recovery time, unknown to the plans until it
    starts, executed with a re-plan every week, loses the on-time rack units the risk engine's
    LP (rackforge risk, the same start week) says it loses. They may differ where the LP's
    pooled flow model routes differently from the planner, or because the plans learn of the
    outage one week after it starts; on the tiny scenario they agree exactly."""
    from rackforge.risk.options import RiskOptions
    from rackforge.risk.ttr import assess

    start = 2
    row = tiny.risk.set_index("target").loc[target]
    weeks = max(1, round(float(row["ttr_weeks"])))
    outage = Outage(target, start, weeks, float(row["capacity_factor"]))
    quiet = ExecuteOptions(replications=1, replan_every=1).without_randomness()
    base = execute(tiny, quiet)
    hit = execute(tiny, ExecuteOptions(**{**quiet.__dict__, "outages": (outage,)}))
    due = tiny.demand[tiny.demand["item"].isin(rules_of(tiny).racks)]["qty"].sum()
    lost = (base.fill_rates[0] - hit.fill_rates[0]) * due
    (node,) = [
        n
        for n in assess(tiny, RiskOptions(workers=1, start_week=start)).nodes
        if n.target == target
    ]
    assert lost == pytest.approx(node.impact_units, abs=1e-6)


def test_an_unknown_outage_target_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ExecuteError, match="no supplier, site or lane"):
        execute(tiny, ExecuteOptions(outages=(Outage("nowhere", 1, 2),)))


@given(
    week=st.integers(1, 7),
    stock=st.lists(
        st.floats(0, 1e4) | st.sampled_from([1e-12, 5e-7, 1e-6]), min_size=3, max_size=3
    ),
    owed=st.floats(0, 50) | st.sampled_from([1e-9, 2e-6]),
    late_by=st.integers(0, 12),
)
@settings(max_examples=25, deadline=None)
def test_any_state_rolls_into_a_scenario_that_plans(
    tiny: Scenario, week: int, stock: list[float], owed: float, late_by: int
) -> None:
    """Round-off stock, nearly settled demand and arrivals past the horizon roll into a valid
    scenario (validation refuses none of them) with a plan."""
    from rackforge.execute.week import Arrival
    from rackforge.plan import plan

    rules = rules_of(tiny)
    state = initial_state(tiny)
    state.week = week
    items = list(tiny.items["item"])[:3]
    state.stock = {("plant-a", i): q for i, q in zip(items, stock, strict=True)}
    state.pipeline.append(Arrival("plant-a", items[0], week + late_by, 5.0, "po"))
    first = str(tiny.demand["demand"].iloc[0])
    state.open = {first: owed}
    out = rolled(tiny, state, rules, {"plant-a": (0.5, 2)})
    assert out.config.horizon_weeks == tiny.config.horizon_weeks - week
    assert plan(out).has_plan
    # what the loop plans on without re-validating it: validation would change nothing
    fast = rolled(tiny, state, rules, {"plant-a": (0.5, 2)}, validate=False)
    assert fast.config == out.config
    for name, table in out.tables.items():
        pd.testing.assert_frame_equal(fast.tables[name].reset_index(drop=True), table, obj=name)


def test_a_row_the_plan_itself_delivers_late_quotes_the_plans_cause(tiny: Scenario) -> None:
    """A plant stopped by a dated event: the plan delivers late, and the executed plan (with
    nothing drawn) says so with the planner's own explanation of the row."""
    stopped = what_if(tiny, events=[EventEdit("plant-a", tiny.week_label(1), "3", "0")])
    result = execute(stopped, ExecuteOptions(replications=1, replan_every=100).without_randomness())
    late = result.orders[result.orders["on_time_probability"] < 1]
    assert not late.empty
    assert all(late["cause"].str.startswith("planned late: "))
    assert result.planned_fill_rate == pytest.approx(result.fill_rates[0])


def test_replications_on_a_dask_cluster_give_the_same_answer(tiny: Scenario) -> None:
    from rackforge.execute.loop import dask_runner
    from rackforge.risk.distributed import dask_client

    options = ExecuteOptions(replications=3, replan_every=2, seed=5, lead_time_cv=0.5)
    here = execute(tiny, options)
    with dask_client(workers=2, processes=False) as client:
        there = execute(tiny, options, runner=dask_runner(client))
    np.testing.assert_array_equal(here.fill_rates, there.fill_rates)
    np.testing.assert_array_equal(here.weeks_table["made"], there.weeks_table["made"])


@pytest.mark.parametrize("factor", [0.87, 0.95])
def test_an_outage_that_leaves_the_hours_the_plan_uses_loses_nothing(
    tiny: Scenario, factor: float
) -> None:
    """A plant at ``factor`` of its hours keeps what the plan asks of it where the plan uses
    less (test-1 runs at 86%): production with no make limit of its own is limited by the
    resources' hours only, in the executed plan as in the planner and the risk engine."""
    options = ExecuteOptions(replications=1, replan_every=100).without_randomness()
    hit = execute(tiny, replace(options, outages=(Outage("plant-a", 1, 2, factor),)))
    np.testing.assert_allclose(hit.weeks_table["made"], hit.weeks_table["planned"], atol=1e-6)
    assert hit.causes.empty
    # and below the hours it uses, it loses what the hours cannot make
    short = execute(tiny, replace(options, outages=(Outage("plant-a", 1, 2, 0.5),)))
    assert short.fill_rates[0] < short.planned_fill_rate - 0.05


def test_each_supply_row_draws_its_lead_time_with_its_own_cv(tiny: Scenario) -> None:
    """Without ``--lead-time-cv`` the executed plan draws each row's lead time with the
    scenario's cv: exact everywhere executes the plan as planned; a cv on one supplier's row
    makes that supplier, and no other, deliver late."""
    exact = replace(tiny, config=replace(tiny.config, lead_time_cv=0.0))
    quiet = ExecuteOptions(
        replications=4, replan_every=2, breakdowns=False, yields=False, disruptions=False
    )
    assert quiet.lead_time_cv is None
    _same = execute(exact, quiet)
    np.testing.assert_allclose(_same.weeks_table["made"], _same.weeks_table["planned"], atol=1e-6)
    assert _same.causes.empty
    supply = exact.supply.assign(
        lead_time_cv=np.where(exact.supply["supplier"] == "sup-tw", 1.0, 0.0)
    )
    late = execute(exact.with_tables(supply=supply), quiet)
    assert set(late.causes["cause"]) == {"late delivery from sup-tw"}


def test_a_replan_limits_a_lane_without_capacity_as_the_execution_does(
    tiny: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tiny's lane states no capacity. Half of it down for weeks 2..4 carries half of its
    peak flow in the plan executed (10 a week: 5), and the re-plans, which learn of the
    outage when it starts, are told that nominal flow: they plan the 5 the lane can carry,
    so the execution never finds the plan asking more of the lane than the outage leaves.
    A re-plan not told it plans the lane as unlimited, and the execution then books the
    difference to the outage."""
    import rackforge.execute.loop as loop

    quiet = ExecuteOptions(replications=1, replan_every=1).without_randomness()
    options = replace(quiet, outages=(Outage("plant-a>dc-1", 2, 3, 0.5),))
    hit = execute(tiny, options)
    delivered = hit.weeks_table.set_index("week")["delivered"]
    assert delivered.loc[[3, 4, 5]].tolist() == pytest.approx([5.0, 5.0, 5.0])
    assert not hit.causes["cause"].str.contains("lane").any()

    told = loop._replan_options
    monkeypatch.setattr(
        loop, "_replan_options", lambda o, rules: replace(told(o, rules), nominal=None)
    )
    blind = execute(tiny, options)
    lane = blind.causes[blind.causes["cause"] == "lane plant-a>dc-1 outage"]["units"]
    assert lane.sum() >= 15.0 - 1e-6  # at least 10 planned, 5 carried, three weeks
