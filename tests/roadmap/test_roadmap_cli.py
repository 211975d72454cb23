"""``rackforge roadmap`` through the CLI runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from rackforge.cli.roadmap import register
from rackforge.scenario import bundled_path, load_scenario, save_workbook

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _group() -> None:
    """Keep ``roadmap`` a named sub-command, as in the full command line."""


register(app)

ROADMAP = {
    "pue": 1.2,
    "generations": [
        {"item": "rack-t", "gpus": 72, "pflops_per_gpu": {"fp8": 5.0}, "rack_kw": 132,
         "price": 3.5e6},
    ],
    "runs": [
        {"name": "beta", "flops": "1e25", "precision": "fp8", "mfu": 0.4, "start": "2026-W07",
         "days": 30, "lead_weeks": 2, "delivery_weeks": 2},
    ],
}  # fmt: skip


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def folder_with_roadmap(tmp_path: Path, roadmap: object = ROADMAP) -> Path:
    folder = tmp_path / "s"
    shutil.copytree(bundled_path("tiny"), folder)
    (folder / "roadmap.yaml").write_text(yaml.safe_dump(roadmap, sort_keys=False))
    return folder


def test_prints_runs_comparison_and_json(tmp_path: Path) -> None:
    folder = folder_with_roadmap(tmp_path)
    out = tmp_path / "roadmap.json"
    result = runner.invoke(app, ["roadmap", str(folder), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "beta" in result.output and "Co-design comparison" in result.output
    data = json.loads(out.read_text())
    run = data["runs"][0]
    assert (run["name"], run["generation"], run["gpus"], run["racks"]) == (
        "beta",
        "rack-t",
        1930,  # 1e25 / (5e15 * 0.4 * 30 * 86400) = 1,929.01
        27,
    )
    assert run["it_mw"] == pytest.approx(27 * 0.132)
    assert run["facility_mw"] == pytest.approx(27 * 0.132 * 1.2)
    assert [(d["item"], d["week"], d["qty"]) for d in data["demand"]] == [
        ("rack-t", "2026-W04", 14),
        ("rack-t", "2026-W05", 13),
    ]
    assert not any(
        line.startswith("roadmap-") for line in (folder / "demand.csv").read_text().splitlines()
    )


def test_objective_and_delivery_override(tmp_path: Path) -> None:
    folder = folder_with_roadmap(tmp_path)
    out = tmp_path / "r.json"
    args = ["roadmap", str(folder), "--objective", "racks", "--delivery-weeks", "1"]
    result = runner.invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["objective"] == "racks"
    assert [(d["week"], d["qty"]) for d in data["demand"]] == [("2026-W05", 27)]


def test_write_demand(tmp_path: Path) -> None:
    folder = folder_with_roadmap(tmp_path)
    result = runner.invoke(app, ["roadmap", str(folder), "--write-demand"])
    assert result.exit_code == 0, result.output
    assert "2 roadmap row(s), replacing 0" in flat(result.output)
    again = runner.invoke(app, ["roadmap", str(folder), "--write-demand"])
    assert "2 roadmap row(s), replacing 2" in flat(again.output)
    demand = load_scenario(folder).demand
    assert demand["demand"].str.startswith("roadmap-beta-").sum() == 2


def test_write_demand_refuses_bundled_and_workbook(tmp_path: Path) -> None:
    folder = folder_with_roadmap(tmp_path)
    book = save_workbook(load_scenario(folder), tmp_path / "b.xlsx")
    result = runner.invoke(app, ["roadmap", str(book), "--write-demand"])
    assert result.exit_code == 2
    assert "xlsx" in result.output and "nothing written" in flat(result.output)


def test_no_roadmap_and_bad_roadmap_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["roadmap", "tiny"])
    assert result.exit_code == 2 and "has no roadmap.yaml" in flat(result.output)
    bad = {**ROADMAP, "runs": [{**ROADMAP["runs"][0], "mfu": 2}]}
    folder = folder_with_roadmap(tmp_path, bad)
    result = runner.invoke(app, ["roadmap", str(folder)])
    assert result.exit_code == 2
    assert "roadmap.yaml: runs[0].mfu: must be in (0, 1], got 2" in flat(result.output)


def test_default_scenario_runs_and_is_not_written() -> None:
    result = runner.invoke(app, ["roadmap"])
    assert result.exit_code == 0, result.output
    assert "frontier-a-2026" in result.output and "rack-vr-nvl144" in result.output
    refused = runner.invoke(app, ["roadmap", "--write-demand"])
    assert refused.exit_code == 2
    assert "rackforge new DIR" in flat(refused.output)
