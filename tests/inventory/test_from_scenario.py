"""Guaranteed-service stages from a scenario, and the safety stock written back."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from inventory_helpers import brute_force, reference_cost
from scipy.stats import norm

from rackforge import Scenario
from rackforge.inventory import SolveStatus, optimize
from rackforge.inventory.from_scenario import (
    DemandVariability,
    ScenarioGSMOptions,
    inventory_with_safety_stock,
    network_from_scenario,
    stage_name,
)


def test_tiny_stages_follow_the_scenario(tiny: Scenario) -> None:
    net = network_from_scenario(tiny)
    assert net.time_unit == "week" and net.name == "tiny"
    assert {s.name: (s.processing_time, s.label) for s in net.stages} == {
        # make.lead_weeks; the cheapest landed offer (sup-tw: 50 x 1.15 = 57.5 < sup-us 60);
        # the lane plant-a -> dc-1 (1 week) into the customer site
        "rack-t@plant-a": (1, "make at plant-a"),
        "tray-t@plant-a": (0, "make at plant-a"),
        "gpu-t@plant-a": (2, "buy from sup-tw"),
        "frame-t@plant-a": (1, "buy from sup-us"),
        "rack-t@dc-1": (1, "move from plant-a"),
    }
    assert net.stage("gpu-t@plant-a").cost_added == pytest.approx(57.5)
    assert {(a.upstream, a.downstream, a.qty) for a in net.arcs} == {
        ("tray-t@plant-a", "rack-t@plant-a", 2.0),
        ("frame-t@plant-a", "rack-t@plant-a", 1.0),
        ("gpu-t@plant-a", "tray-t@plant-a", 4.0),
        ("rack-t@plant-a", "rack-t@dc-1", 1.0),
    }


def test_tiny_demand_statistics(tiny: Scenario) -> None:
    # 10 racks a week in weeks 3..7 of an 8-week horizon (weeks 0..2 without demand).
    series = np.array([0, 0, 0, 10, 10, 10, 10, 10], dtype=float)
    weekly = network_from_scenario(tiny, ScenarioGSMOptions(variability=DemandVariability.WEEKLY))
    dc = weekly.stage("rack-t@dc-1")
    assert dc.demand_mean == pytest.approx(series.mean())
    assert dc.demand_std == pytest.approx(series.std(ddof=1))
    assert dc.z == pytest.approx(norm.ppf(0.95)) and dc.max_service_time == 0
    weeks = np.arange(8.0)
    slope, intercept = np.polyfit(weeks, series, 1)
    resid = series - slope * weeks - intercept
    trend = network_from_scenario(tiny).stage("rack-t@dc-1")
    assert trend.demand_std == pytest.approx(math.sqrt(resid @ resid / 6))
    # holding cost per unit-year: the scenario's 26 % of the item's unit value
    assert trend.holding_cost == pytest.approx(0.26 * 1000)
    assert weekly.stage("gpu-t@plant-a").holding_cost == pytest.approx(0.26 * 50)


def test_tiny_optimum_by_brute_force(tiny: Scenario) -> None:
    net = network_from_scenario(tiny)
    result = optimize(net)
    assert result.status is SolveStatus.OPTIMAL
    assert result.total_cost == pytest.approx(brute_force(net), rel=1e-9)
    service = {s.stage: s.service_time for s in result.stages}
    assert reference_cost(net, service) == pytest.approx(result.total_cost, rel=1e-9)


def test_safety_stock_written_back_without_touching_the_scenario(tiny: Scenario) -> None:
    before = tiny.inventory.copy()
    result = optimize(network_from_scenario(tiny))
    table = inventory_with_safety_stock(tiny, result)
    pd.testing.assert_frame_equal(tiny.inventory, before)
    keyed = table.set_index(["site", "item"])
    for stage in result.stages:
        item, site = stage.stage.split("@")
        assert keyed.at[(site, item), "safety_stock"] == math.ceil(stage.safety_stock - 1e-9)
    # existing rows keep their on-hand stock; new stock points start empty
    assert keyed.at[("plant-a", "gpu-t"), "on_hand"] == 100
    assert keyed.at[("dc-1", "rack-t"), "on_hand"] == 0
    assert keyed.at[("dc-1", "rack-t"), "safety_stock"] > 0
    updated = tiny.with_tables(inventory=table)  # validates
    assert len(updated.inventory) == len(table)
    exact = inventory_with_safety_stock(tiny, result, round_up=False).set_index(["site", "item"])
    assert exact.at[("dc-1", "rack-t"), "safety_stock"] == pytest.approx(
        result.stage(stage_name("dc-1", "rack-t")).safety_stock
    )


def test_holding_rate_and_service_level_options(tiny: Scenario) -> None:
    base = optimize(network_from_scenario(tiny))
    double = optimize(network_from_scenario(tiny, ScenarioGSMOptions(holding_rate=0.52)))
    assert double.total_cost == pytest.approx(2 * base.total_cost)
    higher = optimize(network_from_scenario(tiny, ScenarioGSMOptions(service_level=0.99)))
    assert higher.total_cost > base.total_cost
    assert higher.total_safety_stock == pytest.approx(
        base.total_safety_stock * norm.ppf(0.99) / norm.ppf(0.95), rel=1e-9
    )


def test_stated_forecast_error_drives_sigma_and_zero_means_no_safety_stock(
    tiny: Scenario,
) -> None:
    from dataclasses import replace

    from rackforge.inventory.from_scenario import demand_variability

    assert demand_variability(tiny) is DemandVariability.TREND_RESIDUAL  # nothing stated
    none = replace(tiny, config=replace(tiny.config, forecast_cv=0.0))
    assert demand_variability(none) is DemandVariability.FORECAST_ERROR
    assert all(s.demand_std == 0 for s in network_from_scenario(none).stages)
    assert optimize(network_from_scenario(none)).total_cost == pytest.approx(0.0, abs=1e-9)
    # 20% error on every row, one row of 10 racks a week in weeks 3..7 of 8 weeks:
    # variance (0.2 x 10)^2 in five weeks of eight -> sigma = 2 x sqrt(5 / 8)
    stated = replace(tiny, config=replace(tiny.config, forecast_cv=0.2))
    dc = network_from_scenario(stated).stage("rack-t@dc-1")
    assert dc.demand_std == pytest.approx(2.0 * math.sqrt(5 / 8))
    # a row's own cv overrides the default
    rows = tiny.demand.assign(forecast_cv=0.1)
    own = network_from_scenario(tiny.with_tables(demand=rows)).stage("rack-t@dc-1")
    assert own.demand_std == pytest.approx(1.0 * math.sqrt(5 / 8))
