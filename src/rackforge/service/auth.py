"""Users, roles and bearer tokens.

A token is 32 random bytes (``secrets.token_urlsafe``) shown once; the store keeps only its
SHA-256, which is enough for a secret of that entropy (no dictionary to guess from), and
compares digests, never the token. Roles are ordered: a viewer reads, a planner also uploads
and runs, an admin also manages users and reads the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import IntEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from rackforge.service.db import Token, User, utcnow

TOKEN_PREFIX = "rf_"


class Role(IntEnum):
    viewer = 1
    planner = 2
    admin = 3


class AuthError(ValueError):
    """A user or token command that cannot be done (unknown user, duplicate name)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(session: Session, name: str, role: Role) -> User:
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise AuthError(f"user {name!r} exists")
    user = User(name=name, role=role.name)
    session.add(user)
    session.flush()
    return user


def create_token(
    session: Session, user_name: str, label: str = "", expires_days: float | None = None
) -> str:
    """A new token for ``user_name``; returns the token itself (stored hashed)."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None or not user.active:
        raise AuthError(f"no active user {user_name!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = None if expires_days is None else utcnow() + dt.timedelta(days=expires_days)
    session.add(
        Token(
            user_id=user.id, name=label or user_name, token_hash=digest(token), expires_at=expires
        )
    )
    return token


def revoke_tokens(session: Session, user_name: str) -> int:
    """Revoke every token of ``user_name``; returns how many were live."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise AuthError(f"no user {user_name!r}")
    live = session.scalars(
        select(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
    ).all()
    for token in live:
        token.revoked_at = utcnow()
    return len(live)


def authenticate(session: Session, token: str) -> User | None:
    """The active user holding ``token``, if it is live (not revoked, not expired)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(Token).where(Token.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
