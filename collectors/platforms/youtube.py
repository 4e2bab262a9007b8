"""YouTube Live, resolved with yt-dlp (``pip install yt-dlp``, imported only when used).

yt-dlp's ``extract_info`` gives ``live_status`` ("is_live", "is_upcoming",
"was_live", "post_live", "not_live") and the formats; a live broadcast offers
HLS formats (``protocol`` "m3u8_native"/"m3u8", ``url`` a media playlist).
The cheapest format that carries audio is read: audio-only if offered, else
the lowest-bitrate muxed one (the collector decodes only its audio). The
blocking library call runs in a worker thread. YouTube live chat is not read.

Tried against: recorded ``extract_info`` output only
(``tests/resources/platforms/youtube``), shaped as yt-dlp documents its info
dict; never against the live service (not reachable from where Pantau was
built).
"""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import aiohttp
from pydantic import BaseModel, ConfigDict

from collectors.fetch import FetchError
from collectors.platforms.base import Platform, ResolvedStream, url_pattern
from pantau.errors import UserError
from pantau.records import StreamSpec

__all__ = ["YouTubePlatform"]


class _Format(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format_id: str = ""
    url: str = ""
    protocol: str = ""
    acodec: Optional[str] = None
    vcodec: Optional[str] = None
    tbr: Optional[float] = None


class InfoDict(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    title: str = ""
    live_status: Optional[str] = None
    is_live: Optional[bool] = None
    formats: list[_Format] = []


def _audio_format(formats: list[_Format]) -> Optional[_Format]:
    hls = [f for f in formats if f.protocol.startswith("m3u8") and f.url and f.acodec not in (None, "none")]
    audio_only = [f for f in hls if f.vcodec in (None, "none")]
    candidates = audio_only or hls
    return min(candidates, key=lambda f: f.tbr or float("inf")) if candidates else None


@url_pattern(r"https?://(?:www\.|m\.)?youtube\.com/watch\?(?:.*&)?v=(?P<video>[\w-]{11})")
@url_pattern(r"https?://(?:www\.|m\.)?youtube\.com/live/(?P<video>[\w-]{11})")
@url_pattern(r"https?://(?:www\.|m\.)?youtube\.com/(?:@[\w.-]+|channel/[\w-]+)/live/?$")
@url_pattern(r"https?://youtu\.be/(?P<video>[\w-]{11})")
class YouTubePlatform(Platform):
    name = "youtube"
    requests_per_second = 0.5
    status_poll_seconds = 60.0

    def extract_info(self, url: str) -> dict[str, Any]:
        """Ask yt-dlp about ``url`` (blocking; called in a worker thread)."""
        try:
            import yt_dlp
        except ImportError:
            raise UserError("YouTube streams need yt-dlp: pip install yt-dlp") from None
        options = {"quiet": True, "no_warnings": True, "skip_download": True, "noplaylist": True}
        with yt_dlp.YoutubeDL(options) as ydl:
            return ydl.extract_info(url, download=False)

    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        try:
            raw = await asyncio.to_thread(self.extract_info, spec.url)
        except UserError:
            raise
        except Exception as exc:  # yt-dlp's DownloadError and kin: "not live yet", network, blocked
            raise FetchError(f"yt-dlp could not resolve {spec.url}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
        return self.from_info(InfoDict.model_validate(raw))

    def from_info(self, info: InfoDict) -> ResolvedStream:
        status = info.live_status or ("is_live" if info.is_live else "not_live")
        if status != "is_live":
            return ResolvedStream(audio_url=None, live=False, ended=status in ("was_live", "post_live"), title=info.title)
        chosen = _audio_format(info.formats)
        if chosen is None:
            raise ValueError(f"YouTube live {info.id} offers no HLS format with audio")
        return ResolvedStream(audio_url=chosen.url, kind="hls", live=True, title=info.title)
