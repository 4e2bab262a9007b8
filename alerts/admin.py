"""Administration from the command line: `pantau token create --role R --name N`."""
from __future__ import annotations

from alerts import audit, auth
from alerts.db import open_engine
from pantau.config import Settings
from pantau.errors import UserError

__all__ = ["create_token"]


async def create_token(settings: Settings, role: str, name: str) -> str:
    """Create an API token in the store at ``settings.store_url``; returns it (shown once)."""
    if role not in auth.ROLES:
        raise UserError(f"role must be one of {', '.join(auth.ROLES)}, got {role!r}")
    if not name or len(name) > 200:
        raise UserError("a token needs a name of 1 to 200 characters")
    engine = await open_engine(settings.store_url)
    try:
        async with engine.begin() as conn:
            token_id, raw = await auth.new_token(conn, role, name, "cli")
            await audit.append(conn, "cli", "admin", "token.create", f"token:{token_id}", {"role": role, "name": name})
    finally:
        await engine.dispose()
    return raw
