"""What :func:`rackforge.plan.plan` returns: status, cost split, KPIs, tables, explanations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd

from rackforge.plan.explain import Bottleneck, LateDemand
from rackforge.plan.lp.diagnose import Conflict
from rackforge.plan.tables import PlanTables
from rackforge.scenario.derived import rack_generations, racks_by_generation


class PlanStatus(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a plan, not proven optimal
    INFEASIBLE = "infeasible"  # hard constraints conflict; see ``conflicts``
    TIME_LIMIT = "time_limit"  # stopped at the time limit; a plan if one was found


class PlanError(RuntimeError):
    """The planner could not produce a plan; the message says why in the model's terms."""


class PlanInfeasibleError(PlanError):
    """Hard constraints conflict; ``conflicts`` names the ones whose relaxation helps."""

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass(frozen=True)
class Kpis:
    """Service and sourcing figures; ``fill_rate`` is the on-time unit fill rate (units
    delivered in their due week / units demanded; the P2 measure of Silver, Pyke & Peterson 1998)."""

    demand_units: float
    delivered_units: float
    on_time_units: float
    late_units: float
    lost_units: float
    fill_rate: float
    domestic_share: float  # domestic purchase value / all purchase value (pre-duty)

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SolveInfo:
    build_s: float
    solve_s: float
    variables: int
    constraints: int
    mip: bool
    gap: float | None
    solver_status: str


def _week(labels: tuple[str, ...], week: int) -> str | None:
    return labels[week] if 0 <= week < len(labels) else None


@dataclass(frozen=True)
class PlanResult:
    """A constrained plan (or why there is none)."""

    scenario: str
    status: PlanStatus
    message: str
    objective: float
    cost: dict[str, float]
    kpis: Kpis | None
    tables: PlanTables | None
    binding: pd.DataFrame
    bottlenecks: list[Bottleneck]
    late: list[LateDemand]
    conflicts: list[Conflict]
    info: SolveInfo
    week_labels: tuple[str, ...]
    items: pd.DataFrame
    target: Any = field(default=None)  # rackforge.plan.target.TargetCheck, set by plan()
    ceiling: Any = field(default=None)  # rackforge.plan.ceiling.Ceiling, with options.ceiling
    #: the solver's start for a re-plan of a close scenario (rackforge.plan.lp.warm.WarmStart)
    warm_start: Any = field(default=None, repr=False, compare=False)

    @property
    def has_plan(self) -> bool:
        return self.tables is not None

    def raise_for_status(self) -> PlanResult:
        """Return self if a plan exists, else raise :class:`PlanInfeasibleError`/PlanError."""
        if self.status is PlanStatus.INFEASIBLE:
            raise PlanInfeasibleError(self.message, self.conflicts)
        if not self.has_plan:
            raise PlanError(self.message)
        return self

    @property
    def production_by_generation(self) -> pd.DataFrame:
        """Units of rack items completed per week (rows) and generation (columns)."""
        if self.tables is None:
            return pd.DataFrame()
        done = racks_by_generation(
            self.tables.production, "available_week", "qty", rack_generations(self.items)
        )
        return done.unstack("generation", fill_value=0.0)

    @property
    def purchases_by_country(self) -> pd.DataFrame:
        """Purchase value (pre-duty) per order week (rows) and supplier country (columns)."""
        if self.tables is None:
            return pd.DataFrame()
        return self.tables.purchases.pivot_table(
            index="week", columns="country", values="value", aggfunc="sum", fill_value=0.0
        )

    @property
    def utilization_by_resource(self) -> pd.DataFrame:
        """Share of available hours used per week (rows) and plant/resource (columns)."""
        if self.tables is None:
            return pd.DataFrame()
        util = self.tables.utilization
        return util.pivot_table(
            index="week",
            columns=["site", "resource"],
            values="utilization",
            aggfunc="sum",
            fill_value=0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``rackforge plan --json`` (see docs/plan.md)."""
        labels = self.week_labels
        return {
            "scenario": self.scenario,
            "start": labels[0] if labels else None,
            "horizon_weeks": len(labels),
            "status": self.status.value,
            "message": self.message,
            "objective": None if math.isnan(self.objective) else self.objective,
            "gap": self.info.gap,
            "cost": self.cost,
            "kpis": self.kpis.to_dict() if self.kpis else None,
            "bottlenecks": [
                {
                    "kind": b.kind.value,
                    "id": b.id,
                    "site": b.site,
                    "item": b.item,
                    "week": _week(labels, b.week),
                    "shadow_price": b.shadow_price,
                    "first_week": _week(labels, b.first_week),
                    "last_week": _week(labels, b.last_week),
                    "binding_weeks": b.binding_weeks,
                    "total_shadow_price": b.total_shadow_price,
                }
                for b in self.bottlenecks
            ],
            "late": [
                {
                    "demand": d.demand,
                    "item": d.item,
                    "site": d.site,
                    "due_week": _week(labels, d.due_week),
                    "qty": d.qty,
                    "on_time": d.on_time,
                    "late": d.late,
                    "lost": d.lost,
                    "avg_delay_weeks": d.avg_delay_weeks,
                    "cause": {
                        "kind": d.cause.kind.value,
                        "id": d.cause.id,
                        "weeks": [_week(labels, w) for w in d.cause.weeks],
                        "text": d.cause.text,
                    },
                }
                for d in self.late
            ],
            "target": self.target.to_dict() if self.target is not None else None,
            "ceiling": self.ceiling.to_dict() if self.ceiling is not None else None,
            "conflicts": [
                {
                    "family": c.family.value,
                    "id": c.id,
                    "site": c.site,
                    "item": c.item,
                    "week": _week(labels, c.week),
                    "violation": c.violation,
                    "limit": c.limit,
                }
                for c in self.conflicts
            ],
            "solver": {
                "build_s": self.info.build_s,
                "solve_s": self.info.solve_s,
                "variables": self.info.variables,
                "constraints": self.info.constraints,
                "mip": self.info.mip,
                "status": self.info.solver_status,
            },
        }
