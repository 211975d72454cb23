"""Hours per good unit from a routing's yields and rework loops (absorbing Markov chain)."""

from __future__ import annotations

import numpy as np
import pytest

from rackforge.plan.network import build_network
from rackforge.scenario import Scenario
from rackforge.scenario.derived import visits_per_good_unit


def test_single_step_is_hours_over_yield() -> None:
    assert visits_per_good_unit(np.array([0.8]), np.array([-1])) == pytest.approx([1.25])


def test_scrap_downstream_is_made_again_upstream() -> None:
    # a good unit out of step 2 needs 1 / 0.5 passes of step 2 and 1 / (0.5 x 0.5) of step 1
    visits = visits_per_good_unit(np.array([0.5, 0.5]), np.array([-1, -1]))
    assert visits == pytest.approx([4.0, 2.0])


def test_rework_loop_is_a_geometric_number_of_passes() -> None:
    # failing step 2 (yield 0.9) sends the unit back to step 1: both are visited
    # sum_k 0.1^k = 1 / 0.9 times per good unit (Kemeny & Snell: N = (I - Q)^-1)
    visits = visits_per_good_unit(np.array([1.0, 0.9]), np.array([-1, 0]))
    assert visits == pytest.approx([1 / 0.9, 1 / 0.9])


def test_bundled_tiny_loads(tiny: Scenario) -> None:
    net = build_network(tiny)
    loads = net.loads.merge(net.resources, left_on="resource_row", right_index=True)
    loads = loads.merge(net.make[["item"]], left_on="make_row", right_index=True)
    hours = loads.set_index(["item", "resource"])["hours"]
    # tray: labour 1 h x 1/0.9 visits x (1 - 0.25 automation); test 2 h x 1/0.9
    assert hours[("tray-t", "labor-1")] == pytest.approx(1 / 0.9 * 0.75)
    assert hours[("tray-t", "test-1")] == pytest.approx(2 / 0.9)
    assert hours[("rack-t", "test-1")] == pytest.approx(4.0)
    raw = build_network(tiny, automation=False).loads["hours"]
    assert sorted(raw) == pytest.approx(sorted([4.0, 2.0, 1 / 0.9, 2 / 0.9]))
