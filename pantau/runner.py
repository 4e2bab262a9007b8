"""The embedded runner: every subsystem in one process.

Collectors, transcription, stream processors and alerts are connected by
bounded in-process channels (asyncio queues) carrying the same records that
the distributed workers put on Kafka topics. A full channel makes the producer
wait, so a slow stage slows the ones before it instead of growing memory.
The model runs in the transcriber's worker thread; the event loop never blocks.

    >>> pipeline = EmbeddedPipeline(load_settings())      # doctest: +SKIP
    >>> await pipeline.start(progress=print)               # doctest: +SKIP
    >>> await pipeline.attach(spec)                        # doctest: +SKIP
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Optional

from prometheus_client import CollectorRegistry

from alerts import AlertService, create_app
from alerts.metrics import AlertMetrics
from collectors import Supervisor
from collectors.metrics import CollectorMetrics
from pantau import __version__
from pantau.config import Settings
from pantau.metrics import new_registry, register_build_info
from pantau.records import Alert, AudioChunk, StreamEvent, StreamSpec
from stream_processors import Processor
from stream_processors.metrics import ProcessorMetrics
from transcription import Transcriber
from transcription.metrics import TranscriptionMetrics

__all__ = ["EmbeddedPipeline", "PipelineStats"]

log = logging.getLogger("pantau.runner")

Progress = Callable[[str], None]


@dataclass
class PipelineStats:
    """What went through the pipeline, for the demo's summary line."""

    audio_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    heard_until: dict[str, float] = field(default_factory=dict)
    transcripts: int = 0
    offers: int = 0
    alerts: dict[str, Alert] = field(default_factory=dict)
    # alert ids raised or updated by a spoken offer (not only by a product pin)
    spoken: set[str] = field(default_factory=set)

    def summary(self, streams: list[str]) -> dict:
        by_stream: Counter[str] = Counter()
        by_rule: Counter[str] = Counter()
        for alert in self.alerts.values():
            by_stream[alert.stream_id] += 1
            by_rule[alert.rule] += 1
        return {
            "streams": len(streams),
            "audio_seconds": round(sum(self.audio_seconds.values()), 1),
            "transcripts": self.transcripts,
            "offers": self.offers,
            "alerts": {
                "total": len(self.alerts),
                "by_stream": {s: by_stream.get(s, 0) for s in streams},
                "by_rule": dict(by_rule),
                "from_speech": len(self.spoken & set(self.alerts)),
            },
        }


class EmbeddedPipeline:
    """Collectors → transcription → stream processors → alerts, in one process."""

    def __init__(self, settings: Settings, registry: Optional[CollectorRegistry] = None) -> None:
        self.settings = settings
        self.registry = registry or new_registry()
        register_build_info(self.registry, "embedded", __version__)
        self.stats = PipelineStats()
        queue_size = settings.transcription.queue_size
        self._audio: asyncio.Queue[AudioChunk] = asyncio.Queue(maxsize=queue_size)
        self._events: asyncio.Queue[StreamEvent] = asyncio.Queue(maxsize=queue_size * 4)
        self.alert_service = AlertService(settings, metrics=AlertMetrics(self.registry))
        self.processor = Processor(settings.rules, metrics=ProcessorMetrics(self.registry))
        self.transcriber = Transcriber(
            settings.transcription,
            settings.model,
            settings.model_cache,
            metrics=TranscriptionMetrics(self.registry),
        )
        self.supervisor = Supervisor(
            settings.collectors,
            audio_sink=self._audio.put,
            event_sink=self._events.put,
            metrics=CollectorMetrics(self.registry),
        )
        self._tasks: list[asyncio.Task] = []
        self._specs: dict[str, StreamSpec] = {}

    def web_app(self):
        """The alert desk, API, live feed and /metrics, served by the alerts service."""
        return create_app(self.alert_service, self.registry)

    async def start(self, progress: Progress = lambda message: None) -> None:
        await self.alert_service.start()
        # Staff attach and detach streams through the API; the collectors obey.
        self.alert_service.add_stream_listener(self._on_stream_change)
        await self.transcriber.start(progress=progress)
        self._tasks = [
            asyncio.create_task(self._pump_audio(), name="pantau-audio"),
            asyncio.create_task(self._pump_events(), name="pantau-events"),
        ]

    async def attach(self, spec: StreamSpec) -> None:
        spec.validate()
        if spec.stream_id in self._specs:
            return
        self._specs[spec.stream_id] = spec
        self.processor.on_spec(spec)
        await self.alert_service.ingest_spec(spec)
        await self.supervisor.attach(spec)

    async def _on_stream_change(self, change: str, spec: StreamSpec) -> None:
        if change == "attach":
            await self.attach(spec)
        else:
            await self.detach(spec.stream_id)

    async def detach(self, stream_id: str) -> None:
        if self._specs.pop(stream_id, None) is None:
            return
        await self.supervisor.detach(stream_id)
        await self._flush(stream_id)

    async def close(self) -> None:
        """Stop collecting, commit what was heard, then stop the rest."""
        await self.supervisor.close()
        await self._drain()
        for stream_id in list(self._specs):
            await self._flush(stream_id)
        self._specs.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.transcriber.close()
        await self.alert_service.close()

    async def _drain(self, timeout: float = 30.0) -> None:
        # Every record taken from a channel is marked done, so join() returns
        # once what was queued has gone all the way through.
        try:
            await asyncio.wait_for(asyncio.gather(self._audio.join(), self._events.join()), timeout)
        except asyncio.TimeoutError:
            log.warning("records still queued after %.0f s at shutdown", timeout)

    async def _flush(self, stream_id: str) -> None:
        result = await self.transcriber.flush(stream_id)
        await self._handle_transcription(result)

    async def _pump_audio(self) -> None:
        while True:
            chunk = await self._audio.get()
            try:
                if not chunk.gap:
                    self.stats.audio_seconds[chunk.stream_id] += chunk.duration
                await self.alert_service.ingest_audio(chunk)
                result = await self.transcriber.feed(chunk)
                await self._handle_transcription(result)
            except Exception:  # one bad chunk must not stop every stream
                log.exception("audio chunk %s/%s failed", chunk.stream_id, chunk.seq)
            finally:
                self._audio.task_done()

    async def _handle_transcription(self, result) -> None:
        for transcript in result.transcripts:
            self.stats.transcripts += 1
            prev = self.stats.heard_until.get(transcript.stream_id, 0.0)
            self.stats.heard_until[transcript.stream_id] = max(prev, transcript.t1)
            await self.alert_service.ingest_transcript(transcript)
        for offer in result.offers:
            self.stats.offers += 1
            alerts = self.processor.on_offer(offer)
            self.stats.spoken.update(a.alert_id for a in alerts)
            await self._raise(alerts)

    async def _pump_events(self) -> None:
        while True:
            event = await self._events.get()
            try:
                await self.alert_service.ingest_event(event)
                await self._raise(self.processor.on_event(event))
            except Exception:
                log.exception("event %s/%s failed", event.stream_id, event.kind)
            finally:
                self._events.task_done()

    async def _raise(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self.stats.alerts[alert.alert_id] = alert
            await self.alert_service.ingest_alert(alert)
