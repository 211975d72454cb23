"""The ceiling: how many racks a week the plants can complete, and what would lift it.

The cost-optimal plan answers "what is cheapest"; its shadow prices are cost drivers, in
currency per unit of a limit, and rank what saves money, not what holds output down. The
ceiling is a throughput model on the same network and constraints (every capacity, material
flow and lead time of the plan, with the availability, yields and BOM of
:mod:`rackforge.scenario.derived`; minimum order quantities relaxed, as a capacity question):

    maximise r   s.t.   completions of rack generation g in the window >= share_g x r x W
                        for every generation g,

the window being the last ``W = weeks`` weeks of the horizon and ``share_g`` each
generation's share of the racks demanded there (the mix). ``r`` is the **sustainable racks a
week**: what the plants can complete a week over the window, on average, from whatever stock
they can make or buy before it. Racks are counted when they complete at the plant, so no week
of the window is lost to the horizon's end.

The dual of a capacity row of this LP is racks a week per unit of that limit (Dantzig 1963),
so the limits are ranked in racks: per extra resource unit (its available hours times the
hours' dual, summed over the weeks), per unit a week of a make, supplier or lane limit. Each
of the top limits becomes a concrete edit a planner can make (``resources.units`` +25%, at least
one unit; a ``max_per_week`` or ``capacity_per_week`` +25%) and is confirmed by solving the
ceiling again with the edit applied; lifts are reported by the racks a week they reach.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from rackforge.plan.explain import Bottleneck, bottlenecks
from rackforge.plan.lp.context import Build
from rackforge.plan.lp.model import PlanModel, build_model
from rackforge.plan.lp.readout import binding
from rackforge.plan.lp.solve import Solution, SolverSettings, SolveStatus, solve
from rackforge.plan.lp.terms import Terms, add_rows, objective_expression
from rackforge.plan.lp.warm import WarmStart
from rackforge.plan.network import Network, build_network
from rackforge.plan.options import Family, PlanOptions
from rackforge.scenario import Scenario
from rackforge.scenario.derived import hours_per_unit, rack_generations

if TYPE_CHECKING:
    from rackforge.plan.expansion import ExpansionPlan

#: Relative step of a proposed capacity edit.
STEP = 0.25


@dataclass(frozen=True)
class CellChange:
    """A scenario edit a planner can make: ``column`` of the ``table`` row ``key``."""

    table: str
    key: dict[str, str]
    column: str
    old: float
    new: float

    @property
    def where(self) -> str:
        """The row the edit changes, as its key's values (``plant-oh/bay-l11``)."""
        return "/".join(v for v in self.key.values() if v)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": dict(self.key),
            "column": self.column,
            "from": self.old,
            "to": self.new,
        }


@dataclass(frozen=True)
class Lift(CellChange):
    """A scenario edit and the sustainable racks a week with it applied (re-solved)."""

    racks_per_week_after: float
    marginal: float  # racks a week per unit of the limit, from the duals (before the edit)
    cost: float | None = None  # (new - old) x the row's expand_cost, where it has one

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "racks_per_week_after": self.racks_per_week_after,
            "racks_per_unit": self.marginal,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class CostDriver:
    """A limit of the least-cost plan with its summed shadow price, in its own unit."""

    kind: str
    id: str
    site: str
    unit: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "site": self.site, "unit": self.unit,
                "value": self.value}  # fmt: skip


#: The unit of a shadow price of each family of limits, ``{c}`` the currency.
DRIVER_UNITS = {
    Family.RESOURCE: "{c} per resource hour",
    Family.MAKE: "{c} per unit a week of max_per_week",
    Family.SUPPLIER: "{c} per unit a week of capacity_per_week",
    Family.LANE: "{c} per unit a week of lane capacity",
    Family.DOMESTIC: "{c} per {c} of domestic purchase value",
}


def cost_drivers(found: list[Bottleneck], currency: str, top: int = 10) -> list[CostDriver]:
    """The least-cost plan's bottlenecks as cost drivers, each labelled with its unit."""
    return [
        CostDriver(
            b.kind.value,
            b.id if not b.item or b.item in b.id else f"{b.id} {b.item}",
            b.site,
            DRIVER_UNITS.get(b.kind, "{c} per unit").format(c=currency),
            b.total_shadow_price,
        )
        for b in found[:top]
    ]


@dataclass(frozen=True)
class Ceiling:
    """Sustainable racks a week over ``window`` and the edits that would lift it."""

    racks_per_week: float
    window: tuple[str, str]
    target_per_week: float  # racks demanded a week in the window
    mix: dict[str, float]  # share of each rack generation in the window's demand
    lifts: list[Lift] = field(default_factory=list)
    cost_drivers: list[CostDriver] = field(default_factory=list)
    expansion: ExpansionPlan | None = None  # the cheapest expansions to a target, if asked

    @property
    def meets_target(self) -> bool:
        return self.racks_per_week >= self.target_per_week - 1e-6

    @property
    def rate_text(self) -> str:
        """The sustainable rate in words (an unbounded ceiling is "any number of racks")."""
        rate = self.racks_per_week
        return f"{rate:,.0f} racks a week" if math.isfinite(rate) else "any number of racks"

    def sentence(self) -> str:
        """The answer in one sentence: the ceiling against the target, and the best lift."""
        first, last = self.window
        text = (
            f"the plants can complete {self.rate_text} in {first}..{last} "
            f"(demand {self.target_per_week:,.0f} a week)"
        )
        if self.lifts:
            lift = self.lifts[0]
            text += (
                f"; first lift: {lift.table} {lift.where} {lift.column} {lift.old:,.0f} -> "
                f"{lift.new:,.0f} gives {lift.racks_per_week_after:,.0f} racks a week"
            )
            if lift.cost is not None:
                text += f" (expansion cost {lift.cost:,.0f})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "racks_per_week": self.racks_per_week,
            "window": list(self.window),
            "target_per_week": self.target_per_week,
            "mix": dict(self.mix),
            "lifts": [lift.to_dict() for lift in self.lifts],
            "cost_drivers": [d.to_dict() for d in self.cost_drivers],
            "expansion": None if self.expansion is None else self.expansion.to_dict(),
        }


@dataclass(frozen=True)
class RateProblem:
    """The throughput model's data: the scenario with minimum order quantities relaxed, its
    network, the window, each rack generation's share of it and the labels."""

    scenario: Scenario
    net: Network
    window: range
    shares: dict[str, float]
    generation: pd.Series
    labels: tuple[str, str]
    target: float  # racks demanded a week in the window


def rate_problem(scenario: Scenario, weeks: int) -> RateProblem:
    """The ceiling's model data over the last ``weeks`` weeks (module docstring)."""
    lp = scenario.with_tables(supply=scenario.supply.assign(moq=0.0))
    net = build_network(lp)
    h = net.horizon
    window = range(max(0, h - weeks), h)
    generation = rack_generations(scenario.items)
    dem = scenario.demand
    due = dem[dem["item"].isin(generation.index) & dem["week"].isin(list(window))]
    by_gen = due.groupby(due["item"].map(generation))["qty"].sum()
    total = float(by_gen.sum())
    made = set(net.make["item"]) & set(generation.index)
    if total > 0:
        shares = {str(g): float(q) / total for g, q in by_gen.items()}
    else:  # no rack demand in the window: every generation made counts alike
        gens = sorted({str(generation[i]) for i in made}) or ["rack"]
        shares = {g: 1.0 / len(gens) for g in gens}
    labels = (scenario.week_label(window[0]), scenario.week_label(window[-1]))
    return RateProblem(lp, net, window, shares, generation, labels, total / len(window))


#: The objective of a rate model: terms on the model's variables, given the rate's label.
Goal = Callable[[Build, int], Terms]


def _most_racks(build: Build, rate_label: int) -> Terms:
    goal = Terms(1)
    goal.add(0, np.array([rate_label]), -1.0)
    return goal


def rate_block(
    problem: RateProblem, least_rate: float = 0.0, goal: Goal = _most_racks
) -> Callable[[Build], None]:
    """The block that replaces the least-cost objective: the rate ``r >= least_rate`` with
    its completion rows, and ``goal`` (by default: maximise r)."""
    window, shares = problem.window, problem.shares

    def add(build: Build) -> None:
        make = build.net.make
        produce = build.labels("produce")
        rate = build.model.add_variables(lower=least_rate, name="rate")
        build.variables["rate"] = rate
        rate_label = int(np.asarray(rate.labels.values).ravel()[0])
        gens = sorted(shares)
        terms = Terms(len(gens))
        gen_of = make["item"].map(problem.generation)
        for g, gen in enumerate(gens):
            rows = np.flatnonzero((gen_of == gen).to_numpy())
            for week in window:
                start = week - make["lead"].to_numpy(int)[rows]
                ok = start >= 0
                terms.add(g, produce[rows[ok], start[ok]], 1.0)
            terms.add(g, np.array([rate_label]), -shares[gen] * len(window))
        build.rows["rate"] = add_rows(
            build.model, "rate", terms, ">=", np.zeros(terms.n_rows), None, {}
        )
        build.model.add_objective(objective_expression(build.model, goal(build, rate_label)))

    return add


def rate_of(pm: PlanModel, sol: Solution) -> float:
    """The rate a solved rate model reached."""
    label = int(np.asarray(pm.build.variables["rate"].labels.values).ravel()[0])
    return max(0.0, float(sol.primal[label]))


class RateSolution(NamedTuple):
    """A solved rate model: racks a week, binding limits in racks per unit, window labels,
    racks demanded a week there, the generation mix, and the start a close model can use."""

    rate: float
    binding: pd.DataFrame
    window: tuple[str, str]
    target: float
    mix: dict[str, float]
    warm_start: WarmStart | None


def solve_rate(
    scenario: Scenario, weeks: int, settings: SolverSettings, warm: WarmStart | None = None
) -> RateSolution:
    """The ceiling's rate model of ``scenario`` solved (from ``warm``, if its shape fits)."""
    return solve_rate_problem(rate_problem(scenario, weeks), settings, warm)


def solve_rate_problem(
    problem: RateProblem, settings: SolverSettings, warm: WarmStart | None = None
) -> RateSolution:
    """:func:`solve_rate` on model data already built."""
    labels, target, shares = problem.labels, problem.target, problem.shares
    pm = build_model(problem.net, PlanOptions(explain=False), objective=rate_block(problem))
    sol = solve(pm.model, settings, warm)
    if sol.status is SolveStatus.UNBOUNDED:  # no capacity, supply or lane limits the racks
        return RateSolution(math.inf, pd.DataFrame(), labels, target, shares, None)
    if not sol.has_solution or sol.status is SolveStatus.INFEASIBLE:
        return RateSolution(0.0, pd.DataFrame(), labels, target, shares, None)
    return RateSolution(rate_of(pm, sol), binding(pm, sol), labels, target, shares, sol.warm_start)


def limit_cell(b: Bottleneck) -> tuple[str, dict[str, str], str] | None:
    """The scenario cell a binding limit reads: (table, key of its row, column); None for a
    limit no single cell sets (domestic content)."""
    if b.kind is Family.RESOURCE:
        site, name = b.id.split("/", 1)
        return "resources", {"site": site, "resource": name}, "units"
    if b.kind is Family.MAKE:
        site, item = b.id.split("/", 1)
        return "make", {"site": site, "item": item}, "max_per_week"
    if b.kind is Family.SUPPLIER:
        return "supply", {"supplier": b.id, "item": b.item, "site": b.site}, "capacity_per_week"
    if b.kind is Family.LANE:
        origin, dest = b.id.split(">", 1)
        # a lane row is keyed by its item too (blank: every item)
        return "lanes", {"from_site": origin, "to_site": dest, "item": b.item}, "capacity_per_week"
    return None


def _row(frame: pd.DataFrame, key: dict[str, str]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for col, val in key.items():
        mask &= (frame[col] == val).to_numpy()
    return mask


def _candidates(
    scenario: Scenario, bind: pd.DataFrame, top: int
) -> list[tuple[str, dict[str, str], str, float, float, float]]:
    """The top limits by racks a week per unit: (table, key, column, old, new, marginal).
    A resource grows by +STEP of its units (at least one), any other limit by +STEP."""
    hours = hours_per_unit(scenario)
    out = []
    for b in bottlenecks(bind):
        cell = limit_cell(b)
        if cell is None:
            continue
        table, key, column = cell
        old = cell_value(scenario, table, key, column)
        if b.kind is Family.RESOURCE:  # the duals are per hour: per unit, its hours
            new = old + max(1.0, math.ceil(old * STEP))
            marginal = b.total_shadow_price * float(hours[(key["site"], key["resource"])])
        else:
            new, marginal = math.ceil(old * (1 + STEP)), b.total_shadow_price
        out.append((table, key, column, old, new, marginal))
    out.sort(key=lambda c: -c[5])
    return out[:top]


def cell_value(scenario: Scenario, table: str, key: dict[str, str], column: str) -> float:
    frame = scenario.table(table)
    return float(frame.loc[_row(frame, key), column].iloc[0])


def edited(
    scenario: Scenario, table: str, key: dict[str, str], column: str, value: float
) -> Scenario:
    frame = scenario.table(table).copy()
    frame.loc[_row(frame, key), column] = value
    return scenario.with_tables(**{table: frame})


def ceiling(
    scenario: Scenario, weeks: int = 8, lifts: int = 3, time_limit_s: float = 60.0
) -> Ceiling:
    """The sustainable racks a week over the last ``weeks`` weeks, and up to ``lifts``
    confirmed edits that raise it (module docstring)."""
    settings = SolverSettings(time_limit_s=time_limit_s)
    rate, bind, window, target, mix, warm = solve_rate(scenario, weeks, settings)
    found = []
    if not bind.empty:
        for table, key, column, old, new, marginal in _candidates(scenario, bind, lifts):
            # one limit edited: the base's basis is a close start (rackforge.plan.lp.warm)
            edit = edited(scenario, table, key, column, new)
            after = solve_rate(edit, weeks, settings, warm).rate
            price = cell_value(scenario, table, key, "expand_cost")
            cost = (new - old) * price if math.isfinite(price) else None
            found.append(Lift(table, key, column, old, float(new), after, marginal, cost))
    found.sort(key=lambda lift: -lift.racks_per_week_after)
    return Ceiling(rate, window, target, mix, found)
