"""Dated capacity events (events.csv): the plan and the MRP read every capacity week by week
through one rule (:mod:`rackforge.scenario.events`); an outage never makes a plan cheaper, an
expansion never makes it dearer; bad events are located like any bad cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rackforge import load_scenario, save_scenario
from rackforge.plan import PlanOptions, plan
from rackforge.plan.network import build_network
from rackforge.plan.options import NominalCapacities
from rackforge.scenario import Scenario, ScenarioError
from rackforge.scenario.events import Limit, unlimited_share_warnings


def with_events(s: Scenario, *rows: tuple[str, str, str, int, int, float]) -> Scenario:
    frame = pd.DataFrame(
        rows, columns=["event", "target", "item", "start", "weeks", "capacity_factor"]
    )
    return s.with_tables(events=frame)


def cost(s: Scenario) -> float:
    result = plan(s)
    assert result.has_plan, result.message
    return float(result.objective)


def test_a_stopped_supplier_ships_nothing_in_its_weeks(tiny: Scenario) -> None:
    stopped = with_events(tiny, ("tw-stop", "sup-tw", "", 0, 8, 0.0))
    result = plan(stopped)
    assert result.has_plan and result.tables is not None
    buys = result.tables.purchases
    assert buys[buys["supplier"] == "sup-tw"]["qty"].sum() == pytest.approx(0.0)
    # sup-tw is the cheaper source of gpu-t (50 vs 60): losing it costs money
    assert result.objective > cost(tiny) + 1.0


def test_events_hit_only_their_weeks_and_multiply(tiny: Scenario) -> None:
    s = with_events(
        tiny,
        ("half", "plant-a/test-1", "", 2, 3, 0.5),
        ("site", "plant-a", "", 3, 0, 0.5),  # weeks 0: to the end of the horizon
    )
    net = build_network(s)
    res = net.resources
    test = int(np.flatnonzero(res["resource"] == "test-1")[0])
    labor = int(np.flatnonzero(res["resource"] == "labor-1")[0])
    base = float(res.at[test, "capacity"])
    expected = base * np.array([1, 1, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5])
    assert net.weekly[Limit.RESOURCES][test] == pytest.approx(expected)
    assert net.weekly[Limit.RESOURCES][labor][:3] == pytest.approx([res.at[labor, "capacity"]] * 3)
    assert net.weekly[Limit.RESOURCES][labor][3:] == pytest.approx(
        [0.5 * res.at[labor, "capacity"]] * 5
    )
    # the utilisation table states the hours each week really had
    result = plan(s)
    assert result.tables is not None
    util = result.tables.utilization
    hours = util[util["resource"] == "test-1"].sort_values("week")["hours_available"]
    assert hours.to_numpy() == pytest.approx(expected)


def test_a_partial_event_on_a_row_without_capacity_scales_its_nominal_flow(tiny: Scenario) -> None:
    """tiny's lane and sup-us's frame-t row state no capacity. Half of them for weeks 2..4
    leaves them unlimited, unless the plan is told their nominal flows (what an executed plan
    hands its re-plans): then they carry half of those in those weeks, and as before in the
    others; a row the nominal flows do not name carried nothing, so it carries nothing
    then; sup-us's gpu-t row states 100 a week and keeps 50, nominal or not."""
    s = with_events(
        tiny,
        ("lane", "plant-a>dc-1", "", 2, 3, 0.5),
        ("us", "sup-us", "", 2, 3, 0.5),
    )
    nominal = NominalCapacities(
        supply={("sup-us", "frame-t", "plant-a"): 8.0},
        lanes={("plant-a", "dc-1", "rack-t"): 12.0},
    )
    free, told = build_network(s), build_network(s, nominal=nominal)
    sup = told.supply
    frame = int(np.flatnonzero((sup["supplier"] == "sup-us") & (sup["item"] == "frame-t"))[0])
    gpu = int(np.flatnonzero((sup["supplier"] == "sup-us") & (sup["item"] == "gpu-t"))[0])
    half = np.array([1, 1, 0.5, 0.5, 0.5, 1, 1, 1])
    assert np.isinf(free.weekly[Limit.SUPPLY][frame]).all()
    assert told.weekly[Limit.SUPPLY][frame] == pytest.approx(np.where(half < 1, 4.0, np.inf))
    for net in (free, told):
        assert net.weekly[Limit.SUPPLY][gpu] == pytest.approx(100.0 * half)
    assert free.arc_bound is None
    assert told.arc_bound is not None
    assert told.arc_bound[0] == pytest.approx(np.where(half < 1, 6.0, np.inf))
    unused = build_network(s, nominal=NominalCapacities())
    assert unused.weekly[Limit.SUPPLY][frame] == pytest.approx(np.where(half < 1, 0.0, np.inf))
    result = plan(s, PlanOptions(nominal=nominal, explain=False))
    assert result.tables is not None
    moved = result.tables.transfers.groupby("week")["qty"].sum()
    assert (moved.reindex([2, 3, 4], fill_value=0.0) <= 6.0 + 1e-6).all()
    bought = result.tables.purchases
    frames = bought[(bought["item"] == "frame-t") & bought["week"].between(2, 4)]
    assert (frames.groupby("week")["qty"].sum() <= 4.0 + 1e-6).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.sampled_from(["sup-tw", "sup-us", "plant-a", "plant-a/test-1", "plant-a/labor-1"]),
    start=st.integers(0, 7),
    weeks=st.integers(0, 8),
    factor=st.floats(0.0, 1.0).map(lambda v: round(v, 6)),  # cells hold 0 or >= 1e-9
)
def test_an_outage_never_lowers_cost_and_an_expansion_never_raises_it(
    tiny: Scenario, target: str, start: int, weeks: int, factor: float
) -> None:
    base = cost(tiny)
    down = plan(with_events(tiny, ("e", target, "", start, weeks, factor)))
    if down.has_plan:  # an outage may leave no plan; a looser limit never does
        assert down.objective >= base - 1e-6 * max(1.0, abs(base))
    up = with_events(tiny, ("e", target, "", start, weeks, 1.0 + factor))
    assert cost(up) <= base + 1e-6 * max(1.0, abs(base))


def write_events(tiny: Scenario, tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "s"
    save_scenario(tiny, folder)
    (folder / "events.csv").write_text(text)
    return folder


def test_an_unknown_target_is_located(tiny: Scenario, tmp_path: Path) -> None:
    folder = write_events(
        tiny,
        tmp_path,
        "event,target,item,start,weeks,capacity_factor\n"
        "ok,sup-tw,,2026-W02,2,0\n"
        "bad,sup-nobody,,2026-W02,2,0\n",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder)
    text = str(err.value)
    assert "events.csv:3: target" in text and "'sup-nobody'" in text


def test_a_start_outside_the_horizon_is_located(tiny: Scenario, tmp_path: Path) -> None:
    folder = write_events(
        tiny,
        tmp_path,
        "event,target,item,start,weeks,capacity_factor\nlate,sup-tw,,2027-W30,2,0\n",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder)
    assert "events.csv:2: start" in str(err.value) and "outside the horizon" in str(err.value)


def test_a_partial_event_that_leaves_a_row_unlimited_is_a_located_warning(
    tiny: Scenario, tmp_path: Path
) -> None:
    """Half of sup-us hits its frame-t row, which states no capacity: planned alone it stays
    unlimited, so validate and plan warn at the event's row and factor. A stop (factor 0)
    and a supplier whose rows all state a capacity (sup-tw) do not warn."""
    from typer.testing import CliRunner

    from rackforge.cli import app

    folder = write_events(
        tiny,
        tmp_path,
        "event,target,item,start,weeks,capacity_factor\n"
        "stop,sup-us,,2026-W02,2,0\n"
        "tw,sup-tw,,2026-W02,2,0.5\n"
        "half,sup-us,,2026-W03,2,0.5\n"
        "lane,plant-a>dc-1,rack-t,2026-W03,2,0.25\n",
    )
    found = [str(p) for p in unlimited_share_warnings(load_scenario(folder))]
    assert len(found) == 2
    assert found[0].startswith("events.csv:4: capacity_factor: 0.5 of supply row sup-us frame-t")
    assert found[1].startswith("events.csv:5: capacity_factor: 0.25 of lane plant-a>dc-1")
    runner = CliRunner()
    for args in (["validate", str(folder)], ["plan", str(folder), "--out", str(tmp_path / "o")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "warning: events.csv:4: capacity_factor" in result.output
