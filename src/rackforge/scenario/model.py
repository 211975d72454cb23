"""The validated scenario: its settings and its tables.

A :class:`Scenario` is immutable in spirit: engines read it and return results, never write
into it. Its tables are pandas DataFrames with every column of the schema present, blanks
replaced by defaults, and weeks as integer offsets from ``config.start`` (0 = first week).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rackforge.scenario.schema import LEAD_TIME_CV, SCHEMAS, ItemKind

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_iso_week(text: str) -> dt.date:
    """Monday of ISO week ``YYYY-Www``; ``ValueError`` if it is no such week."""
    m = _ISO_WEEK.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W05")
    return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)


def iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Automation:
    """Levers of AI-driven automation used by the twin (and the planner's hours).

    ``touch_time_reduction`` maps a resource kind (``labor``, ``line``, ``test``, ``other``) to
    the fraction of manual hours it removes; ``inspection_detect_rate`` is the share of defects
    caught at inspection steps when automated (None = every defect is caught: the routing's own
    yields apply unchanged) and ``inspection_detect_rate_today`` the share caught today (None =
    the automated rate). :mod:`rackforge.scenario.automation` turns them into today's levers.
    """

    touch_time_reduction: dict[str, float] = field(default_factory=dict)
    inspection_detect_rate: float | None = None
    inspection_detect_rate_today: float | None = None


@dataclass(frozen=True)
class SolverConfig:
    time_limit_s: float = 60.0
    mip_gap: float = 0.001


@dataclass(frozen=True)
class ScenarioConfig:
    """The settings of ``scenario.yaml``."""

    name: str
    start: str  # ISO week of bucket 0, e.g. "2026-W01"
    horizon_weeks: int
    description: str = ""
    currency: str = "USD"
    holding_rate: float = 0.25
    backlog: bool = True
    domestic_content_min: float = 0.0
    forecast_cv: float | None = None  # forecast error of demand; None: not stated
    #: coefficient of variation of supply and lane lead times where a row states none
    lead_time_cv: float = LEAD_TIME_CV
    tariffs: dict[str, float] = field(default_factory=dict)
    automation: Automation = field(default_factory=Automation)
    solver: SolverConfig = field(default_factory=SolverConfig)
    extra: dict[str, Any] = field(default_factory=dict)  # ``x_`` keys, kept for round trips

    @property
    def start_date(self) -> dt.date:
        return parse_iso_week(self.start)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build one with :func:`rackforge.load_scenario` or
    :func:`rackforge.scenario_from_tables`; both validate and fill defaults."""

    config: ScenarioConfig
    tables: dict[str, pd.DataFrame]
    roadmap: dict[str, Any] | None = None  # raw ``roadmap.yaml``; parsed by rackforge.roadmap
    source: str = ""  # where it was loaded from, for messages

    def table(self, name: str) -> pd.DataFrame:
        if name not in SCHEMAS:
            raise KeyError(f"no table {name!r}; tables are {', '.join(SCHEMAS)}")
        return self.tables[name]

    # One property per table keeps engine code readable: ``scenario.bom``.
    @property
    def sites(self) -> pd.DataFrame:
        return self.tables["sites"]

    @property
    def items(self) -> pd.DataFrame:
        return self.tables["items"]

    @property
    def bom(self) -> pd.DataFrame:
        return self.tables["bom"]

    @property
    def make(self) -> pd.DataFrame:
        return self.tables["make"]

    @property
    def resources(self) -> pd.DataFrame:
        return self.tables["resources"]

    @property
    def operations(self) -> pd.DataFrame:
        return self.tables["operations"]

    @property
    def suppliers(self) -> pd.DataFrame:
        return self.tables["suppliers"]

    @property
    def supply(self) -> pd.DataFrame:
        return self.tables["supply"]

    @property
    def lanes(self) -> pd.DataFrame:
        return self.tables["lanes"]

    @property
    def inventory(self) -> pd.DataFrame:
        return self.tables["inventory"]

    @property
    def receipts(self) -> pd.DataFrame:
        return self.tables["receipts"]

    @property
    def demand(self) -> pd.DataFrame:
        return self.tables["demand"]

    @property
    def risk(self) -> pd.DataFrame:
        return self.tables["risk"]

    @property
    def events(self) -> pd.DataFrame:
        return self.tables["events"]

    @property
    def weeks(self) -> range:
        return range(self.config.horizon_weeks)

    def week_label(self, week: int) -> str:
        """ISO label of bucket ``week`` (``0`` -> ``config.start``)."""
        return iso_week_label(self.config.start_date + dt.timedelta(weeks=int(week)))

    def week_offset(self, text: str) -> int:
        """Bucket of an ISO week label (``2026-W30``) or of a whole-number offset (``29``);
        raises ValueError for anything else or a week outside the horizon."""
        text = text.strip()
        if text.lstrip("-").isdigit():
            week = int(text)
        else:
            week = (parse_iso_week(text) - self.config.start_date).days // 7
        if not 0 <= week < self.config.horizon_weeks:
            first, last = self.week_label(0), self.week_label(self.config.horizon_weeks - 1)
            raise ValueError(f"week {text} is outside the horizon {first}..{last}")
        return week

    def items_of_kind(self, kind: ItemKind) -> set[str]:
        """The items whose ``kind`` is ``kind`` (e.g. ``ItemKind.RACK``)."""
        return set(self.items.loc[self.items["kind"] == kind, "item"])

    def item_holding_rate(self) -> pd.Series:
        """Annual holding rate per item (the item's own, else the scenario's)."""
        rate = self.items.set_index("item")["holding_rate"]
        return rate.fillna(self.config.holding_rate)

    def supply_tariff(self) -> pd.Series:
        """Tariff rate of each supply row (its own, else its supplier country's, else 0)."""
        country = self.supply["supplier"].map(self.suppliers.set_index("supplier")["country"])
        by_country = country.map(lambda c: self.config.tariffs.get(c, 0.0))
        return self.supply["tariff"].where(~self.supply["tariff"].isna(), by_country).astype(float)

    def country_of(self, site: str) -> str:
        return str(self.sites.set_index("site").at[site, "country"])

    def with_tables(self, **tables: pd.DataFrame) -> Scenario:
        """A copy with some tables replaced (re-validated); the original is left untouched."""
        from rackforge.scenario.validate import scenario_from_tables

        merged = {**self.tables, **tables}
        return scenario_from_tables(self.config, merged, roadmap=self.roadmap, source=self.source)


def is_unbounded(value: float) -> bool:
    return math.isinf(value)
