"""Helpers shared by the commands: loading with clean errors, JSON output, consoles,
progress bars."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from rackforge._atomic import OutputFolderError, check_output_folder
from rackforge.scenario.automation import DEFAULT_AUTOMATION
from rackforge.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from rackforge.scenario import Scenario

# The command modules import the engines inside their commands, so that ``--help`` and a
# command's start-up pay only for what it runs (bench/startup.py).

# No emoji codes (``demand.csv:100:`` is a location, not an emoji) and no wrapping of a
# problem's location on stderr, whatever the terminal.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False, soft_wrap=True)

EXIT_ERROR = 1  # outside the input: an unwritable file, a full disk, a bug
EXIT_INVALID = 2  # invalid input or options
EXIT_NO_PLAN = 3  # infeasible, or the solver stopped without a plan

PathArg = typer.Argument(
    None, help="Scenario folder, .xlsx workbook or bundled name (default: us-ai-racks)."
)

AutomationOption = typer.Option(
    DEFAULT_AUTOMATION.value,
    "--automation",
    help="The automation levers of scenario.yaml: off (today), on (the default of every "
    "command) or compare (both, and what the levers change).",
)


def flag(default: bool, *names: str, help: str) -> Any:
    """A plain on/off option, shown in ``--help`` without a value type (a flag takes none)."""
    return typer.Option(default, *names, metavar="", help=help)


def fail(error: ScenarioError) -> typer.Exit:
    """Print every problem on stderr; the caller raises the returned exit (status 2)."""
    err_console.print(f"[bold red]invalid input[/]: {len(error.problems)} problem(s)")
    for problem in error.problems:
        err_console.print(str(problem), markup=False, highlight=False)
    return typer.Exit(EXIT_INVALID)


def warn(problems: Iterable[Problem]) -> None:
    """Print located warnings on stderr (the input is valid; the command goes on)."""
    for problem in problems:
        err_console.print(
            f"warning: {problem}", markup=False, highlight=False, emoji=False, soft_wrap=True
        )


def check_out_or_exit(out: Path) -> None:
    """Check an output folder before any work (:func:`rackforge._atomic.check_output_folder`);
    print why not and exit with status 2."""
    try:
        check_output_folder(out)
    except OutputFolderError as exc:
        err_console.print(f"--out: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None


def load_or_exit(path: str | None) -> Scenario:
    """Load a scenario (and check its roadmap, so that every command refuses a bad one before
    any work), or print its problems on stderr and exit with status 2."""
    from rackforge.roadmap.parse import load_checked

    try:
        return load_checked(path)
    except ScenarioError as exc:
        raise fail(exc) from None


#: Environment variable naming a file to which every progress update is also appended as a
#: JSON line ``{"task": ..., "done": ..., "total": ...}``: how the planning service's workers
#: follow a command they run (``rackforge.service.worker``).
PROGRESS_FILE_ENV = "RACKFORGE_PROGRESS_FILE"


class _Progress(Progress):
    """A rich progress display that also appends each update to :data:`PROGRESS_FILE_ENV`."""

    def update(self, task_id: TaskID, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        sink = os.environ.get(PROGRESS_FILE_ENV)
        if not sink:
            return
        task = self._tasks[task_id]
        line = {"task": str(task.description), "done": task.completed, "total": task.total}
        with open(sink, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def progress(label: str) -> Progress:
    """A transient progress display, one bar per task, labelled by ``label`` (a rich format
    string over the task). It has no refresh thread (updates refresh it), so that engines can
    fork worker processes while it is shown."""
    return _Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        auto_refresh=False,
    )


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """One progress bar fed by the library's ``(done, total)`` callback."""
    with progress(label) as bar:
        task = bar.add_task(label, total=total)
        bar.refresh()

        def update(done: int, of: int) -> None:
            bar.update(task, completed=done, total=of, refresh=True)

        yield update
