"""The HLS reader against a real live producer: ffmpeg's HLS muxer, read while it writes.

ffmpeg encodes a speech file to AAC in real time (``-re``) as a live event
playlist in a directory served by a local aiohttp static server; the
supervisor attaches before the first segment exists and reads until
``#EXT-X-ENDLIST``. The capture must be exactly the producer's audio: equal,
sample for sample, to all its segments decoded in one go (so not one segment
was lost or read twice), and the same speech as the source file.
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess

import numpy as np
import pytest

from collectors import Supervisor
from collectors.decoder import AudioDecoder
from collectors.playlist import parse_playlist
from pantau.records import StreamSpec

pytestmark = pytest.mark.slow


def envelope(pcm: np.ndarray, hop: int = 160) -> np.ndarray:
    frames = pcm[: len(pcm) // hop * hop].astype(np.float64).reshape(-1, hop)
    return np.sqrt((frames**2).mean(axis=1))


async def test_capture_of_a_live_ffmpeg_hls_stream_is_the_source_without_gap_or_duplicate(
    tmp_path, speech_wav, serve, capture, settings, metrics, registry, decode_file
):
    assert shutil.which("ffmpeg"), "Debian's ffmpeg is required"
    out = tmp_path / "hls"
    out.mkdir()
    base = await serve(out)
    # Start from the first segment: the whole broadcast must be heard.
    settings.live_edge_segments = 10_000
    supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
    await supervisor.attach(StreamSpec(stream_id="ffmpeg-live", url=f"{base}/live.m3u8"))
    producer = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", str(speech_wav),
        "-c:a", "aac", "-b:a", "64k", "-ar", "22050", "-ac", "1",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "event",
        "-hls_flags", "temp_file", "-hls_segment_filename", str(out / "seg_%03d.ts"), str(out / "live.m3u8"),
    )  # fmt: skip
    try:
        assert await producer.wait() == 0
        await capture.wait_for(lambda: "stream_ended" in capture.kinds(), timeout=30, what="end of stream")
    finally:
        if producer.returncode is None:
            producer.kill()
        await supervisor.close()

    playlist = parse_playlist((out / "live.m3u8").read_text(), f"{base}/live.m3u8")
    assert playlist.ended and len(playlist.segments) >= 8
    decoder = AudioDecoder()
    produced = np.frombuffer(
        b"".join(decoder.decode_segment((out / s.url.rsplit("/", 1)[1]).read_bytes()) for s in playlist.segments),
        dtype=np.int16,
    )
    captured = capture.pcm("ffmpeg-live")
    assert capture.gaps() == []
    assert len(captured) == len(produced)
    assert np.array_equal(captured, produced)

    # And it is the speech of the source file: same loudness contour, aligned.
    source = decode_file(speech_wav)
    a, b = envelope(source), envelope(captured)
    lags = range(0, 30)  # the AAC encoder delay is a few 10 ms frames at most
    scores = [np.corrcoef(a[: len(b) - lag], b[lag : len(a) + lag][: len(a[: len(b) - lag])])[0, 1] for lag in lags]
    assert max(scores) > 0.95
    assert abs(len(captured) - len(source)) / 16_000 < 0.2

    seconds = len(captured) / 16_000
    assert registry.get_sample_value("pantau_audio_seconds_total", {"platform": "generic"}) == pytest.approx(seconds)
    assert registry.get_sample_value("pantau_hls_segments_total", {"platform": "generic", "outcome": "ok"}) == len(
        playlist.segments
    )
    assert registry.get_sample_value("pantau_audio_gaps_total", {"platform": "generic", "reason": "skipped"}) is None
    ended = [e for e in capture.events if e.kind == "stream_ended"]
    assert len(ended) == 1 and ended[0].raw == {"detected_by": "collector", "reason": "end_of_media"}
    # Chunks are contiguous on the stream timeline and about chunk_seconds long.
    for before, after in zip(capture.chunks, capture.chunks[1:]):
        assert after.t0 == pytest.approx(before.t1) and after.seq == before.seq + 1
    assert all(c.duration <= settings.chunk_seconds + 1e-9 for c in capture.chunks)
