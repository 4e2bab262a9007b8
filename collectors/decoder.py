"""Compressed audio in, 16 kHz mono signed 16-bit PCM out (PyAV).

One decoder lives as long as a stream's audio is continuous: AAC frames
overlap, so decoding each HLS segment with a fresh decoder would leave a
click at every boundary. After a discontinuity or a hole the caller
``reset``s it, because the old decoder state belongs to audio that no longer
follows::

    >>> decoder = AudioDecoder()
    >>> decoder.decode_segment(b"not audio")
    Traceback (most recent call last):
    ...
    collectors.decoder.DecodeError: segment holds no decodable audio (EOFError)
"""
from __future__ import annotations

import io
from typing import Optional

import av

from pantau.records import SAMPLE_RATE

__all__ = ["AudioDecoder", "DecodeError"]


class DecodeError(ValueError):
    """The bytes are not audio PyAV can decode."""


class AudioDecoder:
    """Decodes a stream's segments or frames, keeping codec state between them."""

    def __init__(self) -> None:
        self._codec: Optional[av.CodecContext] = None
        self._codec_key: tuple = ()
        self._resampler: Optional[av.AudioResampler] = None

    def reset(self) -> None:
        """Forget codec and resampler state (after a discontinuity or a gap)."""
        self._codec = None
        self._codec_key = ()
        self._resampler = None

    def _context(self, name: str, extradata: Optional[bytes]) -> av.CodecContext:
        key = (name, extradata)
        if self._codec is None or self._codec_key != key:
            codec = av.CodecContext.create(name, "r")
            if extradata:
                codec.extradata = extradata
            self._codec, self._codec_key = codec, key
            self._resampler = None
        return self._codec

    def _pcm(self, frames) -> bytearray:
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        out = bytearray()
        for frame in frames:
            frame.pts = None  # frames from separately demuxed segments carry unrelated timestamps
            for resampled in self._resampler.resample(frame):
                out += bytes(resampled.planes[0])[: resampled.samples * 2]
        return out

    def decode_segment(self, data: bytes, container_format: Optional[str] = "mpegts") -> bytes:
        """Decode one media segment (MPEG-TS by default) to PCM."""
        try:
            with av.open(io.BytesIO(data), format=container_format) as container:
                streams = container.streams.audio
                if not streams:
                    raise DecodeError("segment holds no audio stream")
                stream = streams[0]
                codec = self._context(stream.codec_context.name, stream.codec_context.extradata)
                out = bytearray()
                for packet in container.demux(stream):
                    if packet.size == 0:
                        continue
                    out += self._pcm(codec.decode(packet))
        except (av.error.FFmpegError, ValueError, IndexError) as exc:
            if isinstance(exc, DecodeError):
                raise
            raise DecodeError(f"segment holds no decodable audio ({type(exc).__name__})") from None
        if not out:
            raise DecodeError("segment holds no decodable audio")
        return bytes(out)

    def decode_frame(self, codec_name: str, extradata: Optional[bytes], payload: bytes) -> bytes:
        """Decode one raw codec frame (an FLV audio tag's payload) to PCM."""
        try:
            codec = self._context(codec_name, extradata)
            return bytes(self._pcm(codec.decode(av.Packet(payload))))
        except (av.error.FFmpegError, ValueError) as exc:
            raise DecodeError(f"audio frame is not decodable ({type(exc).__name__})") from None
