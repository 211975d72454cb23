"""Synthetic multi-plant rack networks of any size, for benchmarks and scale tests.

``synthetic(P, I, W)`` (or ``synthetic_size("PxIxW")``) is a network of P plants, a catalogue
of I items (2% racks, 20% assemblies, the rest bought components) and W weeks: racks made at
up to three plants from assemblies and components, components bought from two suppliers each,
plants in a lane ring that carries every item and lanes to every data centre, weekly rack
demand ramping up, a 20% domestic-content rule and the labour lever. The same seed gives the
same scenario.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from rackforge.scenario.model import Automation, Scenario, ScenarioConfig
from rackforge.scenario.validate import scenario_from_tables as from_tables

COUNTRIES = ("US", "US", "MX", "TW", "CN", "KR")


def synthetic(plants: int, items: int, weeks: int, seed: int = 0) -> Scenario:
    """A synthetic multi-plant rack network: racks made at up to three plants from assemblies
    and components, components bought from two suppliers each, plants in a lane ring and
    lanes to every data centre, weekly rack demand ramping up."""
    rng = np.random.default_rng(seed)
    n_rack = max(2, items // 50)
    n_asm = max(2, items // 5)
    n_comp = max(2, items - n_rack - n_asm)
    racks = [f"R{i:04d}" for i in range(n_rack)]
    asms = [f"A{i:05d}" for i in range(n_asm)]
    comps = [f"C{i:05d}" for i in range(n_comp)]
    pl = [f"P{i:02d}" for i in range(plants)]
    dcs = [f"D{i:02d}" for i in range(max(2, plants // 2))]
    sites = [{"site": s, "kind": "plant", "country": "US"} for s in pl]
    sites += [{"site": s, "kind": "customer", "country": "US"} for s in dcs]
    value = {r: 3e6 for r in racks} | {a: 2e4 for a in asms} | {c: 500.0 for c in comps}
    kinds = (
        {r: "rack" for r in racks} | {a: "assembly" for a in asms} | {c: "component" for c in comps}
    )
    items_t = [
        {
            "item": i,
            "kind": kinds[i],
            "unit_value": value[i] * rng.uniform(0.5, 1.5),
            "generation": f"gen-{int(i[1:]) % 3}" if kinds[i] == "rack" else "",
        }
        for i in value
    ]
    bom = []
    for k, r in enumerate(racks):
        own = asms[k::n_rack]  # every assembly goes into some rack
        shared = rng.choice(asms, size=min(2, n_asm), replace=False)
        for a in sorted(set(own) | set(shared)):
            bom.append({"parent": r, "child": a, "qty": int(rng.integers(1, 19))})
        for c in rng.choice(comps, size=min(4, n_comp), replace=False):
            bom.append({"parent": r, "child": c, "qty": int(rng.integers(1, 9))})
    for a in asms:
        for c in rng.choice(comps, size=min(5, n_comp), replace=False):
            bom.append(
                {
                    "parent": a,
                    "child": c,
                    "qty": int(rng.integers(1, 9)),
                    "scrap": float(rng.choice([0.0, 0.01, 0.03])),
                }
            )
    children = pd.DataFrame(bom).groupby("parent")["child"].apply(list).to_dict()
    make, ops, resources, at_plant = [], [], [], defaultdict(set)
    for r in racks:
        for p in rng.choice(pl, size=min(3, plants), replace=False):
            at_plant[p].add(r)
    for p in pl:
        for a in {a for r in at_plant[p] for a in children[r] if a.startswith("A")}:
            at_plant[p].add(a)
        resources += [
            {
                "site": p,
                "resource": "line",
                "kind": "line",
                "units": int(rng.integers(2, 6)),
                "hours_per_week": 120.0,
            },
            {
                "site": p,
                "resource": "test",
                "kind": "test",
                "units": int(rng.integers(4, 12)),
                "hours_per_week": 160.0,
            },
            {
                "site": p,
                "resource": "labor",
                "kind": "labor",
                "units": int(rng.integers(40, 120)),
                "hours_per_week": 40.0,
                "efficiency": 0.85,
            },
        ]
        for i in sorted(at_plant[p]):
            rack = i.startswith("R")
            make.append(
                {
                    "site": p,
                    "item": i,
                    "lead_weeks": int(rng.integers(0, 2)),
                    "cost": value[i] * 0.02,
                }
            )
            steps = [
                ("line", 2.0 if rack else 0.2),
                ("test", 24.0 if rack else 0.5),
                ("labor", 6.0 if rack else 0.3),
            ]
            for k, (res, hours) in enumerate(steps):
                ops.append(
                    {
                        "site": p,
                        "item": i,
                        "step": k + 1,
                        "resource": res,
                        "hours": hours,
                        "yield": float(rng.choice([0.95, 0.98, 1.0])),
                    }
                )
    suppliers = [
        {"supplier": f"S{i:04d}", "country": str(rng.choice(COUNTRIES))}
        for i in range(max(4, n_comp // 10))
    ]
    supply = []
    for p in pl:
        needed = {c for i in at_plant[p] for c in children[i] if c.startswith("C")}
        for c in sorted(needed):
            for s in rng.choice(len(suppliers), size=2, replace=False):
                supply.append(
                    {
                        "supplier": suppliers[s]["supplier"],
                        "item": c,
                        "site": p,
                        "lead_weeks": int(rng.integers(1, 9)),
                        "price": value[c] * rng.uniform(0.8, 1.2),
                        "capacity_per_week": float(rng.integers(2000, 20000)),
                    }
                )
    lanes = [
        {
            "from_site": p,
            "to_site": d,
            "lead_weeks": int(rng.integers(1, 3)),
            "cost_per_unit": 2000.0,
            "capacity_per_week": 400.0,
        }
        for p in pl
        for d in dcs
    ]
    lanes += [
        {
            "from_site": pl[i],
            "to_site": pl[(i + 1) % plants],
            "lead_weeks": 1,
            "cost_per_unit": 50.0,
        }
        for i in range(plants)
        if plants > 1
    ]
    demand = []
    for r in racks:
        for d in rng.choice(dcs, size=min(2, len(dcs)), replace=False):
            base = rng.uniform(5, 30)
            for w in range(4, weeks):
                demand.append(
                    {
                        "demand": f"{r}-{d}-{w}",
                        "item": r,
                        "site": d,
                        "week": w,
                        "qty": round(base * (1 + 2 * w / weeks)),
                    }
                )
    inventory = [
        {"site": s["site"], "item": s["item"], "on_hand": 500.0, "safety_stock": 50.0}
        for s in supply[::7]
    ]
    config = ScenarioConfig(
        name=f"gen-{plants}x{items}x{weeks}",
        start="2026-W01",
        horizon_weeks=weeks,
        tariffs={"TW": 0.15, "CN": 0.25},
        domestic_content_min=0.2,
        automation=Automation(touch_time_reduction={"labor": 0.25}),
    )
    tables = {
        "sites": sites,
        "items": items_t,
        "bom": bom,
        "make": make,
        "resources": resources,
        "operations": ops,
        "suppliers": suppliers,
        "supply": supply,
        "lanes": lanes,
        "inventory": inventory,
        "demand": demand,
    }
    return from_tables(config, {k: pd.DataFrame(v) for k, v in tables.items()})


def synthetic_size(size: str, seed: int = 0) -> Scenario:
    """:func:`synthetic` of a size written ``PxIxW`` (``10x1000x52``)."""
    try:
        plants, items, weeks = (int(x) for x in size.lower().split("x"))
    except ValueError:
        raise ValueError(f"a size is PLANTSxITEMSxWEEKS, e.g. 10x1000x52, not {size!r}") from None
    return synthetic(plants, items, weeks, seed)
