"""Atomic writes of files and output folders: write beside the target, then rename (or swap)
it into place, so nothing is ever half-written or mixed."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, else vanishes.
    Temporaries of ``path`` that a killed run left behind are removed first."""
    target = Path(path)
    prefix = _partial_prefix(target)
    fd, name = tempfile.mkstemp(suffix=target.suffix, prefix=prefix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes owner-only files; results are meant to be shared
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


#: What an output folder may hold to be replaced as a whole: the files rackforge writes there.
OUTPUT_SUFFIXES = (".json", ".csv", ".xlsx", ".html")


class OutputFolderError(ValueError):
    """An output folder that cannot be replaced safely (names the folder and why)."""


def check_output_folder(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work, an output folder that is a file, holds anything but output
    files (it is replaced as a whole) or whose parent cannot be written."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputFolderError(f"{target} is a file, not a folder")
    if target.is_dir():
        others = sorted(
            p.name
            for p in target.iterdir()
            if p.is_symlink() or not p.is_file() or p.suffix not in OUTPUT_SUFFIXES
        )
        if others:
            shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
            raise OutputFolderError(
                f"{target} holds other things than rackforge output ({shown}); it is replaced "
                "as a whole, so choose a new or empty folder"
            )
    parent = target.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"cannot write in {parent}")
    return target


@contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging folder beside ``path``; on success it takes the place of
    ``path`` in one step (the old folder, if any, is swapped out and deleted), else it
    vanishes. After a crash or a kill the folder holds the old output or the new, never a
    mix; stagings a killed run left behind are removed the next time."""
    target = check_output_folder(path)
    staging = staging_folder(target)
    try:
        yield staging
        staging.chmod(0o755)
        if target.exists():
            if not _exchange(staging, target):
                old = staging.with_name(staging.name + "-old")
                target.rename(old)  # the one moment without the folder: the old one is here
                staging.rename(target)
                staging = old
        else:
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def staging_folder(target: Path) -> Path:
    """A new empty folder beside ``target`` to write it in, after removing the stagings of
    ``target`` that a killed run left behind."""
    return Path(tempfile.mkdtemp(prefix=_partial_prefix(target), dir=target.parent))


def _partial_prefix(target: Path) -> str:
    """The name prefix of ``target``'s temporaries, in its (created) parent folder; those a
    killed run left there, files or folders, are removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.partial-"
    for stale in target.parent.glob(prefix + "*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    return prefix


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(done == 0)
