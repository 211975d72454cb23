"""A MIP that ends without an incumbent still gives the plan that exists: the relaxation with
its orders rounded, improved by branch and cut from that start, with a gap against a proven
bound (the LP relaxation's objective is a lower bound on the MIP's)."""

from __future__ import annotations

import pytest

from rackforge import load_scenario
from rackforge.plan import PlanOptions, PlanStatus, plan


def test_a_mip_out_of_time_before_any_incumbent_still_plans() -> None:
    s = load_scenario("us-ai-racks")  # 128 order binaries (minimum order quantities)
    full = plan(s, PlanOptions(explain=False))
    assert full.info.mip and full.status is PlanStatus.OPTIMAL
    # no time at all for branch and cut: HiGHS stops before its first incumbent
    rushed = plan(s, PlanOptions(time_limit_s=1e-6, explain=False))
    assert rushed.has_plan, rushed.message
    assert "relaxation and rounding" in rushed.info.solver_status
    assert "rounded orders" in rushed.message
    assert rushed.info.gap is not None and rushed.info.gap >= 0.0
    # a valid plan costs no less than the optimum, and its bound is no more than it
    slack = 1e-6 * full.objective + (full.info.gap or 0.0) * full.objective
    assert rushed.objective >= full.objective - slack
    bound = rushed.objective * (1.0 - rushed.info.gap)
    assert bound <= full.objective + slack
    assert rushed.kpis is not None and rushed.kpis.fill_rate == pytest.approx(1.0, abs=1e-3)
