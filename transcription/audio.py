"""Audio of one stream, held between passes, and audio files replayed as streams.

:class:`StreamAudio` keeps the not-yet-committed audio of a stream as float32
samples starting at stream time ``t0``, with the wall-clock time of every
chunk, so that any stream time maps back to when it was spoken. It is trimmed
at commit points and never holds more than ``max_seconds``::

    >>> buf = StreamAudio(max_seconds=30)
    >>> buf.append(0.0, 1000.0, np.zeros(16000, np.float32))
    0.0
    >>> buf.end, buf.wall_at(0.5)
    (1.0, 1000.5)
"""
from __future__ import annotations

import bisect
from pathlib import Path
from typing import Iterator, List, Tuple

import numpy as np

from pantau.errors import UserError
from pantau.records import SAMPLE_RATE, AudioChunk

__all__ = ["StreamAudio", "pcm_to_float", "decode_file", "replay_chunks"]


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """16-bit little-endian PCM to float32 in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


class StreamAudio:
    """A bounded buffer of one stream's recent audio."""

    def __init__(self, max_seconds: float) -> None:
        self.max_samples = int(max_seconds * SAMPLE_RATE)
        self.samples = np.zeros(0, dtype=np.float32)
        self.t0 = 0.0
        # (stream time, wall time) at each appended chunk's start
        self._anchors: List[Tuple[float, float]] = []

    @property
    def end(self) -> float:
        return self.t0 + len(self.samples) / SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def nbytes(self) -> int:
        return self.samples.nbytes

    def restart(self, t0: float) -> None:
        """Drop everything; the next audio starts at stream time ``t0``."""
        self.samples = np.zeros(0, dtype=np.float32)
        self.t0 = t0
        self._anchors = [a for a in self._anchors[-1:]]

    def append(self, t0: float, wall_time: float, samples: np.ndarray) -> float:
        """Add audio that starts at ``t0``; return the seconds dropped to stay bounded.

        The caller deals with discontinuities (gaps) before appending; audio
        that overlaps what is held (a collector re-sending) is cut.
        """
        if not len(self.samples):
            self.t0 = t0
        overlap = int(round((self.end - t0) * SAMPLE_RATE))
        if overlap > 0:
            samples = samples[overlap:]
            wall_time += overlap / SAMPLE_RATE
            t0 += overlap / SAMPLE_RATE
        if len(samples):
            self._anchors.append((t0, wall_time))
            self.samples = np.concatenate([self.samples, samples.astype(np.float32, copy=False)])
        excess = len(self.samples) - self.max_samples
        if excess > 0:
            self.trim(self.t0 + excess / SAMPLE_RATE)
            return excess / SAMPLE_RATE
        return 0.0

    def trim(self, t: float) -> None:
        """Forget audio before stream time ``t``."""
        n = int(round((t - self.t0) * SAMPLE_RATE))
        if n <= 0:
            return
        n = min(n, len(self.samples))
        self.samples = self.samples[n:].copy()
        self.t0 += n / SAMPLE_RATE
        # keep the anchor in force at t0, drop older ones
        i = bisect.bisect_right(self._anchors, (self.t0, float("inf")))
        self._anchors = self._anchors[max(0, i - 1):]

    def window(self, t_from: float, t_to: float) -> np.ndarray:
        a = max(0, int(round((t_from - self.t0) * SAMPLE_RATE)))
        b = max(a, int(round((t_to - self.t0) * SAMPLE_RATE)))
        return self.samples[a:b]

    def wall_at(self, t: float) -> float:
        """Wall-clock time at which stream time ``t`` was spoken."""
        if not self._anchors:
            return 0.0
        i = bisect.bisect_right(self._anchors, (t, float("inf"))) - 1
        st, wall = self._anchors[max(0, i)]
        return wall + (t - st)


def decode_file(path: str | Path) -> np.ndarray:
    """Decode any file PyAV reads to 16 kHz mono float32."""
    import av

    p = Path(path)
    if not p.is_file():
        raise UserError(f"audio file {p} does not exist")
    try:
        with av.open(str(p)) as container:
            if not container.streams.audio:
                raise UserError(f"{p} has no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            parts = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise UserError(f"cannot decode {p}: {exc}") from None
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts).astype(np.float32) / 32768.0


def replay_chunks(stream_id: str, audio: np.ndarray, chunk_seconds: float = 2.0, wall_start: float = 0.0) -> Iterator[AudioChunk]:
    """Cut decoded audio into AudioChunks, as a collector would send them live."""
    pcm = (np.clip(audio, -1.0, 32767 / 32768) * 32768).astype("<i2")
    step = int(chunk_seconds * SAMPLE_RATE)
    for seq, start in enumerate(range(0, len(pcm), step)):
        t0 = start / SAMPLE_RATE
        yield AudioChunk.from_pcm(stream_id, seq, t0, wall_start + t0, pcm[start:start + step].tobytes())
