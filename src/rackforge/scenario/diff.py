"""What changed between two scenarios, table by table: rows added, removed and changed.

Rows are matched by their table's key (``resources``: site and resource), written as the
what-if edits write it (``plant-oh/bay-l11``); a table without a key (``receipts``) is
compared as whole rows, so a changed row reads as one removed and one added. Cells are
compared as they are saved, so ``1e3`` and ``1000`` are the same value. The settings of
``scenario.yaml`` are compared key by key, except its name and description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rackforge.scenario.config import dump_config
from rackforge.scenario.io import table_rows
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import SCHEMAS

SETTINGS = "scenario.yaml"
_NOT_COMPARED = ("name", "description")


@dataclass(frozen=True)
class CellChange:
    """One changed cell: the row's key, the column and its two values (as saved)."""

    where: str
    column: str
    old: str
    new: str

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "column": self.column, "from": self.old, "to": self.new}


@dataclass(frozen=True)
class TableDiff:
    """The rows of one table (or of the settings) that differ between a base and another."""

    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[CellChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def sentence(self) -> str:
        parts = [
            f"{len(rows)} row(s) {what} ({', '.join(rows[:3])}{', ...' if len(rows) > 3 else ''})"
            for what, rows in (("added", self.added), ("removed", self.removed))
            if rows
        ]
        parts += [f"{c.where} {c.column} {c.old or '(blank)'} -> {c.new or '(blank)'}"
                  for c in self.changed[:3]]  # fmt: skip
        if len(self.changed) > 3:
            parts.append(f"... {len(self.changed) - 3} more change(s)")
        return f"{self.table}: {'; '.join(parts)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
        }


def _keyed_rows(scenario: Scenario, name: str) -> dict[str, dict[str, str]]:
    header, rows = table_rows(scenario, name)
    key = SCHEMAS[name].key
    out = {}
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        where = "/".join(cells[k] for k in key if cells[k]) if key else ",".join(row)
        out[where] = cells
    return out


def _table_diff(base: Scenario, other: Scenario, name: str) -> TableDiff:
    old, new = _keyed_rows(base, name), _keyed_rows(other, name)
    changed = [
        CellChange(where, column, old[where].get(column, ""), value)
        for where in old.keys() & new.keys()
        for column, value in new[where].items()
        if old[where].get(column, "") != value
    ]
    changed.sort(key=lambda c: (c.where, c.column))
    return TableDiff(
        name,
        added=sorted(new.keys() - old.keys()),
        removed=sorted(old.keys() - new.keys()),
        changed=changed,
    )


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def _settings_diff(base: Scenario, other: Scenario) -> TableDiff:
    old, new = _flat(dump_config(base.config)), _flat(dump_config(other.config))
    keys = sorted((old.keys() | new.keys()) - set(_NOT_COMPARED))
    changed = [CellChange(k, "value", old.get(k, ""), new.get(k, "")) for k in keys
               if old.get(k, "") != new.get(k, "")]  # fmt: skip
    return TableDiff(SETTINGS, changed=changed)


def diff_scenarios(base: Scenario, other: Scenario) -> list[TableDiff]:
    """Every table (and the settings) that differs from ``base`` in ``other``, in schema
    order; an empty list when the inputs are the same."""
    found = [_settings_diff(base, other)] + [_table_diff(base, other, n) for n in SCHEMAS]
    return [d for d in found if not d.empty]
