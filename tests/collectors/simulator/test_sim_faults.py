"""Every fault mode, armed over HTTP, really happens, and is used up as announced."""
from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import av
import pytest

from conftest import parse_playlist

ROOM = "batik-laweyan"
SEGMENT = 2.048


async def arm(http, simulator, **fault) -> dict:
    async with http.post(simulator.room_url(ROOM, "faults"), json=fault) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def get_playlist(http, simulator):
    async with http.get(simulator.room_url(ROOM, "live.m3u8")) as response:
        return response.status, await response.read()


async def test_http_429_answers_the_next_requests_with_retry_after(simulator, http):
    await arm(http, simulator, mode="http_429", count=2, retry_after=3)
    for path in ("live.m3u8", "segments/2.ts"):
        async with http.get(simulator.room_url(ROOM, path)) as response:
            assert response.status == 429 and response.headers["Retry-After"] == "3"
    status, _ = await get_playlist(http, simulator)
    assert status == 200


async def test_malformed_playlists_are_each_rejected_by_a_strict_parser(simulator, http):
    await arm(http, simulator, mode="malformed_playlist", count=4)
    for _ in range(4):
        status, body = await get_playlist(http, simulator)
        assert status == 200
        with pytest.raises((AssertionError, KeyError, ValueError, UnicodeDecodeError)):
            parse_playlist(body.decode())
    status, body = await get_playlist(http, simulator)
    assert parse_playlist(body.decode()).segments


async def test_corrupt_segments_cannot_be_decoded_then_segments_are_whole_again(simulator, http):
    await arm(http, simulator, mode="corrupt_segment", count=2)
    for seq in (3, 4, 5):
        async with http.get(simulator.room_url(ROOM, f"segments/{seq}.ts")) as response:
            data = await response.read()
        assert len(data) == len(simulator.live[ROOM].segment_bytes(seq))
        if seq < 5:
            assert data[0] != 0x47
            with pytest.raises(av.error.FFmpegError):
                with av.open(io.BytesIO(data), format="mpegts") as container:
                    list(container.decode(audio=0))
        else:
            assert data == simulator.live[ROOM].segment_bytes(seq)


async def test_drop_connection_cuts_open_sockets_and_the_next_response(simulator, http):
    ws = await http.ws_connect(simulator.room_url(ROOM, "events").replace("http", "ws", 1))
    await ws.receive()
    await arm(http, simulator, mode="drop_connection", count=1)
    async with asyncio.timeout(3):
        while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                               aiohttp.WSMsgType.ERROR):
            pass
    assert ws.closed
    with pytest.raises(aiohttp.ClientPayloadError):
        await get_playlist(http, simulator)
    status, _ = await get_playlist(http, simulator)
    assert status == 200


async def test_drop_connection_cuts_a_flv_stream(simulator, http):
    async with http.get(simulator.room_url(ROOM, "live.flv")) as response:
        await response.content.readexactly(13)
        await arm(http, simulator, mode="drop_connection", count=0)
        with pytest.raises(aiohttp.ClientPayloadError):
            async with asyncio.timeout(3):
                await response.read()


async def test_stall_freezes_the_playlist_then_it_jumps_to_the_live_edge(simulator, clock, http):
    _, before = await get_playlist(http, simulator)
    await arm(http, simulator, mode="stall_playlist", seconds=5)
    clock.advance(4.9)
    _, during = await get_playlist(http, simulator)
    assert during == before
    clock.advance(0.2)
    _, after = await get_playlist(http, simulator)
    assert parse_playlist(after.decode()).media_sequence == parse_playlist(before.decode()).media_sequence + 2


async def test_skip_sequence_jumps_the_media_sequence_and_the_audio(simulator, http):
    _, before = await get_playlist(http, simulator)
    await arm(http, simulator, mode="skip_sequence", count=9)
    _, after = await get_playlist(http, simulator)
    first, second = parse_playlist(before.decode()), parse_playlist(after.decode())
    assert second.media_sequence == first.media_sequence + 9
    room = simulator.live[ROOM]
    assert room.room_time() == pytest.approx(6 * SEGMENT + 9 * SEGMENT)


async def test_ws_garbage_sends_each_kind_of_bad_frame_then_events_resume(simulator, clock, http):
    async with http.ws_connect(
        simulator.room_url(ROOM, "events").replace("http", "ws", 1), max_msg_size=4_000_000
    ) as ws:
        while json.loads((await ws.receive()).data)["type"] != "viewers":
            pass  # room, live_start, then the snapshot ends with the viewer count
        await arm(http, simulator, mode="ws_garbage", count=4)
        frames = [await asyncio.wait_for(ws.receive(), 3) for _ in range(4)]
        assert frames[0].type == aiohttp.WSMsgType.TEXT and frames[0].data == "not json {"
        assert frames[1].type == aiohttp.WSMsgType.BINARY
        assert frames[2].type == aiohttp.WSMsgType.TEXT and len(frames[2].data) > 1_000_000
        assert json.loads(frames[3].data) == [1, 2, 3]
        clock.advance(30.0)
        message = await asyncio.wait_for(ws.receive(), 3)
        assert json.loads(message.data)["type"] in ("product_pin", "comment", "viewers")


async def test_clear_disarms_everything(simulator, clock, http):
    _, before = await get_playlist(http, simulator)
    await arm(http, simulator, mode="http_429", count=5)
    await arm(http, simulator, mode="stall_playlist", seconds=60)
    state = await arm(http, simulator, mode="clear")
    assert set(state["armed"].values()) == {0}
    clock.advance(SEGMENT)
    status, after = await get_playlist(http, simulator)
    assert status == 200 and after != before


@pytest.mark.parametrize(
    "body, message",
    [
        ({"mode": "explode"}, "unknown fault mode 'explode'"),
        ({"count": 2}, "fault body must be a JSON object"),
        ({"mode": "http_429", "count": -1}, "'count' must be a non-negative number"),
        ({"mode": "stall_playlist", "seconds": "long"}, "'seconds' must be a non-negative number"),
        ({"mode": "skip_sequence", "count": None}, "'count' must be a non-negative number"),
        ([1], "fault body must be a JSON object"),
    ],
)
async def test_bad_fault_requests_get_a_one_line_error(simulator, http, body, message):
    async with http.post(simulator.room_url(ROOM, "faults"), json=body) as response:
        assert response.status == 400
        assert message in (await response.json())["error"]
