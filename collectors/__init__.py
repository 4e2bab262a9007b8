"""Collectors: where Pantau listens to live streams.

Audio (live HLS, HTTP-FLV) is decoded to 16 kHz mono ``AudioChunk``s; platform
events become ``StreamEvent``s; the ``Supervisor`` keeps hundreds of streams
attached through stalls, drops, rate limits and garbage::

    supervisor = Supervisor(settings.collectors, audio_sink=audio.put, event_sink=events.put,
                            metrics=CollectorMetrics(registry))
    await supervisor.attach(StreamSpec(stream_id="room-1", url="https://cdn.example/live.m3u8"))
    ...
    await supervisor.close()

The simulated live-shopping platform is the subpackage ``collectors.simulator``.
"""
from collectors.audio import AudioOut, AudioReader, StreamStalled
from collectors.chunker import AudioChunker
from collectors.decoder import AudioDecoder, DecodeError
from collectors.events import EventReader, EventSource, UnknownEvent, WebSocketSource
from collectors.fetch import FetchError, SlowDown, UnsafeURL, check_url
from collectors.flv import FLVReader
from collectors.hls import HLSCursor, HLSReader
from collectors.metrics import CollectorMetrics, StreamReport
from collectors.platforms import Platform, ResolvedStream, load_platforms, platform_for_spec, url_pattern
from collectors.playlist import MediaPlaylist, PlaylistError, parse_playlist
from collectors.supervisor import StreamWatch, Supervisor

__all__ = [
    "Supervisor",
    "StreamWatch",
    "CollectorMetrics",
    "StreamReport",
    "HLSReader",
    "HLSCursor",
    "FLVReader",
    "AudioOut",
    "AudioReader",
    "AudioChunker",
    "AudioDecoder",
    "DecodeError",
    "StreamStalled",
    "EventReader",
    "EventSource",
    "WebSocketSource",
    "UnknownEvent",
    "FetchError",
    "SlowDown",
    "UnsafeURL",
    "check_url",
    "Platform",
    "ResolvedStream",
    "url_pattern",
    "load_platforms",
    "platform_for_spec",
    "MediaPlaylist",
    "PlaylistError",
    "parse_playlist",
]
