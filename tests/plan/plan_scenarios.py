"""Small scenarios built in code for the planner's tests (optima computed by hand in the tests)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rackforge.scenario import Automation, Scenario, ScenarioConfig, scenario_from_tables

Rows = list[dict[str, Any]]

REQUIRED = {
    "bom": ["parent", "child", "qty"],
    "make": ["site", "item", "lead_weeks"],
    "supply": ["supplier", "item", "site", "lead_weeks", "price"],
}


def frame(rows: Rows | None, table: str) -> pd.DataFrame:
    if rows:
        return pd.DataFrame(rows)
    return pd.DataFrame(columns=REQUIRED.get(table, []))


def build(
    *,
    items: Rows,
    demand: Rows,
    sites: Rows | None = None,
    suppliers: Rows | None = None,
    supply: Rows | None = None,
    bom: Rows | None = None,
    make: Rows | None = None,
    resources: Rows | None = None,
    operations: Rows | None = None,
    lanes: Rows | None = None,
    inventory: Rows | None = None,
    receipts: Rows | None = None,
    horizon: int = 4,
    backlog: bool = True,
    holding_rate: float = 0.0,
    domestic: float = 0.0,
    tariffs: dict[str, float] | None = None,
    touch: dict[str, float] | None = None,
) -> Scenario:
    """A validated scenario; one US plant ``P`` and one US supplier ``S`` unless given."""
    config = ScenarioConfig(
        name="test",
        start="2026-W01",
        horizon_weeks=horizon,
        holding_rate=holding_rate,
        backlog=backlog,
        domestic_content_min=domestic,
        tariffs=tariffs or {},
        automation=Automation(touch_time_reduction=touch or {}),
    )
    tables = {
        "sites": frame(sites or [{"site": "P", "kind": "plant", "country": "US"}], "sites"),
        "items": frame(items, "items"),
        "bom": frame(bom, "bom"),
        "make": frame(make, "make"),
        "suppliers": frame(suppliers or [{"supplier": "S", "country": "US"}], "suppliers"),
        "supply": frame(supply, "supply"),
        "demand": frame(demand, "demand"),
    }
    optional = {
        "resources": resources,
        "operations": operations,
        "lanes": lanes,
        "inventory": inventory,
        "receipts": receipts,
    }
    tables.update({name: frame(rows, name) for name, rows in optional.items() if rows})
    return scenario_from_tables(config, tables)


def item(name: str, value: float = 100.0, kind: str = "component", **extra: Any) -> dict[str, Any]:
    return {"item": name, "kind": kind, "unit_value": value, **extra}


def demand(
    name: str, item: str, week: int, qty: float, site: str = "P", bp: float = 1.0, lp: float = 100.0
) -> dict[str, Any]:
    return {
        "demand": name,
        "item": item,
        "site": site,
        "week": week,
        "qty": qty,
        "backlog_penalty": bp,
        "lost_penalty": lp,
    }


def offer(
    item: str, price: float, lead: int = 0, supplier: str = "S", site: str = "P", **extra: Any
) -> dict[str, Any]:
    return {
        "supplier": supplier,
        "item": item,
        "site": site,
        "lead_weeks": lead,
        "price": price,
        **extra,
    }
