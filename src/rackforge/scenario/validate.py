"""Validation: raw text tables in, a complete :class:`Scenario` out, or every problem at once.

Both readers (CSV folder, xlsx workbook) and :func:`scenario_from_tables` turn their input into
:class:`RawTable` s of text cells, so that there is exactly one path that checks a scenario.
"""

from __future__ import annotations

import graphlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rackforge.scenario.cells import CellError, format_cell, parse_cell
from rackforge.scenario.derived import WEEKS_PER_YEAR
from rackforge.scenario.errors import Problem, ScenarioError
from rackforge.scenario.events import outage_targets
from rackforge.scenario.model import Scenario, ScenarioConfig
from rackforge.scenario.schema import (
    DEFAULT_BACKLOG_PENALTY_SHARE,
    DEFAULT_LOST_PENALTY_MULTIPLE,
    SCHEMAS,
    Column,
    ColumnType,
    TableSchema,
)


@dataclass
class RawTable:
    """A table as text: its header and its rows, each with the line it came from."""

    file: str  # how problems name it: ``demand.csv`` or ``book.xlsx[demand]``
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    unreadable: bool = False  # stands in for a file that could not be read (already reported)


@dataclass
class _Parsed:
    frame: pd.DataFrame
    lines: list[int]  # source line of each row, for cross-table problems
    file: str
    bad: list[bool] = field(default_factory=list)  # rows with a problem already reported
    broken: bool = False  # a required column is missing: its ids are unknown

    def clean(self) -> _Parsed:
        """The rows without a reported problem (checked further without follow-on noise)."""
        keep = [not b for b in self.bad] if self.bad else [True] * len(self.lines)
        lines = [n for n, k in zip(self.lines, keep, strict=True) if k]
        rows = self.frame.loc[pd.Series(keep, index=self.frame.index, dtype=bool)]
        return _Parsed(rows.reset_index(drop=True), lines, self.file)


def build_scenario(
    config: ScenarioConfig,
    raw: dict[str, RawTable],
    roadmap: dict[str, Any] | None = None,
    source: str = "",
    problems: Iterable[Problem] = (),
) -> Scenario:
    """Validate raw tables against the schema and each other; raise :class:`ScenarioError`."""
    found = list(problems)
    for name in raw:
        if name not in SCHEMAS:
            found.append(Problem(raw[name].file, f"unknown table {name!r}", line=None))
    parsed: dict[str, _Parsed] = {}
    for schema in SCHEMAS.values():
        table = raw.get(schema.name)
        if table is None:
            if schema.required:
                found.append(Problem(f"{schema.name}.csv", "required table is missing"))
            table = RawTable(f"{schema.name}.csv", list(schema.column_names))
        parsed[schema.name] = _parse_table(schema, table, config, found)
    # The checks across tables look at every row without a problem of its own, whatever else
    # is wrong, against the ids of the whole tables: one pass reports everything.
    clean = {name: p.clean() for name, p in parsed.items()}
    _check_references(parsed, clean, found)
    _check_bom_cycle(clean["bom"], found)
    _check_cross_tables(clean, parsed, found)
    if found:
        raise ScenarioError(found)
    _fill_penalties(parsed)
    tables = {name: p.frame for name, p in parsed.items()}
    return Scenario(config=config, tables=tables, roadmap=roadmap, source=source)


def scenario_from_tables(
    config: ScenarioConfig,
    tables: dict[str, pd.DataFrame],
    roadmap: dict[str, Any] | None = None,
    source: str = "",
) -> Scenario:
    """A validated scenario from DataFrames (week columns as offsets or ISO labels)."""
    start = config.start_date
    raw: dict[str, RawTable] = {}
    for name, frame in tables.items():
        schema = SCHEMAS.get(name)
        header = [str(c) for c in frame.columns]
        rows: list[tuple[int, list[str]]] = []
        for i, record in enumerate(frame.itertuples(index=False, name=None)):
            cells = []
            for col, value in zip(header, record, strict=True):
                column = schema.column_map.get(col) if schema else None
                if column is None or isinstance(value, str):
                    cells.append("" if _is_blank(value) else str(value))
                else:
                    cells.append(format_cell(value, column, start))
            rows.append((i + 2, cells))
        raw[name] = RawTable(f"{name}.csv", header, rows)
    return build_scenario(config, raw, roadmap=roadmap, source=source)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _parse_table(
    schema: TableSchema, table: RawTable, config: ScenarioConfig, found: list[Problem]
) -> _Parsed:
    start, horizon = config.start_date, config.horizon_weeks
    header = [h.strip() for h in table.header]
    known = schema.column_map
    seen: set[str] = set()
    for h in header:
        if h in seen:
            found.append(Problem(table.file, "column appears twice", line=1, column=h))
        seen.add(h)
        if h not in known and not h.startswith("x_"):
            found.append(
                Problem(table.file, "unknown column (annotations must start with x_)", 1, h)
            )
    broken = False
    for name in schema.required_columns:
        if name not in seen:
            found.append(Problem(table.file, "required column is missing", 1, name))
            broken = True
    position = {h: i for i, h in enumerate(header)}
    extras = list(dict.fromkeys(h for h in header if h.startswith("x_")))
    columns: dict[str, list[object]] = {c.name: [] for c in schema.columns}
    columns.update({x: [] for x in extras})
    lines: list[int] = []
    bad: list[bool] = []
    for line, cells in table.rows:
        if len(cells) != len(header):
            found.append(
                Problem(table.file, f"row has {len(cells)} cells, header has {len(header)}", line)
            )
            continue
        lines.append(line)
        before = len(found)
        for column in schema.columns:
            i = position.get(column.name)
            text = "" if i is None else cells[i]
            if text.strip() == "":
                if column.required and i is not None:
                    found.append(
                        Problem(table.file, "required value is missing", line, column.name)
                    )
                columns[column.name].append(_placeholder(column))
                continue
            try:
                columns[column.name].append(parse_cell(text, column, start, horizon))
            except CellError as exc:
                found.append(Problem(table.file, str(exc), line, column.name))
                columns[column.name].append(_placeholder(column))
        for x in extras:
            columns[x].append(cells[position[x]])
        bad.append(len(found) > before)
    frame = pd.DataFrame(columns)
    for column in schema.columns:
        frame[column.name] = frame[column.name].astype(_DTYPES[column.type])
    _check_keys(schema, frame, lines, table.file, found)
    return _Parsed(frame, lines, table.file, bad, broken or table.unreadable)


def _placeholder(column: Column) -> object:
    """The default, or a value of the right type where a bad cell has already been reported."""
    if column.default is not None:
        return column.default
    return {ColumnType.INT: 0, ColumnType.WEEK: 0, ColumnType.FLOAT: math.nan}.get(column.type, "")


_DTYPES = {
    ColumnType.ID: object,
    ColumnType.TEXT: object,
    ColumnType.INT: "int64",
    ColumnType.FLOAT: "float64",
    ColumnType.BOOL: bool,
    ColumnType.WEEK: "int64",
}


def _check_keys(
    schema: TableSchema, frame: pd.DataFrame, lines: list[int], file: str, found: list[Problem]
) -> None:
    if not schema.key or frame.empty:
        return
    first: dict[tuple[object, ...], int] = {}
    for line, key in zip(
        lines, frame[list(schema.key)].itertuples(index=False, name=None), strict=True
    ):
        if key in first:
            shown = ", ".join(f"{k}={v!r}" for k, v in zip(schema.key, key, strict=True))
            found.append(
                Problem(
                    file,
                    f"duplicate key ({shown}), first at line {first[key]}",
                    line,
                    schema.key[-1],
                )
            )
        else:
            first[key] = line


def _check_references(
    parsed: dict[str, _Parsed], clean: dict[str, _Parsed], found: list[Problem]
) -> None:
    """Every reference of a ``clean`` row (one without problems) names an id of its table in
    ``parsed`` (skipped where that table's header is broken, so one bad header is one
    problem)."""
    ids = {
        f"{name}.{col}": set(parsed[name].frame[col])
        for name, col in (("items", "item"), ("sites", "site"), ("suppliers", "supplier"))
        if not parsed[name].broken
    }
    for schema in SCHEMAS.values():
        p = clean[schema.name]
        for column in schema.columns:
            if column.ref is None or column.ref not in ids:
                continue
            valid = ids[column.ref]
            target = column.ref.split(".")[0][:-1]
            for line, value in zip(p.lines, p.frame[column.name], strict=True):
                if value == "" and not column.required:
                    continue
                if value not in valid:
                    found.append(Problem(p.file, f"unknown {target} {value!r}", line, column.name))


def _check_cross_tables(
    clean: dict[str, _Parsed], whole: dict[str, _Parsed], found: list[Problem]
) -> None:
    """The rows of ``clean`` checked against the ids in ``whole``; a check that needs the
    ids of a table whose header is broken (already reported) is skipped."""
    _check_codes(clean, found)
    _check_operations(clean, whole, found)
    _check_lanes_and_risk(clean, whole, found)
    _check_sourced(clean, whole, found)


def _known(whole: dict[str, _Parsed], name: str, *cols: str) -> set[Any] | None:
    """The values (tuples for several columns) of ``cols`` in table ``name``; None where its
    header is broken, so that its ids are unknown."""
    p = whole[name]
    if p.broken:
        return None
    if len(cols) == 1:
        return set(p.frame[cols[0]])
    return set(zip(*(p.frame[c] for c in cols), strict=True))


def _rows(p: _Parsed, *cols: str) -> Iterable[tuple[Any, ...]]:
    return zip(p.lines, *(p.frame[c] for c in cols), strict=True)


def _check_codes(parsed: dict[str, _Parsed], found: list[Problem]) -> None:
    for name in ("sites", "suppliers"):
        for line, country in _rows(parsed[name], "country"):
            if not (len(country) == 2 and country.isalpha() and country.isupper()):
                found.append(
                    Problem(
                        parsed[name].file,
                        f"{country!r} is not an ISO 3166 alpha-2 code",
                        line,
                        "country",
                    )
                )


def _check_bom_cycle(bom: _Parsed, found: list[Problem]) -> None:
    parents: dict[str, set[str]] = {}  # graphlib reads each node's predecessors
    line_of: dict[tuple[str, str], int] = {}
    for line, parent, child in _rows(bom, "parent", "child"):
        parents.setdefault(child, set()).add(parent)
        line_of.setdefault((parent, child), line)
    try:
        graphlib.TopologicalSorter(parents).prepare()
    except graphlib.CycleError as exc:
        cycle = [str(node) for node in exc.args[1]]  # each a parent of the next; closed
        found.append(
            Problem(
                bom.file,
                f"the BOM has a cycle: {' -> '.join(cycle)}",
                line_of[(cycle[0], cycle[1])],
                "child",
            )
        )


def _check_operations(
    clean: dict[str, _Parsed], whole: dict[str, _Parsed], found: list[Problem]
) -> None:
    ops = clean["operations"]
    resources = _known(whole, "resources", "site", "resource")
    steps: dict[tuple[str, str], set[int]] = {}
    for site, item, step in _known(whole, "operations", "site", "item", "step") or ():
        steps.setdefault((site, item), set()).add(step)
    for line, site, item, step, resource, rework in _rows(
        ops, "site", "item", "step", "resource", "rework_to"
    ):
        if resources is not None and (site, resource) not in resources:
            found.append(
                Problem(ops.file, f"no resource {resource!r} at site {site!r}", line, "resource")
            )
        routing = steps.get((site, item), {rework})  # unknown where the table is broken
        if rework >= 0 and (rework not in routing or rework > step):
            found.append(
                Problem(
                    ops.file,
                    f"rework_to {rework} is not an earlier or equal step of this routing",
                    line,
                    "rework_to",
                )
            )


def _check_lanes_and_risk(
    clean: dict[str, _Parsed], whole: dict[str, _Parsed], found: list[Problem]
) -> None:
    lanes = clean["lanes"]
    for line, a, b in _rows(lanes, "from_site", "to_site"):
        if a == b:
            found.append(
                Problem(lanes.file, "a lane must join two different sites", line, "to_site")
            )
    _check_risk_rates(clean["risk"], found)
    sites, suppliers = _known(whole, "sites", "site"), _known(whole, "suppliers", "supplier")
    arcs = _known(whole, "lanes", "from_site", "to_site")
    if sites is None or suppliers is None or arcs is None:
        return
    targets = outage_targets(sites, suppliers, arcs)
    _check_targets(clean["risk"], targets, "supplier, site or lane (from_site>to_site)", found)
    stations = _known(whole, "resources", "site", "resource")
    if stations is None:
        return
    targets |= {f"{a}/{b}" for a, b in stations}
    what = "supplier, site, lane (from_site>to_site) or site/resource"
    _check_targets(clean["events"], targets, what, found)


def _check_risk_rates(risk: _Parsed, found: list[Problem]) -> None:
    """``annual_prob`` is a rate of disruptions a year; at ``ttr_weeks`` each, the down time it
    implies (``rate * ttr``, overlaps aside) must be shorter than a year, or the node is not
    disrupted at random but out of service, which is a dated event."""
    for line, rate, ttr in _rows(risk, "annual_prob", "ttr_weeks"):
        if rate * ttr >= WEEKS_PER_YEAR:
            found.append(
                Problem(
                    risk.file,
                    f"{rate:g} disruptions a year of {ttr:g} weeks each is {rate * ttr:g} weeks "
                    f"down a year, not a random disruption (under {WEEKS_PER_YEAR:g} weeks); "
                    "a disruption that will happen is a dated event in events.csv",
                    line,
                    "annual_prob",
                )
            )


def _check_targets(p: _Parsed, targets: set[str], what: str, found: list[Problem]) -> None:
    for line, target in _rows(p, "target"):
        if target not in targets:
            found.append(Problem(p.file, f"{target!r} is no {what}", line, "target"))


def _check_sourced(
    clean: dict[str, _Parsed], whole: dict[str, _Parsed], found: list[Problem]
) -> None:
    """Every demanded item is made or bought somewhere; every made item has its inputs."""
    made, bought = _known(whole, "make", "item"), _known(whole, "supply", "item")
    if made is None or bought is None:
        return
    sourced = made | bought
    demand = clean["demand"]
    for line, item in _rows(demand, "item"):
        if item not in sourced:
            found.append(Problem(demand.file, f"nobody makes or buys item {item!r}", line, "item"))
    bom = clean["bom"]
    for line, child in _rows(bom, "child"):
        if child not in sourced:
            found.append(
                Problem(bom.file, f"nobody makes or buys component {child!r}", line, "child")
            )


def _fill_penalties(parsed: dict[str, _Parsed]) -> None:
    demand = parsed["demand"].frame
    value = demand["item"].map(parsed["items"].frame.set_index("item")["unit_value"]).astype(float)
    demand["backlog_penalty"] = demand["backlog_penalty"].fillna(
        value * DEFAULT_BACKLOG_PENALTY_SHARE
    )
    demand["lost_penalty"] = demand["lost_penalty"].fillna(value * DEFAULT_LOST_PENALTY_MULTIPLE)


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(problems)
