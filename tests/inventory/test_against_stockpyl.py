"""Agreement with stockpyl (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., ch. 6)
and with brute force, on its instances and on random networks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from inventory_helpers import brute_force, reference_cost, tree_networks
from stockpyl.gsm_tree import optimize_committed_service_times
from stockpyl.instances import load_instance

from rackforge.inventory import GSMNetwork, GSMOptions, Method, SolveStatus, optimize
from rackforge.testing import from_stockpyl, to_stockpyl

# stockpyl's named GSM instances (serial and tree examples of Snyder & Shen, ch. 6).
INSTANCES = [
    "example_6_3",
    "problem_6_7",
    "problem_6_8",
    "problem_6_9",
    "example_6_5",
    "figure_6_14",
]


@pytest.mark.parametrize("name", INSTANCES)
def test_stockpyl_instances(name: str) -> None:
    tree = load_instance(name)
    _, expected = optimize_committed_service_times(tree)
    network = from_stockpyl(tree)
    for method in (Method.TREE_DP, Method.BRANCH_AND_BOUND, Method.MIP, Method.PAIRS):
        result = optimize(network, GSMOptions(method=method))
        assert result.status is SolveStatus.OPTIMAL
        assert result.total_cost == pytest.approx(expected, rel=1e-6), method


def test_example_6_5_service_times() -> None:
    # Snyder & Shen, example 6.5: optimal CSTs {1: 0, 3: 0, 2: 0, 4: 1}, cost 8.2779.
    result = optimize(from_stockpyl(load_instance("example_6_5")))
    assert {s.stage: s.service_time for s in result.stages} == {"1": 0, "3": 0, "2": 0, "4": 1}
    assert result.total_cost == pytest.approx(8.277916867529369, rel=1e-12)


def _costs(network: GSMNetwork) -> dict[Method, float]:
    return {
        m: optimize(network, GSMOptions(method=m)).total_cost
        for m in (Method.TREE_DP, Method.BRANCH_AND_BOUND, Method.MIP, Method.PAIRS)
        if m is not Method.TREE_DP or network.is_tree
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_networks())
def test_random_trees_dp_mip_stockpyl(network: GSMNetwork) -> None:
    costs = _costs(network)
    _, expected = optimize_committed_service_times(to_stockpyl(network))
    for method, cost in costs.items():
        assert cost == pytest.approx(expected, rel=1e-6, abs=1e-9), method
    result = optimize(network)
    service = {s.stage: s.service_time for s in result.stages}
    assert reference_cost(network, service) == pytest.approx(result.total_cost, rel=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_networks(max_stages=5, tree=False))
def test_random_general_networks_bnb_mip_brute_force(network: GSMNetwork) -> None:
    costs = _costs(network)
    expected = brute_force(network)
    for method, cost in costs.items():
        assert cost == pytest.approx(expected, rel=1e-6, abs=1e-9), method


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_networks(max_stages=14, tree=False))
def test_random_general_networks_pair_model_and_branch_and_bound(network: GSMNetwork) -> None:
    """Two exact methods built on different relaxations (a spanning-tree DP with Lagrange
    multipliers; an LP over (SI, S) pairs) must prove the same optimum, beyond the sizes that
    brute force reaches."""
    results = [
        optimize(network, GSMOptions(method=m)) for m in (Method.BRANCH_AND_BOUND, Method.PAIRS)
    ]
    assert all(r.status is SolveStatus.OPTIMAL for r in results)
    assert results[1].total_cost == pytest.approx(results[0].total_cost, rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(tree_networks())
def test_invariants(network: GSMNetwork) -> None:
    result = optimize(network)
    assert result.total_cost >= 0
    assert result.lower_bound <= result.total_cost * (1 + 1e-9)
    by_name = {s.stage: s for s in result.stages}
    for s in network.stages:
        r = by_name[s.name]
        assert (
            0
            <= r.service_time
            <= (s.max_service_time if s.max_service_time is not None else float("inf"))
        )
        assert r.nrt == max(r.inbound_service_time + s.processing_time - r.service_time, 0)
        assert r.safety_stock >= 0 and r.base_stock >= r.safety_stock - 1e-9
    for a in network.arcs:
        assert by_name[a.downstream].inbound_service_time >= by_name[a.upstream].service_time
