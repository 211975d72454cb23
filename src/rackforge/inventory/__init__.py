"""Guaranteed-service safety-stock placement (Graves & Willems 2000; Humair & Willems 2011).

>>> from rackforge.inventory import Arc, GSMNetwork, Stage, optimize
>>> network = GSMNetwork(
...     stages=(
...         Stage("part", processing_time=4, cost_added=10),
...         Stage("shop", processing_time=1, cost_added=5, demand_mean=10, demand_std=3,
...               max_service_time=0),
...     ),
...     arcs=(Arc("part", "shop"),),
...     holding_rate=0.2,
... )
>>> result = optimize(network)
>>> result.status.value, round(result.total_cost, 2)
('optimal', 33.1)
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.inventory.model import (
        DEFAULT_Z,
        Arc,
        GSMDataError,
        GSMError,
        GSMNetwork,
        Stage,
    )
    from rackforge.inventory.problem import TimeRounding
    from rackforge.inventory.results import (
        GSMOptions,
        GSMResult,
        Method,
        SolveStatus,
        StageResult,
    )
    from rackforge.inventory.solve import optimize
    from rackforge.inventory.textbook import read_textbook
    from rackforge.inventory.willems import read_willems

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DEFAULT_Z",
    "Arc",
    "GSMDataError",
    "GSMError",
    "GSMNetwork",
    "GSMOptions",
    "GSMResult",
    "Method",
    "SolveStatus",
    "Stage",
    "StageResult",
    "TimeRounding",
    "optimize",
    "read_textbook",
    "read_willems",
]
