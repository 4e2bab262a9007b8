"""Distributed mode: each role of Pantau as a Faust worker on Kafka.

``pantau worker ROLE`` calls ``run_worker(role, settings)``. Every role is a
Faust app in its own consumer group (``<app_id>-<role>``) on the topics of
DESIGN.md, so each role scales out by partitions: run as many replicas of a
role as its input topics have partitions, and Kafka's group rebalancing
spreads the streams over them.

- ``collectors``: ``<prefix>.streams`` → ``collectors.Supervisor`` →
  ``<prefix>.audio`` and ``<prefix>.events``. Specs are kept in a table, so
  a collector that takes over a partition attaches its streams.
- ``transcription``: ``<prefix>.audio`` → ``transcription.Transcriber`` →
  ``<prefix>.transcripts`` and ``<prefix>.offers``.
- ``processors``: ``stream_processors.faust_app`` (rules, tables) →
  ``<prefix>.alerts``.
- ``alerts``: alerts, transcripts, events, audio and specs →
  ``alerts.AlertService`` (store, desk, feed, cases); serves the desk.

Every role serves ``/metrics`` (and ``/healthz``) on ``server.host:server.port``
(the alerts role on its desk), with Faust's own consumer metrics and the
consumer lag per topic. This module, like the CLI and the embedded runner, is
allowed to know every subsystem.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import faust
from aiohttp import web
from aiokafka.partitioner import murmur2
from prometheus_client import CollectorRegistry

from pantau import __version__
from pantau.config import Settings
from pantau.errors import UserError
from pantau.metrics import ConsumerLagCollector, FaustPrometheusSensor, add_metrics_route, new_registry, register_build_info
from pantau.records import AudioChunk, StreamEvent, StreamSpec
from stream_processors.faust_app import PantauApp, new_app
from stream_processors.validation import BadRecord, decode

__all__ = ["ROLES", "run_worker", "build_role", "role_settings", "topic", "partition_for", "declare_topics",
           "changelog_topics",            "bootstrap_servers"]

log = logging.getLogger("pantau.distributed")

ROLES = ("collectors", "transcription", "processors", "alerts")
RAW = dict(key_type=None, key_serializer="raw")


def role_settings(settings: Settings, role: str) -> Settings:
    """The settings with the role's own consumer group id."""
    kafka = dataclasses.replace(settings.kafka, app_id=f"{settings.kafka.app_id}-{role}")
    return dataclasses.replace(settings, kafka=kafka)


def topic(settings: Settings, name: str) -> str:
    return f"{settings.kafka.topic_prefix}.{name}"


def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner puts ``key`` on (murmur2, as Faust's producer)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


TOPICS = ("streams", "audio", "events", "transcripts", "offers", "alert-candidates", "alerts", "dead-letters")


def bootstrap_servers(broker: str) -> str:
    """``kafka://host:port;kafka://host2:port`` → ``host:port,host2:port`` for aiokafka."""
    hosts = [part.strip().split("://", 1)[-1] for part in broker.replace(";", ",").split(",") if part.strip()]
    return ",".join(hosts)


async def declare_topics(settings: Settings, changelogs: Sequence[str] = (), timeout: float = 30.0) -> None:
    """Create Pantau's topics (and the given table changelogs, compacted) with
    the configured partitions if they do not exist.

    Every role calls this before it starts, so that no consumer group is
    first assigned while one of its topics is missing, and no table writes to
    a changelog whose partitions its consumer has not seen yet.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings.kafka.broker),
                                request_timeout_ms=int(timeout * 1000))
    try:
        await admin.start()
    except KafkaConnectionError:
        raise UserError(f"cannot reach Kafka at {settings.kafka.broker}; start it (deploy/kafka/kafka.sh start) "
                        f"or set kafka.broker") from None
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(topic(settings, name), settings.kafka.partitions, 1)
                  for name in TOPICS if topic(settings, name) not in existing]
        wanted += [NewTopic(name, settings.kafka.partitions, 1, topic_configs={"cleanup.policy": "compact"})
                   for name in changelogs if name not in existing]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another worker made them first
    finally:
        await admin.close()


def changelog_topics(app: faust.App) -> list:
    """The changelog topic of every table of ``app``."""
    return [table.changelog_topic.get_topic_name() for table in app.tables.values()]


def _raw(app: PantauApp, settings: Settings, *names: str) -> Any:
    # Bytes on the wire, records decoded and encoded here with the records'
    # own JSON (the same bytes every role and the embedded runner use).
    return app.topic(*(topic(settings, name) for name in names), value_serializer="raw",
                     partitions=settings.kafka.partitions, internal=True, **RAW)


async def _send(channel: Any, record: Any) -> None:
    await channel.send(key=record.stream_id.encode(), value=record.dumps())


def _collectors(settings: Settings, registry: CollectorRegistry) -> Tuple[faust.App, Optional[Callable]]:
    from collectors import CollectorMetrics, Supervisor

    app = new_app(settings)
    streams = _raw(app, settings, "streams")
    audio = _raw(app, settings, "audio")
    events = _raw(app, settings, "events")
    app.source_topics = frozenset({topic(settings, "streams")})
    specs = app.Table("collector-specs", default=None, key_type=str, partitions=settings.kafka.partitions)
    running: Dict[str, Supervisor] = {}

    async def audio_sink(chunk: AudioChunk) -> None:
        await _send(audio, chunk)

    async def event_sink(event: StreamEvent) -> None:
        await _send(events, event)

    @app.agent(streams, name="pantau-collect")
    async def collect(stream: Any) -> Any:
        async for event in stream.events():
            payload = event.message.value
            if not payload:
                # A tombstone: staff detached the stream (see the alerts role).
                stream_id = (event.message.key or b"").decode("utf-8", "replace")
                if stream_id in specs:
                    del specs[stream_id]
                yield stream_id
                continue
            try:
                spec = decode(StreamSpec, payload).validate()
            except (BadRecord, UserError) as exc:
                log.warning("ignoring stream spec: %s", exc)
                continue
            specs[spec.stream_id] = spec.to_representation()
            yield spec.stream_id

    @app.timer(2.0)
    async def reconcile() -> None:
        # Attach what this worker's partitions hold, detach what moved away:
        # assignment follows Kafka's rebalancing, no coordinator of our own.
        if "supervisor" not in running:
            running["supervisor"] = Supervisor(settings.collectors, audio_sink=audio_sink, event_sink=event_sink,
                                               metrics=CollectorMetrics(registry))
        supervisor = running["supervisor"]
        name = topic(settings, "streams")
        owned = {tp.partition for tp in app.consumer.assignment() if tp.topic == name}
        wanted = {sid: StreamSpec.from_data(dict(data)) for sid, data in list(specs.items())
                  if data and partition_for(sid, settings.kafka.partitions) in owned}
        for stream_id in set(supervisor.attached) - set(wanted):
            await supervisor.detach(stream_id)
        for stream_id, spec in wanted.items():
            if stream_id not in supervisor.attached:
                await supervisor.attach(spec)

    async def close() -> None:
        if "supervisor" in running:
            await running["supervisor"].close()

    return app, close


def _transcription(settings: Settings, registry: CollectorRegistry) -> Tuple[faust.App, Optional[Callable]]:
    from transcription import TranscriptionMetrics, Transcriber

    app = new_app(settings)
    audio = _raw(app, settings, "audio")
    transcripts = _raw(app, settings, "transcripts")
    offers = _raw(app, settings, "offers")
    app.source_topics = frozenset({topic(settings, "audio")})
    transcriber = Transcriber(settings.transcription, settings.model, settings.model_cache,
                              metrics=TranscriptionMetrics(registry))
    ready = asyncio.Event()

    @app.task
    async def load_model() -> None:
        await transcriber.start(progress=lambda message: log.info("%s", message))
        ready.set()

    @app.agent(audio, name="pantau-transcribe")
    async def transcribe(stream: Any) -> Any:
        async for payload in stream:
            await ready.wait()
            try:
                chunk = decode(AudioChunk, payload)
            except BadRecord as bad:
                log.warning("skipping audio record: %s", bad)
                continue
            result = await transcriber.feed(chunk)
            for transcript in result.transcripts:
                await _send(transcripts, transcript)
            for offer in result.offers:
                await _send(offers, offer)
            yield chunk.seq

    async def close() -> None:
        transcriber.close()

    return app, close


def _processors(settings: Settings, registry: CollectorRegistry) -> Tuple[faust.App, Optional[Callable]]:
    from stream_processors.faust_app import create_app

    return create_app(settings, registry=registry).app, None


def _alerts(settings: Settings, registry: CollectorRegistry) -> Tuple[faust.App, Optional[Callable]]:
    from alerts import AlertMetrics, AlertService
    from alerts import create_app as create_web
    from pantau.records import Alert, Transcript

    app = new_app(settings)
    service = AlertService(settings, metrics=AlertMetrics(registry))
    handlers = {
        "alerts": (Alert, service.ingest_alert),
        "transcripts": (Transcript, service.ingest_transcript),
        "events": (StreamEvent, service.ingest_event),
        "audio": (AudioChunk, service.ingest_audio),
        "streams": (StreamSpec, service.ingest_spec),
    }
    inputs = _raw(app, settings, *handlers)
    streams_out = _raw(app, settings, "streams")
    app.source_topics = frozenset(topic(settings, name) for name in handlers)
    ready = asyncio.Event()

    async def publish_stream_change(change: str, spec: StreamSpec) -> None:
        # Staff attach or detach through the desk's API; the collectors obey the
        # streams topic: the spec to attach, a tombstone (no value) to detach.
        value = spec.dumps() if change == "attach" else None
        await streams_out.send(key=spec.stream_id.encode(), value=value)

    service.add_stream_listener(publish_stream_change)

    @app.task
    async def start_store() -> None:
        await service.start()
        runner = web.AppRunner(create_web(service, registry))
        await runner.setup()
        await web.TCPSite(runner, settings.server.host, settings.server.port).start()
        log.info("alert desk on http://%s:%s/", settings.server.host, settings.server.port)
        ready.set()

    @app.agent(inputs, name="pantau-store")
    async def store(stream: Any) -> Any:
        async for event in stream.events():
            await ready.wait()
            record_type, ingest = handlers[event.message.topic.rsplit(".", 1)[-1]]
            if not event.message.value:  # a detached stream's tombstone
                yield event.message.offset
                continue
            try:
                await ingest(decode(record_type, event.message.value))
            except BadRecord as bad:
                log.warning("skipping %s record: %s", event.message.topic, bad)
            yield event.message.offset

    async def close() -> None:
        await service.close()

    return app, close


BUILDERS = {"collectors": _collectors, "transcription": _transcription, "processors": _processors,
            "alerts": _alerts}


def build_role(role: str, settings: Settings, registry: CollectorRegistry) -> Tuple[faust.App, Optional[Callable]]:
    """The Faust app of ``role`` with Pantau's and Faust's metrics on ``registry``."""
    if role not in BUILDERS:
        raise UserError(f"unknown worker role {role!r}; choose one of {', '.join(ROLES)}")
    settings = role_settings(settings, role)
    app, close = BUILDERS[role](settings, registry)
    app.sensors.add(FaustPrometheusSensor(registry))
    registry.register(ConsumerLagCollector.from_faust(app))
    if role != "alerts":  # the alerts role serves /metrics with its desk

        @app.task
        async def serve_metrics() -> None:
            web_app = web.Application()
            add_metrics_route(web_app, registry)
            web_app.router.add_get("/healthz", lambda request: web.json_response({"role": role, "ok": True}))
            runner = web.AppRunner(web_app)
            await runner.setup()
            await web.TCPSite(runner, settings.server.host, settings.server.port).start()
            log.info("%s worker metrics on http://%s:%s/metrics", role, settings.server.host, settings.server.port)

    if close is not None:
        app.on_before_shutdown.connect(lambda sender, **kwargs: close())
    return app, close


def run_worker(role: str, settings: Settings) -> int:
    """Run one role's Faust worker until SIGINT/SIGTERM; returns the exit status."""
    registry = new_registry()
    register_build_info(registry, role, __version__)
    app, _ = build_role(role, settings, registry)
    asyncio.run(declare_topics(settings, changelog_topics(app)))
    worker = faust.Worker(app, loglevel=settings.log_level.upper(), quiet=True, override_logging=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
