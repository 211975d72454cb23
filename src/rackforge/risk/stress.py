"""Monte-Carlo stress test: random disruptions from the risk table, the network simulated week
by week, the distribution of what gets delivered and the nodes behind the losses.

Summary statistics (per scenario ``s``: delivered units ``D_s``, fill rate ``F_s = D_s /
total demand``, lost units ``L_s = total demand - D_s``):

* percentiles p5, p50, p95 (numpy's default linear interpolation) and the mean;
* ``cvar5``: the conditional value at risk at 5 % of the lower tail, the mean of the worst
  ``ceil(0.05 N)`` outcomes (Rockafellar & Uryasev, "Optimization of conditional value-at-risk",
  Journal of Risk 2(3), 2000, for a discrete sample);
* contributors: the ordinary least-squares regression ``L_s = b_0 + sum_k b_k d_sk`` of lost
  units on the weeks ``d_sk`` each node was down. ``b_k`` is the loss per down-week of node
  ``k`` and ``b_k * mean(d_k)`` its expected contribution to the loss over the horizon (a linear
  attribution: overlapping disruptions are not separated). Nodes never down get no coefficient.

Scenarios are simulated in chunks of whole :data:`~rackforge.risk.disruptions.BLOCK` s, each
with its own random stream, in this process or on a Dask cluster
(:mod:`rackforge.risk.distributed`); the per-scenario results are put back in scenario order,
so the answer depends on the seed and the number of scenarios only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from rackforge.risk.backend import Backend, array_ops
from rackforge.risk.baseline import Baseline, plan_baseline
from rackforge.risk.build import build_network
from rackforge.risk.disruptions import BLOCK, DisruptionSampler, DurationModel
from rackforge.risk.network import FloatArray, Network
from rackforge.risk.options import StressOptions
from rackforge.risk.simulate import ChunkOutcome, SimModel, build_model, run_chunk
from rackforge.scenario import Scenario

#: The policy behind the stress test's answers, stated in its outputs.
STRESS_POLICY = (
    "myopic: random outages at the risk table's rates; the plan followed week by week "
    "with catch-up and re-routing to spare capacity, no pre-building"
)

Progress = Callable[[int, int], None]


class StressStatus(Enum):
    OK = "ok"
    NO_RISK = "no_risk"  # no node has a disruption probability: every scenario is the plan


@dataclass(frozen=True)
class Distribution:
    p5: float
    p50: float
    p95: float
    mean: float
    cvar5: float

    @classmethod
    def of(cls, values: FloatArray) -> Distribution:
        if not len(values):
            return cls(math.nan, math.nan, math.nan, math.nan, math.nan)
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        tail = np.sort(values)[: max(1, math.ceil(0.05 * len(values)))]
        return cls(float(p5), float(p50), float(p95), float(values.mean()), float(tail.mean()))

    def to_dict(self) -> dict[str, float]:
        return {
            "p5": self.p5,
            "p50": self.p50,
            "p95": self.p95,
            "mean": self.mean,
            "cvar5": self.cvar5,
        }


@dataclass(frozen=True)
class Contributor:
    target: str
    kind: str
    lost_per_down_week: float
    mean_down_weeks: float
    expected_lost_units: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "lost_per_down_week": self.lost_per_down_week,
            "mean_down_weeks": self.mean_down_weeks,
            "expected_lost_units": self.expected_lost_units,
        }


@dataclass(frozen=True)
class StressResult:
    status: StressStatus
    scenarios: int
    seed: int
    backend: Backend
    horizon_weeks: int
    demand_units: float
    plan_units: float  # what the undisrupted plan delivers
    delivered_units: Distribution
    fill_rate: Distribution
    top_contributors: tuple[Contributor, ...]
    wall_s: float
    duration: DurationModel
    delivered: FloatArray = field(repr=False)  # (N,) per scenario

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "policy": STRESS_POLICY,
            "duration": self.duration.value,
            "scenarios": self.scenarios,
            "seed": self.seed,
            "backend": self.backend.value,
            "horizon_weeks": self.horizon_weeks,
            "demand_units": self.demand_units,
            "plan_units": self.plan_units,
            "fill_rate": self.fill_rate.to_dict(),
            "delivered_units": self.delivered_units.to_dict(),
            "top_contributors": [c.to_dict() for c in self.top_contributors],
            "wall_s": self.wall_s,
        }


@dataclass(frozen=True)
class ChunkSpec:
    index: int
    blocks: range
    n_scenarios: int  # in the whole run (the last block may be short)


def chunks(options: StressOptions) -> Iterator[ChunkSpec]:
    n_blocks = math.ceil(options.scenarios / BLOCK)
    step = options.blocks_per_chunk
    for i, start in enumerate(range(0, n_blocks, step)):
        yield ChunkSpec(i, range(start, min(start + step, n_blocks)), options.scenarios)


def simulate_chunk(model: SimModel, spec: ChunkSpec, options: StressOptions) -> ChunkOutcome:
    """One chunk, on the backend of ``options`` (runs in this process or on a Dask worker)."""
    sampler = DisruptionSampler(
        model.profile, options.seed, spec.blocks, spec.n_scenarios, options.duration
    )
    return run_chunk(model, sampler, array_ops(options.backend))


def prepare(scenario: Scenario, reroute: bool = True) -> tuple[Network, Baseline, SimModel]:
    """The network, its plan and the simulation model (the part solved once, up front)."""
    net = build_network(scenario)
    base = plan_baseline(net)
    return net, base, build_model(net, base, scenario.config.backlog, reroute)


ChunkRunner = Callable[
    [SimModel, list[ChunkSpec], StressOptions, Progress | None], list[ChunkOutcome]
]


def run_local(
    model: SimModel, specs: list[ChunkSpec], options: StressOptions, progress: Progress | None
) -> list[ChunkOutcome]:
    out = []
    for i, spec in enumerate(specs, start=1):
        out.append(simulate_chunk(model, spec, options))
        if progress:
            progress(i, len(specs))
    return out


def stress_test(
    scenario: Scenario,
    options: StressOptions | None = None,
    progress: Progress | None = None,
    runner: ChunkRunner = run_local,
) -> StressResult:
    """Run the stress test of ``scenario``; ``runner`` decides where chunks run (in this
    process by default; see :func:`rackforge.risk.distributed.dask_runner`)."""
    opts = options or StressOptions()
    if opts.scenarios < 1:
        raise ValueError("scenarios must be at least 1")
    array_ops(opts.backend)  # fail early when the backend is missing
    started = time.perf_counter()
    net, base, model = prepare(scenario, opts.reroute)
    outcomes = runner(model, list(chunks(opts)), opts, progress)
    delivered = np.concatenate([o.delivered for o in outcomes])
    down = np.concatenate([o.down_weeks for o in outcomes])
    total = model.demand_total
    fill = delivered / total if total > 0 else np.ones_like(delivered)
    contributors = attribute(net, model, total - delivered, down, opts.top)
    return StressResult(
        status=StressStatus.OK if model.profile.n_nodes else StressStatus.NO_RISK,
        scenarios=opts.scenarios,
        seed=opts.seed,
        backend=opts.backend,
        horizon_weeks=model.horizon,
        demand_units=total,
        plan_units=float(base.served.sum()),
        delivered_units=Distribution.of(delivered),
        fill_rate=Distribution.of(fill),
        top_contributors=contributors,
        wall_s=time.perf_counter() - started,
        duration=opts.duration,
        delivered=delivered,
    )


def attribute(
    net: Network, model: SimModel, lost: FloatArray, down: FloatArray, top: int
) -> tuple[Contributor, ...]:
    """OLS of lost units on down-weeks per node; the ``top`` largest expected contributions."""
    if not down.size or len(lost) < 2:
        return ()
    varies = np.flatnonzero(down.std(axis=0) > 0)
    if not len(varies):
        return ()
    x = np.column_stack([np.ones(len(lost)), down[:, varies]])
    coef, *_ = np.linalg.lstsq(x, lost, rcond=None)
    mean_down = down[:, varies].mean(axis=0)
    rows = []
    for j, k in enumerate(varies):
        node = net.nodes[model.risk_nodes[k]]
        b = float(coef[j + 1])
        rows.append(
            Contributor(
                node.target, node.kind.value, b, float(mean_down[j]), b * float(mean_down[j])
            )
        )
    rows.sort(key=lambda c: (-c.expected_lost_units, c.target))
    return tuple(rows[:top])
