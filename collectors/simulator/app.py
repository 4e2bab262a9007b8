"""The simulator's HTTP and WebSocket routes.

::

    GET  /rooms                          rooms and their URLs (JSON)
    GET  /rooms/{room}                   one room, with its live status
    GET  /rooms/{room}/live.m3u8         live sliding-window HLS playlist
    GET  /rooms/{room}/segments/{seq}.ts MPEG-TS segment (AAC mono)
    GET  /rooms/{room}/live.flv          HTTP-FLV (AAC), paced in real time
    WS   /rooms/{room}/events            platform events (JSON, see events.py)
    POST /rooms/{room}/faults            arm a fault, see faults.py
    POST /rooms/{room}/schedule          {"live_in": s} go off air and come back, {"end_in": s} end
"""
from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from aiohttp import web

from collectors.simulator.events import rate_limited, serve_events
from collectors.simulator.faults import FaultError
from collectors.simulator.live import WAITING, LiveRoom
from collectors.simulator.media import flv_audio_tag, flv_header, flv_metadata_tag

__all__ = ["create_app", "ROOMS_KEY"]

ROOMS_KEY = web.AppKey("rooms", dict)
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
MALFORMED_PLAYLISTS = (
    "#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:2.048,\nsegments/0.ts\n",
    None,  # the real playlist cut in the middle of a line
    "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:x\n#EXTINF:two,\nsegments/0.ts\n",
    b"\x00\xff\xfe<html>502 Bad Gateway</html>",
)


def _room(request: web.Request) -> LiveRoom:
    room = request.app[ROOMS_KEY].get(request.match_info["room"])
    if room is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "no such room"}), content_type="application/json")
    return room


def _describe(request: web.Request, room: LiveRoom) -> dict[str, Any]:
    base = f"{request.scheme}://{request.host}/rooms/{room.room.room_id}"
    ws_base = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return {
        "id": room.room.room_id,
        "title": room.room.title,
        "seller_id": room.room.seller_id,
        "seller_name": room.room.seller_name,
        "platform_hint": room.room.platform_hint,
        "merchant_type": room.room.merchant_type,
        "status": room.status(),
        "hls": f"{base}/live.m3u8",
        "flv": f"{base}/live.flv",
        "events": f"{ws_base}/events",
    }


def _refusal(room: LiveRoom) -> web.Response | None:
    """The response an armed 429 or an off-air room gives instead of media."""
    refusal = rate_limited(room)
    if refusal is not None:
        return refusal
    if room.status() == WAITING:
        return web.json_response({"error": "room is not live yet", "status": WAITING}, status=404)
    return None


async def _aborted(request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
    """Promise the whole body, send half of it, and cut the connection."""
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return response


async def rooms_index(request: web.Request) -> web.Response:
    return web.json_response([_describe(request, r) for r in request.app[ROOMS_KEY].values()])


async def room_info(request: web.Request) -> web.Response:
    return web.json_response(_describe(request, _room(request)))


async def playlist(request: web.Request) -> web.StreamResponse:
    room = _room(request)
    refusal = _refusal(room)
    if refusal is not None:
        return refusal
    text = room.playlist()
    headers = {"Cache-Control": "no-cache"}
    if room.faults.take("drop_connection"):
        return await _aborted(request, text.encode(), PLAYLIST_TYPE)
    if room.faults.take("malformed_playlist"):
        variant = MALFORMED_PLAYLISTS[room.faults.variant("malformed_playlist") % len(MALFORMED_PLAYLISTS)]
        if isinstance(variant, bytes):
            return web.Response(body=variant, content_type=PLAYLIST_TYPE, headers=headers)
        if variant is None:
            # Cut inside the last segment's URI, as a proxy that gave up mid-body would.
            text = text[: text.rstrip("\n").rfind("/") + 2]
        else:
            text = variant
    return web.Response(text=text, content_type=PLAYLIST_TYPE, headers=headers)


async def segment(request: web.Request) -> web.StreamResponse:
    room = _room(request)
    refusal = _refusal(room)
    if refusal is not None:
        return refusal
    try:
        seq = int(request.match_info["seq"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if not room.segment_available(seq):
        return web.json_response({"error": f"segment {seq} is not available"}, status=404)
    body = room.segment_bytes(seq)
    if room.faults.take("drop_connection"):
        return await _aborted(request, body, "video/mp2t")
    if room.faults.take("corrupt_segment"):
        rng = random.Random(seq)
        body = bytes(rng.randrange(0x48, 0x100) for _ in range(len(body)))
    return web.Response(body=body, content_type="video/mp2t")


async def flv_stream(request: web.Request) -> web.StreamResponse:
    room = _room(request)
    refusal = _refusal(room)
    if refusal is not None:
        return refusal
    media = room.media
    frame_seconds = media.frame_seconds
    per_segment = media.frames_per_segment
    response = web.StreamResponse(headers={"Content-Type": "video/x-flv", "Cache-Control": "no-cache"})
    await response.prepare(request)
    await response.write(flv_header() + flv_metadata_tag(media.sample_rate))
    await response.write(flv_audio_tag(0, media.audio_config, sequence_header=True))
    # Start one second behind the live edge, as a live FLV edge server does.
    first = max(0, int(room.room_time() / frame_seconds) - int(1 / frame_seconds))
    if room.capture_origin is None:
        room.capture_origin = first * frame_seconds
    position = first
    transport = request.transport
    room.connections.add(transport)
    try:
        while True:
            edge = int(room.room_time() / frame_seconds + 1e-9)
            if edge - position > int(3 / frame_seconds):
                position = edge - int(1 / frame_seconds)  # the room jumped ahead: so does the stream
            chunk = bytearray()
            while position < edge:
                segment_index = (position // per_segment) % room.loop_segments
                frame = media.frames[segment_index][position % per_segment]
                chunk += flv_audio_tag(round((position - first) * frame_seconds * 1000), frame)
                position += 1
            if chunk:
                await response.write(bytes(chunk))
            if room.status() != "live":
                break
            await asyncio.sleep(min(0.1, frame_seconds * 2 / room.speed))
        await response.write_eof()
    except ConnectionResetError:
        pass  # the client left, or drop_connection cut it
    finally:
        room.connections.discard(transport)
    return response


async def events(request: web.Request) -> web.StreamResponse:
    return await serve_events(request, _room(request))


async def faults(request: web.Request) -> web.Response:
    room = _room(request)
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return web.json_response({"error": "fault body must be JSON"}, status=400)
    try:
        armed = room.faults.arm(payload)
    except FaultError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    mode = payload["mode"]
    if mode == "stall_playlist":
        room.stall(float(payload.get("seconds", 10)))
    elif mode == "skip_sequence":
        room.skip(int(payload.get("count", 3)))
    elif mode == "clear":
        room.stall(0)
    elif mode == "drop_connection":
        for transport in list(room.connections):
            if transport is not None:
                transport.close()
    return web.json_response({"room": room.room.room_id, "mode": mode, "armed": armed})


async def schedule(request: web.Request) -> web.Response:
    room = _room(request)
    try:
        payload = await request.json()
        live_in = payload.get("live_in")
        end_in = payload.get("end_in")
        room.schedule(None if live_in is None else float(live_in), None if end_in is None else float(end_in))
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        return web.json_response({"error": 'schedule body must be like {"live_in": 5} or {"end_in": 30}'}, status=400)
    return web.json_response(_describe(request, room))


async def _close_connections(app: web.Application) -> None:
    for room in app[ROOMS_KEY].values():
        for ws in list(room.sockets):
            await ws.close(code=1001, message=b"simulator shutting down")
        for transport in list(room.connections):
            if transport is not None:
                transport.close()


def create_app(rooms: dict[str, LiveRoom]) -> web.Application:
    """The simulator's aiohttp application over running rooms (id -> LiveRoom)."""
    app = web.Application()
    app[ROOMS_KEY] = rooms
    app.on_shutdown.append(_close_connections)
    app.router.add_get("/rooms", rooms_index)
    app.router.add_get("/rooms/{room}", room_info)
    app.router.add_get("/rooms/{room}/live.m3u8", playlist)
    app.router.add_get("/rooms/{room}/segments/{seq}.ts", segment)
    app.router.add_get("/rooms/{room}/live.flv", flv_stream)
    app.router.add_get("/rooms/{room}/events", events)
    app.router.add_post("/rooms/{room}/faults", faults)
    app.router.add_post("/rooms/{room}/schedule", schedule)
    return app
