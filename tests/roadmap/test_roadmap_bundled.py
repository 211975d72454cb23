"""The bundled us-ai-racks roadmap: valid, and a share of the scenario's own rack demand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rackforge import Scenario, load_scenario
from rackforge.roadmap import (
    RoadmapStatus,
    WorkloadKind,
    parse_roadmap,
    plan_roadmap,
    write_demand,
)
from rackforge.scenario import bundled_path


@pytest.fixture(scope="module")
def us() -> Scenario:
    return load_scenario("us-ai-racks")


def test_generations_match_the_research_notes(us: Scenario) -> None:
    roadmap = parse_roadmap(us.roadmap, us)
    gens = {g.item: g for g in roadmap.generations}
    assert set(gens) == set(us.items.loc[us.items["kind"] == "rack", "item"])
    gb300, vr = gens["rack-gb300"], gens["rack-vr-nvl144"]
    assert gb300.gpus == vr.gpus == 72
    # research notes 1.1: a dense GB300 rack is 360 PF FP8 and 1,080 PF FP4
    assert {p.value: v * 72 for p, v in gb300.pflops_per_gpu.items()} == {
        "bf16": 180.0, "fp8": 360.0, "fp4": 1080.0
    }  # fmt: skip
    # research notes 1.2: VR NVL144 is 1.2 EF FP8 (3.3x GB300) and 3.6 EF FP4 a rack
    assert {p.value: round(v * 72) for p, v in vr.pflops_per_gpu.items()} == {
        "fp8": 1202, "fp4": 3600
    }  # fmt: skip
    assert (gb300.rack_kw, vr.rack_kw) == (135, 200)
    assert gb300.available is not None and vr.available is not None
    assert gb300.available < vr.available
    assert us.week_label(vr.available) == "2026-W26"  # H2 2026; the first VR demand week


def test_roadmap_explains_a_share_of_the_demand(us: Scenario) -> None:
    result = plan_roadmap(us)
    assert result.status is RoadmapStatus.OK
    kinds = {w.kind for w in result.workloads}
    assert kinds == {WorkloadKind.TRAINING, WorkloadKind.INFERENCE}
    assert {w.generation for w in result.workloads} == {"rack-gb300", "rack-vr-nvl144"}
    table = us.demand.groupby(["site", "item", "week"])["qty"].sum()
    ours: dict[tuple[str, str, int], int] = {}
    for row in result.demand:
        key = (row.site, row.item, row.week)
        ours[key] = ours.get(key, 0) + row.qty
    # every roadmap row is covered by the scenario's own demand of that site, item and week
    for key, qty in ours.items():
        assert qty <= 0.75 * table[key], key
    share = sum(ours.values()) / us.demand["qty"].sum()
    assert 0.10 <= share <= 0.30  # the roadmap explains a share; the rest is other customers


def test_write_demand_on_a_copy(us: Scenario, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    shutil.copytree(bundled_path("us-ai-racks"), folder)
    scenario = load_scenario(folder)
    result = plan_roadmap(scenario)
    done = write_demand(folder, scenario, result)
    assert done.added == len(result.demand) and done.removed == 0
    after = load_scenario(folder)
    added = after.demand["qty"].sum() - us.demand["qty"].sum()
    assert added == sum(row.qty for row in result.demand)
