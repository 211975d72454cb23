"""``compare``: each figure is the one the single-scenario plan gives, deltas are against the
base, a looser limit never costs more nor makes fewer racks, and an outage shows its late
racks with the limit that caused them; the CLI writes a schema-valid JSON and the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rackforge import Scenario
from rackforge.cli import app
from rackforge.compare import compare
from rackforge.documents import DocumentKind, check_document
from rackforge.plan import PlanOptions, plan
from rackforge.report.browser import check_report, find_chromium
from rackforge.scenario.whatif import CellEdit, EventEdit, what_if

runner = CliRunner()


@pytest.fixture(scope="module")
def looser(tiny: Scenario) -> Scenario:
    return what_if(tiny, edits=[CellEdit.parse("resources.plant-a/test-1.units=3")], name="more")


def test_the_figures_are_the_plans_own(tiny: Scenario, looser: Scenario) -> None:
    found = compare([tiny, looser])
    for i, scenario in enumerate((tiny, looser)):
        alone = plan(scenario, PlanOptions(ceiling=True))
        assert alone.kpis is not None and alone.ceiling is not None
        assert found.kpis["fill_rate"][i] == pytest.approx(alone.kpis.fill_rate)
        assert found.kpis["cost_total"][i] == pytest.approx(alone.objective, rel=1e-9)
        assert found.kpis["sustainable_racks_per_week"][i] == pytest.approx(
            alone.ceiling.racks_per_week
        )
    assert found.kpis["stress_fill_rate_p5"] == [None, None]  # not run without full
    assert found.names == ["tiny", "more"]


def test_a_looser_limit_never_costs_more_or_makes_fewer_racks(
    tiny: Scenario, looser: Scenario
) -> None:
    found = compare([tiny, looser])
    assert (found.delta("cost_total", 1) or 0.0) <= 1e-6
    assert (found.delta("sustainable_racks_per_week", 1) or 0.0) > 0  # test-1 is the ceiling
    assert (found.delta("on_time_racks", 1) or 0.0) >= -1e-6
    (diffs,) = found.inputs
    assert [(d.table, [c.where for c in d.changed]) for d in diffs] == [
        ("resources", ["plant-a/test-1"])
    ]


def test_an_outage_shows_its_late_racks_and_the_limit_behind_them(tiny: Scenario) -> None:
    outage = what_if(tiny, [EventEdit.parse("plant-a/test-1:2026-W03:4:0.5")])
    found = compare([tiny, outage])
    short = (found.kpis["late_racks"][1] or 0.0) + (found.kpis["lost_racks"][1] or 0.0)
    assert short > 1 and found.kpis["late_racks"][0] == found.kpis["lost_racks"][0] == 0
    assert sum(v[1] for v in found.late_by_cause.values()) == pytest.approx(short)
    assert list(found.late_by_cause) == ["resource plant-a/test-1"]
    assert sum(v[1] for v in found.late_by_customer.values()) == pytest.approx(short)
    (limits,) = found.limits
    assert any(t.startswith("resource plant-a/test-1") for t in limits.appeared)
    assert "test-1" in found.sentences()[0]
    check_document(DocumentKind.COMPARE, found.to_dict())


def test_the_command_writes_json_and_page(tiny: Scenario, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    made = runner.invoke(
        app, ["whatif", "tiny", str(folder), "--event", "plant-a/test-1:2026-W03:4:0.5"]
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "cmp"
    result = runner.invoke(
        app, ["compare", "tiny", str(folder), "--json", str(tmp_path / "c.json"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "late_racks" in result.output and "resource plant-a/test-1" in result.output
    document = json.loads((tmp_path / "c.json").read_text())
    assert document["scenarios"] == ["tiny", "tiny-whatif"]
    assert document["inputs"][0]["tables"][0]["table"] == "events"
    html = (out / "compare.html").read_text()
    assert "KPIs side by side" in html and "Late or lost racks by customer" in html
    chromium = find_chromium()
    if chromium is not None:  # every figure draws, no script fails (Debian's Chromium)
        check = check_report(out / "compare.html", chromium)
        assert (check.figures, check.rendered, check.errors) == (4, 4, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "tiny"], "at least two"),
        (["compare", "tiny", "no/such/place"], "no such file"),
        (["whatif", "tiny", "{folder}", "--event", "sup-tw:2026-W03"], "expected"),
        (["whatif", "tiny", "{folder}", "--event", "sup-x:2026-W03:1:0"], "events.csv:2"),
        (["whatif", "tiny", "{folder}", "--set", "make.plant-a/rack-t.lead_weeks=-1"], "make.csv"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    folder = tmp_path / "w"
    result = runner.invoke(app, [a.format(folder=folder) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not folder.exists()


def test_whatif_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["whatif", "tiny", str(tmp_path), "--set", "demand.d-w04.qty=1"])
    assert result.exit_code == 2 and (tmp_path / "keep.txt").read_text() == "mine"
