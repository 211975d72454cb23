"""JSON documents as the commands write them: indented, atomic, non-finite floats spelled out."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from rackforge._atomic import atomic_target


def jsonable(value: Any) -> Any:
    """``value`` with NaN as null, infinities as "inf"/"-inf" and numpy scalars as Python
    numbers (JSON has no non-finite numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return jsonable(value.item())
    return value


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as indented JSON atomically."""
    text = json.dumps(jsonable(data), indent=2, allow_nan=False) + "\n"
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
