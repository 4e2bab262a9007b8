"""Evidence kept while streams run: recent audio, recent speech, pinned products.

Audio arrives as 16 kHz mono PCM chunks; each stream keeps only the last
``keep_seconds`` of it. When an alert arrives, the clip around the offer
([t0 - margin, t1 + margin]) is cut into a WAV file. If the audio after the
offer has not arrived yet, the cut waits for it (up to ``wait_seconds``).

    >>> ring = AudioRing(keep_seconds=120)
    >>> ring.add(AudioChunk.from_pcm("s", 0, 0.0, 0.0, b"\\0\\0" * 16000))
    >>> len(ring.cut(0.25, 0.75)) == 2 * 8000
    True
"""
from __future__ import annotations

import io
import wave
from collections import deque
from typing import Optional

from pantau.records import SAMPLE_RATE, AudioChunk, ProductSnapshot, Transcript

__all__ = ["AudioRing", "TranscriptRing", "wav_bytes", "excerpt", "snapshot_dict"]

BYTES_PER_SECOND = SAMPLE_RATE * 2


class AudioRing:
    """The last ``keep_seconds`` of one stream's audio, by stream time."""

    def __init__(self, keep_seconds: float = 120.0) -> None:
        self.keep_seconds = keep_seconds
        self._chunks: deque[tuple[float, bytes]] = deque()

    @property
    def end(self) -> float:
        if not self._chunks:
            return 0.0
        t0, pcm = self._chunks[-1]
        return t0 + len(pcm) / BYTES_PER_SECOND

    def add(self, chunk: AudioChunk) -> None:
        if chunk.gap or chunk.encoding != "pcm_s16le":
            return
        self._chunks.append((chunk.t0, chunk.pcm))
        horizon = self.end - self.keep_seconds
        while self._chunks and self._chunks[0][0] + len(self._chunks[0][1]) / BYTES_PER_SECOND < horizon:
            self._chunks.popleft()

    def cut(self, t0: float, t1: float) -> bytes:
        """PCM between stream times t0 and t1; silence where audio is missing."""
        start = int(round(t0 * SAMPLE_RATE))
        stop = int(round(t1 * SAMPLE_RATE))
        if stop <= start:
            return b""
        out = bytearray(2 * (stop - start))
        for chunk_t0, pcm in self._chunks:
            c_start = int(round(chunk_t0 * SAMPLE_RATE))
            c_stop = c_start + len(pcm) // 2
            lo, hi = max(start, c_start), min(stop, c_stop)
            if lo < hi:
                out[2 * (lo - start):2 * (hi - start)] = pcm[2 * (lo - c_start):2 * (hi - c_start)]
        return bytes(out)


def wav_bytes(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return buffer.getvalue()


class TranscriptRing:
    """The last ``keep`` transcripts of one stream."""

    def __init__(self, keep: int = 60) -> None:
        self._items: deque[Transcript] = deque(maxlen=keep)

    def add(self, transcript: Transcript) -> None:
        if not transcript.gap and transcript.text:
            self._items.append(transcript)

    def around(self, t0: float, t1: float, margin: float = 15.0) -> list[Transcript]:
        return [t for t in self._items if t.t1 >= t0 - margin and t.t0 <= t1 + margin]


def excerpt(transcripts: list[Transcript], offer_text: str, t0: float, t1: float) -> dict:
    """The transcript excerpt kept as evidence: segments with times, and the offer's own words."""
    return {
        "offer_t0": t0,
        "offer_t1": t1,
        "offer_text": offer_text,
        "segments": [{"seq": t.seq, "t0": t.t0, "t1": t.t1, "wall_time": t.wall_time, "text": t.text,
                      "model": t.model} for t in transcripts],
    }


def snapshot_dict(product: Optional[ProductSnapshot], event_time: float, raw: dict) -> dict:
    return {"product": product.asdict() if product else None, "time": event_time, "raw": raw}
