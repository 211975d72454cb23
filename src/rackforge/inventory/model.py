"""The guaranteed-service network: stages, arcs and their validation.

Notation follows Graves & Willems (2000, "Optimizing Strategic Safety Stock Placement in Supply
Chains", M&SOM 2(1):68-83): a stage ``j`` has a processing time ``T_j``, quotes an outbound
service time ``S_j`` to its customers and is quoted an inbound service time ``SI_j`` by its
suppliers; its net replenishment time is ``SI_j + T_j - S_j`` and it holds a base stock that covers
the demand bound over that time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rackforge.scenario import Problem, ScenarioError

if TYPE_CHECKING:  # networkx is imported where a graph is built: not at start-up
    import networkx as nx

#: Safety factor used where a demand stage gives none: the 95 % quantile of N(0, 1),
#: ``scipy.stats.norm.ppf(0.95)``.
DEFAULT_Z = 1.6448536269514722


class GSMError(ValueError):
    """A guaranteed-service network is inconsistent; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(self.problems[:30])
        more = len(self.problems) - 30
        super().__init__(shown + (f"\n... and {more} more" if more > 0 else ""))


class GSMDataError(ScenarioError):
    """A guaranteed-service input file is invalid; each problem names file, line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)


@dataclass(frozen=True)
class Stage:
    """One stage ``j`` of a guaranteed-service network.

    Attributes:
        name: unique id.
        processing_time: ``T_j``, the time the stage needs once its inputs are in (time units of
            the network, e.g. days).
        cost_added: ``c_j``, cost added per unit at the stage; the stage's cumulative cost is
            ``c_j + sum_i q_ij * C_i`` over its suppliers ``i`` (Graves & Willems 2000, sec. 2).
        demand_mean, demand_std: external demand per time unit at the stage (0 for internal
            stages).
        z: safety factor ``z_j`` of the demand bound ``z_j * sigma_j * sqrt(tau)``. ``None``: at a
            stage with external demand :data:`DEFAULT_Z`; at an internal stage the bound is
            pooled from the downstream demand stages' own ``z_d * sigma_d`` (Humair & Willems
            2011, appendix "demand propagation").
        max_service_time: ``sbar_j``, the most the stage may quote its customers (``None``: no
            limit; usually 0 at demand stages).
        inbound_service_time: ``SI`` quoted by the outside suppliers of the stage (a lower
            bound on ``SI_j``; 0 = raw material always available).
        holding_cost: holding cost per unit held for a year; ``None`` = the network's holding
            rate times the stage's cumulative cost.
        risk_pool: ``p`` of the l_p norm that pools the downstream standard deviations (2 =
            independent demands, square root of the sum of squares; 1 = no pooling).
        label: what the stage is, for explanations (e.g. "make rack-gb300 at plant-tx").
    """

    name: str
    processing_time: float
    cost_added: float = 0.0
    demand_mean: float = 0.0
    demand_std: float = 0.0
    z: float | None = None
    max_service_time: float | None = None
    inbound_service_time: float = 0.0
    holding_cost: float | None = None
    risk_pool: float = 2.0
    label: str = ""

    @property
    def has_demand(self) -> bool:
        return self.demand_mean > 0.0 or self.demand_std > 0.0


@dataclass(frozen=True)
class Arc:
    """``qty`` units of ``upstream`` go into each unit of ``downstream`` (BOM or transfer)."""

    upstream: str
    downstream: str
    qty: float = 1.0


@dataclass(frozen=True)
class GSMNetwork:
    """An acyclic network of stages; validated on construction (raises :class:`GSMError`).

    ``holding_rate`` is the annual holding cost as a share of a stage's cumulative cost;
    ``time_unit`` names the unit of processing and service times and of the demand rates.
    """

    stages: tuple[Stage, ...]
    arcs: tuple[Arc, ...] = ()
    holding_rate: float = 0.25
    time_unit: str = "day"
    name: str = ""
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "arcs", tuple(self.arcs))
        problems = _check(self)
        if problems:
            raise GSMError(problems)
        object.__setattr__(self, "index", {s.name: i for i, s in enumerate(self.stages)})

    def stage(self, name: str) -> Stage:
        return self.stages[self.index[name]]

    @property
    def is_tree(self) -> bool:
        """True when the undirected graph of stages and arcs has no cycle (a spanning tree or
        a forest): the case of Graves & Willems's dynamic program."""
        import networkx as nx

        components = int(nx.number_connected_components(self.graph().to_undirected()))
        return len(self.arcs) == len(self.stages) - components

    def graph(self) -> nx.DiGraph:
        import networkx as nx

        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(s.name for s in self.stages)
        g.add_edges_from((a.upstream, a.downstream) for a in self.arcs)
        return g


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _check_stage(s: Stage) -> list[str]:
    out: list[str] = []
    where = f"stage {s.name!r}"
    numbers = {
        "processing_time": s.processing_time,
        "cost_added": s.cost_added,
        "demand_mean": s.demand_mean,
        "demand_std": s.demand_std,
        "inbound_service_time": s.inbound_service_time,
    }
    for key, value in numbers.items():
        if not _finite(value) or value < 0:
            out.append(f"{where}: {key} must be a finite number >= 0, not {value!r}")
    optional = {"z": s.z, "max_service_time": s.max_service_time, "holding_cost": s.holding_cost}
    for key, opt in optional.items():
        if opt is not None and (not _finite(opt) or opt < 0):
            out.append(f"{where}: {key} must be a finite number >= 0 or None, not {opt!r}")
    if not _finite(s.risk_pool) or s.risk_pool < 1:
        out.append(f"{where}: risk_pool must be >= 1, not {s.risk_pool!r}")
    return out


def _check(network: GSMNetwork) -> list[str]:
    import networkx as nx

    problems: list[str] = []
    if not network.stages:
        problems.append("the network has no stages")
    if not _finite(network.holding_rate) or network.holding_rate < 0:
        problems.append(f"holding_rate must be a finite number >= 0, not {network.holding_rate}")
    names: set[str] = set()
    for s in network.stages:
        if not s.name:
            problems.append("a stage has an empty name")
        if s.name in names:
            problems.append(f"stage {s.name!r} appears twice")
        names.add(s.name)
        problems.extend(_check_stage(s))
    seen: set[tuple[str, str]] = set()
    for a in network.arcs:
        for end in (a.upstream, a.downstream):
            if end not in names:
                problems.append(f"arc {a.upstream!r} -> {a.downstream!r}: no stage {end!r}")
        if a.upstream == a.downstream:
            problems.append(f"arc {a.upstream!r} -> {a.downstream!r} is a loop")
        if (a.upstream, a.downstream) in seen:
            problems.append(f"arc {a.upstream!r} -> {a.downstream!r} appears twice")
        seen.add((a.upstream, a.downstream))
        if not _finite(a.qty) or a.qty <= 0:
            problems.append(f"arc {a.upstream!r} -> {a.downstream!r}: qty must be > 0")
    if not problems:
        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(names)
        g.add_edges_from((a.upstream, a.downstream) for a in network.arcs)
        if not nx.is_directed_acyclic_graph(g):
            cycle = nx.find_cycle(g)
            path = " -> ".join([str(u) for u, _ in cycle] + [str(cycle[0][0])])
            problems.append(f"the arcs form a cycle: {path}")
    return problems
