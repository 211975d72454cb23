"""What-if copies of a scenario: dated events and single-cell edits, written from the command
line rather than by editing CSVs.

An event spec reads ``TARGET:START:WEEKS:FACTOR[:ITEM]`` (``sup-amphenol:2026-W30:6:0``) and
becomes a row of ``events.csv``; a cell edit reads ``TABLE.KEY.COLUMN=VALUE``
(``resources.plant-oh/bay-l11.units=688``), where KEY is the row's key values joined by ``/``
with blanks left out: the form the ceiling's lifts print, so a lift can be pasted as an edit.
The edited scenario is validated as a whole, so a bad edit is reported with the same located
problems as a bad CSV cell, and nothing is written.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from rackforge.scenario.edits import CellEdit as CellEdit
from rackforge.scenario.edits import EventEdit as EventEdit
from rackforge.scenario.errors import Problem, ScenarioError
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import SCHEMAS
from rackforge.scenario.validate import scenario_from_tables


def row_where(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    """Each row's key values joined by ``/``, blanks left out (``plant-oh/bay-l11``)."""
    if frame.empty:
        return pd.Series([], dtype=str)
    texts = frame[list(key)].astype(str).to_numpy().tolist()
    return pd.Series(["/".join(v for v in row if v) for row in texts], index=frame.index)


def _event_rows(scenario: Scenario, events: list[EventEdit]) -> pd.DataFrame:
    old = scenario.table("events")
    taken = set(old["event"]) if not old.empty else set()
    rows = []
    for n, e in enumerate(events, start=1):
        name = f"whatif-{n}-{e.target}"
        while name in taken:  # a what-if of a what-if keeps the earlier rows' names
            name += "-again"
        taken.add(name)
        rows.append(
            {
                "event": name,
                "target": e.target,
                "item": e.item,
                "start": e.start,
                "weeks": e.weeks,
                "capacity_factor": e.capacity_factor,
            }
        )
    added = pd.DataFrame(rows, columns=list(SCHEMAS["events"].column_names))
    # as text, so that the validator reads each added cell as it reads a CSV cell
    return pd.concat([old.astype(object), added.astype(object)], ignore_index=True)


def _cell_problems(
    tables: dict[str, pd.DataFrame], edits: list[CellEdit]
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    problems = []
    out = dict(tables)
    for n, e in enumerate(edits, start=1):
        where = f"--set {n} ({e.spec})"
        schema = SCHEMAS.get(e.table)
        if schema is None:
            problems.append(
                Problem(where, f"no table {e.table!r}; tables are {', '.join(SCHEMAS)}")
            )
            continue
        if e.column not in schema.column_map or e.column in schema.key:
            editable = [c for c in schema.column_names if c not in schema.key]
            problems.append(
                Problem(
                    where,
                    f"{e.table} has no editable column {e.column!r}; "
                    f"choose one of {', '.join(editable)}",
                )
            )
            continue
        frame = out[e.table].astype(object)
        hits = (row_where(frame, schema.key) == e.where).to_numpy()
        if hits.sum() != 1:
            known = ", ".join(row_where(frame, schema.key).head(8))
            problems.append(
                Problem(
                    where,
                    f"{e.table} has no row {e.where!r} (rows are keyed "
                    f"{'/'.join(schema.key)}: {known}, ...)",
                )
            )
            continue
        frame.loc[hits, e.column] = e.value
        out[e.table] = frame
    return out, problems


def what_if(
    scenario: Scenario,
    events: list[EventEdit] | None = None,
    edits: list[CellEdit] | None = None,
    name: str | None = None,
) -> Scenario:
    """A validated copy of ``scenario`` with ``events`` added to its events table and ``edits``
    applied; raises :class:`ScenarioError` naming every bad edit, and leaves ``scenario`` as
    it was."""
    tables = dict(scenario.tables)
    if events:
        tables["events"] = _event_rows(scenario, events)
    tables, problems = _cell_problems(tables, edits or [])
    if problems:
        raise ScenarioError(problems)
    specs = [f"event {e.target} from {e.start} for {e.weeks} weeks at {e.capacity_factor}"
             for e in events or []] + [e.spec for e in edits or []]  # fmt: skip
    base = scenario.config
    config = replace(
        base,
        name=name or f"{base.name}-whatif",
        description=f"What-if of {base.name}: {'; '.join(specs) or 'no edits'}.",
    )
    return scenario_from_tables(config, tables, roadmap=scenario.roadmap, source=scenario.source)
