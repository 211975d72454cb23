"""Times off the service-time grid: the answer's gap is to the optimum for the exact times.

The exact optimum of a small serial chain with quarter-day times is found by enumerating
every pair of service times on the quarter-day grid (exact there: the times are multiples of
it, Graves & Willems 2000, sec. 3) and costing each from the definitions alone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from inventory_helpers import reference_cost

from rackforge.inventory import GSMOptions, optimize
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


def test_off_the_grid_the_exact_optimum_lies_between_the_bound_and_the_answer() -> None:
    result = optimize(CHAIN)  # whole days: every time is rounded
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
