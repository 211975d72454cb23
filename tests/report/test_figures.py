"""Every figure draws what it says: no missing value where plotly needs one, the TTS-TTR
diagonal drawn even when nodes never run out, the twin counted in racks, the stock built
ahead shown, and the utilisation takeaway naming the limit that sets the ceiling."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from rackforge import Scenario
from rackforge.job import JobOptions, JobResult, run_job
from rackforge.report import collect
from rackforge.report import figures as F
from rackforge.scenario import ItemKind

#: Trace attributes that must hold a number (or a label) at every point.
REQUIRED = ("x", "y", "z")


def missing_values(figure: F.Figure) -> Iterator[str]:
    """``trace name.attribute[index]`` for every None, NaN or infinite value plotly would
    leave out or draw at no place."""
    for trace in figure.figure.to_plotly_json()["data"]:
        for attr in REQUIRED:
            values = trace.get(attr)
            if values is None:
                continue
            flat = np.asarray(values, dtype=object).ravel()
            for i, v in enumerate(flat):
                if v is None or (isinstance(v, float | np.floating) and not math.isfinite(v)):
                    yield f"{trace.get('name')}.{attr}[{i}]"


@pytest.fixture(scope="module")
def job(tiny: Scenario) -> JobResult:
    return run_job(tiny, JobOptions(twin_replications=2, stress_scenarios=256, workers=1))


def test_no_figure_of_a_whole_job_misses_a_value(job: JobResult) -> None:
    for figure in collect.figures(job):
        assert list(missing_values(figure)) == [], figure.id


def nodes(tts: list[float]) -> pd.DataFrame:
    n = len(tts)
    return pd.DataFrame(
        {
            "target": [f"node-{i}" for i in range(n)],
            "kind": ["supplier"] * n,
            "tts_weeks": tts,
            "ttr_weeks": [4.0 + i for i in range(n)],
            "impact_units": [10.0 * i for i in range(n)],
            "exposed": [t < 4.0 + i for i, t in enumerate(tts)],
        }
    )


@pytest.mark.parametrize("tts", [[math.inf], [math.inf, 2.0], [1.0, 9.0, math.inf, math.inf]])
def test_risk_matrix_draws_nodes_that_never_run_out_and_its_diagonal(tts: list[float]) -> None:
    figure = F.risk_matrix(nodes(tts))
    assert list(missing_values(figure)) == []
    traces = {t.name: t for t in figure.figure.data}
    diagonal = traces["TTS = TTR"]
    assert diagonal.x[1] == diagonal.y[1] > 0  # drawn to the largest finite time
    never = [t for name, t in traces.items() if "never runs out" in str(name)]
    assert sum(len(t.y) for t in never) == sum(math.isinf(t) for t in tts)
    # the never-run-out row lies above every finite point and the diagonal
    assert all(y > diagonal.y[1] for t in never for y in t.y)
    assert f"{sum(math.isinf(t) for t in tts)} of {len(tts)} never run out" in figure.takeaway


def test_risk_matrix_names_the_exposed_nodes() -> None:
    figure = F.risk_matrix(nodes([1.0, 9.0, 2.0]), label_top=0)
    labels = {text for t in figure.figure.data if t.text is not None for text in t.text if text}
    assert labels == {"node-0", "node-2"}  # TTS 1 < TTR 4 and TTS 2 < TTR 6


def test_twin_figure_counts_racks_only(job: JobResult, tiny: Scenario) -> None:
    assert job.twin is not None
    racks = tiny.items_of_kind(ItemKind.RACK)
    rows = collect.twin_rows(job)
    today = rows[rows["case"] == "today"]
    by_item = sum(i.throughput_per_week.mean for i in job.twin.today.items if i.item in racks)
    assert today["racks"].sum() == pytest.approx(by_item)
    every_item = sum(t.throughput_per_week.mean for t in job.twin.today.sites.values())
    assert every_item > by_item  # the totals add boards and trays to the racks
    gain = job.twin.rack_gain_per_week.mean
    assert gain == pytest.approx(
        job.twin.automated.throughput_of(racks).mean - job.twin.today.throughput_of(racks).mean
    )


def test_demand_figure_shows_the_stock_built_ahead(job: JobResult) -> None:
    weekly = collect.weekly_output(job)
    assert job.plan is not None and job.plan.tables is not None
    inv = job.plan.tables.inventory
    racks = job.scenario.items_of_kind(ItemKind.RACK)
    assert weekly["stock"].sum() == pytest.approx(inv[inv["item"].isin(racks)]["on_hand"].sum())
    figure = F.demand_vs_output(weekly)
    assert any("stock" in str(t.name) for t in figure.figure.data)


def test_stock_built_ahead_is_stated_in_the_takeaway() -> None:
    weekly = pd.DataFrame(
        {
            "week_label": ["W1", "W2", "W3"],
            "generation": ["g"] * 3,
            "demand": [0.0, 5.0, 15.0],
            "planned": [10.0, 10.0, 0.0],
            "delivered": [0.0, 5.0, 15.0],
            "stock": [10.0, 15.0, 0.0],
        }
    )
    assert "peaks at 15 racks in W2" in F.demand_vs_output(weekly).takeaway


def test_utilisation_takeaway_names_the_limit_of_the_ceiling() -> None:
    util = pd.DataFrame(
        {
            "site": ["a", "a", "b", "b"],
            "resource": ["test", "test", "burn", "burn"],
            "week_label": ["W1", "W2", "W1", "W2"],
            "utilization": [1.0, 1.0, 1.0, 0.5],
        }
    )
    takeaway = F.utilization_heatmap(util, "b / burn").takeaway
    assert takeaway.startswith("The ceiling is set by b / burn: fully used in 1 of 2 weeks")
    assert "Busiest on average: a / test at 100%" in takeaway
    other = F.utilization_heatmap(util, "make a/cdu").takeaway
    assert "the ceiling is set by make a/cdu, not a resource" in other


def test_demand_figure_draws_the_ceiling_over_its_window() -> None:
    weekly = pd.DataFrame(
        {
            "week_label": ["W1", "W2", "W3", "W4"],
            "generation": ["g"] * 4,
            "demand": [0.0, 10.0, 10.0, 10.0],
            "planned": [20.0, 10.0, 0.0, 0.0],
        }
    )
    figure = F.demand_vs_output(weekly, (12.0, ("W3", "W4")))
    (line,) = [t for t in figure.figure.data if str(t.name).startswith("ceiling")]
    assert list(line.x) == ["W3", "W4"] and list(line.y) == [12.0, 12.0]
    assert "The plants can complete 12 a week in W3..W4" in figure.takeaway
