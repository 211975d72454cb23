"""The cheapest set of expansions that lets the plants make a target rate of racks.

The ceiling (:mod:`.ceiling`) says how many racks a week the plants can complete and which
single edits lift it. A capital plan asks the converse: given what each limit costs to grow
(``expand_cost`` per unit, working ``expand_lead_weeks`` after the start; see
:mod:`.lp.expand`), which expansions reach the target at least cost? On the ceiling's own
throughput model

    minimise  sum_j expand_cost_j x e_j    s.t.   r >= target,   e_j >= 0 integer,

every capacity row taking in its expansion ``e_j`` from its first week. The answer lists each
expansion as a scenario edit (table, row, column, from, to) with its cost, and is confirmed by
solving the plain ceiling on a copy with the edits applied (from the first week: the figure a
planner gets after ``rackforge whatif --set``). Where no priced set reaches the target, the
most racks the priced expansions allow is reported with the limits, unpriced, that stop it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from rackforge.plan.ceiling import (
    CellChange,
    RateProblem,
    cell_value,
    edited,
    limit_cell,
    rate_block,
    rate_of,
    rate_problem,
    solve_rate,
    solve_rate_problem,
)
from rackforge.plan.explain import bottlenecks
from rackforge.plan.lp.context import Build
from rackforge.plan.lp.expand import CAPACITY_COLUMN, Expandable, expandable, expansion_labels
from rackforge.plan.lp.model import build_model
from rackforge.plan.lp.readout import binding
from rackforge.plan.lp.solve import SolverSettings, SolveStatus, solve
from rackforge.plan.lp.terms import Terms
from rackforge.plan.options import PlanOptions
from rackforge.scenario import Scenario
from rackforge.scenario.events import Limit

#: The key columns of each expandable table, in the order a planner reads them.
KEY = {
    Limit.RESOURCES: ("site", "resource"),
    Limit.MAKE: ("site", "item"),
    Limit.SUPPLY: ("supplier", "item", "site"),
    Limit.LANES: ("from_site", "to_site", "item"),
}


class ExpansionStatus(Enum):
    REACHED = "reached"  # the cheapest set reaches the target
    NOTHING_NEEDED = "nothing needed"  # the plants already make the target
    UNREACHABLE = "unreachable"  # no priced set reaches it
    NOT_PRICED = "no expansion priced"  # no row has an expand_cost
    FAILED = "failed"  # the solver gave no answer in time


@dataclass(frozen=True)
class Expansion(CellChange):
    """One edit of the capital plan: grow ``column`` of a row from ``old`` to ``new``."""

    cost: float
    first_week: str  # ISO label of the first week it works

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "cost": self.cost, "first_week": self.first_week}


@dataclass(frozen=True)
class ExpansionPlan:
    """The cheapest expansions reaching ``target`` racks a week (module docstring)."""

    status: ExpansionStatus
    target: float
    expansions: list[Expansion] = field(default_factory=list)
    racks_per_week: float = math.nan  # the model's rate (the most reachable if unreachable)
    racks_per_week_after: float = math.nan  # the plain ceiling on the edited copy
    held_by: list[str] = field(default_factory=list)  # unpriced limits where unreachable

    @property
    def cost(self) -> float:
        return sum(e.cost for e in self.expansions)

    def sentence(self, currency: str) -> str:
        goal = f"{self.target:,.0f} racks a week"
        if self.status is ExpansionStatus.REACHED:
            edits = "; ".join(
                f"{e.table} {e.where} {e.column} {e.old:,.0f} -> {e.new:,.0f}"
                for e in self.expansions
            )
            return (
                f"cheapest expansion to {goal}: {self.cost:,.0f} {currency} ({edits}); "
                f"the edits in place from the start give {self.racks_per_week_after:,.0f}"
            )
        if self.status is ExpansionStatus.UNREACHABLE:
            most = (
                f"{self.racks_per_week:,.0f} racks a week"
                if math.isfinite(self.racks_per_week)
                else "no bounded rate"
            )
            held = f", held by {', '.join(self.held_by)} (no expand_cost)" if self.held_by else ""
            return f"no priced expansion reaches {goal}: at most {most}{held}"
        return f"expansion to {goal}: {self.status.value}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "target_per_week": self.target,
            "cost": self.cost,
            "expansions": [e.to_dict() for e in self.expansions],
            "racks_per_week": self.racks_per_week,
            "racks_per_week_after": self.racks_per_week_after,
            "held_by": list(self.held_by),
        }


def _cheapest(offer: Expandable) -> Any:
    def goal(build: Build, rate_label: int) -> Terms:
        terms = Terms(1)
        for limit in Limit:
            labels = expansion_labels(build, limit)
            rows = offer.rows(limit)
            terms.add(0, labels[rows], offer.cost[limit][rows])
        return terms

    return goal


def _expansions(
    problem: RateProblem, offer: Expandable, values: dict[Limit, np.ndarray]
) -> list[Expansion]:
    scenario = problem.scenario
    out = []
    for limit, added in values.items():
        table = scenario.table(limit.value).reset_index(drop=True)
        column = CAPACITY_COLUMN[limit]
        for row, amount in zip(offer.rows(limit), added, strict=True):
            units = float(round(amount))
            if units <= 0:
                continue
            key = {c: str(table.at[row, c]) for c in KEY[limit]}
            old = float(table.at[row, column])
            week = min(int(offer.first_week[limit][row]), problem.net.horizon - 1)
            out.append(
                Expansion(
                    limit.value,
                    key,
                    column,
                    old,
                    old + units,
                    units * float(offer.cost[limit][row]),
                    scenario.week_label(week),
                )
            )
    out.sort(key=lambda e: -e.cost)
    return out


def prices_expansion(scenario: Scenario) -> bool:
    """Whether any row of the scenario has an ``expand_cost``."""
    return any(
        bool(np.isfinite(scenario.table(limit.value)["expand_cost"].to_numpy(float)).any())
        for limit in Limit
    )


def cheapest_expansion(
    scenario: Scenario,
    target: float | None = None,
    weeks: int = 8,
    time_limit_s: float = 60.0,
    ceiling_rate: float | None = None,
) -> ExpansionPlan:
    """The least-cost expansions with which the plants complete ``target`` racks a week over
    the last ``weeks`` weeks (default: the racks demanded a week there). ``ceiling_rate``: the
    ceiling over the same weeks where it is known (else it is solved here)."""
    settings = SolverSettings(time_limit_s=time_limit_s)
    problem = rate_problem(scenario, weeks)
    goal = problem.target if target is None else float(target)
    offer = expandable(problem.scenario, problem.net)
    rate = ceiling_rate
    if rate is None:
        rate = solve_rate_problem(problem, settings).rate
    if rate >= goal - 1e-6:
        return ExpansionPlan(ExpansionStatus.NOTHING_NEEDED, goal, [], rate, rate)
    if not offer.any:
        return ExpansionPlan(ExpansionStatus.NOT_PRICED, goal, [], rate, rate)
    options = PlanOptions(explain=False)
    pm = build_model(
        problem.net, options, objective=rate_block(problem, goal, _cheapest(offer)), expansion=offer
    )
    sol = solve(pm.model, settings)
    if sol.status is SolveStatus.INFEASIBLE:
        return _unreachable(problem, offer, goal, settings)
    if not sol.has_solution:
        return ExpansionPlan(ExpansionStatus.FAILED, goal, [], rate, rate)
    values = {
        limit: sol.primal[expansion_labels(pm.build, limit)[offer.rows(limit)]]
        for limit in Limit
        if offer.rows(limit).size
    }
    found = _expansions(problem, offer, values)
    copy = scenario
    for e in found:
        copy = edited(copy, e.table, e.key, e.column, e.new)
    after = solve_rate(copy, weeks, settings).rate
    return ExpansionPlan(ExpansionStatus.REACHED, goal, found, rate_of(pm, sol), after)


def _unreachable(
    problem: RateProblem, offer: Expandable, goal: float, settings: SolverSettings
) -> ExpansionPlan:
    """The most racks the priced expansions allow, and the unpriced limits binding there."""
    pm = build_model(
        problem.net, PlanOptions(explain=False), objective=rate_block(problem), expansion=offer
    )
    sol = solve(pm.model, settings)
    if sol.status is SolveStatus.UNBOUNDED:
        return ExpansionPlan(ExpansionStatus.UNREACHABLE, goal, [], math.inf)
    if not sol.has_solution:
        return ExpansionPlan(ExpansionStatus.FAILED, goal)
    held = []
    for b in bottlenecks(binding(pm, sol)):
        cell = limit_cell(b)
        if cell is None:
            held.append(b.id)
        elif not math.isfinite(cell_value(problem.scenario, cell[0], cell[1], "expand_cost")):
            held.append(f"{cell[0]} {'/'.join(v for v in cell[1].values() if v)}")
    held = held[:3]
    return ExpansionPlan(ExpansionStatus.UNREACHABLE, goal, [], rate_of(pm, sol), held_by=held)
