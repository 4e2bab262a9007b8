"""`pantau transcribe` and `pantau eval-audio`: files through the streaming worker.

Both replay each file as a live stream (2 s AudioChunks, as a collector sends
them) through the same :class:`~transcription.Transcriber` as the live
worker, only without pacing: the feeder waits for the model instead of
skipping audio. Output is JSON lines::

    {"type": "segment", "file": "a.ogg", "seq": 0, "t0": 0.0, "t1": 3.2, "text": "...", "words": [...]}
    {"type": "offer", "file": "a.ogg", "t0": 3.5, "t1": 5.1, "price_idr": 25000, ...}
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import IO, Dict, List, Sequence

from pantau.config import Settings
from pantau.errors import UserError
from pantau.records import Offer, Transcript
from transcription.audio import decode_file, replay_chunks
from transcription.evaluation import price_scores, prices_heard, read_manifest, word_errors
from transcription.transcriber import Transcriber, TranscriptionResult

__all__ = ["transcribe_files", "eval_audio", "transcribe_audio"]


def _segment_json(path: str, t: Transcript) -> dict:
    return {
        "type": "segment",
        "file": path,
        "seq": t.seq,
        "t0": t.t0,
        "t1": t.t1,
        "gap": t.gap,
        "text": t.text,
        "words": [{"word": w.word, "start": w.start, "end": w.end, "probability": w.probability} for w in t.words],
    }


def _offer_json(path: str, o: Offer) -> dict:
    return {"type": "offer", "file": path, "t0": o.t0, "t1": o.t1, "transcript_seq": o.transcript_seq,
            "text": o.text, **o.contract()}


async def transcribe_audio(transcriber: Transcriber, stream_id: str, path: str | Path, chunk_seconds: float = 2.0,
                           on_result=None) -> TranscriptionResult:
    """Replay one decoded file through ``transcriber``; return everything it committed."""
    audio = decode_file(path)
    total = TranscriptionResult()

    def take(result: TranscriptionResult) -> None:
        total.transcripts += result.transcripts
        total.offers += result.offers
        if on_result:
            on_result(result)

    for chunk in replay_chunks(stream_id, audio, chunk_seconds, wall_start=time.time()):
        take(await transcriber.feed(chunk))
    take(await transcriber.flush(stream_id))
    return total


def _transcriber(settings: Settings, **kwargs) -> Transcriber:
    return Transcriber(settings.transcription, settings.model, settings.model_cache, overload="wait", **kwargs)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def transcribe_files(paths: Sequence[str], settings: Settings, offers: bool, out: IO[str] = sys.stdout) -> int:
    """Transcribe each file; print a JSON line per committed segment (and per offer with ``offers``)."""
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise UserError(f"audio file {missing[0]} does not exist")

    async def run() -> int:
        transcriber = _transcriber(settings)
        await transcriber.start(progress=_say)
        try:
            for i, path in enumerate(paths):
                def show(result: TranscriptionResult, path: str = str(path)) -> None:
                    for t in result.transcripts:
                        out.write(json.dumps(_segment_json(path, t), ensure_ascii=False) + "\n")
                    if offers:
                        for o in result.offers:
                            out.write(json.dumps(_offer_json(path, o), ensure_ascii=False) + "\n")
                    out.flush()

                await transcribe_audio(transcriber, f"file-{i + 1}", path, settings.collectors.chunk_seconds, show)
        finally:
            transcriber.close()
        return 0

    return asyncio.run(run())


async def evaluate(recordings, transcriber: Transcriber, chunk_seconds: float = 2.0) -> List[Dict]:
    """Score each recording: word errors, and prices found against the labelled ones."""
    rows = []
    for i, rec in enumerate(recordings):
        result = await transcribe_audio(transcriber, f"eval-{i + 1}", rec.path, chunk_seconds)
        hypothesis = " ".join(t.text for t in result.transcripts if not t.gap)
        errors, ref_words = word_errors(rec.transcript, hypothesis)
        found = [o.price_idr for o in result.offers]
        hit, ref_n, correct, found_n = price_scores(rec.prices, found)
        rows.append({"file": str(rec.path), "condition": rec.condition, "errors": errors, "words": ref_words,
                     "wer": round(errors / max(1, ref_words), 4), "prices": rec.prices, "found": found,
                     "price_words_heard": prices_heard(rec.prices, hypothesis),
                     "price_hits": hit, "price_refs": ref_n, "price_correct": correct, "price_found": found_n,
                     "hypothesis": hypothesis})
    return rows


def summarize(rows: List[Dict]) -> Dict:
    errors = sum(r["errors"] for r in rows)
    words = sum(r["words"] for r in rows)
    refs = sum(r["price_refs"] for r in rows)
    found = sum(r["price_found"] for r in rows)
    return {
        "recordings": len(rows),
        "wer": round(errors / max(1, words), 4),
        # the spoken price, word for word, in the transcript (no extraction involved)
        "price_words_recall": round(sum(r["price_words_heard"] for r in rows) / refs, 4) if refs else None,
        "price_recall": round(sum(r["price_hits"] for r in rows) / refs, 4) if refs else None,
        "price_precision": round(sum(r["price_correct"] for r in rows) / found, 4) if found else None,
    }


def eval_audio(manifest: str, settings: Settings, out: IO[str] = sys.stdout) -> int:
    """Print one JSON line per recording, then per condition and overall summaries."""
    recordings = read_manifest(manifest)
    missing = [r.path for r in recordings if not r.path.is_file()]
    if missing:
        raise UserError(f"{manifest}: recording {missing[0]} does not exist")

    async def run() -> List[Dict]:
        transcriber = _transcriber(settings)
        await transcriber.start(progress=_say)
        try:
            return await evaluate(recordings, transcriber, settings.collectors.chunk_seconds)
        finally:
            transcriber.close()

    rows = asyncio.run(run())
    for row in rows:
        out.write(json.dumps({"type": "recording", **row}, ensure_ascii=False) + "\n")
    conditions = sorted({r["condition"] for r in rows if r["condition"]})
    for condition in conditions:
        out.write(json.dumps({"type": "condition", "condition": condition,
                              **summarize([r for r in rows if r["condition"] == condition])}) + "\n")
    out.write(json.dumps({"type": "summary", **summarize(rows)}) + "\n")
    return 0
