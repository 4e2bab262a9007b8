"""Webhooks: subscriptions, the outbox, signed delivery with retries.

An event's deliveries are written to the outbox in the same transaction as
the change itself, so a crash or a receiver that is down loses nothing: the
deliverer retries with exponential backoff until the receiver answers 2xx.

Every delivery is signed: ``X-Pantau-Signature: sha256=HEX`` where HEX is the
HMAC-SHA256 of ``TIMESTAMP.BODY`` with the subscription's secret, and
``X-Pantau-Timestamp`` is that TIMESTAMP. Receivers check both:

    >>> sign("s3cret", "1700000000", b'{"a":1}')[:16]
    '1698a50bc74d1ff1'
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from datetime import datetime, timezone
from typing import Optional

import aiohttp
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.schema import webhook_outbox, webhooks

__all__ = ["EVENT_TYPES", "FORMATS", "sign", "create_webhook", "list_webhooks", "delete_webhook", "enqueue",
           "active_subscriptions",
           "WebhookDeliverer", "alertmanager_payload", "backoff_delay"]

log = logging.getLogger("pantau.alerts.webhooks")

EVENT_TYPES = ("alert.created", "alert.updated", "alert.acknowledged", "alert.dismissed", "alert.confirmed",
               "alert.escalated", "case.opened", "case.escalated")
FORMATS = ("pantau", "alertmanager")
MAX_ATTEMPTS = 12


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try: doubling from ``base`` up to ``cap``, with jitter."""
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.0)


async def create_webhook(conn: AsyncConnection, url: str, event_types: list[str], fmt: str) -> tuple[int, str]:
    secret = secrets.token_urlsafe(32)
    result = await conn.execute(webhooks.insert().values(
        url=url, secret=secret, event_types=sorted(set(event_types)), format=fmt, active=True,
        created_at=time.time()))
    return result.inserted_primary_key[0], secret


async def list_webhooks(conn: AsyncConnection) -> list[dict]:
    rows = await conn.execute(sa.select(webhooks).where(webhooks.c.active.is_(True)).order_by(webhooks.c.id))
    return [{"id": r.id, "url": r.url, "event_types": r.event_types, "format": r.format,
             "created_at": r.created_at} for r in rows]


async def delete_webhook(conn: AsyncConnection, webhook_id: int) -> bool:
    result = await conn.execute(webhooks.update().where(webhooks.c.id == webhook_id, webhooks.c.active.is_(True))
                                .values(active=False))
    return result.rowcount > 0


def _iso(ts: Optional[float]) -> str:
    if not ts:
        return "0001-01-01T00:00:00Z"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alertmanager_payload(event_type: str, data: dict, external_url: str = "") -> dict:
    """The body Alertmanager sends to webhook receivers (version 4), for one Pantau alert."""
    alert = data.get("alert") or {}
    resolved = alert.get("status") == "dismissed"
    labels = {"alertname": alert.get("rule", event_type), "severity": alert.get("severity", ""),
              "seller_id": alert.get("seller_id", ""), "platform": alert.get("platform", ""),
              "stream_id": alert.get("stream_id", ""), "category": alert.get("category") or "",
              "status": alert.get("status", ""), "source": "pantau"}
    labels = {k: str(v) for k, v in labels.items() if v != ""}
    item = {
        "status": "resolved" if resolved else "firing",
        "labels": labels,
        "annotations": {"summary": alert.get("message", "") or f"{alert.get('rule')} on {alert.get('seller_id')}",
                        "event": event_type},
        "startsAt": _iso(alert.get("first_seen")),
        "endsAt": _iso(alert.get("updated_at")) if resolved else "0001-01-01T00:00:00Z",
        "generatorURL": f"{external_url}/#alert/{alert.get('alert_id', '')}",
        "fingerprint": hashlib.sha256(str(alert.get("alert_id", "")).encode()).hexdigest()[:16],
    }
    return {
        "version": "4", "groupKey": f"{{}}:{{seller_id={labels.get('seller_id', '')!r}}}",
        "truncatedAlerts": 0, "status": item["status"], "receiver": "pantau",
        "groupLabels": {"seller_id": labels.get("seller_id", "")}, "commonLabels": labels,
        "commonAnnotations": item["annotations"], "externalURL": external_url, "alerts": [item],
    }


_ACTIVE = sa.select(webhooks.c.id, webhooks.c.event_types, webhooks.c.format).where(webhooks.c.active.is_(True))
_INSERT_OUTBOX = webhook_outbox.insert()


async def active_subscriptions(conn: AsyncConnection) -> list:
    """The active subscriptions (id, event_types, format), for ``enqueue``."""
    return (await conn.execute(_ACTIVE)).fetchall()


async def enqueue(conn: AsyncConnection, event_type: str, data: dict, now: float, subs: Optional[list] = None) -> int:
    """Queue one delivery per active subscription to ``event_type``; returns how many.

    ``subs``: the active subscriptions as read in this transaction (read here when not given).
    """
    if subs is None:
        subs = await active_subscriptions(conn)
    count = 0
    for sub in subs:
        if event_type not in (sub.event_types or []):
            continue
        if sub.format == "alertmanager":
            body = alertmanager_payload(event_type, data)
        else:
            body = {"type": event_type, "time": now, "data": data}
        await conn.execute(_INSERT_OUTBOX, dict(
            webhook_id=sub.id, event_type=event_type, payload=json.dumps(body, separators=(",", ":")),
            status="pending", attempts=0, next_attempt_at=now, created_at=now))
        count += 1
    return count


class WebhookDeliverer:
    """Drains the outbox: one POST per due delivery, retried with backoff."""

    def __init__(self, engine: AsyncEngine, metrics, *, poll_seconds: float = 0.5, backoff_base: float = 1.0,
                 backoff_cap: float = 300.0, timeout: float = 10.0, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.engine = engine
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: Optional[asyncio.Task] = None
        self._session: Optional[aiohttp.ClientSession] = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.create_task(self._run(), name="pantau-webhooks")

    def wake(self) -> None:
        self._wake.set()

    async def close(self) -> None:
        # A stop flag rather than cancel(): Python 3.11's wait_for can swallow a
        # cancellation that lands as its timeout fires, leaving the loop running.
        self._stopping = True
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.timeout + 5)
            except asyncio.TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._session:
            await self._session.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not stop deliveries for good
                log.exception("webhook delivery pass failed")
            if self._stopping:
                break
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self.poll_seconds)
            finally:
                waiter.cancel()
            self._wake.clear()

    async def deliver_due(self, limit: int = 50) -> int:
        now = time.time()
        async with self.engine.connect() as conn:
            due = (await conn.execute(
                sa.select(webhook_outbox, webhooks.c.url, webhooks.c.secret)
                .join(webhooks, webhooks.c.id == webhook_outbox.c.webhook_id)
                .where(webhook_outbox.c.status == "pending", webhook_outbox.c.next_attempt_at <= now)
                .order_by(webhook_outbox.c.id).limit(limit))).fetchall()
        for row in due:
            await self._deliver(row)
        return len(due)

    async def _deliver(self, row) -> None:
        body = row.payload.encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": "pantau-webhooks/1",
                   "X-Pantau-Event": row.event_type, "X-Pantau-Delivery": str(row.id),
                   "X-Pantau-Timestamp": timestamp,
                   "X-Pantau-Signature": "sha256=" + sign(row.secret, timestamp, body)}
        error = ""
        try:
            async with self._session.post(row.url, data=body, headers=headers, allow_redirects=False) as resp:
                if 200 <= resp.status < 300:
                    await self._finish(row.id, values=dict(status="delivered", attempts=row.attempts + 1,
                                                           delivered_at=time.time(), last_error=""))
                    self.metrics.webhook_deliveries.labels(outcome="delivered").inc()
                    return
                error = f"HTTP {resp.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        attempts = row.attempts + 1
        if attempts >= self.max_attempts:
            self.metrics.webhook_deliveries.labels(outcome="failed").inc()
            await self._finish(row.id, values=dict(status="failed", attempts=attempts, last_error=error))
        else:
            self.metrics.webhook_deliveries.labels(outcome="retry").inc()
            delay = backoff_delay(attempts, self.backoff_base, self.backoff_cap)
            await self._finish(row.id, values=dict(attempts=attempts, last_error=error,
                                                   next_attempt_at=time.time() + delay))

    async def _finish(self, outbox_id: int, values: dict) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(webhook_outbox.update().where(webhook_outbox.c.id == outbox_id).values(**values))
