"""Helpers shared by the commands: loading with clean errors, JSON output, consoles."""

from __future__ import annotations

import typer
from rich.console import Console

from rackforge._json import write_json as write_json  # re-exported for the commands
from rackforge.scenario import Scenario, ScenarioError, load_scenario

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2

PathArg = typer.Argument(
    None, help="Scenario folder, .xlsx workbook or bundled name (default: us-ai-racks)."
)


def fail(error: ScenarioError) -> typer.Exit:
    """Print every problem on stderr; the caller raises the returned exit (status 2)."""
    err_console.print(f"[bold red]invalid input[/]: {len(error.problems)} problem(s)")
    for problem in error.problems:
        err_console.print(str(problem), markup=False, highlight=False)
    return typer.Exit(EXIT_INVALID)


def load_or_exit(path: str | None) -> Scenario:
    """Load a scenario, or print its problems on stderr and exit with status 2."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise fail(exc) from None
