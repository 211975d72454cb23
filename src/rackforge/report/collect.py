"""From the job's engine results to the report: figure tables, figures, summary, workbook.

Every function reads a :class:`~rackforge.job.JobResult` and returns plain tables or
sentences; nothing here solves or simulates anything.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from rackforge.compare import compare_jobs, delta_text, kpi_text
from rackforge.job import JobResult, Step
from rackforge.plan.ceiling import cost_drivers
from rackforge.plan.orders import purchase_orders, supplier_summary
from rackforge.plan.tables import completions
from rackforge.report import figures as fig
from rackforge.risk.explain import differences
from rackforge.scenario import ItemKind
from rackforge.scenario.derived import rack_generations, racks_by_generation
from rackforge.twin import TwinResult


def weekly_output(job: JobResult) -> pd.DataFrame:
    """week_label, generation, demand, planned, delivered, stock: rack demand due, rack output
    completed (:func:`rackforge.plan.tables.completions`: work in process included), rack
    demand delivered on time and finished racks in stock at the end of the week (built ahead
    of their demand), by week and generation."""
    result = job.plan
    generation = rack_generations(job.scenario.items)
    due = racks_by_generation(job.scenario.demand, "week", "qty", generation)
    planned = on_time = stock = pd.Series(dtype=float)
    if result is not None and result.tables is not None:
        t = result.tables
        done = completions(t, job.scenario.receipts)
        planned = racks_by_generation(done, "week", "qty", generation)
        on_time = racks_by_generation(t.service, "week", "on_time", generation)
        stock = racks_by_generation(t.inventory, "week", "on_hand", generation)
    parts = {"demand": due, "planned": planned, "delivered": on_time, "stock": stock}
    table = pd.concat(parts, axis=1)
    every_week = pd.MultiIndex.from_product(
        [range(job.scenario.config.horizon_weeks), sorted(set(generation))],
        names=["week", "generation"],
    )
    table = table.reindex(every_week).fillna(0.0).reset_index()
    return table.assign(week_label=[job.scenario.week_label(int(w)) for w in table["week"]])[
        ["week_label", "generation", "demand", "planned", "delivered", "stock"]
    ]


def utilization(job: JobResult) -> pd.DataFrame:
    """site, resource, week_label, utilization of every capacitated resource in the plan."""
    if job.plan is None or job.plan.tables is None:
        return pd.DataFrame(columns=["site", "resource", "week_label", "utilization"])
    util = job.plan.tables.utilization
    util = util[np.isfinite(util["hours_available"]) & (util["hours_available"] > 0)]
    return util.assign(week_label=util["iso_week"])[
        ["site", "resource", "week_label", "utilization"]
    ]


def ceiling_resource(job: JobResult) -> str | None:
    """The limit the ceiling's first lift raises, as the heatmap names a resource
    (``site / resource``) or as ``table site/key`` for any other limit; None without one."""
    ceiling = job.plan.ceiling if job.plan is not None else None
    if ceiling is None or not ceiling.lifts:
        return None
    lift = ceiling.lifts[0]
    if lift.table == "resources":
        return f"{lift.key['site']} / {lift.key['resource']}"
    return f"{lift.table} {lift.where}"


def purchases(job: JobResult) -> pd.DataFrame:
    """country, value: pre-duty purchase value by supplier country."""
    if job.plan is None or job.plan.tables is None:
        return pd.DataFrame(columns=["country", "value"])
    return job.plan.tables.purchases[["country", "value"]]


def bottleneck_rows(job: JobResult) -> pd.DataFrame:
    """label, total_shadow_price, unit: the least-cost plan's binding limits (cost drivers)
    as the planner ranked them, each with the unit of its shadow price."""
    found = job.plan.bottlenecks if job.plan is not None else []
    drivers = cost_drivers(found, job.scenario.config.currency, top=len(found))
    return pd.DataFrame(
        {
            "label": [f"{d.kind} {d.id}" for d in drivers],
            "total_shadow_price": [d.value for d in drivers],
            "unit": [d.unit for d in drivers],
        },
        columns=["label", "total_shadow_price", "unit"],
    )


def twin_rows(job: JobResult) -> pd.DataFrame:
    """site, case, racks, racks_ci95, cycle_time_h, cycle_time_ci95, bottleneck: finished
    racks a week and the racks' mean cycle time of every plant, today and automated."""
    columns = [
        "site",
        "case",
        "racks",
        "racks_ci95",
        "cycle_time_h",
        "cycle_time_ci95",
        "bottleneck",
    ]
    rows: list[dict[str, Any]] = []
    if job.twin is not None:
        racks = job.scenario.items_of_kind(ItemKind.RACK)
        for case, result in (("today", job.twin.today), ("automated", job.twin.automated)):
            for site, totals in result.sites.items():
                made = result.throughput_of(racks, site)
                cycle = result.cycle_time_estimate(racks, site)
                rows.append(
                    {
                        "site": site,
                        "case": case,
                        "racks": made.mean,
                        "racks_ci95": made.ci95,
                        "cycle_time_h": cycle.mean,
                        "cycle_time_ci95": cycle.ci95,
                        "bottleneck": totals.bottleneck.resource if totals.bottleneck else "",
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def risk_rows(job: JobResult) -> pd.DataFrame:
    """target, kind, tts_weeks, ttr_weeks, impact_units, exposed, limited_by."""
    columns = ["target", "kind", "tts_weeks", "ttr_weeks", "impact_units", "exposed", "limited_by"]
    nodes = [] if job.risk is None else job.risk.nodes
    rows = [
        (n.target, n.kind.value, n.tts_weeks, n.ttr_weeks, n.impact_units, n.exposed, n.limited_by)
        for n in nodes
    ]
    return pd.DataFrame(rows, columns=columns)


def fill_rates(job: JobResult) -> np.ndarray:
    if job.stress is None or job.stress.demand_units <= 0:
        return np.zeros(0)
    return np.asarray(job.stress.delivered, dtype=float) / job.stress.demand_units


def stage_rows(job: JobResult) -> pd.DataFrame:
    """stage, source, service_time, nrt, safety_stock, cost of every guaranteed-service stage."""
    columns = ["stage", "source", "service_time", "nrt", "safety_stock", "cost"]
    stages = [] if job.inventory is None else job.inventory.stages
    rows = [(s.stage, s.label, s.service_time, s.nrt, s.safety_stock, s.cost) for s in stages]
    return pd.DataFrame(rows, columns=columns)


def no_plan_text(job: JobResult) -> str | None:
    """What every plan figure, table and line says when the plan step found no plan."""
    result = job.plan
    if result is None or result.has_plan:
        return None
    return f"No plan ({result.status.value}): {result.message}"


def figures(job: JobResult) -> list[fig.Figure]:
    """The report's figures, in reading order."""
    out = [
        fig.demand_vs_output(weekly_output(job), _ceiling(job)),
        fig.utilization_heatmap(utilization(job), ceiling_resource(job)),
        fig.purchases_by_country(purchases(job), _domestic_share(job)),
        fig.bottlenecks(bottleneck_rows(job)),
    ]
    missing = no_plan_text(job)
    if missing is not None:
        out = [replace(f, takeaway=missing) for f in out]
    if job.twin is not None:
        out.append(fig.twin_today_vs_automated(twin_rows(job), job.twin_weeks))
    if job.execute is not None:
        ex = job.execute
        top = str(ex.causes["cause"].iloc[0]) if len(ex.causes) else ""
        out.append(fig.plan_vs_actual(ex.weeks_table, ex.fill_rate_summary(), top))
    if job.risk is not None:
        out.append(fig.risk_matrix(risk_rows(job)))
    if job.stress is not None:
        out.append(fig.fill_rate_distribution(fill_rates(job)))
    if job.inventory is not None:
        out.append(fig.safety_stock(stage_rows(job)))
    return out


def _ceiling(job: JobResult) -> tuple[float, tuple[str, str]] | None:
    found = job.plan.ceiling if job.plan is not None else None
    return None if found is None else (found.racks_per_week, found.window)


def _domestic_share(job: JobResult) -> float:
    kpis = job.plan.kpis if job.plan is not None else None
    return kpis.domestic_share if kpis is not None else math.nan


def summary(job: JobResult) -> list[str]:
    """The answer in a few sentences, each computed from a step's result."""
    lines: list[str] = []
    money = job.scenario.config.currency
    if job.roadmap is not None:
        lines.append(_roadmap_line(job))
    result = job.plan
    if result is not None:
        if result.target is not None:
            lines.append(f"Target: {result.target.answer}.")
        if result.ceiling is not None:
            lines.append(f"Ceiling: {result.ceiling.sentence()}.")
            if result.ceiling.expansion is not None:
                text = result.ceiling.expansion.sentence(money)
                lines.append(f"Expansion: {text[0].upper()}{text[1:]}.")
        if result.kpis is not None:
            k = result.kpis
            total = sum(v for key, v in result.cost.items() if key != "total")
            lines.append(
                f"Plan {result.status.value}: cost {total:,.0f} {money}; fill rate {k.fill_rate:.1%} "
                f"({k.on_time_units:,.0f} of {k.demand_units:,.0f} units on time, "
                f"{k.late_units:,.0f} late, {k.lost_units:,.0f} lost); domestic share of "
                f"purchases {k.domestic_share:.1%}."
            )
        else:
            lines.append(f"Plan {result.status.value}: {result.message}")
        if result.bottlenecks:
            b = max(result.bottlenecks, key=lambda b: b.total_shadow_price)
            (driver,) = cost_drivers([b], money)
            lines.append(
                f"Largest cost driver: {driver.kind} {driver.id}, binding {b.binding_weeks} "
                f"weeks; its weekly shadow prices sum to {driver.value:,.0f} {driver.unit} "
                "(cost saved, not racks gained: the ceiling's lifts gain racks)."
            )
        if result.late:
            worst = max(result.late, key=lambda d: d.late + d.lost)
            lines.append(
                f"Late or lost: {len(result.late)} demand(s); worst {worst.demand} "
                f"({worst.late + worst.lost:,.0f} units): {worst.cause.text}."
            )
    lines.extend(_levers_line(job))
    lines.extend(_twin_line(job))
    lines.extend(_execute_line(job))
    if job.risk is not None:
        exposed = job.risk.exposed
        if exposed:
            names = ", ".join(f"{n.target} ({n.impact_units:,.0f} units)" for n in exposed[:3])
            lines.append(
                f"Risk: {len(exposed)} node(s) cannot be survived for their recovery time; "
                f"worst {names}."
            )
        else:
            lines.append("Risk: every node can be survived for its recovery time.")
    if job.stress is not None:
        f = job.stress.fill_rate
        losing = [c for c in job.stress.top_contributors if c.expected_lost_units > 0.5]
        behind = (
            f"largest contributor to losses {losing[0].target} "
            f"({losing[0].expected_lost_units:,.0f} units expected)"
            if losing
            else "no node loses demand"
        )
        lines.append(
            f"Stress ({job.stress.scenarios:,} scenarios): fill rate p5 {f.p5:.1%}, "
            f"p50 {f.p50:.1%}; {behind}."
        )
    if job.risk is not None and job.stress is not None:
        lines.extend(
            f"Risk and stress differ on {d.sentence}"
            for d in differences(job.risk, job.stress, job.scenario, top=3)
        )
    if job.inventory is not None:
        inv = job.inventory
        held = sum(1 for s in inv.stages if s.safety_stock > 0)
        lines.append(
            f"Safety stock ({inv.status.value}): {inv.total_cost:,.0f} {money} a year at "
            f"{held} of {len(inv.stages)} stages."
        )
    lines.extend(job.notes)
    return lines


def _levers_line(job: JobResult) -> list[str]:
    """With automation compare: what the levers change in the plan, in racks and money."""
    if job.plan is None or job.plan_today is None:
        return []
    today = replace(job, plan=job.plan_today, twin=None, risk=None, stress=None, inventory=None)
    found = compare_jobs([today, replace(today, plan=job.plan)], names=["today", "automated"])
    ceiling, cost = found.kpis["sustainable_racks_per_week"], found.kpis["cost_total"]
    short = [
        (found.kpis["late_racks"][i] or 0.0) + (found.kpis["lost_racks"][i] or 0.0) for i in (0, 1)
    ]
    money = job.scenario.config.currency
    why = ""
    lifts = job.plan.ceiling.lifts if job.plan.ceiling is not None else []
    if lifts and abs(found.delta("sustainable_racks_per_week", 1) or 0.0) < 0.5:
        levers = job.scenario.config.automation.touch_time_reduction
        touched = ", ".join(f"{k} hours" for k, v in levers.items() if v > 0) or "no hours"
        why = (
            f" (the ceiling is held by {lifts[0].table} {lifts[0].where}, which the levers, "
            f"acting on {touched}, do not touch)"
        )
    return [
        f"Automation (levers on vs off): the ceiling is {kpi_text(ceiling[1], 'racks')} racks a "
        f"week automated vs {kpi_text(ceiling[0], 'racks')} today{why}; plan cost "
        f"{delta_text(found.delta('cost_total', 1), money)} {money} "
        f"({kpi_text(cost[1], money)} vs {kpi_text(cost[0], money)}); late or lost racks "
        f"{short[1]:,.0f} vs {short[0]:,.0f}."
    ]


def _roadmap_line(job: JobResult) -> str:
    assert job.roadmap is not None
    road = job.roadmap
    racks = ", ".join(f"{n:,} {g}" for g, n in sorted(road.racks_by_generation().items()))
    mw = sum(w.facility_mw for w in road.workloads)
    in_horizon = sum(d.qty for d in road.demand)
    rack_items = job.scenario.items_of_kind(ItemKind.RACK)
    demand = job.scenario.demand
    own = float(demand.loc[demand["item"].isin(rack_items), "qty"].sum())
    use = "the plan includes them" if job.options.roadmap_demand else "reported, not planned"
    share = f"{in_horizon / own:.0%} of" if own > 0 else "against"
    return (
        f"Roadmap: {len(road.workloads)} workloads need {racks} racks and {mw:,.0f} MW of "
        f"facility power; {in_horizon:,.0f} racks fall in the horizon, {share} the "
        f"{own:,.0f} racks of demand in the scenario ({use})."
    )


def _twin_line(job: JobResult) -> list[str]:
    if job.twin is None:
        return []
    cmp = job.twin
    racks = job.scenario.items_of_kind(ItemKind.RACK)

    def neck(result: TwinResult) -> str:
        b = result.totals.bottleneck
        return f"{b.site}/{b.resource} at {b.utilization:.0%}" if b else "none"

    span = f" in {job.twin_weeks[0]}..{job.twin_weeks[-1]}" if job.twin_weeks else ""
    gain = cmp.rack_gain_per_week
    today = cmp.today.throughput_of(racks).mean
    released = sum(i.released_per_week.mean for i in cmp.today.items if i.item in racks)
    short = _short_part(cmp.automated, job.scenario.config.lead_time_cv)
    return [
        f"Twin{span}: {today:,.0f} racks a week today of {released:,.0f} released, rack cycle "
        f"time {cmp.today.cycle_time_of(racks):,.0f} h today and "
        f"{cmp.automated.cycle_time_of(racks):,.0f} h automated; busiest resource "
        f"{neck(cmp.today)} today, {neck(cmp.automated)} automated; automation adds "
        f"{gain.mean:+,.0f} ± {gain.ci95:,.0f} racks a week{short}."
    ]


def _short_part(result: TwinResult, cv: float) -> str:
    """The part that held the most units up at kitting, if any did."""
    if not result.shortages:
        return ""
    top = result.shortages[0]
    return (
        f"; short part {top.site}/{top.item} ({top.units_waiting.mean:,.0f} units waiting for "
        f"it on average; lead times drawn with cv {cv:g} where a row states none)"
    )


def _execute_line(job: JobResult) -> list[str]:
    ex = job.execute
    if ex is None:
        return []
    f = ex.fill_rate_summary()
    o = ex.options
    risky = ex.at_risk(1)
    worst = (
        f"; most at risk {risky['demand'].iloc[0]} "
        f"(on time in {risky['on_time_probability'].iloc[0]:.0%} of runs: "
        f"{risky['cause'].iloc[0]})"
        if len(risky)
        else "; every order on time in every run"
    )
    return [
        f"Executed ({o.weeks} weeks, {o.replications} runs, re-planned every {o.replan_every} "
        f"weeks): on-time fill rate p50 {f['p50']:.1%}, p5 {f['p5']:.1%}, against "
        f"{f['planned']:.1%} planned{worst}."
    ]


def workbook_tables(job: JobResult) -> dict[str, pd.DataFrame]:
    """Every table of the job, one sheet each; the first, ``summary``, holds the answer's
    sentences (and says so where there is no plan)."""
    tables: dict[str, pd.DataFrame] = {"summary": pd.DataFrame({"summary": summary(job)})}
    result = job.plan
    if result is not None and not result.has_plan:
        tables["plan"] = pd.DataFrame(
            {"status": [result.status.value], "message": [result.message]}
        )
    if job.roadmap is not None:
        tables["roadmap_runs"] = pd.DataFrame([w.to_dict() for w in job.roadmap.workloads])
        tables["roadmap_demand"] = pd.DataFrame([d.to_dict() for d in job.roadmap.demand])
    result = job.plan
    if result is not None and result.tables is not None:
        t = result.tables
        for name in ("production", "purchases", "transfers", "inventory", "deliveries"):
            tables[name] = getattr(t, name)
        tables["service"] = t.service
        tables["purchase_orders"] = purchase_orders(result)
        tables["suppliers"] = supplier_summary(result)
        tables["utilization"] = t.utilization
        tables["bottlenecks"] = result.binding
        late = result.to_dict()["late"]
        tables["late"] = pd.json_normalize(late) if late else pd.DataFrame()
    tables["output_vs_demand"] = weekly_output(job)
    tables["twin"] = twin_rows(job)
    if job.twin is not None:
        tables["twin_resources"] = _twin_resources(job)
        tables["twin_shortages"] = _twin_shortages(job)
    if job.execute is not None:
        tables["executed_weeks"] = job.execute.weeks_table
        tables["executed_orders"] = job.execute.orders
    tables["risk"] = risk_rows(job)
    if job.stress is not None:
        tables["stress_contributors"] = pd.DataFrame(
            [c.to_dict() for c in job.stress.top_contributors]
        )
    tables["safety_stock"] = stage_rows(job)
    tables["timings"] = pd.DataFrame(
        {"step": [s.value for s in job.seconds], "seconds": list(job.seconds.values())}
    )
    if "risk" in tables:
        risk = tables["risk"]
        tables["risk"] = risk.assign(never_runs_out=np.isinf(risk["tts_weeks"].astype(float)))
    return {name: _iso_weeks(frame, job) for name, frame in tables.items()}


#: Columns that hold a week of the plan as an offset from the start (not a duration).
WEEK_COLUMNS = ("week", "available_week", "arrival_week", "due_week", "order_week")


def _iso_weeks(frame: pd.DataFrame, job: JobResult) -> pd.DataFrame:
    """The planner's sheet: week offsets as ISO labels (``2026-W07``), in place of the
    offset and of a duplicate ``iso_week`` column."""
    weeks = [
        c for c in WEEK_COLUMNS if c in frame.columns and pd.api.types.is_integer_dtype(frame[c])
    ]
    if not weeks:
        return frame
    out = frame.assign(**{c: [job.scenario.week_label(int(w)) for w in frame[c]] for c in weeks})
    return out.drop(columns=["iso_week"]) if "iso_week" in out.columns and "week" in weeks else out


def _twin_resources(job: JobResult) -> pd.DataFrame:
    assert job.twin is not None
    rows = []
    for case, result in (("today", job.twin.today), ("automated", job.twin.automated)):
        for r in result.resources:
            rows.append(
                {
                    "case": case,
                    "site": r.site,
                    "resource": r.resource,
                    "units": r.units,
                    "utilization": r.utilization.mean,
                    "mean_queue": r.mean_queue.mean,
                    "mean_wait_h": r.mean_wait_h.mean,
                }
            )
    return pd.DataFrame(rows)


def _twin_shortages(job: JobResult) -> pd.DataFrame:
    """The parts that held the twin's units up at kitting, today and automated."""
    assert job.twin is not None
    rows = [
        {
            "case": case,
            "site": x.site,
            "item": x.item,
            "units_waiting": x.units_waiting.mean,
            "units_waiting_ci95": x.units_waiting.ci95,
            "shipped_short": x.shipped_short.mean,
        }
        for case, result in (("today", job.twin.today), ("automated", job.twin.automated))
        for x in result.shortages
    ]
    columns = ["case", "site", "item", "units_waiting", "units_waiting_ci95", "shipped_short"]
    return pd.DataFrame(rows, columns=columns)


def step_documents(job: JobResult) -> dict[Step, dict[str, Any]]:
    """The JSON document of each step that ran (the same as its own command's ``--json``)."""
    docs: dict[Step, Any] = {
        Step.ROADMAP: job.roadmap,
        Step.PLAN: job.plan,
        Step.TWIN: job.twin,
        Step.EXECUTE: job.execute,
        Step.RISK: job.risk,
        Step.STRESS: job.stress,
        Step.INVENTORY: job.inventory,
    }
    return {step: value.to_dict() for step, value in docs.items() if value is not None}
