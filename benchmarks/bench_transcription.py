"""Benchmark of the streaming transcription worker against plain per-chunk transcription.

One command, every figure from one run, on this machine's CPUs:

    python benchmarks/bench_transcription.py            # full (about 8 minutes on 2 cores)
    python benchmarks/bench_transcription.py --short    # CI (under 2 minutes)

It measures
- throughput when saturated: seconds of audio transcribed per wall second, for
  Pantau's Transcriber (VAD, short-context windows, LocalAgreement commits,
  batching) and for the baseline, faster-whisper's plain ``transcribe`` called
  on each 2 s chunk of each stream in turn;
- live runs with N simulated streams of continuous speech (2 s chunks arriving
  in real time): real-time factor, p50/p95 lag from speech (the wall-clock end
  of each word) to its committed transcript as ``feed`` returns it, seconds
  skipped under overload; the largest N held (nothing skipped, p95 lag < 6 s);
- memory: the model's resident size, and audio buffered per stream;
- WER and price recall on the rendered test set, with and without the
  vocabulary bias.
Prints a table and writes JSON with ``--json PATH``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pantau.config import Settings  # noqa: E402
from transcription.audio import decode_file, replay_chunks  # noqa: E402
from transcription.commands import evaluate, summarize  # noqa: E402
from transcription.evaluation import read_manifest  # noqa: E402
from transcription.metrics import TranscriptionMetrics  # noqa: E402
from transcription.model import load_model  # noqa: E402
from transcription.transcriber import Transcriber  # noqa: E402

AUDIO = ROOT / "tests" / "resources" / "audio"
CHUNK = 2.0
HELD_P95 = 6.0


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def percentile(values: List[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def speech_source() -> np.ndarray:
    """Continuous host talk: the rendered clean, music and noise recordings back to back."""
    files = sorted(p for p in AUDIO.glob("*.ogg") if "fast" not in p.name)
    return np.concatenate([decode_file(p) for p in files])


def stream_audio(source: np.ndarray, index: int, seconds: float) -> np.ndarray:
    """A different stretch of talk for each stream, looped to ``seconds``."""
    n = int(seconds * 16000)
    start = (index * 7919 * 16) % len(source)
    reps = int(np.ceil((start + n) / len(source))) + 1
    return np.tile(source, reps)[start:start + n]


# -- Pantau --------------------------------------------------------------------------------
def make_transcriber(settings: Settings, loaded, overload: str, batch_size=None, bias=None) -> Transcriber:
    from prometheus_client import CollectorRegistry

    ts = settings.transcription
    if bias is not None:
        ts = type(ts)(**{**ts.__dict__, "vocabulary_bias": bias})
    return Transcriber(ts, settings.model, settings.model_cache, TranscriptionMetrics(CollectorRegistry()),
                       overload=overload, batch_size=batch_size, loaded=loaded)


async def pantau_saturated(settings, loaded, sources: List[np.ndarray], batch_size=None) -> Dict:
    t = make_transcriber(settings, loaded, "wait", batch_size)
    await t.start()
    started = time.perf_counter()
    streams = [list(replay_chunks(f"s{i}", a, CHUNK)) for i, a in enumerate(sources)]
    words = 0
    for k in range(max(map(len, streams))):
        for chunks in streams:
            if k < len(chunks):
                words += sum(len(x.words) for x in (await t.feed(chunks[k])).transcripts)
    for i in range(len(streams)):
        words += sum(len(x.words) for x in (await t.flush(f"s{i}")).transcripts)
    wall = time.perf_counter() - started
    t.close()
    audio = sum(len(a) for a in sources) / 16000
    return {"audio_seconds": audio, "wall_seconds": wall, "throughput": audio / wall, "words": words}


async def pantau_live(settings, loaded, sources: List[np.ndarray]) -> Dict:
    t = make_transcriber(settings, loaded, "skip")
    await t.start()
    lags: List[float] = []
    memory: List[int] = []
    skipped = {"gaps": 0}
    lock = asyncio.Lock()

    def take(result) -> None:
        now = time.time()
        for tr in result.transcripts:
            if tr.gap:
                skipped["gaps"] += 1
            for w in tr.words:
                lags.append(now - (tr.wall_time + (w.end - tr.t0)))

    async def stream(i: int, audio: np.ndarray, wall0: float) -> None:
        for chunk in replay_chunks(f"s{i}", audio, CHUNK, wall_start=wall0):
            await asyncio.sleep(max(0.0, chunk.wall_time + chunk.duration - time.time()))
            async with lock:
                take(await t.feed(chunk))
                memory.append(max(t.stream_memory_bytes().values(), default=0))

    wall0 = time.time() + 0.2
    await asyncio.gather(*(stream(i, a, wall0 + i * CHUNK / len(sources)) for i, a in enumerate(sources)))
    # what is still pending at the end is lag too: wait for it as the live worker would
    for i in range(len(sources)):
        take(await t.flush(f"s{i}"))
    registry_rtf = t.metrics.real_time_factor._value.get()
    processing = t.metrics.processing_seconds._value.get()
    audio = sum(len(a) for a in sources) / 16000
    skipped_seconds = sum(s.value for m in t.metrics.skipped_seconds.collect() for s in m.samples
                          if s.name.endswith("_total") and s.labels.get("reason") in ("overload", "buffer_full"))
    t.close()
    return {
        "streams": len(sources), "audio_seconds": audio, "rtf": processing / audio, "rtf_gauge": registry_rtf,
        "lag_p50": percentile(lags, 50), "lag_p95": percentile(lags, 95), "words": len(lags),
        "skipped_seconds": skipped_seconds, "max_stream_buffer_bytes": max(memory, default=0),
    }


# -- baseline: plain transcribe on each chunk, in turn ------------------------------------
# The same decoding choices as Pantau's passes (greedy, no temperature fallback,
# Silero VAD, word times), so the comparison is about streaming, not settings.
BASELINE_OPTIONS = dict(language="id", beam_size=1, temperature=0.0, vad_filter=True, word_timestamps=True,
                        condition_on_previous_text=False)


def baseline_transcribe(loaded, audio: np.ndarray) -> int:
    segments, _ = loaded.whisper.transcribe(audio, **BASELINE_OPTIONS)
    return sum(len(s.words or []) for s in segments)


def baseline_saturated(loaded, sources: List[np.ndarray]) -> Dict:
    started = time.perf_counter()
    words = 0
    streams = [list(replay_chunks(f"s{i}", a, CHUNK)) for i, a in enumerate(sources)]
    from transcription.audio import pcm_to_float

    for k in range(max(map(len, streams))):
        for chunks in streams:
            if k < len(chunks):
                words += baseline_transcribe(loaded, pcm_to_float(chunks[k].pcm))
    wall = time.perf_counter() - started
    audio = sum(len(a) for a in sources) / 16000
    return {"audio_seconds": audio, "wall_seconds": wall, "throughput": audio / wall, "words": words}


async def baseline_live(loaded, sources: List[np.ndarray]) -> Dict:
    """Chunks arrive in real time; one worker transcribes them first come, first served."""
    from transcription.audio import pcm_to_float

    queue: asyncio.Queue = asyncio.Queue()
    lags: List[float] = []
    busy = 0.0
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        nonlocal busy
        while True:
            chunk = await queue.get()
            if chunk is None:
                return
            started = time.perf_counter()
            segments = await loop.run_in_executor(None, lambda c=chunk: list(loaded.whisper.transcribe(
                pcm_to_float(c.pcm), **BASELINE_OPTIONS)[0]))
            busy += time.perf_counter() - started
            now = time.time()
            for s in segments:
                for w in s.words or []:
                    lags.append(now - (chunk.wall_time + w.end))

    async def stream(i: int, audio: np.ndarray, wall0: float) -> None:
        for chunk in replay_chunks(f"s{i}", audio, CHUNK, wall_start=wall0):
            await asyncio.sleep(max(0.0, chunk.wall_time + chunk.duration - time.time()))
            queue.put_nowait(chunk)

    task = asyncio.create_task(worker())
    wall0 = time.time() + 0.2
    await asyncio.gather(*(stream(i, a, wall0 + i * CHUNK / len(sources)) for i, a in enumerate(sources)))
    queue.put_nowait(None)
    # A baseline that cannot keep up would drain its queue for minutes: give it
    # 15 s after the last chunk, then count what is left as not transcribed.
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=15.0)
    except asyncio.TimeoutError:
        pass
    left = queue.qsize() - 1 if not task.done() else 0
    task.cancel()
    audio = sum(len(a) for a in sources) / 16000
    done_audio = audio - max(0, left) * CHUNK
    return {"streams": len(sources), "audio_seconds": audio, "rtf": busy / max(done_audio, 1e-9),
            "lag_p50": percentile(lags, 50), "lag_p95": percentile(lags, 95), "words": len(lags),
            "skipped_seconds": max(0, left) * CHUNK}


def held(run: Dict) -> bool:
    return run["skipped_seconds"] == 0 and run["lag_p95"] < HELD_P95


async def quality(settings, loaded, subset=None) -> Dict:
    out = {}
    recordings = [r for r in read_manifest(AUDIO / "manifest.tsv") if subset is None or r.condition in subset]
    for bias in (False, True):
        t = make_transcriber(settings, loaded, "wait", bias=bias)
        await t.start()
        rows = await evaluate(recordings, t)
        t.close()
        per = {c: summarize([r for r in rows if r["condition"] == c]) for c in sorted({r["condition"] for r in rows})}
        out["bias" if bias else "no_bias"] = {"all": summarize(rows), "by_condition": per}
    out["baseline"] = baseline_quality(loaded, recordings)
    return out


def baseline_quality(loaded, recordings) -> Dict:
    """WER and price recall of the baseline: each 2 s chunk transcribed on its own, texts joined."""
    from transcription.audio import pcm_to_float
    from transcription.evaluation import price_scores, prices_heard, word_errors
    from transcription.extraction import extract_offers

    rows = []
    for rec in recordings:
        texts = []
        for chunk in replay_chunks("b", decode_file(rec.path), CHUNK):
            segments, _ = loaded.whisper.transcribe(pcm_to_float(chunk.pcm), **BASELINE_OPTIONS)
            texts += [s.text.strip() for s in segments]
        hypothesis = " ".join(texts)
        errors, words = word_errors(rec.transcript, hypothesis)
        hit, refs, correct, found = price_scores(rec.prices, [o.price_idr for o in extract_offers(hypothesis)])
        rows.append({"condition": rec.condition, "errors": errors, "words": words, "price_hits": hit,
                     "price_refs": refs, "price_correct": correct, "price_found": found,
                     "price_words_heard": prices_heard(rec.prices, hypothesis)})
    per = {c: summarize([r for r in rows if r["condition"] == c]) for c in sorted({r["condition"] for r in rows})}
    return {"all": summarize(rows), "by_condition": per}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="small run for CI (under 2 minutes)")
    parser.add_argument("--threads", type=int, default=2, help="model CPU threads")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()

    settings = Settings()
    settings.model.cpu_threads = args.threads
    settings.model.cache_dir = tempfile.mkdtemp(prefix="pantau-bench-models-")
    rss0 = rss_bytes()
    loaded = load_model(settings.model, settings.model_cache)
    # warm up: the first calls allocate buffers and load the VAD
    warm = make_transcriber(settings, loaded, "wait")
    await warm.start()
    warm.close()
    baseline_transcribe(loaded, np.zeros(32000, np.float32))
    model_rss = rss_bytes() - rss0

    source = speech_source()
    report: Dict = {"device": f"{loaded.device} {loaded.compute_type}, {args.threads} threads",
                    "model_rss_mb": round(model_rss / 2**20, 1)}

    sat_seconds = 20.0 if args.short else 60.0
    sat_n = 2
    sources = [stream_audio(source, i, sat_seconds / sat_n) for i in range(sat_n)]
    report["saturated"] = {
        "pantau": await pantau_saturated(settings, loaded, sources),
        "baseline": baseline_saturated(loaded, sources),
    }
    if not args.short:
        report["saturated"]["pantau_batch2"] = await pantau_saturated(settings, loaded, sources, batch_size=2)
    report["throughput_ratio"] = report["saturated"]["pantau"]["throughput"] / report["saturated"]["baseline"]["throughput"]

    live_seconds = 16.0 if args.short else 40.0
    counts = (2,) if args.short else (1, 2, 3, 4, 5, 6)
    live = []
    for n in counts:
        run = await pantau_live(settings, loaded, [stream_audio(source, i, live_seconds) for i in range(n)])
        live.append(run)
        print(f"pantau live N={n}: rtf {run['rtf']:.2f} lag p50 {run['lag_p50']:.1f}s p95 {run['lag_p95']:.1f}s "
              f"skipped {run['skipped_seconds']:.1f}s", file=sys.stderr)
        if not held(run) and n >= 2:
            break
    report["live"] = live
    held_runs = [r for r in live if held(r)]
    report["largest_n_held"] = max((r["streams"] for r in held_runs), default=0)
    base_counts = (1,) if args.short else (1, 2)
    report["baseline_live"] = []
    for n in base_counts:
        run = await baseline_live(loaded, [stream_audio(source, i, live_seconds) for i in range(n)])
        report["baseline_live"].append(run)
        print(f"baseline live N={n}: rtf {run['rtf']:.2f} lag p50 {run['lag_p50']:.1f}s p95 {run['lag_p95']:.1f}s",
              file=sys.stderr)
    report["memory"] = {
        "model_rss_mb": report["model_rss_mb"],
        "max_stream_buffer_mb": round(max(r["max_stream_buffer_bytes"] for r in live) / 2**20, 2),
        "stream_buffer_bound_mb": round(settings.transcription.max_buffer_seconds * 16000 * 4 / 2**20, 2),
    }
    report["quality"] = await quality(settings, loaded, subset=("clean", "music") if args.short else None)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


def print_report(r: Dict) -> None:
    s = r["saturated"]
    print(f"device: {r['device']}")
    print(f"saturated throughput (audio s per wall s, {s['pantau']['audio_seconds']:.0f} s of audio in 2 streams):")
    for name, run in s.items():
        print(f"  {name:14s} {run['throughput']:6.2f}x real time  ({run['words']} words)")
    print(f"  ratio pantau/baseline: {r['throughput_ratio']:.2f}")
    print("live streams (2 s chunks in real time):")
    print("  system    N   RTF   lag p50  lag p95  skipped s")
    for run in r["live"]:
        print(f"  pantau   {run['streams']:2d}  {run['rtf']:.2f}  {run['lag_p50']:6.1f}   {run['lag_p95']:6.1f}   {run['skipped_seconds']:6.1f}")
    for run in r["baseline_live"]:
        print(f"  baseline {run['streams']:2d}  {run['rtf']:.2f}  {run['lag_p50']:6.1f}   {run['lag_p95']:6.1f}   {run['skipped_seconds']:6.1f} (left in queue)")
    print(f"largest N held in real time (no skip, p95 lag < {HELD_P95:.0f} s): {r['largest_n_held']}")
    m = r["memory"]
    print(f"memory: model {m['model_rss_mb']} MB resident; audio per stream at most {m['max_stream_buffer_mb']} MB "
          f"seen (bound {m['stream_buffer_bound_mb']} MB)")
    print("rendered test set (WER, price recall / precision via extraction, price words heard):")
    for mode, q in r["quality"].items():
        for cond, v in list(q["by_condition"].items()) + [("all", q["all"])]:
            print(f"  {mode:8s} {cond:12s} WER {v['wer']:.2f}  price recall {v['price_recall']}  "
                  f"precision {v['price_precision']}  words heard {v['price_words_recall']}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
