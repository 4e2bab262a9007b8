"""HTTP-FLV through the supervisor, from the simulator's live FLV endpoint."""
from __future__ import annotations

import asyncio

import aiohttp
import numpy as np
import pytest
from aiohttp import web

from collectors import Supervisor
from collectors.simulator import SimulatorServer, load_rooms
from collectors.simulator.media import decode_room_pcm
from pantau.records import StreamSpec

ROOM = "batik-laweyan"


def flv_spec(simulator) -> StreamSpec:
    spec = simulator.stream_specs()[0]
    spec.labels["audio"] = "flv"
    return spec


async def test_flv_audio_is_the_rooms_audio_in_order(capture, settings, metrics, registry):
    room = load_rooms([ROOM])[0]
    reference = decode_room_pcm(room)
    async with SimulatorServer(rooms=[room]) as simulator:
        supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
        try:
            await supervisor.attach(flv_spec(simulator))
            await capture.wait_for(lambda: capture.seconds() >= 4, what="FLV audio")
        finally:
            await supervisor.close()
        origin = simulator.live[ROOM].capture_origin
    captured = capture.pcm().astype(np.float64)
    start = int(round(origin * 16_000)) % len(reference)
    # Skip the decoder's first frames (no overlap to add yet), then compare.
    skip = 2048
    expected = np.tile(reference, 2)[start + skip : start + len(captured)].astype(np.float64)
    assert np.corrcoef(captured[skip:], expected)[0, 1] > 0.99
    assert capture.gaps() == []
    assert registry.get_sample_value("pantau_audio_seconds_total", {"platform": "simulator"}) == pytest.approx(
        len(captured) / 16_000
    )


async def test_a_dropped_flv_connection_reconnects_and_marks_the_hole(capture, settings, metrics, registry):
    async with SimulatorServer(rooms=load_rooms([ROOM])) as simulator:
        supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
        try:
            await supervisor.attach(flv_spec(simulator))
            await capture.wait_for(lambda: capture.seconds() >= 2, what="FLV audio")
            async with aiohttp.ClientSession() as session:
                async with session.post(simulator.room_url(ROOM, "faults"), json={"mode": "drop_connection"}) as r:
                    assert r.status == 200
            heard = capture.seconds()
            await capture.wait_for(lambda: capture.seconds() >= heard + 3, what="audio after the drop")
        finally:
            await supervisor.close()
    reconnects = sum(
        sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if sample.name == "pantau_collector_reconnects_total"
    )
    assert reconnects >= 1
    # The simulator restarts its FLV timeline per connection: the wall clock
    # measures the hole, which is marked, never glued over.
    assert all(gap.duration > 0.5 for gap in capture.gaps())
    for before, after in zip(capture.chunks, capture.chunks[1:]):
        assert after.t0 == pytest.approx(before.t1, abs=1e-6)


async def test_a_stream_that_is_not_flv_is_refused_and_retried(serve, capture, settings, metrics):
    async def not_flv(request):
        return web.Response(body=b"<html>not a stream</html>")

    app = web.Application()
    app.router.add_get("/live.flv", not_flv)
    base = await serve(app)
    supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
    try:
        await supervisor.attach(StreamSpec(stream_id="bad", url=f"{base}/live.flv"))
        await capture.wait_for(lambda: supervisor.watch("bad").report.counts.get("reconnect:bad_flv", 0) >= 2, what="retries")
    finally:
        await supervisor.close()
    assert capture.chunks == []


class TimelineFLV:
    """An edge server that keeps the stream's tag timeline across connections.

    The first connection carries frames [0, cut) and is then cut; the next
    starts at frame ``resume`` (before ``cut``: a replay; after: a hole).
    """

    def __init__(self, cut: int, resume: int) -> None:
        from collectors.simulator.media import RoomMedia

        self.media = RoomMedia.load(load_rooms([ROOM])[0])
        self.frames = [frame for segment in self.media.frames for frame in segment]
        self.cut, self.resume = cut, resume
        self.connections = 0

    def app(self) -> web.Application:
        from collectors.simulator.media import flv_audio_tag, flv_header

        async def stream(request):
            self.connections += 1
            first, last = (0, self.cut) if self.connections == 1 else (self.resume, self.resume + 200)
            response = web.StreamResponse(headers={"Content-Type": "video/x-flv"})
            await response.prepare(request)
            await response.write(flv_header() + flv_audio_tag(0, self.media.audio_config, sequence_header=True))
            frame_ms = 1024 / self.media.sample_rate * 1000
            for batch in range(first, last, 25):
                # Paced like a live edge, so the reader has taken each batch before the cut.
                await response.write(
                    b"".join(flv_audio_tag(round(n * frame_ms), self.frames[n]) for n in range(batch, min(batch + 25, last)))
                )
                await asyncio.sleep(0.02)
            if self.connections == 1:
                await asyncio.sleep(0.5)
                request.transport.close()  # cut mid-stream, no end of body
                return response
            await response.write_eof()
            return response

        app = web.Application()
        app.router.add_get("/live.flv", stream)
        return app


@pytest.mark.parametrize("resume, lost_frames", [(280, 0), (340, 40)])
async def test_a_reconnect_on_the_same_timeline_drops_replayed_tags_and_measures_holes(
    resume, lost_frames, serve, capture, settings
):
    server = TimelineFLV(cut=300, resume=resume)
    base = await serve(server.app())
    supervisor = Supervisor(settings, capture.audio, capture.event)
    frame_seconds = 1024 / server.media.sample_rate
    try:
        await supervisor.attach(StreamSpec(stream_id="edge", url=f"{base}/live.flv"))
        await capture.wait_for(lambda: server.connections >= 2 and capture.seconds() > 0, what="a reconnect")
        end_ms = (resume + 200) * frame_seconds * 1000
        cursor = supervisor.watch("edge").flv_cursor
        await capture.wait_for(lambda: (cursor.last_ms or 0) >= end_ms - 1, what="the second connection")
    finally:
        await supervisor.close()  # hands on the partial last chunk too
    expected_heard = (300 + (resume + 200 - max(resume, 300))) * frame_seconds
    gaps = capture.gaps()
    if lost_frames:
        assert len(gaps) == 1 and gaps[0].duration == pytest.approx(lost_frames * frame_seconds, abs=0.03)
    else:
        assert gaps == []
    # Nothing heard twice: the capture is as long as the distinct frames served.
    assert capture.seconds() == pytest.approx(expected_heard, abs=0.1)


async def test_a_reader_cancelled_while_tags_arrive_always_stops(serve, settings):
    """Cancelling a reader must stop it even when a read completes at the same moment.

    The server pours tags as fast as the socket takes them, so most
    cancellations land while a read is finishing: a timeout wrapper that lets
    the read's result win over the cancellation would leave the reader
    running on a live stream for ever, and the supervisor's close with it.
    """
    from collectors.audio import AudioOut
    from collectors.flv import FLVReader
    from collectors.metrics import StreamReport
    from collectors.simulator.media import RoomMedia, flv_audio_tag, flv_header

    media = RoomMedia.load(load_rooms([ROOM])[0])
    frames = [frame for segment in media.frames for frame in segment]
    frame_ms = 1024 / media.sample_rate * 1000

    async def endless(request):
        response = web.StreamResponse(headers={"Content-Type": "video/x-flv"})
        await response.prepare(request)
        await response.write(flv_header() + flv_audio_tag(0, media.audio_config, sequence_header=True))
        n = 0
        try:
            while True:
                await response.write(flv_audio_tag(round(n * frame_ms), frames[n % len(frames)]))
                n += 1
        except (ConnectionError, RuntimeError):  # the reader was cancelled and hung up
            return response

    app = web.Application()
    app.router.add_get("/live.flv", endless)
    base = await serve(app)

    class Discard(AudioOut):
        async def pcm(self, pcm, wall_time):
            pass

        async def gap(self, seconds, reason, wall_time=None):
            pass

    rng = np.random.default_rng(7)
    async with aiohttp.ClientSession() as session:
        for attempt in range(60):
            reader = FLVReader(f"{base}/live.flv", session, settings, Discard(), StreamReport(None, "test", "flv"))
            task = asyncio.create_task(reader.run())
            await asyncio.sleep(0.02 + rng.random() * 0.05)
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=3.0)
            assert task in done, f"reader still running 3 s after it was cancelled (attempt {attempt})"
            assert task.cancelled()
