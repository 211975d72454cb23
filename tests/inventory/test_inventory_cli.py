"""The ``inventory`` command through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from inventory_helpers import TEXTBOOK, WILLEMS
from typer.testing import CliRunner

from rackforge.cli import inventory as command

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """rackforge"""

    command.register(app)
    return app


def test_gsm_file_to_json(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["inventory", "--gsm", str(TEXTBOOK / "bulldozer.txt"), "--holding-rate", "0.3"]
    result = runner.invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output and "Final_Assembly" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    assert data["total_cost"] == pytest.approx(632_775, rel=1e-3)
    stage = next(s for s in data["stages"] if s["stage"] == "Final_Assembly")
    assert {"stage", "service_time", "nrt", "safety_stock", "cost"} <= set(stage)
    assert stage["service_time"] == 0 and stage["nrt"] == 32
    assert sum(s["cost"] for s in data["stages"]) == pytest.approx(data["total_cost"])


def test_willems_chain(app: typer.Typer) -> None:
    result = runner.invoke(app, ["inventory", "--willems", str(WILLEMS / "05")])
    assert result.exit_code == 0, result.output
    assert "chain 05" in result.output
    # 13 stages have fractional stage times: solved for them exactly, not on the day grid
    assert "solved for the exact times" in result.output and "optimal" in result.output
    grid = runner.invoke(app, ["inventory", "--willems", str(WILLEMS / "05"), "--no-exact-times"])
    assert grid.exit_code == 0 and "rounded up" in grid.output and "feasible" in grid.output


def test_scenario_and_inventory_csv(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "inventory.csv"
    result = runner.invoke(app, ["inventory", "tiny", "--inventory-csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "rack-t@dc-1" in result.output
    table = pd.read_csv(out)
    row = table[(table["site"] == "dc-1") & (table["item"] == "rack-t")]
    assert float(row["safety_stock"].iloc[0]) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--willems", "no/such/77"], "77_SD.csv: -: no such file"),
        (["tiny", "--gsm", "x.txt"], "give one of PATH, --willems or --gsm"),
        (["--gsm", "x.txt", "--holding-rate", "-1"], "--holding-rate must be >= 0"),
        (["no/such/scenario"], "no such file or folder"),
        (["--willems", str(WILLEMS / "01"), "--method", "tree_dp"], "not a spanning tree"),
        (["tiny", "--service-level", "1.5"], "service_level must lie in (0, 1)"),
    ],
)
def test_bad_input_exits_2(app: typer.Typer, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["inventory", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_bad_cell_is_located(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "b.txt"
    bad.write_text(
        "stage_id,lead_time,max_s_time,cost,risk_pool,ext_demand_mean,ext_demand_std,"
        "ext_demand_thres,up_stages\nA,2,0,1,2,5,oops,1.645\n"
    )
    result = runner.invoke(app, ["inventory", "--gsm", str(bad)])
    assert result.exit_code == 2
    assert "b.txt:2: ext_demand_std: 'oops' is not a number" in result.output
