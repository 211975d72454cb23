"""``results.xlsx``: every result table of a run, one sheet each."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rackforge._atomic import atomic_target

_MAX_SHEET_NAME = 31  # Excel's limit


def write_workbook(path: str | os.PathLike[str], tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` as sheets (names cut to Excel's 31 characters); atomically."""
    with atomic_target(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:_MAX_SHEET_NAME], index=False)
    return Path(path)
