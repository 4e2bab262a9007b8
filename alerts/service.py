"""The alert service: stores what the processors raise and tells everyone.

It receives alerts (and the transcripts, events and audio that make their
evidence), writes them to the store, pushes changes to the live feed, queues
webhook deliveries, and runs staff actions and escalations::

    >>> service = AlertService(load_settings())   # doctest: +SKIP
    >>> await service.start()                     # doctest: +SKIP
    >>> await service.ingest_alert(alert)         # doctest: +SKIP
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import defaultdict
from typing import Awaitable, Callable, Optional

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts import audit, cases, store, webhooks
from alerts.db import open_engine
from alerts.evidence import AudioRing, TranscriptRing, excerpt, snapshot_dict, wav_bytes
from alerts.feed import FeedHub
from alerts.metrics import AlertMetrics
from alerts.webhooks import WebhookDeliverer, enqueue
from pantau.config import Settings
from pantau.errors import UserError
from pantau.records import Alert, AudioChunk, StreamEvent, StreamSpec, Transcript

__all__ = ["AlertService", "ActionError", "ACTIONS"]

log = logging.getLogger("pantau.alerts")

ACTIONS = ("acknowledge", "dismiss", "confirm", "escalate")
# Which statuses each action may start from.
_FROM = {
    "acknowledge": ("new",),
    "dismiss": ("new", "acknowledged"),
    "confirm": ("new", "acknowledged"),
    "escalate": ("new", "acknowledged"),
}
_EVENT = {"acknowledge": "acknowledged", "dismiss": "dismissed", "confirm": "confirmed", "escalate": "escalated"}

StreamListener = Callable[[str, StreamSpec], Awaitable[None]]


class ActionError(Exception):
    """A staff action that cannot apply to the alert as it stands (HTTP 404/409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class AlertService:
    """Store, feed, evidence, cases and webhooks behind one object."""

    def __init__(self, settings: Settings, metrics: Optional[AlertMetrics] = None, *,
                 audio_keep_seconds: float = 120.0, clip_margin: float = 5.0, clip_wait_seconds: float = 10.0,
                 webhook_backoff: tuple[float, float] = (1.0, 300.0), webhook_poll_seconds: float = 0.5) -> None:
        self.settings = settings
        self.metrics = metrics or AlertMetrics(CollectorRegistry())
        self._own_metrics = metrics is None
        self.engine = None
        self.feed = FeedHub(on_count=lambda n: self.metrics.feed_subscribers.set(n))
        self.audio_keep_seconds = audio_keep_seconds
        self.clip_margin = clip_margin
        self.clip_wait_seconds = clip_wait_seconds
        self._webhook_backoff = webhook_backoff
        self._webhook_poll = webhook_poll_seconds
        self._audio: dict[str, AudioRing] = {}
        self._transcripts: dict[str, TranscriptRing] = defaultdict(TranscriptRing)
        self._pinned: dict[str, dict] = {}
        self._pending_clips: dict[str, list[tuple[float, asyncio.Future]]] = defaultdict(list)
        self._tasks: set[asyncio.Task] = set()
        self._stream_listeners: list[StreamListener] = []
        # One writer task commits queued changes in batches (group commit):
        # feed positions follow commit order, and concurrent alerts share a
        # transaction instead of waiting for one commit each.
        self._writes: list[tuple[Callable, asyncio.Future]] = []
        self._writer: Optional[asyncio.Task] = None
        self._closing = False
        self.webhooks: Optional[WebhookDeliverer] = None
        self._batch_hooks: Optional[list] = None
        self._batch_deliveries = 0

    def use_registry(self, registry: CollectorRegistry) -> None:
        """Report metrics into ``registry`` (when none were given to the constructor)."""
        if self._own_metrics and self.metrics.registry is not registry:
            self.metrics = AlertMetrics(registry)
            self._own_metrics = False
            self.feed._on_count = lambda n: self.metrics.feed_subscribers.set(n)
            if self.webhooks:
                self.webhooks.metrics = self.metrics

    # -- lifecycle ---------------------------------------------------------
    async def start(self) -> None:
        self.engine = await open_engine(self.settings.store_url)
        base, cap = self._webhook_backoff
        self.webhooks = WebhookDeliverer(self.engine, self.metrics, backoff_base=base, backoff_cap=cap,
                                         poll_seconds=self._webhook_poll)
        self.webhooks.start()

    async def close(self) -> None:
        """Finish what is in flight (briefly), then stop deliveries and close the store."""
        self._closing = True
        if self._tasks:  # evidence being cut: let it land, but do not wait for audio that will not come
            _done, pending = await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._writer is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._writer), 10.0)
            except (asyncio.TimeoutError, Exception):
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
        if self.webhooks:
            await self.webhooks.close()
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the write path ----------------------------------------------------
    async def _write(self, work: Callable[[AsyncConnection, float], Awaitable[list]]) -> list:
        """Run ``work`` in the next write transaction; returns its feed messages once committed.

        ``work`` must check everything that can refuse the change (ActionError)
        before it writes, so that a refused change leaves the batch's
        transaction untouched.
        """
        if self._closing and self.engine is None:
            raise RuntimeError("the alert service is closed")
        future = asyncio.get_running_loop().create_future()
        self._writes.append((work, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._commit_writes(), name="pantau-alert-writer")
        return await future

    async def _commit_writes(self, max_batch: int = 200) -> None:
        while self._writes:
            batch, self._writes = self._writes[:max_batch], self._writes[max_batch:]
            outcomes: list[tuple[asyncio.Future, object, bool]] = []
            try:
                now = time.time()
                self._batch_hooks = None  # read once per transaction, when the first change needs them
                self._batch_deliveries = 0
                async with self.engine.begin() as conn:
                    for work, future in batch:
                        try:
                            outcomes.append((future, await work(conn, now), True))
                        except ActionError as exc:
                            outcomes.append((future, exc, False))
            except BaseException as exc:  # the transaction failed: every change in it failed
                for _work, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("writer stopped"))
                if not isinstance(exc, Exception):
                    raise
                continue
            for future, result, ok in outcomes:
                if ok:
                    for seq, message in result:
                        self.feed.publish(seq, message)
                if future.done():
                    continue
                future.set_result(result) if ok else future.set_exception(result)
            if self.webhooks and self._batch_deliveries:  # else the deliverer's own poll is soon enough
                self.webhooks.wake()

    async def _webhook_subscriptions(self, conn: AsyncConnection) -> list:
        """The active webhook subscriptions, read once per write transaction."""
        if self._batch_hooks is None:
            self._batch_hooks = await webhooks.active_subscriptions(conn)
        return self._batch_hooks

    async def _alert_changed(self, conn: AsyncConnection, alert_id: str, change: str, now: float,
                             extra_events: list[tuple[str, dict]] = (), row=None) -> tuple[int, dict]:
        """Queue the change's webhook deliveries; returns its feed message.

        ``row``: the alert as it now stands, when the caller has it (else it is read).
        """
        if row is None:
            row = await store.get_alert(conn, alert_id)
        view = store.alert_view(row)
        subs = await self._webhook_subscriptions(conn)
        self._batch_deliveries += await enqueue(conn, f"alert.{change}", {"alert": view}, now, subs)
        for event_type, data in extra_events:
            self._batch_deliveries += await enqueue(conn, event_type, data, now, subs)
        return row.feed_seq, {"type": "alert", "change": change, "seq": row.feed_seq, "alert": view}

    async def _escalate(self, conn: AsyncConnection, row, actor: str, role: str, reason: str,
                        now: float) -> list:
        """Put the alert in its seller's case and escalate the case; returns webhook events."""
        case_id, opened = await cases.open_case(conn, row.seller_id, row.platform, actor, now)
        await store.set_status(conn, row.alert_id, now, status="escalated", case_id=case_id)
        # The chain anchors the evidence hashes: a bundle whose files were swapped no longer matches it.
        held = [{"kind": e.kind, "sha256": e.sha256} for e in await store.evidence_of(conn, [row.alert_id])]
        await cases.add_case_event(conn, case_id, "alert_added", actor,
                                   {"alert_id": row.alert_id, "rule": row.rule, "severity": row.severity,
                                    "evidence": held}, now)
        events = []
        if opened:
            self.metrics.cases_opened.inc()
            events.append(("case.opened", {"case": await cases.get_case(conn, case_id)}))
        if await cases.escalate_case(conn, case_id, actor, reason, now):
            self.metrics.cases_escalated.inc()
            events.append(("case.escalated", {"case": await cases.get_case(conn, case_id)}))
        await audit.append(conn, actor, role, "case.escalate",
                           f"case:{case_id}", {"alert_id": row.alert_id, "reason": reason})
        return events

    # -- ingest ------------------------------------------------------------
    async def ingest_alert(self, alert: Alert) -> dict:
        """Store (or update) a processor's alert; returns the alert as the API shows it."""
        outcome = {}

        async def work(conn, now):
            row, outcome["change"] = await store.upsert_alert(conn, alert, now)
            extra = []
            if alert.escalate and row.status in ("new", "acknowledged"):
                reason = alert.escalation_reason or "escalation policy"
                extra = await self._escalate(conn, row, "policy", "system", reason, now)
                await store.record_event(conn, alert.alert_id, "escalated", "policy", reason, now)
                row = None  # changed since: read it again
            return [await self._alert_changed(conn, alert.alert_id, outcome["change"], now, extra, row)]

        changes = await self._write(work)
        if outcome["change"] == "created":
            self.metrics.alerts_stored.labels(rule=alert.rule, severity=alert.severity).inc()
            self._spawn(self._collect_evidence(alert))
        return changes[0][1]["alert"]

    async def ingest_transcript(self, transcript: Transcript) -> None:
        self._transcripts[transcript.stream_id].add(transcript)

    async def ingest_event(self, event: StreamEvent) -> None:
        if event.kind == "product_pinned" and event.product is not None:
            self._pinned[event.stream_id] = snapshot_dict(event.product, event.time, dict(event.raw or {}))
        elif event.kind == "product_unpinned":
            self._pinned.pop(event.stream_id, None)

    async def ingest_audio(self, chunk: AudioChunk) -> None:
        ring = self._audio.get(chunk.stream_id)
        if ring is None:
            ring = self._audio[chunk.stream_id] = AudioRing(self.audio_keep_seconds)
        ring.add(chunk)
        pending = self._pending_clips.get(chunk.stream_id)
        if pending:
            for until, future in list(pending):
                if ring.end >= until and not future.done():
                    future.set_result(None)
            pending[:] = [(u, f) for u, f in pending if not f.done()]

    async def ingest_spec(self, spec: StreamSpec) -> None:
        async with self.engine.begin() as conn:
            await store.upsert_stream(conn, spec, watched=True)

    # -- evidence ------------------------------------------------------------
    async def _collect_evidence(self, alert: Alert) -> None:
        try:
            await self._store_evidence(alert)
        except Exception:  # evidence is best effort; the alert itself is stored
            log.exception("evidence for alert %s failed", alert.alert_id)

    async def _store_evidence(self, alert: Alert) -> None:
        offer = alert.offer
        stream_id = offer.stream_id or alert.stream_id
        t0, t1 = offer.t0 - self.clip_margin, offer.t1 + self.clip_margin
        items = []
        ring = self._audio.get(stream_id)
        if ring is not None and offer.t1 > offer.t0:
            if ring.end < t1:
                future = asyncio.get_running_loop().create_future()
                self._pending_clips[stream_id].append((t1, future))
                try:
                    async with asyncio.timeout(self.clip_wait_seconds):  # cancellable, unlike 3.11's wait_for
                        await future
                except TimeoutError:
                    pass  # cut what there is: the stream may have ended
            pcm = ring.cut(max(0.0, t0), t1)
            if pcm:
                items.append(("audio", "audio/wav", wav_bytes(pcm),
                              {"stream_id": stream_id, "t0": max(0.0, t0), "t1": t1, "sample_rate": 16000}))
        segments = self._transcripts[stream_id].around(offer.t0, offer.t1) if stream_id in self._transcripts else []
        if segments or offer.text:
            doc = excerpt(segments, offer.text, offer.t0, offer.t1)
            items.append(("transcript", "application/json", _json_bytes(doc), {"stream_id": stream_id}))
        if stream_id in self._pinned:
            items.append(("snapshot", "application/json", _json_bytes(self._pinned[stream_id]),
                          {"stream_id": stream_id}))
        if not items:
            return
        hashed = [(kind, media_type, content, meta, hashlib.sha256(content).hexdigest())
                  for kind, media_type, content, meta in items]  # off the write transaction

        async def work(conn, now):
            case_id = await store.case_of(conn, alert.alert_id)
            for kind, media_type, content, meta, digest in hashed:
                await store.add_evidence(conn, alert.alert_id, kind, media_type, content, digest, meta, now)
                if case_id is not None:  # escalated before its evidence was cut
                    await cases.add_case_event(conn, case_id, "evidence_added", "pantau",
                                               {"alert_id": alert.alert_id, "kind": kind, "sha256": digest}, now)
            return []

        await self._write(work)

    # -- staff actions -------------------------------------------------------
    async def act(self, alert_id: str, action: str, actor: str, role: str, reason: str = "",
                  remote: str = "") -> dict:
        """Apply a staff action; raises ActionError when it does not fit the alert's state."""
        if action not in ACTIONS:
            raise ActionError(400, f"action must be one of {', '.join(ACTIONS)}")

        async def work(conn, now):
            row = await store.get_alert(conn, alert_id)
            if row is None:
                raise ActionError(404, f"no alert {alert_id!r}")
            if row.status not in _FROM[action]:
                raise ActionError(409, f"cannot {action} an alert that is {row.status}")
            extra = []
            if action == "acknowledge":
                await store.set_status(conn, alert_id, now, status="acknowledged")
            elif action == "dismiss":
                await store.set_status(conn, alert_id, now, status="dismissed")
            elif action == "confirm":
                await store.set_status(conn, alert_id, now, confirmed=True, status="acknowledged")
            else:
                corroborated = bool((row.record or {}).get("corroborated")) or bool(row.confirmed)
                if not corroborated:
                    raise ActionError(409, "only corroborated alerts are escalated: confirm it first "
                                           "(pinned price, independent mentions or an operator's check)")
                extra = await self._escalate(conn, row, actor, role, reason or "escalated by operator", now)
            await store.record_event(conn, alert_id, _EVENT[action], actor, reason, now)
            await audit.append(conn, actor, role, f"alert.{action}", f"alert:{alert_id}", {"reason": reason},
                               remote)
            return [await self._alert_changed(conn, alert_id, _EVENT[action], now, extra)]

        changes = await self._write(work)
        self.metrics.actions.labels(action=action).inc()
        return changes[0][1]["alert"]

    # -- streams ---------------------------------------------------------------
    def add_stream_listener(self, listener: StreamListener) -> None:
        """Call ``listener("attach"|"detach", spec)`` when staff change the streams to watch.

        The embedded runner passes its collectors' attach/detach here.
        """
        self._stream_listeners.append(listener)

    async def set_stream(self, spec: StreamSpec, watched: bool, actor: str, role: str, remote: str = "") -> dict:
        async with self.engine.begin() as conn:
            await store.upsert_stream(conn, spec, watched)
            await audit.append(conn, actor, role, "stream.attach" if watched else "stream.detach",
                               f"stream:{spec.stream_id}", {"url": spec.url}, remote)
            view = await store.get_stream(conn, spec.stream_id)
        for listener in self._stream_listeners:
            try:
                await listener("attach" if watched else "detach", spec)
            except UserError as exc:
                log.warning("stream %s: %s", spec.stream_id, exc)
        return view


def _json_bytes(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
