"""The scenario commands through the CLI runner: exit codes, output, files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rackforge import load_scenario
from rackforge.cli import app
from rackforge.testing import assert_scenario_equal

runner = CliRunner()


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", "tiny"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_missing_path() -> None:
    result = runner.invoke(app, ["validate", "no/such/place"])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_show_names_the_limiting_resource() -> None:
    result = runner.invoke(app, ["show", "tiny", "--every", "1"])
    assert result.exit_code == 0, result.output
    # bill of resources of rack-t at test-1: 4 h + 2 trays x 2 h / 0.9 yield = 8.44 h;
    # 2 units x 50 h = 100 h a week -> 11.8 racks a week, below line-1's 40 h / 2 h = 20.
    assert "resource test-1" in result.output
    assert "12" in result.output


def test_new_then_export_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    assert runner.invoke(app, ["new", str(folder), "--from", "tiny"]).exit_code == 0
    again = runner.invoke(app, ["new", str(folder), "--from", "tiny"])
    assert again.exit_code == 2  # refuses to overwrite
    book = tmp_path / "mine.xlsx"
    result = runner.invoke(app, ["export", str(folder), "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    assert_scenario_equal(load_scenario(folder), load_scenario(book))


def test_new_unknown_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "x"), "--from", "nope"])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()
