"""Helpers shared by the commands: loading with clean errors, JSON output, consoles."""

from __future__ import annotations

import json
import math
import os
from typing import Any

import typer
from rich.console import Console

from rackforge._atomic import atomic_target
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as indented JSON atomically (non-finite floats become null/"inf")."""
    text = json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n"
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
