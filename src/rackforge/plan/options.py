"""The planner's options: one dataclass, enums rather than strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum


class LpMethod(StrEnum):
    """HiGHS's ``solver`` option: its choice, dual simplex, interior point (then crossover to
    a basic solution, so shadow prices stay vertex duals) or first-order PDLP."""

    CHOOSE = "choose"
    SIMPLEX = "simplex"
    IPM = "ipm"
    PDLP = "pdlp"


class SafetyStock(Enum):
    """How the LP treats ``inventory.safety_stock``.

    ``SOFT``: a target; every unit-week below it costs ``safety_penalty_share`` x unit_value.
    ``HARD``: a lower bound on stock at the end of every week (may make the plan infeasible,
    e.g. when the opening stock is below it and nothing can arrive in week 0).
    """

    SOFT = "soft"
    HARD = "hard"


class DomesticScope(Enum):
    """Where ``domestic_content_min`` is enforced.

    ``NETWORK``: domestic purchase value >= share x all purchase value, summed over every site and
    week of the horizon. ``SITE``: the same inequality for each buying site separately.
    """

    NETWORK = "network"
    SITE = "site"


class Family(Enum):
    """The families of hard constraints; diagnosis relaxes them one at a time."""

    RESOURCE = "resource"  # resource hours per site/resource/week
    MAKE = "make"  # make.max_per_week
    SUPPLIER = "supplier"  # supply.capacity_per_week
    LANE = "lane"  # lanes.capacity_per_week
    DOMESTIC = "domestic_content"  # domestic_content_min
    SAFETY_STOCK = "safety_stock"  # only with SafetyStock.HARD
    DEMAND = "demand"  # only with must_meet_demand


@dataclass(frozen=True)
class NominalCapacities:
    """What an outage of a row with no stated capacity is a share of: its peak weekly flow
    in the plan being executed, supply rows by ``(supplier, item, site)`` and lane flows by
    ``(from_site, to_site, item)``; a row or flow not named carried nothing (nominal 0). The
    executed plan hands its own to every re-plan
    (:func:`rackforge.execute.rules.with_nominal`), so that an outage under way limits such a
    row in the re-plan as it does in the execution (:mod:`rackforge.scenario.events`)."""

    supply: Mapping[tuple[str, str, str], float] = field(default_factory=dict)
    lanes: Mapping[tuple[str, str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Windows:
    """Plan the horizon as a rolling sequence of windows (:mod:`rackforge.plan.lp.windows`).

    Attributes:
        weeks: weeks each window decides.
        overlap: weeks past them that each window also plans (and leaves to the next), so
            that a window orders what arrives after its own weeks and does not end its stock
            as if the horizon ended with it; None: the network's longest chain of lead times
            (:func:`rackforge.plan.lp.windows.chain_weeks`).
        workers: processes that solve the bound's sub-problems side by side.
        dask: run the bound's sub-problems on Dask instead: ``"local"`` (a LocalCluster of
            ``workers`` workers) or a scheduler's address.
    """

    weeks: int = 6
    overlap: int | None = None
    workers: int = 1
    dask: str | None = None

    def __post_init__(self) -> None:
        if self.weeks < 1 or (self.overlap or 0) < 0 or self.workers < 1:
            raise ValueError(f"windows need weeks >= 1, overlap >= 0 and workers >= 1; got {self}")


@dataclass(frozen=True)
class PlanOptions:
    """Options of :func:`rackforge.plan.plan`; ``None`` means "as in the scenario".

    Attributes:
        time_limit_s: solver wall-clock limit (default: ``scenario.config.solver.time_limit_s``).
        mip_gap: relative MIP gap at which HiGHS stops (default: the scenario's).
        automation: apply ``automation.touch_time_reduction`` to the hours of resources of that
            kind (the scenario's automation levers); False plans with the routings' raw hours.
        safety_stock: soft target (default) or hard lower bound.
        safety_penalty_share: soft safety-stock shortfall cost, per unit-week, as a share of
            the item's unit value (default 1 %/week, above the 0.25/52 ~ 0.5 %/week holding cost
            so stock is held when it can be, below the default 2 %/week backlog penalty so
            demand comes first).
        domestic_scope: network-wide (default) or per buying site.
        must_meet_demand: every demand delivered in full in its week; the plan is infeasible
            (with the constraints that prevent it named) when it cannot be.
        explain: compute bottlenecks and the cause of every late or lost demand.
        diagnose: when infeasible, find the constraint families whose relaxation restores
            feasibility (one extra solve per family).
        threads: HiGHS threads (None: the solver's default).
        target_weeks: how many final weeks the target check compares (demanded vs planned
            rack output), and the window of the ceiling.
        ceiling: also compute the ceiling (sustainable racks a week and the edits that lift
            it, :mod:`rackforge.plan.ceiling`): one more LP, plus one per lift.
        lp_method: how HiGHS solves an LP (a MIP's relaxations are branch and cut's choice):
            interior point with crossover (default), dual simplex, or first-order PDLP, which
            stops at a relative primal-dual gap of ``1e-7`` (HiGHS ``pdlp_optimality_tolerance``)
            and gives no basis, so its shadow prices are those of an interior point.
        duals: shadow prices (the binding table, bottlenecks and explanations need them); a
            MIP's plan is then solved once more as an LP with its integers fixed. Off when
            only the flows matter (the executed plan's re-plans, :mod:`rackforge.execute`).
        expand_to: racks a week the cheapest-expansion plan aims for
            (:mod:`rackforge.plan.expansion`, with the ceiling); None: the racks demanded a
            week in the ceiling's window, planned when the scenario prices an expansion.
        nominal: the nominal capacities of rows with none stated, which a dated event with a
            factor between 0 and 1 then scales (None: such a row stays unlimited).
        windows: plan the horizon window by window, with a bound on the optimum and the gap
            to it (for models too large to solve whole); None: the whole model at once.
    """

    time_limit_s: float | None = None
    mip_gap: float | None = None
    automation: bool = True
    safety_stock: SafetyStock = SafetyStock.SOFT
    safety_penalty_share: float = 0.01
    domestic_scope: DomesticScope = DomesticScope.NETWORK
    must_meet_demand: bool = False
    explain: bool = True
    diagnose: bool = True
    threads: int | None = None
    target_weeks: int = 8
    ceiling: bool = False
    expand_to: float | None = None
    lp_method: LpMethod = LpMethod.IPM
    duals: bool = True
    nominal: NominalCapacities | None = None
    windows: Windows | None = None
