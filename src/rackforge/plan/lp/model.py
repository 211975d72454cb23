"""The constrained plan as a linopy model, assembled from one block per family.

Minimise purchase cost (price x (1 + tariff)) + production + transport + holding + backlog +
lost-sales (+ soft safety-stock) penalties subject to the stock balance, BOM consumption,
resource hours, supplier, lane and make capacities, minimum order quantities and domestic
content (see the blocks in :mod:`.flows` and :mod:`.limits` for each formula).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rackforge.plan.lp.context import Build, CostPart
from rackforge.plan.lp.expand import Expandable, add_expansions
from rackforge.plan.lp.flows import (
    add_bom_consumption,
    add_demand,
    add_inventory_balance,
    add_production,
    add_purchases,
    add_stock,
    add_transfers,
)
from rackforge.plan.lp.limits import (
    add_domestic_content,
    add_lane_capacity,
    add_make_capacity,
    add_resource_capacity,
    add_safety_stock,
    add_supplier_capacity,
)
from rackforge.plan.lp.terms import Terms, objective_expression
from rackforge.plan.network import Network
from rackforge.plan.options import Family, PlanOptions

if TYPE_CHECKING:
    import linopy


@contextmanager
def linopy_v1() -> Iterator[None]:
    """linopy's v1 arithmetic semantics for the duration of the block (restored after)."""
    import linopy

    with linopy.options:
        linopy.options.set_value(semantics="v1")
        yield


def add_objective(build: Build) -> None:
    """Total cost (every part but VIOLATION); with elastic families the total slack only."""
    parts = (
        [CostPart.VIOLATION]
        if build.elastic
        else [p for p in CostPart if p is not CostPart.VIOLATION]
    )
    total = Terms(1)
    for part in parts:
        _, labels, coeffs = build.costs[part].triplets()
        total.add(0, labels, coeffs)
    build.model.add_objective(objective_expression(build.model, total))


#: The blocks in the order they are added; the flows register stock-balance terms before
#: add_inventory_balance turns them into constraints.
BLOCKS: tuple[Callable[[Build], None], ...] = (
    add_stock,
    add_expansions,
    add_production,
    add_purchases,
    add_transfers,
    add_bom_consumption,
    add_demand,
    add_inventory_balance,
    add_resource_capacity,
    add_make_capacity,
    add_supplier_capacity,
    add_lane_capacity,
    add_domestic_content,
    add_safety_stock,
    add_objective,
)


@dataclass
class PlanModel:
    """A built model: the linopy model plus what is needed to read its solution."""

    build: Build
    build_s: float

    @property
    def model(self) -> linopy.Model:
        return self.build.model

    @property
    def is_mip(self) -> bool:
        return "order" in self.build.variables


def build_model(
    net: Network,
    options: PlanOptions,
    elastic: frozenset[Family] = frozenset(),
    objective: Callable[[Build], None] = add_objective,
    expansion: Expandable | None = None,
) -> PlanModel:
    """Build the plan's model for ``net`` (``elastic``: families given penalised slacks;
    ``objective``: the last block, the least-cost objective unless another is asked for;
    ``expansion``: capacity that may be bought, :mod:`.expand`)."""
    start = time.perf_counter()
    with linopy_v1():
        import linopy

        build = Build(linopy.Model(), net, options, elastic, expansion)
        for block in BLOCKS[:-1]:
            block(build)
        objective(build)
    return PlanModel(build, time.perf_counter() - start)
