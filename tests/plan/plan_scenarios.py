"""Small scenarios built in code for the planner's tests (optima computed by hand in the tests)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from rackforge.scenario import Automation, Scenario, ScenarioConfig, scenario_from_tables

Rows = list[dict[str, Any]]

REQUIRED = {
    "bom": ["parent", "child", "qty"],
    "make": ["site", "item", "lead_weeks"],
    "supply": ["supplier", "item", "site", "lead_weeks", "price"],
    "demand": ["demand", "item", "site", "week", "qty"],
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


@st.composite
def networks(draw: st.DrawFn) -> Scenario:
    h = draw(st.integers(2, 5))
    lead = st.integers(0, 2)
    cap = st.one_of(st.none(), st.integers(1, 20).map(float))

    def opt(name: str, value: float | None) -> dict[str, Any]:
        return {} if value is None else {name: value}

    bom = [
        {
            "parent": "R",
            "child": "A",
            "qty": draw(st.integers(1, 3)),
            "scrap": draw(st.sampled_from([0.0, 0.1])),
        },
        {"parent": "R", "child": "K1", "qty": draw(st.integers(1, 2))},
        {
            "parent": "A",
            "child": "K2",
            "qty": draw(st.integers(1, 4)),
            "scrap": draw(st.sampled_from([0.0, 0.25])),
        },
    ]
    make = [
        {
            "site": "P",
            "item": "R",
            "lead_weeks": draw(st.integers(0, 1)),
            "cost": 5,
            **opt("max_per_week", draw(cap)),
        },
        {"site": "P", "item": "A", "lead_weeks": draw(st.integers(0, 1)), "cost": 2},
    ]
    resources = [
        {
            "site": "P",
            "resource": "L",
            "kind": "line",
            "units": 1,
            "hours_per_week": draw(st.integers(5, 40)),
        }
    ]
    operations = [
        {
            "site": "P",
            "item": item_,
            "step": 1,
            "resource": "L",
            "hours": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "yield": draw(st.sampled_from([0.8, 0.9, 1.0])),
        }
        for item_ in ("R", "A")
    ]
    supply = [
        offer("K1", 3, lead=draw(lead), supplier="S1", **opt("capacity_per_week", draw(cap))),
        offer("K1", 2, lead=draw(lead), supplier="S2", moq=draw(st.sampled_from([0, 0, 5]))),
        offer("K2", 1, lead=draw(lead), supplier="S2", **opt("capacity_per_week", draw(cap))),
    ]
    inventory = [
        {
            "site": "P",
            "item": i,
            "on_hand": draw(st.integers(0, 10)),
            "safety_stock": draw(st.sampled_from([0, 0, 2])),
        }
        for i in ("R", "K1", "K2")
    ]
    receipts = [
        {
            "site": "P",
            "item": "K2",
            "week": draw(st.integers(0, h - 1)),
            "qty": draw(st.integers(0, 10)),
        }
    ]
    weeks = draw(st.lists(st.integers(0, h - 1), min_size=1, max_size=4))
    dem = [
        demand(
            f"d{i}",
            "R",
            w,
            draw(st.integers(1, 8)),
            site="C",
            bp=draw(st.sampled_from([1, 20])),
            lp=500,
        )
        for i, w in enumerate(weeks)
    ]
    return build(
        sites=[
            {"site": "P", "kind": "plant", "country": "US"},
            {"site": "C", "kind": "customer", "country": "US"},
        ],
        items=[item("R", 400, "rack"), item("A", 80, "assembly"), item("K1", 10), item("K2", 5)],
        suppliers=[{"supplier": "S1", "country": "US"}, {"supplier": "S2", "country": "TW"}],
        bom=bom,
        make=make,
        resources=resources,
        operations=operations,
        supply=supply,
        inventory=inventory,
        receipts=receipts,
        lanes=[
            {
                "from_site": "P",
                "to_site": "C",
                "lead_weeks": draw(st.integers(0, 1)),
                "cost_per_unit": 1,
                **opt("capacity_per_week", draw(cap)),
            }
        ],
        demand=dem,
        horizon=h,
        backlog=draw(st.booleans()),
        holding_rate=0.25,
        domestic=draw(st.sampled_from([0.0, 0.3])),
        tariffs={"TW": 0.2},
    )


def resource(
    name: str, units: int, hours_per_week: float, site: str = "P", kind: str = "line", **extra: Any
) -> dict[str, Any]:
    return {
        "site": site,
        "resource": name,
        "kind": kind,
        "units": units,
        "hours_per_week": hours_per_week,
        **extra,
    }
