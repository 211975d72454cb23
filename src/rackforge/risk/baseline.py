"""The undisrupted plan and the capacities of a disrupted network.

The baseline is the flow LP of :mod:`rackforge.risk.lp` over the whole horizon with every node
up, maximising deliveries weighted by ``lost_penalty`` (the weights ``f_j`` of the
performance-impact model of Simchi-Levi et al. 2015), with purchase, production, transfer and
holding cost as a tie-break (weight ``1e-3`` relative to a lost unit) so that the plan buys the
cheapest source and builds just in time. Its deliveries ``b[g,t]`` are the demand the network can
serve; TTS and performance impact are measured against them, so demand that the undisrupted
network cannot serve either is charged to no node. Its flows are the release plan followed by
the Monte-Carlo stress test.

The capacities are the scenario's after its dated events (``events.csv``, the known future):
the baseline plan already works around them.

A disrupted node keeps ``capacity_factor`` of its capacity (a stopped node, factor 0, none):

* a plant keeps that share of its resources' hours and of its make limits where they are set;
  production with no limit and the transfers leaving it are not limited further unless it is
  stopped;
* any other node (supplier, warehouse, lane) keeps that share of each capacity it owns: a
  finite one, else its peak weekly flow in the baseline plan (its *nominal* capacity).

Where an event limits the same capacity in that week, the lower of the two holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rackforge.risk.lp import LpInput, LpStatus, Objective, WarmLp
from rackforge.risk.network import ArcKind, FloatArray, IntArray, Network, NodeKind

#: Weight of currency cost relative to the value of one lost unit in the baseline objective.
COST_TIE_BREAK = 1e-3
#: Feasibility tolerance when checking a plan against capacities (units).
TOL = 1e-6


class BaselineError(RuntimeError):
    """The undisrupted LP could not be solved (a numerical failure of the solver)."""


@dataclass(frozen=True)
class Baseline:
    flows: FloatArray  # (A, H) units dispatched per arc and week
    served: FloatArray  # (G, H) deliveries per demand group and week
    weights: FloatArray  # (G, H) normalised value of a delivered unit
    arc_nominal: FloatArray  # (A,) finite capacity, else peak baseline flow
    pool_nominal: FloatArray  # (C,)
    pool_load: FloatArray  # (C, H) baseline load of each pool
    demand_total: float  # units demanded over the horizon

    @property
    def shortfall(self) -> float:
        """Units of demand the undisrupted network cannot deliver on time."""
        return max(self.demand_total - float(self.served.sum()), 0.0)


def service_weights(net: Network) -> FloatArray:
    """``lost_penalty`` scaled to a maximum of 1 (plus a floor so every unit counts)."""
    pen = net.lost_penalty
    top = float(pen.max()) if pen.size else 0.0
    if top <= 0:
        return np.ones_like(pen)
    return pen / top + 1e-3


def pool_loads(net: Network, flows: FloatArray) -> FloatArray:
    loads = np.zeros((net.n_pools, flows.shape[1]))
    for c in range(net.n_pools):
        members = slice(net.pool_ptr[c], net.pool_ptr[c + 1])
        loads[c] = net.pool_coef[members] @ flows[net.pool_arc[members]]
    return loads


def baseline_input(net: Network, serve_ub: FloatArray | None = None) -> LpInput:
    """The undisrupted full-horizon LP (service capped at ``serve_ub``, default the demand)."""
    h = net.horizon
    top = float(net.lost_penalty.max()) if net.lost_penalty.size else 0.0
    return LpInput(
        window=h,
        arc_ub=net.arc_ub.copy(),
        pool_ub=net.pool_ub.copy(),
        serve_lb=np.zeros_like(net.demand),
        serve_ub=net.demand if serve_ub is None else serve_ub,
        objective=Objective.MAX_SERVICE,
        weights=service_weights(net),
        cost_weight=COST_TIE_BREAK / top if top > 0 else COST_TIE_BREAK,
    )


def plan_baseline(net: Network) -> Baseline:
    """The undisrupted plan of ``net``."""
    return plan_baseline_warm(net)[0]


def plan_baseline_warm(net: Network) -> tuple[Baseline, WarmLp]:
    """The undisrupted plan, and its LP kept warm for re-solves with disrupted capacities."""
    h = net.horizon
    spec = baseline_input(net)
    weights = spec.weights
    assert weights is not None
    warm = WarmLp(net, spec)
    sol = warm.solution
    if sol.status is not LpStatus.OPTIMAL:
        raise BaselineError(f"the undisrupted plan LP ended {sol.status.value}")
    loads = pool_loads(net, sol.flows)
    peak_flow = sol.flows.max(axis=1) if h else np.zeros(net.n_arcs)
    peak_load = loads.max(axis=1) if h else np.zeros(net.n_pools)
    base = Baseline(
        flows=sol.flows,
        served=np.minimum(sol.served, net.demand),
        weights=weights,
        arc_nominal=np.where(np.isfinite(net.arc_cap), net.arc_cap, peak_flow),
        pool_nominal=np.where(np.isfinite(net.pool_cap), net.pool_cap, peak_load),
        pool_load=loads,
        demand_total=float(net.demand.sum()),
    )
    return base, warm


def availability(factor: float, down_weeks: float, window: int, start: int = 0) -> FloatArray:
    """Share of capacity left each week of a disruption from week ``start`` lasting
    ``down_weeks`` (``inf`` = never recovers); a partial last week is pro-rated."""
    avail = np.ones(window)
    first = min(max(start, 0), window)
    if math.isinf(down_weeks):
        avail[first:] = factor
        return avail
    end = min(first + math.floor(down_weeks), window)
    avail[first:end] = factor
    part = down_weeks - math.floor(down_weeks)
    if end < window and part > 0:
        avail[end] = 1.0 - part * (1.0 - factor)
    return avail


def scaled_nominal(net: Network, base: Baseline, node: int) -> tuple[IntArray, FloatArray]:
    """The arcs ``node`` limits and the capacity its share scales on each (module docstring):
    ``inf`` where a partial disruption leaves the arc as it is and only a stop halts it."""
    arcs = net.arcs_of(node)
    nominal = base.arc_nominal[arcs].astype(float)
    if net.nodes[node].kind is NodeKind.PLANT:
        limited = np.array(
            [net.arc_kind[a] is ArcKind.MAKE and np.isfinite(net.arc_cap[a]) for a in arcs],
            dtype=bool,
        )
        nominal = np.where(limited, nominal, np.inf)
    return arcs, nominal


def share_of(nominal: FloatArray, share: FloatArray) -> FloatArray:
    """``nominal * share``, 0 where the share is 0 even for an unlimited capacity."""
    with np.errstate(invalid="ignore"):
        return np.where(share <= 0.0, 0.0, nominal * share)


def disrupted_capacity(
    net: Network, base: Baseline, node: int, avail: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Arc and pool capacities ``(A, W)``, ``(C, W)`` with ``node`` at ``avail[t]``."""
    window = len(avail)
    arc_ub = net.arc_ub[:, :window].copy()
    pool_ub = net.pool_ub[:, :window].copy()
    hit = avail < 1.0
    arcs, nominal = scaled_nominal(net, base, node)
    if len(arcs):
        reduced = share_of(nominal[:, None], avail[None, :])
        arc_ub[arcs] = np.where(hit[None, :], np.minimum(reduced, arc_ub[arcs]), arc_ub[arcs])
    pools = net.pools_of(node)
    if len(pools):
        reduced = share_of(base.pool_nominal[pools, None], avail[None, :])
        pool_ub[pools] = np.where(hit[None, :], np.minimum(reduced, pool_ub[pools]), pool_ub[pools])
    return arc_ub, pool_ub


def plan_fits(base: Baseline, arc_ub: FloatArray, pool_ub: FloatArray) -> bool:
    """Whether the baseline plan itself respects these capacities (then nothing is lost)."""
    w = arc_ub.shape[1]
    return bool(
        np.all(base.flows[:, :w] <= arc_ub + TOL) and np.all(base.pool_load[:, :w] <= pool_ub + TOL)
    )
