"""Saving and loading a scenario, as CSV folder or workbook, loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from rackforge import bundled_names, load_scenario, save_scenario, save_workbook
from rackforge.testing import assert_scenario_equal


@pytest.mark.parametrize("name", bundled_names())
def test_folder_round_trip(name: str, tmp_path: Path) -> None:
    original = load_scenario(name)
    save_scenario(original, tmp_path / "copy")
    assert_scenario_equal(original, load_scenario(tmp_path / "copy"))


@pytest.mark.parametrize("name", bundled_names())
def test_workbook_round_trip(name: str, tmp_path: Path) -> None:
    original = load_scenario(name)
    save_workbook(original, tmp_path / "copy.xlsx")
    again = load_scenario(tmp_path / "copy.xlsx")
    assert_scenario_equal(original, again)
    # and back to a folder: the workbook is a full scenario, not a lossy export
    save_scenario(again, tmp_path / "folder")
    assert_scenario_equal(original, load_scenario(tmp_path / "folder"))


def test_defaults_are_filled(tiny) -> None:  # type: ignore[no-untyped-def]
    # lanes.item blank = every item; capacity blank = unbounded; rework_to blank = scrap (-1)
    assert tiny.lanes["item"].tolist() == [""]
    assert tiny.lanes["capacity_per_week"].tolist() == [float("inf")]
    assert tiny.operations["rework_to"].tolist() == [-1, 1, -1, -1]
    # weeks become offsets from the start: 2026-W04 is bucket 3
    assert tiny.demand["week"].tolist() == [3, 4, 5, 6, 7]
    assert tiny.week_label(3) == "2026-W04"


def test_tariff_falls_back_to_country_rate(tiny) -> None:  # type: ignore[no-untyped-def]
    rates = dict(
        zip(tiny.supply["supplier"] + "/" + tiny.supply["item"], tiny.supply_tariff(), strict=True)
    )
    assert rates == {"sup-tw/gpu-t": 0.15, "sup-us/gpu-t": 0.0, "sup-us/frame-t": 0.0}


def test_save_refuses_non_empty_folder(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        save_scenario(tiny, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_workbook_stores_numbers_as_numbers(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from rackforge.scenario.schema import SCHEMAS, ColumnType

    save_workbook(tiny, tmp_path / "copy.xlsx")
    book = openpyxl.load_workbook(tmp_path / "copy.xlsx", read_only=True)
    checked = 0
    for name in ("make", "supply", "resources", "demand"):
        rows = list(book[name].iter_rows(values_only=True))
        header = rows[0]
        for col, title in enumerate(header):
            kind = SCHEMAS[name].column_map[str(title)].type
            for row in rows[1:]:
                value = row[col]
                if kind in (ColumnType.INT, ColumnType.FLOAT) and value not in (None, ""):
                    assert isinstance(value, int | float), (name, title, value)
                    checked += 1
                if kind is ColumnType.WEEK and value:
                    assert isinstance(value, str) and "-W" in value  # ISO week labels
    assert checked > 20
