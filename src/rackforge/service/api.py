"""The HTTP API under ``/api/v1`` (FastAPI), described at ``/api/v1/openapi.json``.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations,
which name dependencies defined inside :func:`create_app`.

Every endpoint but the schema and its docs asks for a bearer token: 401 without a valid one,
403 when the user's role is too low. Solves never run here: a run is queued for the workers.
"""

import asyncio
import json
import mimetypes
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rackforge.service import queue
from rackforge.service.auth import (
    AuthError,
    Role,
    add_user,
    authenticate,
    create_token,
    revoke_tokens,
)
from rackforge.service.db import (
    Audit,
    Blob,
    Kpi,
    Run,
    RunFile,
    ScenarioRow,
    User,
    Version,
    make_engine,
    sessions,
    utcnow,
)
from rackforge.service.jobs import JOBS, OptionError, check, describe_jobs, result_name
from rackforge.service.store import (
    MAX_UPLOAD_BYTES,
    UploadError,
    add_version,
    materialise,
    unpack,
    validate,
)

PREFIX = "/api/v1"
WEB = Path(__file__).parent / "web"
#: Ids and version numbers fit a 32-bit integer column on every backend.
MAX_ID = 2**31 - 1
IdPath = Annotated[int, PathParam(ge=1, le=MAX_ID)]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
_bearer = HTTPBearer(auto_error=False)


class Settings(BaseModel):
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_active_runs: int = queue.MAX_ACTIVE_RUNS
    event_poll_s: float = 0.5


class StoredOut(BaseModel):
    id: int
    version: int
    content_hash: str
    parent: int | None = None


class WhatIfIn(BaseModel):
    version: IdField | None = Field(None, description="Base version (default: the latest).")
    events: list[str] = Field(
        [], max_length=500, description="TARGET:START:WEEKS:FACTOR[:ITEM], as in whatif."
    )
    set: list[str] = Field([], max_length=500, description="TABLE.KEY.COLUMN=VALUE, as in --set.")
    name: str | None = Field(None, max_length=100)
    message: str = Field("", max_length=2000)


class RunIn(BaseModel):
    scenario_id: IdField
    version: IdField | None = Field(None, description="Version to run (default: the latest).")
    job: str = Field(..., max_length=32, description=f"One of {', '.join(JOBS)}.")
    options: dict[str, Any] = Field({}, description="Options of the command, by Python name.")


class RunCreated(BaseModel):
    id: int
    status: str


class CompareIn(BaseModel):
    run_ids: list[IdField] = Field(..., min_length=1, max_length=50)


class UserIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
    role: Role = Role.viewer


class TokenIn(BaseModel):
    expires_days: float | None = Field(None, gt=0, le=3650)


def create_app(url: str, settings: Settings | None = None) -> FastAPI:
    """The API on the store at ``url`` (migrated: :func:`rackforge.service.db.upgrade`)."""
    settings = settings or Settings()
    engine = make_engine(url)
    factory: sessionmaker[Any] = sessions(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="rackforge planning service",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def web_app() -> FileResponse:
        """The planners' web app (static files over this API; nothing fetched elsewhere)."""
        return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})

    def db() -> Iterator[Session]:
        with factory() as session:
            yield session

    DB = Annotated[Session, Depends(db)]

    def user(
        session: DB,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> User:
        found = None if credentials is None else authenticate(session, credentials.credentials)
        if found is None:
            raise HTTPException(
                401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
            )
        return found

    def role(minimum: Role) -> Callable[[User], User]:
        def allowed(who: Annotated[User, Depends(user)]) -> User:
            if Role[who.role] < minimum:
                raise HTTPException(403, f"{who.name} is a {who.role}; this needs a {minimum.name}")
            return who

        return allowed

    Viewer = Annotated[User, Depends(role(Role.viewer))]
    Planner = Annotated[User, Depends(role(Role.planner))]
    Admin = Annotated[User, Depends(role(Role.admin))]

    def audit(session: Session, who: User, action: str, target: str, **detail: Any) -> None:
        session.add(Audit(user=who.name, action=action, target=target, detail=detail))

    def scenario_row(session: Session, scenario_id: int) -> ScenarioRow:
        row = session.get(ScenarioRow, scenario_id)
        if row is None or row.deleted_at is not None:
            raise HTTPException(404, f"no scenario {scenario_id}")
        return row

    def version_row(session: Session, scenario_id: int, number: int | None) -> Version:
        scenario_row(session, scenario_id)
        query = select(Version).where(Version.scenario_id == scenario_id)
        if number is None:
            query = query.order_by(Version.number.desc()).limit(1)
        else:
            query = query.where(Version.number == number)
        found = session.scalar(query)
        if found is None:
            raise HTTPException(404, f"scenario {scenario_id} has no version {number}")
        return found

    def run_row(session: Session, run_id: int) -> Run:
        found = session.get(Run, run_id)
        if found is None:
            raise HTTPException(404, f"no run {run_id}")
        return found

    def stored(make: Callable[[Session], StoredOut]) -> StoredOut:
        """``make`` in a transaction, once more if a concurrent writer took the same version
        number or blob first (a unique key refuses the second)."""
        for attempt in range(3):
            try:
                with factory.begin() as session:
                    return make(session)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @app.get(f"{PREFIX}/me")
    def me(who: Viewer) -> dict[str, Any]:
        """The signed-in user and role (what the web app offers depends on it)."""
        return {"name": who.name, "role": who.role}

    @app.get(f"{PREFIX}/jobs")
    def jobs(_who: Viewer) -> list[dict[str, Any]]:
        """Every job and the options a run may set, as its command declares them."""
        return describe_jobs()

    @app.exception_handler(UploadError)
    def _bad_upload(_request: Request, exc: UploadError) -> JSONResponse:
        return JSONResponse({"detail": "invalid scenario", "problems": exc.problems}, 422)

    @app.exception_handler(OptionError)
    def _bad_options(_request: Request, exc: OptionError) -> JSONResponse:
        return JSONResponse({"detail": "invalid options", "problems": exc.problems}, 422)

    @app.post(f"{PREFIX}/scenarios", status_code=201, response_model=StoredOut)
    def upload(
        who: Planner,
        file: Annotated[UploadFile, File(description="A zipped scenario folder or an .xlsx")],
        message: Annotated[str, Form(max_length=2000)] = "",
    ) -> StoredOut:
        data = file.file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"uploads are limited to {settings.max_upload_bytes} bytes")
        with tempfile.TemporaryDirectory(prefix="rackforge-upload-") as scratch:
            path = unpack(data, file.filename or "upload", Path(scratch))

            def make(session: Session) -> StoredOut:
                out = add_version(session, path, who.name, message)
                audit(session, who, "upload", f"scenario {out.scenario_id}", version=out.version)
                return StoredOut(
                    id=out.scenario_id, version=out.version, content_hash=out.content_hash
                )

            return stored(make)

    @app.get(f"{PREFIX}/scenarios")
    def list_scenarios(_who: Viewer, session: DB) -> list[dict[str, Any]]:
        rows = session.scalars(
            select(ScenarioRow).where(ScenarioRow.deleted_at.is_(None)).order_by(ScenarioRow.id)
        ).all()
        out = []
        for row in rows:
            latest = version_row(session, row.id, None)
            out.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "created_by": row.created_by,
                    "created_at": row.created_at.isoformat(),
                    "latest_version": latest.number,
                    "summary": latest.summary,
                }
            )
        return out

    @app.get(f"{PREFIX}/scenarios/{{scenario_id}}")
    def get_scenario(scenario_id: IdPath, _who: Viewer, session: DB) -> dict[str, Any]:
        row = scenario_row(session, scenario_id)
        versions = session.scalars(
            select(Version).where(Version.scenario_id == scenario_id).order_by(Version.number)
        ).all()
        numbers = {v.id: v.number for v in versions}
        return {
            "id": row.id,
            "name": row.name,
            "created_by": row.created_by,
            "versions": [
                {
                    "version": v.number,
                    "content_hash": v.content_hash,
                    "parent": numbers.get(v.parent_id) if v.parent_id else None,
                    "author": v.author,
                    "created_at": v.created_at.isoformat(),
                    "message": v.message,
                    "summary": v.summary,
                }
                for v in versions
            ],
        }

    @app.get(f"{PREFIX}/scenarios/{{scenario_id}}/tables/{{table}}")
    def get_table(
        scenario_id: IdPath,
        table: str,
        _who: Viewer,
        session: DB,
        version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        sort: Annotated[str | None, Query(max_length=100)] = None,
        descending: bool = False,
        q: Annotated[str | None, Query(max_length=200, description="Rows containing it")] = None,
    ) -> dict[str, Any]:
        from rackforge.scenario import load_scenario
        from rackforge.scenario.schema import SCHEMAS
        from rackforge.scenario.whatif import row_where

        found = version_row(session, scenario_id, version)
        if table not in found.summary.get("tables", {}):
            raise HTTPException(
                404, f"no table {table!r} (one of {', '.join(found.summary['tables'])})"
            )
        with tempfile.TemporaryDirectory(prefix="rackforge-table-") as scratch:
            frame = load_scenario(materialise(session, found, Path(scratch))).table(table)
        if q:
            text = frame.astype(str)
            hit = text.apply(lambda col: col.str.contains(q, case=False, regex=False)).any(axis=1)
            frame = frame[hit]
        if sort is not None:
            if sort not in frame.columns:
                raise HTTPException(422, f"sort: {table} has no column {sort!r}")
            frame = frame.sort_values(sort, ascending=not descending, kind="stable")
        page = frame.iloc[offset : offset + limit]
        key = SCHEMAS[table].key if table in SCHEMAS else ()
        return {
            "table": table,
            "version": found.number,
            "total": len(frame),
            "offset": offset,
            "limit": limit,
            "columns": [str(c) for c in frame.columns],
            "rows": json.loads(page.to_json(orient="records", date_format="iso")),
            "key_columns": list(key),
            "keys": row_where(page, key).tolist() if key else [],
        }

    @app.post(
        f"{PREFIX}/scenarios/{{scenario_id}}/whatif", status_code=201, response_model=StoredOut
    )
    def what_if_version(
        scenario_id: IdPath,
        body: WhatIfIn,
        who: Planner,
        session: DB,
        response: Response,
        dry_run: Annotated[bool, Query(description="Validate only; store nothing")] = False,
    ) -> StoredOut:
        from rackforge.scenario import ScenarioError, load_scenario
        from rackforge.scenario.edits import CellEdit, EventEdit
        from rackforge.scenario.io import save_scenario
        from rackforge.scenario.whatif import what_if

        base = version_row(session, scenario_id, body.version)
        try:
            events = [EventEdit.parse(spec) for spec in body.events]
            edits = [CellEdit.parse(spec) for spec in body.set]
        except ValueError as exc:
            raise UploadError([str(exc)]) from None
        with tempfile.TemporaryDirectory(prefix="rackforge-whatif-") as scratch:
            root = Path(scratch)
            scenario = load_scenario(materialise(session, base, root / "base"))
            try:
                copy = what_if(scenario, events, edits, name=body.name)
            except ScenarioError as exc:
                raise UploadError([str(p) for p in exc.problems]) from None
            save_scenario(copy, root / "copy", overwrite=True)
            if dry_run:
                validate(root / "copy")
                response.status_code = 200
                return StoredOut(id=scenario_id, version=0, content_hash="", parent=base.number)

            def make(session: Session) -> StoredOut:
                out = add_version(session, root / "copy", who.name, body.message, scenario_id, base)
                audit(
                    session,
                    who,
                    "whatif",
                    f"scenario {scenario_id}",
                    version=out.version,
                    base=base.number,
                )
                return StoredOut(
                    id=scenario_id,
                    version=out.version,
                    content_hash=out.content_hash,
                    parent=base.number,
                )

            return stored(make)

    @app.delete(f"{PREFIX}/scenarios/{{scenario_id}}", status_code=204)
    def delete_scenario(scenario_id: IdPath, who: Planner) -> Response:
        with factory.begin() as session:
            row = scenario_row(session, scenario_id)
            if row.created_by != who.name and Role[who.role] < Role.admin:
                raise HTTPException(403, f"only {row.created_by} or an admin may delete it")
            row.deleted_at = utcnow()
            versions = select(Version.id).where(Version.scenario_id == scenario_id)
            for run in session.scalars(
                select(Run).where(Run.version_id.in_(versions), Run.status.in_(queue.ACTIVE))
            ):
                queue.cancel(session, run)
            audit(session, who, "delete", f"scenario {scenario_id}")
        return Response(status_code=204)

    @app.post(f"{PREFIX}/runs", status_code=202, response_model=RunCreated)
    def create_run(body: RunIn, who: Planner) -> RunCreated:
        call = check(body.job, body.options)
        with factory.begin() as session:
            found = version_row(session, body.scenario_id, body.version)
            try:
                run = queue.submit(session, found, call, who.name, settings.max_active_runs)
            except queue.QuotaError as exc:
                raise HTTPException(429, str(exc)) from None
            audit(
                session,
                who,
                "run",
                f"run {run.id}",
                job=call.job,
                scenario=body.scenario_id,
                version=found.number,
            )
            return RunCreated(id=run.id, status=run.status)

    def describe(session: Session, run: Run) -> dict[str, Any]:
        found = session.get(Version, run.version_id)
        assert found is not None
        names = session.scalars(
            select(RunFile.name).where(RunFile.run_id == run.id).order_by(RunFile.name)
        ).all()
        return {
            "id": run.id,
            "scenario_id": found.scenario_id,
            "version": found.number,
            "job": run.job,
            "options": run.options,
            "seed": run.seed,
            "status": run.status,
            "progress": run.progress,
            "error": run.error,
            "created_by": run.created_by,
            "created_at": run.created_at.isoformat(),
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "attempts": run.attempts,
            "input_hash": run.input_hash,
            "environment": run.environment,
            "exit_code": run.exit_code,
            "files": list(names),
        }

    @app.get(f"{PREFIX}/runs")
    def list_runs(
        _who: Viewer, session: DB, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)).all()
        return [describe(session, r) for r in runs]

    @app.get(f"{PREFIX}/runs/{{run_id}}")
    def get_run(run_id: IdPath, _who: Viewer, session: DB) -> dict[str, Any]:
        return describe(session, run_row(session, run_id))

    @app.get(f"{PREFIX}/runs/{{run_id}}/events", response_class=StreamingResponse)
    def run_events(run_id: IdPath, _who: Viewer, session: DB) -> StreamingResponse:
        run_row(session, run_id)

        def state() -> dict[str, Any]:
            with factory() as s:
                run = s.get(Run, run_id)
                assert run is not None
                return {"status": run.status, "progress": run.progress, "error": run.error}

        async def stream() -> AsyncIterator[str]:
            # async, so that a client following a long run holds no worker thread: only each
            # short read of the run's row goes to the thread pool
            last = None
            while True:
                now = await run_in_threadpool(state)
                if now != last:
                    kind = "end" if now["status"] in queue.FINAL else "progress"
                    yield f"event: {kind}\ndata: {json.dumps(now)}\n\n"
                    last = now
                if now["status"] in queue.FINAL:
                    return
                await asyncio.sleep(settings.event_poll_s)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.post(f"{PREFIX}/runs/{{run_id}}/cancel", status_code=202, response_model=RunCreated)
    def cancel_run(run_id: IdPath, who: Planner) -> RunCreated:
        with factory.begin() as session:
            run = run_row(session, run_id)
            queue.cancel(session, run)
            audit(session, who, "cancel", f"run {run_id}")
            return RunCreated(id=run.id, status=run.status)

    def stored_file(session: Session, run_id: int, name: str) -> bytes | None:
        row = session.scalar(select(RunFile).where(RunFile.run_id == run_id, RunFile.name == name))
        if row is None:
            return None
        blob = session.get(Blob, row.blob_hash)
        assert blob is not None  # a foreign key
        return blob.data

    def file_bytes(session: Session, run_id: int, name: str) -> bytes:
        data = stored_file(session, run_id, name)
        if data is None:
            raise HTTPException(404, f"run {run_id} has no file {name!r}")
        return data

    @app.get(f"{PREFIX}/runs/{{run_id}}/result")
    def run_result(run_id: IdPath, _who: Viewer, session: DB) -> Response:
        run = run_row(session, run_id)
        if run.status != "succeeded":
            raise HTTPException(409, f"run {run_id} is {run.status}: no result")
        return Response(
            file_bytes(session, run_id, result_name(run.job)), media_type="application/json"
        )

    @app.get(f"{PREFIX}/runs/{{run_id}}/files/{{name}}")
    def run_file(run_id: IdPath, name: str, _who: Viewer, session: DB) -> Response:
        run_row(session, run_id)
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(file_bytes(session, run_id, name), media_type=media)

    @app.post(f"{PREFIX}/compare")
    def compare_runs(body: CompareIn, _who: Viewer, session: DB) -> dict[str, Any]:
        runs = [run_row(session, i) for i in body.run_ids]
        rows = session.execute(
            select(Kpi.name, Kpi.run_id, Kpi.value)
            .where(Kpi.run_id.in_(body.run_ids))
            .order_by(Kpi.name)
        ).all()
        table: dict[str, dict[str, float]] = {}
        for name, run_id, value in rows:
            table.setdefault(name, {})[str(run_id)] = value
        base, others = runs[0], runs[1:]
        return {
            "runs": [describe(session, r) for r in runs],
            "kpis": [{"name": n, "values": v} for n, v in table.items()],
            "inputs": [{"run_id": r.id, "tables": input_changes(session, base, r)} for r in others],
            "limits": [{"run_id": r.id, **changed_limits(session, base, r)} for r in others],
        }

    def input_changes(session: Session, base: Run, other: Run) -> list[dict[str, Any]]:
        """What the input tables of ``other``'s version change against ``base``'s."""
        from rackforge.scenario import load_scenario
        from rackforge.scenario.diff import diff_scenarios

        if base.version_id == other.version_id:
            return []
        with tempfile.TemporaryDirectory(prefix="rackforge-diff-") as scratch:
            loaded = []
            for k, run in enumerate((base, other)):
                version = session.get(Version, run.version_id)
                assert version is not None
                loaded.append(load_scenario(materialise(session, version, Path(scratch) / str(k))))
        return [
            {**d.to_dict(), "sentence": d.sentence()} for d in diff_scenarios(loaded[0], loaded[1])
        ]

    def changed_limits(session: Session, base: Run, other: Run) -> dict[str, list[str]]:
        """Binding limits of ``other``'s plan that ``base``'s plan does not have, and back."""

        def limits(run: Run) -> set[str]:
            data = stored_file(session, run.id, "plan.json")
            found = [] if data is None else json.loads(data).get("bottlenecks", [])
            return {f"{b['kind']} {b['id']}" for b in found}

        a, b = limits(base), limits(other)
        return {"appeared": sorted(b - a), "vanished": sorted(a - b)}

    @app.get(f"{PREFIX}/users")
    def list_users(_who: Admin, session: DB) -> list[dict[str, Any]]:
        return [
            {
                "name": u.name,
                "role": u.role,
                "active": u.active,
                "created_at": u.created_at.isoformat(),
            }
            for u in session.scalars(select(User).order_by(User.id))
        ]

    @app.post(f"{PREFIX}/users", status_code=201)
    def create_user(body: UserIn, who: Admin) -> dict[str, Any]:
        with factory.begin() as session:
            try:
                made = add_user(session, body.name, body.role)
            except AuthError as exc:
                raise HTTPException(409, str(exc)) from None
            audit(session, who, "add-user", f"user {made.name}", role=made.role)
            return {"name": made.name, "role": made.role}

    @app.post(f"{PREFIX}/users/{{name}}/tokens", status_code=201)
    def create_user_token(name: str, body: TokenIn, who: Admin) -> dict[str, Any]:
        with factory.begin() as session:
            try:
                token = create_token(session, name, expires_days=body.expires_days)
            except AuthError as exc:
                raise HTTPException(404, str(exc)) from None
            audit(session, who, "create-token", f"user {name}")
            return {"user": name, "token": token}

    @app.delete(f"{PREFIX}/users/{{name}}/tokens")
    def revoke_user_tokens(name: str, who: Admin) -> dict[str, Any]:
        with factory.begin() as session:
            try:
                count = revoke_tokens(session, name)
            except AuthError as exc:
                raise HTTPException(404, str(exc)) from None
            audit(session, who, "revoke-tokens", f"user {name}", count=count)
            return {"user": name, "revoked": count}

    @app.get(f"{PREFIX}/audit")
    def audit_log(
        _who: Admin, session: DB, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        rows = session.scalars(select(Audit).order_by(Audit.id.desc()).limit(limit)).all()
        return [
            {
                "at": a.at.isoformat(),
                "user": a.user,
                "action": a.action,
                "target": a.target,
                "detail": a.detail,
            }
            for a in rows
        ]

    return app
