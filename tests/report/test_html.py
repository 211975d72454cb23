"""The report renders in a real browser: every figure drawn, no script error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rackforge.report import figures as F
from rackforge.report.browser import check_report, find_chromium
from rackforge.report.html import render_html, write_html

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def sample_figures() -> list[F.Figure]:
    weekly = pd.DataFrame(
        {
            "week_label": ["2026-W01", "2026-W02"] * 2,
            "generation": ["gb300", "gb300", "vr", "vr"],
            "demand": [10.0, 12.0, 0.0, 4.0],
            "planned": [10.0, 11.0, 0.0, 2.0],
        }
    )
    nodes = pd.DataFrame(
        {
            "target": ["sup-a", "plant-b"],
            "kind": ["supplier", "site"],
            "tts_weeks": [2.0, 6.0],
            "ttr_weeks": [4.0, 2.0],
            "impact_units": [30.0, 0.0],
            "exposed": [True, False],
        }
    )
    return [
        F.demand_vs_output(weekly),
        F.risk_matrix(nodes),
        F.fill_rate_distribution(np.linspace(0.7, 1, 50)),
    ]


def test_takeaways_are_computed_from_the_data() -> None:
    output, risk, stress = sample_figures()
    # last 4 weeks (here: both): demand 26, planned 23 -> 3 racks short
    assert "3 racks short" in output.takeaway
    assert "1 node(s)" in risk.takeaway and "sup-a" in risk.takeaway
    assert "50 scenarios" in stress.takeaway


def test_html_is_self_contained(tmp_path: Path) -> None:
    html = render_html("Report", "meta", ["line"], sample_figures())
    assert "<script src=" not in html  # plotly.js is inlined: the file opens offline
    assert html.count('class="figure"') == 3


@needs_chromium
def test_every_figure_renders_in_chromium(tmp_path: Path) -> None:
    path = write_html(tmp_path / "report.html", render_html("Report", "m", ["x"], sample_figures()))
    check = check_report(path, CHROMIUM or "")
    assert check == (3, 3, 0) or (check.figures, check.rendered, check.errors) == (3, 3, 0)


@needs_chromium
def test_a_script_error_is_detected(tmp_path: Path) -> None:
    html = render_html("Report", "m", ["x"], sample_figures()).replace(
        "</body>", "<script>undefinedFunction();</script></body>"
    )
    check = check_report(write_html(tmp_path / "bad.html", html), CHROMIUM or "")
    assert check.errors >= 1
