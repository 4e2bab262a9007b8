"""The HLS reader against a scripted live origin (local aiohttp), for what a real origin rarely does on cue.

The origin serves the simulator's rendered MPEG-TS segments (real AAC audio)
through a playlist the test moves by hand.
"""
from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import pytest
from aiohttp import web

from collectors import AudioOut, HLSReader, StreamStalled
from collectors.hls import QUEUE_SEGMENTS
from collectors.metrics import StreamReport
from collectors.simulator import load_rooms

SEGMENTS = None


def segments() -> list[bytes]:
    global SEGMENTS
    if SEGMENTS is None:
        room = load_rooms(["batik-laweyan"])[0]
        SEGMENTS = [room.segment_path(n).read_bytes() for n in range(room.segment_count)]
    return SEGMENTS


class Origin:
    """A live origin: ``edge`` segments published, the last ``window`` listed."""

    def __init__(self, window: int = 4, edge: int = 4) -> None:
        self.window = window
        self.edge = edge
        self.first_override: int | None = None
        self.requests: Counter[int] = Counter()
        self.playlist_requests = 0
        self.huge: set[int] = set()
        self.huge_playlist = False
        self.ended = False

    def playlist(self) -> str:
        first = max(0, self.edge - self.window) if self.first_override is None else self.first_override
        lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
        for seq in range(first, first + min(self.window, self.edge - first if self.first_override is None else self.window)):
            lines += ["#EXTINF:2.048,", f"s/{seq}.ts"]
        if self.huge_playlist:
            lines += ["#EXT-X-PADDING:" + "x" * 2_000_000]
        if self.ended:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    def app(self) -> web.Application:
        async def playlist(request):
            self.playlist_requests += 1
            return web.Response(text=self.playlist(), content_type="application/vnd.apple.mpegurl")

        async def segment(request):
            seq = int(request.match_info["seq"])
            self.requests[seq] += 1
            body = segments()[seq % len(segments())]
            if seq in self.huge:
                body = body * 200
            return web.Response(body=body, content_type="video/mp2t")

        app = web.Application()
        app.router.add_get("/live.m3u8", playlist)
        app.router.add_get("/s/{seq}.ts", segment)
        return app


class ListOut(AudioOut):
    def __init__(self) -> None:
        self.items: list[tuple] = []
        self.gate: asyncio.Event | None = None

    async def pcm(self, pcm, wall_time):
        if self.gate is not None:
            await self.gate.wait()
        self.items.append(("pcm", len(pcm) / 32000))

    async def gap(self, seconds, reason, wall_time=None):
        self.items.append(("gap", round(seconds, 3), reason))

    @property
    def heard(self) -> float:
        return sum(item[1] for item in self.items if item[0] == "pcm")


@pytest.fixture
async def origin(serve):
    origin = Origin()
    origin.base = await serve(origin.app())
    return origin


async def until(predicate, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def read(origin, settings, out, report=None):
    report = report or StreamReport(None, "generic", "test")
    session = aiohttp.ClientSession()
    reader = HLSReader(f"{origin.base}/live.m3u8", session, settings, out, report)
    task = asyncio.create_task(reader.run())
    return task, report, session


async def stop(task, session):
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await session.close()


async def test_starts_at_the_configured_offset_from_the_live_edge_and_reads_each_segment_once(origin, settings):
    settings.live_edge_segments = 2
    out = ListOut()
    task, report, session = await read(origin, settings, out)
    try:
        await until(lambda: out.heard >= 2 * 2.048 - 0.01)
        for _ in range(3):
            origin.edge += 1
            await asyncio.sleep(0.6)
        await until(lambda: out.heard >= 5 * 2.048 - 0.01)
        await asyncio.sleep(1.2)  # more reloads of an unchanged playlist read nothing new
    finally:
        await stop(task, session)
    assert sorted(origin.requests) == [2, 3, 4, 5, 6]
    assert set(origin.requests.values()) == {1}
    assert origin.playlist_requests >= 4
    assert [item for item in out.items if item[0] == "gap"] == []


async def test_an_oversize_segment_is_a_counted_gap_and_reading_goes_on(origin, settings):
    settings.live_edge_segments = 1
    settings.max_segment_bytes = 200_000
    origin.huge.add(4)
    out = ListOut()
    task, report, session = await read(origin, settings, out)
    try:
        await until(lambda: out.heard > 0)
        origin.edge += 2
        await until(lambda: out.heard >= 2 * 2.048 - 0.01)
    finally:
        await stop(task, session)
    assert ("gap", 2.048, "too_large") in out.items
    assert report.counts["segment:too_large"] == 1 and report.counts["error:segment_too_large"] == 1


async def test_an_oversize_playlist_is_refused_and_a_frozen_stream_stalls(origin, settings):
    settings.max_playlist_bytes = 100_000
    settings.stall_timeout = 1.0
    origin.huge_playlist = True
    out = ListOut()
    task, report, session = await read(origin, settings, out)
    try:
        with pytest.raises(StreamStalled):
            await asyncio.wait_for(task, 10)
    finally:
        await stop(task, session)
    assert report.counts["error:playlist_too_large"] >= 1
    assert out.items == []


async def test_a_media_sequence_that_restarts_resets_the_decoder_and_goes_on(origin, settings):
    settings.live_edge_segments = 1
    origin.edge = 30
    out = ListOut()
    task, report, session = await read(origin, settings, out)
    try:
        await until(lambda: out.heard > 0)
        origin.edge = 2  # the encoder restarted: numbering from 0 again
        await until(lambda: out.heard >= 3 * 2.048 - 0.01)
    finally:
        await stop(task, session)
    assert report.counts["error:sequence_reset"] == 1
    assert report.counts["segment:discontinuity"] >= 1


async def test_endlist_ends_the_read(origin, settings):
    settings.live_edge_segments = 10
    origin.ended = True
    out = ListOut()
    task, report, session = await read(origin, settings, out)
    try:
        await asyncio.wait_for(task, 10)
    finally:
        await stop(task, session)
    assert out.heard == pytest.approx(4 * 2.048)


async def test_a_slow_sink_holds_fetching_back_and_what_slid_away_is_a_gap(origin, settings):
    settings.live_edge_segments = 1
    out = ListOut()
    out.gate = asyncio.Event()  # the sink blocks until opened
    task, report, session = await read(origin, settings, out)
    try:
        await until(lambda: origin.requests)
        for _ in range(20):
            origin.edge += 1
            await asyncio.sleep(0.1)
        # Bounded: one segment in the writer's hands, QUEUE_SEGMENTS queued, no more.
        assert len(origin.requests) <= QUEUE_SEGMENTS + 2
        out.gate.set()
        edge = origin.edge
        await until(lambda: max(origin.requests) >= edge - 1)
    finally:
        await stop(task, session)
    gaps = [item for item in out.items if item[0] == "gap"]
    assert gaps and {reason for _, _, reason in gaps} == {"skipped"}
    skipped = report.counts["segment:skipped"]
    assert sum(seconds for _, seconds, _ in gaps) == pytest.approx(skipped * 2.048)
    # Every segment from the first to the last was either read once or counted as skipped.
    assert set(origin.requests.values()) == {1}
    assert len(origin.requests) + skipped == max(origin.requests) - min(origin.requests) + 1
