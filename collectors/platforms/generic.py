"""Any live HLS playlist or HTTP-FLV stream, by URL.

The kind is ``labels["audio"]`` ("hls" or "flv") or else the URL's file
extension (``.flv`` is FLV, anything else HLS). The platform tells nothing
about live status, so the stream counts as live while media comes, and its
end is detected from ``#EXT-X-ENDLIST``, the FLV stream closing, or media
stopping for good. An ``events_url`` (WebSocket) is read in the simulator's
JSON format (see ``simulator.py``). Tried against: local ffmpeg HLS output
and the simulator; no public stream (none reachable here).
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlparse

import aiohttp

from collectors.events import WebSocketSource
from collectors.platforms.base import Platform, ResolvedStream, url_pattern
from collectors.platforms.simulator import parse_pantau_event
from pantau.records import StreamEvent, StreamSpec

__all__ = ["GenericPlatform"]


@url_pattern(r"https?://[^/\s]+/\S*\.(?:m3u8|flv)(?:\?\S*)?$")
class GenericPlatform(Platform):
    name = "generic"
    requests_per_second = 0.0  # resolving needs no request to any platform
    status_poll_seconds = 5.0

    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        kind = spec.labels.get("audio") or ("flv" if urlparse(spec.url).path.endswith(".flv") else "hls")
        events = WebSocketSource(spec.events_url) if spec.events_url else None
        return ResolvedStream(audio_url=spec.url, kind=kind, events=events, live=True)

    def parse_event(self, raw: dict[str, Any], stream_id: str) -> Optional[StreamEvent]:
        return parse_pantau_event(raw, stream_id)
