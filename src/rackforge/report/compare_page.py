"""The comparison page: the KPIs with their deltas, output, cost and late racks per scenario,
in the report's style (one self-contained HTML file, plotly.js inlined)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from rackforge import __version__
from rackforge.compare import Comparison, delta_text, kpi_text
from rackforge.report.collect import weekly_output
from rackforge.report.figures import LAYOUT, Figure
from rackforge.report.html import render_html, write_html


def kpi_rows(cmp: Comparison) -> list[list[str]]:
    """One row per KPI: name, unit, value per scenario, then delta per scenario after the base."""
    rows = []
    for kpi, values in cmp.kpis.items():
        unit = cmp.units[kpi]
        deltas = [delta_text(cmp.delta(kpi, i), unit) for i in range(1, len(values))]
        rows.append([kpi, unit, *(kpi_text(v, unit) for v in values), *deltas])
    return rows


def kpi_header(cmp: Comparison) -> list[str]:
    return ["kpi", "unit", *cmp.names, *(f"Δ {n}" for n in cmp.names[1:])]


def _kpi_table(cmp: Comparison) -> Figure:
    rows = kpi_rows(cmp)
    fig = go.Figure(
        go.Table(
            header={"values": kpi_header(cmp), "align": "left"},
            cells={"values": list(map(list, zip(*rows, strict=True))), "align": "left"},
        )
    )
    fig.update_layout(**{**LAYOUT, "height": 60 + 26 * len(rows)})
    first = cmp.sentences()[0] if len(cmp.names) > 1 else ""
    return Figure("kpis", "KPIs side by side (Δ: against the base)", first, fig)


def _output(cmp: Comparison) -> Figure:
    fig = go.Figure()
    for name, job in zip(cmp.names, cmp.jobs, strict=True):
        weekly = weekly_output(job).groupby("week_label", sort=False)[["demand", "planned"]].sum()
        fig.add_scatter(x=weekly.index, y=weekly["planned"], name=f"{name}: planned", mode="lines")
        fig.add_scatter(
            x=weekly.index,
            y=weekly["demand"],
            name=f"{name}: demand",
            mode="lines",
            line={"dash": "dot"},
        )
    fig.update_layout(yaxis_title="racks a week", **LAYOUT)
    ceilings = [v for v in cmp.kpis["sustainable_racks_per_week"] if v is not None]
    takeaway = (
        "Sustainable racks a week: "
        + ", ".join(
            f"{n} {kpi_text(v, 'racks')}"
            for n, v in zip(cmp.names, cmp.kpis["sustainable_racks_per_week"], strict=True)
        )
        + "."
        if ceilings
        else "Planned rack output per week in each scenario."
    )
    return Figure("output", "Planned rack output and demand per scenario", takeaway, fig)


def _cost(cmp: Comparison) -> Figure:
    parts = [k for k in cmp.kpis if k.startswith("cost_") and k != "cost_total"]
    fig = go.Figure()
    for part in parts:
        fig.add_bar(x=cmp.names, y=[v or 0.0 for v in cmp.kpis[part]], name=part[5:])
    fig.update_layout(barmode="stack", yaxis_title=cmp.units.get("cost_total", ""), **LAYOUT)
    moved = [
        (part[5:], d)
        for part in parts
        for i in range(1, len(cmp.names))
        if (d := cmp.delta(part, i)) is not None and abs(d) > 0.5
    ]
    moved.sort(key=lambda pd_: -abs(pd_[1]))
    takeaway = (
        "Largest cost changes against the base: "
        + ", ".join(f"{p} {d:+,.0f}" for p, d in moved[:3])
        + "."
        if moved
        else "The cost parts are the same in every scenario."
    )
    return Figure("cost", "Cost by part per scenario", takeaway, fig)


def _late(cmp: Comparison) -> Figure | None:
    if not cmp.late_by_customer:
        return None
    table = pd.DataFrame(cmp.late_by_customer, index=cmp.names).T
    fig = go.Figure()
    for name in cmp.names:
        fig.add_bar(x=table.index, y=table[name], name=name)
    fig.update_layout(barmode="group", yaxis_title="late or lost racks", **LAYOUT)
    causes = ", ".join(
        f"{cause} ({max(v):,.0f} racks)" for cause, v in list(cmp.late_by_cause.items())[:3]
    )
    takeaway = f"Late or lost racks by customer; the plan names as causes: {causes or 'none'}."
    return Figure("late", "Late or lost racks by customer per scenario", takeaway, fig)


def compare_figures(cmp: Comparison) -> list[Figure]:
    found = [_kpi_table(cmp), _output(cmp), _cost(cmp), _late(cmp)]
    return [f for f in found if f is not None]


def write_compare_html(cmp: Comparison, path: str | os.PathLike[str]) -> Path:
    """Write the comparison page atomically."""
    meta = (
        f"{len(cmp.names)} scenarios, base {cmp.names[0]}; rackforge {__version__}; "
        f"written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    lines = cmp.sentences() + cmp.notes
    title = f"rackforge compare: {' vs '.join(cmp.names)}"
    return write_html(path, render_html(title, meta, lines, compare_figures(cmp)))
