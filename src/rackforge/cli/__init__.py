"""The ``rackforge`` command line: parsing and printing only; the library does the work.

Exit status: 0 done; 1 an error outside the input (a file that cannot be written, a full
disk, an interruption, or a bug: one line with a hint, the traceback with ``--debug``);
2 invalid input or options, located; 3 no plan (infeasible or the solver gave up).
"""

from __future__ import annotations

import importlib
import sys

import typer

from rackforge.cli._common import EXIT_ERROR, EXIT_INVALID, EXIT_NO_PLAN, flag

app = typer.Typer(
    name="rackforge",
    help="Plan and simulate the manufacture of AI data-centre racks across plants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command module registers its commands; order is the order of ``--help``.
COMMAND_MODULES = (
    "run",
    "scenario",
    "roadmap",
    "plan",
    "compare",
    "twin",
    "execute",
    "risk",
    "inventory",
    "service",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"rackforge.cli.{_name}").register(app)


@app.callback()
def _options(
    debug: bool = flag(
        False, "--debug", help="On an unexpected error, show its traceback (any position)."
    ),
) -> None:
    """Plan and simulate the manufacture of AI data-centre racks across plants."""


def main(argv: list[str] | None = None) -> None:
    """The console entry point: ``app`` with every exception turned into one clean line and
    an exit status (module docstring); ``--debug`` anywhere shows the traceback instead."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="rackforge")
    except KeyboardInterrupt:
        _say("interrupted; nothing was written")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        status, line = describe(exc, args[0] if args else "")
        _say(line)
        sys.exit(status)


def describe(exc: BaseException, command: str) -> tuple[int, str]:
    """``(exit status, one line)`` for an exception that reached the command line."""
    from rackforge.plan.result import PlanError
    from rackforge.risk.baseline import BaselineError
    from rackforge.scenario.errors import ScenarioError
    from rackforge.twin.spec import TwinError

    text = str(exc) or type(exc).__name__
    if isinstance(exc, ScenarioError | TwinError):
        return EXIT_INVALID, f"invalid input: {text}"
    if isinstance(exc, PlanError | BaselineError):
        return EXIT_NO_PLAN, f"no plan: {text}"
    if isinstance(exc, MemoryError):
        return EXIT_ERROR, "out of memory: the scenario is too large for this machine"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return EXIT_ERROR, f"cannot read or write{where}: {exc.strerror or text}"
    return EXIT_ERROR, (
        f"rackforge {command}: internal error ({type(exc).__name__}: {text}). This is a bug: "
        "run again with --debug for the traceback and report it with the scenario."
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr)
