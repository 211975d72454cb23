"""HiGHS is shared by the planner, the risk LPs and the safety-stock MIP: in one process they
must all solve (HiGHS keeps one thread scheduler per process) and none may print."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from rackforge.inventory import optimize
from rackforge.inventory.from_scenario import network_from_scenario
from rackforge.plan import plan
from rackforge.risk import assess
from rackforge.scenario import load_scenario

tiny = load_scenario("tiny")
statuses = [plan(tiny).status.value, assess(tiny).nodes[0].target]
statuses.append(optimize(network_from_scenario(tiny)).status.value)
statuses.append(plan(tiny).status.value)
import sys
sys.stderr.write(",".join(statuses))
"""


def test_engines_share_highs_in_one_process_silently() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "optimal,sup-us,optimal,optimal"
    assert done.stdout == ""  # no solver banner: a library prints nothing
