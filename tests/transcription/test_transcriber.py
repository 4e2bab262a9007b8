"""The Transcriber with the real model, on the rendered test speech."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from pantau.config import TranscriptionSettings
from pantau.records import AudioChunk
from transcription import Transcriber, TranscriptionMetrics
from transcription.audio import decode_file, replay_chunks
from transcription.evaluation import normalize_text

pytestmark = pytest.mark.model


def make(settings, loaded_model, registry=None, overload="wait", **overrides) -> Transcriber:
    ts = TranscriptionSettings(**{**settings.transcription.__dict__, **overrides})
    metrics = TranscriptionMetrics(registry or CollectorRegistry())
    return Transcriber(ts, settings.model, settings.model_cache, metrics, overload=overload, loaded=loaded_model)


async def replay(t: Transcriber, stream_id: str, audio: np.ndarray, chunk_seconds=2.0, wall_start=1_700_000_000.0):
    transcripts, offers = [], []
    for chunk in replay_chunks(stream_id, audio, chunk_seconds, wall_start):
        r = await t.feed(chunk)
        transcripts += r.transcripts
        offers += r.offers
    r = await t.flush(stream_id)
    return transcripts + r.transcripts, offers + r.offers


async def test_rendered_speech_is_transcribed_once_with_word_times(settings, loaded_model, audio_dir):
    audio = decode_file(audio_dir / "kaos-clean.ogg")
    registry = CollectorRegistry()
    t = make(settings, loaded_model, registry)
    await t.start()
    try:
        transcripts, offers = await replay(t, "room-1", audio)
    finally:
        t.close()
    words = [w for tr in transcripts for w in tr.words]
    text = " ".join(normalize_text(" ".join(tr.text for tr in transcripts)))
    assert "dua puluh lima" in text  # the price, as espeak says it
    assert [tr.seq for tr in transcripts] == list(range(len(transcripts)))
    duration = len(audio) / 16000
    for prev, w in zip(words, words[1:]):
        assert w.start >= prev.start - 0.05  # in order: nothing emitted twice
    assert all(0 <= w.start <= w.end <= duration + 0.05 and 0 <= w.probability <= 1 for w in words)
    for tr in transcripts:
        assert tr.wall_time == pytest.approx(1_700_000_000.0 + tr.t0, abs=0.01)
        assert tr.model == "base" and not tr.gap
    # extraction (transcription.extraction) finds the price and places it on its words
    (offer,) = [o for o in offers if o.price_idr == 25000]
    assert offer.stream_id == "room-1" and offer.t0 < offer.t1 <= duration + 0.05
    price_words = [w for w in words if offer.t0 <= w.start < offer.t1]
    assert any("dua" in w.word.lower() for w in price_words)
    assert registry.get_sample_value("pantau_transcripts_total") == len(transcripts)
    assert registry.get_sample_value("pantau_transcription_audio_seconds_total") == pytest.approx(duration, abs=0.01)
    assert registry.get_sample_value("pantau_offers_extracted_total", {"category": offer.category or "unknown"}) >= 1


async def test_chunk_size_does_not_lose_or_double_words(settings, loaded_model, audio_dir):
    audio = decode_file(audio_dir / "jam-clean.ogg")
    t = make(settings, loaded_model)
    await t.start()
    try:
        a, _ = await replay(t, "a", audio, chunk_seconds=2.0)
        b, _ = await replay(t, "b", audio, chunk_seconds=0.7)
    finally:
        t.close()
    words_a = normalize_text(" ".join(x.text for x in a))
    words_b = normalize_text(" ".join(x.text for x in b))
    # different cut points give a slightly different hypothesis, never a doubled or lost stretch
    assert abs(len(words_a) - len(words_b)) <= max(2, len(words_a) // 5)
    assert "ratus" in words_a and "ratus" in words_b


async def test_collector_gap_becomes_a_gap_transcript(settings, loaded_model, audio_dir):
    audio = decode_file(audio_dir / "hijab-clean.ogg")
    half = (len(audio) // 2 // 32000) * 32000
    t = make(settings, loaded_model)
    await t.start()
    try:
        out = []
        chunks = list(replay_chunks("room-2", audio[:half], 2.0, wall_start=100.0))
        for c in chunks:
            out += (await t.feed(c)).transcripts
        t_gap = half / 16000
        out += (await t.feed(AudioChunk.gap_marker("room-2", len(chunks), t_gap, t_gap + 5.0, 100.0 + t_gap))).transcripts
        for c in replay_chunks("room-2", audio[half:], 2.0, wall_start=100.0 + t_gap + 5.0):
            c.t0 += t_gap + 5.0
            c.t1 += t_gap + 5.0
            out += (await t.feed(c)).transcripts
        out += (await t.flush("room-2")).transcripts
    finally:
        t.close()
    gaps = [x for x in out if x.gap]
    assert len(gaps) == 1 and gaps[0].t0 == pytest.approx(t_gap) and gaps[0].t1 == pytest.approx(t_gap + 5.0)
    before = [x for x in out if not x.gap and x.seq < gaps[0].seq]
    after = [x for x in out if not x.gap and x.seq > gaps[0].seq]
    assert before and after
    assert all(x.t1 <= t_gap + 0.05 for x in before) and all(x.t0 >= t_gap + 5.0 for x in after)


async def test_silence_and_music_cost_no_model_call(settings, loaded_model):
    t = make(settings, loaded_model)
    await t.start()
    try:
        seconds = np.arange(16000 * 12) / 16000
        # a pulsing chord, like the music bed under the rendered speech
        chord = sum(np.sin(2 * np.pi * f * seconds) for f in (220, 277, 330)) / 3
        music = (0.1 * chord * (1 - 0.6 * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * seconds)))).astype(np.float32)
        noise = (0.02 * np.random.default_rng(0).standard_normal(16000 * 8)).astype(np.float32)
        quiet = np.zeros(16000 * 8, np.float32)
        transcripts, _ = await replay(t, "quiet", np.concatenate([quiet, music, noise]))
    finally:
        t.close()
    assert t._engine.calls == 0 and [x for x in transcripts if x.text] == []


async def test_overload_skips_old_audio_says_so_and_stays_bounded(settings, loaded_model, audio_dir):
    audio = np.tile(decode_file(audio_dir / "sepatu-clean.ogg"), 3)
    registry = CollectorRegistry()
    t = make(settings, loaded_model, registry, overload="skip", max_lag_seconds=6.0, window_seconds=4.0)
    await t.start()
    try:
        out = []
        # The model is busy with other streams (held here) while audio keeps
        # coming far faster than real time: the policy must skip.
        async with t._model_lock:
            for chunk in replay_chunks("busy", audio, 2.0):
                out += (await t.feed(chunk)).transcripts
                assert t.stream_memory_bytes()["busy"] <= 6.0 * 16000 * 4 + 2 * 16000 * 4
        out += (await t.flush("busy")).transcripts
    finally:
        t.close()
    skipped = registry.get_sample_value("pantau_transcription_skipped_seconds_total", {"reason": "overload"})
    gaps = [x for x in out if x.gap]
    assert skipped and skipped > 0 and gaps
    assert sum(g.t1 - g.t0 for g in gaps) == pytest.approx(skipped, abs=0.01)
    assert [x.seq for x in out] == list(range(len(out)))


async def test_feed_never_blocks_the_event_loop(settings, loaded_model, audio_dir):
    audio = decode_file(audio_dir / "kaos-music.ogg")
    t = make(settings, loaded_model, overload="skip")
    await t.start()
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for chunk in replay_chunks("live", audio, 2.0):
            await t.feed(chunk)
            await asyncio.sleep(0.3)
        await t.flush("live")
        elapsed = loop.time() - started
    finally:
        task.cancel()
        t.close()
    # the ticker kept running while the model worked in its thread
    assert ticks >= 0.5 * elapsed / 0.05


async def test_streams_batched_in_one_model_call_each_get_their_own_words(settings, loaded_model, audio_dir):
    kaos = decode_file(audio_dir / "kaos-clean.ogg")
    jam = decode_file(audio_dir / "jam-clean.ogg")
    t = Transcriber(settings.transcription, settings.model, settings.model_cache, overload="wait",
                    loaded=loaded_model, batch_size=2)
    await t.start()
    try:
        out = {"kaos": [], "jam": []}
        chunks = {k: list(replay_chunks(k, a, 2.0)) for k, a in (("kaos", kaos), ("jam", jam))}
        for i in range(max(map(len, chunks.values()))):
            for k, cs in chunks.items():
                if i < len(cs):
                    for tr in (await t.feed(cs[i])).transcripts:
                        out[tr.stream_id].append(tr.text)
        for k in out:
            for tr in (await t.flush(k)).transcripts:
                out[tr.stream_id].append(tr.text)
    finally:
        t.close()
    assert t.batch_size == 2 and t._engine.calls < 12
    assert "puluh" in " ".join(out["kaos"]).lower() and "ratus" in " ".join(out["jam"]).lower()
    assert "ratus" not in " ".join(out["kaos"]).lower()
