"""The table reference of the scenario format, rendered from the schema as Markdown."""

from __future__ import annotations

import math

from rackforge.scenario.schema import TABLES, Column


def _default(column: Column) -> str:
    if column.required:
        return "**required**"
    value = column.default
    if isinstance(value, float) and math.isinf(value):
        return "unbounded"
    if isinstance(value, float) and math.isnan(value):
        return "blank"
    if value == "" or value == -1:
        return "blank"
    return f"`{value}`"


def tables_markdown() -> str:
    """One section per table: columns, type, default, unit, meaning."""
    out = []
    for table in TABLES:
        kind = "required" if table.required else "optional"
        key = ", ".join(table.key) if table.key else "none"
        out.append(f"### `{table.name}.csv` ({kind}; key: {key})\n\n{table.description}\n")
        out.append("| column | type | default | unit | meaning |\n|---|---|---|---|---|")
        for c in table.columns:
            meaning = c.description
            if c.choices:
                meaning = (meaning + "; " if meaning else "") + "one of " + ", ".join(c.choices)
            if c.ref:
                meaning = (meaning + "; " if meaning else "") + f"refers to `{c.ref}`"
            bounds = []
            if c.minimum is not None:
                bounds.append(f"{'>' if c.exclusive_minimum else '>='} {c.minimum:g}")
            if c.maximum is not None:
                bounds.append(f"<= {c.maximum:g}")
            if bounds:
                meaning = (meaning + "; " if meaning else "") + " and ".join(bounds)
            out.append(f"| {c.name} | {c.type.value} | {_default(c)} | {c.unit} | {meaning} |")
        out.append("")
    return "\n".join(out)
