"""The room's event WebSocket, in the simulator platform's own JSON format.

Every message is a JSON object with ``type``, ``seq`` (per connection),
``ts`` (Unix time the event happened) and, for scripted events, ``room_time``
(seconds on the room's audio timeline, across loops) and ``loop``::

    {"type": "room", "status": "waiting"|"live"|"ended", "room": id, "title": ...,
     "seller_id": ..., "seller_name": ..., "merchant_type": "domestic"|"cross_border"}
    {"type": "live_start", "room": id, ...}       the broadcast is on air
    {"type": "product_pin", "product": {"product_id", "title", "price_idr",
     "list_price_idr", "stock", "ship_from", "shop", "category"}}
    {"type": "comment", "user": ..., "text": ...}
    {"type": "viewers", "count": ...}
    {"type": "live_end"}                           then the server closes

A new client first gets ``room``, then (when live) ``live_start`` and a snapshot
of the pinned product and viewer count, then events as the room clock passes
them.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from collectors.simulator.live import ENDED, WAITING, LiveRoom, Scheduled

__all__ = ["serve_events", "rate_limited", "GARBAGE_FRAMES"]

POLL_SECONDS = 0.05
# Frames sent instead of events when ws_garbage is armed, in turn.
GARBAGE_FRAMES: tuple[str | bytes, ...] = (
    "not json {",
    b"\x00\xff\x13binary garbage",
    '{"type": "comment", "text": "' + "x" * 1_500_000 + '"}',
    "[1, 2, 3]",
)


class _Sender:
    def __init__(self, ws: web.WebSocketResponse, room: LiveRoom) -> None:
        self.ws = ws
        self.room = room
        self.seq = 0

    async def send(self, kind: str, ts: float, **fields: Any) -> None:
        self.seq += 1
        await self.ws.send_str(json.dumps({"type": kind, "seq": self.seq, "ts": round(ts, 3), **fields}))

    async def scheduled(self, item: Scheduled) -> None:
        event = item.event
        payload: dict[str, Any] = {"room_time": round(item.time, 3), "loop": item.loop}
        if event.kind == "product_pin":
            payload["product"] = dict(event.payload)
        else:
            payload.update(event.payload)
        await self.send(event.kind, self.room.wall_time(item.time), **payload)

    def room_fields(self) -> dict[str, Any]:
        room = self.room.room
        return {
            "room": room.room_id,
            "title": room.title,
            "seller_id": room.seller_id,
            "seller_name": room.seller_name,
            "merchant_type": room.merchant_type,
        }

    async def garbage(self) -> None:
        while self.room.faults.take("ws_garbage"):
            frame = GARBAGE_FRAMES[self.room.faults.variant("ws_garbage") % len(GARBAGE_FRAMES)]
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)

    async def go_live(self) -> float:
        room_time = self.room.room_time()
        await self.send("live_start", self.room.wall_time(), **self.room_fields())
        for kind in ("product_pin", "viewers"):
            latest = self.room.latest(kind, room_time)
            if latest is not None:
                await self.scheduled(latest)
        return room_time

    async def run(self) -> None:
        await self.send("room", self.room.wall_time(), status=self.room.status(), **self.room_fields())
        heard = None  # room time up to which events were sent; None while off air
        while not self.ws.closed:
            await self.garbage()
            status = self.room.status()
            if status == WAITING:
                heard = None
            else:
                if heard is None:
                    heard = await self.go_live()
                now = self.room.room_time()
                for item in list(self.room.events_between(heard, now)):
                    await self.scheduled(item)
                heard = now
                if status == ENDED:
                    await self.send("live_end", self.room.wall_time())
                    await self.ws.close()
                    return
            await asyncio.sleep(POLL_SECONDS)


def rate_limited(room: LiveRoom) -> web.Response | None:
    """The 429 an armed http_429 fault answers with, for any of the room's routes."""
    if not room.faults.take("http_429"):
        return None
    return web.json_response(
        {"error": "too many requests"}, status=429, headers={"Retry-After": str(room.faults.retry_after)}
    )


async def serve_events(request: web.Request, room: LiveRoom) -> web.StreamResponse:
    """Serve one client of the room's event WebSocket until it leaves or the room ends."""
    refusal = rate_limited(room)
    if refusal is not None:
        return refusal
    ws = web.WebSocketResponse(heartbeat=20.0)
    await ws.prepare(request)
    transport = request.transport
    room.connections.add(transport)
    room.sockets.add(ws)
    sender = asyncio.create_task(_Sender(ws, room).run())
    try:
        # Reading notices the client leaving; the sender does the talking.
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
            if sender.done():
                break
    finally:
        room.connections.discard(transport)
        room.sockets.discard(ws)
        sender.cancel()
        # The sender ends by itself when the room ends or the peer vanishes.
        # gather, not a suppressed await: the handler's own cancellation still propagates.
        await asyncio.gather(sender, return_exceptions=True)
    return ws
