"""What the model-building blocks share: the linopy model, the network and the registries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rackforge.plan.lp.terms import RowFamily, Terms
from rackforge.plan.network import Network
from rackforge.plan.options import Family, PlanOptions

if TYPE_CHECKING:  # linopy is imported where a model is built: it is slow to load
    import linopy

    from rackforge.plan.lp.expand import Expandable


class CostPart(Enum):
    """The parts of the objective; they add up to it."""

    PURCHASE = "purchase"  # price x qty, duty excluded
    TARIFF = "tariff"  # price x tariff rate x qty
    PRODUCTION = "production"  # make.cost x qty
    TRANSPORT = "transport"  # lanes.cost_per_unit x qty
    HOLDING = "holding"  # holding cost per unit-week x end-of-week stock
    BACKLOG = "backlog"  # backlog_penalty x unit-weeks late
    LOST = "lost"  # lost_penalty x units never delivered
    SAFETY_STOCK = "safety_stock"  # soft safety-stock shortfall penalty
    VIOLATION = "violation"  # elastic slack (diagnosis only)


@dataclass
class Build:
    """Mutable state while the blocks add themselves to one model.

    ``balance`` collects the stock-balance terms of every flow (row ``node * H + week``); the
    flow blocks add to it and :func:`add_inventory_balance` turns it into constraints.
    ``elastic`` lists the families that get a penalised slack (diagnosis); in that case the
    objective is the total slack only. ``expansion`` adds integer capacity expansions to the
    capacity rows (:mod:`.expand`).
    """

    model: linopy.Model
    net: Network
    options: PlanOptions
    elastic: frozenset[Family] = frozenset()
    expansion: Expandable | None = None  # capacity that may be bought (expansion plan only)
    costs: dict[CostPart, Terms] = field(default_factory=dict)
    balance: Terms = field(init=False)
    variables: dict[str, linopy.Variable] = field(default_factory=dict)
    rows: dict[str, RowFamily] = field(default_factory=dict)
    slacks: dict[Family, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.balance = Terms(self.net.n_nodes * self.net.horizon)
        self.costs = {part: Terms(1) for part in CostPart}

    @property
    def horizon(self) -> int:
        return self.net.horizon

    @property
    def weeks(self) -> np.ndarray:
        return np.arange(self.net.horizon)

    def cost(self, part: CostPart, labels: np.ndarray, coeffs: np.ndarray | float) -> None:
        self.costs[part].add(0, labels, coeffs)

    def labels(self, name: str) -> np.ndarray:
        """Label array of a variable (-1 where masked), or an empty array if it was not added."""
        var = self.variables.get(name)
        if var is None:
            return np.zeros((0, self.horizon), dtype=np.int64)
        return np.asarray(var.labels.values, dtype=np.int64)

    def add_slack(self, family: Family, name: str, n_rows: int) -> np.ndarray | None:
        """A penalised slack per row when ``family`` is elastic; its labels, else None."""
        if family not in self.elastic or n_rows == 0:
            return None
        var = self.model.add_variables(
            lower=0.0,
            coords=[pd.RangeIndex(n_rows, name=f"{name}_slack_row")],
            name=f"{name}_slack",
        )
        labels = np.asarray(var.labels.values, dtype=np.int64)
        self.variables[f"{name}_slack"] = var
        self.slacks[family] = labels
        self.cost(CostPart.VIOLATION, labels, 1.0)
        return labels
