"""The scenario as it stands after some weeks of execution: the start of the next plan.

The rolled scenario starts at the state's week and ends where the original does. What is in
stock becomes ``inventory``; what is under way (purchases, transfers, production in its lead
time) becomes ``receipts`` in the week it will arrive (the planner sees the true arrival date,
as an advance shipping notice would tell it); a demand row keeps what is still owed, due in
its own week or, if already past due, now (week 0). Dated events are shifted and clipped; an
outage under way becomes an event for its expected remaining length (the mean time to
recover for the memoryless geometric model, the weeks left for the fixed one). Everything
else (the network, prices, capacities, the risk table) is the original's.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from rackforge.execute.rules import Rules
from rackforge.execute.week import TOL, State
from rackforge.scenario import Scenario
from rackforge.scenario.validate import scenario_from_tables


def _clean(qty: float) -> float:
    """Round-off of the execution's arithmetic is no stock (nor a value validation refuses)."""
    return qty if qty > TOL else 0.0


def _frame(columns: dict[str, tuple[list[object], str]]) -> pd.DataFrame:
    """A table with the dtypes validation gives it (text as ``object``), even when empty."""
    return pd.DataFrame(
        {name: pd.Series(values, dtype=dtype) for name, (values, dtype) in columns.items()}
    )


def _inventory(state: State, rules: Rules) -> pd.DataFrame:
    keys = {k for k, q in state.stock.items() if q > TOL} | set(rules.safety_stock)
    rows = sorted(keys)
    return _frame(
        {
            "site": ([s for s, _ in rows], "object"),
            "item": ([i for _, i in rows], "object"),
            "on_hand": ([_clean(state.stock.get(k, 0.0)) for k in rows], "float64"),
            "safety_stock": ([rules.safety_stock.get(k, 0.0) for k in rows], "float64"),
        }
    )


def _receipts(state: State, horizon: int) -> pd.DataFrame:
    live = [a for a in state.pipeline if state.week <= a.week < horizon and a.qty > TOL]
    return _frame(
        {
            "site": ([a.site for a in live], "object"),
            "item": ([a.item for a in live], "object"),
            "week": ([a.week - state.week for a in live], "int64"),
            "qty": ([a.qty for a in live], "float64"),
            "source": ([a.source for a in live], "object"),
        }
    )


def _demand(scenario: Scenario, state: State) -> pd.DataFrame:
    dem = scenario.demand
    owed = dem["demand"].map(state.open).fillna(0.0).to_numpy(float)
    keep = owed > TOL
    out = dem.loc[keep].copy()
    out["qty"] = owed[keep]
    out["week"] = (out["week"] - state.week).clip(lower=0)
    return out.reset_index(drop=True)


def _events(
    scenario: Scenario, state: State, outages: dict[str, tuple[float, int]]
) -> pd.DataFrame:
    ev = scenario.events.copy()
    end = ev["start"] + ev["weeks"]
    to_end = ev["weeks"] <= 0
    ev = ev.loc[to_end | (end > state.week)].copy()
    shifted = ev["start"] - state.week
    ev["weeks"] = ev["weeks"].where(ev["weeks"] <= 0, ev["weeks"] + shifted.clip(upper=0))
    ev["start"] = shifted.clip(lower=0)
    now = _frame(
        {
            "event": ([f"outage-{t}" for t in outages], "object"),
            "target": (list(outages), "object"),
            "item": (["" for _ in outages], "object"),
            "start": ([0 for _ in outages], "int64"),
            "weeks": ([w for _, w in outages.values()], "int64"),
            "capacity_factor": ([f for f, _ in outages.values()], "float64"),
        }
    )
    return pd.concat([ev, now], ignore_index=True) if len(now) else ev.reset_index(drop=True)


def rolled(
    scenario: Scenario,
    state: State,
    rules: Rules,
    outages: dict[str, tuple[float, int]],
    validate: bool = True,
) -> Scenario:
    """The scenario from ``state.week`` to the original's end (module docstring); ``outages``
    maps a risk target under way to (capacity share, weeks it is expected to last).

    ``validate=False`` skips re-validating what this module built from a validated scenario
    (the loop's re-plans: a sixth of their time); ``tests/execute`` checks, for states drawn
    by hypothesis, that validation would change nothing in it."""
    horizon = scenario.config.horizon_weeks
    config = replace(
        scenario.config,
        name=f"{scenario.config.name}@{scenario.week_label(state.week)}",
        start=scenario.week_label(state.week),
        horizon_weeks=horizon - state.week,
    )
    tables = {
        **scenario.tables,
        "inventory": _inventory(state, rules),
        "receipts": _receipts(state, horizon),
        "demand": _demand(scenario, state),
        "events": _events(scenario, state, outages),
    }
    if not validate:
        return Scenario(config, tables, roadmap=None, source=scenario.source)
    return scenario_from_tables(config, tables, roadmap=None, source=scenario.source)
