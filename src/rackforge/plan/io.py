"""Writing a plan's tables as CSV files (the only module of the planner that writes files)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rackforge._atomic import atomic_folder
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
    """Write the plan's tables as ``<name>.csv``, the folder ``folder`` replaced as a whole.

    Writes nothing when the result holds no plan.
    """
    if result.tables is None:
        return []
    tables = {name: getattr(result.tables, name) for name in PLAN_FILES}
    tables["purchase_orders"] = purchase_orders(result)
    return _write_folder(tables, folder)


def _write_folder(tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str]) -> list[Path]:
    """``tables`` as ``<name>.csv``, the folder replaced as a whole in one step."""
    with atomic_folder(folder) as staging:
        for name, frame in tables.items():
            frame.to_csv(staging / f"{name}.csv", index=False)
    return [Path(folder) / f"{name}.csv" for name in tables]


def write_mrp_tables(result: MrpResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write planned orders and the MRP records as CSV into ``folder``; return the paths."""
    frames = (result.planned_orders, result.records)
    return _write_folder(dict(zip(MRP_FILES, frames, strict=True)), folder)
