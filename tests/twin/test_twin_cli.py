"""The ``twin`` command through the CLI runner: exit codes, printed summary, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rackforge.cli.twin import parse_release, register
from rackforge.twin import ReleaseMode

runner = CliRunner()
app = typer.Typer()
register(app)


@app.callback()
def _group() -> None:
    """Keep ``twin`` a subcommand, as in the full application."""


FAST = ["--weeks", "10", "--replications", "2", "--workers", "1"]


def test_summary_and_json(tmp_path: Path) -> None:
    out = tmp_path / "twin.json"
    result = runner.invoke(app, ["twin", "tiny", *FAST, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "bottleneck at plant-a: test-1" in result.output
    assert "events/s" in result.output
    data = json.loads(out.read_text())
    for key in (
        "throughput_per_week",
        "cycle_time_h",
        "wip_mean",
        "utilization",
        "bottleneck",
        "scrap_units",
        "rework_units",
        "events",
        "wall_s",
        "replications",
    ):
        assert key in data, key
    assert set(data["throughput_per_week"]) == {"mean", "ci95"}
    assert {"mean", "p50", "p95"} <= set(data["cycle_time_h"])
    assert set(data["utilization"]) == {"labor-1", "test-1", "line-1"}
    assert data["bottleneck"]["resource"] == "test-1"
    assert data["replications"] == 2
    assert data["throughput_per_week"]["mean"] == pytest.approx(18.75, rel=0.05)


def test_compare_levers(tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    result = runner.invoke(
        app, ["twin", "tiny", *FAST, "--automation", "compare", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Automated minus today" in result.output
    data = json.loads(out.read_text())
    assert data["automated"]["utilization"]["labor-1"] < data["today"]["utilization"]["labor-1"]
    assert "cycle_time_h" in data["difference"]


def test_plan_csv_and_rate_release(tmp_path: Path) -> None:
    plan = tmp_path / "production.csv"
    plan.write_text("site,item,week,qty\n" + "".join(f"plant-a,rack-t,{w},8\n" for w in range(10)))
    result = runner.invoke(app, ["twin", "tiny", *FAST, "--plan-csv", str(plan)])
    assert result.exit_code == 0, result.output
    assert "tray-t: no planned production" in result.output
    rate = runner.invoke(app, ["twin", "tiny", *FAST, "--release", "poisson:0.1"])
    assert rate.exit_code == 0, rate.output


@pytest.mark.parametrize(
    "args",
    [
        ["--site", "nowhere"],
        ["--release", "rate:abc"],
        ["--release", "sometimes"],
        ["--plan-csv", "no/such/file.csv"],
    ],
)
def test_bad_input_exits_2(args: list[str]) -> None:
    result = runner.invoke(app, ["twin", "tiny", *FAST, *args])
    assert result.exit_code == 2, result.output


def test_parse_release() -> None:
    assert parse_release("plan") == (ReleaseMode.PLAN, 0.0)
    assert parse_release("rate:12.5") == (ReleaseMode.RATE, 12.5)
    assert parse_release("Poisson:3") == (ReleaseMode.POISSON, 3.0)
    with pytest.raises(typer.BadParameter):
        parse_release("rate:-1")


def test_from_a_plan_week_the_twin_kits_the_plans_material(tmp_path: Path) -> None:
    out = tmp_path / "twin.json"
    args = ["twin", "tiny", "--from-week", "2026-W02", "--weeks", "4", "--replications", "2"]
    result = runner.invoke(app, [*args, "--workers", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "material: 3 parts kitted" in result.output
    data = json.loads(out.read_text())
    # the plan's rack releases of W02..W05 (10 a week), in the JSON with the part shortages
    racks = next(i for i in data["items"] if i["item"] == "rack-t")
    assert racks["released_per_week"]["mean"] == pytest.approx(10.0, abs=1.0)
    assert isinstance(data["shortages"], list)
    bad = runner.invoke(app, ["twin", "tiny", "--from-week", "2030-W01"])
    assert bad.exit_code == 2 and "--from-week 2030-W01" in bad.output
    both = runner.invoke(app, ["twin", "tiny", "--from-week", "0", "--release", "rate:1"])
    assert both.exit_code == 2
