"""The rolling loop: plan, execute some weeks with what really happens, re-plan from where
things stand, to the end; many times over, each replication with its own random stream."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rackforge.execute.options import ExecuteError, ExecuteOptions
from rackforge.execute.result import ExecutionResult, Replication, summarise
from rackforge.execute.roll import rolled
from rackforge.execute.rules import Rules, rules_of, with_nominal
from rackforge.execute.week import TOL, Arrival, Draws, Ledger, PlanWeeks, State, WeekExecutor
from rackforge.plan import PlanOptions, PlanResult, plan
from rackforge.plan.options import NominalCapacities
from rackforge.plan.result import PlanError
from rackforge.risk.disruptions import DisruptionSampler
from rackforge.risk.options import DurationModel
from rackforge.scenario import Scenario
from rackforge.scenario.events import outage_targets

Progress = Callable[[int, int], None]


def initial_state(scenario: Scenario) -> State:
    """Stock on hand, open receipts and every demand row owed in full, at week 0."""
    inv = scenario.inventory
    stock: dict[tuple[str, str], float] = {}
    for s, i, q in zip(inv["site"], inv["item"], inv["on_hand"], strict=True):
        stock[(str(s), str(i))] = stock.get((str(s), str(i)), 0.0) + float(q)
    rec = scenario.receipts
    pipeline = [
        Arrival(str(s), str(i), int(w), float(q), str(src) or "po")
        for s, i, w, q, src in zip(
            *(rec[c] for c in ("site", "item", "week", "qty", "source")), strict=False
        )
    ]
    dem = scenario.demand
    open_ = dict(zip(dem["demand"].astype(str), dem["qty"].astype(float), strict=True))
    return State(0, stock, pipeline, open_)


def with_safety_lead(scenario: Scenario, weeks: int) -> Scenario:
    """The scenario the plans are made on: every supply lead time ``weeks`` longer (a safety
    lead time, the MRP buffer against late deliveries; Whybark & Williams 1976, "Material
    requirements planning under uncertainty", *Decision Sciences* 7(4):595-606, find it the
    better buffer when the uncertainty is in timing)."""
    if weeks == 0:
        return scenario
    supply = scenario.supply.assign(lead_weeks=scenario.supply["lead_weeks"] + weeks)
    return scenario.with_tables(supply=supply)


@dataclass(frozen=True)
class ExecutionJob:
    """What every replication needs: the scenario the plans are made on, the rules of what
    really happens, the first plan, the options and the weeks to execute."""

    scenario: Scenario
    rules: Rules
    first: PlanResult
    options: ExecuteOptions
    weeks: int


def _replan_options(options: ExecuteOptions, rules: Rules) -> PlanOptions:
    """How a re-plan is made: flows only, and an outage under way limits a row that states
    no capacity to its share of the nominal flow the execution limits it to."""
    # one HiGHS thread a solve when replications run side by side in processes
    threads = 1 if options.workers > 1 and options.replications > 1 else None
    nominal = NominalCapacities(rules.supply_nominal, rules.lane_nominal)
    return PlanOptions(explain=False, duals=False, threads=threads, nominal=nominal)


def _first_plan(scenario: Scenario) -> PlanResult:
    """The plan every replication starts from; explained (shadow prices and the cause of each
    late row, which the orders at risk quote) only when it delivers some row late."""
    first = plan(scenario, PlanOptions(explain=False, duals=False))
    kpis = first.kpis
    if kpis is not None and kpis.late_units + kpis.lost_units > TOL:
        first = plan(scenario, PlanOptions(explain=True))
    return first


def _sampler(job: ExecutionJob, rep: int) -> DisruptionSampler | None:
    risk = job.rules.risk
    if not job.options.disruptions or risk.n_nodes == 0:
        return None
    seed = int(np.random.SeedSequence(job.options.seed, spawn_key=(rep, 1)).generate_state(1)[0])
    return DisruptionSampler(risk, seed, range(1), 1, job.options.duration)


def _outages(
    job: ExecutionJob, sampler: DisruptionSampler | None, week: int
) -> dict[str, tuple[float, int]]:
    """Outages under way at ``week``: target -> (capacity share, weeks the planner expects
    them to last from ``week``)."""
    out = {
        o.target: (o.capacity_factor, o.start + o.weeks - week)
        for o in job.options.outages
        if o.active(week)
    }
    if sampler is None:
        return out
    for k, target in enumerate(job.rules.risk_targets):
        if sampler.down[0, k] and job.rules.risk.factor[k] < 1.0:
            if job.options.duration is DurationModel.FIXED:
                weeks = int(sampler.remaining[0, k])
            else:
                weeks = max(1, round(job.rules.risk.ttr_weeks[k]))
            if weeks > 0 and target not in out:
                out[target] = (float(job.rules.risk.factor[k]), weeks)
    return out


def _down(job: ExecutionJob, sampler: DisruptionSampler | None, week: int) -> dict[str, float]:
    """The capacity share of every target down this week (drawn outages, then given ones)."""
    down: dict[str, float] = {}
    if sampler is not None:
        share = sampler.step()[:, 0]
        targets = job.rules.risk_targets
        down = {t: float(s) for t, s in zip(targets, share, strict=True) if s < 1.0}
    for o in job.options.outages:
        if o.active(week):
            down[o.target] = min(down.get(o.target, 1.0), o.capacity_factor)
    return down


def run_replication(job: ExecutionJob, rep: int) -> Replication:
    """One replication of the loop (its random stream: ``SeedSequence(seed, (rep,))``)."""
    scenario, options = job.scenario, job.options
    rng = (
        np.random.default_rng(np.random.SeedSequence(options.seed, spawn_key=(rep,)))
        if options.random
        else None
    )
    draws = Draws(rng, options.lead_time_cv, options.breakdowns, options.yields)
    ledger = Ledger(job.weeks)
    dem = scenario.demand
    demands = {
        str(d): (str(s), str(i), int(w))
        for d, s, i, w in zip(*(dem[c] for c in ("demand", "site", "item", "week")), strict=False)
    }
    executor = WeekExecutor(job.rules, draws, ledger, demands)
    sampler = _sampler(job, rep)
    state = initial_state(scenario)
    current, start, plans = job.first, 0, 1
    while state.week < job.weeks:
        assert current.tables is not None
        weeks = PlanWeeks.of(current.tables)
        end = min(job.weeks, state.week + options.replan_every)
        while state.week < end:
            state.down = _down(job, sampler, state.week)
            executor.run(state, weeks, state.week - start)
        if state.week < job.weeks:
            nxt = rolled(
                scenario, state, job.rules, _outages(job, sampler, state.week), validate=False
            )
            current = plan(nxt, _replan_options(options, job.rules))
            if not current.has_plan:
                raise PlanError(
                    f"no plan from week {scenario.week_label(state.week)} "
                    f"(replication {rep}): {current.message}"
                )
            start, plans = state.week, plans + 1
            executor.new_plan()
    return Replication(rep, ledger, dict(state.open), plans)


def _check_targets(scenario: Scenario, options: ExecuteOptions) -> None:
    lanes = scenario.lanes
    known = outage_targets(
        scenario.sites["site"],
        scenario.suppliers["supplier"],
        zip(lanes["from_site"], lanes["to_site"], strict=True),
    )
    for o in options.outages:
        if o.target not in known:
            raise ExecuteError(
                f"--outage {o.target}: no supplier, site or lane (from_site>to_site) of that name"
            )


#: Runs the replications of a job: ``(job, replications, progress) -> their results``, in
#: replication order (a process pool by default, :func:`dask_runner` on a Dask cluster).
ReplicationRunner = Callable[[ExecutionJob, list[int], Progress | None], list[Replication]]


def _pooled(pool: ProcessPoolExecutor | None) -> ReplicationRunner:
    """Runs replications on ``pool`` (in this process when None)."""

    def run(job: ExecutionJob, reps: list[int], progress: Progress | None) -> list[Replication]:
        if pool is None:
            return _collect((run_replication(job, r) for r in reps), len(reps), progress)
        done = pool.map(run_replication, [job] * len(reps), reps)
        return _collect(done, len(reps), progress)

    return run


@contextmanager
def _processes(options: ExecuteOptions, reps: int) -> Iterator[ProcessPoolExecutor | None]:
    """``options.workers`` processes (None: this one alone, for one worker), started at
    once, so that they import the engines while this process plans; started by ``spawn``:
    this process has run HiGHS, whose threads must not be forked."""
    workers = min(options.workers, reps)
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for _ in range(workers):
            pool.submit(_ready)
        yield pool


def _ready() -> None:
    """A task that only brings a worker up (its import of this module loads the engines)."""


def _collect(
    done: Iterable[Replication], total: int, progress: Progress | None
) -> list[Replication]:
    out: list[Replication] = []
    for rep in done:
        out.append(rep)
        if progress is not None:
            progress(len(out), total)
    return out


def dask_runner(client: Any) -> ReplicationRunner:
    """Replications as tasks of a Dask cluster (``client``: a ``distributed.Client``, see
    :func:`rackforge.risk.distributed.dask_client`); the job is scattered once. Each
    replication draws from its own stream, so the answer is the same as on this machine."""
    from rackforge.risk.distributed import in_order

    def run(job: ExecutionJob, reps: list[int], progress: Progress | None) -> list[Replication]:
        return in_order(client, run_replication, job, reps, progress=progress)

    return run


def execute(
    scenario: Scenario,
    options: ExecuteOptions | None = None,
    progress: Progress | None = None,
    first: PlanResult | None = None,
    runner: ReplicationRunner | None = None,
) -> ExecutionResult:
    """Plan ``scenario``, then execute it ``options.weeks`` weeks, re-planning every
    ``options.replan_every`` weeks from the state reached, ``options.replications`` times.

    The first plan (with its explanations; ``first`` if given, a plan of this very scenario)
    is shared by every replication; ``runner`` runs them (``options.workers`` local
    processes by default, :func:`dask_runner` on a cluster); ``progress(done, total)`` counts them. Raises
    :class:`ExecuteError` for bad options and :class:`PlanError` when the scenario or a
    re-plan has no plan.
    """
    options = options or ExecuteOptions()
    weeks = options.validate(scenario.config.horizon_weeks)
    _check_targets(scenario, options)
    rules = rules_of(scenario)  # what really happens: the scenario's own lead times
    scenario = with_safety_lead(scenario, options.safety_lead_weeks)
    local = nullcontext(None) if runner is not None else _processes(options, options.replications)
    with local as pool:  # local workers start while the first plan is made
        if first is None or options.safety_lead_weeks:
            first = _first_plan(scenario)
        if not first.has_plan or first.tables is None:
            raise PlanError(f"no plan to execute: {first.message}")
        job = ExecutionJob(scenario, with_nominal(rules, first.tables), first, options, weeks)
        reps = (runner or _pooled(pool))(job, list(range(options.replications)), progress)
    return summarise(scenario, first, replace(options, weeks=weeks), reps)
