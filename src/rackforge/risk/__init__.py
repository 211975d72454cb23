"""Supply-chain resilience: time-to-survive / time-to-recover per node, and a Monte-Carlo
stress test of random disruptions on an array backend, locally or on Dask.

>>> from rackforge.scenario import load_scenario
>>> from rackforge.risk import assess, stress_test, StressOptions
>>> report = assess(load_scenario("tiny"))
>>> [n.target for n in report.nodes][:2]
['sup-us', 'plant-a']
>>> result = stress_test(load_scenario("tiny"), StressOptions(scenarios=2048, seed=1))
>>> 0.0 <= result.fill_rate.p5 <= 1.0
True
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.risk.backend import (
        ArrayOps,
        Backend,
        BackendUnavailable,
        array_ops,
        installed_backends,
    )
    from rackforge.risk.baseline import Baseline, BaselineError, plan_baseline
    from rackforge.risk.build import build_network
    from rackforge.risk.disruptions import DisruptionSampler, weekly_hazard
    from rackforge.risk.network import ArcKind, Network, NodeKind, RiskNode
    from rackforge.risk.options import (
        BLOCK,
        DEFAULT_TTR_WEEKS,
        DurationModel,
        RiskOptions,
        StressOptions,
    )
    from rackforge.risk.stress import (
        Contributor,
        Distribution,
        StressResult,
        StressStatus,
        stress_test,
    )
    from rackforge.risk.ttr import NodeRisk, NodeStatus, RiskReport, assess

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "BLOCK",
    "DEFAULT_TTR_WEEKS",
    "ArcKind",
    "ArrayOps",
    "Backend",
    "BackendUnavailable",
    "Baseline",
    "BaselineError",
    "Contributor",
    "DisruptionSampler",
    "Distribution",
    "DurationModel",
    "Network",
    "NodeKind",
    "NodeRisk",
    "NodeStatus",
    "RiskNode",
    "RiskOptions",
    "RiskReport",
    "StressOptions",
    "StressResult",
    "StressStatus",
    "array_ops",
    "assess",
    "build_network",
    "installed_backends",
    "plan_baseline",
    "stress_test",
    "weekly_hazard",
]
