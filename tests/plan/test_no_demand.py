"""No demand, nothing made, bought or shipped: stock gains no value by being assembled
(holding value at least the parts' value) or by being under way (pipeline stock pays
holding), so holding cost gives the plan no reason to move it."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_scenarios import build, item, offer
from typer.testing import CliRunner

from rackforge import load_scenario
from rackforge.cli import app
from rackforge.plan import PlanOptions, plan
from rackforge.scenario import Scenario
from rackforge.scenario.derived import holding_value, value_warnings


def undervalued_rack() -> Scenario:
    # a rack booked at 50 made of one part worth 100, 10 parts in stock, nobody orders
    return build(
        items=[item("R", 50, "rack"), item("K", 100)],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": "P", "item": "R", "lead_weeks": 1, "cost": 1}],
        supply=[offer("K", 100)],
        inventory=[{"site": "P", "item": "K", "on_hand": 10}],
        demand=[],
        horizon=12,
        holding_rate=0.25,
    )


def test_an_undervalued_assembly_is_held_at_its_parts_value() -> None:
    s = undervalued_rack()
    assert holding_value(s)["R"] == pytest.approx(100.0)
    (warning,) = value_warnings(s)
    assert str(warning).startswith("items.csv:2: unit_value: 50.00 is below the value of its")
    result = plan(s, PlanOptions(explain=False))
    assert result.tables is not None
    assert result.tables.production.empty and result.tables.purchases.empty


def test_the_bundled_plants_build_and_ship_nothing_without_demand() -> None:
    s = load_scenario("us-ai-racks")
    s = s.with_tables(demand=s.demand.iloc[0:0])
    result = plan(s, PlanOptions(explain=False))
    assert result.tables is not None
    for table in (result.tables.production, result.tables.purchases, result.tables.transfers):
        assert table["qty"].sum() == pytest.approx(0.0, abs=1e-6)


def test_validate_warns_of_an_undervalued_rack_and_still_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    runner = CliRunner()
    assert runner.invoke(app, ["new", str(folder), "--from", "tiny"]).exit_code == 0
    items = folder / "items.csv"
    rows = items.read_text().splitlines()
    rack = next(k for k, row in enumerate(rows) if row.startswith("rack-t,"))
    cells = rows[rack].split(",")
    cells[2] = "1"  # unit_value of the rack
    rows[rack] = ",".join(cells)
    items.write_text("\n".join(rows) + "\n")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"warning: items.csv:{rack + 1}: unit_value: 1.00 is below the value" in result.output
