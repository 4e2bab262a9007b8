"""Cases: a seller's escalated alerts, with a hash-chained history.

A case is opened for a seller when one of their alerts is escalated (by the
escalation policy or by an operator). Each case event stores the SHA-256 of
the event before it, so the chain printed in a bundle's manifest shows if an
event was removed, reordered or altered:

    >>> chain_hash("0" * 64, {"case_id": 1, "kind": "opened", "actor": "policy", "at": 1.0, "details": {}})[:12]
    'd1785a0f9406'
"""
from __future__ import annotations

import hashlib
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.db import canonical_json
from alerts.schema import case_events, cases, streams

__all__ = ["chain_hash", "GENESIS", "open_case", "add_case_event", "escalate_case", "get_case", "list_cases",
           "case_events_of", "case_view", "verify_chain"]

GENESIS = "0" * 64


def chain_hash(prev_hash: str, event: dict) -> str:
    body = {k: event[k] for k in ("case_id", "kind", "actor", "at", "details")}
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def verify_chain(events: list[dict]) -> list[str]:
    """Problems found in a chain of case events (empty when it holds)."""
    problems = []
    prev = GENESIS
    for i, event in enumerate(events):
        if event.get("prev_hash") != prev:
            problems.append(f"case event {i} does not follow the one before it")
        try:
            expected = chain_hash(event.get("prev_hash", ""), event)
        except KeyError as exc:
            problems.append(f"case event {i} lacks {exc}")
            continue
        if event.get("hash") != expected:
            problems.append(f"case event {i} ({event.get('kind')}) was altered: hash does not match")
        prev = event.get("hash")
    return problems


def case_view(row) -> dict:
    m = row._mapping
    return {k: m[k] for k in ("id", "seller_id", "seller_name", "platform", "merchant_type", "status",
                              "opened_at", "escalated_at", "escalation_reason", "updated_at")}


async def add_case_event(conn: AsyncConnection, case_id: int, kind: str, actor: str, details: dict,
                         now: float) -> dict:
    last = (await conn.execute(
        sa.select(case_events.c.hash).where(case_events.c.case_id == case_id)
        .order_by(case_events.c.id.desc()).limit(1)
    )).scalar_one_or_none()
    event = {"case_id": case_id, "kind": kind, "actor": actor, "at": now, "details": details,
             "prev_hash": last or GENESIS}
    event["hash"] = chain_hash(event["prev_hash"], event)
    await conn.execute(case_events.insert().values(**event))
    return event


async def open_case(conn: AsyncConnection, seller_id: str, platform: str, actor: str, now: float) -> tuple[int, bool]:
    """The seller's case id, opening it if needed; returns (case_id, opened)."""
    found = (await conn.execute(sa.select(cases.c.id).where(cases.c.seller_id == seller_id))).scalar_one_or_none()
    if found is not None:
        return found, False
    stream = (await conn.execute(
        sa.select(streams.c.seller_name, streams.c.merchant_type).where(streams.c.seller_id == seller_id).limit(1)
    )).first()
    result = await conn.execute(cases.insert().values(
        seller_id=seller_id, seller_name=stream.seller_name if stream else "", platform=platform,
        merchant_type=stream.merchant_type if stream else "domestic", status="open", opened_at=now,
        updated_at=now,
    ))
    case_id = result.inserted_primary_key[0]
    await add_case_event(conn, case_id, "opened", actor, {"seller_id": seller_id, "platform": platform}, now)
    return case_id, True


async def escalate_case(conn: AsyncConnection, case_id: int, actor: str, reason: str, now: float) -> bool:
    """Mark the case escalated to regulators; True when it was not already."""
    row = (await conn.execute(sa.select(cases.c.status).where(cases.c.id == case_id))).first()
    if row is None or row.status == "escalated":
        return False
    await conn.execute(cases.update().where(cases.c.id == case_id).values(
        status="escalated", escalated_at=now, escalation_reason=reason[:2000], updated_at=now))
    await add_case_event(conn, case_id, "escalated", actor, {"reason": reason}, now)
    return True


async def get_case(conn: AsyncConnection, case_id: int) -> Optional[dict]:
    row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
    return case_view(row) if row else None


async def list_cases(conn: AsyncConnection, escalated_only: bool, limit: int = 200) -> list[dict]:
    query = sa.select(cases).order_by(cases.c.updated_at.desc()).limit(limit)
    if escalated_only:
        query = query.where(cases.c.status == "escalated")
    return [case_view(r) for r in await conn.execute(query)]


async def case_events_of(conn: AsyncConnection, case_id: int) -> list[dict]:
    rows = await conn.execute(
        sa.select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id))
    return [{k: r._mapping[k] for k in ("case_id", "kind", "actor", "at", "details", "prev_hash", "hash")}
            for r in rows]
