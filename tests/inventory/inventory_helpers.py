"""Independent references for the inventory tests: brute force, stockpyl bridge, data paths."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from hypothesis import strategies as st

from rackforge.inventory import Arc, GSMNetwork, Stage

DATA = Path(__file__).resolve().parent.parent / "data"
WILLEMS = DATA / "willems-2008"
TEXTBOOK = DATA / "gsm-textbook"


def _paths_to(network: GSMNetwork) -> dict[str, dict[str, float]]:
    """units of each stage per unit of each demand stage (sum over paths of qty products)."""
    succ: dict[str, list[tuple[str, float]]] = {s.name: [] for s in network.stages}
    for a in network.arcs:
        succ[a.upstream].append((a.downstream, a.qty))
    memo: dict[str, dict[str, float]] = {}

    def phi(name: str) -> dict[str, float]:
        if name not in memo:
            out: dict[str, float] = {}
            if network.stage(name).has_demand:
                out[name] = 1.0
            for nxt, qty in succ[name]:
                for d, v in phi(nxt).items():
                    out[d] = out.get(d, 0.0) + qty * v
            memo[name] = out
        return memo[name]

    return {s.name: phi(s.name) for s in network.stages}


def reference_cost(network: GSMNetwork, service: dict[str, float]) -> float:
    """Annual safety-stock cost of outbound service times, computed from the definitions
    (Graves & Willems 2000) without any rackforge code: square-root pooling, explicit z or the
    demand stages' z, holding cost = rate x cumulative cost unless given."""
    phis = _paths_to(network)
    preds: dict[str, list[tuple[str, float]]] = {s.name: [] for s in network.stages}
    for a in network.arcs:
        preds[a.downstream].append((a.upstream, a.qty))
    cum: dict[str, float] = {}

    def cumulative(name: str) -> float:
        if name not in cum:
            stage = network.stage(name)
            cum[name] = stage.cost_added + sum(q * cumulative(p) for p, q in preds[name])
        return cum[name]

    total = 0.0
    for s in network.stages:
        phi = phis[s.name]
        sigma_d = {d: network.stage(d).demand_std for d in phi}
        z_d = {
            d: 1.6448536269514722 if network.stage(d).z is None else network.stage(d).z for d in phi
        }
        if s.z is not None:
            bound = s.z * math.sqrt(sum((v * sigma_d[d]) ** 2 for d, v in phi.items()))
        else:
            bound = math.sqrt(sum((v * z_d[d] * sigma_d[d]) ** 2 for d, v in phi.items()))
        si = max([s.inbound_service_time, *(service[p] for p, _ in preds[s.name])])
        nrt = max(si + s.processing_time - service[s.name], 0.0)
        h = network.holding_rate * cumulative(s.name) if s.holding_cost is None else s.holding_cost
        total += h * bound * math.sqrt(nrt)
    return total


def brute_force(network: GSMNetwork) -> float:
    """Minimum of :func:`reference_cost` over every integer service-time vector (tiny nets)."""
    order = [s.name for s in network.stages]
    longest: dict[str, float] = {}
    preds: dict[str, list[str]] = {n: [] for n in order}
    for a in network.arcs:
        preds[a.downstream].append(a.upstream)

    def m(name: str) -> float:
        if name not in longest:
            s = network.stage(name)
            longest[name] = s.processing_time + max(
                [s.inbound_service_time, *(m(p) for p in preds[name])]
            )
        return longest[name]

    ranges = []
    for s in network.stages:
        top = m(s.name) if s.max_service_time is None else min(m(s.name), s.max_service_time)
        ranges.append(range(int(top) + 1))
    best = math.inf
    for combo in itertools.product(*ranges):
        best = min(best, reference_cost(network, dict(zip(order, combo, strict=True))))
    return best


@st.composite
def tree_networks(draw: st.DrawFn, max_stages: int = 7, tree: bool = True) -> GSMNetwork:
    """Random small networks with integer times: a random tree (arcs oriented at random), plus
    extra forward arcs when ``tree`` is False; demand at every stage without successors."""
    n = draw(st.integers(2, max_stages))
    arcs: set[tuple[int, int]] = set()
    for k in range(1, n):
        other = draw(st.integers(0, k - 1))
        arcs.add((other, k) if draw(st.booleans()) else (k, other))
    if not tree:
        # extra arcs respecting a topological order of the tree so far
        import networkx as nx

        g = nx.DiGraph(list(arcs))
        order = list(nx.topological_sort(g))
        for _ in range(draw(st.integers(1, 3))):
            a, b = sorted(
                draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)),
                key=order.index,
            )
            arcs.add((a, b))
    has_succ = {a for a, _ in arcs}
    has_pred = {b for _, b in arcs}
    stages = []
    for k in range(n):
        sink = k not in has_succ
        stages.append(
            Stage(
                name=f"s{k}",
                processing_time=draw(st.integers(0, 5)),
                holding_cost=draw(st.floats(0.1, 10.0)),
                demand_mean=draw(st.floats(0.0, 50.0)) if sink else 0.0,
                demand_std=draw(st.floats(0.5, 20.0)) if sink else 0.0,
                z=draw(st.sampled_from([1.0, 1.645, 2.0])),
                max_service_time=draw(st.sampled_from([0, 1, 2, None])) if sink else None,
                inbound_service_time=draw(st.integers(0, 2)) if k not in has_pred else 0,
            )
        )
    return GSMNetwork(
        stages=tuple(stages),
        arcs=tuple(Arc(f"s{a}", f"s{b}") for a, b in sorted(arcs)),
        holding_rate=1.0,
    )
