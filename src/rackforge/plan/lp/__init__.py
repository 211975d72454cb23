"""The constrained plan's LP/MIP: built with linopy from one block per family, solved by HiGHS."""

from rackforge.plan.lp.context import Build, CostPart
from rackforge.plan.lp.diagnose import diagnose
from rackforge.plan.lp.model import BLOCKS, PlanModel, build_model
from rackforge.plan.lp.solve import Solution, SolverSettings, SolveStatus, solve

__all__ = [
    "BLOCKS",
    "Build",
    "CostPart",
    "PlanModel",
    "Solution",
    "SolveStatus",
    "SolverSettings",
    "build_model",
    "diagnose",
    "solve",
]
