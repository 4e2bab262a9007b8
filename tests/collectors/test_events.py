"""The event reader against a local WebSocket peer that misbehaves on purpose."""
from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from aiohttp import web

from collectors.events import EventReader, WebSocketSource
from collectors.metrics import StreamReport
from collectors.pacing import BurstLog
from collectors.platforms.simulator import parse_pantau_event

GOOD_PIN = {"type": "product_pin", "ts": 1764302400.5, "product": {"product_id": "p1", "title": "Kaos", "price_idr": 25000}}


class Peer:
    """Sends ``script`` (text, bytes, or ("sleep", s)) on each connection, then stays open."""

    def __init__(self, script: list) -> None:
        self.script = script
        self.connections = 0

    def app(self) -> web.Application:
        async def handler(request):
            self.connections += 1
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            for item in self.script if self.connections == 1 else [json.dumps({"type": "comment", "text": "lagi", "ts": 1.0})]:
                if isinstance(item, tuple):
                    await asyncio.sleep(item[1])
                elif isinstance(item, bytes):
                    await ws.send_bytes(item)
                else:
                    await ws.send_str(item)
            async for _ in ws:
                pass
            return ws

        app = web.Application()
        app.router.add_get("/events", handler)
        return app


async def run_reader(serve, peer, settings, until, timeout=10.0):
    base = await serve(peer.app())
    events = []

    async def sink(event):
        events.append(event)

    report = StreamReport(None, "generic", "ws-test")
    async with aiohttp.ClientSession() as session:
        source = WebSocketSource(base.replace("http", "ws") + "/events")
        reader = EventReader("ws-test", source, parse_pantau_event, sink, session, settings, report)
        task = asyncio.create_task(reader.run())
        try:
            for _ in range(int(timeout / 0.05)):
                if until(events, report):
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return events, report


async def test_garbage_frames_are_counted_and_skipped(serve, settings):
    settings.max_message_bytes = 10_000
    peer = Peer(
        [
            "not json {",
            "[1, 2, 3]",
            b"\x00\xff binary",
            json.dumps({"type": "gift", "value": 5}),
            json.dumps({"type": "viewers", "count": "many"}),
            json.dumps(GOOD_PIN),
            json.dumps({"type": "comment", "text": "x" * 20_000}),  # over the limit: the peer is dropped
        ]
    )
    events, report = await run_reader(
        serve, peer, settings, lambda events, report: any(e.kind == "comment" for e in events)
    )
    counts = report.counts
    assert counts["error:bad_json"] == 2
    assert counts["error:binary_frame"] == 1
    assert counts["error:unknown_event"] == 1
    assert counts["error:invalid_event"] == 1
    assert counts["error:oversize_message"] == 1
    assert [e.kind for e in events] == ["product_pinned", "comment"]  # the pin, then the new connection's comment
    assert events[0].raw == GOOD_PIN and events[0].product.price_idr == 25000
    assert [e.seq for e in events] == [1, 2]
    assert peer.connections == 2


async def test_a_silent_connection_is_dropped_by_the_idle_timer(serve, settings):
    settings.stall_timeout = 0.6  # the idle limit
    peer = Peer([json.dumps(GOOD_PIN), ("sleep", 5.0)])
    events, report = await run_reader(serve, peer, settings, lambda events, report: len(events) >= 2)
    assert report.counts["reconnect:events_idle"] >= 1
    assert [e.kind for e in events] == ["product_pinned", "comment"]


async def test_a_refused_handshake_is_retried_with_backoff(serve, settings):
    attempts = []

    async def refuse(request):
        attempts.append(request)
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/events", refuse)
    base = await serve(app)
    report = StreamReport(None, "generic", "ws-test")
    async with aiohttp.ClientSession() as session:
        reader = EventReader(
            "ws-test", WebSocketSource(base + "/events"), parse_pantau_event, None, session, settings, report
        )
        task = asyncio.create_task(reader.run())
        await asyncio.sleep(1.5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert 2 <= len(attempts) <= 10  # backed off (0.05 s doubling to 0.5 s), not a tight loop
    assert len(attempts) - 1 <= report.counts["reconnect:events_network"] <= len(attempts)


def test_a_burst_of_like_problems_is_logged_once(caplog):
    now = [0.0]
    burst = BurstLog(logging.getLogger("pantau.test"), quiet_seconds=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="pantau.test"):
        logged = [burst.warning("bad_json", "bad frame %d", n) for n in range(100)]
        now[0] = 61.0
        burst.warning("bad_json", "bad frame %d", 100)
        burst.warning("unknown_event", "unknown")
    assert logged.count(True) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["bad frame 0", "bad frame 100 (99 like it since, not logged)", "unknown"]
