"""Fuzzing the scenario tables: every corrupted input is refused with located problems, and
every one that passes validation runs through every engine without a traceback or a hang.

Each example takes the bundled ``tiny`` scenario, writes one cell of one table to an extreme
or malformed value (the limits of its column, beyond them, odd text, markup, formulas), loads
the folder and, if it validates, runs the whole job (roadmap, plan, twin for a week, risk,
stress, safety stock) under an alarm and a memory cap. The only exceptions allowed are the
typed ones the command line reports with exit 2 or 3.
"""

from __future__ import annotations

import csv
import math
import os
import resource
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rackforge.inventory.model import GSMError
from rackforge.job import JobOptions, run_job
from rackforge.plan.result import PlanError
from rackforge.risk.baseline import BaselineError
from rackforge.scenario import ScenarioError, load_scenario
from rackforge.scenario.io import bundled_path
from rackforge.scenario.schema import MAX_MONEY, MAX_QUANTITY, SCHEMAS, Column, ColumnType
from rackforge.twin import TwinError

TINY = bundled_path("tiny")
TABLES = sorted(p.stem for p in TINY.glob("*.csv"))
TYPED = (ScenarioError, TwinError, PlanError, BaselineError, GSMError)
JOB = JobOptions(
    twin_weeks=1.0,
    twin_replications=1,
    stress_scenarios=64,
    workers=1,
    inventory_time_limit_s=5.0,
)
ODD_TEXT = ["", " ", "[/]", "[bold]x", ":100:", "=1+1", "x" * 200, "é", "1e309", "nan", "-0"]


def limit_values(column: Column) -> list[str]:
    """The edges of a column's range and just past them."""
    hi = column.maximum
    if hi is None:
        hi = MAX_MONEY if "currency" in column.unit else MAX_QUANTITY
    lo = column.minimum if column.minimum is not None else -hi
    values = [lo, hi, lo - 1, hi * 1.01 + 1, 1e-300, 2.0**63, -(2.0**63), math.inf]
    if column.type is ColumnType.INT:
        return [str(int(v)) if math.isfinite(v) else "inf" for v in values]
    return [repr(v) for v in values]


@st.composite
def corruption(draw: st.DrawFn) -> tuple[str, int, str, str]:
    table = draw(st.sampled_from(TABLES))
    with open(TINY / f"{table}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    column = draw(st.sampled_from(header))
    line = draw(st.integers(1, max(1, len(rows) - 1)))
    schema = SCHEMAS[table].column_map.get(column)
    numeric = schema is not None and schema.type in (ColumnType.INT, ColumnType.FLOAT)
    pool = (limit_values(schema) if numeric and schema is not None else []) + ODD_TEXT
    value = draw(
        st.one_of(
            st.sampled_from(pool),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.text(max_size=12),
        )
    )
    return table, line, column, value


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


#: Memory one example may add to the process (virtual, so thread stacks and arenas count).
EXTRA_MEMORY = 4 << 30


@contextmanager
def memory_cap(extra: int) -> Iterator[None]:
    """Cap this process's address space at its present size plus ``extra`` bytes: a value
    inside the limits that needs more fails the example with MemoryError, not the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm", encoding="ascii") as fh:
        size = int(fh.read().split()[0]) * resource.getpagesize()
    cap = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def corrupt(folder: Path, table: str, line: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if line < len(rows):
        rows[line][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@settings(
    # a fixed sequence in CI; RACKFORGE_FUZZ_EXAMPLES=N hunts with N fresh random examples
    max_examples=int(os.environ.get("RACKFORGE_FUZZ_EXAMPLES", "40")),
    derandomize="RACKFORGE_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=corruption())
def test_a_corrupted_cell_is_refused_or_runs_everywhere(
    case: tuple[str, int, str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table, line, column, value = case
    folder = tmp_path_factory.mktemp("fuzz") / "tiny"
    shutil.copytree(TINY, folder)
    corrupt(folder, table, line, column, value)
    try:
        scenario = load_scenario(folder)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:  # located: a file, and a line for a cell
            assert problem.file.endswith((".csv", ".yaml")), problem
        return
    try:
        with alarm(120), memory_cap(EXTRA_MEMORY):
            run_job(scenario, JOB)
    except TYPED as exc:
        assert str(exc)
