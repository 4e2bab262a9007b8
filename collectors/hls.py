"""Live HLS audio: a worker that reloads the playlist, a writer that fetches in order.

The worker reloads the playlist every target duration, timed from when the
previous reload *started* (so the schedule does not drift by the fetch time),
and half a target duration when nothing new appeared (RFC 8216 §6.3.4). It
tracks media sequence numbers, so a segment is never read twice, and one that
slid out of the window unread becomes a counted gap instead of silence. The
writer fetches each segment (bounded size, retries, timeout), decodes it with
one decoder across segments, resets the decoder at a discontinuity or a hole,
and hands PCM on in order::

    reader = HLSReader(url, session, settings, out, report)
    await reader.run()          # returns at #EXT-X-ENDLIST; raises StreamStalled
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Optional

import aiohttp

from collectors.audio import AudioOut, AudioReader, StreamStalled
from collectors.decoder import DecodeError
from collectors.fetch import FetchError, HTTPStatusError, SlowDown, TooLarge, check_url, fetch_bytes
from collectors.metrics import StreamReport
from collectors.playlist import MediaPlaylist, PlaylistError, Segment, parse_playlist
from pantau.config import CollectorSettings

__all__ = ["HLSReader", "HLSCursor"]

SEGMENT_ATTEMPTS = 3
QUEUE_SEGMENTS = 6  # fetch queue bound: the worker waits when the writer is behind
MAX_SLOW_DOWN = 30.0


@dataclass
class HLSCursor:
    """Where a stream's reading stands; kept across reconnects so none re-reads or skips."""

    last_sequence: Optional[int] = None
    last_duration: float = 0.0


@dataclass(frozen=True)
class _Planned:
    segment: Segment
    wall_time: Optional[float]


_END = object()


class HLSReader(AudioReader):
    """Reads one live HLS media playlist until #EXT-X-ENDLIST, a stall, or cancellation."""

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        settings: CollectorSettings,
        out: AudioOut,
        report: StreamReport,
        cursor: Optional[HLSCursor] = None,
    ) -> None:
        super().__init__(url, session, settings, out, report)
        self.cursor = cursor or HLSCursor()
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SEGMENTS)
        self._need_reset = False
        self._queue_gap: Optional[tuple[float, str]] = None

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer())
        worker = asyncio.create_task(self._worker())
        try:
            # The worker returns at #EXT-X-ENDLIST; the writer then drains the queue.
            done, _ = await asyncio.wait({writer, worker}, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in (writer, worker):
                if not task.done():
                    task.cancel()
            await asyncio.gather(writer, worker, return_exceptions=True)

    # -- worker: what to fetch --------------------------------------------
    async def _load(self) -> MediaPlaylist:
        body = await fetch_bytes(self.session, self.url, self.settings.max_playlist_bytes, self.settings.request_timeout)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise PlaylistError("playlist is not UTF-8 text") from None
        playlist = parse_playlist(text, self.url)
        if playlist.variants:
            # A master playlist: audio needs only the cheapest variant.
            self.url = check_url(min(playlist.variants)[1])
            return await self._load()
        return playlist

    def _plan(self, playlist: MediaPlaylist, now_wall: float) -> list[_Planned]:
        segments = playlist.segments
        if not segments:
            return []
        cursor = self.cursor
        if cursor.last_sequence is None:
            start = max(0, len(segments) - max(1, self.settings.live_edge_segments))
            fresh = segments[start:]
        elif playlist.last_sequence < cursor.last_sequence - len(segments) - 3:
            # The sequence went far backwards: the stream restarted its numbering.
            self.report.error("sequence_reset", f"media sequence fell from {cursor.last_sequence} to {playlist.last_sequence}")
            self._need_reset = True
            fresh = segments
        else:
            fresh = [s for s in segments if s.sequence > cursor.last_sequence]
            if fresh and fresh[0].sequence > cursor.last_sequence + 1:
                missed = fresh[0].sequence - cursor.last_sequence - 1
                duration = cursor.last_duration or playlist.target_duration
                for _ in range(missed):
                    self.report.segment("skipped")
                self._queue_gap = (missed * duration, "skipped")
        # Estimate when each segment's first sample was spoken: the live edge is now.
        planned = []
        remaining = sum(s.duration for s in segments[segments.index(fresh[0]) :]) if fresh else 0.0
        for segment in fresh:
            wall = segment.program_date_time or now_wall - remaining
            planned.append(_Planned(segment, wall))
            remaining -= segment.duration
        if fresh:
            cursor.last_sequence = fresh[-1].sequence
            cursor.last_duration = fresh[-1].duration
        return planned

    async def _worker(self) -> None:
        target = 2.0
        last_new = time.monotonic()
        while True:
            started = time.monotonic()
            self._queue_gap = None
            delay_factor = 0.5
            try:
                playlist = await self._load()
            except PlaylistError as exc:
                self.report.error("malformed_playlist", str(exc))
                playlist = None
            except SlowDown as exc:
                self.report.reconnect(exc.reason)
                self.report.error(exc.reason, str(exc))
                await asyncio.sleep(min(MAX_SLOW_DOWN, max(exc.retry_after or 0.0, target)))
                playlist = None
            except (TooLarge, FetchError) as exc:
                self.report.error("playlist_" + exc.reason, str(exc))
                playlist = None
            if playlist is not None:
                target = max(0.5, playlist.target_duration)
                planned = self._plan(playlist, time.time())
                if self._queue_gap is not None:
                    await self._queue.put(self._queue_gap)
                for item in planned:
                    await self._queue.put(item)
                if planned:
                    last_new = time.monotonic()
                    delay_factor = 1.0
                if playlist.ended:
                    await self._queue.put(_END)
                    return
            if time.monotonic() - last_new > self.settings.stall_timeout:
                raise StreamStalled(f"no new segment in {self.settings.stall_timeout:.0f} s from {self.url}")
            await asyncio.sleep(max(0.0, started + target * delay_factor - time.monotonic()))

    # -- writer: fetch, decode, hand on, in order ------------------------
    async def _writer(self) -> None:
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            if isinstance(item, tuple):
                seconds, reason = item
                self.decoder.reset()
                await self.out.gap(seconds, reason)
                continue
            await self._segment(item)

    async def _fetch(self, segment: Segment) -> bytes:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fetch_bytes(
                    self.session, segment.url, self.settings.max_segment_bytes, self.settings.request_timeout
                )
            except TooLarge:
                raise
            except SlowDown as exc:
                self.report.error(exc.reason, str(exc))
                if attempt >= SEGMENT_ATTEMPTS:
                    raise
                await asyncio.sleep(min(MAX_SLOW_DOWN, max(exc.retry_after or 0.0, 0.5)))
            except FetchError as exc:
                if attempt >= SEGMENT_ATTEMPTS or (isinstance(exc, HTTPStatusError) and exc.status == 410):
                    raise
                await asyncio.sleep(0.25 * attempt)

    async def _segment(self, planned: _Planned) -> None:
        segment = planned.segment
        if segment.discontinuity or self._need_reset:
            self.report.segment("discontinuity")
            self.decoder.reset()
            self.out.discontinuity()
            self._need_reset = False
        try:
            data = await self._fetch(segment)
            pcm = self.decoder.decode_segment(data)
        except (FetchError, DecodeError) as exc:
            if isinstance(exc, TooLarge):
                outcome = "too_large"
            elif isinstance(exc, DecodeError):
                outcome = "corrupt"
            else:
                outcome = "missing"
            self.report.segment(outcome)
            self.report.error(f"segment_{outcome}", f"segment {segment.sequence}: {exc}")
            self.decoder.reset()
            await self.out.gap(segment.duration, outcome, planned.wall_time)
            return
        self.report.segment("ok")
        await self.out.pcm(pcm, planned.wall_time)
