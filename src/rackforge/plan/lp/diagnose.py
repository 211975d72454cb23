"""Why no plan exists: relax the families of hard constraints one at a time.

Each family in turn gets an elastic slack on every row (``<=`` rows may exceed their limit,
``>=`` and ``=`` rows may fall short), and the model minimises the total slack (elastic programming,
Brown & Graves 1975; see Chinneck 2008, *Feasibility and Infeasibility in Optimization:
Algorithms and Computational Methods*, Springer). A family whose relaxation alone
makes the model feasible is reported with the rows it had to relax and by how much; if no
single family suffices, all are relaxed together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rackforge.plan.lp.model import PlanModel, build_model
from rackforge.plan.lp.readout import violations
from rackforge.plan.lp.solve import SolverSettings, SolveStatus, solve
from rackforge.plan.network import Network
from rackforge.plan.options import Family, PlanOptions


@dataclass(frozen=True)
class Conflict:
    """A hard-constraint row that had to be relaxed by ``violation`` to make a plan exist."""

    family: Family
    id: str
    site: str
    item: str
    week: int  # -1: not tied to a week
    violation: float
    limit: float


#: At most this many rows are reported per family.
MAX_ROWS = 20


def hard_families(pm: PlanModel) -> list[Family]:
    found = {rows.family for rows in pm.build.rows.values() if rows.family is not None}
    return [f for f in Family if f in found]


def _relaxed(
    net: Network, options: PlanOptions, settings: SolverSettings, elastic: frozenset[Family]
) -> list[Conflict] | None:
    pm = build_model(net, options, elastic)
    sol = solve(pm.model, settings)
    if not sol.has_solution or sol.status is SolveStatus.INFEASIBLE:
        return None
    frame = violations(pm, sol)
    if frame.empty:
        # A plan that needs no slack is no evidence against this family.
        return None
    out = []
    for family in sorted(elastic, key=lambda f: f.value):
        rows = frame[frame["kind"] == family.value].head(MAX_ROWS)
        out += [
            Conflict(
                family,
                str(r.id),
                str(r.site),
                str(r.item),
                int(r.week),
                float(r.violation),
                float(r.limit),
            )
            for r in rows.itertuples()
        ]
    return out


def _describe(conflicts: list[Conflict], label: Callable[[int], str]) -> str:
    parts = []
    for c in conflicts[:3]:
        when = f" in {label(c.week)}" if c.week >= 0 else ""
        parts.append(f"{c.family.value} {c.id}{when} by {c.violation:,.4g} (limit {c.limit:,.4g})")
    return "; ".join(parts)


def diagnose(
    pm: PlanModel,
    options: PlanOptions,
    settings: SolverSettings,
    label: Callable[[int], str],
) -> tuple[list[Conflict], str]:
    """Conflicting hard constraints of an infeasible model, and a message naming them."""
    families = hard_families(pm)
    if not families:
        return [], (
            "no plan exists, but no hard limit is involved: the stock balance itself "
            "cannot hold (check the opening stock and receipts)"
        )
    alone: list[tuple[Family, list[Conflict]]] = []
    for family in families:
        found = _relaxed(pm.build.net, options, settings, frozenset({family}))
        if found is not None:
            alone.append((family, found))
    if alone:
        text = " | ".join(f"{f.value}: {_describe(c, label)}" for f, c in alone)
        conflicts = [c for _, rows in alone for c in rows]
        return conflicts, (
            "hard constraints conflict; relaxing any one of these families "
            f"alone gives a plan: {text}"
        )
    found = _relaxed(pm.build.net, options, settings, frozenset(families))
    if found is None:
        return [], (
            "no plan was found, but relaxing the hard limits (together or one family at a "
            "time) names no row that must give way: the stock balance itself cannot hold "
            "(check the opening stock and receipts)"
        )
    names = ", ".join(f.value for f in families)
    return found, (
        f"hard constraints conflict; no single family explains it, relaxing "
        f"{names} together gives a plan: {_describe(found, label)}"
    )
