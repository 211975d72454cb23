"""The report's figures: each a plotly figure with a one-line takeaway computed from its data.

Every builder takes plain tables (documented column names) so that the report does not depend
on how an engine stores its results; :mod:`rackforge.report.collect` adapts engine results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "height": 420,
}
_COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa")


@dataclass(frozen=True)
class Figure:
    """A figure of the report: an anchor id, a title, the takeaway and the plotly figure."""

    id: str
    title: str
    takeaway: str
    figure: go.Figure


def demand_vs_output(weekly: pd.DataFrame) -> Figure:
    """``weekly``: week_label, generation, demand, planned (rack units completed) and,
    optionally, delivered (rack units delivered on time, which may come from stock)."""
    fig = go.Figure()
    for generation, part in weekly.groupby("generation", sort=True):
        fig.add_bar(x=part["week_label"], y=part["planned"], name=f"planned {generation}")
    columns = [c for c in ("demand", "planned", "delivered") if c in weekly.columns]
    totals = weekly.groupby("week_label", sort=False)[columns].sum().reset_index()
    fig.add_scatter(x=totals["week_label"], y=totals["demand"], name="demand", mode="lines+markers")
    if "delivered" in totals.columns:
        fig.add_scatter(
            x=totals["week_label"],
            y=totals["delivered"],
            name="delivered on time",
            mode="lines",
            line={"dash": "dot"},
        )
    fig.update_layout(barmode="stack", yaxis_title="racks a week", **_LAYOUT)
    tail = totals.tail(4)
    demand = float(tail["demand"].sum())
    made = float(tail["planned"].sum())
    served = float(tail["delivered"].sum()) if "delivered" in tail.columns else made
    rate = made / max(len(tail), 1)
    if demand - served > 0.5:
        takeaway = (
            f"In the last 4 weeks {served:,.0f} of {demand:,.0f} racks demanded arrive on time: "
            f"{demand - served:,.0f} racks short; the plants make {rate:,.0f} a week."
        )
    elif demand - made > 0.5:
        takeaway = (
            f"In the last 4 weeks the plants make {rate:,.0f} racks a week against "
            f"{demand / max(len(tail), 1):,.0f} demanded; stock built earlier and racks in "
            f"transit cover the {demand - made:,.0f} racks between them, all on time."
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
    """``purchases``: country, value (purchase value before duty)."""
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
    """``table``: label, total_shadow_price (one row per bottleneck, as the planner ranks
    them: its weekly shadow prices summed)."""
    ranked = table.groupby("label", sort=False)["total_shadow_price"].sum()
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


def twin_today_vs_automated(twin: pd.DataFrame, weeks: tuple[str, ...] = ()) -> Figure:
    """``twin``: site, case (today/automated), throughput, throughput_ci95, cycle_time_h,
    cycle_time_ci95; ``weeks``: the plan weeks simulated (for the title)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "good units a week, all items (95% CI)",
            "mean cycle time, hours (95% CI)",
        ),
    )
    for i, (case, part) in enumerate(twin.groupby("case", sort=False)):
        colour = _COLOURS[i % len(_COLOURS)]
        for col, (value, ci) in enumerate(
            (("throughput", "throughput_ci95"), ("cycle_time_h", "cycle_time_ci95")), start=1
        ):
            fig.add_bar(
                x=part["site"],
                y=part[value],
                name=str(case),
                legendgroup=str(case),
                showlegend=col == 1,
                marker_color=colour,
                error_y={"type": "data", "array": part[ci].fillna(0.0).to_numpy()},
                row=1,
                col=col,
            )
    fig.update_layout(barmode="group", **_LAYOUT)
    takeaway = "Simulated throughput and cycle time by plant."
    pivot = twin.pivot_table(index="site", columns="case", values=["throughput", "cycle_time_h"])
    if len(pivot) and {"today", "automated"} <= set(pivot.columns.get_level_values(1)):
        t = pivot["throughput"]
        c = pivot["cycle_time_h"]
        gain = t["automated"].sum() / t["today"].sum() - 1 if t["today"].sum() > 0 else 0.0
        change = c["automated"] / c["today"] - 1
        best = change.idxmin()
        takeaway = (
            f"Automation changes throughput by {gain:+.1%} and cycle time by "
            f"{change.mean():+.0%} on average; most at {best} ({change[best]:+.0%})."
        )
    span = f" ({weeks[0]}..{weeks[-1]})" if weeks else ""
    return Figure(
        "twin", f"Factory twin: throughput and cycle time, today vs automated{span}", takeaway, fig
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
