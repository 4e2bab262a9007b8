"""Alerts, their events and evidence, and the streams to watch: the queries.

Every function takes an open connection inside the caller's transaction, so
that an alert, its event, its case and its webhook deliveries are written
together or not at all. All SQL goes through SQLAlchemy expressions: values
are always bound parameters.
"""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.schema import SEVERITY_RANK, alert_events, alerts, evidence, streams
from pantau.records import Alert, StreamSpec

__all__ = ["AlertFilter", "upsert_alert", "get_alert", "case_of", "list_alerts", "alerts_since", "record_event",
           "alert_events_of", "set_status", "add_evidence", "evidence_of", "get_evidence",
           "upsert_stream", "set_watched", "list_streams", "get_stream", "alert_view", "head_seq",
           "encode_cursor", "decode_cursor"]


def alert_view(row) -> dict:
    """An alert as the API and the feed show it."""
    m = row._mapping
    record = m["record"] or {}
    offer = record.get("offer") or {}
    return {
        "id": m["id"],
        "alert_id": m["alert_id"],
        "rule": m["rule"],
        "severity": m["severity"],
        "confidence": m["confidence"],
        "status": m["status"],
        "confirmed": bool(m["confirmed"]),
        "corroborated": bool(record.get("corroborated")) or bool(m["confirmed"]),
        "corroboration": record.get("corroboration") or [],
        "stream_id": m["stream_id"],
        "seller_id": m["seller_id"],
        "platform": m["platform"],
        "category": m["category"],
        "product_text": offer.get("product_text", ""),
        "price_idr": offer.get("price_idr"),
        "quantity": offer.get("quantity"),
        "unit_price_idr": m["unit_price_idr"],
        "reference_cost_idr": m["reference_cost_idr"],
        "reference_version": record.get("reference_version", ""),
        "ratio": record.get("ratio"),
        "message": record.get("message", ""),
        "imported": offer.get("imported"),
        "source": offer.get("source", "speech"),
        "count": m["count"],
        "first_seen": m["first_seen"],
        "last_seen": m["last_seen"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
        "feed_seq": m["feed_seq"],
        "case_id": m["case_id"],
    }


# The write path's statements are built once: executing a prepared statement
# with parameters skips SQLAlchemy's construction and cache-key work, which on
# the alert ingest path cost more CPU than the database round trips.
_GET_ALERT = sa.select(alerts).where(alerts.c.alert_id == sa.bindparam("b_alert_id"))
_INSERT_EVENT = alert_events.insert()
_INSERT_ALERT = alerts.insert().returning(*alerts.c)
_UPDATE_ALERT = alerts.update().where(alerts.c.alert_id == sa.bindparam("b_alert_id")).returning(*alerts.c)
_SET_FEED_SEQ = (alerts.update().where(alerts.c.alert_id == sa.bindparam("b_alert_id"))
                 .values(feed_seq=sa.bindparam("b_seq"), updated_at=sa.bindparam("b_now")))
_INSERT_EVIDENCE = evidence.insert()


async def _insert_event(conn: AsyncConnection, alert_id: str, kind: str, actor: str, reason: str,
                        now: float) -> int:
    result = await conn.execute(_INSERT_EVENT, {"alert_id": alert_id, "kind": kind, "actor": actor,
                                                "reason": reason, "at": now})
    return result.inserted_primary_key[0]


async def record_event(conn: AsyncConnection, alert_id: str, kind: str, actor: str, reason: str, now: float) -> int:
    """Append to an alert's history; the event's id is the alert's new feed position."""
    seq = await _insert_event(conn, alert_id, kind, actor, reason, now)
    await conn.execute(_SET_FEED_SEQ, {"b_alert_id": alert_id, "b_seq": seq, "b_now": now})
    return seq


async def get_alert(conn: AsyncConnection, alert_id: str):
    return (await conn.execute(_GET_ALERT, {"b_alert_id": alert_id})).first()


_CASE_OF = sa.select(alerts.c.case_id).where(alerts.c.alert_id == sa.bindparam("b_alert_id"))


async def case_of(conn: AsyncConnection, alert_id: str) -> Optional[int]:
    """The case an alert is in (None when none, or no such alert)."""
    return (await conn.execute(_CASE_OF, {"b_alert_id": alert_id})).scalar()


async def upsert_alert(conn: AsyncConnection, alert: Alert, now: float) -> tuple[object, str]:
    """Store a processor's alert; a re-sent ``alert_id`` updates count and last_seen.

    ``count`` is the processor's count for the alert, so the stored count is the
    highest one seen: a replay (same count) or a late older copy changes nothing.

    Returns the stored row and "created" or "updated". Three statements: the
    lookup, the history event (whose id is the feed position), and the insert
    or update that returns the stored row.
    """
    record = json.loads(alert.dumps())
    first_seen = alert.first_seen or alert.created_at or now
    last_seen = alert.last_seen or first_seen
    existing = await get_alert(conn, alert.alert_id)
    fields = dict(
        rule=alert.rule,
        severity=alert.severity,
        severity_rank=SEVERITY_RANK.get(alert.severity, 0),
        confidence=float(alert.confidence),
        stream_id=alert.stream_id,
        seller_id=alert.seller_id,
        platform=alert.platform,
        category=alert.category,
        unit_price_idr=alert.offer.unit_price_idr or alert.offer.price_idr,
        reference_cost_idr=alert.reference_cost_idr,
        record=record,
    )
    kind = "created" if existing is None else "updated"
    seq = await _insert_event(conn, alert.alert_id, kind, "processor", "", now)
    if existing is None:
        row = (await conn.execute(_INSERT_ALERT, dict(
            alert_id=alert.alert_id, status="new", confirmed=False, count=max(1, alert.count),
            first_seen=first_seen, last_seen=last_seen, created_at=now, updated_at=now, feed_seq=seq, **fields,
        ))).first()
    else:
        m = existing._mapping
        # The processor sends its group's running count; a replayed or late
        # copy of an older version must not add to it.
        count = max(m["count"], alert.count)
        row = (await conn.execute(_UPDATE_ALERT, dict(
            b_alert_id=alert.alert_id, count=count, first_seen=min(m["first_seen"], first_seen),
            last_seen=max(m["last_seen"], last_seen), updated_at=now, feed_seq=seq, **fields,
        ))).first()
    return row, kind


async def set_status(conn: AsyncConnection, alert_id: str, now: float, **values) -> None:
    await conn.execute(alerts.update().where(alerts.c.alert_id == alert_id).values(updated_at=now, **values))


async def alert_events_of(conn: AsyncConnection, alert_id: str) -> list[dict]:
    rows = await conn.execute(
        sa.select(alert_events).where(alert_events.c.alert_id == alert_id).order_by(alert_events.c.id)
    )
    return [{"id": r.id, "kind": r.kind, "actor": r.actor, "reason": r.reason, "at": r.at} for r in rows]


@dataclass
class AlertFilter:
    """What the desk asks for; every field is optional."""

    stream_id: Optional[str] = None
    seller_id: Optional[str] = None
    platform: Optional[str] = None
    rule: Optional[str] = None
    severity: Optional[list[str]] = None
    status: Optional[list[str]] = None
    since: Optional[float] = None
    until: Optional[float] = None
    case_id: Optional[int] = None


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor points after; ValueError when it is not one of ours."""
    padded = cursor + "=" * (-len(cursor) % 4)
    text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    if not text.startswith("a") or not text[1:].isdigit() or len(text) > 20:
        raise ValueError("bad cursor")
    return int(text[1:])


async def list_alerts(conn: AsyncConnection, flt: AlertFilter, limit: int, after_id: Optional[int]):
    """Newest first; returns (rows, next_cursor)."""
    query = sa.select(alerts)
    for column in ("stream_id", "seller_id", "platform", "rule", "case_id"):
        value = getattr(flt, column)
        if value is not None:
            query = query.where(alerts.c[column] == value)
    if flt.severity:
        query = query.where(alerts.c.severity.in_(flt.severity))
    if flt.status:
        query = query.where(alerts.c.status.in_(flt.status))
    if flt.since is not None:
        query = query.where(alerts.c.created_at >= flt.since)
    if flt.until is not None:
        query = query.where(alerts.c.created_at < flt.until)
    if after_id is not None:
        query = query.where(alerts.c.id < after_id)
    rows = (await conn.execute(query.order_by(alerts.c.id.desc()).limit(limit + 1))).fetchall()
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def head_seq(conn: AsyncConnection) -> int:
    return (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(alert_events.c.id), 0)))).scalar_one()


async def alerts_since(conn: AsyncConnection, seq: int, limit: int = 1000):
    """Alerts changed after feed position ``seq``, in feed order (for resuming)."""
    rows = await conn.execute(
        sa.select(alerts).where(alerts.c.feed_seq > seq).order_by(alerts.c.feed_seq).limit(limit)
    )
    return rows.fetchall()


async def add_evidence(conn: AsyncConnection, alert_id: str, kind: str, media_type: str, content: bytes,
                       sha256: str, meta: dict, now: float) -> int:
    result = await conn.execute(_INSERT_EVIDENCE, dict(
        alert_id=alert_id, kind=kind, media_type=media_type, content=content, sha256=sha256,
        size=len(content), meta=meta, created_at=now,
    ))
    return result.inserted_primary_key[0]


async def evidence_of(conn: AsyncConnection, alert_ids: list[str], with_content: bool = False):
    columns = [evidence.c[name] for name in ("id", "alert_id", "kind", "media_type", "sha256", "size", "meta",
                                             "created_at")]
    if with_content:
        columns.append(evidence.c.content)
    rows = await conn.execute(
        sa.select(*columns).where(evidence.c.alert_id.in_(alert_ids)).order_by(evidence.c.id)
    )
    return rows.fetchall()


async def get_evidence(conn: AsyncConnection, evidence_id: int):
    return (await conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id))).first()


async def upsert_stream(conn: AsyncConnection, spec: StreamSpec, watched: bool) -> None:
    values = dict(url=spec.url, platform=spec.platform, seller_id=spec.seller_id, seller_name=spec.seller_name,
                  events_url=spec.events_url, merchant_type=spec.merchant_type, labels=dict(spec.labels or {}),
                  watched=watched, updated_at=time.time())
    updated = await conn.execute(streams.update().where(streams.c.stream_id == spec.stream_id).values(**values))
    if updated.rowcount == 0:
        await conn.execute(streams.insert().values(stream_id=spec.stream_id, **values))


async def set_watched(conn: AsyncConnection, stream_id: str, watched: bool) -> bool:
    result = await conn.execute(streams.update().where(streams.c.stream_id == stream_id)
                                .values(watched=watched, updated_at=time.time()))
    return result.rowcount > 0


def stream_view(row) -> dict:
    m = row._mapping
    return {k: m[k] for k in ("stream_id", "url", "platform", "seller_id", "seller_name", "events_url",
                              "merchant_type", "labels", "watched", "updated_at")}


async def list_streams(conn: AsyncConnection, watched_only: bool = False) -> list[dict]:
    query = sa.select(streams).order_by(streams.c.stream_id)
    if watched_only:
        query = query.where(streams.c.watched.is_(True))
    return [stream_view(r) for r in await conn.execute(query)]


async def get_stream(conn: AsyncConnection, stream_id: str) -> Optional[dict]:
    row = (await conn.execute(sa.select(streams).where(streams.c.stream_id == stream_id))).first()
    return stream_view(row) if row else None
