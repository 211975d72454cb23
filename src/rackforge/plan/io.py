"""Writing a plan's tables as CSV files (the only module of the planner that writes files)."""

from __future__ import annotations

import os
from pathlib import Path

from rackforge.plan.mrp import MrpResult
from rackforge.plan.orders import purchase_orders
from rackforge.plan.result import PlanResult

#: The files ``rackforge plan`` writes, in order.
PLAN_FILES = (
    "production",
    "purchases",
    "transfers",
    "inventory",
    "deliveries",
    "utilization",
    "service",
)
MRP_FILES = ("planned_orders", "mrp_records")


def write_plan_tables(result: PlanResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the plan's tables as ``<name>.csv`` into ``folder`` (created); return the paths.

    Writes nothing when the result holds no plan.
    """
    if result.tables is None:
        return []
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in PLAN_FILES:
        path = out / f"{name}.csv"
        getattr(result.tables, name).to_csv(path, index=False)
        written.append(path)
    path = out / "purchase_orders.csv"
    purchase_orders(result).to_csv(path, index=False)
    written.append(path)
    return written


def write_mrp_tables(result: MrpResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write planned orders and the MRP records as CSV into ``folder``; return the paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.csv" for name in MRP_FILES]
    result.planned_orders.to_csv(paths[0], index=False)
    result.records.to_csv(paths[1], index=False)
    return paths
