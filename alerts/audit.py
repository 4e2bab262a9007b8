"""The append-only audit log: every action, who did it, when, from where.

The database refuses UPDATE and DELETE on this table (see the first
migration); this module only ever inserts and reads.
"""
from __future__ import annotations

import time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.appkeys import PRINCIPAL
from alerts.schema import audit_log

__all__ = ["append", "append_for", "read"]


async def append(conn: AsyncConnection, actor: str, role: str, action: str, target: str = "",
                 details: Optional[dict] = None, remote: str = "") -> None:
    await conn.execute(audit_log.insert().values(
        at=time.time(), actor=actor[:200], role=role, action=action, target=target[:300], details=details or {},
        remote=remote[:100]))


async def append_for(conn: AsyncConnection, request, action: str, target: str = "",
                     details: Optional[dict] = None) -> None:
    """Append an entry for the signed-in caller of an API request."""
    who = request[PRINCIPAL]
    await append(conn, who.name, who.role, action, target, details, request.remote or "")


async def read(conn: AsyncConnection, limit: int = 100, before_id: Optional[int] = None) -> list[dict]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [dict(r._mapping) for r in await conn.execute(query)]
