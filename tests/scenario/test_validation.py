"""Each rule of the format gives its own located message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rackforge import ScenarioError, load_scenario
from rackforge.scenario import bundled_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "s"
    shutil.copytree(bundled_path("tiny"), target)
    return target


def edit(folder: Path, table: str, old: str, new: str) -> None:
    path = folder / f"{table}.csv"
    text = path.read_text()
    assert old in text, f"{old!r} not in {table}.csv"
    path.write_text(text.replace(old, new, 1))


def problems(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    return [str(p) for p in info.value.problems]


CASES = [
    (
        "demand",
        "d-w05,rack-t,dc-1,2026-W05",
        "d-w05,rack-t,dc-1,2027-W05",
        "demand.csv:3: week: week 2027-W05 is outside the horizon",
    ),
    (
        "demand",
        "d-w05,rack-t",
        "d-w04,rack-t",
        "demand.csv:3: demand: duplicate key (demand='d-w04'), first at line 2",
    ),
    ("bom", "tray-t,gpu-t,4", "tray-t,gpu-x,4", "bom.csv:4: child: unknown item 'gpu-x'"),
    ("bom", "tray-t,gpu-t,4", "tray-t,gpu-t,-4", "bom.csv:4: qty: -4 must be > 0"),
    ("bom", "tray-t,gpu-t,4", "tray-t,rack-t,4", "the BOM has a cycle"),
    ("supply", "sup-tw,gpu-t", "sup-xx,gpu-t", "supply.csv:2: supplier: unknown supplier 'sup-xx'"),
    (
        "operations",
        "tray-t,2,test-1,2.0,L10 test,lognormal,0.2,0.9",
        "tray-t,2,test-1,2.0,L10 test,lognormal,0.2,1.5",
        "operations.csv:3: yield: 1.5 must be <= 1",
    ),
    (
        "operations",
        "tray-t,2,test-1",
        "tray-t,2,test-9",
        "operations.csv:3: resource: no resource 'test-9' at site 'plant-a'",
    ),
    (
        "demand",
        "d-w04,rack-t,dc-1,2026-W04,10,",
        "d-w04,rack-t,dc-1,2026-W04,1e400,",
        "demand.csv:2: qty: '1e400' is not a finite number",
    ),
    (
        "make",
        "plant-a,rack-t,1",
        "plant-a,rack-t,one",
        "make.csv:2: lead_weeks: 'one' is not a whole number",
    ),
    ("sites", "site,kind", "site,x_note,kind", "sites.csv:1: x_note"),  # header grows: ragged rows
    ("sites", "name,region", "name,regoin", "sites.csv:1: regoin: unknown column"),
    (
        "risk",
        "sup-tw,4",
        "sup-nobody,4",
        "risk.csv:2: target: 'sup-nobody' is no supplier, site or lane",
    ),
    (
        "operations",
        "tray-t,2,test-1,2.0,L10 test,lognormal,0.2,0.9,1",
        "tray-t,2,test-1,2.0,L10 test,lognormal,0.2,0.9,7",
        "rework_to 7 is not an earlier or equal step",
    ),
]


@pytest.mark.parametrize("beside_a_bad_cell", [False, True])
@pytest.mark.parametrize(("table", "old", "new", "expected"), CASES)
def test_located_problem(
    folder: Path, table: str, old: str, new: str, expected: str, beside_a_bad_cell: bool
) -> None:
    # Every rule is checked in one pass: a bad cell in another table hides none of them.
    edit(folder, table, old, new)
    if beside_a_bad_cell:
        edit(folder, "inventory", "plant-a,gpu-t,100,0", "plant-a,gpu-t,lots,0")
    found = problems(folder)
    if beside_a_bad_cell:
        assert "inventory.csv:2: on_hand: 'lots' is not a number" in found, found
    if expected.startswith("sites.csv:1: x_note"):  # a new column makes every data row ragged
        assert any("sites.csv:2: -: row has 7 cells, header has 8" in p for p in found), found
    else:
        assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    edit(folder, "bom", "tray-t,gpu-t,4", "tray-t,gpu-x,4")
    edit(folder, "demand", "2026-W05", "2027-W05")
    edit(folder, "make", "plant-a,rack-t,1", "plant-a,rack-t,-1")
    found = problems(folder)
    assert len(found) >= 2  # a table-level problem stops the cross-table checks only
    assert any("demand.csv" in p for p in found) and any("make.csv" in p for p in found)


def test_missing_required_table_and_column(folder: Path) -> None:
    (folder / "suppliers.csv").unlink()
    edit(folder, "items", "item,kind,unit_value", "item,kind,value")
    found = problems(folder)
    assert "suppliers.csv: -: required table is missing" in found
    assert "items.csv:1: unit_value: required column is missing" in found


def test_settings_problems(folder: Path) -> None:
    path = folder / "scenario.yaml"
    path.write_text(
        path.read_text()
        .replace("horizon_weeks: 8", "horizon_weeks: 0")
        .replace("holding_rate: 0.26", "holding_rate: -1\ncolour: red")
    )
    found = problems(folder)
    assert "scenario.yaml: horizon_weeks: must be a whole number from 1 to 520, got 0" in found
    assert any(p.startswith("scenario.yaml: holding_rate: must be in") for p in found)
    assert "scenario.yaml: colour: unknown setting (annotations must start with x_)" in found


def test_demand_for_item_nobody_makes(folder: Path) -> None:
    edit(
        folder, "items", "frame-t,component", "frame-t,component,100,Rack frame,,\nghost,component"
    )
    edit(folder, "demand", "d-w08,rack-t", "d-w08,ghost")
    found = problems(folder)
    assert "demand.csv:6: item: nobody makes or buys item 'ghost'" in found


def test_annotation_columns_are_kept(folder: Path) -> None:
    edit(folder, "suppliers", "region\n", "region,x_source\n")
    edit(folder, "suppliers", "TW-HSZ\n", "TW-HSZ,annual report\n")
    edit(folder, "suppliers", "US-AZ\n", "US-AZ,\n")
    scenario = load_scenario(folder)
    assert scenario.suppliers["x_source"].tolist() == ["annual report", ""]


def test_lead_time_variability_is_read_from_the_row_else_the_scenario(folder: Path) -> None:
    """A supply row's own ``lead_time_cv``, else ``scenario.yaml``'s, else 0.1 (the one rule
    the executed plan and the twin draw lead times by); out-of-range values are located."""
    from rackforge.scenario.derived import lead_time_cvs

    tiny = load_scenario(folder)
    assert tiny.config.lead_time_cv == 0.1
    assert (lead_time_cvs(tiny, "supply") == 0.1).all()
    assert (lead_time_cvs(tiny, "lanes") == 0.1).all()
    path = folder / "scenario.yaml"
    path.write_text(path.read_text() + "lead_time_cv: 0.25\n")
    supply = (folder / "supply.csv").read_text().splitlines()
    supply[0] += ",lead_time_cv"
    supply[1] += ",0.5"
    supply[2:] = [row + "," for row in supply[2:]]
    (folder / "supply.csv").write_text("\n".join(supply) + "\n")
    edited = load_scenario(folder)
    assert lead_time_cvs(edited, "supply").tolist() == [0.5] + [0.25] * (len(supply) - 2)
    assert (lead_time_cvs(edited, "lanes") == 0.25).all()
    supply[1] = supply[1].removesuffix(",0.5") + ",3"
    (folder / "supply.csv").write_text("\n".join(supply) + "\n")
    found = problems(folder)
    assert any(p.startswith("supply.csv:2: lead_time_cv:") for p in found), found
    path.write_text(path.read_text().replace("lead_time_cv: 0.25", "lead_time_cv: -1"))
    found = problems(folder)
    assert any(p.startswith("scenario.yaml: lead_time_cv: must be in") for p in found), found
