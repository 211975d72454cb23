"""``rackforge plan`` through typer's CliRunner: files, JSON and exit codes 0/2/3."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from rackforge.cli import plan as plan_cli
from rackforge.scenario import Scenario, save_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    plan_cli.register(app)

    @app.callback()
    def main() -> None:
        """rackforge"""

    return app


def test_plan_writes_tables_and_json(app: typer.Typer, tmp_path: Path) -> None:
    out, doc = tmp_path / "out", tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "tiny", "--out", str(out), "--json", str(doc)])
    assert result.exit_code == 0, result.output
    for name in ("production", "purchases", "transfers", "inventory", "deliveries", "utilization"):
        assert (out / f"{name}.csv").is_file()
    data = json.loads(doc.read_text())
    assert data["status"] == "optimal"
    assert sum(data["cost"].values()) == pytest.approx(data["objective"])
    assert data["kpis"]["fill_rate"] == pytest.approx(1.0)
    assert set(data["kpis"]) >= {
        "demand_units",
        "delivered_units",
        "on_time_units",
        "fill_rate",
        "domestic_share",
    }
    assert data["target"]["meets"] is True
    assert "answer" in result.output
    purchases = pd.read_csv(out / "purchases.csv")
    assert purchases["duty"].sum() == pytest.approx(data["cost"]["tariff"])


def test_mrp_flag(app: typer.Typer, tmp_path: Path) -> None:
    doc = tmp_path / "mrp.json"
    result = runner.invoke(
        app, ["plan", "tiny", "--mrp", "--out", str(tmp_path), "--json", str(doc)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "planned_orders.csv").is_file()
    assert json.loads(doc.read_text())["status"] == "ok"
    assert "MRP planned orders" in result.output


def test_bad_input_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(tmp_path / "missing"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert runner.invoke(app, ["plan", "tiny", "--out", str(afile)]).exit_code == 2


def test_no_plan_exits_3_and_names_the_conflict(
    app: typer.Typer, tiny: Scenario, tmp_path: Path
) -> None:
    # the first rack is due in week 0, but racks take a week to make and a week to ship
    demand = tiny.demand.assign(week=tiny.demand["week"] - 3)
    folder = tmp_path / "early"
    save_scenario(tiny.with_tables(demand=demand), folder)
    doc = tmp_path / "plan.json"
    result = runner.invoke(
        app,
        [
            "plan",
            str(folder),
            "--must-meet-demand",
            "--out",
            str(tmp_path / "out"),
            "--json",
            str(doc),
        ],
    )
    assert result.exit_code == 3, result.output
    data = json.loads(doc.read_text())
    assert data["status"] == "infeasible"
    assert data["conflicts"][0]["family"] == "demand"
    assert data["conflicts"][0]["id"] == "d-w04"
    assert not (tmp_path / "out").exists()


def test_windows_plan_names_its_windows_and_bound(app: typer.Typer, tmp_path: Path) -> None:
    doc = tmp_path / "plan.json"
    args = ["plan", "tiny", "--out", str(tmp_path / "out"), "--json", str(doc)]
    result = runner.invoke(app, [*args, "--windows", "2", "--overlap", "1", "--no-ceiling"])
    assert result.exit_code == 0, result.output
    assert "windows: rolling horizon" in result.output
    data = json.loads(doc.read_text())
    assert data["status"] in ("optimal", "feasible")
    assert sum(data["cost"].values()) == pytest.approx(data["objective"])
