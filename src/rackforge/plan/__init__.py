"""Planning: MRP (uncapacitated explosion and netting) and the constrained LP/MIP plan.

>>> from rackforge.scenario import load_scenario
>>> from rackforge.plan import plan
>>> result = plan(load_scenario("tiny"))
>>> result.status.value, round(result.kpis.fill_rate, 3)
('optimal', 1.0)
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.plan.explain import Bottleneck, Cause, CauseKind, LateDemand
    from rackforge.plan.io import write_mrp_tables, write_plan_tables
    from rackforge.plan.lp.diagnose import Conflict
    from rackforge.plan.mrp import (
        ExceptionKind,
        MrpException,
        MrpResult,
        MrpStatus,
        OrderType,
        run_mrp,
    )
    from rackforge.plan.network import Network, build_network
    from rackforge.plan.options import DomesticScope, Family, PlanOptions, SafetyStock, Windows
    from rackforge.plan.planner import plan
    from rackforge.plan.result import (
        Kpis,
        PlanError,
        PlanInfeasibleError,
        PlanResult,
        PlanStatus,
    )
    from rackforge.plan.target import TargetCheck, TargetWeek, target_check

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "Bottleneck",
    "Cause",
    "CauseKind",
    "Conflict",
    "DomesticScope",
    "ExceptionKind",
    "Family",
    "Kpis",
    "LateDemand",
    "MrpException",
    "MrpResult",
    "MrpStatus",
    "Network",
    "OrderType",
    "PlanError",
    "PlanInfeasibleError",
    "PlanOptions",
    "PlanResult",
    "PlanStatus",
    "SafetyStock",
    "TargetCheck",
    "TargetWeek",
    "Windows",
    "build_network",
    "plan",
    "run_mrp",
    "target_check",
    "write_mrp_tables",
    "write_plan_tables",
]
