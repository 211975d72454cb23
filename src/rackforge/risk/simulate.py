"""Weekly flow simulation of the whole network, vectorised across Monte-Carlo scenarios.

Release policy: **the baseline weekly plan, with catch-up**. Every arc (purchase, production
start, transfer) tries each week to dispatch its planned quantity of the undisrupted plan
(:mod:`rackforge.risk.baseline`) plus whatever it could not dispatch before (its backlog: open
purchase orders a supplier owes, starts a plant missed, transfers not yet sent). What it
dispatches is limited by

* its capacity that week (after the scenario's dated events), lowered while one of its nodes
  is down to what that node keeps (:mod:`rackforge.risk.baseline`: a plant its hours and make
  limits, any other node ``capacity_factor`` of its nominal capacity; the lower of the two
  if two are down),
* the hours left in its pools (resources, lane capacity), and
* the stock of every input: a rack or assembly is started only when every BOM component is
  there.

Output arrives ``lead`` weeks later. Arcs are processed in an order where an arc that feeds
another with zero lead time goes first (so same-week chains work as in the LP); among the rest,
purchases, then production, then transfers, each in network order. Stock carries over. Demand is
then served from stock at its site by priority (1 first); what is not served is carried as
backlog when the scenario allows backlog, else lost. Purchases from suppliers outside the risk
table are exactly the plan and are folded into scheduled receipts.

Re-routing (``reroute=True``, the default): after the week's purchases, what a supplier still
owes for an item and ship-to site is ordered from the other suppliers of that item and site,
cheapest first, within the capacity they have left that week, and arrives after their own lead
time. Without it the plan waits for the disrupted supplier to recover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rackforge.risk.backend import ArrayOps
from rackforge.risk.baseline import Baseline, scaled_nominal
from rackforge.risk.disruptions import BoolArray, DisruptionSampler, RiskProfile, weekly_hazard
from rackforge.risk.network import ArcKind, FloatArray, Network


@dataclass(frozen=True)
class SimArc:
    lead: int
    out: int
    cap: tuple[float, ...]  # each week's capacity after the events, inf = unbounded
    nominal: tuple[float, ...]  # per owner: the capacity its share scales (inf: only a stop)
    owners: tuple[int, ...]  # indices into the risk profile
    inputs: tuple[tuple[int, float], ...]  # (stock point, units per unit)
    pools: tuple[tuple[int, float], ...]  # (pool, load per unit)
    plan: tuple[float, ...]  # planned dispatch each week
    is_buy: bool = False
    alternates: tuple[int, ...] = ()  # other purchases of the same point, cheapest first


@dataclass(frozen=True)
class SimModel:
    """Everything one chunk of the simulation needs; small and picklable."""

    horizon: int
    on_hand: FloatArray  # (P,)
    scheduled: FloatArray  # (P, H) receipts plus fixed purchases
    arcs: tuple[SimArc, ...]  # in processing order
    pool_cap: FloatArray  # (C, H) after the events
    pool_nominal: FloatArray  # (C,)
    pool_owner: tuple[int, ...]  # risk index or -1
    group_order: tuple[int, ...]  # demand groups, highest priority first
    group_point: tuple[int, ...]
    demand: FloatArray  # (G, H)
    backlog: bool
    risk_nodes: tuple[int, ...]  # network node of each risk index
    profile: RiskProfile

    @property
    def demand_total(self) -> float:
        return float(self.demand.sum())


def build_model(net: Network, base: Baseline, backlog: bool, reroute: bool = True) -> SimModel:
    """The simulation model of ``net`` following the plan ``base``."""
    risky = [
        i
        for i, n in enumerate(net.nodes)
        if n.in_risk_table and n.annual_prob > 0 and n.ttr_weeks > 0
    ]
    risk_index = {node: k for k, node in enumerate(risky)}
    member: dict[int, list[tuple[int, float]]] = {}
    for c in range(net.n_pools):
        for j in range(net.pool_ptr[c], net.pool_ptr[c + 1]):
            member.setdefault(int(net.pool_arc[j]), []).append((c, float(net.pool_coef[j])))
    owners = [
        tuple(
            risk_index[int(o)]
            for o in net.owner_node[net.owner_ptr[a] : net.owner_ptr[a + 1]]
            if int(o) in risk_index
        )
        for a in range(net.n_arcs)
    ]
    scaled: dict[tuple[int, int], float] = {}
    for k, node in enumerate(risky):
        node_arcs, node_nominal = scaled_nominal(net, base, node)
        for a, nominal in zip(node_arcs, node_nominal, strict=True):
            scaled[(k, int(a))] = float(nominal)
    groups = _reroute_groups(net, owners) if reroute else {}
    scheduled = net.receipts.copy()
    arcs: list[tuple[int, SimArc]] = []
    for a in range(net.n_arcs):
        plan = base.flows[a]
        span = slice(net.cons_ptr[a], net.cons_ptr[a + 1])
        inputs = tuple(
            (int(p), float(q))
            for p, q in zip(net.cons_point[span], net.cons_qty[span], strict=True)
        )
        pools = tuple(member.get(a, []))
        lead = int(net.arc_lead[a])
        rerouted = int(net.arc_out[a]) in groups and net.arc_kind[a] is ArcKind.BUY
        if not rerouted and not plan.any():
            continue
        if not rerouted and not owners[a] and not inputs and not pools:
            if lead < net.horizon:
                scheduled[net.arc_out[a], lead:] += plan[: net.horizon - lead]
            continue
        arc = SimArc(
            lead,
            int(net.arc_out[a]),
            tuple(float(v) for v in net.arc_ub[a]),
            tuple(scaled[(k, a)] for k in owners[a]),
            owners[a],
            inputs,
            pools,
            tuple(float(v) for v in plan),
            is_buy=net.arc_kind[a] is ArcKind.BUY,
        )
        arcs.append((a, arc))
    ordered = _processing_order(net, arcs)
    position = {a: i for i, (a, _) in enumerate(ordered)}
    final = tuple(
        replace(arc, alternates=tuple(position[b] for b in groups[arc.out] if b != a))
        if arc.is_buy and arc.out in groups
        else arc
        for a, arc in ordered
    )
    nodes = [net.nodes[i] for i in risky]
    profile = RiskProfile(
        hazard=weekly_hazard(np.array([n.annual_prob for n in nodes], dtype=float)),
        ttr_weeks=np.array([n.ttr_weeks for n in nodes], dtype=float),
        factor=np.array([n.capacity_factor for n in nodes], dtype=float),
    )
    order = sorted(range(net.n_groups), key=lambda g: (int(net.group_priority[g]), g))
    return SimModel(
        horizon=net.horizon,
        on_hand=net.on_hand.copy(),
        scheduled=scheduled,
        arcs=final,
        pool_cap=net.pool_ub.copy(),
        pool_nominal=base.pool_nominal.copy(),
        pool_owner=tuple(risk_index.get(int(net.pool_node[c]), -1) for c in range(net.n_pools)),
        group_order=tuple(order),
        group_point=tuple(int(p) for p in net.group_point),
        demand=net.demand.copy(),
        backlog=backlog,
        risk_nodes=tuple(risky),
        profile=profile,
    )


def _reroute_groups(net: Network, owners: list[tuple[int, ...]]) -> dict[int, list[int]]:
    """Stock points bought from two or more suppliers, one of them disruptable: their purchase
    arcs, cheapest first."""
    by_point: dict[int, list[int]] = {}
    for a in range(net.n_arcs):
        if net.arc_kind[a] is ArcKind.BUY:
            by_point.setdefault(int(net.arc_out[a]), []).append(a)
    return {
        p: sorted(arcs, key=lambda a: (float(net.arc_cost[a]), a))
        for p, arcs in by_point.items()
        if len(arcs) > 1 and any(owners[a] for a in arcs)
    }


_KIND_RANK = {ArcKind.BUY: 0, ArcKind.MAKE: 1, ArcKind.SHIP: 2}


def _processing_order(net: Network, arcs: list[tuple[int, SimArc]]) -> list[tuple[int, SimArc]]:
    """Kahn's topological order on zero-lead feeds; ties (and cycles) by kind, then index."""
    key = {a: (_KIND_RANK[net.arc_kind[a]], a) for a, _ in arcs}
    feeds: dict[int, list[int]] = {}
    for a, arc in arcs:
        if arc.lead == 0:
            feeds.setdefault(arc.out, []).append(a)
    preds = {a: {b for p, _ in arc.inputs for b in feeds.get(p, []) if b != a} for a, arc in arcs}
    by_index = dict(arcs)
    done: list[int] = []
    left = set(by_index)
    while left:
        ready = [a for a in left if not (preds[a] & left)] or list(left)  # a cycle: break it
        first = min(ready, key=key.__getitem__)
        done.append(first)
        left.remove(first)
    return [(a, by_index[a]) for a in done]


@dataclass(frozen=True)
class ChunkOutcome:
    delivered: FloatArray  # (n,) units delivered over the horizon, per scenario
    down_weeks: FloatArray  # (n, K) weeks each risk node was down, per scenario


def run_chunk(model: SimModel, sampler: DisruptionSampler, ops: ArrayOps) -> ChunkOutcome:
    """Simulate ``sampler.n`` scenarios over the horizon on the backend ``ops``."""
    n, h = sampler.n, model.horizon
    state = _State(
        stock=[ops.full(n, float(v)) for v in model.on_hand],
        owed=[ops.full(n, 0.0) for _ in model.arcs],
        late=[ops.full(n, 0.0) for _ in model.group_order],
        delivered=ops.full(n, 0.0),
    )
    last_buy = max((i for i, arc in enumerate(model.arcs) if arc.is_buy), default=-1)
    for t in range(h):
        avail = ops.asarray(sampler.step())
        for p in range(len(state.stock)):
            if model.scheduled[p, t]:
                state.stock[p] = state.stock[p] + float(model.scheduled[p, t])
            if (t, p) in state.pending:
                state.stock[p] = state.stock[p] + state.pending.pop((t, p))
        down = sampler.down_now
        left = [
            _capacity(ops, avail, k if k >= 0 and down[k] else -1, float(cap), float(nom))
            for k, cap, nom in zip(
                model.pool_owner, model.pool_cap[:, t], model.pool_nominal, strict=True
            )
        ]
        caps: dict[int, Any] = {}
        sent: dict[int, Any] = {}
        for i, arc in enumerate(model.arcs):
            cap = _arc_capacity(ops, avail, arc, down, t)
            want = state.owed[i] + arc.plan[t]
            x = ops.minimum(want, cap)
            for c, load in arc.pools:
                x = ops.minimum(x, left[c] / load)
            for p, q in arc.inputs:
                x = ops.minimum(x, state.stock[p] / q)
            x = ops.maximum(x, 0.0)
            for c, load in arc.pools:
                left[c] = left[c] - load * x
            for p, q in arc.inputs:
                state.stock[p] = state.stock[p] - q * x
            state.owed[i] = want - x
            state.arrive(t, arc.lead, arc.out, x, h)
            caps[i], sent[i] = cap, x
            if i == last_buy:
                _reroute(model, state, ops, t, caps, sent, sampler.ever_down)
        _deliver(model, state, ops, t)
    return ChunkOutcome(ops.to_numpy(state.delivered), sampler.down_weeks.copy())


@dataclass
class _State:
    stock: list[Any]  # (n,) per stock point
    owed: list[Any]  # (n,) per arc: planned units not yet dispatched
    late: list[Any]  # (n,) per demand group: backlog
    delivered: Any
    pending: dict[tuple[int, int], Any] = field(default_factory=dict)  # (week, point) arrivals

    def arrive(self, now: int, lead: int, point: int, units: Any, horizon: int) -> None:
        """Output dispatched in week ``now``: to stock at once (zero lead) or in ``lead`` weeks."""
        if lead == 0:
            self.stock[point] = self.stock[point] + units
            return
        week = now + lead
        if week >= horizon:
            return
        key = (week, point)
        self.pending[key] = self.pending[key] + units if key in self.pending else units


def _arc_capacity(ops: ArrayOps, avail: Any, arc: SimArc, down: BoolArray, t: int) -> Any:
    """The arc's capacity in week ``t`` (its plain capacity while none of its nodes is down)."""
    cap: Any = arc.cap[t]
    for k, nominal in zip(arc.owners, arc.nominal, strict=True):
        if down[k]:
            cap = _capacity(ops, avail, k, cap, nominal)
    return cap


def _reroute(
    model: SimModel,
    state: _State,
    ops: ArrayOps,
    t: int,
    caps: dict[int, Any],
    sent: dict[int, Any],
    ever_down: BoolArray,
) -> None:
    """Move what each purchase still owes to its alternates' spare capacity this week (a
    purchase whose nodes were never down owes nothing and is skipped)."""
    for i, arc in enumerate(model.arcs):
        if not arc.alternates or not any(ever_down[k] for k in arc.owners):
            continue
        short = state.owed[i]
        for j in arc.alternates:
            alt = model.arcs[j]
            extra = ops.maximum(ops.minimum(short, caps[j] - sent[j]), 0.0)
            sent[j] = sent[j] + extra
            short = short - extra
            state.arrive(t, alt.lead, alt.out, extra, model.horizon)
        state.owed[i] = short


def _deliver(model: SimModel, state: _State, ops: ArrayOps, t: int) -> None:
    """Serve each demand group from stock at its site, highest priority first."""
    for j, g in enumerate(model.group_order):
        p = model.group_point[g]
        due = state.late[j] + float(model.demand[g, t])
        served = ops.maximum(ops.minimum(due, state.stock[p]), 0.0)
        state.stock[p] = state.stock[p] - served
        state.delivered = state.delivered + served
        if model.backlog:
            state.late[j] = due - served


def _capacity(ops: ArrayOps, avail: Any, k: int, cap: Any, nominal: float) -> Any:
    """``cap`` with risk node ``k`` at its share this week (``k < 0``: not down): the lower of
    ``cap`` and the share of ``nominal``, nothing at a share of 0."""
    if k < 0:
        return cap
    share = avail[k]
    none = share * 0.0
    kept = (
        ops.where(share <= 0.0, none, none + math.inf) if math.isinf(nominal) else share * nominal
    )
    return ops.where(share >= 1.0, cap, ops.minimum(kept, cap))
