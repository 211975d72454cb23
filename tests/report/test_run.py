"""``rackforge run`` end to end on the tiny scenario: every step, every file, a report that
renders in a real browser, and numbers that are the engines' own."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from rackforge import Scenario
from rackforge.cli import app
from rackforge.job import JobOptions, JobResult, busiest_window
from rackforge.plan import plan
from rackforge.report.browser import check_report, find_chromium

CHROMIUM = find_chromium()
runner = CliRunner()
FAST = ["--workers", "1", "--scenarios", "512", "--replications", "2"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run") / "report"
    result = runner.invoke(app, ["run", "tiny", "--out", str(folder), *FAST])
    assert result.exit_code == 0, result.output
    assert "Target: yes" in result.output
    return folder


def test_every_step_writes_its_document(out: Path) -> None:
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "results.xlsx", "summary.json"} <= names
    # the tiny scenario has no roadmap: that step is skipped and says so
    assert {"plan.json", "twin.json", "execute.json", "risk.json", "stress.json"} <= names
    assert "inventory.json" in names
    assert "roadmap.json" not in names
    summary = json.loads((out / "summary.json").read_text())
    assert any("no roadmap.yaml" in note for note in summary["notes"])
    assert set(summary["seconds"]) == {
        "roadmap",
        "plan",
        "twin",
        "execute",
        "risk",
        "stress",
        "inventory",
    }


def test_documents_hold_the_engines_answers(out: Path, tiny: Scenario) -> None:
    doc = json.loads((out / "plan.json").read_text())
    direct = plan(tiny)
    assert doc["status"] == "optimal"
    assert doc["objective"] == pytest.approx(direct.objective, rel=1e-9)
    assert json.loads((out / "stress.json").read_text())["scenarios"] == 512
    twin = json.loads((out / "twin.json").read_text())
    assert {"today", "automated", "difference"} <= set(twin)
    risk = json.loads((out / "risk.json").read_text())
    assert {n["target"] for n in risk["nodes"]} >= {"sup-us", "plant-a"}
    inventory = json.loads((out / "inventory.json").read_text())
    assert inventory["status"] == "optimal"
    executed = json.loads((out / "execute.json").read_text())
    # the executed plan starts from the job's plan: its planned fill rate is the plan's
    assert executed["fill_rate"]["planned"] == pytest.approx(doc["kpis"]["fill_rate"], abs=1e-9)
    assert len(executed["weeks"]) == 8  # the tiny horizon, shorter than the default 13


def test_workbook_has_a_sheet_per_table(out: Path) -> None:
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    assert {"production", "purchases", "deliveries", "twin", "risk", "safety_stock"} <= set(
        book.sheetnames
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_report_renders_every_figure_without_errors(out: Path) -> None:
    check = check_report(out / "report.html", CHROMIUM or "")
    assert (check.figures, check.rendered, check.errors) == (9, 9, 0)


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    result = runner.invoke(app, ["run", str(tmp_path / "missing"), "--out", str(folder)])
    assert result.exit_code == 2
    assert not folder.exists()


def test_twin_runs_the_busiest_weeks_of_the_plan(tiny: Scenario) -> None:
    job = JobResult(scenario=tiny, options=JobOptions())
    job.plan = plan(tiny)
    window = busiest_window(job, 2, lead_in=1)
    # tiny starts 10 racks in each of 2026-W02..W06 (one week of test before they are
    # available, one week of transport to dc-1, due W04..W08); the first two-week window
    # with 20 racks started is W02..W03; the week before it, W01, leads in, and the three
    # are renumbered as weeks 0, 1 and 2
    assert window.labels == ("2026-W02", "2026-W03")
    assert (window.start, window.lead_in) == (0, 1)
    release = window.release
    assert release is not None
    assert set(release["week"]) <= {1, 2}
    prod = job.plan.tables.production if job.plan.tables is not None else None
    assert prod is not None
    window = prod[prod["week"].isin([1, 2])]
    assert release["qty"].sum() == pytest.approx(window["qty"].sum())
    assert release[release["item"] == "rack-t"]["qty"].sum() == pytest.approx(20.0)


def test_workbook_is_a_planners_workbook(out: Path) -> None:
    """Numbers stored as numbers, never the text "inf"; weeks as ISO labels."""
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert rows, sheet.title  # every sheet has at least its header
        header = rows[0]
        for row in rows[1:]:
            for title, value in zip(header, row, strict=False):
                assert not (isinstance(value, str) and value.lower() in ("inf", "-inf", "nan"))
                if title in ("week", "available_week", "arrival_week", "due_week", "order_week"):
                    assert isinstance(value, str) and "-W" in value, (sheet.title, title, value)
    risk = list(book["risk"].iter_rows(values_only=True))
    assert "never_runs_out" in risk[0]
