"""Wrong versions of the scenario's derived rules (rackforge.scenario.derived), one per rule:
each is what an engine would compute had it drifted from the rule (the drifts this module was
written to end). The rule tests must fail under every one of them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rackforge.scenario import Scenario
from rackforge.scenario import derived as rules

_original = {name: getattr(rules, name) for name in dir(rules) if callable(getattr(rules, name))}


def _no_breakdowns(mtbf_h: Any, mttr_h: Any) -> np.ndarray:
    return np.ones(np.asarray(mtbf_h, dtype=float).shape)


def _no_efficiency(scenario: Scenario) -> pd.Series:
    hours: pd.Series = _original["available_hours"](scenario)
    return hours / scenario.resources["efficiency"].to_numpy(float)


def _hours_over_yield(yields: np.ndarray, rework_pos: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / np.asarray(yields, dtype=float))  # each step's own yield only


def _no_shrinkage(scenario: Scenario) -> pd.Series:
    starts: pd.Series = _original["starts_per_good_unit"](scenario)
    return starts * 0.0 + 1.0


def _generic_and_site_lines(scenario: Scenario) -> pd.DataFrame:
    bom = scenario.bom.drop_duplicates(["parent", "child"], keep="first")  # site line lost
    return _original["bom_lines"](scenario.with_tables(bom=bom))


def _book_value(scenario: Scenario) -> pd.Series:
    return scenario.items.set_index("item")["unit_value"].astype(float)


def _levers_ignored(scenario: Scenario, automation: bool = True) -> pd.DataFrame:
    frame: pd.DataFrame = _original["hours_per_good_unit"](scenario, False)
    return frame


MUTANTS: dict[str, dict[str, Callable[..., Any]]] = {
    "availability ignores breakdowns": {"availability": _no_breakdowns},
    "available hours ignore efficiency": {"available_hours": _no_efficiency},
    "hours per good unit as hours / yield": {"visits_per_good_unit": _hours_over_yield},
    "no routing shrinkage": {"starts_per_good_unit": _no_shrinkage},
    "site BOM line does not replace the generic one": {"bom_lines": _generic_and_site_lines},
    "holding at unit_value": {"holding_value": _book_value},
    "automation levers ignored": {"hours_per_good_unit": _levers_ignored},
}


def apply(name: str) -> None:
    """Put mutant ``name`` in place of its rules, in the rule module and wherever a module
    imported the rule by name."""
    for rule, wrong in MUTANTS[name].items():
        right = _original[rule]
        for module in list(sys.modules.values()):
            if module is not None and getattr(module, rule, None) is right:
                setattr(module, rule, wrong)
