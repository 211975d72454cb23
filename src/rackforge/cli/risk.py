"""Resilience commands: ``risk`` (time-to-survive / time-to-recover per node) and ``stress``
(Monte-Carlo disruptions)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.box import SIMPLE
from rich.markup import escape
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    AutomationOption,
    PathArg,
    console,
    err_console,
    load_or_exit,
    progress_bar,
)
from rackforge.cli.compare import print_levers_effect
from rackforge.job_options import Step
from rackforge.risk.backend import Backend, BackendUnavailable
from rackforge.risk.options import DurationModel, RiskOptions, StressOptions
from rackforge.scenario.automation import AutomationChoice

if TYPE_CHECKING:
    from rackforge.risk import RiskReport, StressResult

_STRESS = StressOptions()  # the defaults, declared once there

JsonOpt = typer.Option(None, "--json", help="Also write the result as JSON to this file.")


def _weeks(value: float) -> str:
    return "never" if math.isinf(value) else ("n/a" if math.isnan(value) else f"{value:.2f}")


def risk(
    path: str | None = PathArg,
    json_file: Path | None = JsonOpt,
    workers: int = typer.Option(
        min(os.cpu_count() or 1, 4), help="Processes solving the node LPs in parallel."
    ),
    rows: int = typer.Option(20, help="Nodes shown in the table (the JSON has all)."),
    start_week: str = typer.Option(
        "",
        "--start-week",
        help="Week every outage begins (2026-W30 or an offset; default the "
        "first week, when the network has the most stock).",
    ),
    automation: AutomationChoice = AutomationOption,
) -> None:
    """Time to survive vs time to recover of every supplier, plant and lane.

    Nodes are ranked by the rack demand lost while each is down."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.risk.ttr import assess
    from rackforge.scenario.automation import with_levers

    scenario = load_or_exit(path)
    try:
        start = scenario.week_offset(start_week) if start_week else 0
    except ValueError as exc:
        err_console.print(f"--start-week: {exc}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    options = RiskOptions(workers=workers, start_week=start)
    reports = []
    for lv in automation.levers:
        with progress_bar(f"node LPs, automation {lv.value}") as update:
            reports.append(assess(with_levers(scenario, lv), options, update))
    report = reports[-1]  # automated with compare: the report the table and JSON hold
    _print_report(report, rows, scenario.week_label)
    if automation is AutomationChoice.COMPARE:
        print_levers_effect(scenario, Step.RISK, reports)
    if json_file is not None:
        write_document(json_file, DocumentKind.RISK, report.to_dict())
        console.print(f"wrote {json_file}")


def _from(week: int | None, week_label: Callable[[int], str]) -> str:
    return "" if week is None else f" from {week_label(week)}"


def _print_report(report: RiskReport, rows: int, week_label: Callable[[int], str]) -> None:
    from rackforge.risk.ttr import RISK_POLICY, NodeStatus

    colour = {NodeStatus.EXPOSED: "red", NodeStatus.COVERED_WITH_LOSS: "yellow"}

    table = Table(
        title=f"Resilience of {escape(report.scenario)}: nodes ranked by impact, each down from "
        f"{week_label(report.start_week)}",
        box=SIMPLE,
    )
    for col in ("#", "node", "kind", "TTS w", "TTR w", "lost", "runs short of"):
        table.add_column(
            col, justify="left" if col in ("node", "kind", "runs short of") else "right"
        )
    for rank, node in enumerate(report.nodes[:rows], start=1):
        ttr = _weeks(node.ttr_weeks) + ("" if node.ttr_from_risk_table else "*")
        table.add_row(
            str(rank),
            node.target,
            node.kind.value,
            _weeks(node.tts_weeks),
            ttr,
            f"{node.impact_units:,.0f}",
            node.limited_by,
            style=colour.get(node.status, ""),
        )
    console.print(table)
    console.print(f"policy: {RISK_POLICY}")
    console.print(
        f"demand {report.demand_units:,.0f} units; the undisrupted network serves "
        f"{report.baseline_served_units:,.0f} on time; lost = units not delivered on time when "
        "the node is down for its TTR. * = default TTR (no risk row). red = exposed "
        "(TTS < TTR), yellow = covered but losing demand later."
    )
    exposed = report.exposed
    late = [n for n in report.nodes if n.status is NodeStatus.COVERED_WITH_LOSS]
    if not exposed and not late:
        console.print("[green]No node is exposed and no outage loses demand.[/]")
    if exposed:
        console.print(f"[red]{len(exposed)} exposed node(s) (TTS < TTR); fix first:[/]")
        for node in exposed[:5]:
            short = f", short of {node.limited_by}" if node.limited_by else ""
            console.print(
                f"  {node.target} ({node.kind.value}): survives {_weeks(node.tts_weeks)} w of a "
                f"{_weeks(node.ttr_weeks)} w outage{short}; {node.impact_units:,.0f} units lost"
                + _from(node.first_loss_week, week_label)
            )
    if late:
        console.print(
            f"[yellow]{len(late)} node(s) outlast their TTR but still lose demand: what they "
            "ship again takes its lead time, or no spare capacity is left to catch up:[/]"
        )
        for node in late[:5]:
            first = "" if node.first_loss_week is None else week_label(node.first_loss_week)
            console.print(
                f"  {node.target} ({node.kind.value}): {node.impact_units:,.0f} units lost "
                f"from {first}"
            )


def stress(
    path: str | None = PathArg,
    scenarios: int = typer.Option(_STRESS.scenarios, min=1, help="Monte-Carlo scenarios."),
    seed: int = typer.Option(_STRESS.seed, help="Random seed (same seed, same answer)."),
    backend: Backend = typer.Option(Backend.NUMPY.value, help="Array backend."),
    dask: str | None = typer.Option(
        None, help="Run on Dask: 'local' (a LocalCluster) or a scheduler address."
    ),
    dask_workers: int = typer.Option(2, help="Workers of a local Dask cluster."),
    duration: DurationModel = typer.Option(
        _STRESS.duration.value, help="Disruption length: geometric (mean TTR) or fixed."
    ),
    chunk_size: int = typer.Option(_STRESS.chunk_size, help="Scenarios per chunk (bounds memory)."),
    json_file: Path | None = JsonOpt,
    automation: AutomationChoice = AutomationOption,
) -> None:
    """Simulate random disruptions from the risk table: fill rate and who causes the losses.

    Reports the distribution of delivered racks and fill rate over the scenarios."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.risk.stress import run_local, stress_test
    from rackforge.scenario.automation import with_levers

    scenario = load_or_exit(path)
    options = StressOptions(
        scenarios=scenarios, seed=seed, backend=backend, duration=duration, chunk_size=chunk_size
    )
    results = []
    try:
        for lv in automation.levers:
            levered = with_levers(scenario, lv)
            with progress_bar(f"chunks, automation {lv.value}") as update:
                if dask is None:
                    results.append(stress_test(levered, options, update, run_local))
                else:
                    from rackforge.risk.distributed import dask_client, dask_runner

                    with dask_client(dask, workers=dask_workers) as client:
                        results.append(stress_test(levered, options, update, dask_runner(client)))
    except (BackendUnavailable, ValueError) as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_INVALID) from None
    result = results[-1]  # automated with compare: the result the table and JSON hold
    _print_stress(result)
    if automation is AutomationChoice.COMPARE:
        print_levers_effect(scenario, Step.STRESS, results)
    if json_file is not None:
        write_document(json_file, DocumentKind.STRESS, result.to_dict())
        console.print(f"wrote {json_file}")


def _print_stress(result: StressResult) -> None:
    from rackforge.risk.stress import STRESS_POLICY

    table = Table(title=f"{result.scenarios:,} disruption scenarios, seed {result.seed}")
    for col in ("", "p5", "p50", "p95", "mean", "CVaR 5%"):
        table.add_column(col, justify="right")
    for name, dist, fmt in (
        ("fill rate", result.fill_rate, "{:.1%}"),
        ("delivered units", result.delivered_units, "{:,.0f}"),
    ):
        values = (dist.p5, dist.p50, dist.p95, dist.mean, dist.cvar5)
        table.add_row(name, *(fmt.format(v) for v in values))
    console.print(table)
    console.print(f"policy: {STRESS_POLICY}")
    console.print(
        f"demand {result.demand_units:,.0f} units; the undisrupted plan delivers "
        f"{result.plan_units:,.0f}; {result.wall_s:.1f} s on {result.backend.value}"
    )
    if not result.top_contributors:
        console.print("No node in the risk table is ever disrupted: nothing to attribute.")
        return
    who = Table(title="Nodes behind the losses (regression of lost units on down-weeks)")
    for col in ("node", "kind", "lost / down-week", "down weeks (mean)", "expected lost"):
        who.add_column(col, justify="left" if col in ("node", "kind") else "right")
    for c in result.top_contributors:
        who.add_row(
            c.target,
            c.kind,
            f"{c.lost_per_down_week:,.1f}",
            f"{c.mean_down_weeks:.2f}",
            f"{c.expected_lost_units:,.1f}",
        )
    console.print(who)


def register(app: typer.Typer) -> None:
    app.command()(risk)
    app.command()(stress)
