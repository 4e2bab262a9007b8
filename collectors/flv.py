"""HTTP-FLV audio: one long response of FLV tags, AAC (or MP3) audio decoded as it comes.

Tags are parsed here, with a size bound per tag, so a hostile server cannot
make the reader buffer more than one tag. The AAC sequence header gives the
decoder its configuration; tag timestamps give stream time, and a jump in
them is a counted gap::

    reader = FLVReader(url, session, settings, out, report)
    await reader.run()      # returns when the server ends the stream
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Optional

import aiohttp

from collectors.audio import AudioOut, AudioReader, StreamStalled
from collectors.decoder import DecodeError
from collectors.fetch import FetchError, TooLarge, raise_for_status
from collectors.metrics import StreamReport
from pantau.config import CollectorSettings

__all__ = ["FLVReader", "FLVCursor", "FLVError"]

TAG_AUDIO, TAG_VIDEO, TAG_SCRIPT = 8, 9, 18
SOUND_AAC, SOUND_MP3 = 10, 2
# Timestamps may wobble by a frame; a jump beyond this is lost audio.
JUMP_TOLERANCE = 0.5
# A reconnect's first tag this close to where we left off is on the same timeline.
SAME_TIMELINE_MS = (-30_000, 60_000)


class FLVError(FetchError):
    reason = "bad_flv"


@dataclass
class FLVCursor:
    """Where a stream's FLV reading stands, kept across reconnects.

    Edge servers usually keep the stream's tag timeline across connections and
    start a new one a little behind the live edge: tags already heard are then
    dropped by timestamp and a hole is measured exactly. A server that restarts
    its timeline per connection leaves only the wall clock to measure the hole.
    """

    last_ms: Optional[float] = None  # end of the last audio heard, on the tag timeline
    last_wall: Optional[float] = None  # when that audio was received


class FLVReader(AudioReader):
    """Reads one HTTP-FLV stream until the server closes it."""

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        settings: CollectorSettings,
        out: AudioOut,
        report: StreamReport,
        cursor: Optional[FLVCursor] = None,
    ) -> None:
        super().__init__(url, session, settings, out, report)
        self.cursor = cursor or FLVCursor()
        self.extradata: Optional[bytes] = None
        self.first_ms: Optional[int] = None
        self.heard = 0.0  # seconds of audio decoded, on the tag timeline

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, connect=self.settings.request_timeout, sock_connect=self.settings.request_timeout)
        try:
            async with self.session.get(self.url, timeout=timeout) as response:
                raise_for_status(self.url, response)
                content = response.content
                header = await self._read(content, 9)
                if header[:3] != b"FLV":
                    raise FLVError(f"{self.url} is not an FLV stream")
                await self._read(content, int.from_bytes(header[5:9], "big") - 9 + 4)
                while True:
                    head = await self._read(content, 11, eof_ok=True)
                    if not head:
                        return
                    size = int.from_bytes(head[1:4], "big")
                    if size > self.settings.max_segment_bytes:
                        raise TooLarge(self.url, self.settings.max_segment_bytes)
                    body = await self._read(content, size + 4)
                    timestamp = int.from_bytes(head[4:7], "big") | (head[7] << 24)
                    if head[0] & 0x1F == TAG_AUDIO and size > 0:
                        await self._audio(timestamp, body[:size])
        except (aiohttp.ClientError, ValueError) as exc:
            raise FetchError(f"FLV stream {self.url} broke: {type(exc).__name__}: {exc}") from None

    async def _read(self, content: aiohttp.StreamReader, size: int, eof_ok: bool = False) -> bytes:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for lets a read
        # that completes as the task is cancelled win over the cancellation,
        # and the reader then goes on reading the live stream for ever.
        try:
            async with asyncio.timeout(self.settings.stall_timeout):
                return await content.readexactly(size)
        except TimeoutError:
            raise StreamStalled(f"no FLV data in {self.settings.stall_timeout:.0f} s from {self.url}") from None
        except asyncio.IncompleteReadError as exc:
            if eof_ok and not exc.partial:
                return b""
            raise FetchError(f"FLV stream {self.url} ended inside a tag") from None

    async def _audio(self, timestamp_ms: int, data: bytes) -> None:
        sound_format = data[0] >> 4
        if sound_format == SOUND_AAC:
            if len(data) < 2:
                return
            if data[1] == 0:  # AudioSpecificConfig: (re)configure the decoder
                if self.extradata != data[2:]:
                    self.extradata = data[2:]
                    self.decoder.reset()
                return
            codec, payload, extradata = "aac", data[2:], self.extradata
            if extradata is None:
                self.report.error("flv_no_config", "AAC frame before its sequence header")
                return
        elif sound_format == SOUND_MP3:
            codec, payload, extradata = "mp3", data[1:], None
        else:
            self.report.error("flv_codec", f"unsupported FLV sound format {sound_format}")
            return
        if self.first_ms is None and not await self._rejoin(timestamp_ms):
            return
        assert self.first_ms is not None
        at = (timestamp_ms - self.first_ms) / 1000
        if at + 0.001 < self.heard - JUMP_TOLERANCE:
            return  # already heard: a replay after a reconnect, or a server's backwards step
        if at - self.heard > JUMP_TOLERANCE:
            self.decoder.reset()
            await self.out.gap(at - self.heard, "timestamp_jump")
            self.heard = at
        try:
            pcm = self.decoder.decode_frame(codec, extradata, payload)
        except DecodeError as exc:
            self.report.error("flv_corrupt_frame", str(exc))
            self.decoder.reset()
            return
        if pcm:
            seconds = len(pcm) / 32000
            self.heard += seconds
            now = time.time()
            self.cursor.last_ms = self.first_ms + self.heard * 1000
            self.cursor.last_wall = now
            await self.out.pcm(pcm, now - seconds)

    async def _rejoin(self, timestamp_ms: int) -> bool:
        """Place this connection's first audio tag; False when it was already heard."""
        last_ms, last_wall = self.cursor.last_ms, self.cursor.last_wall
        if last_ms is None or last_wall is None:
            self.first_ms = timestamp_ms
            return True
        low, high = SAME_TIMELINE_MS
        if low <= timestamp_ms - last_ms <= high:
            # Same timeline: tags up to where we left off are replays.
            if timestamp_ms + 1 < last_ms:
                return False
            self.first_ms = int(last_ms)
            lost = (timestamp_ms - last_ms) / 1000
            if lost > JUMP_TOLERANCE:
                await self.out.gap(lost, "reconnect")
                self.first_ms = timestamp_ms
            return True
        # A new timeline: only the wall clock says how long we were away.
        self.first_ms = timestamp_ms
        lost = time.time() - last_wall
        if lost > JUMP_TOLERANCE:
            await self.out.gap(lost, "reconnect")
        return True
