"""``execute``: the plan executed week by week with what really happens, re-planned from where
things stand, over many replications."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.box import SIMPLE
from rich.markup import escape
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    PathArg,
    console,
    err_console,
    flag,
    load_or_exit,
    progress_bar,
)
from rackforge.execute.options import ExecuteError, ExecuteOptions, Outage

if TYPE_CHECKING:
    from rackforge.execute import ExecutionResult
    from rackforge.scenario import Scenario

_DEFAULT = ExecuteOptions()


def execute(
    path: str | None = PathArg,
    weeks: int | None = typer.Option(None, help="Weeks to execute (default: the horizon)."),
    replan_every: int = typer.Option(
        _DEFAULT.replan_every,
        "--replan-every",
        help="Re-plan from the state reached every K weeks.",
    ),
    replications: int = typer.Option(
        _DEFAULT.replications, help="Independent runs, each with its own random stream."
    ),
    seed: int = typer.Option(_DEFAULT.seed, help="Random seed (same seed, same answer)."),
    lead_time_cv: float | None = typer.Option(
        None,
        "--lead-time-cv",
        help="Coefficient of variation of every supply and lane lead time (lognormal; 0: "
        "exact). Default: each row's lead_time_cv, else scenario.yaml's, else 0.1.",
    ),
    safety_lead_weeks: int = typer.Option(
        0,
        "--safety-lead-weeks",
        help="Weeks added to every supply lead time in the plans (a safety lead time: orders "
        "placed early enough to absorb late deliveries).",
    ),
    no_randomness: bool = flag(
        False,
        "--no-randomness",
        help="Nothing drawn at random: no breakdowns, yield draws, late shipments or outages.",
    ),
    outage: list[str] = typer.Option(
        [],
        "--outage",
        help="TARGET:START:WEEKS[:FACTOR]: an outage the plans do not expect (a supplier, site "
        "or lane from>to, from week START, keeping FACTOR of its capacity, default 0); repeat.",
    ),
    workers: int = typer.Option(2, min=1, help="Processes running the replications."),
    dask: str | None = typer.Option(
        None,
        "--dask",
        help="Run the replications on a Dask cluster: a scheduler address, or 'local' for a "
        "local cluster of --dask-workers processes.",
    ),
    dask_workers: int = typer.Option(2, min=1, help="Workers of a local Dask cluster."),
    rows: int = typer.Option(10, help="Orders most at risk shown (the JSON has every row)."),
    json_file: Path | None = typer.Option(
        None, "--json", help="Also write the result as JSON to this file."
    ),
) -> None:
    """Execute the plan week by week: plan, run K weeks with breakdowns, yields, late
    shipments and outages drawn from the risk table, re-plan from where things stand, to the
    end. Prints plan against actual, the fill-rate spread and the orders most at risk, and why."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.execute import execute as run_execute

    scenario = load_or_exit(path)
    try:
        outages = tuple(_outage(scenario, text) for text in outage)
    except ValueError as exc:
        raise _refuse(f"--outage: {exc}") from None
    options = ExecuteOptions(
        weeks=weeks,
        replan_every=replan_every,
        replications=replications,
        seed=seed,
        lead_time_cv=lead_time_cv,
        outages=outages,
        safety_lead_weeks=safety_lead_weeks,
        workers=workers,
    )
    if no_randomness:
        options = options.without_randomness()
    try:
        options.validate(scenario.config.horizon_weeks)
    except ExecuteError as exc:
        raise _refuse(str(exc)) from None
    with progress_bar("replications", options.replications) as update:
        try:
            if dask is None:
                result = run_execute(scenario, options, update)
            else:
                from rackforge.execute.loop import dask_runner
                from rackforge.risk.distributed import dask_client

                with dask_client(dask, workers=dask_workers) as client:
                    result = run_execute(scenario, options, update, runner=dask_runner(client))
        except ExecuteError as exc:
            raise _refuse(str(exc)) from None
    _print(result, rows)
    if json_file is not None:
        write_document(json_file, DocumentKind.EXECUTE, result.to_dict())
        console.print(f"wrote {json_file}")


def _refuse(message: str) -> typer.Exit:
    """Print why the options cannot run; the caller raises the returned exit (status 2)."""
    err_console.print(message, markup=False)
    return typer.Exit(EXIT_INVALID)


def _outage(scenario: Scenario, text: str) -> Outage:
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise ValueError(f"{text!r} is not TARGET:START:WEEKS[:FACTOR]")
    try:
        weeks = int(parts[2])
        factor = float(parts[3]) if len(parts) == 4 else 0.0
    except ValueError:
        raise ValueError(f"{text!r}: WEEKS must be a whole number, FACTOR a number") from None
    return Outage(parts[0], scenario.week_offset(parts[1]), weeks, factor)


def _print(result: ExecutionResult, rows: int) -> None:
    o = result.options
    weeks = result.weeks_table
    table = Table(
        title=f"{escape(result.scenario)} executed: {o.replications} replication(s), re-planned "
        f"every {o.replan_every} week(s); racks a week, means over replications",
        box=SIMPLE,
    )
    for col in ("week", "planned", "made", "made p5-p95", "delivered", "late (owed)"):
        table.add_column(col, justify="left" if col == "week" else "right")
    step = max(1, len(weeks) // 13)
    for r in weeks.iloc[::step].itertuples(index=False):
        table.add_row(
            r.iso_week,
            f"{r.planned:,.0f}",
            f"{r.made:,.0f}",
            f"{r.made_p5:,.0f}-{r.made_p95:,.0f}",
            f"{r.delivered:,.0f}",
            f"{r.late:,.0f}",
        )
    console.print(table)
    f = result.fill_rate_summary()
    console.print(
        f"on-time fill rate (racks): planned {f['planned']:.1%}; executed mean {f['mean']:.1%}, "
        f"p5 {f['p5']:.1%}, p50 {f['p50']:.1%}, p95 {f['p95']:.1%}; "
        f"{result.plans_per_replication:.0f} plans per replication"
    )
    risky = result.at_risk(rows)
    if risky.empty:
        console.print("[green]Every order is delivered on time in every replication.[/]")
    else:
        at_risk = Table(title="Orders most at risk", box=SIMPLE)
        for col in ("demand", "due", "racks", "P(on time)", "95% CI"):
            at_risk.add_column(col, justify="left" if col in ("demand", "due") else "right")
        for r in risky.itertuples(index=False):
            at_risk.add_row(
                r.demand,
                r.due_week,
                f"{r.qty:,.0f}",
                f"{r.on_time_probability:.0%}",
                f"{r.ci_low:.0%}-{r.ci_high:.0%}",
            )
        console.print(at_risk)
        console.print("why late:")
        for r in risky.itertuples(index=False):
            console.print(f"  {r.demand}: {escape(r.cause)}", highlight=False)
    if not result.causes.empty:
        top = "; ".join(f"{c} {u:,.0f}" for c, u in result.causes.head(5).itertuples(index=False))
        console.print(f"units short or late per replication, by cause: {top}")
        first = str(result.causes["cause"].iloc[0])
        if first.startswith("late ") and not result.options.safety_lead_weeks:
            console.print(
                "late deliveries lead: a safety lead time buffers them "
                "(--safety-lead-weeks 1 or 2; docs/execute.md)"
            )


def register(app: typer.Typer) -> None:
    app.command()(execute)
