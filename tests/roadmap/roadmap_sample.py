"""A two-generation scenario and a roadmap touching every feature, shared by the tests."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pandas as pd

from rackforge import Scenario, load_scenario
from rackforge.scenario import scenario_from_tables

# Two generations in the spirit of the research notes (section 1): a GB300-class NVL72 at
# 5 PF dense FP8 per GPU and 132 kW, and a next generation at 3.3x the FP8 per rack and 200 kW.
GEN_NOW: dict[str, Any] = {
    "item": "rack-t",
    "gpus": 72,
    "pflops_per_gpu": {"bf16": 2.5, "fp8": 5.0, "fp4": 15.0},
    "rack_kw": 132,
    "price": 3.5e6,
}
GEN_NEXT: dict[str, Any] = {
    "item": "rack-n",
    "gpus": 72,
    "pflops_per_gpu": {"fp8": 16.5, "fp4": 50.0},
    "rack_kw": 200,
    "price": 6.0e6,
    "available": "2026-W20",
}


def two_rack_scenario() -> Scenario:
    tiny = load_scenario("tiny")
    tables = {name: frame.copy() for name, frame in tiny.tables.items()}
    items = tables["items"]
    extra = items[items["item"] == "rack-t"].assign(item="rack-n", name="Next rack")
    tables["items"] = pd.concat([items, extra], ignore_index=True)
    for name, column in (("make", "item"), ("bom", "parent")):
        frame = tables[name]
        rows = frame[frame[column] == "rack-t"].assign(**{column: "rack-n"})
        tables[name] = pd.concat([frame, rows], ignore_index=True)
    config = dataclasses.replace(tiny.config, name="two-racks", horizon_weeks=52)
    return scenario_from_tables(config, tables)


def valid_roadmap() -> dict[str, Any]:
    """A roadmap touching every feature: both generations, a run by flops, a run by size,
    a fleet by token rate and a fleet by GPUs."""
    return copy.deepcopy(
        {
            "pue": 1.2,
            "lead_weeks": 4,
            "generations": [GEN_NOW, GEN_NEXT],
            "runs": [
                {
                    "name": "frontier-a",
                    "flops": 1.0e27,
                    "precision": "fp8",
                    "mfu": 0.4,
                    "goodput": 0.9,
                    "start": "2026-W30",
                    "days": 90,
                    "delivery_weeks": 4,
                },
                {
                    "name": "mid-b",
                    "params": 4.05e11,
                    "tokens": 1.56e13,
                    "precision": "bf16",
                    "mfu": 0.4,
                    "start": 20,
                    "days": 60,
                    "generation": "rack-t",
                },
            ],
            "fleets": [
                {
                    "name": "chat",
                    "tokens_per_s": 2.0e7,
                    "params": 2.0e11,
                    "mfu": 0.25,
                    "precision": "fp8",
                    "start": "2026-W40",
                    "ramp_weeks": 4,
                },
                {"name": "batch", "gpus": 720, "precision": "fp4", "start": 10},
            ],
        }
    )
