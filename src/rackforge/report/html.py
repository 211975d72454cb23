"""The self-contained HTML report: plotly.js inlined once, one section per figure."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import plotly.io as pio
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from rackforge._atomic import atomic_target
from rackforge.report.figures import Figure

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("rackforge.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def render_html(title: str, meta: str, summary: list[str], figures: list[Figure]) -> str:
    """The report as one HTML string that opens offline (no network needed)."""
    parts = [
        {
            "id": f.id,
            "title": f.title,
            "takeaway": f.takeaway,
            "html": pio.to_html(
                f.figure, include_plotlyjs=False, full_html=False, div_id=f"fig-{f.id}"
            ),
        }
        for f in figures
    ]
    template = _ENV.get_template("report.html.j2")
    plotly_js = Markup(get_plotlyjs())
    return template.render(
        title=title, meta=meta, summary=summary, figures=parts, plotly_js=plotly_js
    )


def write_html(path: str | os.PathLike[str], html: str) -> Path:
    """Write atomically: a reader never sees half a report."""
    with atomic_target(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)
