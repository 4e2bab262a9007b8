"""The processors as a Faust app: topics, tables and agents over Kafka.

The agents only move records: they decode, call the same ``StreamStage`` and
``SellerStage`` the embedded runner calls (with Faust tables as their state),
and send what comes out. Topics, with the prefix from KafkaSettings::

    <prefix>.streams, .offers, .events  --(stream agent, keyed by stream id)-->  <prefix>.alert-candidates
    <prefix>.alert-candidates  --(seller agent, keyed by seller id)-->  <prefix>.alerts
    anything unusable  -->  <prefix>.dead-letters  (the payload, its origin and the reason)

Tables: ``stream-state`` (per stream: seller, pinned products, viewers),
``alert-groups`` (deduplication: one entry per stream, product and rule
window), ``seller-offences`` (hopping windows of each seller's corroborated
alerts). Each is backed by a compacted changelog topic, so a worker that
takes over a partition recovers its state::

    app = create_app(settings)            # pantau.config.Settings
    faust.Worker(app.app).execute_from_commandline()
"""
from __future__ import annotations

import asyncio
import base64
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import faust
from aiokafka import TopicPartition
from faust.transport.drivers import aiokafka as aiokafka_driver
from prometheus_client import CollectorRegistry

from pantau.config import Settings
from pantau.records import Alert, Offer, StreamEvent, StreamSpec
from stream_processors.engine import SellerStage, StreamStage, escalation_policy, seller_key
from stream_processors.escalation import merge_tally
from stream_processors.metrics import ProcessorMetrics
from stream_processors.validation import BadRecord, decode

__all__ = ["ProcessorApp", "PantauApp", "new_app", "create_app", "topic_names", "FaustSellerWindows"]

log = logging.getLogger("pantau.processors")

INPUTS = {"streams": StreamSpec, "offers": Offer, "events": StreamEvent}
MAX_DEAD_PAYLOAD = 64 * 1024


def topic_names(prefix: str) -> Dict[str, str]:
    """Every topic of the processors, by role."""
    roles = ("streams", "offers", "events", "alert-candidates", "alerts", "dead-letters")
    return {role: f"{prefix}.{role}" for role in roles}


class _Consumer(aiokafka_driver.Consumer):
    """Faust's Kafka consumer, minus one way to lose records in a rebalance.

    After a rebalance Faust clears what was fetched and seeks every partition
    back to its committed offset, but aiokafka only seeks when that offset is
    above zero: a partition with nothing committed yet stays where the
    discarded fetch left it, and the records fetched in between are never
    processed. Here such source partitions go back to the beginning, which is
    what ``auto_offset_reset=earliest`` means for a partition with no commit.
    """

    async def seek_to_committed(self) -> Mapping[Any, int]:
        committed = await super().seek_to_committed()
        sources = getattr(self.app, "source_topics", frozenset())
        uncommitted = [tp for tp, offset in committed.items() if not offset and tp.topic in sources]
        if uncommitted:
            await self._thread.seek_to_beginning(*(TopicPartition(tp.topic, tp.partition) for tp in uncommitted))
        return committed


class _Producer(aiokafka_driver.Producer):
    """Faust's Kafka producer, with a flush that waits for every table update.

    Table changes go out through Faust's producer buffer (``send_soon``).
    Before committing offsets, Faust flushes that buffer, but its flush gives
    up after 0.1 s without a message leaving the buffer; under CPU load it
    returns with changelog records still queued, the offsets are committed
    anyway, and a worker killed then leaves a successor whose recovered table
    lacks changes for records it will never see again (an alert one count
    short). Here flush returns only once every buffered record is delivered
    (or failed), so a committed offset always has its table changes behind it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsent: set = set()

    def send_soon(self, fut: Any) -> None:
        self._unsent.add(fut)
        fut.add_done_callback(self._unsent.discard)
        super().send_soon(fut)

    async def flush(self) -> None:
        await super().flush()
        for _ in range(6):
            if not self._unsent:
                return
            _, pending = await asyncio.wait(list(self._unsent), timeout=10.0)
            if pending:
                log.warning("%d table updates still unsent after 10 s; offsets wait for them", len(pending))
            await super().flush()
        if self._unsent:
            # Committing now could lose table state; not committing only replays records.
            raise RuntimeError(f"{len(self._unsent)} table updates not delivered in 60 s; offsets not committed")


class _Transport(aiokafka_driver.Transport):
    Consumer = _Consumer
    Producer = _Producer


class PantauApp(faust.App):
    """faust.App with the rebalance fix of ``_Consumer`` and the flush fix of
    ``_Producer``; ``source_topics``
    names the topics agents read (never changelogs)."""

    source_topics: frozenset = frozenset()

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


def new_app(settings: Settings, datadir: Optional[Path] = None, session_timeout: float = 10.0) -> PantauApp:
    """A Faust app for Pantau's topics: memory tables recovered from their
    changelogs, topics read from the start, small commits, no Faust web."""
    kafka = settings.kafka
    datadir = Path(datadir or settings.data_path / "faust" / kafka.app_id)
    datadir.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    return PantauApp(
        kafka.app_id,
        broker=kafka.broker,
        store="memory://",
        datadir=str(datadir),
        topic_partitions=kafka.partitions,
        topic_replication_factor=1,
        autodiscover=False,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        # Commit often: after a worker dies, less is replayed (replays are
        # harmless, alerts are idempotent, but they take time).
        broker_commit_every=500,
        broker_commit_interval=0.5,
        broker_session_timeout=session_timeout,
        broker_heartbeat_interval=max(1.0, session_timeout / 4),
        producer_linger_ms=5,
        table_standby_replicas=0,
        logging_config=None,
    )


class FaustSellerWindows:
    """SellerWindows over a Faust hopping-windowed table (see escalation.PlainSellerWindows)."""

    def __init__(self, table: Any, window: Any) -> None:
        # Event time is the alert's last_seen, not the Kafka message time, so
        # Faust applies the merge to the same window ranges as the plain dict.
        self.timestamp = 0.0
        self.table = table.relative_to(lambda event: self.timestamp)
        self.window = window

    def add(self, seller: str, timestamp: float, contribution: dict) -> List[dict]:
        self.timestamp = timestamp
        windows = self.table[seller]
        windows.apply(merge_tally, contribution)
        return [windows[rng] for rng in self.window.ranges(timestamp)]


class ProcessorApp:
    """The Faust app and its parts, built from one Settings object."""

    def __init__(self, settings: Settings, registry: Optional[CollectorRegistry] = None,
                 datadir: Optional[Path] = None, session_timeout: float = 10.0) -> None:
        kafka = settings.kafka
        self.settings = settings
        self.names = topic_names(kafka.topic_prefix)
        self.metrics = ProcessorMetrics(registry) if registry is not None else None
        self.app = new_app(settings, datadir=datadir, session_timeout=session_timeout)
        app = self.app
        # Payloads stay bytes on the wire and are decoded here, so a record
        # that does not parse reaches the dead-letter topic instead of
        # crashing the agent.
        # internal=True: the worker declares every topic it touches (with the
        # configured partitions) at start, so none is missing at assignment.
        raw = dict(key_type=None, value_type=None, key_serializer="raw", value_serializer="raw",
                   partitions=kafka.partitions, internal=True)
        self.inputs = app.topic(*(self.names[r] for r in INPUTS), **raw)
        self.candidates = app.topic(self.names["alert-candidates"], **raw)
        self.alerts = app.topic(self.names["alerts"], **raw)
        self.dead_letters = app.topic(self.names["dead-letters"], key_serializer="raw", value_serializer="json",
                                      partitions=kafka.partitions, internal=True)

        self.stream_state = app.Table("stream-state", default=None, key_type=str,
                                      partitions=kafka.partitions)
        self.alert_groups = app.Table("alert-groups", default=None, key_type=str,
                                      partitions=kafka.partitions)
        policy = escalation_policy(settings.rules)
        self.seller_offences = app.Table(
            "seller-offences", default=dict, key_type=str, partitions=kafka.partitions,
        ).hopping(policy.size, policy.step, expires=2 * policy.size)

        self.stream_stage = StreamStage(settings.rules, self.stream_state, self.alert_groups)
        self.seller_stage = SellerStage(policy, FaustSellerWindows(self.seller_offences, policy.window()))
        app.source_topics = frozenset(self.names[r] for r in (*INPUTS, "alert-candidates"))
        app.agent(self.inputs, name="pantau-stream-agent")(self._stream_agent)
        app.agent(self.candidates, name="pantau-seller-agent")(self._seller_agent)

    async def _stream_agent(self, stream: Any) -> Any:
        async for event in stream.events():
            message = event.message
            role = message.topic.rsplit(".", 1)[-1]
            self.stream_stage.outcome = None
            try:
                record = decode(INPUTS[role], message.value)
                if role == "streams":
                    self.stream_stage.on_spec(record)
                    candidates: List[Alert] = []
                elif role == "offers":
                    candidates = self.stream_stage.on_offer(record)
                else:
                    candidates = self.stream_stage.on_event(record)
            except BadRecord as bad:
                await self._dead_letter(role, message, bad)
                continue
            for alert in candidates:
                await self.candidates.send(key=seller_key(alert).encode(), value=alert.dumps())
            if self.metrics:
                self.metrics.record(role, self.stream_stage.outcome or ("alert" if candidates else "no_alert"))
            yield len(candidates)

    async def _seller_agent(self, stream: Any) -> Any:
        async for payload in stream:
            alert = self.seller_stage.on_alert(Alert.loads(payload))
            await self.alerts.send(key=(alert.seller_id or seller_key(alert)).encode(), value=alert.dumps())
            if self.metrics:
                latency = time.time() - alert.offer.wall_time if alert.offer.wall_time else None
                self.metrics.alert(alert.rule, alert.severity, new=alert.count == 1, latency=latency)
            yield alert.alert_id

    async def _dead_letter(self, role: str, message: Any, bad: BadRecord) -> None:
        log.warning("dead letter from %s[%s]@%s: %s", message.topic, message.partition, message.offset, bad)
        payload = bytes(message.value or b"")[:MAX_DEAD_PAYLOAD]
        await self.dead_letters.send(key=message.key, value={
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "reason": bad.reason,
            "detail": bad.detail,
            "payload_b64": base64.b64encode(payload).decode("ascii"),
            "time": time.time(),
        })
        if self.metrics:
            self.metrics.dead_letter(role, bad.reason)


def create_app(settings: Settings, registry: Optional[CollectorRegistry] = None, **kwargs: Any) -> ProcessorApp:
    """The processors' Faust app for ``settings`` (broker, topic prefix, app id, partitions, rules)."""
    return ProcessorApp(settings, registry=registry, **kwargs)
