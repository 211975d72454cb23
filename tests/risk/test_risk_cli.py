"""The ``risk`` and ``stress`` commands through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from rackforge.cli import risk as risk_cli
from rackforge.risk.distributed import dask_client

app = typer.Typer()
risk_cli.register(app)
runner = CliRunner()


def test_risk_table_and_json(tmp_path: Path) -> None:
    out = tmp_path / "risk.json"
    result = runner.invoke(app, ["risk", "tiny", "--json", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "sup-us" in result.output and "frame-t@plant-a" in result.output
    data = json.loads(out.read_text())
    first = data["nodes"][0]
    assert first["target"] == "sup-us"
    assert first["tts_weeks"] == 4.0 and first["impact_units"] == 30.0
    assert {"target", "kind", "tts_weeks", "ttr_weeks", "impact_units", "exposed"} <= set(first)
    never = next(n for n in data["nodes"] if n["target"] == "sup-tw")
    assert never["tts_weeks"] == "inf"


def test_stress_json(tmp_path: Path) -> None:
    out = tmp_path / "stress.json"
    args = ["stress", "tiny", "--scenarios", "1500", "--seed", "3", "--json", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "fill rate" in result.output
    data = json.loads(out.read_text())
    assert data["scenarios"] == 1500
    assert set(data["fill_rate"]) >= {"p5", "p50", "p95", "mean"}
    assert set(data["delivered_units"]) >= {"p5", "p50", "p95", "mean"}
    assert isinstance(data["top_contributors"], list) and data["wall_s"] >= 0
    again = tmp_path / "again.json"
    runner.invoke(app, [*args[:-1], str(again)])
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    first.pop("wall_s"), second.pop("wall_s")
    assert first == second


def test_stress_on_a_dask_scheduler_address(tmp_path: Path) -> None:
    base = ["stress", "tiny", "--scenarios", "2100", "--seed", "1", "--chunk-size", "1024"]
    alone, spread = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(app, [*base, "--json", str(alone)]).exit_code == 0
    with dask_client(workers=1, processes=False) as client:
        address = client.scheduler.address
        result = runner.invoke(app, [*base, "--dask", address, "--json", str(spread)])
    assert result.exit_code == 0, result.output
    a, b = json.loads(alone.read_text()), json.loads(spread.read_text())
    a.pop("wall_s"), b.pop("wall_s")
    assert a == b


def test_stress_rejects_bad_input() -> None:
    result = runner.invoke(app, ["stress", "tiny", "--scenarios", "0"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["stress", "no/such/place"])
    assert result.exit_code == 2
