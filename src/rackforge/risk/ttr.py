"""Time-to-survive and performance impact of every node (Simchi-Levi et al.).

For each node ``n`` (a supplier, a site, a lane) the network is re-optimised with ``n`` at its
``capacity_factor`` (risk table; 0 without a row), using the inventory, open receipts, other
sources and spare capacity that remain (Simchi-Levi, Schmidt & Wei, "From superstorms to factory
fires: managing unpredictable supply-chain disruptions", Harvard Business Review 92(1-2), 2014;
Simchi-Levi, Schmidt, Wei, Zhang, Combs, Ge, Gusikhin, Sanders & Zhang, "Identifying risks and
mitigating disruptions in the automotive supply chain", Interfaces 45(5):375-390, 2015):

* **time to survive** ``TTS_n``: the longest time all demand the undisrupted network serves can
  still be served on time with ``n`` down for good. The paper's LP maximises ``t`` over a
  single period whose capacities and demand scale with ``t``; here the model is weekly (lead
  times, receipts), so TTS is found by **search over feasibility LPs** on the number of fully
  served weeks ``T``: the max-service LP with the node down for good serves every week before
  its first shortfall ``f`` (so ``T >= f``); feasibility LPs of ``f+1, f+2, f+4, ...`` weeks
  bracket ``T`` and bisection finds it (feasibility is monotone in ``T``, as fewer served weeks
  is a relaxation). Then one LP maximises
  the served fraction ``theta`` of week ``T`` at uniform weekly rates: ``TTS = T + theta``.
  ``inf`` when the whole horizon is served.
* **performance impact** ``PI_n``: with ``n`` down for its time to recover ``TTR_n`` (weeks
  ``[0, TTR)``, the last partial week pro-rated) and back afterwards, the minimum weighted units
  of demand not delivered on time over the horizon (the paper's min-lost-demand LP, weights
  ``f_j`` = ``lost_penalty``). ``impact_units`` counts the units, ``impact_value`` prices them at
  ``lost_penalty``. Nodes without a risk row use ``TTR = 4`` weeks (the risk table's default).

A node is *exposed* when ``TTS < TTR``: the network runs out before the node is back. With
lead times a node can also be *covered with loss*: ``TTS >= TTR``, yet demand is lost after the
node is back, because what it ships again arrives only after its lead time, or because no
spare capacity is left later in the horizon to make up for the weeks it was down. Performance
impact counts those losses too; the first week with a loss is reported.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from rackforge.risk.baseline import (
    Baseline,
    availability,
    baseline_input,
    disrupted_capacity,
    plan_baseline_warm,
    plan_fits,
)
from rackforge.risk.build import build_network
from rackforge.risk.lp import LpInput, LpStatus, Objective, WarmLp, new_highs, solve
from rackforge.risk.network import Network, NodeKind
from rackforge.risk.options import RiskOptions
from rackforge.scenario import Scenario

Progress = Callable[[int, int], None]

#: The policy behind every answer of this module, stated in its outputs.
RISK_POLICY = (
    "foresight: one certain outage per node, re-planned by an LP from its first week "
    "(buys ahead, re-routes, moves production)"
)

#: Units a week below which a shortfall is solver noise.
SHORT_TOL = 1e-6


class NodeStatus(Enum):
    SURVIVES = "survives"  # demand served over the whole horizon with the node down for good
    COVERED = "covered"  # TTS >= TTR and nothing is lost
    COVERED_WITH_LOSS = "covered_with_loss"  # TTS >= TTR, yet demand is lost later (below)
    EXPOSED = "exposed"  # TTS < TTR
    FAILED = "failed"  # an LP could not be solved


@dataclass(frozen=True)
class NodeRisk:
    target: str
    kind: NodeKind
    status: NodeStatus
    tts_weeks: float
    ttr_weeks: float
    ttr_from_risk_table: bool
    capacity_factor: float
    impact_units: float
    impact_value: float
    limited_by: str  # the stock point that runs short first without the node ("" if none)
    lost_by_demand: dict[str, float]  # item@site -> units lost during the disruption
    first_loss_week: int | None  # first week with demand lost while the node recovers
    start_week: int = 0  # the week the outage begins

    @property
    def exposed(self) -> bool:
        return self.status is NodeStatus.EXPOSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind.value,
            "status": self.status.value,
            "tts_weeks": self.tts_weeks,
            "ttr_weeks": self.ttr_weeks,
            "ttr_source": "risk" if self.ttr_from_risk_table else "default",
            "capacity_factor": self.capacity_factor,
            "impact_units": self.impact_units,
            "impact_value": self.impact_value,
            "exposed": self.exposed,
            "limited_by": self.limited_by,
            "first_loss_week": self.first_loss_week,
            "start_week": self.start_week,
            "lost_by_demand": dict(self.lost_by_demand),
        }


@dataclass(frozen=True)
class RiskReport:
    scenario: str
    horizon_weeks: int
    demand_units: float
    baseline_served_units: float
    nodes: tuple[NodeRisk, ...]  # ranked: largest impact first
    start_week: int = 0  # the week every outage begins

    @property
    def exposed(self) -> tuple[NodeRisk, ...]:
        return tuple(n for n in self.nodes if n.exposed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "policy": RISK_POLICY,
            "horizon_weeks": self.horizon_weeks,
            "start_week": self.start_week,
            "demand_units": self.demand_units,
            "baseline_served_units": self.baseline_served_units,
            "baseline_shortfall_units": max(self.demand_units - self.baseline_served_units, 0.0),
            "exposed": [n.target for n in self.exposed],
            "nodes": [n.to_dict() for n in self.nodes],
        }


def assess(
    scenario: Scenario, options: RiskOptions | None = None, progress: Progress | None = None
) -> RiskReport:
    """TTS, TTR and performance impact of every node of ``scenario``, ranked by impact."""
    opts = options or RiskOptions()
    net = build_network(scenario, opts.default_ttr_weeks)
    base, warm = plan_baseline_warm(net)
    workers = opts.workers if opts.workers is not None else (os.cpu_count() or 1)
    if not 0 <= opts.start_week < net.horizon:
        raise ValueError(
            f"start week {opts.start_week} is outside the horizon (0..{net.horizon - 1})"
        )
    results = _evaluate_all(net, base, warm, workers, progress, opts.start_week)
    ranked = sorted(
        results, key=lambda r: (-r.impact_units, -r.impact_value, r.tts_weeks, r.target)
    )
    return RiskReport(
        scenario=scenario.config.name,
        horizon_weeks=net.horizon,
        demand_units=base.demand_total,
        baseline_served_units=float(base.served.sum()),
        nodes=tuple(ranked),
        start_week=opts.start_week,
    )


def _evaluate_all(
    net: Network,
    base: Baseline,
    warm: WarmLp,
    workers: int,
    progress: Progress | None,
    start: int = 0,
) -> list[NodeRisk]:
    n = len(net.nodes)
    if workers <= 1 or n <= 1:
        solver = NodeSolver(net, base, warm, start)
        out = []
        for i in range(n):
            out.append(solver.evaluate(i))
            if progress:
                progress(i + 1, n)
        return out
    results: list[NodeRisk | None] = [None] * n
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, n),
        mp_context=context,
        initializer=_init,
        initargs=(net, base, start),
    ) as pool:
        futures = {pool.submit(_evaluate_in_worker, i): i for i in range(n)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, n)
    return [r for r in results if r is not None]


_WORKER: dict[str, Any] = {}


def _init(net: Network, base: Baseline, start: int) -> None:
    _WORKER["solver"] = NodeSolver(net, base, start=start)


def _evaluate_in_worker(node: int) -> NodeRisk:
    solver: NodeSolver = _WORKER["solver"]
    return solver.evaluate(node)


class NodeSolver:
    """The LPs of one process: a cold HiGHS instance for the short survival windows and the
    full-horizon undisrupted model kept warm for the performance impact."""

    def __init__(
        self, net: Network, base: Baseline, warm: WarmLp | None = None, start: int = 0
    ) -> None:
        self.net = net
        self.base = base
        self.start = start
        self.cold = new_highs()
        self.warm = warm or WarmLp(net, baseline_input(net))

    def evaluate(self, node: int) -> NodeRisk:
        return evaluate_node(self, node)


def evaluate_node(solver: NodeSolver, node: int) -> NodeRisk:
    """TTS and performance impact of one node."""
    net = solver.net
    info = net.nodes[node]
    tts, limited_by, ok_tts = time_to_survive(solver, node, info.capacity_factor)
    lost, ok_pi = lost_demand(solver, node, info.capacity_factor, info.ttr_weeks)
    impact = _clean(float(lost.sum()))
    if not (ok_tts and ok_pi):
        status = NodeStatus.FAILED
    elif math.isinf(tts):
        status = NodeStatus.SURVIVES
    elif tts < info.ttr_weeks:
        status = NodeStatus.EXPOSED
    else:
        status = NodeStatus.COVERED_WITH_LOSS if impact > 0 else NodeStatus.COVERED
    weeks_lost = np.flatnonzero(lost.sum(axis=0) > SHORT_TOL)
    by_demand: dict[str, float] = {}
    for g in range(net.n_groups):
        units = float(lost[g].sum())
        if units > 1e-6:
            label = net.group_label(g)
            by_demand[label] = by_demand.get(label, 0.0) + units
    return NodeRisk(
        target=info.target,
        kind=info.kind,
        status=status,
        tts_weeks=tts,
        ttr_weeks=info.ttr_weeks,
        ttr_from_risk_table=info.in_risk_table,
        capacity_factor=info.capacity_factor,
        impact_units=impact,
        impact_value=_clean(float((lost * net.lost_penalty).sum())),
        limited_by=limited_by,
        lost_by_demand=by_demand,
        first_loss_week=int(weeks_lost[0]) if len(weeks_lost) else None,
        start_week=solver.start,
    )


def _served_before(base: Baseline, start: int) -> np.ndarray:
    """Lower bounds on service: the plan's deliveries before ``start`` (the weeks before an
    outage are served as planned, not given up to save stock for it), nothing after."""
    lb = np.zeros_like(base.served)
    lb[:, :start] = base.served[:, :start]
    return lb


def _unforeseen(
    base: Baseline, arc_ub: np.ndarray, pool_ub: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Capacities with every arc held to the undisrupted plan's flow before ``start``: the
    outage is not foreseen, so nothing is bought or built ahead of it beyond the plan (an
    outage from week 0 leaves the capacities as they are)."""
    if start > 0:
        arc_ub = arc_ub.copy()
        arc_ub[:, :start] = np.minimum(arc_ub[:, :start], base.flows[:, :start] + SHORT_TOL)
    return arc_ub, pool_ub


def _clean(value: float) -> float:
    """Solver noise below a millionth of a unit reads as zero."""
    return 0.0 if abs(value) < 1e-6 else value


def time_to_survive(solver: NodeSolver, node: int, factor: float) -> tuple[float, str, bool]:
    """``(TTS weeks, what runs short, solved)`` with ``node`` at ``factor`` for good from the
    solver's start week; TTS counts the weeks from that start."""
    net, base = solver.net, solver.base
    h, start = net.horizon, solver.start
    avail = availability(factor, math.inf, h, start)
    arc_ub, pool_ub = _unforeseen(base, *disrupted_capacity(net, base, node, avail), start)
    if plan_fits(base, arc_ub, pool_ub):
        return math.inf, "", True

    def feasible(weeks: int) -> LpStatus:
        spec = LpInput(
            window=weeks,
            arc_ub=arc_ub[:, :weeks],
            pool_ub=pool_ub[:, :weeks],
            serve_lb=base.served[:, :weeks],
            serve_ub=base.served[:, :weeks],
            objective=Objective.FEASIBILITY,
        )
        return solve(net, spec, solver.cold).status

    # The warm max-service LP with the node down for good: if it serves everything, TTS is
    # infinite; else it serves every week before its first shortfall, a lower bound on TTS.
    sol = solver.warm.solve(arc_ub, pool_ub, _served_before(base, start), base.served)
    if sol.status is not LpStatus.OPTIMAL:
        return math.nan, "", False
    short = np.flatnonzero((base.served - sol.served).sum(axis=0) > SHORT_TOL)
    if not len(short):
        return math.inf, "", True
    # Gallop up from there (1, 2, 4, ... weeks more) to bracket TTS, then bisect; the weeks
    # before the start have every capacity, so they can all be served.
    lo, hi, step = max(int(short[0]), start), 0, 1  # weeks 0..lo-1 can be served, 0..hi-1 not
    while not hi:
        weeks = min(lo + step, h)
        status = feasible(weeks)
        if status is LpStatus.ERROR:
            return math.nan, "", False
        if status is LpStatus.INFEASIBLE:
            hi = weeks
        elif weeks == h:
            return math.inf, "", True
        else:
            lo, step = weeks, 2 * step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        status = feasible(mid)
        if status is LpStatus.ERROR:
            return math.nan, "", False
        if status is LpStatus.OPTIMAL:
            lo = mid
        else:
            hi = mid
    window = lo + 1
    lb = base.served[:, :window].copy()
    lb[:, -1] = 0.0
    spec = LpInput(
        window=window,
        arc_ub=arc_ub[:, :window],
        pool_ub=pool_ub[:, :window],
        serve_lb=lb,
        serve_ub=base.served[:, :window],
        objective=Objective.MAX_THETA,
    )
    sol = solve(net, spec, solver.cold)
    if sol.status is not LpStatus.OPTIMAL:
        return math.nan, "", False
    tts = lo - start + min(max(sol.theta, 0.0), 1.0)
    return tts, _short_point(net, node, sol.balance_dual), True


def _short_point(net: Network, node: int, duals: np.ndarray) -> str:
    """The stock point worth most to survival (by the balance duals of the final LP): first
    among the points the node itself feeds, else among all points that are not demand points."""
    score = np.abs(duals).sum(axis=1)
    own = np.unique(net.arc_out[net.arcs_of(node)])
    for candidates in (own, np.setdiff1d(np.arange(net.n_points), net.group_point)):
        if len(candidates) and score[candidates].max() > 1e-9:
            return net.point_label(int(candidates[np.argmax(score[candidates])]))
    return ""


def lost_demand(
    solver: NodeSolver, node: int, factor: float, ttr: float
) -> tuple[np.ndarray, bool]:
    """``((G, H) units not delivered on time, solved)`` with ``node`` down for ``ttr`` weeks."""
    net, base = solver.net, solver.base
    avail = availability(factor, ttr, net.horizon, solver.start)
    arc_ub, pool_ub = _unforeseen(base, *disrupted_capacity(net, base, node, avail), solver.start)
    if plan_fits(base, arc_ub, pool_ub):
        return np.zeros_like(base.served), True
    sol = solver.warm.solve(arc_ub, pool_ub, _served_before(base, solver.start), base.served)
    if sol.status is not LpStatus.OPTIMAL:
        return np.zeros_like(base.served), False
    return np.maximum(base.served - sol.served, 0.0), True
