"""Cuts a stream's PCM into ``AudioChunk``s on the stream's own timeline.

Stream time counts samples heard plus the length of every hole; a hole is
passed on as a gap marker so that a transcript shows it instead of gluing
the speech on both sides together::

    >>> chunker = AudioChunker("room-1", chunk_seconds=1.0, clock=lambda: 100.0)
    >>> [c.t1 for c in chunker.feed(b"\\0\\0" * 24_000)]
    [1.0]
    >>> [(c.gap, c.t0, c.t1) for c in chunker.gap(2.5)]
    [(False, 1.0, 1.5), (True, 1.5, 4.0)]
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from pantau.records import SAMPLE_RATE, AudioChunk

__all__ = ["AudioChunker"]

BYTES_PER_SECOND = SAMPLE_RATE * 2


class AudioChunker:
    """Holds at most one chunk of PCM for one stream and numbers what it emits."""

    def __init__(self, stream_id: str, chunk_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.stream_id = stream_id
        self.chunk_bytes = max(2, int(chunk_seconds * SAMPLE_RATE) * 2)
        self.clock = clock
        self.seq = 0
        self.position = 0.0  # stream time at the end of everything emitted or buffered
        self._buffer = bytearray()
        self._buffer_t0 = 0.0
        self._buffer_wall: Optional[float] = None

    def feed(self, pcm: bytes, wall_time: Optional[float] = None) -> list[AudioChunk]:
        """Add PCM heard at ``wall_time`` (Unix time of its first sample; now when unknown)."""
        if len(pcm) % 2:
            pcm = pcm[:-1]
        if not self._buffer:
            self._buffer_t0 = self.position
            self._buffer_wall = wall_time if wall_time is not None else self.clock() - len(pcm) / BYTES_PER_SECOND
        self._buffer += pcm
        self.position += len(pcm) / BYTES_PER_SECOND
        chunks = []
        while len(self._buffer) >= self.chunk_bytes:
            chunks.append(self._emit(self.chunk_bytes))
        return chunks

    def gap(self, seconds: float, wall_time: Optional[float] = None) -> list[AudioChunk]:
        """Flush what is buffered, then mark ``seconds`` of stream time as not heard."""
        chunks = self.flush()
        if seconds > 0:
            t0 = self.position
            self.position += seconds
            wall = wall_time if wall_time is not None else self.clock() - seconds
            chunks.append(AudioChunk.gap_marker(self.stream_id, self._next_seq(), t0, self.position, wall))
        return chunks

    def flush(self) -> list[AudioChunk]:
        """Emit the partial chunk, if any (end of stream, before a gap)."""
        return [self._emit(len(self._buffer))] if self._buffer else []

    def _next_seq(self) -> int:
        seq = self.seq
        self.seq += 1
        return seq

    def _emit(self, size: int) -> AudioChunk:
        pcm = bytes(self._buffer[:size])
        del self._buffer[:size]
        wall = self._buffer_wall if self._buffer_wall is not None else self.clock()
        chunk = AudioChunk.from_pcm(self.stream_id, self._next_seq(), self._buffer_t0, wall, pcm)
        self._buffer_t0 = chunk.t1
        self._buffer_wall = wall + chunk.duration
        return chunk
