"""Scenario commands: validate, show, new, whatif, export."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from rackforge._atomic import atomic_folder
from rackforge.cli._common import (
    EXIT_INVALID,
    PathArg,
    console,
    err_console,
    fail,
    flag,
    load_or_exit,
    warn,
)
from rackforge.scenario.edits import CELL_SPEC, EVENT_SPEC
from rackforge.scenario.errors import ScenarioError


def validate(path: str | None = PathArg) -> None:
    """Check a scenario and report every problem at once (exit 2 if any)."""
    from rackforge.scenario.derived import value_warnings
    from rackforge.scenario.events import unlimited_share_warnings

    scenario = load_or_exit(path)
    rows = sum(len(t) for t in scenario.tables.values())
    console.print(
        f"[green]valid[/]: {escape(scenario.config.name)} ({rows} rows in {len(scenario.tables)} tables)"
    )
    warn(value_warnings(scenario) + unlimited_share_warnings(scenario))


def show(
    path: str | None = PathArg,
    every: int = typer.Option(4, help="Show every Nth week (and the last)."),
    with_ceiling: bool = flag(
        True, "--ceiling/--no-ceiling", help="Also solve the sustainable racks a week (an LP)."
    ),
) -> None:
    """A readable summary: counts, horizon, demand vs nominal capacity by week and plant."""
    from rackforge.plan.ceiling import ceiling
    from rackforge.scenario.summary import summarize

    scenario = load_or_exit(path)
    summary = summarize(scenario)
    cfg = scenario.config
    console.print(f"[bold]{escape(cfg.name)}[/]  {escape(cfg.description)}")
    console.print(
        f"horizon {summary.horizon[0]} .. {summary.horizon[1]} ({cfg.horizon_weeks} weeks), "
        f"currency {cfg.currency}, holding {cfg.holding_rate:.0%}/yr, "
        f"domestic content >= {cfg.domestic_content_min:.0%}"
    )
    console.print("rows: " + ", ".join(f"{name} {n}" for name, n in summary.counts.items()))

    plants = Table(title="Nominal capacity by plant (each item alone)")
    for col in ("site", "item", "units/week", "limited by"):
        plants.add_column(col, justify="right" if col == "units/week" else "left")
    for row in summary.capacity.itertuples(index=False):
        units = "unbounded" if math.isinf(row.units_per_week) else f"{row.units_per_week:,.0f}"
        plants.add_row(row.site, row.item, units, row.limited_by)
    console.print(plants)

    weeks = Table(title="Rack demand vs nominal rack capacity by week")
    for col in ("week", "demand", "capacity", "gap"):
        weeks.add_column(col, justify="right")
    table = summary.demand_vs_capacity
    shown = sorted({*range(0, len(table), max(every, 1)), len(table) - 1})  # always the last
    for row in table.iloc[shown].itertuples(index=False):
        style = "red" if row.gap > 0 else ""
        weeks.add_row(
            row.label, f"{row.demand:,.0f}", f"{row.capacity:,.0f}", f"{row.gap:,.0f}", style=style
        )
    console.print(weeks)
    short = table[table["gap"] > 0]
    if short.empty:
        console.print("[green]Demand fits within nominal capacity in every week.[/]")
    else:
        console.print(
            f"[red]Demand exceeds nominal rack capacity in {len(short)} week(s), "
            f"first {short['label'].iloc[0]}; run `rackforge plan` for the constrained answer.[/]"
        )
    if with_ceiling:
        found = ceiling(scenario, lifts=0)
        console.print(
            "Sustainable (the planner's ceiling, every plant, material and lead time counted; "
            f"the figure `plan` and `run` report): {found.sentence()}",
            markup=False,
            highlight=False,
        )


def new(
    folder: Path = typer.Argument(..., help="Folder to create."),
    source: str = typer.Option("us-ai-racks", "--from", help="Bundled scenario to copy."),
) -> None:
    """Copy a bundled scenario into FOLDER to edit."""
    from rackforge.scenario.io import bundled_names, bundled_path

    if source not in bundled_names():
        err_console.print(
            f"no bundled scenario {source!r}; choose one of {', '.join(bundled_names())}"
        )
        raise typer.Exit(EXIT_INVALID)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        err_console.print(f"{folder} exists and is not an empty folder; nothing written")
        raise typer.Exit(EXIT_INVALID)
    with atomic_folder(folder) as staging:  # a killed copy leaves no partial folder
        shutil.copytree(bundled_path(source), staging, dirs_exist_ok=True)
    console.print(f"created {folder} from {source}; check it with `rackforge validate {folder}`")


def whatif(
    base: str = typer.Argument(..., help="Scenario folder, .xlsx workbook or bundled name."),
    folder: Path = typer.Argument(..., help="Folder to write the what-if copy to (new or empty)."),
    event: list[str] = typer.Option(
        [],
        "--event",
        help=f"A dated event {EVENT_SPEC}, e.g. sup-amphenol:2026-W30:6:0 (factor 0 stops, "
        "above 1 expands; weeks 0 runs to the horizon's end). Repeatable.",
    ),
    edit: list[str] = typer.Option(
        [],
        "--set",
        help=f"A cell edit {CELL_SPEC}, e.g. resources.plant-oh/bay-l11.units=688 (KEY as the "
        "ceiling's lifts print it). Repeatable.",
    ),
    name: str | None = typer.Option(None, help="Name of the copy (default: BASE's name-whatif)."),
) -> None:
    """Write a what-if copy of BASE with dated events and cell edits applied, then validated."""
    from rackforge.scenario.edits import CellEdit, EventEdit
    from rackforge.scenario.events import unlimited_share_warnings
    from rackforge.scenario.io import save_scenario
    from rackforge.scenario.whatif import what_if

    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        err_console.print(f"{folder} exists and is not an empty folder; nothing written")
        raise typer.Exit(EXIT_INVALID)
    scenario = load_or_exit(base)
    try:
        events = [EventEdit.parse(spec) for spec in event]
        edits = [CellEdit.parse(spec) for spec in edit]
    except ValueError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    try:
        copy = what_if(scenario, events, edits, name=name)
    except ScenarioError as exc:
        raise fail(exc) from None
    save_scenario(copy, folder, overwrite=True)
    console.print(f"wrote {folder}: {copy.config.description}", markup=False, highlight=False)
    warn(unlimited_share_warnings(copy))
    console.print(f"compare it with its base: rackforge compare {base} {folder}", markup=False)


def export(
    path: str | None = PathArg,
    xlsx: Path = typer.Option(..., "--xlsx", help="Workbook to write (one sheet per table)."),
) -> None:
    """Write a scenario as one .xlsx workbook."""
    from rackforge.scenario.io import save_workbook

    scenario = load_or_exit(path)
    save_workbook(scenario, xlsx)
    console.print(f"wrote {xlsx}")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(show)
    app.command()(new)
    app.command()(whatif)
    app.command()(export)
