"""The published instances of Graves & Willems (2000) and the textbook reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from inventory_helpers import TEXTBOOK, reference_cost

from rackforge.inventory import (
    GSMDataError,
    GSMOptions,
    Method,
    SolveStatus,
    optimize,
    read_textbook,
)


@pytest.mark.parametrize(
    ("name", "rate", "published"),
    [
        # Graves & Willems (2000), M&SOM 2(1):68-83, sec. 6: optimal safety-stock holding cost
        # about $633,000 a year for the bulldozer assembly network (30 % holding rate) and
        # $853,000 for the battery distribution network (25 %).
        ("bulldozer", 0.30, 633_000.0),
        ("battery", 0.25, 853_000.0),
    ],
)
def test_published_optimum(name: str, rate: float, published: float) -> None:
    network = read_textbook(TEXTBOOK / f"{name}.txt", holding_rate=rate)
    assert network.is_tree
    result = optimize(network)
    assert result.status is SolveStatus.OPTIMAL
    assert result.method is Method.TREE_DP
    assert result.total_cost == pytest.approx(published, rel=0.005)
    service = {s.stage: s.service_time for s in result.stages}
    assert reference_cost(network, service) == pytest.approx(result.total_cost, rel=1e-9)


@pytest.mark.parametrize("name", ["bulldozer", "battery", "digital_camera"])
def test_all_methods_agree(name: str) -> None:
    network = read_textbook(TEXTBOOK / f"{name}.txt", holding_rate=0.25)
    costs = {
        m: optimize(network, GSMOptions(method=m)).total_cost
        for m in (Method.TREE_DP, Method.BRANCH_AND_BOUND, Method.MIP, Method.PAIRS)
    }
    assert costs[Method.MIP] == pytest.approx(costs[Method.TREE_DP], rel=1e-6)
    assert costs[Method.PAIRS] == pytest.approx(costs[Method.TREE_DP], rel=1e-9)
    assert costs[Method.BRANCH_AND_BOUND] == pytest.approx(costs[Method.TREE_DP], rel=1e-9)


def test_bulldozer_policy_matches_the_paper() -> None:
    # Graves & Willems (2000), fig. 5: the bulldozer holds final-assembly stock quoted with
    # zero service time, and decouples the long-lead Case and Frame Assembly.
    result = optimize(read_textbook(TEXTBOOK / "bulldozer.txt", holding_rate=0.30))
    final = result.stage("Final_Assembly")
    assert final.service_time == 0
    assert final.safety_stock > 0
    assert final.supplier == "Main_Assembly"
    assert result.stage("Case").service_time == 0
    assert result.stage("Frame_Assembly").service_time == 0


def test_conventions() -> None:
    net = read_textbook(TEXTBOOK / "bulldozer.txt", holding_rate=0.30)
    final = net.stage("Final_Assembly")
    assert (final.processing_time, final.demand_mean, final.demand_std) == (4, 5, 3)
    assert final.z == 1.645 and final.max_service_time == 0
    assert net.stage("Engine").demand_std == 0  # the short row is padded
    assert {(a.upstream, a.qty) for a in net.arcs if a.downstream == "Suspension_Group"} == {
        ("Boggie_Assembly", 1.0),
        ("Pin_Assembly", 1.0),
    }


def _bad(tmp_path: Path, body: str) -> GSMDataError:
    path = tmp_path / "bad.txt"
    header = (
        "stage_id,lead_time,max_s_time,cost,risk_pool,ext_demand_mean,ext_demand_std,"
        "ext_demand_thres,up_stages\n"
    )
    path.write_text(header + body)
    with pytest.raises(GSMDataError) as info:
        read_textbook(path)
    return info.value


def test_errors_name_file_line_and_column(tmp_path: Path) -> None:
    err = _bad(tmp_path, "A,5,,1.0,2,,,,\nB,x,0,2.0,,10,3,1.645,A,1\n")
    assert [str(p) for p in err.problems] == ["bad.txt:3: lead_time: 'x' is not a number"]
    err = _bad(tmp_path, "A,5,,-1,2,,,,\nB,1,0,2.0,,10,3,1.645,Z,1\n")
    text = [str(p) for p in err.problems]
    assert "bad.txt:2: cost: -1 must be >= 0" in text
    assert "bad.txt:3: up_stages: upstream stage 'Z' is not defined" in text
    err = _bad(tmp_path, "A,5,,1,2,,,,B,1\nB,1,0,2.0,,10,3,1.645,A,1\n")
    assert "cycle" in str(err)
    err = _bad(tmp_path, "A,5,,1,2,,,,\nA,1,0,2.0,,10,,1.645\n")
    text = [str(p) for p in err.problems]
    assert "bad.txt:3: ext_demand_std: a number is required" in text


def test_bad_header_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("stage,lead_time\n")
    with pytest.raises(GSMDataError, match=r"h.txt:1: column 1: expected 'stage_id'"):
        read_textbook(path)
    with pytest.raises(GSMDataError, match="no such file"):
        read_textbook(tmp_path / "none.txt")
