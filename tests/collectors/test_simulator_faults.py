"""The supervisor against the simulator's fault modes: each one recovered from, and counted.

The simulator runs in real time (its playlists' target durations must be
true for the reload schedule to be fair); faults are armed with
``POST /rooms/{room}/faults`` exactly as an operator would.
"""
from __future__ import annotations

import aiohttp
import pytest

from collectors import Supervisor
from collectors.simulator import SimulatorServer, load_rooms

pytestmark = pytest.mark.slow

ROOM = "batik-laweyan"


@pytest.fixture
async def simulator():
    async with SimulatorServer(rooms=load_rooms([ROOM]), speed=1.0) as server:
        yield server


async def arm(simulator: SimulatorServer, **fault) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(simulator.room_url(ROOM, "faults"), json=fault) as response:
            assert response.status == 200, await response.text()


def value(registry, name, **labels):
    return registry.get_sample_value(name, {"platform": "simulator", **labels}) or 0.0


@pytest.fixture
async def watching(simulator, capture, settings, metrics):
    settings.stall_timeout = 3.0
    supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
    await supervisor.attach(simulator.stream_specs()[0])
    await capture.wait_for(lambda: capture.seconds() >= 4, what="first audio")
    yield supervisor
    await supervisor.close()


def contiguous(capture) -> None:
    for before, after in zip(capture.chunks, capture.chunks[1:]):
        assert after.t0 == pytest.approx(before.t1, abs=1e-6)
        assert after.seq == before.seq + 1


async def test_segments_skipped_past_the_window_are_one_counted_gap(simulator, watching, capture, registry):
    # The window lists 6 segments: a jump of 9 leaves some never listed.
    await arm(simulator, mode="skip_sequence", count=9)
    await capture.wait_for(lambda: capture.gaps(), what="a gap marker")
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 4, what="audio after the gap")
    gaps = capture.gaps()
    skipped = value(registry, "pantau_hls_segments_total", outcome="skipped")
    assert len(gaps) == 1 and 3 <= skipped <= 4
    assert gaps[0].duration == pytest.approx(skipped * 2.048)
    assert value(registry, "pantau_audio_gaps_total", reason="skipped") == 1
    assert value(registry, "pantau_audio_gap_seconds_total") == pytest.approx(skipped * 2.048)
    contiguous(capture)


async def test_corrupt_segments_become_gaps_and_the_decoder_recovers(simulator, watching, capture, registry):
    await arm(simulator, mode="corrupt_segment", count=2)
    await capture.wait_for(lambda: len(capture.gaps()) == 2, what="two gap markers")
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 4, what="audio after the corrupt segments")
    assert value(registry, "pantau_hls_segments_total", outcome="corrupt") == 2
    assert value(registry, "pantau_audio_gaps_total", reason="corrupt") == 2
    assert value(registry, "pantau_collector_errors_total", kind="segment_corrupt") == 2
    contiguous(capture)


async def test_malformed_playlists_are_skipped_without_losing_audio(simulator, watching, capture, registry):
    await arm(simulator, mode="malformed_playlist", count=4)
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 5, what="audio after malformed playlists")
    # Three of the four variants cannot be parsed; the truncated one parses minus its cut line.
    assert value(registry, "pantau_collector_errors_total", kind="malformed_playlist") >= 3
    assert capture.gaps() == []
    contiguous(capture)


async def test_http_429_slows_down_and_resumes_without_a_gap(simulator, watching, capture, registry):
    await arm(simulator, mode="http_429", count=2, retry_after=1)
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 5, what="audio after the 429s")
    assert value(registry, "pantau_collector_errors_total", kind="rate_limited") == 2
    assert capture.gaps() == []
    contiguous(capture)


async def test_dropped_connections_are_retried_and_nothing_is_lost(simulator, watching, capture, registry):
    await arm(simulator, mode="drop_connection", count=2)
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 5, what="audio after the drops")
    assert capture.gaps() == []
    assert value(registry, "pantau_hls_segments_total", outcome="missing") == 0
    contiguous(capture)


async def test_a_stalled_playlist_is_waited_out_then_read_on(simulator, watching, capture, registry):
    await arm(simulator, mode="stall_playlist", seconds=5)
    heard = capture.seconds()
    await capture.wait_for(lambda: capture.seconds() >= heard + 5, what="audio after the stall")
    # The window (6 segments) outlasts the stall: every segment is still read.
    assert capture.gaps() == []
    contiguous(capture)


async def test_websocket_garbage_is_counted_and_events_keep_coming(simulator, watching, capture, registry):
    await capture.wait_for(lambda: "product_pinned" in capture.kinds(), what="first pin")
    # Not JSON, a binary frame, then 1.5 MB (over max_message_bytes: aiohttp drops
    # the connection, so the fourth frame goes to a socket already given up).
    await arm(simulator, mode="ws_garbage", count=4)
    await capture.wait_for(
        lambda: value(registry, "pantau_collector_errors_total", kind="oversize_message") >= 1
        and value(registry, "pantau_collector_errors_total", kind="bad_json") >= 1
        and value(registry, "pantau_collector_errors_total", kind="binary_frame") >= 1,
        what="garbage counted",
    )
    events = len(capture.events)
    await capture.wait_for(lambda: len(capture.events) > events, timeout=30, what="events after the garbage")
    assert value(registry, "pantau_collector_reconnects_total", reason="events_closed") >= 1
    assert capture.kinds().count("stream_started") == 1  # the reconnect's greeting is not a new broadcast


async def test_room_end_is_reported_once_and_the_stream_detaches(simulator, watching, capture):
    async with aiohttp.ClientSession() as session:
        async with session.post(simulator.room_url(ROOM, "schedule"), json={"end_in": 2}) as response:
            assert response.status == 200
    await capture.wait_for(lambda: "stream_ended" in capture.kinds(), what="end of stream")
    await capture.wait_for(lambda: watching.attached == [], what="detach")
    assert capture.kinds().count("stream_ended") == 1
