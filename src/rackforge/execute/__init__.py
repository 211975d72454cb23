"""The executed plan: plan, execute some weeks with what really happens (breakdowns, yields,
supply delays, disruptions, the scenario's events), re-plan from where things stand, and learn
which orders are at risk and why. See ``docs/execute.md``.

Typical use::

    from rackforge import load_scenario
    from rackforge.execute import ExecuteOptions, execute
    result = execute(load_scenario(None), ExecuteOptions(replications=10, replan_every=4))
    result.fill_rate_summary(), result.at_risk(5)
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.execute.loop import execute, initial_state, run_replication
    from rackforge.execute.options import ExecuteError, ExecuteOptions, Outage
    from rackforge.execute.result import ExecutionResult, Replication, wilson
    from rackforge.execute.roll import rolled
    from rackforge.execute.rules import Rules, rules_of

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "ExecuteError",
    "ExecuteOptions",
    "ExecutionResult",
    "Outage",
    "Replication",
    "Rules",
    "execute",
    "initial_state",
    "rolled",
    "rules_of",
    "run_replication",
    "wilson",
]
