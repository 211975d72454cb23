"""The ``twin`` command: simulate the plants' lines (discrete events, replications, CIs)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer
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
from rackforge.scenario.automation import AutomationChoice, Levers
from rackforge.twin.options import ReleaseMode, TwinOptions
from rackforge.twin.spec import Availability, TwinError

if TYPE_CHECKING:
    import pandas as pd

    from rackforge.scenario import Scenario
    from rackforge.twin import AutomationComparison, Estimate, TwinResult
    from rackforge.twin.material import PlanMaterial

_TWIN = TwinOptions()  # the defaults, declared once there


def parse_release(text: str) -> tuple[ReleaseMode, float]:
    """``plan``, ``rate:X`` or ``poisson:X`` (X jobs per hour at each site)."""
    kind, _, value = text.partition(":")
    try:
        mode = ReleaseMode(kind.strip().lower())
    except ValueError:
        raise typer.BadParameter("use plan, rate:X or poisson:X (X jobs per hour)") from None
    if mode is ReleaseMode.PLAN:
        if value:
            raise typer.BadParameter("'plan' takes no rate; give a plan with --plan-csv")
        return mode, 0.0
    try:
        rate = float(value)
    except ValueError:
        raise typer.BadParameter(
            f"{kind}:X needs a number of jobs per hour, not {value!r}"
        ) from None
    if not rate > 0 or not math.isfinite(rate):
        raise typer.BadParameter("the rate must be a positive number of jobs per hour")
    return mode, rate


def _pm(e: Estimate, fmt: str = ",.1f") -> str:
    if math.isnan(e.mean):
        return "n/a"
    if math.isnan(e.ci95):
        return format(e.mean, fmt)
    return f"{format(e.mean, fmt)} ± {format(e.ci95, fmt)}"


def _print_result(result: TwinResult, title: str) -> None:
    from rackforge.twin.results import TwinStatus

    table = Table(title=f"{title}: {result.replications} replication(s) of {result.weeks:g} weeks")
    for col in ("site", "units/week", "cycle h", "p50 h", "p95 h", "WIP", "scrap", "rework"):
        table.add_column(col, justify="left" if col == "site" else "right")
    rows = list(result.sites.items())
    if len(rows) > 1:
        rows.append(("all", result.totals))
    for site, t in rows:
        table.add_row(
            site,
            _pm(t.throughput_per_week),
            _pm(t.cycle_time_h.mean),
            f"{t.cycle_time_h.p50:,.1f}",
            f"{t.cycle_time_h.p95:,.1f}",
            _pm(t.wip_mean),
            _pm(t.scrap_units, ",.0f"),
            _pm(t.rework_units, ",.0f"),
            style="red" if t.status is TwinStatus.OVERLOADED else "",
        )
    console.print(table)
    res = Table(title="Resources (utilisation = busy / scheduled unit-hours)")
    for col in ("site", "resource", "kind", "units", "utilisation", "up", "queue", "wait h"):
        res.add_column(col, justify="left" if col in ("site", "resource", "kind") else "right")
    bottlenecks = {(b.site, b.resource) for t in result.sites.values() if (b := t.bottleneck)}
    for r in result.resources:
        res.add_row(
            r.site,
            r.resource,
            r.kind,
            "∞" if r.units is None else str(r.units),
            _pm(r.utilization, ".1%"),
            f"{r.availability.mean:.1%}",
            _pm(r.mean_queue),
            _pm(r.mean_wait_h),
            style="bold" if (r.site, r.resource) in bottlenecks else "",
        )
    console.print(res)
    for site, t in result.sites.items():
        if t.bottleneck is not None:
            console.print(
                f"bottleneck at {site}: [bold]{t.bottleneck.resource}[/] ({t.bottleneck.reason})"
            )
        if t.status is TwinStatus.OVERLOADED:
            console.print(
                f"[red]{site} is overloaded: releases exceed what the line finishes; queues grow "
                "and these figures describe a transient, not a steady state.[/]"
            )
    if result.shortages:
        short = Table(title="Parts that held units up at kitting (units waiting, time average)")
        for col in ("site", "part", "units waiting", "shipments owed at end"):
            short.add_column(col, justify="left" if col in ("site", "part") else "right")
        for x in result.shortages[:10]:
            short.add_row(x.site, x.item, _pm(x.units_waiting), _pm(x.shipped_short, ",.0f"))
        console.print(short)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    console.print(
        f"{result.events:,} events, {result.events_per_s:,.0f} events/s per core, "
        f"{result.wall_s:.2f} s wall; warm-up {result.warmup_weeks:g} of {result.weeks:g} weeks cut"
    )


def _print_comparison(cmp: AutomationComparison, racks: set[str]) -> None:
    _print_result(cmp.today, "Today (levers off)")
    _print_result(cmp.automated, "Automated (levers on)")
    levers = ", ".join(f"{k} -{v:.0%}" for k, v in cmp.touch_time_reduction.items()) or "none"

    def rate(value: float | None) -> str:
        return "every defect" if value is None else f"{value:.0%}"

    console.print(
        f"levers: touch time {levers}; inspection catches {rate(cmp.inspection_detect_rate_today)}"
        f" of defects today, {rate(cmp.inspection_detect_rate)} automated"
    )
    diff = Table(title="Automated minus today (paired replications, 95% CI)")
    for col in ("output", "today", "automated", "difference"):
        diff.add_column(col, justify="left" if col == "output" else "right")
    diff.add_row(
        "units/week",
        _pm(cmp.today.totals.throughput_per_week),
        _pm(cmp.automated.totals.throughput_per_week),
        _pm(cmp.throughput_gain_per_week),
    )
    diff.add_row(
        "cycle time h",
        _pm(cmp.today.totals.cycle_time_h.mean),
        _pm(cmp.automated.totals.cycle_time_h.mean),
        _pm(cmp.cycle_time_change_h),
    )
    if racks:
        diff.add_row(
            "racks/week",
            _pm(cmp.today.throughput_of(racks)),
            _pm(cmp.automated.throughput_of(racks)),
            _pm(cmp.rack_gain_per_week),
        )
        today, automated = cmp.today.cycle_time_of(racks), cmp.automated.cycle_time_of(racks)
        diff.add_row(
            "rack cycle time h", f"{today:,.1f}", f"{automated:,.1f}", f"{automated - today:+,.1f}"
        )
    diff.add_row(
        "defects escaped",
        _pm(cmp.today.totals.escaped_units),
        _pm(cmp.automated.totals.escaped_units),
        f"{cmp.automated.totals.escaped_units.mean - cmp.today.totals.escaped_units.mean:+,.1f}",
    )
    console.print(diff)


def _plan_window(
    scenario: Scenario, from_week: str, weeks: int, automation: AutomationChoice
) -> tuple[pd.DataFrame, PlanMaterial]:
    """The plan's releases and material from ``from_week`` (the plan made with the levers the
    twin runs with last, as ``run`` does)."""
    from rackforge.plan import PlanOptions, plan
    from rackforge.scenario.automation import with_levers
    from rackforge.twin.material import plan_material, plan_releases

    try:
        first = scenario.week_offset(from_week)
    except ValueError as exc:
        err_console.print(f"--from-week {from_week}: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    with console.status("planning"):
        result = plan(with_levers(scenario, automation.levers[-1]), PlanOptions(explain=False))
    if result.tables is None:
        err_console.print(f"no plan to simulate: {result.message}")
        raise typer.Exit(EXIT_INVALID)
    weeks = min(weeks, scenario.config.horizon_weeks - first)
    return plan_releases(result.tables, first, weeks), plan_material(
        scenario, result.tables, first, weeks
    )


def twin(
    path: str | None = PathArg,
    site: list[str] | None = typer.Option(
        None, "--site", help="Plant to simulate (repeat for several; default all with routings)."
    ),
    weeks: float = typer.Option(_TWIN.weeks, min=0.01, help="Simulated weeks per replication."),
    replications: int = typer.Option(_TWIN.replications, min=1, help="Independent replications."),
    seed: int = typer.Option(_TWIN.seed, help="Random seed (same seed, same answer)."),
    release: str = typer.Option(
        "plan", help="plan | rate:X | poisson:X, X = jobs per hour at each site."
    ),
    plan_csv: Path | None = typer.Option(
        None, "--plan-csv", help="Production plan CSV (site,item,week,qty); default: level."
    ),
    from_week: str | None = typer.Option(
        None,
        "--from-week",
        help="Plan the scenario and simulate its plan from this week (ISO label or offset), "
        "with its material: the plan's stock then, its purchases, transfers and shipments.",
    ),
    warmup: float | None = typer.Option(
        None, help="Warm-up weeks cut from the statistics (default 20% of --weeks)."
    ),
    workers: int | None = typer.Option(None, min=1, help="Processes (default: one per core)."),
    automation: AutomationChoice = AutomationOption,
    availability: Availability = typer.Option(
        Availability.CALENDAR.value, help="hours_per_week as daily shifts or a capacity factor."
    ),
    json_file: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
) -> None:
    """Simulate the plants' lines: throughput, cycle time, WIP, utilisation, bottleneck."""

    import pandas as pd

    from rackforge.documents import DocumentKind, write_document
    from rackforge.scenario import ItemKind
    from rackforge.twin.api import compare_automation, simulate_scenario

    scenario = load_or_exit(path)
    mode, rate = parse_release(release)
    plan = None
    if plan_csv is not None:
        try:
            plan = pd.read_csv(plan_csv)
        except (OSError, ValueError) as exc:
            err_console.print(f"cannot read {plan_csv}: {exc}")
            raise typer.Exit(EXIT_INVALID) from None
    material = None
    if from_week is not None:
        if plan_csv is not None or mode is not ReleaseMode.PLAN:
            err_console.print(
                "--from-week simulates the scenario's own plan: no --plan-csv or rate"
            )
            raise typer.Exit(EXIT_INVALID)
        plan, material = _plan_window(scenario, from_week, math.ceil(weeks), automation)
    options = TwinOptions(
        weeks=weeks,
        replications=replications,
        seed=seed,
        warmup_weeks=warmup,
        workers=workers,
        sites=tuple(site or ()),
        release=mode,
        release_rate_per_h=rate,
        availability=availability,
        levers=automation.levers[-1],
    )
    runs = replications * len(automation.levers)
    try:
        with progress_bar("replications", runs) as update:
            if automation is AutomationChoice.COMPARE:
                cmp = compare_automation(scenario, options, plan, update, material)
            else:
                result = simulate_scenario(scenario, options, plan, update, material)
    except TwinError as exc:
        err_console.print(f"[bold red]cannot simulate[/]: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            err_console.print(problem, markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    if automation is AutomationChoice.COMPARE:
        _print_comparison(cmp, scenario.items_of_kind(ItemKind.RACK))
        data, kind = cmp.to_dict(), DocumentKind.TWIN_COMPARE
    else:
        title = "Automated (levers on)" if options.levers is Levers.ON else "Today (levers off)"
        _print_result(result, title)
        data, kind = result.to_dict(), DocumentKind.TWIN
    if json_file is not None:
        write_document(json_file, kind, data)
        console.print(f"wrote {json_file}")


def register(app: typer.Typer) -> None:
    app.command()(twin)
