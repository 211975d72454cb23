"""A network prepared for the solvers: arrays, pooled demand, and times on an integer grid.

Service times are optimised on a grid of ``time_step`` time units. Graves & Willems (2000) and
Humair & Willems (2011) assume integer times; on that grid the optimum is exact whenever every
processing time, external inbound service time and maximum service time is a multiple of the
step (the constraint matrix is a network matrix, so with integer data some optimal solution is
integer). Other times are rounded as :class:`TimeRounding` says, and the result counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from rackforge.inventory.model import DEFAULT_Z, GSMNetwork

if TYPE_CHECKING:  # networkx is imported where a graph is built: not at start-up
    import networkx as nx

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_EPS = 1e-9


class TimeRounding(Enum):
    """How times that are not a multiple of the grid step are put on the grid.

    ``UP``: processing and external inbound service times are rounded up and maximum service
    times down, so a solution is feasible (and its stock sufficient) for the exact times.
    ``DOWN``: the other way round, a relaxation: its optimum is a lower bound on the optimum
    for the exact times (:func:`rackforge.inventory.optimize` uses it to bound an ``UP``
    answer). ``NEAREST``: every time to the nearest grid point.
    """

    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"


@dataclass(frozen=True)
class Demand:
    """Demand seen by every stage (Graves & Willems 2000, sec. 2; Humair & Willems 2011, app.).

    ``phi[j, d]`` units of stage ``j`` are needed per unit of demand at demand stage ``d`` (the
    sum over all paths of the product of arc quantities). Then ``mean_j = sum_d phi_jd mu_d``,
    ``std_j = (sum_d (phi_jd sigma_d)^p)^(1/p)`` and the demand-bound coefficient
    ``bound_j = (sum_d (phi_jd z_d sigma_d)^p)^(1/p)`` (or ``z_j * std_j`` when the stage gives
    its own ``z_j``), with ``p`` the stage's ``risk_pool`` (2: independent demands).
    """

    mean: FloatArray
    std: FloatArray
    bound: FloatArray  # z_j * sigma_j, the safety stock over one time unit

    @property
    def z(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.std > 0, self.bound / np.where(self.std > 0, self.std, 1), 0.0)


@dataclass(frozen=True)
class GridProblem:
    """Arrays of one network, times in grid steps (integers).

    ``coef[j] * sqrt(nrt_j)`` is stage ``j``'s annual holding cost of safety stock for a net
    replenishment time of ``nrt_j`` grid steps.
    """

    network: GSMNetwork
    step: float
    rounding: TimeRounding
    src: IntArray  # arc tails (upstream stage index)
    dst: IntArray  # arc heads
    order: IntArray  # a topological order of the stages
    T: IntArray  # processing time
    ext_in: IntArray  # lower bound on SI from outside suppliers
    smax: IntArray  # upper bound on S: min(max service time, M)
    M: IntArray  # longest replenishment time: T_j + max(ext_in_j, max_i M_i)
    cumulative_cost: FloatArray
    holding_cost: FloatArray  # per unit-year
    demand: Demand
    coef: FloatArray
    rounded_stages: int

    @property
    def n(self) -> int:
        return len(self.T)

    @cached_property
    def stage_costs(self) -> tuple[FloatArray, ...]:
        """Per stage ``k`` the matrix ``coef_k sqrt(SI + T_k - S)`` over ``S = 0..M_k`` (rows) and
        ``SI = 0..M_k - T_k`` (columns), ``inf`` where negative. It depends on ``SI - S`` only
        (Toeplitz), so each is a read-only strided view of one vector of ``2 M_k - T_k + 1``
        values."""
        top = int(self.M.max()) if self.n else 0
        roots = np.sqrt(np.arange(top + 1, dtype=np.float64))
        out = []
        for k in range(self.n):
            n_s, n_si = int(self.M[k]) + 1, int(self.M[k] - self.T[k]) + 1
            d = np.arange(-(n_s - 1), n_si) + int(self.T[k])
            vec = np.full(d.shape, math.inf)
            vec[d >= 0] = self.coef[k] * roots[d[d >= 0]]
            view: FloatArray = sliding_window_view(vec, n_si)[::-1]
            out.append(view)
        return tuple(out)

    def inbound(self, S: IntArray) -> IntArray:
        """``SI_j = max(ext_in_j, max over suppliers i of S_i)``: a stage starts as soon as its
        last input arrives (Graves & Willems 2000, constraint SI_j >= S_i)."""
        return _inbound(self.ext_in, self.src, self.dst, S)

    def nrt(self, S: IntArray) -> IntArray:
        """Net replenishment time ``max(SI_j + T_j - S_j, 0)`` in grid steps."""
        nrt: IntArray = np.maximum(self.inbound(S) + self.T - S, 0)
        return nrt

    def cost(self, S: IntArray) -> float:
        """Total annual safety-stock holding cost of outbound service times ``S``."""
        return float(np.sum(self.coef * np.sqrt(self.nrt(S))))

    @cached_property
    def exact(self) -> ExactTimes:
        """The network's times as given, off any grid."""
        stages = self.network.stages
        T = np.array([s.processing_time for s in stages], dtype=np.float64)
        ext_in = np.array([s.inbound_service_time for s in stages], dtype=np.float64)
        sbar = np.array(
            [math.inf if s.max_service_time is None else s.max_service_time for s in stages]
        )
        M = longest_replenishment(T, ext_in, self.order, self.src, self.dst)
        return ExactTimes(
            src=self.src,
            dst=self.dst,
            order=self.order,
            T=T,
            ext_in=ext_in,
            smax=np.minimum(sbar, M),
            M=M,
            coef=self.coef / math.sqrt(self.step),
        )


@dataclass(frozen=True)
class ExactTimes:
    """A network's times as given, in its time unit: ``T``, ``ext_in``, ``smax`` and ``M`` as
    in :class:`GridProblem`; ``coef_j sqrt(nrt_j)`` is the annual cost for ``nrt_j`` time
    units."""

    src: IntArray
    dst: IntArray
    order: IntArray
    T: FloatArray
    ext_in: FloatArray
    smax: FloatArray
    M: FloatArray
    coef: FloatArray

    def inbound(self, S: FloatArray) -> FloatArray:
        return _inbound(self.ext_in, self.src, self.dst, S)

    def nrt(self, S: FloatArray) -> FloatArray:
        return np.maximum(self.inbound(S) + self.T - S, 0.0)

    def cost(self, S: FloatArray) -> float:
        return float(np.sum(self.coef * np.sqrt(self.nrt(S))))

    def feasible(self, S: FloatArray) -> FloatArray:
        """``S`` moved into its bounds, ``0 <= S_j <= min(smax_j, SI_j + T_j)``, stage by stage
        downstream: a solver's answer off by its tolerances becomes a policy."""
        out = np.clip(np.asarray(S, dtype=np.float64), 0.0, self.smax)
        arcs = in_arcs(self.dst, len(out))
        for j in self.order.tolist():
            start = max([self.ext_in[j], *(out[self.src[a]] for a in arcs[j])])
            out[j] = min(out[j], start + self.T[j])
        return out


def _inbound(ext_in: NDArray[Any], src: IntArray, dst: IntArray, S: NDArray[Any]) -> NDArray[Any]:
    SI = ext_in.copy()
    np.maximum.at(SI, dst, S[src])
    return SI


def in_arcs(dst: IntArray, n: int) -> list[list[int]]:
    """The arcs into each of ``n`` stages."""
    arcs: list[list[int]] = [[] for _ in range(n)]
    for a, j in enumerate(dst.tolist()):
        arcs[j].append(a)
    return arcs


def longest_replenishment(
    T: NDArray[Any], ext_in: NDArray[Any], order: IntArray, src: IntArray, dst: IntArray
) -> NDArray[Any]:
    """``M_j = T_j + max(ext_in_j, max over suppliers i of M_i)``: the longest time from an
    order at ``j`` to its completion when no stage holds stock."""
    M = np.zeros_like(T)
    arcs = in_arcs(dst, len(T))
    for j in order.tolist():
        M[j] = T[j] + max([ext_in[j], *(M[src[a]] for a in arcs[j])])
    return M


#: How each rounding puts (processing and inbound times, maximum service times) on the grid.
_MODES = {
    TimeRounding.UP: ("up", "down"),
    TimeRounding.DOWN: ("down", "up"),
    TimeRounding.NEAREST: ("nearest", "nearest"),
}


def _to_grid(values: FloatArray, step: float, mode: str) -> IntArray:
    x = values / step
    if mode == "up":
        out = np.ceil(x - _EPS)
    elif mode == "down":
        out = np.floor(x + _EPS)
    else:
        out = np.floor(x + 0.5)
    return np.maximum(out, 0).astype(np.int64)


def _off_grid(values: FloatArray, step: float) -> NDArray[np.bool_]:
    x = values / step
    flags: NDArray[np.bool_] = np.abs(x - np.round(x)) > 1e-7
    return flags


def _demand(network: GSMNetwork, order: IntArray, src: IntArray, dst: IntArray) -> Demand:
    stages = network.stages
    n = len(stages)
    qty = np.array([a.qty for a in network.arcs], dtype=np.float64)
    dem = np.array([i for i, s in enumerate(stages) if s.has_demand], dtype=np.int64)
    mu = np.array([stages[i].demand_mean for i in dem], dtype=np.float64)
    sigma = np.array([stages[i].demand_std for i in dem], dtype=np.float64)
    zd = np.array([DEFAULT_Z if stages[i].z is None else stages[i].z for i in dem])
    phi = np.zeros((n, len(dem)), dtype=np.float64)
    phi[dem, np.arange(len(dem))] = 1.0
    out_arcs: list[list[int]] = [[] for _ in range(n)]
    for a, i in enumerate(src):
        out_arcs[int(i)].append(a)
    for j in order[::-1]:
        for a in out_arcs[int(j)]:
            phi[j] += qty[a] * phi[dst[a]]
    p = np.array([s.risk_pool for s in stages], dtype=np.float64)[:, None]
    mean = phi @ mu
    std = np.sum((phi * sigma) ** p, axis=1) ** (1.0 / p[:, 0])
    pooled = np.sum((phi * (zd * sigma)) ** p, axis=1) ** (1.0 / p[:, 0])
    own_z = np.array([np.nan if s.z is None else s.z for s in stages])
    bound = np.where(np.isnan(own_z), pooled, np.nan_to_num(own_z) * std)
    return Demand(mean=mean, std=std, bound=bound)


def exact_step(network: GSMNetwork) -> float:
    """The coarsest exact grid: the greatest common divisor of all processing, external
    inbound and maximum service times when they are whole numbers (e.g. 5 when every time is a
    multiple of 5 days), else 1. Dividing every time by it keeps the data integer, so the
    optimum on that grid is the optimum (module docstring)."""
    values = [s.processing_time for s in network.stages]
    values += [s.inbound_service_time for s in network.stages]
    values += [s.max_service_time for s in network.stages if s.max_service_time is not None]
    if any(abs(v - round(v)) > 1e-9 for v in values):
        return 1.0
    return float(math.gcd(*(round(v) for v in values)) or 1)


def prepare(network: GSMNetwork, step: float | None, rounding: TimeRounding) -> GridProblem:
    """Put ``network`` on a grid of ``step`` time units (``None``: :func:`exact_step`) and
    compute the derived arrays."""
    import networkx as nx

    if step is None:
        step = exact_step(network)
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"time_step must be a positive number, not {step}")
    stages = network.stages
    n = len(stages)
    index = network.index
    src = np.array([index[a.upstream] for a in network.arcs], dtype=np.int64)
    dst = np.array([index[a.downstream] for a in network.arcs], dtype=np.int64)
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    order = np.array(list(nx.lexicographical_topological_sort(g)), dtype=np.int64)

    t_raw = np.array([s.processing_time for s in stages], dtype=np.float64)
    in_raw = np.array([s.inbound_service_time for s in stages], dtype=np.float64)
    sbar_raw = np.array(
        [math.inf if s.max_service_time is None else s.max_service_time for s in stages]
    )
    times, limits = _MODES[rounding]
    T = _to_grid(t_raw, step, times)
    ext_in = _to_grid(in_raw, step, times)
    finite = np.isfinite(sbar_raw)
    sbar = np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64)
    sbar[finite] = _to_grid(sbar_raw[finite], step, limits)
    off = _off_grid(t_raw, step) | _off_grid(in_raw, step)
    off[finite] |= _off_grid(sbar_raw[finite], step)

    qty = np.array([a.qty for a in network.arcs], dtype=np.float64)
    M = longest_replenishment(T, ext_in, order, src, dst)
    cum = np.array([s.cost_added for s in stages], dtype=np.float64)
    arcs = in_arcs(dst, n)
    for j in order.tolist():
        for a in arcs[j]:
            cum[j] += qty[a] * cum[src[a]]
    holding = np.array(
        [
            network.holding_rate * cum[j] if s.holding_cost is None else s.holding_cost
            for j, s in enumerate(stages)
        ],
        dtype=np.float64,
    )
    demand = _demand(network, order, src, dst)
    return GridProblem(
        network=network,
        step=step,
        rounding=rounding,
        src=src,
        dst=dst,
        order=order,
        T=T,
        ext_in=ext_in,
        smax=np.minimum(sbar, M),
        M=M,
        cumulative_cost=cum,
        holding_cost=holding,
        demand=demand,
        coef=holding * demand.bound * math.sqrt(step),
        rounded_stages=int(off.sum()),
    )
