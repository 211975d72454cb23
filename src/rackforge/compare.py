"""Scenarios side by side: the same job run on each, its answers as KPIs with deltas against
the first (the base), what changed in the inputs and what changed in the answers.

Every KPI is read from the result the single-scenario commands print (``plan``'s KPIs and
cost, the ceiling's sustainable racks a week, ``run``'s twin, stress and safety stock), so a
figure in the comparison is the figure ``plan`` or ``run`` gives for that scenario. Racks are
counted over the demand rows of rack items. A KPI a step did not compute (stress without
``full``) is None.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from rackforge.job import JobOptions, JobResult, Step, run_job
from rackforge.plan.explain import Bottleneck
from rackforge.scenario import ItemKind, Scenario
from rackforge.scenario.diff import TableDiff, diff_scenarios

#: The job steps a plain comparison runs; ``full`` runs them all.
PLAN_STEPS = frozenset({Step.PLAN})

#: Each KPI's unit ("{c}" is the base scenario's currency).
KPI_UNITS: dict[str, str] = {
    "fill_rate": "share of demand on time",
    "on_time_racks": "racks",
    "late_racks": "racks",
    "lost_racks": "racks",
    "sustainable_racks_per_week": "racks a week",
    "cost_total": "{c}",
    "domestic_share": "share of purchase value",
    "twin_racks_per_week_today": "racks a week",
    "twin_automation_gain_racks_per_week": "racks a week",
    "risk_exposed_nodes": "nodes that cannot be survived for their recovery time",
    "stress_fill_rate_p5": "share of demand",
    "stress_fill_rate_p50": "share of demand",
    "safety_stock_cost": "{c} a year",
}


@dataclass(frozen=True)
class Change:
    """An answer's items (binding limits, lifts) that appear or vanish against the base."""

    scenario: str
    appeared: list[str]
    vanished: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "appeared": self.appeared, "vanished": self.vanished}


@dataclass
class Comparison:
    """The scenarios' jobs and what differs between them (module docstring)."""

    jobs: list[JobResult]
    names: list[str]
    kpis: dict[str, list[float | None]]
    units: dict[str, str]
    inputs: list[list[TableDiff]]  # per scenario after the base: its differences from it
    late_by_customer: dict[str, list[float]]
    late_by_cause: dict[str, list[float]]
    limits: list[Change]
    lifts: list[Change]
    notes: list[str] = field(default_factory=list)

    def delta(self, kpi: str, index: int) -> float | None:
        """Scenario ``index``'s KPI minus the base's (None where either is missing)."""
        values = self.kpis[kpi]
        base, value = values[0], values[index]
        return None if base is None or value is None else value - base

    def sentences(self) -> list[str]:
        """What each scenario changes, in a few words per scenario."""
        out = []
        for i, name in enumerate(self.names[1:], start=1):
            parts = []
            for kpi in (
                "fill_rate",
                "late_racks",
                "lost_racks",
                "sustainable_racks_per_week",
                "cost_total",
            ):
                d = self.delta(kpi, i)
                if d is not None and abs(d) > 1e-9:
                    unit = self.units[kpi]
                    parts.append(
                        f"{kpi.replace('_', ' ')} {d:+.1%}"
                        if unit.startswith("share")
                        else f"{kpi.replace('_', ' ')} {d:+,.0f} {unit}"
                    )
            limits = self.limits[i - 1]
            if limits.appeared:
                parts.append(f"newly binding: {', '.join(limits.appeared[:3])}")
            if limits.vanished:
                parts.append(f"no longer binding: {', '.join(limits.vanished[:3])}")
            changed = "; ".join(d.sentence() for d in self.inputs[i - 1]) or "no input changes"
            out.append(
                f"{name} against {self.names[0]}: {', '.join(parts) or 'the same answers'} "
                f"(inputs: {changed})."
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenarios": list(self.names),
            "sources": [job.scenario.source for job in self.jobs],
            "kpis": {k: list(v) for k, v in self.kpis.items()},
            "units": dict(self.units),
            "inputs": [
                {"scenario": name, "tables": [d.to_dict() for d in diffs]}
                for name, diffs in zip(self.names[1:], self.inputs, strict=True)
            ],
            "answers": {
                "summary": self.sentences(),
                "late_by_customer": {k: list(v) for k, v in self.late_by_customer.items()},
                "late_by_cause": {k: list(v) for k, v in self.late_by_cause.items()},
                "binding_limits": [c.to_dict() for c in self.limits],
                "lifts": [c.to_dict() for c in self.lifts],
            },
            "notes": list(self.notes),
        }


def kpi_text(value: float | None, unit: str) -> str:
    """A KPI as the terminal and the page print it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "unbounded"
    return f"{value:.1%}" if unit.startswith("share") else f"{value:,.0f}"


def delta_text(value: float | None, unit: str) -> str:
    """A KPI's delta; one that rounds to nothing is 0, without a sign."""
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:+.1%}" if unit.startswith("share") else f"{value:+,.0f}"
    return "0" if text.strip("+-0.%") == "" else text


def _names(scenarios: list[Scenario]) -> list[str]:
    """Each scenario's name, numbered where two share one."""
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        seen[s.config.name] = seen.get(s.config.name, 0) + 1
        n = seen[s.config.name]
        out.append(s.config.name if n == 1 else f"{s.config.name} ({n})")
    return out


def _rack_service(job: JobResult) -> pd.DataFrame | None:
    """The plan's service rows of rack demand, with each row's customer."""
    if job.plan is None or job.plan.tables is None:
        return None
    service = job.plan.tables.service
    racks = service[service["item"].isin(job.scenario.items_of_kind(ItemKind.RACK))]
    customer = job.scenario.demand.set_index("demand")["customer"]
    return racks.assign(customer=racks["demand"].map(customer).fillna(""))


def _kpis(job: JobResult) -> dict[str, float | None]:
    out: dict[str, float | None] = dict.fromkeys(KPI_UNITS)
    result, service = job.plan, _rack_service(job)
    if result is not None and result.kpis is not None and service is not None:
        out["fill_rate"] = result.kpis.fill_rate
        out["domestic_share"] = result.kpis.domestic_share
        for column in ("on_time", "late", "lost"):
            out[f"{column}_racks"] = float(service[column].sum())
        out["cost_total"] = sum(v for k, v in result.cost.items() if k != "total")
        for part, value in result.cost.items():
            if part != "total":
                out[f"cost_{part}"] = value
    if result is not None and result.ceiling is not None:
        out["sustainable_racks_per_week"] = result.ceiling.racks_per_week
    if job.twin is not None:
        racks = job.scenario.items_of_kind(ItemKind.RACK)
        out["twin_racks_per_week_today"] = job.twin.today.throughput_of(racks).mean
        out["twin_automation_gain_racks_per_week"] = job.twin.rack_gain_per_week.mean
    if job.risk is not None:
        out["risk_exposed_nodes"] = float(len(job.risk.exposed))
    if job.stress is not None:
        out["stress_fill_rate_p5"] = job.stress.fill_rate.p5
        out["stress_fill_rate_p50"] = job.stress.fill_rate.p50
    if job.inventory is not None:
        out["safety_stock_cost"] = job.inventory.total_cost
    return out


def _late_by_customer(job: JobResult) -> dict[str, float]:
    """Late plus lost racks by customer."""
    service = _rack_service(job)
    if service is None:
        return {}
    short = service.assign(short=service["late"] + service["lost"])
    grouped = short.groupby("customer")["short"].sum()
    return {str(k): float(v) for k, v in grouped.items() if v > 0}


def _late_by_cause(job: JobResult) -> dict[str, float]:
    """Late plus lost racks by the cause the plan names."""
    out: dict[str, float] = {}
    racks = set(job.scenario.items_of_kind(ItemKind.RACK))
    for d in job.plan.late if job.plan is not None else []:
        if d.item in racks:
            key = f"{d.cause.kind.value} {d.cause.id}"
            out[key] = out.get(key, 0.0) + d.late + d.lost
    return out


def _limit(b: Bottleneck, labels: tuple[str, ...]) -> str:
    where = " ".join(x for x in (b.id, b.item, f"at {b.site}" if b.site else "") if x)
    return f"{b.kind.value} {where} ({labels[b.first_week]}..{labels[b.last_week]})"


def _limits(job: JobResult) -> dict[str, str]:
    """The plan's binding limits, keyed without their weeks (so a limit that binds longer is
    the same limit), worded with them."""
    if job.plan is None:
        return {}
    labels = job.plan.week_labels
    return {
        f"{b.kind.value} {b.id} {b.item} {b.site}": _limit(b, labels) for b in job.plan.bottlenecks
    }


def _lifts(job: JobResult) -> dict[str, str]:
    found = job.plan.ceiling if job.plan is not None else None
    if found is None:
        return {}
    return {
        f"{x.table} {x.where} {x.column}": f"{x.table} {x.where} {x.column} {x.old:,.0f} -> "
        f"{x.new:,.0f}: {x.racks_per_week_after:,.0f} racks a week"
        for x in found.lifts
    }


def _changes(names: list[str], found: list[dict[str, str]]) -> list[Change]:
    base = found[0]
    return [
        Change(
            name,
            appeared=[text for key, text in other.items() if key not in base],
            vanished=[text for key, text in base.items() if key not in other],
        )
        for name, other in zip(names[1:], found[1:], strict=True)
    ]


def _by_scenario(found: list[dict[str, float]]) -> dict[str, list[float]]:
    keys = sorted({k for f in found for k in f}, key=lambda k: -max(f.get(k, 0.0) for f in found))
    return {k: [f.get(k, 0.0) for f in found] for k in keys}


def compare(
    scenarios: list[Scenario],
    full: bool = False,
    options: JobOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run the job on each scenario (the plan with its ceiling; every step with ``full``) and
    compare each with the first. ``progress(done, total)`` is called per scenario."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    opts = replace(options or JobOptions(), steps=frozenset(Step) if full else PLAN_STEPS)
    jobs: list[JobResult] = []
    for i, scenario in enumerate(scenarios):
        if progress:
            progress(i, len(scenarios))
        # a what-if differs from the first scenario in a few limits: its plan starts from the
        # first one's (rackforge.plan.lp.warm), which leaves each optimum as it is
        base = jobs[0].plan if jobs else None
        jobs.append(run_job(scenario, opts, warm=base.warm_start if base else None))
    if progress:
        progress(len(scenarios), len(scenarios))
    return compare_jobs(jobs)


def compare_jobs(jobs: list[JobResult], names: list[str] | None = None) -> Comparison:
    """Compare finished jobs (each with the steps it ran) with the first; ``names`` default to
    the scenarios' names."""
    scenarios = [job.scenario for job in jobs]
    names = names or _names(scenarios)
    rows = [_kpis(job) for job in jobs]
    keys = list(dict.fromkeys(k for row in rows for k in row))
    currency = scenarios[0].config.currency
    units = {k: KPI_UNITS.get(k, "{c}").format(c=currency) for k in keys}
    notes = [f"{name}: {note}" for name, job in zip(names, jobs, strict=True) for note in job.notes]
    if any(s.config.currency != currency for s in scenarios):
        notes.append("the scenarios' currencies differ: money is compared as stated")
    return Comparison(
        jobs=jobs,
        names=names,
        kpis={k: [row.get(k) for row in rows] for k in keys},
        units=units,
        inputs=[diff_scenarios(scenarios[0], s) for s in scenarios[1:]],
        late_by_customer=_by_scenario([_late_by_customer(job) for job in jobs]),
        late_by_cause=_by_scenario([_late_by_cause(job) for job in jobs]),
        limits=_changes(names, [_limits(job) for job in jobs]),
        lifts=_changes(names, [_lifts(job) for job in jobs]),
        notes=notes,
    )
