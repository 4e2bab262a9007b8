"""A room's rendered audio in the two shapes the simulator serves it.

HLS serves the committed MPEG-TS segments as they are. HTTP-FLV needs the
same AAC frames in FLV tags, so the segments are demultiplexed here (TS
packets -> PES payloads -> ADTS frames) and each frame becomes one FLV audio
tag at serve time; the AudioSpecificConfig comes from the ADTS header::

    >>> from collectors.simulator.rooms import ROOMS_DIR, load_room
    >>> media = RoomMedia.load(load_room(ROOMS_DIR / "batik-laweyan.toml"))
    >>> media.frames_per_segment, flv_header()[:3]
    (32, b'FLV')
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import av
import numpy as np

from collectors.simulator.rooms import Room

__all__ = [
    "RoomMedia",
    "adts_frames",
    "ts_audio_payload",
    "flv_header",
    "flv_metadata_tag",
    "flv_audio_tag",
    "decode_room_pcm",
]

TS_PACKET = 188
AAC_FRAME_SAMPLES = 1024


def ts_audio_payload(ts: bytes) -> bytes:
    """The concatenated payload of the audio PES packets in an MPEG-TS buffer."""
    out = bytearray()
    audio_pid = None
    in_audio = False
    for offset in range(0, len(ts) - TS_PACKET + 1, TS_PACKET):
        packet = ts[offset : offset + TS_PACKET]
        if packet[0] != 0x47:
            raise ValueError(f"lost MPEG-TS sync at byte {offset}")
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        start = bool(packet[1] & 0x40)
        control = (packet[3] >> 4) & 0x3
        if not control & 0x1:
            continue
        body = packet[4:]
        if control & 0x2:
            body = body[1 + body[0] :]
        if start and body[:3] == b"\x00\x00\x01":
            in_audio = 0xC0 <= body[3] <= 0xDF
            if in_audio:
                audio_pid = pid
                body = body[9 + body[8] :]
        elif pid != audio_pid:
            continue
        if in_audio and pid == audio_pid:
            out += body
    return bytes(out)


def adts_frames(stream: bytes) -> tuple[bytes, list[bytes]]:
    """Split an ADTS stream into raw AAC frames; returns (AudioSpecificConfig, frames)."""
    frames = []
    config = b""
    pos = 0
    while pos + 7 <= len(stream):
        if stream[pos] != 0xFF or stream[pos + 1] & 0xF0 != 0xF0:
            raise ValueError(f"lost ADTS sync at byte {pos}")
        header_len = 7 if stream[pos + 1] & 0x01 else 9
        length = ((stream[pos + 3] & 0x03) << 11) | (stream[pos + 4] << 3) | (stream[pos + 5] >> 5)
        if not config:
            object_type = (stream[pos + 2] >> 6) + 1
            rate_index = (stream[pos + 2] >> 2) & 0x0F
            channels = ((stream[pos + 2] & 0x01) << 2) | (stream[pos + 3] >> 6)
            config = struct.pack(">H", (object_type << 11) | (rate_index << 7) | (channels << 3))
        frames.append(stream[pos + header_len : pos + length])
        pos += length
    return config, frames


def flv_header() -> bytes:
    """FLV file header (audio only) followed by PreviousTagSize0."""
    return b"FLV\x01\x04\x00\x00\x00\x09" + b"\x00\x00\x00\x00"


def _tag(tag_type: int, timestamp_ms: int, data: bytes) -> bytes:
    ts = timestamp_ms & 0xFFFFFFFF
    head = struct.pack(">B", tag_type) + len(data).to_bytes(3, "big")
    head += (ts & 0xFFFFFF).to_bytes(3, "big") + bytes([ts >> 24]) + b"\x00\x00\x00"
    return head + data + struct.pack(">I", 11 + len(data))


def _amf_string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack(">H", len(raw)) + raw


def flv_metadata_tag(sample_rate: int) -> bytes:
    """The onMetaData script tag a player reads first."""
    fields = {"duration": 0.0, "audiocodecid": 10.0, "audiosamplerate": float(sample_rate), "audiosamplesize": 16.0}
    body = b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", len(fields) + 1)
    for key, value in fields.items():
        body += _amf_string(key) + b"\x00" + struct.pack(">d", value)
    body += _amf_string("stereo") + b"\x01\x00" + b"\x00\x00\x09"
    return _tag(18, 0, body)


def flv_audio_tag(timestamp_ms: int, payload: bytes, sequence_header: bool = False) -> bytes:
    """An AAC audio tag: the AudioSpecificConfig (sequence header) or one raw frame."""
    # 0xAF: AAC, and the rate/size/type bits FLV requires to be fixed for AAC.
    return _tag(8, timestamp_ms, b"\xaf" + (b"\x00" if sequence_header else b"\x01") + payload)


@dataclass
class RoomMedia:
    """A room's segments (bytes) and their AAC frames, loaded once per server."""

    segments: list[bytes]
    frames: list[list[bytes]]
    audio_config: bytes
    sample_rate: int

    @property
    def frames_per_segment(self) -> int:
        return len(self.frames[0]) if self.frames else 0

    @property
    def frame_seconds(self) -> float:
        return AAC_FRAME_SAMPLES / self.sample_rate

    @classmethod
    def load(cls, room: Room) -> "RoomMedia":
        segments = [room.segment_path(n).read_bytes() for n in range(room.segment_count)]
        frames = []
        config = b""
        for data in segments:
            config, segment_frames = adts_frames(ts_audio_payload(data))
            frames.append(segment_frames)
        rate_index = (int.from_bytes(config, "big") >> 7) & 0x0F
        rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
        return cls(segments, frames, config, rates[rate_index])


def decode_room_pcm(room: Room, sample_rate: int = 16_000) -> np.ndarray:
    """One loop of a room's audio decoded to mono int16 PCM (for checks and tests)."""
    data = b"".join(room.segment_path(n).read_bytes() for n in range(room.segment_count))
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    chunks = []
    with av.open(io.BytesIO(data), format="mpegts") as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
