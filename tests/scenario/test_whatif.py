"""What-if copies and the scenario diff: an edit lands where it says, and nowhere else; a bad
edit is refused with a located problem; a ceiling lift pasted as an edit gives the racks a
week the ceiling promised."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rackforge import Scenario, ScenarioError, load_scenario, save_scenario
from rackforge.plan.ceiling import ceiling
from rackforge.scenario.diff import SETTINGS, diff_scenarios
from rackforge.scenario.whatif import CellEdit, EventEdit, what_if
from rackforge.testing import assert_scenario_equal


def test_an_event_becomes_a_row_of_events_and_nothing_else_changes(tiny: Scenario) -> None:
    copy = what_if(tiny, [EventEdit.parse("sup-tw:2026-W03:2:0")])
    events = copy.table("events")
    assert list(events["target"]) == ["sup-tw"]
    assert (int(events["start"].iloc[0]), int(events["weeks"].iloc[0])) == (2, 2)
    assert tiny.table("events").empty  # the base is left as it was
    (diff,) = diff_scenarios(tiny, copy)
    assert (diff.table, diff.added, diff.changed) == ("events", [events["event"].iloc[0]], [])
    assert copy.config.name == "tiny-whatif" and "sup-tw" in copy.config.description


def test_a_cell_edit_changes_that_cell_only(tiny: Scenario) -> None:
    copy = what_if(tiny, edits=[CellEdit.parse("resources.plant-a/test-1.units=3")])
    (diff,) = diff_scenarios(tiny, copy)
    assert diff.table == "resources" and not diff.added and not diff.removed
    assert [(c.where, c.column, c.old, c.new) for c in diff.changed] == [
        ("plant-a/test-1", "units", "2", "3")
    ]


def test_a_what_if_of_a_what_if_keeps_every_event(tiny: Scenario) -> None:
    spec = [EventEdit.parse("sup-tw:2026-W03:2:0")]
    twice = what_if(what_if(tiny, spec), spec)
    assert twice.table("events")["event"].is_unique and len(twice.table("events")) == 2


def test_a_saved_what_if_loads_back_the_same(tiny: Scenario, tmp_path: object) -> None:
    copy = what_if(tiny, [EventEdit.parse("plant-a:2026-W04:3:0.5")])
    folder = save_scenario(copy, f"{tmp_path}/w")
    assert_scenario_equal(copy, load_scenario(folder))
    assert diff_scenarios(copy, load_scenario(folder)) == []


@pytest.mark.parametrize(
    ("events", "edits", "where"),
    [
        (["sup-nobody:2026-W03:2:0"], [], "events.csv:2: target"),
        (["sup-tw:2030-W03:2:0"], [], "events.csv:2: start"),
        (["sup-tw:2026-W03:2:-1"], [], "events.csv:2: capacity_factor"),
        ([], ["resources.plant-a/test-9.units=3"], "--set 1"),
        ([], ["resources.plant-a/test-1.colour=3"], "--set 1"),
        ([], ["resources.plant-a/test-1.resource=x"], "--set 1"),  # a key is not a value
        ([], ["tables.x.y=1"], "--set 1"),
        ([], ["resources.plant-a/test-1.units=-3"], "resources.csv:3: units"),
    ],
)
def test_a_bad_edit_is_refused_with_its_place(
    tiny: Scenario, events: list[str], edits: list[str], where: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        what_if(tiny, [EventEdit.parse(e) for e in events], [CellEdit.parse(e) for e in edits])
    assert any(str(p).startswith(where) for p in caught.value.problems), caught.value


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab:=./-0123W", max_size=30))
def test_any_spec_either_parses_or_is_refused_in_words(spec: str) -> None:
    for parse in (EventEdit.parse, CellEdit.parse):
        try:
            parse(spec)
        except ValueError as exc:
            assert "expected" in str(exc)


def test_a_pasted_lift_gives_the_racks_the_ceiling_promised(tiny: Scenario) -> None:
    found = ceiling(tiny, lifts=1)
    (lift,) = found.lifts
    edit = CellEdit(lift.table, lift.where, lift.column, f"{lift.new:g}")
    after = ceiling(what_if(tiny, edits=[edit]), lifts=0)
    assert after.racks_per_week == pytest.approx(lift.racks_per_week_after, rel=1e-6)
    assert after.racks_per_week > found.racks_per_week


def test_the_diff_is_symmetric_and_sees_settings(tiny: Scenario) -> None:
    copy = what_if(
        tiny,
        [EventEdit.parse("sup-tw:2026-W03:2:0")],
        [CellEdit.parse("demand.d-w04.qty=12")],
    )
    forward = {d.table: d for d in diff_scenarios(tiny, copy)}
    back = {d.table: d for d in diff_scenarios(copy, tiny)}
    assert forward["events"].added == back["events"].removed
    assert [(c.old, c.new) for c in forward["demand"].changed] == [
        (c.new, c.old) for c in back["demand"].changed
    ]
    held = replace(tiny, config=replace(tiny.config, holding_rate=0.3))
    (settings_diff,) = diff_scenarios(tiny, held)
    assert settings_diff.table == SETTINGS
    assert [c.where for c in settings_diff.changed] == ["holding_rate"]
