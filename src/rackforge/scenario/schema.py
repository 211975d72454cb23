"""The scenario tables, declared once as data.

Every table of the scenario format (see the project's ``docs/scenario-format.md``) is a
:class:`TableSchema` of :class:`Column` s. Loading, validation, saving, the CLI's help and the
documentation all read these declarations; nothing else lists columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum, StrEnum


class SiteKind(StrEnum):
    """``sites.kind``: places that make, store or receive goods."""

    PLANT = "plant"
    WAREHOUSE = "warehouse"
    CUSTOMER = "customer"


class ItemKind(StrEnum):
    """``items.kind``: racks are what the plan's target counts."""

    RACK = "rack"
    ASSEMBLY = "assembly"
    COMPONENT = "component"


class ResourceKind(StrEnum):
    """``resources.kind``: the automation levers act by kind (``touch_time_reduction``)."""

    LINE = "line"
    TEST = "test"
    LABOR = "labor"
    OTHER = "other"


class ReceiptSource(StrEnum):
    """``receipts.source``: what an open order is."""

    PO = "po"
    TRANSFER = "transfer"
    WIP = "wip"


def _values(kind: type[StrEnum]) -> tuple[str, ...]:
    return tuple(k.value for k in kind)


class ColumnType(Enum):
    """How a cell is parsed."""

    ID = "id"  # a case-sensitive identifier, no leading or trailing spaces
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    WEEK = "week"  # ``2026-W05`` or an integer offset from the scenario start


@dataclass(frozen=True)
class Column:
    """One column of a table: its type, whether it is required, its default and meaning."""

    name: str
    type: ColumnType
    required: bool = False
    default: object = None
    description: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # ``table.column`` this id must exist in (blank allowed if optional)


@dataclass(frozen=True)
class TableSchema:
    """A table: its columns, its key (unique per row) and whether a scenario must have it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    description: str = ""
    column_map: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_map", {c.name: c for c in self.columns})

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


INF = math.inf

#: Weeks in the planning year (holding rates are annual), hours in a calendar week.
WEEKS_PER_YEAR = 52.0
HOURS_PER_WEEK = 168.0

#: Coefficient of variation of every supply and lane lead time where the executed plan and
#: the twin draw them (lognormal, mean the table's lead time). 0.1 is an assumption (an
#: 8-week lead time then arrives a week or more late about one time in four), not a sourced
#: figure.
LEAD_TIME_CV = 0.1

# Limits that keep every engine within memory and time; a cell beyond them is refused where it
# is read (docs/scenario-format.md, "Limits"). Numbers without a stated maximum are bounded by
# MAX_QUANTITY, or MAX_MONEY for currency.
MAX_HORIZON_WEEKS = 520  # ten years of weeks
MAX_QUANTITY = 1e9  # units, hours or counts in one cell
MAX_MONEY = 1e12  # currency in one cell
MIN_MAGNITUDE = 1e-9  # a non-zero number nearer 0 only upsets the solvers' scaling
MAX_WEEKS = 520  # a lead time, a recovery time or an event's length
MAX_UNITS = 5_000  # parallel units of one resource: the twin tracks each one
MAX_OPERATION_HOURS = 10_000.0
MAX_CV = 10.0
MIN_YIELD = 0.01  # a lower yield releases over 100 units per good one
MIN_MTBF_H = 1.0  # shorter breakdown cycles swamp the twin with events
MAX_EVENT_FACTOR = 100.0
MAX_HOLDING_RATE = 10.0  # a year's holding cost as a share of value
MAX_TARIFF = 10.0
MAX_TIME_LIMIT_S = 86_400.0
MAX_ROWS = 200_000  # rows in one table
MAX_FILE_BYTES = 64 * 2**20  # one input file (a table, a settings file or a workbook)
MAX_YAML_DEPTH = 20  # nesting of scenario.yaml and roadmap.yaml
ID, T, N, F, B, W = (
    ColumnType.ID,
    ColumnType.TEXT,
    ColumnType.INT,
    ColumnType.FLOAT,
    ColumnType.BOOL,
    ColumnType.WEEK,
)


#: A supply row's or lane's own lead-time variability (rackforge.scenario.derived.lead_time_cvs).
_LEAD_TIME_CV_COLUMN = Column(
    "lead_time_cv",
    F,
    default=math.nan,
    minimum=0,
    maximum=2,
    description=(
        "coefficient of variation of the lead time where it is drawn (the executed plan, the "
        "twin); blank = scenario.yaml lead_time_cv"
    ),
)


def _expansion(unit: str) -> tuple[Column, Column]:
    """The optional price of more of a row's limit and the weeks before it is there, read by
    the cheapest-expansion plan (blank cost: the limit cannot be expanded)."""
    return (
        Column("expand_cost", F, default=math.nan, minimum=0, unit=f"currency per {unit}",
               description=f"one-off cost of one more {unit}; blank = not expandable"),
        Column("expand_lead_weeks", N, default=0, minimum=0, maximum=MAX_WEEKS, unit="weeks",
               description="weeks from the start before an expansion works"),
    )  # fmt: skip


TABLES: tuple[TableSchema, ...] = (
    TableSchema(
        "sites",
        (
            Column("site", ID, True, description="site id"),
            Column("kind", T, True, choices=_values(SiteKind)),
            Column("country", T, True, description="ISO 3166 alpha-2 code"),
            Column("name", T, default=""),
            Column("region", T, default="", description="e.g. US-WI"),
            Column("lat", F, default=math.nan, minimum=-90, maximum=90),
            Column("lon", F, default=math.nan, minimum=-180, maximum=180),
        ),
        key=("site",),
        description="places that hold stock or receive goods",
    ),
    TableSchema(
        "items",
        (
            Column("item", ID, True),
            Column("kind", T, True, choices=_values(ItemKind)),
            Column("unit_value", F, True, minimum=0, unit="currency"),
            Column("name", T, default=""),
            Column(
                "holding_rate",
                F,
                default=math.nan,
                minimum=0,
                maximum=MAX_HOLDING_RATE,
                description="annual fraction; blank = the scenario's holding_rate",
            ),
            Column("generation", T, default=""),
        ),
        key=("item",),
        description="everything that is bought, made or sold",
    ),
    TableSchema(
        "bom",
        (
            Column("parent", ID, True, ref="items.item"),
            Column("child", ID, True, ref="items.item"),
            Column("qty", F, True, minimum=0, exclusive_minimum=True),
            Column("site", ID, default="", ref="sites.site", description="blank = every site"),
            Column("scrap", F, default=0.0, minimum=0, maximum=0.99),
        ),
        key=("parent", "child", "site"),
        description="units of child consumed per unit of parent made; a DAG",
    ),
    TableSchema(
        "make",
        (
            Column("site", ID, True, ref="sites.site"),
            Column("item", ID, True, ref="items.item"),
            Column("lead_weeks", N, True, minimum=0, maximum=MAX_WEEKS, unit="weeks"),
            Column("cost", F, default=0.0, minimum=0, unit="currency/unit"),
            Column("max_per_week", F, default=INF, minimum=0, unit="units/week"),
            *_expansion("unit a week of max_per_week"),
        ),
        key=("site", "item"),
        description="which plant can make which item",
    ),
    TableSchema(
        "resources",
        (
            Column("site", ID, True, ref="sites.site"),
            Column("resource", ID, True),
            Column("kind", T, True, choices=_values(ResourceKind)),
            Column("units", N, True, minimum=0, maximum=MAX_UNITS),
            Column("hours_per_week", F, True, minimum=0, maximum=168, unit="hours/unit/week"),
            Column("efficiency", F, default=1.0, minimum=0, maximum=1, exclusive_minimum=True),
            Column("mtbf_h", F, default=math.nan, minimum=MIN_MTBF_H, unit="h"),
            Column("mttr_h", F, default=math.nan, minimum=0, unit="h"),
            *_expansion("unit"),
        ),
        key=("site", "resource"),
        required=False,
        description="capacity: units * hours_per_week * efficiency hours a week",
    ),
    TableSchema(
        "operations",
        (
            Column("site", ID, True, ref="sites.site"),
            Column("item", ID, True, ref="items.item"),
            Column("step", N, True, minimum=0),
            Column("resource", ID, True),
            Column("hours", F, True, minimum=0, maximum=MAX_OPERATION_HOURS, unit="h/unit"),
            Column("operation", T, default=""),
            Column(
                "dist", T, default="fixed", choices=("fixed", "exponential", "lognormal", "gamma")
            ),
            Column("cv", F, default=0.0, minimum=0, maximum=MAX_CV),
            Column("yield", F, default=1.0, minimum=MIN_YIELD, maximum=1),
            Column("rework_to", N, default=-1, minimum=0, description="step; blank = scrap"),
            Column("batch", N, default=1, minimum=1),
            Column("inspection", B, default=False),
        ),
        key=("site", "item", "step"),
        required=False,
        description="the routing of a made item",
    ),
    TableSchema(
        "suppliers",
        (
            Column("supplier", ID, True),
            Column("country", T, True, description="ISO 3166 alpha-2 code"),
            Column("name", T, default=""),
            Column("region", T, default=""),
        ),
        key=("supplier",),
        description="who sells components",
    ),
    TableSchema(
        "supply",
        (
            Column("supplier", ID, True, ref="suppliers.supplier"),
            Column("item", ID, True, ref="items.item"),
            Column("site", ID, True, ref="sites.site", description="ship-to site"),
            Column("lead_weeks", N, True, minimum=0, maximum=MAX_WEEKS, unit="weeks"),
            Column("price", F, True, minimum=0, unit="currency/unit"),
            Column("capacity_per_week", F, default=INF, minimum=0, unit="units/week"),
            Column("moq", F, default=0.0, minimum=0, unit="units"),
            _LEAD_TIME_CV_COLUMN,
            Column(
                "lot",
                F,
                default=1.0,
                minimum=0,
                exclusive_minimum=True,
                unit="units",
                description="orders are whole multiples of it (purchase_orders.csv)",
            ),
            Column(
                "tariff",
                F,
                default=math.nan,
                minimum=0,
                maximum=MAX_TARIFF,
                description="ad-valorem rate; blank = the supplier country's rate",
            ),
            *_expansion("unit a week of capacity_per_week"),
        ),
        key=("supplier", "item", "site"),
        description="purchase offers",
    ),
    TableSchema(
        "lanes",
        (
            Column("from_site", ID, True, ref="sites.site"),
            Column("to_site", ID, True, ref="sites.site"),
            Column("lead_weeks", N, True, minimum=0, maximum=MAX_WEEKS, unit="weeks"),
            Column("item", ID, default="", ref="items.item", description="blank = every item"),
            Column("cost_per_unit", F, default=0.0, minimum=0, unit="currency/unit"),
            Column("capacity_per_week", F, default=INF, minimum=0, unit="units/week"),
            _LEAD_TIME_CV_COLUMN,
            *_expansion("unit a week of capacity_per_week"),
        ),
        key=("from_site", "to_site", "item"),
        required=False,
        description="transfers between sites",
    ),
    TableSchema(
        "inventory",
        (
            Column("site", ID, True, ref="sites.site"),
            Column("item", ID, True, ref="items.item"),
            Column("on_hand", F, True, minimum=0, unit="units"),
            Column("safety_stock", F, default=0.0, minimum=0, unit="units"),
        ),
        key=("site", "item"),
        required=False,
        description="stock at week 0",
    ),
    TableSchema(
        "receipts",
        (
            Column("site", ID, True, ref="sites.site"),
            Column("item", ID, True, ref="items.item"),
            Column("week", W, True),
            Column("qty", F, True, minimum=0, unit="units"),
            Column("source", T, default=ReceiptSource.PO.value, choices=_values(ReceiptSource)),
        ),
        required=False,
        description="open orders already on the way",
    ),
    TableSchema(
        "demand",
        (
            Column("demand", ID, True),
            Column("item", ID, True, ref="items.item"),
            Column("site", ID, True, ref="sites.site"),
            Column("week", W, True),
            Column("qty", F, True, minimum=0, unit="units"),
            Column("customer", T, default=""),
            Column("priority", N, default=1, minimum=1),
            Column(
                "backlog_penalty",
                F,
                default=math.nan,
                minimum=0,
                unit="currency/unit/week",
                description="blank = 2% of the item's unit_value per week",
            ),
            Column(
                "lost_penalty",
                F,
                default=math.nan,
                minimum=0,
                unit="currency/unit",
                description="blank = 2 x the item's unit_value",
            ),
            Column(
                "forecast_cv",
                F,
                default=math.nan,
                minimum=0,
                maximum=10,
                description=(
                    "coefficient of variation of this row's forecast error (sigma / qty), "
                    "for safety stock; blank = scenario.yaml forecast_cv"
                ),
            ),
        ),
        key=("demand",),
        description="what must be delivered where and when",
    ),
    TableSchema(
        "risk",
        (
            Column("target", ID, True, description="a supplier, a site, or from_site>to_site"),
            Column("ttr_weeks", F, default=4.0, minimum=0, maximum=MAX_WEEKS, unit="weeks"),
            Column(
                "annual_prob",
                F,
                default=0.0,
                minimum=0,
                unit="per year",
                description="a rate; for a rare one, its chance in a year; with ttr_weeks < 52 weeks",
            ),
            Column("capacity_factor", F, default=0.0, minimum=0, maximum=1),
        ),
        key=("target",),
        required=False,
        description="disruption profile used by the risk tools",
    ),
    TableSchema(
        "events",
        (
            Column("event", ID, True),
            Column(
                "target",
                ID,
                True,
                description=(
                    "a supplier, a site (its resources' hours and make limits), a lane "
                    "from_site>to_site, or site/resource"
                ),
            ),
            Column(
                "item",
                ID,
                default="",
                ref="items.item",
                description="only this item's supply, make or lane rows (blank: every item)",
            ),
            Column("start", W, True, description="first week of the event"),
            Column(
                "weeks",
                N,
                default=0,
                minimum=0,
                maximum=MAX_WEEKS,
                unit="weeks",
                description="how long it lasts; 0 = to the end of the horizon (clipped there)",
            ),
            Column(
                "capacity_factor",
                F,
                True,
                minimum=0,
                maximum=MAX_EVENT_FACTOR,
                description="share of the capacity kept: 0 = stopped, 1.3 = an expansion",
            ),
        ),
        key=("event",),
        required=False,
        description="dated capacity changes (outages, expansions) every engine applies",
    ),
)

SCHEMAS: dict[str, TableSchema] = {t.name: t for t in TABLES}

#: Default penalties where a demand row leaves them blank (documented extension of the format).
DEFAULT_BACKLOG_PENALTY_SHARE = 0.02  # of unit_value per unit-week late
DEFAULT_LOST_PENALTY_MULTIPLE = 2.0  # x unit_value per unit never delivered
