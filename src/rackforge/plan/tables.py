"""The solved plan as tables: production, purchases, transfers, inventory, deliveries,
service per demand row and resource utilisation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rackforge.plan.lp.model import PlanModel
from rackforge.plan.lp.readout import TOL, variable
from rackforge.plan.lp.solve import Solution
from rackforge.scenario.events import Limit


@dataclass(frozen=True)
class PlanTables:
    production: pd.DataFrame
    purchases: pd.DataFrame
    transfers: pd.DataFrame
    inventory: pd.DataFrame
    deliveries: pd.DataFrame
    service: pd.DataFrame
    utilization: pd.DataFrame


def _long(qty: np.ndarray, frame: pd.DataFrame, index_name: str) -> pd.DataFrame:
    """Non-zero cells of a (row, week) array joined with the row's columns."""
    if qty.size == 0:
        return frame.iloc[:0].assign(**{index_name: [], "week": [], "qty": []})
    row, week = np.nonzero(qty > TOL)
    out = frame.iloc[row].reset_index(drop=True)
    out[index_name] = row
    out["week"] = week
    out["qty"] = qty[row, week]
    return out


def build_tables(pm: PlanModel, sol: Solution, label: Callable[[int], str]) -> PlanTables:
    """Tables of the plan in ``sol``; ``label`` turns a week offset into its ISO label."""
    net = pm.build.net
    h = net.horizon

    make = net.make.copy()
    prod = _long(variable(pm, sol, "produce"), make[["site", "item", "lead", "cost"]], "make_row")
    prod["available_week"] = prod["week"] + prod["lead"]
    prod["cost"] = prod["qty"] * prod["cost"]
    gen = net.items.set_index("item")["generation"]
    prod["generation"] = prod["item"].map(gen).fillna("")
    production = prod[["site", "item", "generation", "week", "available_week", "qty", "cost"]]

    sup = net.supply
    cols = ["supplier", "country", "domestic", "item", "site", "lead", "price", "tariff", "lot"]
    buy = _long(variable(pm, sol, "buy"), sup[cols], "supply_row")
    buy["arrival_week"] = buy["week"] + buy["lead"]
    buy["value"] = buy["qty"] * buy["price"]
    buy["duty"] = buy["value"] * buy["tariff"]
    buy["cost"] = buy["value"] + buy["duty"]
    purchases = buy.rename(columns={"tariff": "tariff_rate"})[
        [
            "supplier",
            "country",
            "domestic",
            "item",
            "site",
            "week",
            "arrival_week",
            "qty",
            "price",
            "tariff_rate",
            "lot",
            "value",
            "duty",
            "cost",
        ]
    ]

    arcs = net.arcs.merge(
        net.lanes[["from_site", "to_site"]], left_on="lane_row", right_index=True, how="left"
    )
    ship = _long(
        variable(pm, sol, "ship"), arcs[["from_site", "to_site", "item", "lead", "cost"]], "arc"
    )
    ship["arrival_week"] = ship["week"] + ship["lead"]
    ship["cost"] = ship["qty"] * ship["cost"]
    transfers = ship[["from_site", "to_site", "item", "week", "arrival_week", "qty", "cost"]]

    stock = variable(pm, sol, "stock")
    nodes = net.nodes
    inv = pd.DataFrame(
        {
            "site": np.repeat(nodes["site"].to_numpy(), h),
            "item": np.repeat(nodes["item"].to_numpy(), h),
            "week": np.tile(np.arange(h), len(nodes)),
            "on_hand": stock.ravel(),
            "safety_stock": np.repeat(nodes["safety_stock"].to_numpy(float), h),
        }
    )
    inv["holding_cost"] = inv["on_hand"] * np.repeat(nodes["holding"].to_numpy(float), h)
    inventory = inv[(inv["on_hand"] > TOL) | (inv["safety_stock"] > 0)].reset_index(drop=True)

    dem = net.demand
    deliver = variable(pm, sol, "deliver")
    dl = _long(
        deliver, dem[["demand", "item", "site", "week"]].rename(columns={"week": "due_week"}), "row"
    )
    dl["late_weeks"] = dl["week"] - dl["due_week"]
    deliveries = dl[["demand", "item", "site", "due_week", "week", "late_weeks", "qty"]]

    service = dem[["demand", "item", "site", "week", "qty", "priority"]].copy()
    delivered = deliver.sum(axis=1) if deliver.size else np.zeros(len(dem))
    on_time = (
        deliver[np.arange(len(dem)), dem["week"].to_numpy(int)]
        if deliver.size
        else (np.zeros(len(dem)))
    )
    service["on_time"] = on_time
    service["late"] = delivered - on_time
    service["lost"] = np.maximum(service["qty"].to_numpy(float) - delivered, 0.0)
    service.loc[service["lost"] < TOL, "lost"] = 0.0
    late_units = dl["qty"] * dl["late_weeks"]
    delay = (
        late_units.groupby(dl["demand"]).sum()
        / dl["qty"].where(dl["late_weeks"] > 0).groupby(dl["demand"]).sum()
    )
    service["avg_delay_weeks"] = service["demand"].map(delay).fillna(0.0).to_numpy(float)
    names = np.array([label(w) for w in range(h)], dtype=object)
    frames = [
        production,
        purchases,
        transfers,
        inventory,
        deliveries,
        service,
        _utilization(pm, sol),
    ]
    labelled = [
        f.reset_index(drop=True).assign(iso_week=names[f["week"].to_numpy(np.int64)])
        for f in frames
    ]
    return PlanTables(*labelled)


def completions(tables: PlanTables, receipts: pd.DataFrame) -> pd.DataFrame:
    """site, item, week, qty: the units a plan completes each week, its production by the week
    it is available and the scenario's work in process (``receipts`` of source ``wip``) by the
    week it is due out. The one meaning of "planned output" for every answer that states it."""
    prod = tables.production.rename(columns={"week": "start_week"})
    made = prod.rename(columns={"available_week": "week"})[["site", "item", "week", "qty"]]
    wip = receipts[receipts["source"].astype(str) == "wip"][["site", "item", "week", "qty"]]
    parts = [f for f in (made, wip) if len(f)]
    if not parts:
        return made.iloc[:0].reset_index(drop=True)
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"week": np.int64, "qty": float})


def _utilization(pm: PlanModel, sol: Solution) -> pd.DataFrame:
    net = pm.build.net
    res, loads = net.resources, net.loads
    h = net.horizon
    used = np.zeros((len(res), h))
    produce = variable(pm, sol, "produce")
    if len(loads) and produce.size:
        np.add.at(
            used,
            loads["resource_row"].to_numpy(np.int64),
            produce[loads["make_row"].to_numpy(np.int64)] * loads["hours"].to_numpy(float)[:, None],
        )
    cap = net.weekly[Limit.RESOURCES]  # (rows, weeks), after dated events
    out = pd.DataFrame(
        {
            "site": np.repeat(res["site"].to_numpy(), h),
            "resource": np.repeat(res["resource"].to_numpy(), h),
            "kind": np.repeat(res["kind"].to_numpy(), h),
            "week": np.tile(np.arange(h), len(res)),
            "hours_used": used.ravel(),
            "hours_available": cap.ravel(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["utilization"] = np.where(
            out["hours_available"] > 0, out["hours_used"] / out["hours_available"], 0.0
        )
    return out
