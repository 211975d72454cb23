"""``rackforge roadmap``: the AI model roadmap translated to racks, power and rack demand."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    PathArg,
    console,
    err_console,
    fail,
    load_or_exit,
    write_json,
)
from rackforge.roadmap import (
    DemandWriteError,
    Objective,
    RoadmapOptions,
    RoadmapResult,
    WorkloadStatus,
    plan_roadmap,
    write_demand,
)
from rackforge.scenario import ScenarioError


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
    write: bool = typer.Option(
        False, "--write-demand", help="Replace the roadmap rows of the folder's demand.csv."
    ),
    json_file: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
) -> None:
    """Translate roadmap.yaml (training runs, inference fleets) into GPUs, racks, MW and demand."""
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
        write_json(json_file, result.to_dict())
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


def _money(value: float, currency: str) -> str:
    return (
        f"{value / 1e9:,.2f} bn {currency}" if value >= 1e9 else f"{value / 1e6:,.1f} M {currency}"
    )


def _print_runs(result: RoadmapResult, currency: str) -> None:
    table = Table(title=f"Runs and fleets (generation chosen by least {result.objective.value})")
    for col in ("workload", "kind", "start", "generation", "GPUs", "racks", "IT MW"):
        table.add_column(col, justify="right" if col in ("GPUs", "racks", "IT MW") else "left")
    table.add_column(f"facility MW (PUE {result.pue:g})", justify="right")
    table.add_column("cost", justify="right")
    table.add_column("status")
    for w in result.workloads:
        style = "" if w.status is WorkloadStatus.OK else "yellow"
        table.add_row(
            w.name,
            w.kind.value,
            w.start_label,
            w.generation or "-",
            f"{w.gpus:,}",
            f"{w.racks:,}",
            f"{w.it_mw:,.1f}",
            f"{w.facility_mw:,.1f}",
            _money(w.cost, currency),
            w.status.value,
            style=style,
        )
    console.print(table)
    for w in result.workloads:
        console.print(f"  {w.name}: {w.reason}", markup=False, highlight=False)


def _print_comparison(result: RoadmapResult, currency: str) -> None:
    table = Table(title="Co-design comparison: every workload on every generation")
    for col in ("workload", "generation", "GPUs", "racks", "IT MW", "facility MW", "cost"):
        table.add_column(col, justify="left" if col in ("workload", "generation") else "right")
    table.add_column("available")
    for c in result.comparison:
        table.add_row(
            c.workload,
            c.generation + (" *" if c.chosen else ""),
            f"{c.gpus:,}",
            f"{c.racks:,}",
            f"{c.it_mw:,.1f}",
            f"{c.facility_mw:,.1f}",
            _money(c.cost, currency),
            "yes" if c.available else f"no: {c.reason}",
        )
    console.print(table)
    console.print("  * chosen")


def _print_demand(result: RoadmapResult) -> None:
    table = Table(title="Rack demand inside the horizon")
    for col in ("week", "item", "site", "racks", "workload"):
        table.add_column(col, justify="right" if col == "racks" else "left")
    for row in result.demand:
        table.add_row(row.label, row.item, row.site, f"{row.qty:,}", row.workload)
    console.print(table)
    by_gen = ", ".join(f"{item} {n:,}" for item, n in result.racks_by_generation().items())
    console.print(f"racks by generation (whole roadmap): {by_gen or 'none'}")


def register(app: typer.Typer) -> None:
    app.command()(roadmap)
