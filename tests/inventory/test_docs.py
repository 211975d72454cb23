"""Every Python example of docs/inventory.md runs, and prints what the comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "inventory.md").read_text(), re.S)


def test_there_are_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS)
def test_example_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/inventory.md", "exec"), {})
    expected = [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.startswith("# ") or ("print(" in line and "  # " in line)
    ]
    for text in expected:
        assert text in out.getvalue()
