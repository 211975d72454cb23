"""Property: any corruption of a valid scenario ends in located problems, never a traceback,
and nothing is written."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rackforge import ScenarioError, load_scenario, save_workbook
from rackforge.cli import app
from rackforge.scenario import bundled_path

TINY = bundled_path("tiny")
TABLES = sorted(p.stem for p in TINY.glob("*.csv"))
LOCATED = re.compile(r"^[\w.-]+\.(csv|yaml|xlsx(\[\w+\])?)(:\d+)?: [^:]+: .+$")
JUNK = st.sampled_from(
    [
        "",
        "-1",
        "-0.5",
        "abc",
        "1e400",
        "nan",
        "2027-W60",
        "2026-W99",
        "9999",
        " x ",
        "1.5",
        "true",
        "0",
    ]
)


def corrupt(folder: Path, data: st.DataObject) -> None:
    kind = data.draw(
        st.sampled_from(
            [
                "drop_column",
                "rename_column",
                "cell",
                "duplicate_row",
                "cycle",
                "empty",
                "bytes",
                "truncate",
                "yaml",
            ]
        )
    )
    if kind == "yaml":
        path = folder / "scenario.yaml"
        text = path.read_text()
        edits = {
            "horizon_weeks: 8": data.draw(
                st.sampled_from(["horizon_weeks: -3", "horizon_weeks: x", "horizon_weeks: [1"])
            ),
            "start: 2026-W01": data.draw(
                st.sampled_from(["start: 2026-W77", "start: soon", "start:"])
            ),
        }
        key = data.draw(st.sampled_from(sorted(edits)))
        path.write_text(text.replace(key, edits[key]))
        return
    table = data.draw(st.sampled_from(TABLES))
    path = folder / f"{table}.csv"
    lines = path.read_text().splitlines()
    cells = [line.split(",") for line in lines]
    if kind == "drop_column":
        j = data.draw(st.integers(0, len(cells[0]) - 1))
        cells = [row[:j] + row[j + 1 :] for row in cells]
    elif kind == "rename_column":
        j = data.draw(st.integers(0, len(cells[0]) - 1))
        cells[0][j] = cells[0][j] + "_typo"
    elif kind == "cell" and len(cells) > 1:
        i = data.draw(st.integers(1, len(cells) - 1))
        j = data.draw(st.integers(0, len(cells[i]) - 1))
        cells[i][j] = data.draw(JUNK)
    elif kind == "duplicate_row" and len(cells) > 1:
        cells.append(list(cells[data.draw(st.integers(1, len(cells) - 1))]))
    elif kind == "cycle":
        path = folder / "bom.csv"
        cells = [line.split(",") for line in path.read_text().splitlines()] + [
            ["frame-t", "rack-t", "1", "", "0"]
        ]
    elif kind == "empty":
        path.write_bytes(b"")
        return
    elif kind == "bytes":
        raw = bytearray(path.read_bytes())
        raw.insert(
            data.draw(st.integers(0, len(raw))), data.draw(st.sampled_from([0xFF, 0xC3, 0x80]))
        )
        path.write_bytes(bytes(raw))
        return
    elif kind == "truncate":
        text = path.read_text()
        path.write_text(text[: data.draw(st.integers(0, len(text)))])
        return
    path.write_text("\n".join(",".join(row) for row in cells) + "\n")


def check_located(error: ScenarioError) -> None:
    assert error.problems
    for problem in error.problems:
        assert LOCATED.match(str(problem)), str(problem)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_corrupted_folder_gives_located_problems(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(TINY, folder)
        corrupt(folder, data)
        try:
            load_scenario(folder)
        except ScenarioError as exc:
            check_located(exc)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_cli_writes_nothing_on_bad_input(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(TINY, folder)
        corrupt(folder, data)
        out = Path(tmp) / "out.xlsx"
        result = CliRunner().invoke(app, ["export", str(folder), "--xlsx", str(out)])
        if result.exit_code == 2:
            assert not out.exists()
            assert "problem" in result.output
        else:
            assert result.exit_code == 0, result.output
            assert out.exists()


@settings(max_examples=30, deadline=None)
@given(cut=st.floats(0.0, 1.0), flip=st.integers(0, 10_000))
def test_broken_workbook(cut: float, flip: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "s.xlsx"
        save_workbook(load_scenario("tiny"), book)
        raw = bytearray(book.read_bytes())
        raw = raw[: int(len(raw) * cut)]
        if raw:
            raw[flip % len(raw)] ^= 0xFF
        book.write_bytes(bytes(raw))
        try:
            load_scenario(book)
        except ScenarioError as exc:
            check_located(exc)
