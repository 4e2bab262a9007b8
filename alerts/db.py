"""Opening the alert store: the engine, SQLite's pragmas, the migrations.

SQLite runs in WAL mode so that the desk's reads never wait for the writer;
PostgreSQL is used as it is. Both get the same schema from the migrations.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from alerts.migrate import upgrade
from pantau.errors import UserError

__all__ = ["open_engine", "canonical_json"]


def canonical_json(value) -> str:
    """One spelling of a JSON value, so that its hash is stable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


async def open_engine(url: str) -> AsyncEngine:
    """Create the engine for ``url`` and apply the migrations."""
    try:
        parsed = make_url(url)
    except Exception:
        raise UserError(f"store URL {url!r} is not a database URL (sqlite+aiosqlite:///FILE or "
                        "postgresql+asyncpg://USER:PASS@HOST/DB)") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            raise UserError(f"store URL must use sqlite+aiosqlite://, got {parsed.drivername}://")
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            raise UserError(f"store URL must use postgresql+asyncpg://, got {parsed.drivername}://")
        engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    else:
        raise UserError(f"store URL must be SQLite or PostgreSQL, got {parsed.drivername}://")
    try:
        await upgrade(engine)
        if parsed.get_backend_name() == "sqlite":
            # Refresh the query planner's statistics where they are stale (cheap).
            async with engine.begin() as conn:
                await conn.exec_driver_sql("PRAGMA optimize")
    except OSError as exc:
        await engine.dispose()
        raise UserError(f"cannot reach the alert store at {parsed.render_as_string(hide_password=True)}: {exc}") from None
    return engine
