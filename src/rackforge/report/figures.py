"""The report's figures: each a plotly figure with a one-line takeaway computed from its data.

Every builder takes plain tables (documented column names) so that the report does not depend
on how an engine stores its results; :mod:`rackforge.report.collect` adapts engine results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "height": 420,
}


@dataclass(frozen=True)
class Figure:
    """A figure of the report: an anchor id, a title, the takeaway and the plotly figure."""

    id: str
    title: str
    takeaway: str
    figure: go.Figure


def demand_vs_output(weekly: pd.DataFrame) -> Figure:
    """``weekly``: week_label, generation, demand, planned (rack units)."""
    fig = go.Figure()
    for generation, part in weekly.groupby("generation", sort=True):
        fig.add_bar(x=part["week_label"], y=part["planned"], name=f"planned {generation}")
    totals = weekly.groupby("week_label", sort=False)[["demand", "planned"]].sum().reset_index()
    fig.add_scatter(x=totals["week_label"], y=totals["demand"], name="demand", mode="lines+markers")
    fig.update_layout(barmode="stack", yaxis_title="racks a week", **_LAYOUT)
    tail = totals.tail(4)
    short = float((tail["demand"] - tail["planned"]).clip(lower=0).sum())
    rate = float(tail["planned"].mean())
    if short > 0.5:
        takeaway = (
            f"In the last 4 weeks the plan makes {rate:,.0f} racks a week against "
            f"{tail['demand'].mean():,.0f} demanded: {short:,.0f} racks short."
        )
    else:
        takeaway = f"The plan meets demand in the last 4 weeks at {rate:,.0f} racks a week."
    return Figure("output", "Rack demand vs planned output by generation", takeaway, fig)


def utilization_heatmap(util: pd.DataFrame) -> Figure:
    """``util``: site, resource, week_label, utilization (0..1)."""
    util = util.assign(row=util["site"] + " / " + util["resource"])
    grid = util.pivot_table(index="row", columns="week_label", values="utilization", sort=False)
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            colorscale="YlOrRd",
            zmin=0,
            zmax=1,
        )
    )
    fig.update_layout(**{**_LAYOUT, "height": max(420, 18 * len(grid) + 120)})
    mean = grid.mean(axis=1).sort_values(ascending=False)
    full = (grid >= 0.99).sum(axis=1).sort_values(ascending=False)
    top = mean.index[0] if len(mean) else "none"
    takeaway = (
        f"Busiest resource: {top} at {mean.iloc[0]:.0%} on average, "
        f"fully used in {int(full.get(top, 0))} of {grid.shape[1]} weeks."
        if len(mean)
        else "No capacitated resources."
    )
    return Figure("utilization", "Resource utilisation by plant and week", takeaway, fig)


def purchases_by_country(purchases: pd.DataFrame, domestic_share: float) -> Figure:
    """``purchases``: country, value (purchase value incl. duty)."""
    by = purchases.groupby("country")["value"].sum().sort_values(ascending=False)
    fig = go.Figure(go.Bar(x=list(by.index), y=by.to_numpy()))
    fig.update_layout(yaxis_title="purchase value", **_LAYOUT)
    top = by.index[0] if len(by) else "none"
    share = by.iloc[0] / by.sum() if len(by) and by.sum() > 0 else 0.0
    takeaway = (
        f"Domestic share {domestic_share:.1%}; largest source country {top} ({share:.0%} of value)."
    )
    return Figure("purchases", "Purchases by supplier country", takeaway, fig)


def bottlenecks(table: pd.DataFrame) -> Figure:
    """``table``: kind, id, week, shadow_price (one row per binding constraint and week)."""
    ranked = (
        table.assign(label=table["kind"] + " " + table["id"]).groupby("label")["shadow_price"].sum()
    )
    ranked = ranked.sort_values(ascending=True).tail(15)
    fig = go.Figure(go.Bar(x=ranked.to_numpy(), y=list(ranked.index), orientation="h"))
    fig.update_layout(
        xaxis_title="sum of shadow prices (cost saved per extra unit of capacity)", **_LAYOUT
    )
    if len(ranked):
        takeaway = f"The most valuable constraint to relax is {ranked.index[-1]} (sum of shadow prices {ranked.iloc[-1]:,.0f})."
    else:
        takeaway = "No constraint binds: capacity and supply are not what limits the plan."
    return Figure("bottlenecks", "Bottlenecks ranked by shadow price", takeaway, fig)


def twin_today_vs_automated(twin: pd.DataFrame) -> Figure:
    """``twin``: site, case (today/automated), throughput, throughput_ci95, cycle_time_h."""
    fig = go.Figure()
    for case, part in twin.groupby("case", sort=False):
        fig.add_bar(
            x=part["site"],
            y=part["throughput"],
            name=f"{case} throughput",
            error_y={"type": "data", "array": part["throughput_ci95"].to_numpy()},
        )
    fig.update_layout(barmode="group", yaxis_title="good units a week (95% CI)", **_LAYOUT)
    pivot = twin.pivot_table(index="site", columns="case", values="cycle_time_h")
    if {"today", "automated"} <= set(pivot.columns) and len(pivot):
        change = (pivot["automated"] / pivot["today"] - 1).mean()
        takeaway = (
            f"Automation changes mean cycle time by {change:+.0%} across the simulated plants."
        )
    else:
        takeaway = "Simulated throughput by plant."
    return Figure(
        "twin", "Factory twin: throughput and cycle time, today vs automated", takeaway, fig
    )


def risk_matrix(nodes: pd.DataFrame) -> Figure:
    """``nodes``: target, kind, tts_weeks, ttr_weeks, impact_units, exposed."""
    fig = go.Figure()
    for kind, part in nodes.groupby("kind"):
        size = 8 + 30 * np.sqrt(part["impact_units"] / max(nodes["impact_units"].max(), 1.0))
        fig.add_scatter(
            x=part["ttr_weeks"],
            y=part["tts_weeks"],
            mode="markers",
            name=str(kind),
            text=part["target"],
            marker={"size": size},
            hovertemplate="%{text}<br>TTR %{x} w, TTS %{y} w<extra></extra>",
        )
    top = float(max(nodes["ttr_weeks"].max(), nodes["tts_weeks"].max(), 1.0)) if len(nodes) else 1.0
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="TTS = TTR", line={"dash": "dot"})
    fig.update_layout(
        xaxis_title="time to recover (weeks)", yaxis_title="time to survive (weeks)", **_LAYOUT
    )
    exposed = nodes[nodes["exposed"]].sort_values("impact_units", ascending=False)
    if len(exposed):
        takeaway = (
            f"{len(exposed)} node(s) cannot be survived for their recovery time; worst: "
            f"{exposed['target'].iloc[0]} ({exposed['impact_units'].iloc[0]:,.0f} racks lost)."
        )
    else:
        takeaway = "Every node can be survived for its recovery time."
    return Figure("risk", "Time-to-survive vs time-to-recover", takeaway, fig)


def fill_rate_distribution(fill_rates: np.ndarray) -> Figure:
    """``fill_rates``: one fill rate (0..1) per Monte-Carlo scenario."""
    fig = go.Figure(go.Histogram(x=fill_rates, nbinsx=40))
    fig.update_layout(xaxis_title="fill rate", yaxis_title="scenarios", **_LAYOUT)
    p5, p50 = np.percentile(fill_rates, [5, 50]) if len(fill_rates) else (float("nan"),) * 2
    takeaway = f"Median fill rate {p50:.1%}; in the worst 5% of {len(fill_rates):,} scenarios it falls below {p5:.1%}."
    return Figure("stress", "Fill rate under random disruptions", takeaway, fig)


def safety_stock(stages: pd.DataFrame) -> Figure:
    """``stages``: stage, safety_stock, cost (annual holding cost of the safety stock)."""
    ranked = stages[stages["cost"] > 0].sort_values("cost").tail(20)
    fig = go.Figure(go.Bar(x=ranked["cost"], y=ranked["stage"], orientation="h"))
    fig.update_layout(xaxis_title="annual holding cost of safety stock", **_LAYOUT)
    total = float(stages["cost"].sum())
    held = int((stages["safety_stock"] > 0).sum())
    takeaway = f"Safety stock is held at {held} of {len(stages)} stages for {total:,.0f} a year."
    return Figure("inventory", "Safety stock by stage", takeaway, fig)
