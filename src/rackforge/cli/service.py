"""``rackforge serve``, ``worker``, ``db upgrade``, ``user`` and ``token``: the planning
service (``rackforge.service``)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from rackforge.cli._common import EXIT_INVALID, console, err_console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DbOption = typer.Option(
    None, "--db", help="Database URL (default: $RACKFORGE_DB, else SQLite in the data folder)."
)
LeaseOption = typer.Option(
    30.0,
    "--lease",
    min=1.0,
    help="Seconds without a heartbeat before a run is taken back from its worker.",
)

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the service.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens of the service's users.", no_args_is_help=True)


def _url(db: str | None) -> str:
    """The store's URL; first, a clear refusal when the service's packages are missing."""
    import importlib.util

    missing = [
        name
        for name in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "multipart")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        err_console.print(
            f"the service needs {', '.join(missing)}: pip install 'rackforge[server]'",
            markup=False,
        )
        raise typer.Exit(EXIT_INVALID)
    from rackforge.service.db import default_url

    return db or default_url()


def serve(
    db: str | None = DbOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(2, min=0, help="Local worker processes (0: remote ones only)."),
    lease: float = LeaseOption,
) -> None:
    """Serve the planning API (/api/v1) with local workers; the schema is upgraded first."""
    url = _url(db)
    import uvicorn
    from sqlalchemy import func, select

    from rackforge.service.api import create_app
    from rackforge.service.db import User, store, upgrade
    from rackforge.service.worker import die_with_parent

    upgrade(url)
    with store(url) as factory, factory() as session:
        if not session.scalar(select(func.count()).select_from(User)):
            console.print(
                "no users yet: rackforge user add NAME --role admin, then "
                "rackforge token create NAME",
                markup=False,
            )
    stop = threading.Event()
    command = [sys.executable, "-m", "rackforge.cli", "worker", "--lease", str(lease)]
    if db:
        command += ["--db", db]

    def start() -> subprocess.Popen[bytes]:  # workers stop with the server, even on kill -9
        return subprocess.Popen(command, preexec_fn=die_with_parent)

    procs = [start() for _ in range(workers)]

    def supervise() -> None:  # a worker that dies is replaced; its run is reclaimed
        while not stop.wait(2.0):
            for k, proc in enumerate(procs):
                if proc.poll() is not None:
                    procs[k] = start()

    threading.Thread(target=supervise, daemon=True).start()
    console.print(f"rackforge service on http://{host}:{port}/api/v1 ({workers} workers)")
    try:
        uvicorn.run(create_app(url), host=host, port=port, log_level="info")
    finally:
        stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def worker(
    db: str | None = DbOption,
    lease: float = LeaseOption,
    once: bool = typer.Option(False, "--once", help="Stop when no run is queued."),
) -> None:
    """Execute queued runs (on this or another machine than the server)."""
    url = _url(db)
    from rackforge.service.db import upgrade
    from rackforge.service.worker import work

    upgrade(url)
    try:
        done = work(url, lease_s=lease, once=once)
    except KeyboardInterrupt:
        return
    console.print(f"{done} run(s) executed")


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    url = _url(db)
    from rackforge.service.db import upgrade

    upgrade(url)
    console.print("schema up to date")


@contextmanager
def _audited(db: str | None, action: str, target: str) -> Iterator[tuple[Session, dict[str, Any]]]:
    """A transaction on the (upgraded) store that ends with an audit row of ``action``; an
    :class:`~rackforge.service.auth.AuthError` is printed and exits with status 2."""
    url = _url(db)
    from rackforge.service.auth import AuthError
    from rackforge.service.db import Audit, store, upgrade

    upgrade(url)
    detail: dict[str, Any] = {}
    try:
        with store(url) as factory, factory.begin() as session:
            yield session, detail
            session.add(Audit(user="cli", action=action, target=target, detail=detail))
    except AuthError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(EXIT_INVALID) from None


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option("viewer", help="viewer (reads), planner (uploads, runs), admin."),
    db: str | None = DbOption,
) -> None:
    """Add a user."""
    if role not in ("viewer", "planner", "admin"):
        err_console.print(f"--role: {role!r} is not one of viewer, planner, admin", markup=False)
        raise typer.Exit(EXIT_INVALID)
    with _audited(db, "add-user", f"user {name}") as (session, detail):
        from rackforge.service.auth import Role, add_user

        add_user(session, name, Role[role])
        detail["role"] = role
    console.print(f"added {name} ({role})", markup=False)


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="User the token is for."),
    expires: float | None = typer.Option(None, "--expires", min=0.001, help="Days it is valid."),
    db: str | None = DbOption,
) -> None:
    """Create a bearer token; it is printed once and stored hashed."""
    with _audited(db, "create-token", f"user {name}") as (session, detail):
        from rackforge.service.auth import create_token

        token = create_token(session, name, expires_days=expires)
        detail["expires_days"] = expires
    print(token)


@token_app.command("revoke")
def token_revoke(
    name: str = typer.Argument(..., help="User whose tokens are revoked."),
    db: str | None = DbOption,
) -> None:
    """Revoke every token of a user."""
    with _audited(db, "revoke-tokens", f"user {name}") as (session, detail):
        from rackforge.service.auth import revoke_tokens

        count = revoke_tokens(session, name)
        detail["count"] = count
    console.print(f"revoked {count} token(s) of {name}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
