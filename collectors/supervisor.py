"""The supervisor: attaches and detaches streams at run time and keeps each one heard.

Each attached stream gets a ``StreamWatch`` task: resolve through the
platform adapter (within the platform's request budget), poll until live,
read audio and events, reconnect with jittered exponential backoff, treat
HTTP 429 and "blocked" as "slow down", and decide when the broadcast is over
even if the platform never says so::

    supervisor = Supervisor(settings.collectors, audio_sink=audio.put, event_sink=events.put)
    await supervisor.attach(spec)
    ...
    await supervisor.close()

Sinks are awaited: a slow sink holds its stream's reader back (bounded
queues all the way), it never grows memory.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, Optional

import aiohttp
import pydantic

from collectors.audio import AudioOut, StreamStalled
from collectors.chunker import AudioChunker
from collectors.events import EventReader
from collectors.fetch import FetchError, SlowDown
from collectors.flv import FLVCursor, FLVReader
from collectors.hls import HLSCursor, HLSReader
from collectors.metrics import CollectorMetrics, StreamReport
from collectors.pacing import Backoff, RequestBudget
from collectors.platforms import Platform, ResolvedStream, platform_for_spec
from pantau.config import CollectorSettings
from pantau.errors import UserError
from pantau.records import AudioChunk, StreamEvent, StreamSpec

__all__ = ["Supervisor", "StreamWatch"]

log = logging.getLogger("pantau.collectors")

AudioSink = Callable[[AudioChunk], Awaitable[None]]
EventSink = Callable[[StreamEvent], Awaitable[None]]


class _StreamOut(AudioOut):
    """Chunks one stream's audio and hands it to the sink, counting as it goes."""

    def __init__(self, spec: StreamSpec, settings: CollectorSettings, sink: AudioSink, report: StreamReport):
        self.chunker = AudioChunker(spec.stream_id, settings.chunk_seconds)
        self.sink = sink
        self.report = report
        self.last_audio = time.monotonic()

    async def _send(self, chunks: list[AudioChunk]) -> None:
        for chunk in chunks:
            if not chunk.gap:
                self.report.audio(chunk.duration)
            await self.sink(chunk)

    async def pcm(self, pcm: bytes, wall_time: Optional[float]) -> None:
        self.last_audio = time.monotonic()
        await self._send(self.chunker.feed(pcm, wall_time))

    async def gap(self, seconds: float, reason: str, wall_time: Optional[float] = None) -> None:
        self.report.gap(reason, seconds)
        await self._send(self.chunker.gap(seconds, wall_time))

    def discontinuity(self) -> None:
        pass  # counted by the reader as a segment outcome

    async def flush(self) -> None:
        await self._send(self.chunker.flush())


class StreamWatch:
    """Everything the collectors do for one attached stream."""

    def __init__(
        self,
        spec: StreamSpec,
        platform: Platform,
        settings: CollectorSettings,
        session: aiohttp.ClientSession,
        budget: RequestBudget,
        audio_sink: AudioSink,
        event_sink: EventSink,
        metrics: Optional[CollectorMetrics],
        end_timeout: float,
    ) -> None:
        self.spec = spec
        self.platform = platform
        self.settings = settings
        self.session = session
        self.budget = budget
        self.event_sink = event_sink
        self.metrics = metrics
        self.end_timeout = end_timeout
        self.report = StreamReport(metrics, platform.name, spec.stream_id)
        self.out = _StreamOut(spec, settings, audio_sink, self.report)
        self.backoff = Backoff(settings.reconnect_initial, settings.reconnect_max)
        self.cursor = HLSCursor()
        self.flv_cursor = FLVCursor()
        self.events: Optional[EventReader] = None
        self._events_task: Optional[asyncio.Task] = None
        self.heard_live = False
        self.ended_reason: Optional[str] = None
        self._end_sent = False

    # -- the watch loop ----------------------------------------------------
    async def run(self) -> None:
        try:
            await self._watch()
        finally:
            await self._stop_events()

    def _silent_too_long(self) -> bool:
        return self.heard_live and time.monotonic() - self.out.last_audio > self.end_timeout

    async def _resolve(self) -> Optional[ResolvedStream]:
        await self.budget.acquire()
        try:
            return await self.platform.resolve(self.spec, self.session)
        except SlowDown as exc:
            self.report.reconnect(exc.reason)
            self.report.error(exc.reason, str(exc))
            await asyncio.sleep(self.backoff.next(at_least=exc.retry_after or 0.0))
        except (FetchError, pydantic.ValidationError, ValueError) as exc:
            self.report.reconnect("resolve_failed")
            self.report.error("resolve_failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            await asyncio.sleep(self.backoff.next())
        return None

    async def _watch(self) -> None:
        while True:
            if self.events is not None and self.events.ended:
                return await self._end("platform_said")
            if self._silent_too_long():
                return await self._end("silent")
            try:
                resolved = await self._resolve()
            except UserError as exc:
                # Permanent (a missing optional library, a bad URL): retrying cannot help.
                self.report.error("unresolvable", str(exc))
                log.error("stream %s cannot be watched: %s", self.spec.stream_id, exc)
                self.ended_reason = "unresolvable"
                return
            if resolved is None:
                continue
            if resolved.ended:
                return await self._end("platform_said")
            if resolved.events is not None and self._events_task is None:
                self._start_events(resolved)
            if not resolved.live:
                await asyncio.sleep(self.platform.status_poll_seconds)
                continue
            outcome = await self._read_audio(resolved)
            if outcome == "ended":
                return await self._end("end_of_media")
            if outcome == "platform_said":
                return await self._end("platform_said")
            self.report.reconnect(outcome)
            if time.monotonic() - self.out.last_audio < 1.0:
                self.backoff.reset()  # audio was flowing: this is a fresh failure
            await asyncio.sleep(self.backoff.next())

    async def _read_audio(self, resolved: ResolvedStream) -> str:
        """Read until the media ends ("ended") or fails (the reason, for the reconnect metric)."""
        assert resolved.audio_url
        if resolved.kind == "hls":
            reader = HLSReader(resolved.audio_url, self.session, self.settings, self.out, self.report, self.cursor)
        else:
            reader = FLVReader(resolved.audio_url, self.session, self.settings, self.out, self.report, self.flv_cursor)
        if not self.heard_live:
            # The silence clock starts when the stream is first found live.
            self.heard_live = True
            self.out.last_audio = time.monotonic()
        live = self.metrics.streams_live.labels(platform=self.platform.name) if self.metrics else None
        if live:
            live.inc()
        read = asyncio.create_task(reader.run())
        try:
            waiters: set[asyncio.Future] = {read}
            if self._events_task is not None and not self._events_task.done():
                waiters.add(self._events_task)
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if read not in done:
                if self.events is not None and self.events.ended:
                    # The platform says the live is over: let the media drain briefly.
                    done, _ = await asyncio.wait({read}, timeout=min(10.0, self.settings.stall_timeout))
                    if read not in done:
                        return "platform_said"
                else:
                    # The event reader failed (a sink error): restart it at the next resolve.
                    self._events_failed()
                    await read
            read.result()
            # ENDLIST closes an HLS stream for good; a closed FLV response may be a hiccup.
            return "ended" if resolved.kind == "hls" else "eof"
        except StreamStalled:
            return "stalled"
        except SlowDown as exc:
            await asyncio.sleep(exc.retry_after or 0.0)
            return exc.reason
        except FetchError as exc:
            self.report.error("audio_" + exc.reason, str(exc))
            return exc.reason
        finally:
            if not read.done():
                read.cancel()
            await asyncio.gather(read, return_exceptions=True)
            if live:
                live.dec()

    # -- events ------------------------------------------------------------
    def _start_events(self, resolved: ResolvedStream) -> None:
        assert resolved.events is not None
        self.events = EventReader(
            self.spec.stream_id,
            resolved.events,
            self.platform.parse_event,
            self._event,
            self.session,
            self.settings,
            self.report,
        )
        self._events_task = asyncio.create_task(self.events.run(), name=f"events-{self.spec.stream_id}")

    def _events_failed(self) -> None:
        task = self._events_task
        if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
            self.report.error("events_failed", repr(task.exception()))
            log.error("stream %s: event reader failed", self.spec.stream_id, exc_info=task.exception())
        self._events_task = None
        self.events = None

    async def _event(self, event: StreamEvent) -> None:
        if event.kind == "stream_ended":
            if self._end_sent:
                return
            self._end_sent = True
        await self.event_sink(event)

    async def _stop_events(self) -> None:
        if self._events_task is not None:
            self._events_task.cancel()
            await asyncio.gather(self._events_task, return_exceptions=True)

    async def _end(self, reason: str) -> None:
        """The broadcast is over: say so once, even when the platform never did."""
        self.ended_reason = reason
        await self.out.flush()
        if not self._end_sent:
            self._end_sent = True
            self.report.event("stream_ended")
            await self.event_sink(
                StreamEvent(
                    stream_id=self.spec.stream_id,
                    kind="stream_ended",
                    time=time.time(),
                    raw={"detected_by": "collector", "reason": reason},
                )
            )
        log.info("stream %s ended (%s)", self.spec.stream_id, reason)


class Supervisor:
    """Watches many live streams at once; the collectors' public face."""

    def __init__(
        self,
        settings: CollectorSettings,
        audio_sink: AudioSink,
        event_sink: EventSink,
        metrics: Optional[CollectorMetrics] = None,
        *,
        end_timeout: Optional[float] = None,
    ) -> None:
        self.settings = settings
        self.audio_sink = audio_sink
        self.event_sink = event_sink
        self.metrics = metrics
        # Silence this long after audio was heard ends a stream whose platform never says so.
        self.end_timeout = end_timeout if end_timeout is not None else 3 * settings.stall_timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._budgets: dict[str, RequestBudget] = {}
        self._watches: dict[str, StreamWatch] = {}
        self._tasks: dict[str, asyncio.Task] = {}

    @property
    def attached(self) -> list[str]:
        """Ids of the streams being watched (ended streams drop out)."""
        return [sid for sid, task in self._tasks.items() if not task.done()]

    def watch(self, stream_id: str) -> StreamWatch:
        return self._watches[stream_id]

    def _session_for(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # No pool cap: each live stream holds a socket or two for its whole life.
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": "pantau-collector/0.1"})
        return self._session

    async def attach(self, spec: StreamSpec) -> None:
        """Start watching ``spec`` (re-attaching an attached id replaces it)."""
        spec.validate()
        platform_cls = platform_for_spec(spec)
        if spec.stream_id in self._tasks:
            await self.detach(spec.stream_id)
        budget = self._budgets.get(platform_cls.name)
        if budget is None:
            budget = self._budgets[platform_cls.name] = RequestBudget(platform_cls.requests_per_second)
        watch = StreamWatch(
            spec,
            platform_cls(self.settings),
            self.settings,
            self._session_for(),
            budget,
            self.audio_sink,
            self.event_sink,
            self.metrics,
            self.end_timeout,
        )
        self._watches[spec.stream_id] = watch
        task = asyncio.create_task(watch.run(), name=f"collector-{spec.stream_id}")
        self._tasks[spec.stream_id] = task
        if self.metrics:
            gauge = self.metrics.streams_attached.labels(platform=platform_cls.name)
            gauge.inc()
            task.add_done_callback(lambda _: gauge.dec())
        task.add_done_callback(self._log_failure)

    @staticmethod
    def _log_failure(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("collector %s failed", task.get_name(), exc_info=task.exception())

    async def detach(self, stream_id: str) -> None:
        """Stop watching; audio already decoded is still handed on."""
        task = self._tasks.pop(stream_id, None)
        watch = self._watches.pop(stream_id, None)
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if watch is not None:
            await watch.out.flush()

    async def close(self) -> None:
        # Cancel every stream first, then wait: closing hundreds one by one is slow.
        await asyncio.gather(*(self.detach(stream_id) for stream_id in list(self._tasks)))
        if self._session is not None:
            await self._session.close()
            self._session = None
