"""``rackforge plan``: the constrained plan (or, with --mrp, the MRP explosion)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from rackforge.cli._common import (
    EXIT_NO_PLAN,
    AutomationOption,
    PathArg,
    check_out_or_exit,
    console,
    err_console,
    flag,
    load_or_exit,
    warn,
)
from rackforge.cli.compare import print_levers_effect
from rackforge.job_options import Step
from rackforge.plan.options import LpMethod, Windows
from rackforge.scenario.automation import AutomationChoice

if TYPE_CHECKING:
    from rackforge.plan import MrpResult, PlanResult

DEFAULT_OUT = Path("rackforge-out") / "plan"
_EXCEPTIONS_SHOWN = 25


def plan(
    path: str | None = PathArg,
    mrp: bool = flag(False, "--mrp", help="Uncapacitated MRP planned orders instead."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Folder for the CSV tables."),
    json_file: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=0.1, help="Solver time limit in seconds (default: scenario)."
    ),
    target_weeks: int = typer.Option(
        8, "--target-weeks", min=1, help="Final weeks compared in the rack-target check."
    ),
    must_meet: bool = flag(
        False, "--must-meet-demand", help="Require every demand on time (else: infeasible)."
    ),
    with_ceiling: bool = flag(
        True,
        "--ceiling/--no-ceiling",
        help="Also solve the ceiling: sustainable racks a week and the edits that lift it.",
    ),
    expand_to: float | None = typer.Option(
        None,
        "--expand-to",
        min=0,
        help="Racks a week the cheapest-expansion plan aims for (rows with expand_cost; "
        "default: the demand in the ceiling's window).",
    ),
    lp_method: LpMethod = typer.Option(
        LpMethod.IPM,
        "--lp-method",
        help="How HiGHS solves an LP: ipm (interior point and crossover), simplex (dual), "
        "pdlp (first-order, for very large LPs: optimal within a 1e-7 gap, no basis), choose.",
    ),
    windows: int | None = typer.Option(
        None,
        "--windows",
        min=1,
        help="Plan window by window, deciding this many weeks at a time (for models too large "
        "to solve whole); the gap to a Lagrangian bound is reported. The ceiling still solves "
        "whole models: add --no-ceiling at such sizes.",
    ),
    overlap: int | None = typer.Option(
        None,
        "--overlap",
        min=0,
        help="Weeks past its own that each window also plans (default: the longest chain of "
        "lead times).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Processes solving the bound's windows side by side."
    ),
    dask: str | None = typer.Option(
        None, help="Solve the bound's windows on Dask: 'local' or a scheduler address."
    ),
    automation: AutomationChoice = AutomationOption,
) -> None:
    """Plan production, purchases and transfers at least cost within every capacity."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.plan import PlanOptions, run_mrp, write_mrp_tables, write_plan_tables
    from rackforge.plan import plan as make_plan
    from rackforge.scenario.automation import with_levers
    from rackforge.scenario.events import unlimited_share_warnings

    check_out_or_exit(out)
    scenario = load_or_exit(path)
    warn(unlimited_share_warnings(scenario))
    if mrp:
        result_mrp = run_mrp(with_levers(scenario, automation.levers[-1]))
        paths = write_mrp_tables(result_mrp, out)
        _print_mrp(result_mrp)
        if json_file is not None:
            write_document(json_file, DocumentKind.MRP, result_mrp.to_dict())
        console.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)
        return
    options = PlanOptions(
        time_limit_s=time_limit,
        target_weeks=target_weeks,
        must_meet_demand=must_meet,
        ceiling=with_ceiling,
        expand_to=expand_to,
        lp_method=lp_method,
        windows=None if windows is None else Windows(windows, overlap, workers, dask),
    )
    results = [make_plan(with_levers(scenario, lv), options) for lv in automation.levers]
    result = results[-1]  # automated with compare: the plan the tables and JSON hold
    if json_file is not None:
        write_document(json_file, DocumentKind.PLAN, result.to_dict())
    if not result.has_plan:
        err_console.print(f"[bold red]no plan[/] ({result.status.value}): ", end="")
        err_console.print(result.message, markup=False, highlight=False)
        _print_conflicts(result)
        raise typer.Exit(EXIT_NO_PLAN)
    paths = write_plan_tables(result, out)
    _print_plan(result, scenario.config.currency, options.windows is not None)
    if automation is AutomationChoice.COMPARE:
        print_levers_effect(scenario, Step.PLAN, results)
    console.print(f"wrote {len(paths)} tables to {out}", highlight=False)


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _print_plan(result: PlanResult, currency: str, windowed: bool = False) -> None:
    info = result.info
    gap = f", gap {info.gap:.3%}" if info.gap is not None else ""
    console.print(
        f"[bold]{result.scenario}[/]: {result.status.value}{gap}; objective "
        f"{_money(result.objective)} {currency} ({info.variables:,} variables, "
        f"{info.constraints:,} constraints; built in {info.build_s:.2f} s, solved in "
        f"{info.solve_s:.2f} s)"
    )
    if windowed:
        console.print(f"windows: {info.solver_status}", markup=False, highlight=False)
    _print_target(result)
    if result.ceiling is not None:
        console.print(f"ceiling: {result.ceiling.sentence()}", markup=False, highlight=False)
        if result.ceiling.expansion is not None:
            text = result.ceiling.expansion.sentence(currency)
            console.print(f"expansion: {text}", markup=False, highlight=False)
    k = result.kpis
    if k is not None:
        console.print(
            f"demand {k.demand_units:,.0f} units: on time {k.on_time_units:,.0f} (fill rate "
            f"{k.fill_rate:.1%}), late {k.late_units:,.0f}, lost {k.lost_units:,.0f}; "
            f"domestic share of purchases {k.domestic_share:.1%}"
        )
    cost = Table(title=f"Cost ({escape(currency)})")
    cost.add_column("part")
    cost.add_column("amount", justify="right")
    for part, value in result.cost.items():
        cost.add_row(part, _money(value))
    cost.add_row("[bold]total[/]", f"[bold]{_money(sum(result.cost.values()))}[/]")
    console.print(cost)
    _print_bottlenecks(result)
    _print_suppliers(result, currency)
    _print_late(result)


def _print_target(result: PlanResult) -> None:
    check = result.target
    if check is None or not check.weeks:
        return
    table = Table(title=f"Can we make the target? {check.item_kind}s per week, last weeks")
    for col in ("week", "demand", "output", "delivered", "on time"):
        table.add_column(col, justify="right" if col != "week" else "left")
    for w in check.weeks:
        style = "" if w.on_time >= w.demand - 1e-6 else "yellow"
        table.add_row(
            w.label,
            f"{w.demand:,.0f}",
            f"{w.output:,.0f}",
            f"{w.delivered:,.0f}",
            f"{w.on_time:,.0f}",
            style=style,
        )
    console.print(table)
    console.print(f"[bold]answer[/]: {check.answer}", highlight=False)


def _print_bottlenecks(result: PlanResult, top: int = 8) -> None:
    if not result.bottlenecks:
        console.print("no capacity limit binds")
        return
    labels = result.week_labels
    table = Table(
        title="Cost drivers (shadow price: cost saved per extra resource hour, or per extra "
        "unit a week of a make, supplier or lane limit; the ceiling ranks limits in racks)"
    )
    for col in ("kind", "id", "site", "item", "weeks", "binding", "peak", "total"):
        table.add_column(col, justify="right" if col in ("binding", "peak", "total") else "left")
    for b in result.bottlenecks[:top]:
        table.add_row(
            b.kind.value,
            b.id,
            b.site or "-",
            b.item or "-",
            f"{labels[b.first_week]}..{labels[b.last_week]}",
            str(b.binding_weeks),
            _money(b.shadow_price),
            _money(b.total_shadow_price),
        )
    console.print(table)


def _print_suppliers(result: PlanResult, currency: str, top: int = 8) -> None:
    from rackforge.plan.orders import supplier_summary

    summary = supplier_summary(result)
    if summary.empty:
        return
    table = Table(
        title=f"What to buy from whom (purchase_orders.csv has every order, {escape(currency)})"
    )
    for col in (
        "supplier",
        "country",
        "domestic",
        "orders",
        "units",
        "value",
        "share",
        "weeks at capacity",
    ):
        table.add_column(col, justify="left" if col in ("supplier", "country") else "right")
    for r in summary.head(top).itertuples(index=False):
        table.add_row(
            r.supplier,
            r.country,
            "yes" if r.domestic else "no",
            f"{r.orders:,}",
            f"{r.units:,.0f}",
            _money(r.value),
            f"{r.share:.1%}",
            str(r.weeks_at_capacity),
        )
    console.print(table)


def _print_late(result: PlanResult, top: int = 10) -> None:
    if not result.late:
        console.print("every demand is delivered on time")
        return
    groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    texts: dict[str, str] = {}
    for d in result.late:
        key = f"{d.cause.kind.value}: {d.cause.id}"
        groups[key][0] += 1
        groups[key][1] += d.late
        groups[key][2] += d.lost
        texts.setdefault(key, d.cause.text)
    table = Table(title=f"Late or lost demand by cause ({len(result.late)} demand rows)")
    for col in ("cause", "rows", "late", "lost", "why"):
        table.add_column(col, justify="right" if col in ("rows", "late", "lost") else "left")
    ranked = sorted(groups.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
    for key, (rows, late, lost) in ranked[:top]:
        table.add_row(key, f"{rows:.0f}", f"{late:,.0f}", f"{lost:,.0f}", texts[key])
    console.print(table)


def _print_conflicts(result: PlanResult) -> None:
    if not result.conflicts:
        return
    labels = result.week_labels
    table = Table(title="Constraints that had to be relaxed")
    for col in ("family", "id", "item", "week", "by", "limit"):
        table.add_column(col)
    for c in result.conflicts[:20]:
        week = labels[c.week] if 0 <= c.week < len(labels) else "-"
        table.add_row(
            c.family.value, c.id, c.item or "-", week, f"{c.violation:,.4g}", f"{c.limit:,.4g}"
        )
    err_console.print(table)


def _print_mrp(result: MrpResult) -> None:
    orders = result.planned_orders
    table = Table(title=f"MRP planned orders ({result.status.value})")
    for col in ("type", "orders", "units", "cost"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for kind, grp in orders.groupby("order_type"):
        table.add_row(
            str(kind), f"{len(grp):,}", f"{grp['qty'].sum():,.0f}", _money(float(grp["cost"].sum()))
        )
    console.print(table)
    if not result.exceptions:
        console.print("no exceptions")
        return
    shown = result.exceptions[:_EXCEPTIONS_SHOWN]
    ex = Table(title=f"Exceptions ({len(result.exceptions)})")
    for col in ("kind", "site", "item", "week", "qty", "message"):
        ex.add_column(col)
    for e in shown:
        ex.add_row(e.kind.value, e.site, e.item, str(e.week), f"{e.qty:,.6g}", e.message)
    console.print(ex)
    if len(result.exceptions) > len(shown):
        console.print(
            f"{len(result.exceptions) - len(shown):,} more exceptions not shown; all are in "
            "the JSON (--json)"
        )


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
