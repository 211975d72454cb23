"""Helpers of the service tests: auth headers and zipped folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def zipped(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()
