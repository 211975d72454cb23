"""The README's cross-checks against peer libraries, run in the suite on small instances:
the planner's model built again in Pyomo (bench/plan_vs_pyomo.py) gives the same optimum, and
the twin agrees with SimPy on the same line (bench/twin_vs_simpy.py) within the 95%
confidence intervals of both."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from rackforge import load_scenario
from rackforge.plan import PlanOptions, plan
from rackforge.plan.network import build_network
from rackforge.twin import estimate

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", ["tiny", "bundled-lp"])
def test_the_plan_built_in_pyomo_has_the_same_optimum(size: str) -> None:
    peer = bench("plan_vs_pyomo")
    s = load_scenario("tiny") if size == "tiny" else peer.scenario_for(size)
    ours = plan(s, PlanOptions(explain=False))
    theirs = peer.solve_pyomo(peer.pyomo_model(build_network(s), PlanOptions()))
    assert not math.isnan(theirs)
    assert ours.objective == pytest.approx(theirs, rel=1e-6)


def test_the_twin_and_simpy_agree_on_the_bench_line() -> None:
    peer = bench("twin_vs_simpy")
    hours, warmup, reps = 3000.0, 500.0, 6
    seeds = np.random.SeedSequence(11).spawn(2 * reps)
    spec = peer.rackforge_line()
    ours = [peer.rackforge_replication(spec, hours, warmup, s) for s in seeds[:reps]]
    theirs = [peer.simpy_replication(hours, warmup, s) for s in seeds[reps:]]
    a = estimate([float(np.mean(r.cycle)) for r in ours])
    b = estimate([float(np.mean(r.cycle)) for r in theirs])
    # independent runs: the difference of means within the combined 95% half-widths
    assert abs(a.mean - b.mean) <= math.hypot(a.ci95, b.ci95)
    ta = np.mean([len(r.cycle) for r in ours]) / (hours - warmup)
    tb = np.mean([len(r.cycle) for r in theirs]) / (hours - warmup)
    assert ta == pytest.approx(tb, rel=0.05)  # both near the release rate of 1 an hour
