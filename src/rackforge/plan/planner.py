"""The constrained plan, end to end: network -> model -> HiGHS -> tables and explanations."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from rackforge.plan.ceiling import ceiling, cost_drivers
from rackforge.plan.expansion import cheapest_expansion, prices_expansion
from rackforge.plan.explain import Shadows, bottlenecks, explain_late
from rackforge.plan.lp.context import CostPart
from rackforge.plan.lp.diagnose import diagnose
from rackforge.plan.lp.model import PlanModel, build_model
from rackforge.plan.lp.readout import binding, values
from rackforge.plan.lp.solve import Solution, SolverSettings, SolveStatus, solve
from rackforge.plan.lp.warm import WarmStart
from rackforge.plan.lp.windows import solve_windows
from rackforge.plan.network import build_network
from rackforge.plan.options import PlanOptions
from rackforge.plan.result import Kpis, PlanError, PlanResult, PlanStatus, SolveInfo
from rackforge.plan.tables import PlanTables, build_tables
from rackforge.plan.target import target_check
from rackforge.scenario import Scenario

_STATUS = {
    SolveStatus.OPTIMAL: PlanStatus.OPTIMAL,
    SolveStatus.FEASIBLE: PlanStatus.FEASIBLE,
    SolveStatus.TIME_LIMIT: PlanStatus.TIME_LIMIT,
    SolveStatus.INFEASIBLE: PlanStatus.INFEASIBLE,
}


def solver_settings(scenario: Scenario, options: PlanOptions) -> SolverSettings:
    cfg = scenario.config.solver
    limit = cfg.time_limit_s if options.time_limit_s is None else options.time_limit_s
    gap = cfg.mip_gap if options.mip_gap is None else options.mip_gap
    return SolverSettings(
        float(limit), float(gap), options.threads, options.lp_method, options.duals
    )


def cost_split(pm: PlanModel, sol: Solution) -> dict[str, float]:
    """Each objective part at the solution; they add up to the objective."""
    out = {}
    for part in CostPart:
        if part is CostPart.VIOLATION:
            continue
        _, labels, coeffs = pm.build.costs[part].triplets()
        out[part.value] = float(np.dot(coeffs, values(sol, labels)))
    return out


def kpis(tables: PlanTables) -> Kpis:
    service, buy = tables.service, tables.purchases
    demand = float(service["qty"].sum())
    on_time = float(service["on_time"].sum())
    value = float(buy["value"].sum())
    domestic = float(buy.loc[buy["domestic"].astype(bool), "value"].sum())
    return Kpis(
        demand_units=demand,
        delivered_units=float(service["on_time"].sum() + service["late"].sum()),
        on_time_units=on_time,
        late_units=float(service["late"].sum()),
        lost_units=float(service["lost"].sum()),
        fill_rate=on_time / demand if demand > 0 else 1.0,
        domestic_share=domestic / value if value > 0 else 0.0,
    )


def _empty_binding() -> pd.DataFrame:
    cols = ["kind", "id", "site", "item", "week", "shadow_price", "limit"]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def plan(
    scenario: Scenario, options: PlanOptions | None = None, warm: WarmStart | None = None
) -> PlanResult:
    """The cost-optimal constrained plan of ``scenario`` (see docs/plan.md for the model).

    ``warm``: the ``warm_start`` of the plan of a close scenario (a what-if of this one, or
    this one's base); used when the model has the same shape, it makes the solve faster and
    leaves the optimum as it is (:mod:`rackforge.plan.lp.warm`).

    Never raises for an infeasible model: the result has status ``infeasible`` and names the
    conflicting constraints (``result.raise_for_status()`` turns that into an exception).
    Raises :class:`PlanError` only if HiGHS fails for another reason.
    """
    options = options or PlanOptions()
    net = build_network(scenario, options.automation, options.nominal)
    pm = build_model(net, options)
    settings = solver_settings(scenario, options)
    sol = (
        solve_windows(pm.build, settings, options.windows)
        if options.windows is not None
        else solve(pm.model, settings, warm)
    )
    labels = tuple(scenario.week_label(w) for w in scenario.weeks)
    info = SolveInfo(
        pm.build_s,
        sol.solve_s,
        int(pm.model.nvars),
        int(pm.model.ncons),
        sol.mip,
        sol.gap,
        sol.solver_status,
    )
    items = net.items.copy()
    if sol.status in (SolveStatus.UNBOUNDED, SolveStatus.ERROR):
        raise PlanError(
            f"HiGHS ended with status {sol.solver_status!r} on the plan of "
            f"{scenario.config.name!r}; no plan was produced"
        )
    if sol.status is SolveStatus.INFEASIBLE:
        conflicts, message = (
            diagnose(pm, options, settings, scenario.week_label)
            if options.diagnose
            else ([], "hard constraints conflict (diagnosis switched off)")
        )
        return PlanResult(
            scenario.config.name,
            PlanStatus.INFEASIBLE,
            message,
            math.nan,
            {},
            None,
            None,
            _empty_binding(),
            [],
            [],
            conflicts,
            info,
            labels,
            items,
        )
    if not sol.has_solution:
        message = (
            f"time limit of {settings.time_limit_s:g} s reached before any plan was "
            "found; raise --time-limit"
        )
        return PlanResult(
            scenario.config.name,
            _STATUS[sol.status],
            message,
            math.nan,
            {},
            None,
            None,
            _empty_binding(),
            [],
            [],
            [],
            info,
            labels,
            items,
        )
    tables = build_tables(pm, sol, scenario.week_label)
    status = _STATUS[sol.status]
    message = {
        PlanStatus.OPTIMAL: "optimal plan",
        PlanStatus.FEASIBLE: "feasible plan, not proven optimal",
        PlanStatus.TIME_LIMIT: f"time limit reached; best plan found (gap {sol.gap or 0:.2%})",
    }[status]
    if sol.rescued:
        message += (
            " (branch and cut ended without a plan; this one was built from the LP relaxation "
            f"with rounded orders: gap {sol.gap or 0:.2%} against the relaxation's bound)"
        )
    bind = binding(pm, sol) if options.explain else _empty_binding()
    late = (
        explain_late(net, tables.service, Shadows.of(pm, sol), scenario.week_label)
        if options.explain
        else []
    )
    result = PlanResult(
        scenario.config.name,
        status,
        message,
        sol.objective,
        cost_split(pm, sol),
        kpis(tables),
        tables,
        bind,
        bottlenecks(bind),
        late,
        [],
        info,
        labels,
        items,
    )
    found = None
    if options.ceiling:
        found = replace(
            ceiling(scenario, options.target_weeks, time_limit_s=settings.time_limit_s),
            cost_drivers=cost_drivers(result.bottlenecks, scenario.config.currency),
        )
        if options.expand_to is not None or prices_expansion(scenario):
            found = replace(
                found,
                expansion=cheapest_expansion(
                    scenario,
                    options.expand_to,
                    options.target_weeks,
                    settings.time_limit_s,
                    ceiling_rate=found.racks_per_week,
                ),
            )
    return replace(
        result,
        target=target_check(result, options.target_weeks, ceiling=found),
        ceiling=found,
        warm_start=sol.warm_start,
    )
