"""``rackforge roadmap``: the AI model roadmap translated to racks, power and rack demand."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    PathArg,
    console,
    err_console,
    fail,
    flag,
    load_or_exit,
)
from rackforge.roadmap.results import Objective
from rackforge.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from rackforge.roadmap import RoadmapResult


def roadmap(
    path: str | None = PathArg,
    objective: Objective = typer.Option(
        Objective.COST, help="What the choice of rack generation minimises."
    ),
    delivery_weeks: int | None = typer.Option(
        None,
        min=1,
        help="Spread each training run's racks over this many weeks (overrides the file).",
    ),
    write: bool = flag(
        False, "--write-demand", help="Replace the roadmap rows of the folder's demand.csv."
    ),
    json_file: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
) -> None:
    """Translate roadmap.yaml (training runs, inference fleets) into GPUs, racks, MW and demand."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.roadmap.plan import RoadmapOptions, plan_roadmap
    from rackforge.roadmap.writeback import DemandWriteError, write_demand

    scenario = load_or_exit(path)
    if scenario.roadmap is None:
        err_console.print(f"{scenario.source or scenario.config.name} has no roadmap.yaml")
        raise typer.Exit(EXIT_INVALID)
    options = RoadmapOptions(objective=objective, delivery_weeks=delivery_weeks)
    try:
        result = plan_roadmap(scenario, options=options)
    except ScenarioError as exc:
        raise fail(exc) from None
    _print_runs(result, scenario.config.currency)
    _print_comparison(result, scenario.config.currency)
    _print_demand(result)
    if json_file is not None:
        write_document(json_file, DocumentKind.ROADMAP, result.to_dict())
        console.print(f"wrote {json_file}")
    if write:
        try:
            done = write_demand(scenario.source, scenario, result)
        except DemandWriteError as exc:
            err_console.print(f"nothing written: {exc}", markup=False, highlight=False)
            raise typer.Exit(EXIT_INVALID) from None
        except ScenarioError as exc:
            err_console.print("nothing written: the demand would be invalid")
            raise fail(exc) from None
        console.print(
            f"wrote {done.path}: {done.added} roadmap row(s), replacing {done.removed} earlier"
        )


def _table(title: str, header: list[str], rows: list[list[str]], numeric: set[str]) -> Table:
    """A table whose numbers are never cut: numeric columns as wide as their widest cell,
    text columns folded when the terminal is narrow."""
    table = Table(title=title)
    for i, col in enumerate(header):
        if col in numeric:
            width = max([len(col), *(len(r[i]) for r in rows)])
            table.add_column(col, justify="right", no_wrap=True, min_width=width)
        else:
            table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _numbers(gpus: int, racks: int, it: float, facility: float, cost: float) -> list[str]:
    return [f"{gpus:,}", f"{racks:,}", f"{it:,.1f}", f"{facility:,.1f}", f"{cost / 1e6:,.0f}"]


def _print_runs(result: RoadmapResult, currency: str) -> None:
    from rackforge.roadmap.model import WorkloadKind
    from rackforge.roadmap.results import WorkloadStatus

    numeric = ["GPUs", "racks", "IT MW", "fac. MW", f"M {currency}"]
    rows = [
        [
            w.name,
            w.start_label,
            w.generation or "-",
            *_numbers(w.gpus, w.racks, w.it_mw, w.facility_mw, w.cost),
        ]
        for w in result.workloads
    ]
    title = f"Runs and fleets (least {result.objective.value}; PUE {result.pue:g})"
    header = ["workload", "start", "generation", *numeric]
    console.print(_table(title, header, rows, set(numeric)))
    for w in result.workloads:
        flag = "" if w.status is WorkloadStatus.OK else f"[{w.status.value}] "
        kind = "training" if w.kind is WorkloadKind.TRAINING else "inference"
        console.print(f"  {w.name} ({kind}): {flag}{w.reason}", markup=False, highlight=False)


def _print_comparison(result: RoadmapResult, currency: str) -> None:
    numeric = ["GPUs", "racks", "IT MW", "fac. MW", f"M {currency}"]
    rows = [
        [
            c.workload,
            c.generation + (" *" if c.chosen else ""),
            *_numbers(c.gpus, c.racks, c.it_mw, c.facility_mw, c.cost),
            "yes" if c.available else "no",
        ]
        for c in result.comparison
    ]
    title = "Co-design comparison: every workload on every generation (* chosen)"
    header = ["workload", "generation", *numeric, "available"]
    console.print(_table(title, header, rows, set(numeric)))
    for c in result.comparison:
        if not c.available:
            console.print(f"  {c.workload} on {c.generation}: {c.reason}", markup=False)


def _print_demand(result: RoadmapResult) -> None:
    items = sorted({row.item for row in result.demand})
    by_week: dict[str, dict[str, int]] = {}
    for row in result.demand:
        week = by_week.setdefault(row.label, {})
        week[row.item] = week.get(row.item, 0) + row.qty
    rows = [
        [
            label,
            *(f"{by_week[label].get(i, 0):,}" for i in items),
            f"{sum(by_week[label].values()):,}",
        ]
        for label in sorted(by_week)
    ]
    header = ["week", *items, "total"]
    table = _table("Rack demand by week inside the horizon", header, rows, {*items, "total"})
    console.print(table)
    by_gen = ", ".join(f"{item} {n:,}" for item, n in result.racks_by_generation().items())
    console.print(f"racks by generation (whole roadmap): {by_gen or 'none'}")


def register(app: typer.Typer) -> None:
    app.command()(roadmap)
