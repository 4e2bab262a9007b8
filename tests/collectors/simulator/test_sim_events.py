"""The event WebSocket: platform messages aligned with the speech timeline, across loops."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from collectors.simulator import SimulatorServer, load_rooms

ROOM = "grosir-impor-murah"


async def next_message(ws, timeout: float = 3.0):
    async with asyncio.timeout(timeout):
        message = await ws.receive()
    if message.type == aiohttp.WSMsgType.TEXT:
        return json.loads(message.data)
    return message


async def until(ws, kind: str, timeout: float = 3.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = await next_message(ws)
            if isinstance(message, dict) and message["type"] == kind:
                return message


async def test_a_new_client_gets_the_room_then_a_snapshot(simulator, http):
    live = simulator.live[ROOM]
    pinned = live.latest("product_pin", live.room_time())
    async with http.ws_connect(simulator.room_url(ROOM, "events").replace("http", "ws", 1)) as ws:
        room = await next_message(ws)
        assert room["type"] == "room" and room["status"] == "live" and room["seller_id"] == "gudang-grosir-murah"
        start = await next_message(ws)
        assert start["type"] == "live_start" and start["merchant_type"] == "domestic"
        snapshot = [await next_message(ws) for _ in range(2 if pinned else 1)]
        if pinned:
            assert snapshot[0]["type"] == "product_pin"
            assert snapshot[0]["product"]["title"] == pinned.event.payload["title"]
        assert snapshot[-1]["type"] == "viewers" and snapshot[-1]["count"] == 1240
        assert [m["seq"] for m in [room, start, *snapshot]] == list(range(1, 3 + len(snapshot)))


async def test_pins_arrive_when_the_host_introduces_the_product_and_again_each_loop(simulator, clock, http):
    live = simulator.live[ROOM]
    line = next(line for line in live.room.lines if line.line_id == "watch-intro")
    assert line.start > live.room_time() + 1  # still to come when the client connects
    async with http.ws_connect(simulator.room_url(ROOM, "events").replace("http", "ws", 1)) as ws:
        await until(ws, "live_start")
        await asyncio.sleep(0.2)  # the snapshot is sent
        clock.advance(line.start - live.room_time() + 0.01)
        while (pin := await until(ws, "product_pin"))["room_time"] < line.start - 0.001:
            pass
        assert pin["room_time"] == pytest.approx(line.start, abs=0.001) and pin["loop"] == 0
        assert pin["product"]["price_idr"] == 15000 and pin["product"]["category"] == "watch"
        assert pin["product"]["ship_from"].startswith("Luar Negeri")
        # Every scripted event of the loop comes once, in order, then the loop repeats.
        clock.advance(live.loop_seconds)
        seen = []
        while True:
            message = await next_message(ws)
            seen.append(message)
            if message["type"] == "product_pin" and message["loop"] == 1 and message["room_time"] > live.loop_seconds + line.start - 0.001:
                break
        scripted = [m for m in seen if "room_time" in m]
        assert [m["room_time"] for m in scripted] == sorted(m["room_time"] for m in scripted)
        assert seen[-1]["room_time"] == pytest.approx(live.loop_seconds + line.start, abs=0.001)
        assert len(scripted) == len(live.room.events)


async def test_events_follow_real_time():
    async with SimulatorServer(rooms=load_rooms([ROOM]), speed=10.0) as simulator:
        live = simulator.live[ROOM]
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(simulator.room_url(ROOM, "events").replace("http", "ws", 1)) as ws:
                await until(ws, "live_start")
                pin = await until(ws, "product_pin", timeout=5)
                # Sent as the room clock passed the pin, not before, not much later.
                assert 0 <= live.room_time() - pin["room_time"] < 1.0 * live.speed


async def test_a_room_that_goes_live_later_says_so_and_one_that_ends_says_goodbye(clock, http):
    room = load_rooms([ROOM])[0].scheduled(live_after=3.0, end_after=20.0)
    async with SimulatorServer(rooms=[room], clock=clock) as simulator:
        async with http.ws_connect(simulator.room_url(ROOM, "events").replace("http", "ws", 1)) as ws:
            assert (await next_message(ws))["status"] == "waiting"
            await asyncio.sleep(0.2)
            clock.advance(3.0)
            await until(ws, "live_start")
            clock.advance(20.0)
            await until(ws, "live_end")
            closed = await next_message(ws)
            assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
