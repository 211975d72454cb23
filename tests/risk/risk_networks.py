"""Small networks whose resilience can be worked out by hand, shared by the risk tests.

One plant ``plant`` makes ``rack`` (lead 0) from parts bought from suppliers; the demand is at
the plant, the same every week. With ``line_hours`` the plant has one resource ``line`` of that
many hours a week and a rack takes one hour on it; without, production has no resource.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from rackforge.scenario import Scenario, ScenarioConfig, scenario_from_tables


@dataclass(frozen=True)
class Source:
    supplier: str
    capacity: float = math.inf  # units a week
    lead: int = 0


@dataclass(frozen=True)
class Part:
    name: str
    per_rack: float
    on_hand: float
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Risk:
    target: str
    ttr_weeks: float
    annual_prob: float = 0.1
    capacity_factor: float = 0.0


@dataclass(frozen=True)
class PlantNetwork:
    parts: tuple[Part, ...]
    demand: float = 10.0
    horizon: int = 12
    risks: tuple[Risk, ...] = ()
    backlog: bool = True
    rack_on_hand: float = 0.0
    make_cap: float = math.inf
    receipts: tuple[tuple[str, int, float], ...] = field(default=())  # (part, week, qty)
    line_hours: float = 0.0
    events: tuple[tuple[str, int, int, float], ...] = ()  # (target, start, weeks, factor)

    def scenario(self) -> Scenario:
        config = ScenarioConfig(
            name="hand", start="2026-W01", horizon_weeks=self.horizon, backlog=self.backlog
        )
        suppliers = sorted({s.supplier for p in self.parts for s in p.sources})
        tables = {
            "sites": pd.DataFrame([{"site": "plant", "kind": "plant", "country": "US"}]),
            "items": pd.DataFrame(
                [{"item": "rack", "kind": "rack", "unit_value": 1000.0}]
                + [{"item": p.name, "kind": "component", "unit_value": 10.0} for p in self.parts]
            ),
            "bom": pd.DataFrame(
                [{"parent": "rack", "child": p.name, "qty": p.per_rack} for p in self.parts]
            ),
            "make": pd.DataFrame(
                [{"site": "plant", "item": "rack", "lead_weeks": 0, "max_per_week": self.make_cap}]
            ),
            "suppliers": pd.DataFrame([{"supplier": s, "country": "US"} for s in suppliers]),
            "supply": pd.DataFrame(
                [
                    {
                        "supplier": s.supplier,
                        "item": p.name,
                        "site": "plant",
                        "lead_weeks": s.lead,
                        "price": 1.0,
                        "capacity_per_week": s.capacity,
                    }
                    for p in self.parts
                    for s in p.sources
                ]
            ),
            "inventory": pd.DataFrame(
                [{"site": "plant", "item": p.name, "on_hand": p.on_hand} for p in self.parts]
                + [{"site": "plant", "item": "rack", "on_hand": self.rack_on_hand}]
            ),
            "demand": pd.DataFrame(
                [
                    {
                        "demand": f"d{w}",
                        "item": "rack",
                        "site": "plant",
                        "week": w,
                        "qty": self.demand,
                    }
                    for w in range(self.horizon)
                ]
            ),
            "risk": pd.DataFrame(
                [
                    {
                        "target": r.target,
                        "ttr_weeks": r.ttr_weeks,
                        "annual_prob": r.annual_prob,
                        "capacity_factor": r.capacity_factor,
                    }
                    for r in self.risks
                ],
                columns=["target", "ttr_weeks", "annual_prob", "capacity_factor"],
            ),
        }
        if self.line_hours:
            tables["resources"] = pd.DataFrame(
                [
                    {
                        "site": "plant",
                        "resource": "line",
                        "kind": "line",
                        "units": 1,
                        "hours_per_week": self.line_hours,
                    }
                ]
            )
            tables["operations"] = pd.DataFrame(
                [{"site": "plant", "item": "rack", "step": 1, "resource": "line", "hours": 1.0}]
            )
        if self.events:
            tables["events"] = pd.DataFrame(
                [
                    {"event": f"e{n}", "target": t, "start": w, "weeks": d, "capacity_factor": f}
                    for n, (t, w, d, f) in enumerate(self.events)
                ]
            )
        if self.receipts:
            tables["receipts"] = pd.DataFrame(
                [
                    {"site": "plant", "item": part, "week": week, "qty": qty}
                    for part, week, qty in self.receipts
                ]
            )
        return scenario_from_tables(config, tables)


def one_part(
    on_hand: float = 100.0,
    per_rack: float = 2.0,
    sources: tuple[Source, ...] = (Source("sup-a"),),
    **kwargs: object,
) -> Scenario:
    """The brief's example: 1 rack needs ``per_rack`` parts, ``on_hand`` parts in stock."""
    part = Part("part", per_rack, on_hand, sources)
    return PlantNetwork((part,), **kwargs).scenario()  # type: ignore[arg-type]
