"""The ``inventory`` command: guaranteed-service safety-stock placement."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.box import SIMPLE
from rich.markup import escape
from rich.table import Table

from rackforge.cli._common import EXIT_INVALID, console, err_console, fail, load_or_exit
from rackforge.inventory.model import GSMError
from rackforge.inventory.problem import TimeRounding
from rackforge.inventory.results import Method
from rackforge.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from rackforge.inventory import GSMNetwork, GSMResult

#: Holding rate for the Willems chains and textbook files, which carry none.
DEFAULT_FILE_HOLDING_RATE = 0.25


def inventory(
    path: str | None = typer.Argument(
        None, help="Scenario folder, .xlsx workbook or bundled name (default: us-ai-racks)."
    ),
    willems: str | None = typer.Option(
        None, "--willems", help="A Willems (2008) chain: DIR/NN for NN_SD.csv and NN_LL.csv."
    ),
    gsm: Path | None = typer.Option(
        None, "--gsm", help="A stage-per-row GSM file (bulldozer.txt, battery.txt, ...)."
    ),
    holding_rate: float | None = typer.Option(
        None,
        "--holding-rate",
        help="Annual holding rate (default: the scenario's per-item rates; 0.25 for files).",
    ),
    service_level: float = typer.Option(
        0.95, help="Scenario only: service level of the demand stages (z = Phi^-1)."
    ),
    method: Method = typer.Option(Method.AUTO.value, help="Algorithm."),
    time_step: float | None = typer.Option(
        None, help="Grid step of service times (default: exact for whole-number times, else 1)."
    ),
    rounding: TimeRounding = typer.Option(TimeRounding.UP.value, help="Off-grid times."),
    exact_times: bool = typer.Option(
        True, help="Refine an answer with off-grid times to the optimum for the exact times."
    ),
    time_limit: float = typer.Option(60.0, help="Seconds before the search stops."),
    rows: int = typer.Option(25, help="Stages shown (largest cost first; the JSON has all)."),
    json_file: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
    inventory_csv: Path | None = typer.Option(
        None, help="Scenario only: write its inventory table with the new safety_stock."
    ),
) -> None:
    """Where to hold safety stock: the guaranteed-service model (Graves & Willems 2000).

    Optimises a scenario, a Willems (2008) chain or a GSM text file."""
    from rackforge.documents import DocumentKind, write_document
    from rackforge.inventory import GSMOptions, optimize, read_textbook, read_willems
    from rackforge.inventory.from_scenario import (
        ScenarioGSMOptions,
        inventory_with_safety_stock,
        network_from_scenario,
    )

    sources = [x for x in (path, willems, gsm) if x is not None]
    if len(sources) > 1:
        err_console.print("[red]give one of PATH, --willems or --gsm[/]")
        raise typer.Exit(EXIT_INVALID)
    if holding_rate is not None and holding_rate < 0:
        err_console.print("[red]--holding-rate must be >= 0[/]")
        raise typer.Exit(EXIT_INVALID)
    if (time_step is not None and time_step <= 0) or time_limit <= 0:
        err_console.print("[red]--time-step and --time-limit must be > 0[/]")
        raise typer.Exit(EXIT_INVALID)
    options = GSMOptions(
        method=method,
        time_step=time_step,
        rounding=rounding,
        exact_times=exact_times,
        time_limit_s=time_limit,
    )
    scenario = None
    rate = DEFAULT_FILE_HOLDING_RATE if holding_rate is None else holding_rate
    try:
        network: GSMNetwork
        if willems is not None:
            network = read_willems(willems, holding_rate=rate)
        elif gsm is not None:
            network = read_textbook(gsm, holding_rate=rate)
        else:
            scenario = load_or_exit(path)
            network = network_from_scenario(
                scenario, ScenarioGSMOptions(service_level, holding_rate=holding_rate)
            )
        result = optimize(network, options)
    except ScenarioError as exc:
        raise fail(exc) from None
    except (GSMError, ValueError) as exc:
        err_console.print(f"[red]invalid input[/]: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    _print(result, rows)
    if json_file is not None:
        write_document(json_file, DocumentKind.INVENTORY, result.to_dict())
        console.print(f"wrote {json_file}")
    if inventory_csv is not None:
        if scenario is None:
            err_console.print("[red]--inventory-csv needs a scenario[/]")
            raise typer.Exit(EXIT_INVALID)
        inventory_with_safety_stock(scenario, result).to_csv(inventory_csv, index=False)
        console.print(f"wrote {inventory_csv}")


def _print(result: GSMResult, rows: int) -> None:
    from rackforge.inventory import SolveStatus

    unit = result.time_unit
    table = Table(
        title=f"Safety stock of {escape(result.network or 'the network')} (times in {unit}s)",
        box=SIMPLE,
    )
    table.add_column("stage", no_wrap=True)
    table.add_column("source", overflow="fold")
    for col in ("SI", "S", "NRT", "safety stock", "cost/yr"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("waits for", overflow="fold")
    ranked = sorted(result.stages, key=lambda s: (-s.cost, s.stage))
    shown = [s for s in ranked if s.safety_stock > 0][:rows]
    for s in shown:
        table.add_row(
            s.stage,
            s.label,
            f"{s.inbound_service_time:g}",
            f"{s.service_time:g}",
            f"{s.nrt:g}",
            f"{s.safety_stock:,.1f}",
            f"{s.cost:,.0f}",
            s.supplier,
        )
    console.print(table)
    holding = sum(1 for s in result.stages if s.safety_stock > 0)
    console.print(
        f"{holding} of {len(result.stages)} stages hold safety stock"
        + (f" ({len(shown)} shown)" if holding > len(shown) else "")
    )
    colour = "green" if result.status is SolveStatus.OPTIMAL else "yellow"
    console.print(
        f"[{colour}]{result.status.value}[/]: total holding cost {result.total_cost:,.2f} a year"
        f" (lower bound {result.lower_bound:,.2f}, gap {result.gap:.2%}) by "
        f"{result.method.value} in {result.solve_seconds:.2f} s"
    )
    console.print(result.message, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command(name="inventory")(inventory)
