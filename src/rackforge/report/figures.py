"""The report's figures: each a plotly figure with a one-line takeaway computed from its data.

Every builder takes plain tables (documented column names) so that the report does not depend
on how an engine stores its results; :mod:`rackforge.report.collect` adapts engine results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

LAYOUT = {
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


def demand_vs_output(
    weekly: pd.DataFrame, ceiling: tuple[float, tuple[str, str]] | None = None
) -> Figure:
    """``weekly``: week_label, generation, demand, planned (rack units completed) and,
    optionally, delivered (rack units delivered on time, which may come from stock) and stock
    (finished racks held at the end of the week: output built ahead of its demand);
    ``ceiling``: the sustainable racks a week and its window (first, last week label)."""
    fig = go.Figure()
    for generation, part in weekly.groupby("generation", sort=True):
        fig.add_bar(x=part["week_label"], y=part["planned"], name=f"planned {generation}")
    columns = [c for c in ("demand", "planned", "delivered", "stock") if c in weekly.columns]
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
    if "stock" in totals.columns:
        fig.add_scatter(
            x=totals["week_label"],
            y=totals["stock"],
            name="racks in stock, built ahead (end of week)",
            mode="lines",
            fill="tozeroy",
            line={"color": "rgba(120,120,120,0.8)"},
            fillcolor="rgba(120,120,120,0.15)",
        )
    if ceiling is not None and math.isfinite(ceiling[0]):
        labels = list(totals["week_label"])
        first, last = ceiling[1]
        if first in labels and last in labels:
            span = labels[labels.index(first) : labels.index(last) + 1]
            fig.add_scatter(
                x=span,
                y=[ceiling[0]] * len(span),
                name="ceiling: sustainable racks a week",
                mode="lines",
                line={"dash": "dash", "color": "black"},
            )
    fig.update_layout(barmode="stack", yaxis_title="racks a week (stock: racks)", **LAYOUT)
    tail = totals.tail(4)
    demand = float(tail["demand"].sum())
    made = float(tail["planned"].sum())
    served = float(tail["delivered"].sum()) if "delivered" in tail.columns else made
    rate = made / max(len(tail), 1)
    if demand - served > 0.5:
        takeaway = (
            f"In the last 4 weeks {served:,.0f} of {demand:,.0f} racks demanded arrive on time: "
            f"{demand - served:,.0f} racks short; the plan completes {rate:,.0f} a week."
        )
    elif demand - made > 0.5:
        takeaway = (
            f"In the last 4 weeks the plan completes {rate:,.0f} racks a week against "
            f"{demand / max(len(tail), 1):,.0f} demanded; stock built earlier and racks in "
            f"transit cover the {demand - made:,.0f} racks between them, all on time."
        )
    else:
        takeaway = f"The plan meets demand in the last 4 weeks at {rate:,.0f} racks a week."
    if ceiling is not None and math.isfinite(ceiling[0]) and ceiling[0] > rate + 0.5:
        takeaway += (
            f" The plants can complete {ceiling[0]:,.0f} a week in {ceiling[1][0]}.."
            f"{ceiling[1][1]}: the least-cost plan makes fewer at the end, from stock built ahead."
        )
    if "stock" in totals.columns and len(totals) and totals["stock"].max() > 0.5:
        peak = totals.loc[totals["stock"].idxmax()]
        takeaway += (
            f" Stock built ahead peaks at {peak['stock']:,.0f} racks in {peak['week_label']}."
        )
    return Figure("output", "Rack demand vs planned output by generation", takeaway, fig)


def utilization_heatmap(util: pd.DataFrame, ceiling_limit: str | None = None) -> Figure:
    """``util``: site, resource, week_label, utilization (0..1); ``ceiling_limit``: the
    resource row (``site / resource``) whose capacity sets the ceiling, or None."""
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
    fig.update_layout(**{**LAYOUT, "height": max(420, 18 * len(grid) + 120)})
    mean = grid.mean(axis=1).sort_values(ascending=False)
    full = (grid >= 0.99).sum(axis=1)
    if not len(mean):
        takeaway = "No capacitated resources."
    elif ceiling_limit is not None and ceiling_limit in grid.index:
        takeaway = (
            f"The ceiling is set by {ceiling_limit}: fully used in "
            f"{int(full[ceiling_limit])} of {grid.shape[1]} weeks "
            f"({mean[ceiling_limit]:.0%} on average). Busiest on average: {mean.index[0]} "
            f"at {mean.iloc[0]:.0%}."
        )
    else:
        top = mean.index[0]
        takeaway = (
            f"Busiest resource: {top} at {mean.iloc[0]:.0%} on average, "
            f"fully used in {int(full[top])} of {grid.shape[1]} weeks"
            + (
                f"; the ceiling is set by {ceiling_limit}, not a resource."
                if ceiling_limit
                else "."
            )
        )
    return Figure("utilization", "Resource utilisation by plant and week", takeaway, fig)


def purchases_by_country(purchases: pd.DataFrame, domestic_share: float) -> Figure:
    """``purchases``: country, value (purchase value before duty)."""
    by = purchases.groupby("country")["value"].sum().sort_values(ascending=False)
    fig = go.Figure(go.Bar(x=list(by.index), y=by.to_numpy()))
    fig.update_layout(yaxis_title="purchase value", **LAYOUT)
    top = by.index[0] if len(by) else "none"
    share = by.iloc[0] / by.sum() if len(by) and by.sum() > 0 else 0.0
    takeaway = (
        f"Domestic share {domestic_share:.1%}; largest source country {top} ({share:.0%} of value)."
    )
    return Figure("purchases", "Purchases by supplier country", takeaway, fig)


def bottlenecks(table: pd.DataFrame) -> Figure:
    """``table``: label, total_shadow_price, unit (one row per binding limit of the least-cost
    plan, its weekly shadow prices summed, in the unit of that limit). Shadow prices are cost
    drivers: what an extra unit of a limit saves, in its own unit, so the bars rank cost, not
    racks (the ceiling ranks limits in racks)."""
    ranked = table.sort_values("total_shadow_price", ascending=True).tail(15)
    fig = go.Figure(
        go.Bar(
            x=ranked["total_shadow_price"].to_numpy(),
            y=(ranked["label"].astype(str) + " (" + ranked["unit"].astype(str) + ")").tolist(),
            orientation="h",
        )
    )
    fig.update_layout(
        xaxis_title="sum of weekly shadow prices, each in the unit of its limit", **LAYOUT
    )
    if len(ranked):
        top = ranked.iloc[-1]
        takeaway = (
            f"The largest cost driver is {top['label']}: {top['total_shadow_price']:,.0f} "
            f"{top['unit']} (summed over weeks). It saves cost; it need not lift output."
        )
    else:
        takeaway = "No constraint binds: capacity and supply are not what limits the plan."
    return Figure(
        "bottlenecks", "Cost drivers: shadow prices of the least-cost plan", takeaway, fig
    )


def twin_today_vs_automated(twin: pd.DataFrame, weeks: tuple[str, ...] = ()) -> Figure:
    """``twin``: site, case (today/automated), racks (finished racks a week), racks_ci95,
    cycle_time_h (racks' mean cycle time), cycle_time_ci95; ``weeks``: the plan weeks
    simulated (for the title)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("racks completed a week (95% CI)", "rack cycle time, hours (95% CI)"),
    )
    for i, (case, part) in enumerate(twin.groupby("case", sort=False)):
        colour = _COLOURS[i % len(_COLOURS)]
        for col, (value, ci) in enumerate(
            (("racks", "racks_ci95"), ("cycle_time_h", "cycle_time_ci95")), start=1
        ):
            fig.add_bar(
                x=part["site"],
                y=part[value].fillna(0.0),
                name=str(case),
                legendgroup=str(case),
                showlegend=col == 1,
                marker_color=colour,
                error_y={"type": "data", "array": part[ci].fillna(0.0).to_numpy()},
                row=1,
                col=col,
            )
    fig.update_layout(barmode="group", **LAYOUT)
    takeaway = "Simulated racks a week and rack cycle time by plant."
    pivot = twin.pivot_table(index="site", columns="case", values=["racks", "cycle_time_h"])
    if len(pivot) and {"today", "automated"} <= set(pivot.columns.get_level_values(1)):
        t = pivot["racks"]
        c = pivot["cycle_time_h"]
        gain = t["automated"].sum() - t["today"].sum()
        change = (c["automated"] / c["today"] - 1).dropna()
        if len(change):
            best = change.idxmin()
            takeaway = (
                f"Automation changes output by {gain:+,.0f} racks a week "
                f"({t['today'].sum():,.0f} to {t['automated'].sum():,.0f}) and rack cycle time "
                f"by {change.mean():+.0%} on average; most at {best} ({change[best]:+.0%})."
            )
    span = f" ({weeks[0]}..{weeks[-1]})" if weeks else ""
    return Figure(
        "twin", f"Factory twin: racks and cycle time, today vs automated{span}", takeaway, fig
    )


#: Where a node that never runs out is drawn, as a multiple of the largest finite time.
_NEVER = 1.15


def risk_matrix(nodes: pd.DataFrame, label_top: int = 10) -> Figure:
    """``nodes``: target, kind, tts_weeks (inf: never runs out), ttr_weeks, impact_units,
    exposed. Points below the diagonal TTS = TTR are exposed; nodes that never run out are
    drawn on a row of their own above the finite ones; the exposed nodes and the
    ``label_top`` largest impacts carry their names."""
    tts = nodes["tts_weeks"].astype(float)
    ttr = nodes["ttr_weeks"].astype(float)
    finite = [v for v in (*tts[np.isfinite(tts)], *ttr[np.isfinite(ttr)]) if v >= 0]
    top = max([*finite, 1.0])
    never = top * _NEVER
    shown = nodes.assign(
        y=np.where(np.isfinite(tts), tts, never),
        x=np.where(np.isfinite(ttr), ttr, never),
        never=~np.isfinite(tts),
    )
    named = set(shown[shown["exposed"]]["target"]) | set(
        shown.sort_values("impact_units", ascending=False).head(label_top)["target"]
    )
    fig = go.Figure()
    biggest = max(float(nodes["impact_units"].max()) if len(nodes) else 0.0, 1.0)
    for (kind, runs_out), part in shown.groupby(["kind", ~shown["never"]], sort=True):
        size = 8 + 30 * np.sqrt(part["impact_units"].clip(lower=0) / biggest)
        fig.add_scatter(
            x=part["x"],
            y=part["y"],
            mode="markers+text",
            name=str(kind) if runs_out else f"{kind} (never runs out)",
            text=[t if t in named else "" for t in part["target"]],
            customdata=part["target"],
            textposition="top center",
            textfont={"size": 9},
            marker={"size": size, "symbol": "circle" if runs_out else "triangle-up"},
            hovertemplate="%{customdata}<br>TTR %{x:.1f} w, TTS %{y:.1f} w<extra></extra>",
        )
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="TTS = TTR", line={"dash": "dot"})
    fig.update_layout(
        xaxis_title="time to recover (weeks)",
        yaxis_title="time to survive (weeks; top row: never runs out)",
        **LAYOUT,
    )
    exposed = nodes[nodes["exposed"]].sort_values("impact_units", ascending=False)
    never_out = int(shown["never"].sum())
    if len(exposed):
        takeaway = (
            f"{len(exposed)} node(s) cannot be survived for their recovery time; worst: "
            f"{exposed['target'].iloc[0]} ({exposed['impact_units'].iloc[0]:,.0f} racks lost); "
            f"{never_out} of {len(nodes)} never run out."
        )
    else:
        takeaway = (
            f"Every node can be survived for its recovery time; {never_out} of {len(nodes)} "
            "never run out."
        )
    return Figure("risk", "Time-to-survive vs time-to-recover", takeaway, fig)


def plan_vs_actual(weeks: pd.DataFrame, fill: dict[str, float], top_cause: str) -> Figure:
    """``weeks``: iso_week, planned, made, made_p5, made_p95, delivered, late (racks a week,
    means over replications, ``rackforge.execute.ExecutionResult.weeks_table``); ``fill``: the
    fill-rate summary (planned, p5, p50); ``top_cause``: the cause of most units short."""
    x = weeks["iso_week"]
    fig = go.Figure()
    fig.add_scatter(x=x, y=weeks["made_p95"], mode="lines", line={"width": 0}, showlegend=False)
    fig.add_scatter(
        x=x,
        y=weeks["made_p5"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(99,110,250,0.2)",
        name="made, 5th-95th percentile",
    )
    fig.add_scatter(x=x, y=weeks["made"], mode="lines+markers", name="made (mean)")
    fig.add_scatter(x=x, y=weeks["planned"], mode="lines", name="planned", line={"dash": "dash"})
    fig.add_scatter(x=x, y=weeks["delivered"], mode="lines", name="delivered", line={"dash": "dot"})
    fig.add_bar(x=x, y=weeks["late"], name="past due, owed", opacity=0.4)
    fig.update_layout(yaxis_title="racks", **LAYOUT)
    planned = float(weeks["planned"].sum())
    share = float(weeks["made"].sum()) / planned if planned > 0 else float("nan")
    takeaway = (
        f"Executed with what really happens, the plants make {share:.0%} of the racks planned "
        f"over {len(weeks)} weeks; the on-time fill rate is {fill['p50']:.1%} (p50; p5 "
        f"{fill['p5']:.1%}) against {fill['planned']:.1%} planned"
        + (f"; most units short or late: {top_cause}." if top_cause else ".")
    )
    return Figure("execute", "The plan executed: planned vs made racks a week", takeaway, fig)


def fill_rate_distribution(fill_rates: np.ndarray) -> Figure:
    """``fill_rates``: one fill rate (0..1) per Monte-Carlo scenario."""
    fig = go.Figure(go.Histogram(x=fill_rates, nbinsx=40))
    fig.update_layout(xaxis_title="fill rate", yaxis_title="scenarios", **LAYOUT)
    p5, p50 = np.percentile(fill_rates, [5, 50]) if len(fill_rates) else (float("nan"),) * 2
    takeaway = f"Median fill rate {p50:.1%}; in the worst 5% of {len(fill_rates):,} scenarios it falls below {p5:.1%}."
    return Figure("stress", "Fill rate under random disruptions", takeaway, fig)


def safety_stock(stages: pd.DataFrame) -> Figure:
    """``stages``: stage, safety_stock, cost (annual holding cost of the safety stock)."""
    ranked = stages[stages["cost"] > 0].sort_values("cost").tail(20)
    fig = go.Figure(go.Bar(x=ranked["cost"], y=ranked["stage"], orientation="h"))
    fig.update_layout(xaxis_title="annual holding cost of safety stock", **LAYOUT)
    total = float(stages["cost"].sum())
    held = int((stages["safety_stock"] > 0).sum())
    takeaway = f"Safety stock is held at {held} of {len(stages)} stages for {total:,.0f} a year."
    return Figure("inventory", "Safety stock by stage", takeaway, fig)
