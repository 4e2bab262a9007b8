"""Who may do what: roles, API tokens (stored hashed), desk sessions.

A token is shown once when created and only its SHA-256 is kept: tokens are
32 random bytes, so a plain hash is enough (no password stretching needed).
The desk trades a token for a session cookie; the session carries its own
CSRF token that every state-changing request from the page must echo.

    >>> role_allows("operator", "alerts.act")
    True
    >>> role_allows("regulator", "alerts.read")
    False
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.schema import sessions, tokens

__all__ = ["ROLES", "PERMISSIONS", "Principal", "role_allows", "hash_secret", "new_token", "resolve_token",
           "list_tokens", "revoke_token", "new_session", "resolve_session", "end_session", "SESSION_SECONDS"]

ROLES = ("viewer", "operator", "regulator", "admin")

# Permission -> roles holding it. Regulators see escalated cases only; the
# handlers narrow what they see further.
PERMISSIONS = {
    "alerts.read": {"viewer", "operator", "admin"},
    "alerts.act": {"operator", "admin"},
    "streams.read": {"viewer", "operator", "admin"},
    "streams.write": {"operator", "admin"},
    "cases.read": {"viewer", "operator", "regulator", "admin"},
    "cases.bundle": {"operator", "regulator", "admin"},
    "evidence.read": {"viewer", "operator", "regulator", "admin"},
    "tokens.admin": {"admin"},
    "webhooks.admin": {"admin"},
    "audit.read": {"admin"},
}

SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Principal:
    """Who is making a request."""

    name: str
    role: str
    token_id: Optional[int] = None
    via: str = "token"  # token | session | open_desk
    csrf: str = ""


def role_allows(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


async def new_token(conn: AsyncConnection, role: str, name: str, created_by: str) -> tuple[int, str]:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    raw = "pnt_" + secrets.token_urlsafe(32)
    result = await conn.execute(tokens.insert().values(
        name=name, role=role, token_hash=hash_secret(raw), created_at=time.time(), created_by=created_by))
    return result.inserted_primary_key[0], raw


async def resolve_token(conn: AsyncConnection, raw: str) -> Optional[Principal]:
    if not raw or len(raw) > 200:
        return None
    row = (await conn.execute(sa.select(tokens).where(
        tokens.c.token_hash == hash_secret(raw), tokens.c.revoked_at.is_(None)))).first()
    return Principal(name=row.name, role=row.role, token_id=row.id) if row else None


async def list_tokens(conn: AsyncConnection) -> list[dict]:
    rows = await conn.execute(sa.select(tokens).order_by(tokens.c.id))
    return [{"id": r.id, "name": r.name, "role": r.role, "created_at": r.created_at, "created_by": r.created_by,
             "revoked_at": r.revoked_at} for r in rows]


async def revoke_token(conn: AsyncConnection, token_id: int) -> bool:
    now = time.time()
    result = await conn.execute(tokens.update().where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                                .values(revoked_at=now))
    await conn.execute(sessions.delete().where(sessions.c.token_id == token_id))
    return result.rowcount > 0


async def new_session(conn: AsyncConnection, token_id: int) -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = time.time()
    await conn.execute(sessions.insert().values(session_hash=hash_secret(raw), token_id=token_id, csrf=csrf,
                                                created_at=now, expires_at=now + SESSION_SECONDS))
    return raw, csrf


async def resolve_session(conn: AsyncConnection, raw: str) -> Optional[Principal]:
    if not raw or len(raw) > 200:
        return None
    row = (await conn.execute(
        sa.select(sessions.c.csrf, tokens.c.id, tokens.c.name, tokens.c.role)
        .join(tokens, tokens.c.id == sessions.c.token_id)
        .where(sessions.c.session_hash == hash_secret(raw), sessions.c.expires_at > time.time(),
               tokens.c.revoked_at.is_(None))
    )).first()
    if row is None:
        return None
    return Principal(name=row.name, role=row.role, token_id=row.id, via="session", csrf=row.csrf)


async def end_session(conn: AsyncConnection, raw: str) -> None:
    await conn.execute(sessions.delete().where(sessions.c.session_hash == hash_secret(raw)))
