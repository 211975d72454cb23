"""Checking a report in headless Chromium: did every figure render, did any script fail?

The report's own script records, on ``<body>``, how many figures it has, how many plotly drew
and how many errors were raised or logged; Chromium's ``--dump-dom`` returns the page after its
scripts ran, so no browser driver is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Flags for a closed network and a root user (no sandbox); no background connections.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
    "--dump-dom",
)


@dataclass(frozen=True)
class BrowserCheck:
    figures: int
    rendered: int
    errors: int


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def check_report(path: Path, chromium: str, timeout_s: float = 120.0) -> BrowserCheck:
    """Load ``path`` in headless Chromium and read the counters the report wrote on ``<body>``."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *_FLAGS, f"--user-data-dir={profile}", path.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    body = re.search(r"<body([^>]*)>", done.stdout)
    if body is None:
        raise RuntimeError(
            f"Chromium returned no page (exit {done.returncode}): {done.stderr[-500:]}"
        )

    def attr(name: str) -> int:
        found = re.search(rf'data-{name}="(\d+)"', body.group(1))
        if found is None:
            raise RuntimeError(f"the report's check script did not run (no data-{name} on <body>)")
        return int(found.group(1))

    return BrowserCheck(figures=attr("figures"), rendered=attr("rendered"), errors=attr("errors"))
