"""Platform events: a source of raw messages, and a reader that keeps it going.

An ``EventSource`` yields one connection's raw messages (JSON objects); the
``EventReader`` reconnects it with backoff, parses each message with the
platform adapter and hands ``StreamEvent``s on. Garbage (non-JSON, binary,
oversize frames, unknown types) is counted, logged once per burst and
skipped::

    class Replay(EventSource):
        def __init__(self, messages):
            self.replay = messages
        async def messages(self, session, settings, report):
            for message in self.replay:
                yield message
"""
from __future__ import annotations

import abc
import asyncio
import json
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

import aiohttp
import pydantic

from collectors.fetch import WS_SCHEMES, SlowDown, check_url
from collectors.metrics import StreamReport
from collectors.pacing import Backoff
from pantau.config import CollectorSettings
from pantau.records import StreamEvent

__all__ = ["EventSource", "WebSocketSource", "EventReader", "UnknownEvent", "EventsIdle"]


class UnknownEvent(ValueError):
    """A message whose type the platform adapter does not know."""


class EventsIdle(Exception):
    """The event connection said nothing, not even a pong, for too long."""


class EventSource(abc.ABC):
    """One platform's event feed; ``messages`` yields one connection's messages, then returns."""

    @abc.abstractmethod
    def messages(
        self, session: aiohttp.ClientSession, settings: CollectorSettings, report: StreamReport
    ) -> AsyncIterator[dict[str, Any]]:
        """Connect and yield raw messages until the connection ends; raise when it cannot connect."""


class WebSocketSource(EventSource):
    """A WebSocket of JSON text frames, with heartbeats and an idle timer."""

    def __init__(self, url: str, headers: Optional[dict[str, str]] = None, idle_timeout: Optional[float] = None):
        self.url = check_url(url, WS_SCHEMES)
        self.headers = headers or {}
        self.idle_timeout = idle_timeout

    async def messages(self, session, settings, report):
        idle = self.idle_timeout or settings.stall_timeout
        try:
            ws = await session.ws_connect(
                self.url,
                headers=self.headers,
                heartbeat=max(1.0, idle / 3),  # pings keep NATs open and prove the peer alive
                max_msg_size=settings.max_message_bytes,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=settings.request_timeout),
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (429, 403):
                retry = exc.headers.get("Retry-After") if exc.headers else None
                raise SlowDown(self.url, exc.status, float(retry) if retry and retry.isdigit() else None) from None
            raise
        async with ws:
            while True:
                try:
                    message = await ws.receive(timeout=idle)
                except asyncio.TimeoutError:
                    raise EventsIdle(f"no event frame in {idle:.0f} s") from None
                if message.type == aiohttp.WSMsgType.TEXT:
                    if len(message.data) > settings.max_message_bytes:
                        report.error("oversize_message", f"{len(message.data)} bytes")
                        continue
                    try:
                        payload = json.loads(message.data)
                    except ValueError:
                        report.error("bad_json", repr(message.data[:80]))
                        continue
                    if not isinstance(payload, dict):
                        report.error("bad_json", f"a JSON {type(payload).__name__}, not an object")
                        continue
                    yield payload
                elif message.type == aiohttp.WSMsgType.BINARY:
                    report.error("binary_frame", f"{len(message.data)} bytes")
                elif message.type == aiohttp.WSMsgType.ERROR:
                    # aiohttp closes the socket after a frame over max_msg_size.
                    report.error("oversize_message" if "size" in str(message.data) else "ws_error", str(message.data))
                    return
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    return


Parse = Callable[[dict[str, Any], str], Optional[StreamEvent]]


class EventReader:
    """Keeps a stream's event source connected and hands its events on.

    ``run`` returns once the platform says the live ended.
    """

    def __init__(
        self,
        stream_id: str,
        source: EventSource,
        parse: Parse,
        sink: Callable[[StreamEvent], Awaitable[None]],
        session: aiohttp.ClientSession,
        settings: CollectorSettings,
        report: StreamReport,
    ) -> None:
        self.stream_id = stream_id
        self.source = source
        self.parse = parse
        self.sink = sink
        self.session = session
        self.settings = settings
        self.report = report
        self.backoff = Backoff(settings.reconnect_initial, settings.reconnect_max)
        self.seq = 0
        self.ended = False
        self._pinned: Optional[tuple] = None
        self._started = False

    async def run(self) -> None:
        while not self.ended:
            reason = "closed"
            delay_floor = 0.0
            try:
                async for raw in self.source.messages(self.session, self.settings, self.report):
                    self.backoff.reset()
                    await self._handle(raw)
                    if self.ended:
                        return
            except SlowDown as exc:
                reason, delay_floor = exc.reason, exc.retry_after or self.settings.reconnect_initial * 4
            except EventsIdle:
                reason = "idle"
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                reason = "network"
                self.report.error("events_connect", str(exc) or type(exc).__name__)
            self.report.reconnect(f"events_{reason}")
            await asyncio.sleep(self.backoff.next(at_least=delay_floor))

    async def _handle(self, raw: dict[str, Any]) -> None:
        try:
            event = self.parse(raw, self.stream_id)
        except UnknownEvent as exc:
            self.report.error("unknown_event", str(exc))
            return
        except Exception as exc:  # the adapter is the edge: a payload it chokes on is bad input, not a crash
            kind = "invalid_event" if isinstance(exc, (pydantic.ValidationError, ValueError, TypeError)) else "parse_failed"
            self.report.error(kind, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        if event is None:
            return
        if event.kind == "stream_started":
            if self._started:
                return  # a reconnect's greeting, not a new broadcast
            self._started = True
        if event.kind == "product_pinned" and event.product is not None:
            # A reconnect replays the current pin; one pin is one event.
            key = (event.product.product_id, event.product.price_idr, event.product.stock)
            if key == self._pinned:
                return
            self._pinned = key
        self.seq += 1
        event.seq = self.seq
        if not event.time:
            event.time = time.time()
        self.report.event(event.kind)
        if event.kind == "stream_ended":
            self.ended = True
        await self.sink(event)
