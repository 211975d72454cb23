"""Workbook cells written as what they are: text stays text."""

from __future__ import annotations

from typing import Any


def keep_text(sheet: Any) -> None:
    """openpyxl stores a string that starts with ``=`` as a formula; rackforge writes no
    formulas, so every such cell is text a scenario holds (a note, a name) and is stored as
    text, never as a live formula (spreadsheet formula injection)."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
