"""Material requirements planning: time-phased gross-to-net explosion, uncapacitated.

Orlicky's MRP record (Orlicky 1975, *Material Requirements Planning*, McGraw-Hill; the same
record in Vollmann, Berry, Whybark & Jacobs 2005, *Manufacturing Planning and Control for
Supply Chain Management*, ch. 6), per stock point (site, item), processed in low-level-code
order so every gross requirement is known before an item is netted:

  * gross requirements G[t] = independent demand + BOM children of the parents' planned
    releases ``x`` children per good parent (``qty / (1 - scrap)`` and the parent routing's
    shrinkage, :mod:`rackforge.scenario.derived`) + releases of the sites this one supplies by lane;
  * projected on hand ``P[t] = on_hand + sum_{u<=t} (SR[u] + PR[u] - G[u])`` must stay
    >= safety stock; lot-for-lot planned receipts are the smallest that achieve it,
    ``cumPR[t] = max(0, max_{u<=t} (cumG[u] + SS - on_hand - cumSR[u]))``, computed for all
    weeks at once (a buy with ``moq`` orders ``max(net, moq)``, week by week);
  * a planned receipt in week t is released in week ``t - lead``.

Each stock point has one source: make where a make row exists at the site, else the supply row
with the lowest landed cost ``price x (1 + tariff)``, else the cheapest lane into the site from a
site that has a source (:class:`rackforge.scenario.derived.Sourcing`, shared with the
safety-stock network).
Exceptions: ``past_due`` (an order whose release week is before week 0), ``no_source`` (a
stock point needs more than its stock and nothing makes, buys or ships it), and
``over_capacity`` (a planned week above a make, supply or lane capacity; MRP ignores them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from rackforge.plan.network import Network, build_network
from rackforge.scenario import Scenario
from rackforge.scenario.derived import SourceKind, Sourcing
from rackforge.scenario.events import Limit

TOL = 1e-9


class OrderType(Enum):
    MAKE = "make"
    BUY = "buy"
    TRANSFER = "transfer"


class ExceptionKind(Enum):
    PAST_DUE = "past_due"
    NO_SOURCE = "no_source"
    OVER_CAPACITY = "over_capacity"


class MrpStatus(Enum):
    OK = "ok"
    EXCEPTIONS = "exceptions"


@dataclass(frozen=True)
class MrpException:
    kind: ExceptionKind
    site: str
    item: str
    week: int
    qty: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "site": self.site,
            "item": self.item,
            "week": self.week,
            "qty": self.qty,
            "message": self.message,
        }


@dataclass(frozen=True)
class MrpResult:
    """Planned orders, the MRP records and the exception messages."""

    status: MrpStatus
    planned_orders: pd.DataFrame  # order_type, site, item, source, release_week, due_week, ...
    records: pd.DataFrame  # site, item, week, gross, scheduled_receipts, projected_on_hand, ...
    exceptions: list[MrpException]
    low_level_codes: dict[str, int]

    def orders(self, order_type: OrderType) -> pd.DataFrame:
        po = self.planned_orders
        return po[po["order_type"] == order_type.value].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        counts = self.planned_orders.groupby("order_type")["qty"].agg(["count", "sum"])
        return {
            "status": self.status.value,
            "orders": {
                k: {"count": int(v["count"]), "qty": float(v["sum"])} for k, v in counts.iterrows()
            },
            "cost": float(self.planned_orders["cost"].sum()),
            "exceptions": [e.to_dict() for e in self.exceptions],
            "low_level_codes": self.low_level_codes,
        }


def low_level_codes(net: Network) -> dict[str, int]:
    """Deepest BOM level at which each item occurs, over every site (0 = never a child)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(net.items["item"])
    graph.add_edges_from(zip(net.bom["parent"], net.bom["child"], strict=True))
    code = dict.fromkeys(graph.nodes, 0)
    for parent in nx.topological_sort(graph):
        for child in graph.successors(parent):
            code[child] = max(code[child], code[parent] + 1)
    return {str(k): int(v) for k, v in code.items()}


@dataclass
class _Sources:
    make: dict[int, int]  # node -> make row
    buy: dict[int, int]  # node -> supply row
    lane: dict[int, int]  # node -> arc


def _choose_sources(net: Network, sourcing: Sourcing) -> _Sources:
    """Each node's source by the single-source rule, as rows of the network's tables."""
    src = _Sources({}, {}, {})
    arc_of = {
        (int(lane), str(item)): int(a)
        for a, (lane, item) in enumerate(zip(net.arcs["lane_row"], net.arcs["item"], strict=True))
    }
    for n, (site, item) in enumerate(zip(net.nodes["site"], net.nodes["item"], strict=True)):
        found = sourcing.get(str(site), str(item))
        if found is None:
            continue
        if found.kind is SourceKind.MAKE:
            src.make[n] = found.row
        elif found.kind is SourceKind.BUY:
            src.buy[n] = found.row
        elif (found.row, str(item)) in arc_of:
            src.lane[n] = arc_of[(found.row, str(item))]
    return src


def _order(net: Network, src: _Sources, llc: dict[str, int]) -> list[int]:
    """Nodes so that parents come before children and lane destinations before origins."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(net.n_nodes))
    graph.add_edges_from((n, int(net.arcs.at[a, "from_node"])) for n, a in src.lane.items())
    depth = dict.fromkeys(graph.nodes, 0)
    for n in nx.topological_sort(graph):
        for m in graph.successors(n):
            depth[m] = max(depth[m], depth[n] + 1)
    items = net.nodes["item"].to_numpy()
    return sorted(range(net.n_nodes), key=lambda n: (llc[str(items[n])], depth[n], n))


def _net(
    gross: np.ndarray, sched: np.ndarray, on_hand: float, ss: np.ndarray, moq: float
) -> tuple[np.ndarray, np.ndarray]:
    """Planned receipts and net requirements (lot-for-lot, or at least ``moq`` a lot)."""
    if moq <= 0:
        need = np.cumsum(gross) + ss - on_hand - np.cumsum(sched)
        cum = np.maximum.accumulate(np.maximum(need, 0.0))
        planned = np.diff(cum, prepend=0.0)
        planned[planned < TOL] = 0.0
        return planned, planned.copy()
    planned, net_req = np.zeros_like(gross), np.zeros_like(gross)
    proj = on_hand
    for j in range(len(gross)):
        proj += sched[j] - gross[j]
        short = ss[j] - proj
        if short > TOL:
            net_req[j] = short
            planned[j] = max(short, moq)
            proj += planned[j]
    return planned, net_req


def run_mrp(scenario: Scenario, automation: bool = True) -> MrpResult:
    """Explode the scenario's demand into planned make, buy and transfer orders."""
    net = build_network(scenario, automation)
    return mrp(net, Sourcing(scenario))


def mrp(net: Network, sourcing: Sourcing) -> MrpResult:
    """MRP on ``net``, the network of the scenario whose ``sourcing`` picks each node's one
    source (see the module docstring)."""
    h = net.horizon
    llc = low_level_codes(net)
    src = _choose_sources(net, sourcing)
    max_lead = max([0, *net.make["lead"], *net.supply["lead"], *net.arcs["lead"]])
    past = int(max_lead) * (max(llc.values(), default=0) + 1 + len(set(net.nodes["site"])))
    width = past + h
    gross = np.zeros((net.n_nodes, width))
    np.add.at(
        gross,
        (net.demand["node"].to_numpy(np.int64), net.demand["week"] + past),
        net.demand["qty"].to_numpy(float),
    )
    sched = np.zeros((net.n_nodes, width))
    np.add.at(
        sched,
        (net.receipts["node"].to_numpy(np.int64), net.receipts["week"] + past),
        net.receipts["qty"].to_numpy(float),
    )
    bom_of = net.bom.groupby("make_row").indices
    release_of = {}
    orders: list[tuple[str, str, str, str, int, int, float, float]] = []
    exceptions: list[MrpException] = []
    records = []
    weeks = np.arange(width) - past
    for n in _order(net, src, llc):
        site, item = str(net.nodes.at[n, "site"]), str(net.nodes.at[n, "item"])
        ss = np.where(weeks >= 0, float(net.nodes.at[n, "safety_stock"]), 0.0)
        moq = float(net.supply.at[src.buy[n], "moq"]) if n in src.buy else 0.0
        planned, net_req = _net(gross[n], sched[n], float(net.nodes.at[n, "on_hand"]), ss, moq)
        proj = float(net.nodes.at[n, "on_hand"]) + np.cumsum(sched[n] + planned - gross[n])
        release = np.zeros(width)
        if planned.any():
            kind, source, lead, unit = _source_of(net, src, n)
            if kind is None:
                first = int(weeks[np.flatnonzero(planned)[0]])
                exceptions.append(
                    MrpException(
                        ExceptionKind.NO_SOURCE,
                        site,
                        item,
                        first,
                        float(planned.sum()),
                        f"{item} is needed at {site} from week {first} ({planned.sum():,.6g} units "
                        "beyond stock) but no make, supply or lane row sources it there",
                    )
                )
            else:
                due = np.flatnonzero(planned)
                rel = np.maximum(due - lead, 0)
                np.add.at(release, rel, planned[due])
                for d in due:
                    qty = float(planned[d])
                    orders.append(
                        (
                            kind.value,
                            site,
                            item,
                            source,
                            int(weeks[d]) - lead,
                            int(weeks[d]),
                            qty,
                            unit,
                        )
                    )
                    if int(weeks[d]) - lead < 0:
                        exceptions.append(
                            MrpException(
                                ExceptionKind.PAST_DUE,
                                site,
                                item,
                                int(weeks[d]) - lead,
                                qty,
                                f"{kind.value} order for {qty:,.6g} {item} at {site} due week "
                                f"{int(weeks[d])} should have been released in week "
                                f"{int(weeks[d]) - lead}",
                            )
                        )
                _propagate(net, src, n, release, gross, bom_of)
        release_of[n] = release
        records.append((n, gross[n].copy(), sched[n].copy(), proj, net_req, planned, release))
    exceptions += _capacity_exceptions(net, src, release_of, past)
    order_frame = pd.DataFrame(
        orders,
        columns=[
            "order_type",
            "site",
            "item",
            "source",
            "release_week",
            "due_week",
            "qty",
            "unit_cost",
        ],
    )
    order_frame["cost"] = order_frame["qty"] * order_frame["unit_cost"]
    order_frame["past_due"] = order_frame["release_week"] < 0
    order_frame = order_frame.sort_values(
        ["release_week", "order_type", "site", "item"], ignore_index=True
    )
    status = MrpStatus.EXCEPTIONS if exceptions else MrpStatus.OK
    return MrpResult(status, order_frame, _records(net, records, weeks), exceptions, llc)


def _source_of(net: Network, src: _Sources, n: int) -> tuple[OrderType | None, str, int, float]:
    if n in src.make:
        m = net.make.iloc[src.make[n]]
        return OrderType.MAKE, str(m["site"]), int(m["lead"]), float(m["cost"])
    if n in src.buy:
        s = net.supply.iloc[src.buy[n]]
        return (
            OrderType.BUY,
            str(s["supplier"]),
            int(s["lead"]),
            float(s["price"] * (1 + s["tariff"])),
        )
    if n in src.lane:
        a = net.arcs.iloc[src.lane[n]]
        origin = str(net.nodes.at[int(a["from_node"]), "site"])
        return OrderType.TRANSFER, origin, int(a["lead"]), float(a["cost"])
    return None, "", 0, 0.0


def _propagate(
    net: Network,
    src: _Sources,
    n: int,
    release: np.ndarray,
    gross: np.ndarray,
    bom_of: dict[Any, np.ndarray],
) -> None:
    """Releases of node ``n`` become gross requirements of its children or lane origin."""
    if n in src.make:
        for b in bom_of.get(src.make[n], []):
            child = int(net.bom.at[b, "child_node"])
            gross[child] += release * float(net.bom.at[b, "per_unit"])
    elif n in src.lane:
        gross[int(net.arcs.at[src.lane[n], "from_node"])] += release


def _capacity_exceptions(
    net: Network, src: _Sources, release_of: dict[int, np.ndarray], past: int
) -> list[MrpException]:
    out = []
    for n, m in src.make.items():
        cap = net.weekly[Limit.MAKE][m]
        out += _over(
            release_of[n][past:],
            cap,
            "make max_per_week",
            str(net.make.at[m, "site"]),
            str(net.make.at[m, "item"]),
        )
    for n, r in src.buy.items():
        cap = net.weekly[Limit.SUPPLY][r]
        who = f"supplier {net.supply.at[r, 'supplier']} capacity_per_week"
        out += _over(
            release_of[n][past:],
            cap,
            who,
            str(net.supply.at[r, "site"]),
            str(net.supply.at[r, "item"]),
        )
    by_lane: dict[int, np.ndarray] = {}
    for n, a in src.lane.items():
        row = int(net.arcs.at[a, "lane_row"])
        by_lane[row] = by_lane.get(row, 0.0) + release_of[n][past:]
    for row, load in by_lane.items():
        lane = net.lanes.iloc[row]
        out += _over(
            load,
            net.weekly[Limit.LANES][row],
            f"lane {lane['from_site']}>{lane['to_site']} capacity_per_week",
            str(lane["to_site"]),
            str(lane["item"]),
        )
    return out


def _over(
    load: np.ndarray, weekly: np.ndarray, what: str, site: str, item: str
) -> list[MrpException]:
    """Weeks whose load exceeds the week's capacity (after dated events)."""
    n = min(len(load), len(weekly))
    load, cap = np.asarray(load[:n], float), np.asarray(weekly[:n], float)
    return [
        MrpException(
            ExceptionKind.OVER_CAPACITY,
            site,
            item,
            int(w),
            float(load[w] - cap[w]),
            f"week {int(w)}: {load[w]:,.6g} planned vs {what} {cap[w]:,.6g}",
        )
        for w in np.flatnonzero(load > cap + 1e-6)
    ]


def _records(net: Network, records: list[Any], weeks: np.ndarray) -> pd.DataFrame:
    cols = [
        "gross",
        "scheduled_receipts",
        "projected_on_hand",
        "net_requirement",
        "planned_receipt",
        "planned_release",
    ]
    frames = []
    for n, *arrays in records:
        data = np.vstack(arrays)
        active = (weeks >= 0) | (np.abs(data[[0, 1, 3, 4, 5]]).sum(axis=0) > TOL)
        frame = pd.DataFrame(data[:, active].T, columns=cols)
        frame.insert(0, "week", weeks[active])
        frame.insert(0, "item", net.nodes.at[n, "item"])
        frame.insert(0, "site", net.nodes.at[n, "site"])
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["site", "item", "week", *cols])
    return pd.concat(frames, ignore_index=True).sort_values(
        ["site", "item", "week"], ignore_index=True
    )
