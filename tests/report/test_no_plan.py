"""Where the plan step finds no plan, every output of the job says so (and none pretends to
read a plan: no "nan%" share, no "No constraint binds")."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from rackforge import Scenario
from rackforge.job import JobOptions, JobResult
from rackforge.plan import PlanOptions, PlanStatus, plan
from rackforge.report.collect import figures, summary
from rackforge.report.output import write_outputs


def no_plan_job(tiny: Scenario) -> JobResult:
    # a hundred times tiny's demand, every unit due on time: no plan can exist
    flood = tiny.with_tables(demand=tiny.demand.assign(qty=tiny.demand["qty"] * 100))
    job = JobResult(scenario=flood, options=JobOptions())
    job.plan = plan(flood, PlanOptions(must_meet_demand=True))
    assert job.plan.status is PlanStatus.INFEASIBLE
    return job


def test_every_output_says_there_is_no_plan(tiny: Scenario, tmp_path: Path) -> None:
    job = no_plan_job(tiny)
    lines = summary(job)
    assert any(line.startswith("Plan infeasible:") for line in lines)
    for figure in figures(job):
        assert figure.takeaway.startswith("No plan (infeasible): ")
        assert "nan" not in figure.takeaway and "No constraint binds" not in figure.takeaway
    write_outputs(job, tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "No plan (infeasible)" in html and "nan%" not in html
    book = openpyxl.load_workbook(tmp_path / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "summary"
    cells = [str(c) for row in book["plan"].iter_rows(values_only=True) for c in row]
    assert "infeasible" in cells
    assert any("demand" in c for c in cells)  # the message names the conflicting family
    doc = json.loads((tmp_path / "summary.json").read_text())
    assert any("Plan infeasible" in line for line in doc["summary"])


def test_workbook_sheets_have_frozen_headers_and_filters(tmp_path: Path) -> None:
    import pandas as pd

    from rackforge.report.workbook import write_workbook

    path = write_workbook(
        tmp_path / "w.xlsx", {"a": pd.DataFrame({"x": [1.5, 2.0]}), "empty": pd.DataFrame()}
    )
    book = openpyxl.load_workbook(path)
    assert book["a"].freeze_panes == "A2" and book["a"].auto_filter.ref == "A1:A3"
    assert book["a"]["A2"].value == 1.5  # a number, not text
    assert book["empty"]["A1"].value == "note"  # no sheet without a header
