"""Live HLS and HTTP-FLV: a real sliding window over real AAC, looping with discontinuities."""
from __future__ import annotations

import asyncio
import io
import struct

import av
import pytest

from collectors.simulator import SimulatorServer, load_rooms
from conftest import parse_playlist

ROOM = "shenzhen-gadget-direct"  # the shortest loop
SEGMENT = 2.048


async def fetch_playlist(http, simulator, room=ROOM):
    async with http.get(simulator.room_url(room, "live.m3u8")) as response:
        assert response.status == 200
        assert response.content_type == "application/vnd.apple.mpegurl"
        return parse_playlist(await response.text())


async def test_playlist_is_a_full_live_window_from_the_start(simulator, http):
    playlist = await fetch_playlist(http, simulator)
    assert playlist.media_sequence == 0 and len(playlist.segments) == 6
    assert playlist.target_duration == 3 and not playlist.ended
    assert all(duration == pytest.approx(SEGMENT) for _, duration, _ in playlist.segments)


async def test_playlist_advances_in_real_time():
    async with SimulatorServer(rooms=load_rooms([ROOM])) as simulator:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            before = await fetch_playlist(http, simulator)
            await asyncio.sleep(SEGMENT + 0.15)
            after = await fetch_playlist(http, simulator)
    assert after.media_sequence == before.media_sequence + 1
    assert after.segments[:-1] == before.segments[1:]


async def test_window_slides_with_the_clock(simulator, clock, http):
    clock.advance(10 * SEGMENT + 0.01)
    playlist = await fetch_playlist(http, simulator)
    assert playlist.media_sequence == 10 and playlist.segments[-1][0] == 15


async def test_each_loop_starts_after_a_discontinuity(simulator, clock, http):
    room = simulator.live[ROOM]
    loop = room.loop_segments
    clock.advance((loop - 6 + 3) * SEGMENT + 0.01)  # three segments into the second loop
    playlist = await fetch_playlist(http, simulator)
    marked = [seq for seq, _, discontinuity in playlist.segments if discontinuity]
    assert marked == [loop]
    assert playlist.discontinuity_sequence == 0
    clock.advance(5 * SEGMENT)  # the loop's first segment has left the window
    playlist = await fetch_playlist(http, simulator)
    assert not any(discontinuity for _, _, discontinuity in playlist.segments)
    assert playlist.discontinuity_sequence == 1
    # The second loop replays the same audio.
    async with http.get(simulator.room_url(ROOM, f"segments/{loop + 1}.ts")) as response:
        assert await response.read() == room.media.segments[1]


async def test_segments_decode_to_two_seconds_of_mono_aac(simulator, clock, http):
    clock.advance(20 * SEGMENT)
    playlist = await fetch_playlist(http, simulator)
    for seq, duration, _ in playlist.segments:
        async with http.get(simulator.room_url(ROOM, f"segments/{seq}.ts")) as response:
            assert response.status == 200 and response.content_type == "video/mp2t"
            data = await response.read()
        with av.open(io.BytesIO(data), format="mpegts") as container:
            stream = container.streams.audio[0]
            assert stream.codec_context.name == "aac" and stream.codec_context.channels == 1
            samples = sum(frame.samples for frame in container.decode(stream))
            rate = stream.codec_context.sample_rate
        assert samples / rate == pytest.approx(duration)


async def test_segments_outside_the_published_range_are_not_found(simulator, clock, http):
    clock.advance(100 * SEGMENT + 0.01)  # 6 + 100 segments published, the last 60 kept
    for seq in (-1, 0, 45, 106, 10_000):  # 106 is still being "recorded"
        async with http.get(simulator.room_url(ROOM, f"segments/{seq}.ts")) as response:
            assert response.status == 404, seq
    for seq in (46, 105):
        async with http.get(simulator.room_url(ROOM, f"segments/{seq}.ts")) as response:
            assert response.status == 200, seq


def flv_tags(data: bytes):
    assert data[:3] == b"FLV" and data[4] == 0x04 and data[5:9] == b"\x00\x00\x00\x09"
    pos = 13
    while pos + 11 <= len(data):
        kind = data[pos]
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        timestamp = int.from_bytes(data[pos + 4 : pos + 7], "big") | (data[pos + 7] << 24)
        if pos + 11 + size + 4 > len(data):
            break
        body = data[pos + 11 : pos + 11 + size]
        assert struct.unpack(">I", data[pos + 11 + size : pos + 15 + size])[0] == 11 + size
        yield kind, timestamp, body
        pos += 15 + size


async def test_http_flv_is_real_flv_with_aac_paced_by_the_clock():
    async with SimulatorServer(rooms=load_rooms([ROOM]), speed=8.0) as simulator:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            async with http.get(simulator.room_url(ROOM, "live.flv")) as response:
                assert response.content_type == "video/x-flv"
                data = b""
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(1.0):
                        async for chunk in response.content.iter_any():
                            data += chunk
    tags = list(flv_tags(data))
    assert tags[0][0] == 18 and b"onMetaData" in tags[0][2]
    assert tags[1][0] == 8 and tags[1][2][:2] == b"\xaf\x00"  # AAC sequence header
    audio = [(ts, body) for kind, ts, body in tags[2:] if kind == 8]
    assert all(body[:2] == b"\xaf\x01" for _, body in audio)
    stamps = [ts for ts, _ in audio]
    assert stamps == sorted(stamps) and stamps[1] - stamps[0] == 64
    # One second of backlog, then about 8 s of room time per real second.
    assert 5.0 <= len(audio) * 0.064 <= 12.0
    with av.open(io.BytesIO(data), format="flv") as container:
        frames = list(container.decode(audio=0))
    assert frames[0].sample_rate == 16000
    assert sum(f.samples for f in frames) == pytest.approx(len(audio) * 1024, abs=2048)


async def test_a_room_waits_goes_live_and_ends(clock, http):
    room = load_rooms([ROOM])[0].scheduled(live_after=5.0, end_after=30.0)
    async with SimulatorServer(rooms=[room], clock=clock) as simulator:
        async with http.get(simulator.room_url(ROOM, "live.m3u8")) as response:
            assert response.status == 404 and (await response.json())["status"] == "waiting"
        async with http.get(f"{simulator.base_url}/rooms/{ROOM}") as response:
            assert (await response.json())["status"] == "waiting"
        clock.advance(5.0)
        first = await fetch_playlist(http, simulator)
        assert first.media_sequence == 0 and not first.ended
        clock.advance(40.0)
        last = await fetch_playlist(http, simulator)
        assert last.ended and last.segments[-1][0] == int((30.0 + 6 * SEGMENT) / SEGMENT) - 1
        clock.advance(10.0)
        assert await fetch_playlist(http, simulator) == last


async def test_rooms_index_lists_urls_that_work(simulator, http):
    async with http.get(f"{simulator.base_url}/rooms") as response:
        listing = await response.json()
    assert {r["id"] for r in listing} == {r.room_id for r in simulator.rooms}
    specs = {s.stream_id: s for s in simulator.stream_specs()}
    for entry in listing:
        spec = specs[entry["id"]]
        assert entry["hls"] == spec.url and entry["events"] == spec.events_url
        assert spec.platform == "simulator" and spec.merchant_type == entry["merchant_type"]
        assert spec.seller_id == entry["seller_id"] and spec.seller_name == entry["seller_name"]
        spec.validate()
