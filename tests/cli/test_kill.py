"""A killed command leaves its output folder as it was or as the finished run leaves it, never
a mix of the two (every folder is staged beside it and swapped into place in one step)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from rackforge import load_scenario
from rackforge.scenario.io import bundled_path

COMMANDS = {
    "plan": ["plan", "tiny", "--no-ceiling"],
    "run": ["run", "tiny", "--scenarios", "64", "--replications", "1", "--twin-weeks", "1"],
}
KILLS = {"plan": (0.3, 0.6, 0.9, 0.97), "run": (0.5, 0.95)}  # shares of a run's time


def rackforge(args: list[str]) -> subprocess.Popen[bytes]:
    code = "from rackforge.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_kill_leaves_the_old_output_or_the_new(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [*COMMANDS[command], "--out", str(out)]
    started = time.perf_counter()
    first = rackforge(args)
    assert first.wait(timeout=600) == 0
    took = time.perf_counter() - started
    old = snapshot(out)
    for name in old:
        if name.endswith(".csv"):
            pd.read_csv(out / name)  # complete files
    for fraction in KILLS[command]:
        victim = rackforge(args)
        time.sleep(took * fraction)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        after = snapshot(out)
        assert set(after) == set(old), fraction  # never a half-written or mixed folder
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
        assert all(name.startswith(".out.partial-") for name in leftovers)
    finished = rackforge(args)
    assert finished.wait(timeout=600) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # stale stagings are cleared
    assert os.listdir(out)


def test_a_killed_write_into_a_scenario_leaves_it_valid(tmp_path: Path) -> None:
    # roadmap --write-demand replaces demand.csv through a hidden temporary file beside it: a
    # kill leaves the old or the new table, and a leftover temporary file is not read.
    folder = tmp_path / "racks"
    shutil.copytree(bundled_path("us-ai-racks"), folder)
    args = ["roadmap", str(folder), "--write-demand"]
    started = time.perf_counter()
    assert rackforge(args).wait(timeout=600) == 0
    took = time.perf_counter() - started
    for fraction in (0.5, 0.8, 0.95):
        victim = rackforge(args)
        time.sleep(took * fraction)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        load_scenario(folder)  # raises if a table is half-written or a temporary one is read


CREATORS = {
    "new": lambda target: ["new", str(target), "--from", "tiny"],
    "whatif": lambda target: ["whatif", "tiny", str(target), "--event", "plant-a:2026-W03:2:0"],
    "export": lambda target: ["export", "tiny", "--xlsx", str(target)],
}


@pytest.mark.parametrize("command", list(CREATORS))
def test_a_killed_new_scenario_is_whole_or_absent(command: str, tmp_path: Path) -> None:
    # new, whatif and export create a scenario (a folder or a workbook) in one step: after a
    # kill at any moment the target is absent or loads, and only hidden stagings are left.
    def target(i: int) -> Path:
        return tmp_path / (f"copy{i}.xlsx" if command == "export" else f"copy{i}")

    started = time.perf_counter()
    assert rackforge(CREATORS[command](target(0))).wait(timeout=600) == 0
    took = time.perf_counter() - started
    load_scenario(target(0))
    for i, fraction in enumerate((0.4, 0.7, 0.85, 0.95), start=1):
        victim = rackforge(CREATORS[command](target(i)))
        time.sleep(took * fraction)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        if target(i).exists():
            load_scenario(target(i))  # whole, never a partial copy
        visible = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
        assert visible == sorted(target(j).name for j in range(i + 1) if target(j).exists())
        if not target(i).exists():  # the command can be run again, and clears its staging
            assert rackforge(CREATORS[command](target(i))).wait(timeout=600) == 0
            load_scenario(target(i))
            stale = [p.name for p in tmp_path.iterdir() if p.name.startswith(f".copy{i}")]
            assert not stale, stale
