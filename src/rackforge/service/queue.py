"""Runs as a queue in the store: submit, claim, heartbeat, finish, cancel, reclaim.

The run table is the queue. A worker claims the oldest queued run with one conditional
``UPDATE ... WHERE status = 'queued'`` (atomic on SQLite and PostgreSQL alike: of two workers
racing for a run, one updates a row and the other none), keeps a heartbeat while it runs, and
writes the end state with the files in one transaction. A run whose heartbeat is older than
the lease (its worker was killed) is queued once more, then failed, so no run stays
"running" forever.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from rackforge.service.db import Kpi, Run, RunFile, Version, utcnow
from rackforge.service.jobs import JobCall
from rackforge.service.store import put_blob

ACTIVE = ("queued", "running")
FINAL = ("succeeded", "failed", "cancelled")
#: Most queued and running runs one user may have at once.
MAX_ACTIVE_RUNS = 4
#: Attempts before a run whose worker vanished is failed rather than queued again.
MAX_ATTEMPTS = 2


class QuotaError(ValueError):
    """A user already has :data:`MAX_ACTIVE_RUNS` runs queued or running."""


def submit(
    session: Session, version: Version, call: JobCall, user: str, limit: int = MAX_ACTIVE_RUNS
) -> Run:
    active = session.scalar(
        select(func.count()).select_from(Run).where(Run.created_by == user, Run.status.in_(ACTIVE))
    )
    if (active or 0) >= limit:
        raise QuotaError(f"{user} has {active} runs queued or running (at most {limit})")
    run = Run(
        version_id=version.id,
        job=call.job,
        options=call.options,
        seed=call.seed,
        status="queued",
        progress={},
        created_by=user,
        input_hash=version.content_hash,
        environment={},
        attempts=0,
        cancel_requested=False,
    )
    session.add(run)
    session.flush()
    return run


def claim(factory: sessionmaker[Any], worker: str) -> int | None:
    """Claim the oldest queued run for ``worker``; its id, or None when none is queued."""
    while True:
        with factory.begin() as session:
            run_id = session.scalar(
                select(Run.id).where(Run.status == "queued").order_by(Run.id).limit(1)
            )
            if run_id is None:
                return None
            now = utcnow()
            done = session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(
                    status="running",
                    worker=worker,
                    started_at=now,
                    heartbeat_at=now,
                    attempts=Run.attempts + 1,
                )
            )
            if done.rowcount == 1:
                return int(run_id)


def heartbeat(factory: sessionmaker[Any], run_id: int, progress: dict[str, Any]) -> bool:
    """Record that the run is alive and how far it is; True if a cancel was asked."""
    with factory.begin() as session:
        session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == "running")
            .values(heartbeat_at=utcnow(), progress=progress)
        )
        return bool(session.scalar(select(Run.cancel_requested).where(Run.id == run_id)))


def finish(
    factory: sessionmaker[Any],
    run_id: int,
    status: str,
    *,
    error: str | None = None,
    exit_code: int | None = None,
    files: dict[str, bytes] | None = None,
    kpis: dict[str, float] | None = None,
    progress: dict[str, Any] | None = None,
) -> None:
    """Write the run's end state, files and KPIs at once (only if it is still running)."""
    assert status in FINAL
    with factory.begin() as session:
        run = session.get(Run, run_id, with_for_update=True)
        if run is None or run.status != "running":
            return
        for name, data in sorted((files or {}).items()):
            session.add(
                RunFile(run_id=run_id, name=name, blob_hash=put_blob(session, data), size=len(data))
            )
        for name, value in sorted((kpis or {}).items()):
            session.add(Kpi(run_id=run_id, name=name, value=value))
        run.status = status
        run.error = error
        run.exit_code = exit_code
        run.finished_at = utcnow()
        if progress is not None:
            run.progress = progress


def cancel(session: Session, run: Run) -> None:
    """A queued run is cancelled at once; a running one when its worker next beats."""
    if run.status == "queued":
        run.status = "cancelled"
        run.finished_at = utcnow()
    elif run.status == "running":
        run.cancel_requested = True


def reclaim(factory: sessionmaker[Any], lease_s: float) -> list[int]:
    """Runs whose worker stopped beating for ``lease_s``: queued again, or failed after
    :data:`MAX_ATTEMPTS`. Returns their ids."""
    limit = utcnow() - dt.timedelta(seconds=lease_s)
    changed = []
    with factory.begin() as session:
        stale = session.scalars(
            select(Run).where(Run.status == "running", Run.heartbeat_at < limit)
        ).all()
        for run in stale:
            changed.append(run.id)
            lost = f"worker {run.worker} stopped (no heartbeat for {lease_s:g} s)"
            if run.cancel_requested:
                run.status, run.finished_at = "cancelled", utcnow()
            elif run.attempts >= MAX_ATTEMPTS:
                run.status, run.finished_at = "failed", utcnow()
                run.error = f"{lost}, {run.attempts} attempts"
            else:
                run.status, run.worker, run.error = "queued", None, f"{lost}; queued again"
    return changed
