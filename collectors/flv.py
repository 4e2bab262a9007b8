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
from typing import Optional

import aiohttp

from collectors.audio import AudioOut, StreamStalled
from collectors.decoder import AudioDecoder, DecodeError
from collectors.fetch import FetchError, TooLarge, check_url, raise_for_status
from collectors.metrics import StreamReport
from pantau.config import CollectorSettings

__all__ = ["FLVReader", "FLVError"]

TAG_AUDIO, TAG_VIDEO, TAG_SCRIPT = 8, 9, 18
SOUND_AAC, SOUND_MP3 = 10, 2
# Timestamps may wobble by a frame; a jump beyond this is lost audio.
JUMP_TOLERANCE = 0.5


class FLVError(FetchError):
    reason = "bad_flv"


class FLVReader:
    """Reads one HTTP-FLV stream until the server closes it."""

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        settings: CollectorSettings,
        out: AudioOut,
        report: StreamReport,
    ) -> None:
        self.url = check_url(url)
        self.session = session
        self.settings = settings
        self.out = out
        self.report = report
        self.decoder = AudioDecoder()
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
        try:
            return await asyncio.wait_for(content.readexactly(size), self.settings.stall_timeout)
        except asyncio.TimeoutError:
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
        if self.first_ms is None:
            self.first_ms = timestamp_ms
        at = (timestamp_ms - self.first_ms) / 1000
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
            await self.out.pcm(pcm, time.time() - seconds)
