"""``rackforge compare``: scenarios planned (or, with --full, run) side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    check_out_or_exit,
    console,
    err_console,
    flag,
    load_or_exit,
    progress_bar,
)

if TYPE_CHECKING:
    from rackforge.compare import Comparison
    from rackforge.job_options import Step
    from rackforge.scenario import Scenario

SHOWN = 5  # binding limits shown per scenario, the largest shadow prices first


def compare_command(
    paths: list[str] = typer.Argument(
        ...,
        help="Two or more scenarios (folders, .xlsx workbooks or bundled names); the first "
        "is the base the others are compared with.",
    ),
    full: bool = flag(
        False,
        "--full",
        help="Run the whole job on each (twin, stress, safety stock), not only "
        "the plan and its ceiling.",
    ),
    json_file: Path | None = typer.Option(
        None, "--json", help="Also write the comparison as JSON."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for compare.html (the side-by-side page)."
    ),
) -> None:
    """Plan two or more scenarios and show their KPIs, inputs and answers side by side."""
    from rackforge.compare import compare
    from rackforge.documents import DocumentKind, write_document
    from rackforge.report.compare_page import write_compare_html

    if len(paths) < 2:
        err_console.print("compare needs at least two scenarios (the first is the base)")
        raise typer.Exit(EXIT_INVALID)
    if out is not None:
        check_out_or_exit(out)
    scenarios = [load_or_exit(p) for p in paths]  # every input checked before any solve
    with progress_bar("scenarios", total=len(scenarios)) as update:
        found = compare(scenarios, full=full, progress=update)
    _print(found)
    if json_file is not None:
        write_document(json_file, DocumentKind.COMPARE, found.to_dict())
        console.print(f"wrote {json_file}", highlight=False)
    if out is not None:
        page = write_compare_html(found, out / "compare.html")
        console.print(f"wrote {page.resolve()}", markup=False, highlight=False)


def print_kpis(found: Comparison, title: str) -> None:
    """The KPI table: one column per scenario (A, B, ...; A the base), deltas against A;
    KPIs no step computed are left out."""
    from rackforge.report.compare_page import kpi_rows

    letters = [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(found.names))]
    for letter, name, job in zip(letters, found.names, found.jobs, strict=True):
        role = " (the base)" if letter == "A" else ""
        console.print(f"{letter} = {name}{role}: {job.scenario.source}", markup=False)
    table = Table(title=title)
    table.add_column("kpi (unit)", overflow="fold")
    for col in (*letters, *(f"Δ {x}" for x in letters[1:])):
        table.add_column(col, justify="right", no_wrap=True)
    for row in kpi_rows(found):
        if any(cell != "-" for cell in row[2 : 2 + len(letters)]):
            table.add_row(f"{row[0]} [dim]({row[1]})[/]", *row[2:])
    console.print(table)


def print_levers_effect(scenario: Scenario, step: Step, results: list[Any]) -> None:
    """What ``--automation compare`` adds to a command: the KPIs of its results (one per lever
    setting of ``compare``: today, then automated) side by side."""
    from rackforge.compare import compare_jobs
    from rackforge.job import JobOptions, JobResult
    from rackforge.scenario.automation import AutomationChoice, with_levers

    jobs = [
        JobResult(with_levers(scenario, lv), JobOptions(), **{step.value: result})
        for lv, result in zip(AutomationChoice.COMPARE.levers, results, strict=True)
    ]
    found = compare_jobs(jobs, names=["today", "automated"])
    print_kpis(found, "What the automation levers change (Δ B: automated minus today)")


def _print(found: Comparison) -> None:
    print_kpis(found, "KPIs (Δ: against A; KPIs no step computed are left out)")
    for diffs, name in zip(found.inputs, found.names[1:], strict=True):
        console.print(f"[bold]inputs of {name}[/] against {found.names[0]}:", highlight=False)
        for d in diffs or []:
            console.print(f"  {d.sentence()}", markup=False, highlight=False)
        if not diffs:
            console.print("  the same inputs", highlight=False)
    for change in found.limits:
        for what, texts in (
            ("newly binding", change.appeared),
            ("no longer binding", change.vanished),
        ):
            for text in texts[:SHOWN]:
                console.print(f"{change.scenario}: {what} {text}", markup=False)
            if len(texts) > SHOWN:
                console.print(
                    f"{change.scenario}: ... {len(texts) - SHOWN} more {what} "
                    "(--json lists them all)",
                    markup=False,
                )
    if found.late_by_cause:
        late = Table(title="Late or lost racks by cause")
        for col in ("cause", *found.names):
            late.add_column(col, justify="left" if col == "cause" else "right")
        for cause, values in found.late_by_cause.items():
            late.add_row(cause, *(f"{v:,.0f}" for v in values))
        console.print(late)
    for line in found.sentences() + found.notes:
        console.print(f"• {line}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
