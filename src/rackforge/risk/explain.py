"""Why the resilience LP and the stress test can rank a node differently, in a sentence each.

The two engines answer different questions under different policies:

* ``rackforge risk`` (:mod:`rackforge.risk.ttr`): one outage of the node, certain, lasting its
  TTR, answered by an LP that knows it from its first week and re-plans the whole network
  (buys ahead where it can, re-routes, moves production): the best response;
* ``rackforge stress`` (:mod:`rackforge.risk.simulate`): random outages at the risk table's
  rates, met by a policy that follows the undisrupted plan week by week with catch-up and
  re-routing to what other sources have spare that week: no foresight.

So a node can be safe in the LP and costly in stress (re-planning would save its losses), or
costly in the LP and cheap in stress (it is seldom down). :func:`differences` names both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rackforge.risk.disruptions import DurationModel
from rackforge.risk.stress import StressResult
from rackforge.risk.ttr import RiskReport
from rackforge.scenario import Scenario

#: Units below which a loss counts as none.
NO_LOSS = 0.5
#: A node costs "little" in stress when its expected loss is under this share of one LP outage.
SELDOM = 0.1


@dataclass(frozen=True)
class Difference:
    target: str
    sentence: str
    gap_units: float  # how far apart the two answers are, for ranking


def differences(
    report: RiskReport, stress: StressResult, scenario: Scenario, top: int = 5
) -> tuple[Difference, ...]:
    """The nodes of the risk table the two engines disagree on, largest gap first (a node
    without a row is assessed by the LP at the default TTR but never disrupted in stress)."""
    lost = {c.target: c for c in stress.top_contributors}
    rate = dict(
        zip(scenario.risk["target"], scenario.risk["annual_prob"].astype(float), strict=True)
    )
    out: list[Difference] = []
    for node in report.nodes:
        if not node.ttr_from_risk_table:
            continue
        c = lost.get(node.target)
        expected = c.expected_lost_units if c is not None else 0.0
        ttr = f"{node.ttr_weeks:g}-week"
        if node.impact_units < NO_LOSS and expected >= 1.0:
            assert c is not None
            if math.isinf(node.tts_weeks):
                why = (
                    "the LP re-plans around the outage for good (buying ahead, re-routing, "
                    "moving production), the week-by-week plan cannot: re-planning at the "
                    "first week of an outage saves that"
                )
            else:
                longer = outlasting(stress.duration, node.ttr_weeks, node.tts_weeks)
                why = (
                    f"the LP's stock and sources last {node.tts_weeks:.1f} weeks, past one "
                    f"outage of exactly {node.ttr_weeks:g}; in stress {longer:.0%} of its "
                    "outages last longer, a second can come before the stock is rebuilt, and "
                    "the plan is followed week by week without foresight"
                )
            out.append(
                Difference(
                    node.target,
                    f"{node.target}: the LP loses nothing in a {ttr} outage, stress loses "
                    f"{c.lost_per_down_week:,.0f} units a down-week ({expected:,.0f} expected): "
                    f"{why}.",
                    expected,
                )
            )
        elif node.impact_units >= 1.0 and expected < SELDOM * node.impact_units:
            r = rate.get(node.target, 0.0)
            why = (
                "it has no disruption rate in the risk table, so stress never takes it down"
                if r <= 0
                else f"at {r:g} disruptions a year it is down "
                f"{c.mean_down_weeks if c is not None else 0.0:.1f} weeks of the horizon on "
                "average, where the LP takes one outage as certain"
            )
            out.append(
                Difference(
                    node.target,
                    f"{node.target}: one {ttr} outage loses {node.impact_units:,.0f} units in "
                    f"the LP, stress expects {expected:,.0f}: {why}.",
                    node.impact_units - expected,
                )
            )
    out.sort(key=lambda d: (-d.gap_units, d.target))
    return tuple(out[:top])


def outlasting(duration: DurationModel, ttr: float, weeks: float) -> float:
    """Share of stress outages longer than ``weeks`` (:mod:`rackforge.risk.disruptions`):
    geometric ``P(D > k) = (1 - 1/TTR)^k`` for whole weeks ``k = floor(weeks)``, fixed 0 or 1."""
    k = math.floor(weeks)
    if duration is DurationModel.FIXED:
        return 1.0 if max(1, round(ttr)) > k else 0.0
    return float((1.0 - 1.0 / max(ttr, 1.0)) ** k)
