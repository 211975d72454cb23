"""Putting the roadmap's rack demand into a scenario: in memory, and into ``demand.csv``.

Rows written by the roadmap have ids starting with ``roadmap-``; writing again replaces them
instead of adding duplicates. The file is changed surgically: the other rows keep their exact
text (blanks stay blank), the new rows follow the file's own column order, no other file is
touched, and the result is validated before a temporary file is moved over the old one.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rackforge._atomic import atomic_target
from rackforge.roadmap.plan import DEMAND_PREFIX
from rackforge.roadmap.results import DemandRow, RoadmapResult
from rackforge.scenario import SCHEMAS, Scenario, bundled_names, bundled_path
from rackforge.scenario.cells import format_cell

DEMAND_FILE = "demand.csv"


class DemandWriteError(ValueError):
    """The demand cannot be written to this scenario source (a workbook, a bundled scenario,
    or a folder without ``demand.csv``); the message says what to do instead."""


@dataclass(frozen=True)
class DemandWrite:
    """What :func:`write_demand` did: the file, rows removed (previous roadmap rows), rows added."""

    path: Path
    removed: int
    added: int

    def to_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "removed": self.removed, "added": self.added}


def is_roadmap_row(demand_id: str) -> bool:
    return demand_id.startswith(DEMAND_PREFIX)


def demand_frame(rows: tuple[DemandRow, ...]) -> pd.DataFrame:
    """The rows as a ``demand`` table (weeks as offsets, other columns blank / default)."""
    columns = SCHEMAS["demand"].column_names
    records = [
        {"demand": r.demand, "item": r.item, "site": r.site, "week": r.week, "qty": float(r.qty),
         "customer": r.customer}
        for r in rows
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(
        records, columns=["demand", "item", "site", "week", "qty", "customer"]
    )
    for column in SCHEMAS["demand"].columns:
        if column.name not in frame.columns:
            frame[column.name] = column.default
    return frame[list(columns)]


def with_roadmap_demand(scenario: Scenario, result: RoadmapResult) -> Scenario:
    """A validated copy of ``scenario`` whose demand is its own rows that are not roadmap rows
    plus ``result.demand``; raises :class:`rackforge.scenario.ScenarioError` if invalid."""
    kept = scenario.demand[~scenario.demand["demand"].astype(str).map(is_roadmap_row)]
    added = demand_frame(result.demand)
    merged = pd.concat([kept, added], ignore_index=True) if len(added) else kept
    return scenario.with_tables(demand=merged.reset_index(drop=True))


def is_bundled(source: str | os.PathLike[str]) -> bool:
    """True when ``source`` is one of the scenarios shipped inside the package."""
    where = Path(source).resolve()
    return any(where == bundled_path(name).resolve() for name in bundled_names())


def write_demand(
    folder: str | os.PathLike[str], scenario: Scenario, result: RoadmapResult
) -> DemandWrite:
    """Replace the roadmap rows of ``folder/demand.csv`` with ``result.demand``.

    ``scenario`` must be the one loaded from ``folder``. Validates the merged demand first
    (raises ScenarioError and writes nothing if invalid); writes a temporary file in the same
    folder and renames it over ``demand.csv``, so the file is never half-written.
    """
    target = Path(folder)
    if target.suffix.lower() == ".xlsx":
        raise DemandWriteError(
            f"{target} is an .xlsx workbook; roadmap demand is written only into a scenario "
            "folder's demand.csv (add the rows to the workbook's demand sheet instead)"
        )
    if not target.is_dir():
        raise DemandWriteError(f"{target} is not a scenario folder")
    if is_bundled(target):
        raise DemandWriteError(
            f"{target} is a bundled scenario and is not edited in place; "
            "copy it first with `rackforge new DIR` and write into DIR"
        )
    path = target / DEMAND_FILE
    if not path.is_file():
        raise DemandWriteError(f"{target} has no {DEMAND_FILE}")
    with_roadmap_demand(scenario, result)  # validate before touching the file
    header, rows = _read_rows(path)
    kept = [row for row in rows if not (row and is_roadmap_row(_cell(row, header, "demand")))]
    added = [_render(row, header, scenario) for row in result.demand]
    _replace(path, header, [*kept, *added])
    return DemandWrite(path=path, removed=len(rows) - len(kept), added=len(added))


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    if not rows:
        return list(SCHEMAS["demand"].column_names), []
    return rows[0], rows[1:]


def _cell(row: list[str], header: list[str], column: str) -> str:
    names = [h.strip() for h in header]
    index = names.index(column) if column in names else -1
    return row[index] if 0 <= index < len(row) else ""


def _render(row: DemandRow, header: list[str], scenario: Scenario) -> list[str]:
    columns = SCHEMAS["demand"].column_map
    start = scenario.config.start_date
    values: dict[str, object] = {
        "demand": row.demand, "item": row.item, "site": row.site, "week": row.week,
        "qty": float(row.qty), "customer": row.customer,
    }  # fmt: skip
    return [
        format_cell(values[h], columns[h], start) if h in values else ""
        for h in (name.strip() for name in header)
    ]


def _replace(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with atomic_target(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
