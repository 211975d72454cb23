"""From a parsed roadmap to racks by generation and a weekly rack demand.

For each training run and inference fleet: the GPUs each generation needs, its racks, IT and
facility megawatts and cost (the co-design comparison); the generation chosen by the
:class:`Objective` among those available by the first delivery week; and the deliveries.

Delivery timing. A training run needs all its racks before it starts: they are due over
``delivery_weeks`` weeks ending ``lead_weeks`` before ``start`` (1 = all in one week). An
inference fleet grows evenly over ``ramp_weeks`` from ``start``; the racks of each week of the
ramp are due ``lead_weeks`` earlier. Integer racks are spread with :func:`spread`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from rackforge.roadmap import compute
from rackforge.roadmap.model import Generation, InferenceFleet, Roadmap, TrainingRun, WorkloadKind
from rackforge.roadmap.parse import parse_roadmap
from rackforge.roadmap.results import (
    Candidate,
    Delivery,
    DemandRow,
    Objective,
    RoadmapResult,
    RoadmapStatus,
    WorkloadResult,
    WorkloadStatus,
)
from rackforge.scenario.model import Scenario

DEMAND_PREFIX = "roadmap-"


@dataclass(frozen=True)
class RoadmapOptions:
    """``objective`` ranks the available generations; ``delivery_weeks``, when set, replaces
    every training run's delivery window."""

    objective: Objective = Objective.COST
    delivery_weeks: int | None = None

    def __post_init__(self) -> None:
        if self.delivery_weeks is not None and self.delivery_weeks < 1:
            raise ValueError("delivery_weeks must be >= 1")


def plan_roadmap(
    scenario: Scenario, roadmap: Roadmap | None = None, options: RoadmapOptions | None = None
) -> RoadmapResult:
    """Translate ``roadmap`` (default: the scenario's own ``roadmap.yaml``) into racks.

    Raises :class:`rackforge.scenario.ScenarioError` if the scenario's roadmap is invalid and
    ``ValueError`` if the scenario has none and none is given.
    """
    opts = options or RoadmapOptions()
    if roadmap is None:
        if scenario.roadmap is None:
            raise ValueError(f"scenario {scenario.config.name!r} has no roadmap.yaml")
        roadmap = parse_roadmap(scenario.roadmap, scenario)
    workloads: list[WorkloadResult] = []
    comparison: list[Candidate] = []
    for run in roadmap.runs:
        weeks = opts.delivery_weeks or run.delivery_weeks
        due = run.start - run.lead_weeks
        schedule = list(range(due - weeks + 1, due + 1))
        result, cands = _translate(scenario, roadmap, run, schedule, opts.objective)
        workloads.append(result)
        comparison.extend(cands)
    for fleet in roadmap.fleets:
        first = fleet.start - fleet.lead_weeks
        schedule = list(range(first, first + fleet.ramp_weeks))
        result, cands = _translate(scenario, roadmap, fleet, schedule, opts.objective)
        workloads.append(result)
        comparison.extend(cands)
    demand = tuple(row for w in workloads for row in _demand_rows(scenario, w))
    ok = all(w.status is WorkloadStatus.OK for w in workloads)
    return RoadmapResult(
        status=RoadmapStatus.OK if ok else RoadmapStatus.WARNINGS,
        objective=opts.objective,
        pue=roadmap.pue,
        workloads=tuple(workloads),
        comparison=tuple(comparison),
        demand=demand,
    )


def spread(total: int, weeks: int) -> list[int]:
    """``total`` whole racks over ``weeks`` weeks as evenly as possible; the first
    ``total mod weeks`` weeks carry one rack more, so that shortfalls come last."""
    base, extra = divmod(total, weeks)
    return [base + 1] * extra + [base] * (weeks - extra)


def choose(candidates: list[Candidate], objective: Objective) -> Candidate | None:
    """The available candidate that minimises ``objective``; ties broken by the other two
    measures, then by item id, so the choice is deterministic."""
    keys = {
        Objective.COST: lambda c: (c.cost, c.racks, c.it_mw, c.generation),
        Objective.RACKS: lambda c: (c.racks, c.cost, c.it_mw, c.generation),
        Objective.MW: lambda c: (c.it_mw, c.cost, c.racks, c.generation),
    }
    available = [c for c in candidates if c.available]
    return min(available, key=keys[objective]) if available else None


def _gpus(work: TrainingRun | InferenceFleet, gen: Generation) -> tuple[int, float] | None:
    """(whole GPUs, FLOPs or FLOP/s) of ``work`` on ``gen``; None if it lacks the precision."""
    peak = gen.peak_flops(work.precision)
    if peak is None:
        return None
    if isinstance(work, TrainingRun):
        need = compute.training_gpus(work.flops, peak, work.mfu, work.days, work.goodput)
        return _whole(need), work.flops
    if work.gpus is not None:
        return work.gpus, 0.0
    assert work.tokens_per_s is not None and work.params is not None and work.mfu is not None
    need = compute.inference_gpus(work.tokens_per_s, work.params, peak, work.mfu)
    rate = work.tokens_per_s * compute.inference_flops_per_token(work.params)
    return _whole(need), rate


def _whole(need: float) -> int:
    """Whole GPUs; a relative 1e-12 is forgiven so float noise does not add a GPU."""
    return max(1, math.ceil(need - 1e-12 * max(1.0, need)))


def _candidates(
    scenario: Scenario,
    roadmap: Roadmap,
    work: TrainingRun | InferenceFleet,
    first_week: int,
) -> tuple[list[Candidate], float]:
    cands: list[Candidate] = []
    flops = 0.0
    for gen in roadmap.generations:
        sized = _gpus(work, gen)
        if sized is None:
            continue
        gpus, flops = sized
        racks = compute.racks_needed(gpus, gen.gpus)
        it = compute.it_mw(racks, gen.rack_kw)
        late = gen.available is not None and gen.available > first_week
        reason = (
            f"available from {scenario.week_label(gen.available)}, after the first delivery "
            f"in {scenario.week_label(first_week)}"
            if late and gen.available is not None
            else ""
        )
        cands.append(
            Candidate(
                workload=work.name,
                generation=gen.item,
                gpus=gpus,
                racks=racks,
                it_mw=it,
                facility_mw=compute.facility_mw(it, roadmap.pue),
                cooling_mw=compute.it_mw(racks, gen.cooling_kw),
                cost=compute.rack_cost(racks, gen.price),
                available=not late,
                chosen=False,
                reason=reason,
            )
        )
    return cands, flops


def _translate(
    scenario: Scenario,
    roadmap: Roadmap,
    work: TrainingRun | InferenceFleet,
    schedule: list[int],
    objective: Objective,
) -> tuple[WorkloadResult, list[Candidate]]:
    cands, flops = _candidates(scenario, roadmap, work, schedule[0])
    status = WorkloadStatus.OK
    if work.generation is not None:
        pick = next((c for c in cands if c.generation == work.generation), None)
        reason = f"{work.generation} pinned in roadmap.yaml"
        if pick is not None and not pick.available:
            status = WorkloadStatus.GENERATION_NOT_AVAILABLE
            reason += f", but it is {pick.reason}"
    else:
        pick = choose(cands, objective)
        reason = _why(pick, cands, objective, scenario, schedule[0])
        if pick is None:
            status = WorkloadStatus.NO_GENERATION
    cands = [
        c if pick is None or c.generation != pick.generation else replace(c, chosen=True)
        for c in cands
    ]
    racks = pick.racks if pick else 0
    deliveries = tuple(
        Delivery(week, scenario.week_label(week), qty)
        for week, qty in zip(schedule, spread(racks, len(schedule)), strict=True)
        if qty > 0
    )
    status, reason = _horizon(scenario, deliveries, status, reason)
    kind = WorkloadKind.TRAINING if isinstance(work, TrainingRun) else WorkloadKind.INFERENCE
    result = WorkloadResult(
        name=work.name,
        kind=kind,
        precision=work.precision,
        flops=flops,
        generation=pick.generation if pick else "",
        gpus=pick.gpus if pick else 0,
        racks=racks,
        it_mw=pick.it_mw if pick else 0.0,
        facility_mw=pick.facility_mw if pick else 0.0,
        cooling_mw=pick.cooling_mw if pick else 0.0,
        cost=pick.cost if pick else 0.0,
        site=work.site,
        customer=work.customer,
        start=work.start,
        start_label=scenario.week_label(work.start),
        deliveries=deliveries,
        status=status,
        reason=reason,
    )
    return result, cands


def _why(
    pick: Candidate | None,
    cands: list[Candidate],
    objective: Objective,
    scenario: Scenario,
    first_week: int,
) -> str:
    if pick is None:
        return (
            f"no generation is available by the first delivery in "
            f"{scenario.week_label(first_week)}: "
            + "; ".join(f"{c.generation} {c.reason}" for c in cands)
        )
    others = [c for c in cands if c.generation != pick.generation]
    unit = scenario.config.currency
    text = f"least {objective.value}: {pick.generation} {_measure(pick, objective, unit)}"
    beaten = [f"{c.generation} {_measure(c, objective, unit)}" for c in others if c.available]
    late = [f"{c.generation} {c.reason}" for c in others if not c.available]
    if beaten:
        text += f" vs {', '.join(beaten)}"
    if late:
        text += f"; not available: {'; '.join(late)}"
    return text


def _measure(c: Candidate, objective: Objective, currency: str) -> str:
    if objective is Objective.COST:
        return (
            f"{c.cost / 1e9:,.2f} bn {currency}" if c.cost >= 1e8 else f"{c.cost:,.0f} {currency}"
        )
    if objective is Objective.RACKS:
        return f"{c.racks} racks"
    return f"{c.it_mw:.4g} MW"


def _horizon(
    scenario: Scenario,
    deliveries: tuple[Delivery, ...],
    status: WorkloadStatus,
    reason: str,
) -> tuple[WorkloadStatus, str]:
    """Flag deliveries outside the scenario horizon (moved to week 0 or left out)."""
    early = sum(d.qty for d in deliveries if d.week < 0)
    late = sum(d.qty for d in deliveries if d.week >= scenario.config.horizon_weeks)
    notes = []
    if early:
        notes.append(f"{early} rack(s) due before {scenario.config.start} are demanded in week 0")
    if late:
        last = scenario.week_label(scenario.config.horizon_weeks - 1)
        notes.append(f"{late} rack(s) due after the horizon ends ({last}) are left out")
    if status is WorkloadStatus.OK and early:
        status = WorkloadStatus.BEFORE_START
    elif status is WorkloadStatus.OK and late:
        status = WorkloadStatus.BEYOND_HORIZON
    return status, "; ".join([reason, *notes])


def _demand_rows(scenario: Scenario, w: WorkloadResult) -> list[DemandRow]:
    """Demand rows of one workload inside the horizon; deliveries before week 0 merge there."""
    if not w.generation:
        return []
    by_week: dict[int, int] = {}
    for d in w.deliveries:
        if d.week < scenario.config.horizon_weeks:
            week = max(0, d.week)
            by_week[week] = by_week.get(week, 0) + d.qty
    return [
        DemandRow(
            demand=f"{DEMAND_PREFIX}{w.name}-{scenario.week_label(week)}",
            item=w.generation,
            site=w.site,
            week=week,
            label=scenario.week_label(week),
            qty=qty,
            customer=w.customer,
            workload=w.name,
        )
        for week, qty in sorted(by_week.items())
    ]
