"""``results.xlsx``: every result table of a run, one sheet each."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from rackforge._atomic import atomic_target
from rackforge._xlsx import keep_text

_MAX_SHEET_NAME = 31  # Excel's limit


def write_workbook(path: str | os.PathLike[str], tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` as sheets (names cut to Excel's 31 characters), each with its header
    row frozen and a filter on its columns, and a header even when it has no rows; atomically.
    Infinite numbers (a node that never runs out, an unlimited capacity) are left blank:
    Excel has no infinity and would store the text "inf" in a numeric column."""
    with atomic_target(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet_name = name[:_MAX_SHEET_NAME]
            table = frame if len(frame.columns) else pd.DataFrame({"note": ["no rows"]})
            numeric = table.select_dtypes("number").columns
            table = table.assign(
                **{c: table[c].where(np.isfinite(table[c].astype(float))) for c in numeric}
            )
            table.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            keep_text(sheet)
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
    return Path(path)
