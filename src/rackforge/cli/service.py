"""``rackforge serve``, ``worker``, ``db upgrade``, ``user`` and ``token``: the planning
service (``rackforge.service``)."""

from __future__ import annotations

import subprocess
import sys
import threading

import typer

from rackforge.cli._common import EXIT_INVALID, console, err_console

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
    import uvicorn
    from sqlalchemy import func, select

    from rackforge.service.api import create_app
    from rackforge.service.db import User, store, upgrade

    url = _url(db)
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
    from rackforge.service.worker import die_with_parent

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
    from rackforge.service.db import upgrade
    from rackforge.service.worker import work

    url = _url(db)
    upgrade(url)
    try:
        done = work(url, lease_s=lease, once=once)
    except KeyboardInterrupt:
        return
    console.print(f"{done} run(s) executed")


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    from rackforge.service.db import upgrade

    upgrade(_url(db))
    console.print("schema up to date")


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option("viewer", help="viewer (reads), planner (uploads, runs), admin."),
    db: str | None = DbOption,
) -> None:
    """Add a user."""
    from rackforge.service.auth import AuthError, Role, add_user
    from rackforge.service.db import Audit, store, upgrade

    if role not in Role.__members__:
        err_console.print(f"--role: {role!r} is not one of viewer, planner, admin")
        raise typer.Exit(EXIT_INVALID)
    url = _url(db)
    upgrade(url)
    try:
        with store(url) as factory, factory.begin() as session:
            add_user(session, name, Role[role])
            session.add(
                Audit(user="cli", action="add-user", target=f"user {name}", detail={"role": role})
            )
    except AuthError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"added {name} ({role})", markup=False)


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="User the token is for."),
    expires: float | None = typer.Option(None, "--expires", min=0.001, help="Days it is valid."),
    db: str | None = DbOption,
) -> None:
    """Create a bearer token; it is printed once and stored hashed."""
    from rackforge.service.auth import AuthError, create_token
    from rackforge.service.db import Audit, store, upgrade

    url = _url(db)
    upgrade(url)
    try:
        with store(url) as factory, factory.begin() as session:
            token = create_token(session, name, expires_days=expires)
            session.add(Audit(user="cli", action="create-token", target=f"user {name}", detail={}))
    except AuthError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    print(token)


@token_app.command("revoke")
def token_revoke(
    name: str = typer.Argument(..., help="User whose tokens are revoked."),
    db: str | None = DbOption,
) -> None:
    """Revoke every token of a user."""
    from rackforge.service.auth import AuthError, revoke_tokens
    from rackforge.service.db import Audit, store, upgrade

    url = _url(db)
    upgrade(url)
    try:
        with store(url) as factory, factory.begin() as session:
            count = revoke_tokens(session, name)
            session.add(
                Audit(
                    user="cli",
                    action="revoke-tokens",
                    target=f"user {name}",
                    detail={"count": count},
                )
            )
    except AuthError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"revoked {count} token(s) of {name}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
