"""The two what-if edits as a planner types them (module :mod:`rackforge.scenario.whatif`
applies them): a dated event ``TARGET:START:WEEKS:FACTOR[:ITEM]`` and a cell edit
``TABLE.KEY.COLUMN=VALUE``. Parsing needs no scenario, so a command checks them first."""

from __future__ import annotations

from dataclasses import dataclass

EVENT_SPEC = "TARGET:START:WEEKS:FACTOR[:ITEM]"
CELL_SPEC = "TABLE.KEY.COLUMN=VALUE"


@dataclass(frozen=True)
class EventEdit:
    """One row to add to ``events.csv``."""

    target: str
    start: str
    weeks: str
    capacity_factor: str
    item: str = ""

    @classmethod
    def parse(cls, spec: str) -> EventEdit:
        parts = spec.split(":")
        if len(parts) not in (4, 5) or not all(parts[:4]):
            raise ValueError(f"--event {spec!r}: expected {EVENT_SPEC}")
        return cls(*parts)


@dataclass(frozen=True)
class CellEdit:
    """One cell to change: the row is found by its key (``where``) in ``table``."""

    table: str
    where: str
    column: str
    value: str

    @classmethod
    def parse(cls, spec: str) -> CellEdit:
        cell, eq, value = spec.partition("=")
        table, _, rest = cell.partition(".")
        where, _, column = rest.rpartition(".")
        if not eq or not table or not where or not column:
            raise ValueError(f"--set {spec!r}: expected {CELL_SPEC}")
        return cls(table, where, column, value)

    @property
    def spec(self) -> str:
        return f"{self.table}.{self.where}.{self.column}={self.value}"
