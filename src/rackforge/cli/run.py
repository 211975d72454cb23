"""The ``run`` command: the whole job on one scenario, a terminal summary and a report folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from rackforge.cli._common import (
    EXIT_INVALID,
    EXIT_NO_PLAN,
    AutomationOption,
    PathArg,
    check_out_or_exit,
    console,
    err_console,
    fail,
    flag,
    load_or_exit,
    progress,
)
from rackforge.inventory.model import GSMError
from rackforge.job_options import JobOptions, Step
from rackforge.scenario.automation import AutomationChoice
from rackforge.scenario.errors import ScenarioError
from rackforge.twin.spec import TwinError

_JOB = JobOptions()  # the defaults, declared once there


def run(
    path: str | None = PathArg,
    out: Path = typer.Option(
        Path("rackforge-out/run"), "--out", help="Folder for report.html, results.xlsx, JSON."
    ),
    twin_weeks: float = typer.Option(
        _JOB.twin_weeks, min=0.1, max=52.0, help="Weeks of the plan the twin simulates."
    ),
    twin_lead_in: int = typer.Option(
        _JOB.twin_lead_in_weeks,
        "--twin-lead-in",
        min=0,
        max=52,
        help="Plan weeks before the busiest ones that the twin simulates first, as warm-up.",
    ),
    replications: int = typer.Option(
        _JOB.twin_replications, min=1, help="Twin replications (each today and automated)."
    ),
    execute_weeks: int = typer.Option(
        _JOB.execute_weeks,
        "--execute-weeks",
        min=1,
        help="Weeks of the plan executed with what really happens (re-planned every "
        f"{_JOB.execute_replan_every}).",
    ),
    execute_replications: int = typer.Option(
        _JOB.execute_replications,
        "--execute-replications",
        min=1,
        help="Replications of the executed plan.",
    ),
    scenarios: int = typer.Option(
        _JOB.stress_scenarios, min=1, help="Monte-Carlo disruption scenarios."
    ),
    seed: int = typer.Option(_JOB.seed, help="Random seed (same seed, same report)."),
    workers: int | None = typer.Option(None, min=1, help="Processes (default: one per core)."),
    roadmap_demand: bool = flag(
        False, help="Plan on the roadmap's rack demand in place of earlier roadmap rows."
    ),
    automation: AutomationChoice = AutomationOption,
) -> None:
    """The whole job: roadmap, plan, twin, the executed plan, risk, stress and safety stock,
    with a report."""
    from rackforge.job import run_job
    from rackforge.report.collect import summary
    from rackforge.report.output import write_outputs

    check_out_or_exit(out)
    scenario = load_or_exit(path)
    options = JobOptions(
        twin_weeks=twin_weeks,
        twin_lead_in_weeks=twin_lead_in,
        twin_replications=replications,
        execute_weeks=execute_weeks,
        execute_replications=execute_replications,
        stress_scenarios=scenarios,
        seed=seed,
        workers=workers,
        roadmap_demand=roadmap_demand,
        automation=automation,
    )
    with progress("{task.description:<10}") as bar:
        tasks = {step: bar.add_task(step.value, total=1, start=False) for step in Step}
        bar.refresh()

        def update(step: Step, done: int, total: int) -> None:
            bar.start_task(tasks[step])
            bar.update(tasks[step], completed=done, total=max(total, 1), refresh=True)

        try:
            job = run_job(scenario, options, update)
        except ScenarioError as exc:
            raise fail(exc) from None
        except (TwinError, GSMError) as exc:
            err_console.print(f"[bold red]cannot run[/]: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                err_console.print(str(problem), markup=False, highlight=False)
            raise typer.Exit(EXIT_INVALID) from None
    console.rule(f"[bold]{escape(scenario.config.name)}")
    for line in summary(job):
        console.print(f"• {line}", markup=False, highlight=False)
    written = write_outputs(job, out)
    timing = Table(title="Steps", show_edge=False)
    timing.add_column("step")
    timing.add_column("seconds", justify="right")
    for step, seconds in job.seconds.items():
        timing.add_row(step.value, f"{seconds:.1f}")
    timing.add_row("total", f"{sum(job.seconds.values()):.1f}", style="bold")
    console.print(timing)
    console.print(f"wrote {len(written)} files to {out}: results.xlsx, JSON per step and")
    console.print(f"the report: {(out / 'report.html').resolve()}", markup=False)
    if job.plan is None or not job.plan.has_plan:
        raise typer.Exit(EXIT_NO_PLAN)


def register(app: typer.Typer) -> None:
    app.command()(run)
