"""Writing the roadmap's demand into demand.csv: round trip, replacement, refusals."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from rackforge import ScenarioError, load_scenario
from rackforge.roadmap import DemandWriteError, plan_roadmap, with_roadmap_demand, write_demand
from rackforge.scenario import bundled_path, save_workbook

ROADMAP = {
    "generations": [
        {"item": "rack-t", "gpus": 72, "pflops_per_gpu": {"fp8": 5.0}, "rack_kw": 132},
    ],
    "runs": [
        # 1e25 / (5e15 * 0.4 * 30 * 86400) = 1,929.01 -> 1,930 GPUs -> 27 racks, due W04..W05
        {"name": "beta", "flops": 1e25, "precision": "fp8", "mfu": 0.4, "start": "2026-W07",
         "days": 30, "lead_weeks": 2, "delivery_weeks": 2},
    ],
    "fleets": [{"name": "serve", "gpus": 720, "precision": "fp8", "start": 6, "ramp_weeks": 2,
                "lead_weeks": 1}],
}  # fmt: skip


def make_folder(tmp_path: Path, roadmap: dict[str, object] = ROADMAP) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(bundled_path("tiny"), folder)
    (folder / "roadmap.yaml").write_text(yaml.safe_dump(roadmap, sort_keys=False))
    return folder


def test_write_round_trip(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    before = (folder / "demand.csv").read_text().splitlines()
    scenario = load_scenario(folder)
    result = plan_roadmap(scenario)
    done = write_demand(folder, scenario, result)
    assert (done.removed, done.added) == (0, 4)
    after = (folder / "demand.csv").read_text().splitlines()
    assert after[: len(before)] == before  # the user's rows keep their exact text
    assert after[len(before) :] == [
        "roadmap-beta-2026-W04,rack-t,dc-1,2026-W04,14,beta,,,",
        "roadmap-beta-2026-W05,rack-t,dc-1,2026-W05,13,beta,,,",
        "roadmap-serve-2026-W06,rack-t,dc-1,2026-W06,5,serve,,,",
        "roadmap-serve-2026-W07,rack-t,dc-1,2026-W07,5,serve,,,",
    ]
    reloaded = load_scenario(folder)
    rows = reloaded.demand[reloaded.demand["demand"].str.startswith("roadmap-")]
    assert list(rows["week"]) == [3, 4, 5, 6]
    assert rows["qty"].sum() == 27 + 10
    # blank penalties are filled from unit_value like any other row (2% a week, 2x lost)
    assert set(rows["backlog_penalty"]) == {1000 * 0.02}
    assert with_roadmap_demand(scenario, result).demand.equals(reloaded.demand)


def test_writing_again_replaces_instead_of_duplicating(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    scenario = load_scenario(folder)
    write_demand(folder, scenario, plan_roadmap(scenario))
    first = (folder / "demand.csv").read_text()
    again = load_scenario(folder)
    done = write_demand(folder, again, plan_roadmap(again))
    assert (done.removed, done.added) == (4, 4)
    assert (folder / "demand.csv").read_text() == first
    # a smaller roadmap replaces the rows written before
    smaller = {**ROADMAP, "fleets": []}
    (folder / "roadmap.yaml").write_text(yaml.safe_dump(smaller))
    third = load_scenario(folder)
    done = write_demand(folder, third, plan_roadmap(third))
    assert (done.removed, done.added) == (4, 2)
    ids = list(load_scenario(folder).demand["demand"])
    assert [i for i in ids if i.startswith("roadmap-")] == [
        "roadmap-beta-2026-W04",
        "roadmap-beta-2026-W05",
    ]


def test_refuses_a_bundled_scenario() -> None:
    tiny = load_scenario("tiny")
    roadmap_scenario = dataclasses.replace(tiny, roadmap=ROADMAP)
    result = plan_roadmap(roadmap_scenario)
    with pytest.raises(DemandWriteError, match="rackforge new DIR"):
        write_demand(bundled_path("tiny"), roadmap_scenario, result)


def test_refuses_a_workbook(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    book = save_workbook(load_scenario(folder), tmp_path / "book.xlsx")
    scenario = load_scenario(book)
    assert scenario.roadmap is not None
    with pytest.raises(DemandWriteError, match="xlsx"):
        write_demand(book, scenario, plan_roadmap(scenario))


def test_invalid_result_writes_nothing(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    # a second rack item that nobody makes: its demand would be invalid
    with open(folder / "items.csv", "a", encoding="utf-8") as fh:
        fh.write("rack-z,rack,2000,Orphan rack,,gen-2\n")
    text = yaml.safe_dump(ROADMAP).replace("item: rack-t", "item: rack-z")
    (folder / "roadmap.yaml").write_text(text)
    before = (folder / "demand.csv").read_bytes()
    scenario = load_scenario(folder)
    with pytest.raises(ScenarioError, match="nobody makes or buys item 'rack-z'"):
        write_demand(folder, scenario, plan_roadmap(scenario))
    assert (folder / "demand.csv").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
