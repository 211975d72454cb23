"""roadmap.yaml: typed parsing, every problem located and reported at once."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roadmap_sample import valid_roadmap

from rackforge import Scenario, ScenarioError
from rackforge.roadmap import Precision, parse_roadmap, plan_roadmap, training_flops

LOCATED = re.compile(r"^roadmap\.yaml: [^\s:]+: .+$")


def problems(raw: object, scenario: Scenario) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_roadmap(raw, scenario)
    return [str(p) for p in info.value.problems]


def test_valid_roadmap_parses_with_defaults(
    two_racks: Scenario, roadmap_raw: dict[str, Any]
) -> None:
    roadmap = parse_roadmap(roadmap_raw, two_racks)
    assert roadmap.pue == 1.2
    now, nxt = roadmap.generations
    assert (now.item, now.gpus, now.rack_kw, now.available) == ("rack-t", 72, 132.0, None)
    assert now.pflops_per_gpu[Precision.FP8] == 5.0
    assert now.cooling_kw == 132.0  # default: the whole rack power goes to the liquid loop
    assert nxt.available == 19  # 2026-W20 is 19 weeks after 2026-W01
    frontier, mid = roadmap.runs
    assert frontier.flops == 1e27 and frontier.goodput == 0.9 and frontier.delivery_weeks == 4
    assert frontier.start == 29 and frontier.lead_weeks == 4  # from the roadmap's lead_weeks
    assert frontier.site == "dc-1"  # the first customer site
    assert frontier.customer == "frontier-a"
    assert mid.flops == training_flops(4.05e11, 1.56e13) and mid.goodput == 1.0
    assert mid.start == 20 and mid.generation == "rack-t"
    chat, batch = roadmap.fleets
    assert chat.tokens_per_s == 2e7 and chat.ramp_weeks == 4
    assert batch.gpus == 720 and batch.ramp_weeks == 1 and batch.start == 10


def test_price_defaults_to_the_item_unit_value(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    del raw["generations"][0]["price"]
    unit_value = float(two_racks.items.set_index("item").at["rack-t", "unit_value"])
    assert parse_roadmap(raw, two_racks).generations[0].price == unit_value


def test_numeric_text_is_read_as_a_number(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    raw["runs"][0]["flops"] = "1e27"  # YAML 1.1 reads an exponent without a dot as text
    assert parse_roadmap(raw, two_racks).runs[0].flops == 1e27


def test_mfu_out_of_range_is_located(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    raw["runs"][1]["mfu"] = 1.4
    assert problems(raw, two_racks) == ["roadmap.yaml: runs[1].mfu: must be in (0, 1], got 1.4"]


def test_every_problem_reported_at_once(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    raw["pue"] = 0.8
    raw["generations"][0]["gpus"] = 0
    raw["runs"][0]["start"] = "2026-13"
    raw["runs"][1]["goodput"] = 0
    raw["fleets"][0]["precision"] = "fp9"
    raw["extra"] = 1
    found = problems(raw, two_racks)
    assert all(LOCATED.match(p) for p in found), found
    where = {p.split(": ")[1] for p in found}
    assert {"pue", "generations[0].gpus", "runs[0].start", "runs[1].goodput"} <= where
    assert {"fleets[0].precision", "extra"} <= where


@pytest.mark.parametrize(
    ("edit", "where", "text"),
    [
        (
            lambda r: r["generations"][0].update(item="gpu-t"),
            "generations[0].item",
            "not of kind rack",
        ),
        (lambda r: r["generations"][0].update(item="nope"), "generations[0].item", "is no item"),
        (
            lambda r: r["generations"].append(dict(r["generations"][0])),
            "generations[2].item",
            "twice",
        ),
        (
            lambda r: r["generations"][0]["pflops_per_gpu"].update(fp9=1),
            "generations[0].pflops_per_gpu.fp9",
            "unknown precision",
        ),
        (lambda r: r.update(generations=[]), "generations", "at least one"),
        (lambda r: r["runs"][1].update(precision="fp16"), "runs[1].generation", "no fp16 peak"),
        (
            lambda r: r["runs"][1].update(precision="tf32", generation=None),
            "runs[1].precision",
            "no generation has a tf32",
        ),
        (
            lambda r: r["runs"][1].update(generation="rack-x"),
            "runs[1].generation",
            "not a generation",
        ),
        (lambda r: r["runs"][0].update(params=1e9), "runs[0].flops", "not both"),
        (lambda r: r["runs"][1].pop("tokens"), "runs[1].tokens", "required with params"),
        (lambda r: r["runs"][0].pop("flops"), "runs[0].flops", "required"),
        (lambda r: r["runs"][0].update(start="2026-W60"), "runs[0].start", "ISO week"),
        (lambda r: r["runs"][0].update(start=1.5), "runs[0].start", "ISO week"),
        (lambda r: r["runs"][0].update(start=99_999), "runs[0].start", "weeks from the start"),
        (lambda r: r["runs"][0].update(lead_weeks=-1), "runs[0].lead_weeks", "must be in [0, 520]"),
        (
            lambda r: r["runs"][0].update(delivery_weeks=2.5),
            "runs[0].delivery_weeks",
            "whole number",
        ),
        (lambda r: r["runs"][0].update(days=float("nan")), "runs[0].days", "finite number"),
        (lambda r: r["runs"][0].update(mfu=True), "runs[0].mfu", "finite number"),
        (lambda r: r["runs"][0].update(mfu=None), "runs[0].mfu", "required key is missing"),
        (lambda r: r["runs"][0].update(site="nowhere"), "runs[0].site", "not a site"),
        (lambda r: r["runs"][0].update(name="chat"), "fleets[0].name", "already used by runs[0]"),
        (lambda r: r["runs"][0].update(flops=1e40, mfu=1e-9), "runs[0]", "more than 1e+12 GPUs"),
        (lambda r: r["fleets"][1].update(mfu=0.3), "fleets[1].gpus", "not both"),
        (lambda r: r["fleets"][0].pop("params"), "fleets[0].params", "required with"),
        (lambda r: r["fleets"][1].pop("gpus"), "fleets[1].gpus", "required"),
        (
            lambda r: r["fleets"][0].update(ramp_weeks=0),
            "fleets[0].ramp_weeks",
            "must be in [1, 520]",
        ),
        (lambda r: r.update(runs={"name": "x"}), "runs", "must be a list"),
        (lambda r: r["runs"].append(3), "runs[2]", "must be a mapping"),
        (lambda r: r.update(site="nowhere"), "site", "not a site"),
    ],
)
def test_bad_input_is_located(two_racks: Scenario, edit: Any, where: str, text: str) -> None:
    raw = valid_roadmap()
    edit(raw)
    found = problems(raw, two_racks)
    assert any(p.startswith(f"roadmap.yaml: {where}: ") and text in p for p in found), found


def test_not_a_mapping(two_racks: Scenario) -> None:
    assert problems([1, 2], two_racks) == ["roadmap.yaml: -: must be a mapping, got list"]


def test_no_customer_site_needs_an_explicit_site(two_racks: Scenario) -> None:
    sites = two_racks.sites.assign(kind="warehouse")
    no_customer = two_racks.with_tables(sites=sites)
    found = problems(valid_roadmap(), no_customer)
    assert "roadmap.yaml: runs[0].site: no site given and no customer site in sites.csv" in found
    raw = valid_roadmap()
    raw["site"] = "dc-1"
    assert parse_roadmap(raw, no_customer).fleets[0].site == "dc-1"


def test_annotations_are_kept(two_racks: Scenario) -> None:
    raw = valid_roadmap()
    raw["x_owner"] = "capacity team"
    raw["runs"][0]["x_note"] = "frontier"
    assert parse_roadmap(raw, two_racks).extra == {"x_owner": "capacity team"}


# -- property: any corruption gives located problems or a valid roadmap, never a traceback ---

JUNK = st.sampled_from(
    [None, "", "abc", " x", -1, 0, 0.5, 1.5, 72, 1e300, -1e300, float("nan"), float("inf"),
     True, [], {}, [1], {"a": 1}, "2026-W60", "2026-W10", "1e27", "fp8", "rack-t", 10**20]
)  # fmt: skip


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _corrupt(raw: dict[str, Any], data: st.DataObject) -> object:
    paths = _paths(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths[1:]))
        parent: Any = raw
        try:
            for step in path[:-1]:
                parent = parent[step]
            key = path[-1]
            action = data.draw(st.sampled_from(["set", "delete", "add"]))
            if action == "set":
                parent[key] = copy.deepcopy(data.draw(JUNK))
            elif action == "delete":
                del parent[key]
            elif isinstance(parent, dict):
                parent[data.draw(st.sampled_from(["bogus", "x_note", "7 days", "name"]))] = (
                    data.draw(JUNK)
                )
        except (KeyError, IndexError, TypeError):
            continue  # the path vanished under an earlier corruption
    return raw if data.draw(st.booleans()) else data.draw(st.sampled_from([raw, None, [raw], "x"]))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_corruption_gives_located_problems(two_racks: Scenario, data: st.DataObject) -> None:
    raw = _corrupt(valid_roadmap(), data)
    try:
        roadmap = parse_roadmap(raw, two_racks)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "roadmap.yaml"
            assert LOCATED.match(str(problem).replace("7 days", "7_days")), str(problem)
        return
    result = plan_roadmap(two_racks, roadmap)  # a roadmap that parses also plans
    assert all(w.racks >= 0 for w in result.workloads)
