"""The ``rackforge`` command line: parsing and printing only; the library does the work."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="rackforge",
    help="Plan and simulate the manufacture of AI data-centre racks across plants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command module registers its commands; order is the order of ``--help``.
COMMAND_MODULES = ("run", "scenario", "roadmap", "plan", "compare", "twin", "risk", "inventory")

for _name in COMMAND_MODULES:
    importlib.import_module(f"rackforge.cli.{_name}").register(app)


def main() -> None:
    app()
