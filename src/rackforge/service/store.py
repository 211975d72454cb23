"""Scenario versions: uploads unpacked safely, validated as the command line does, and kept
as content-addressed, canonical zip archives.

A version's content hash is the SHA-256 of its canonical archive (the scenario's files in
name order, fixed timestamps), so the same files give the same hash whoever uploads them.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rackforge.scenario import Scenario, ScenarioError
from rackforge.service.db import Blob, ScenarioRow, Version

#: Largest upload accepted (bytes) and largest unpacked content (against zip bombs).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_FILES = 500
WORKBOOK = "scenario.xlsx"
_EPOCH = (1980, 1, 1, 0, 0, 0)


class UploadError(ValueError):
    """An upload that is not a valid scenario; ``problems`` are located like the CLI's."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:5]))


def unpack(data: bytes, filename: str, into: Path) -> Path:
    """Write the upload under ``into``; return the scenario's path (a folder or a workbook).

    Refused: anything but a zip archive or an .xlsx workbook, entries with absolute paths,
    ``..``, links, more than :data:`MAX_FILES` files or :data:`MAX_UNPACKED_BYTES` in all."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError([f"{filename}: larger than {MAX_UPLOAD_BYTES // 2**20} MiB"])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError([f"{filename}: not a zip archive or an .xlsx workbook"]) from None
    names = archive.namelist()
    if "[Content_Types].xml" in names:  # an Office Open XML workbook
        path = into / WORKBOOK
        path.write_bytes(data)
        return path
    members = [m for m in archive.infolist() if not m.is_dir()]
    problems = []
    if len(members) > MAX_FILES:
        problems.append(f"{filename}: more than {MAX_FILES} files")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        problems.append(f"{filename}: more than {MAX_UNPACKED_BYTES // 2**20} MiB unpacked")
    for m in members:
        parts = PurePosixPath(m.filename).parts
        if m.filename.startswith(("/", "\\")) or ".." in parts or ":" in m.filename:
            problems.append(f"{filename}: {m.filename}: a path outside the archive")
        elif stat.S_ISLNK(m.external_attr >> 16):
            problems.append(f"{filename}: {m.filename}: a link")
    if problems:
        raise UploadError(problems)
    for m in members:
        target = into.joinpath(*PurePosixPath(m.filename).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(m) as src:
            target.write_bytes(src.read(MAX_UNPACKED_BYTES + 1))
    return _root(into, filename)


def _root(into: Path, filename: str) -> Path:
    """The folder holding ``scenario.yaml``: the archive's top or its one top folder."""
    if (into / "scenario.yaml").is_file():
        return into
    tops = [p for p in into.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(tops) == 1 and tops[0].is_dir() and (tops[0] / "scenario.yaml").is_file():
        return tops[0]
    raise UploadError([f"{filename}: no scenario.yaml at the top of the archive"])


def validate(path: Path) -> Scenario:
    """Load ``path`` exactly as every command does (tables, then the roadmap); raise
    :class:`UploadError` with every problem, located relative to the upload."""
    from rackforge.roadmap.parse import load_checked

    try:
        return load_checked(path)
    except ScenarioError as exc:
        base = str(path.parent if path.is_file() else path) + "/"
        raise UploadError([str(p).replace(base, "") for p in exc.problems]) from None


def canonical_archive(path: Path) -> bytes:
    """The scenario at ``path`` as a zip of its regular files in name order, fixed times."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        if path.is_file():
            files = [(WORKBOOK, path)]
        else:
            files = sorted(
                (p.relative_to(path).as_posix(), p)
                for p in path.rglob("*")
                if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
            )
        for name, file in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, file.read_bytes())
    return buffer.getvalue()


def put_blob(session: Session, data: bytes) -> str:
    """Store ``data`` once under its SHA-256; return the hash."""
    key = hashlib.sha256(data).hexdigest()
    if session.get(Blob, key) is None:
        session.add(Blob(hash=key, size=len(data), data=data))
        session.flush()
    return key


def summary(scenario: Scenario) -> dict[str, Any]:
    """What a version holds, for listings: name, description, horizon and rows per table."""
    config = scenario.config
    return {
        "name": config.name,
        "description": config.description,
        "start": str(config.start),
        "horizon_weeks": int(config.horizon_weeks),
        "tables": {name: len(table) for name, table in sorted(scenario.tables.items())},
        "valid": True,
    }


@dataclass(frozen=True)
class Stored:
    scenario_id: int
    version: int
    version_id: int
    content_hash: str


def add_version(
    session: Session,
    path: Path,
    author: str,
    message: str = "",
    scenario_id: int | None = None,
    parent: Version | None = None,
) -> Stored:
    """Validate the scenario at ``path`` and store it as the next version of ``scenario_id``
    (a new scenario when None). Raises :class:`UploadError`; nothing is stored then."""
    scenario = validate(path)
    key = put_blob(session, canonical_archive(path))
    if scenario_id is None:
        row = ScenarioRow(name=scenario.config.name, created_by=author)
        session.add(row)
        session.flush()
        scenario_id = row.id
    number = (
        session.scalar(select(func.max(Version.number)).where(Version.scenario_id == scenario_id))
        or 0
    ) + 1
    version = Version(
        scenario_id=scenario_id,
        number=number,
        content_hash=key,
        parent_id=None if parent is None else parent.id,
        author=author,
        message=message,
        summary=summary(scenario),
    )
    session.add(version)
    session.flush()
    return Stored(scenario_id, number, version.id, key)


def materialise(session: Session, version: Version, into: Path) -> Path:
    """Write ``version``'s files under ``into``; return the scenario's path."""
    blob = session.get(Blob, version.content_hash)
    assert blob is not None  # a foreign key
    with zipfile.ZipFile(io.BytesIO(blob.data)) as archive:
        archive.extractall(into)
    workbook = into / WORKBOOK
    return workbook if workbook.is_file() else into
