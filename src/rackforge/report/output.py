"""Write a finished job to a folder: report.html, results.xlsx and one JSON per step.

Each file is written atomically (a temporary file renamed into place), so a reader never
sees half a file; the HTML report comes last, so it only appears once the rest is there.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rackforge import __version__
from rackforge._atomic import atomic_folder
from rackforge.documents import DocumentKind, write_document
from rackforge.job import JobResult, Step
from rackforge.report.collect import figures, step_documents, summary, workbook_tables
from rackforge.report.html import render_html, write_html
from rackforge.report.workbook import write_workbook

#: The document each step of the job writes (the twin step compares today with automated).
STEP_DOCUMENTS = {
    Step.ROADMAP: DocumentKind.ROADMAP,
    Step.PLAN: DocumentKind.PLAN,
    Step.TWIN: DocumentKind.TWIN_COMPARE,
    Step.EXECUTE: DocumentKind.EXECUTE,
    Step.RISK: DocumentKind.RISK,
    Step.STRESS: DocumentKind.STRESS,
    Step.INVENTORY: DocumentKind.INVENTORY,
}


def write_outputs(job: JobResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the job's files as the folder ``folder`` (replaced as a whole, in one step:
    :func:`rackforge._atomic.atomic_folder`) and return their paths."""
    with atomic_folder(folder) as staging:
        names = [p.name for p in _write_all(job, staging)]
    return [Path(folder) / name for name in names]


def _write_all(job: JobResult, out: Path) -> list[Path]:
    written = []
    lines = summary(job)
    documents = {
        f"{step.value}.json": (STEP_DOCUMENTS[step], doc)
        for step, doc in step_documents(job).items()
    }
    documents["summary.json"] = (
        DocumentKind.RUN_SUMMARY,
        {
            "scenario": job.scenario.config.name,
            "summary": lines,
            "seconds": {step.value: s for step, s in job.seconds.items()},
            "notes": list(job.notes),
        },
    )
    for name, (kind, doc) in documents.items():
        write_document(out / name, kind, doc)
        written.append(out / name)
    written.append(write_workbook(out / "results.xlsx", workbook_tables(job)))
    config = job.scenario.config
    meta = (
        f"scenario {config.name} ({job.scenario.source or 'in memory'}), "
        f"{config.start} + {config.horizon_weeks} weeks; rackforge {__version__}; "
        f"written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    html = render_html(f"rackforge: {config.name}", meta, lines, figures(job))
    written.append(write_html(out / "report.html", html))
    return written
