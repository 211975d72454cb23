"""Domain-aware checks shared by the tests and benchmarks (and useful to users' own tests):
scenario equality, and safety-stock networks to and from stockpyl."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rackforge.inventory import DEFAULT_Z, Arc, GSMNetwork, Stage, TimeRounding
from rackforge.inventory.problem import prepare
from rackforge.scenario import Scenario


def assert_scenario_equal(left: Scenario, right: Scenario) -> None:
    """Raise ``AssertionError`` naming the first table or setting that differs."""
    assert left.config == right.config, f"settings differ:\n{left.config}\n{right.config}"
    assert left.roadmap == right.roadmap, "roadmaps differ"
    assert set(left.tables) == set(right.tables), "the sets of tables differ"
    for name in left.tables:
        try:
            pd.testing.assert_frame_equal(
                left.tables[name].reset_index(drop=True),
                right.tables[name].reset_index(drop=True),
                check_dtype=True,
            )
        except AssertionError as exc:
            raise AssertionError(f"table {name!r} differs: {exc}") from None


def to_stockpyl(network: GSMNetwork) -> Any:
    """The same instance as a stockpyl ``SupplyChainNetwork`` (nodes 1..n in stage order), to
    compare with stockpyl's tree DP (Snyder & Shen 2019, ch. 6; stockpyl is a test
    dependency). Local holding cost is rackforge's unit holding cost; a stage without ``z``
    gets the demand stages' ``z``, which must then be equal (stockpyl takes one per node)."""
    from stockpyl.supply_chain_network import network_from_edges

    stages = network.stages
    index = {s.name: k + 1 for k, s in enumerate(stages)}
    holding = prepare(network, None, TimeRounding.UP).holding_cost
    z = [s.z for s in stages]
    if any(v is None for v in z):
        demand_z = {DEFAULT_Z if s.z is None else s.z for s in stages if s.has_demand}
        if len(demand_z) != 1:
            raise ValueError(f"{network.name}: demand stages with different z")
        (internal_z,) = demand_z
        z = [internal_z if v is None else v for v in z]
    return network_from_edges(
        edges=[(index[a.upstream], index[a.downstream]) for a in network.arcs],
        node_order_in_lists=list(index.values()),
        processing_time=[int(s.processing_time) for s in stages],
        local_holding_cost=[float(h) for h in holding],
        demand_bound_constant=z,
        external_inbound_cst=[int(s.inbound_service_time) for s in stages],
        external_outbound_cst=[
            None if s.max_service_time is None else int(s.max_service_time) for s in stages
        ],
        demand_type=["N" if s.has_demand else None for s in stages],
        mean=[s.demand_mean if s.has_demand else None for s in stages],
        standard_deviation=[s.demand_std if s.has_demand else None for s in stages],
    )


def from_stockpyl(tree: Any, name: str = "") -> GSMNetwork:
    """A stockpyl GSM instance as a :class:`GSMNetwork` (stockpyl's conventions: local holding
    cost per node, demand-bound constant per node, default that of a sink)."""
    sinks = [k for k in tree.nodes if not k.successor_indices()]
    default_z = next((k.demand_bound_constant for k in sinks if k.demand_bound_constant), 1.0)
    stages = []
    for k in tree.nodes:
        demand = k.demand_source
        stages.append(
            Stage(
                name=str(k.index),
                processing_time=k.processing_time,
                holding_cost=k.local_holding_cost,
                demand_mean=(demand.mean or 0.0) if demand is not None else 0.0,
                demand_std=(demand.standard_deviation or 0.0) if demand is not None else 0.0,
                z=k.demand_bound_constant if k.demand_bound_constant is not None else default_z,
                max_service_time=k.external_outbound_cst,
                inbound_service_time=k.external_inbound_cst or 0,
            )
        )
    arcs = tuple(Arc(str(i), str(j)) for i, j in tree.edges)
    return GSMNetwork(stages=tuple(stages), arcs=arcs, holding_rate=1.0, name=name)
