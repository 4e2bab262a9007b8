"""A strict parser for HLS media playlists (RFC 8216), just what live audio needs.

    >>> p = parse_playlist("#EXTM3U\\n#EXT-X-TARGETDURATION:2\\n#EXT-X-MEDIA-SEQUENCE:7\\n"
    ...                    "#EXTINF:2.0,\\na.ts\\n", "http://h/live.m3u8")
    >>> p.media_sequence, p.segments[0].sequence, p.segments[0].url
    (7, 7, 'http://h/a.ts')

Anything malformed raises ``PlaylistError``: a reader must skip a broken
playlist, never guess at sequence numbers from one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urljoin

__all__ = ["Segment", "MediaPlaylist", "PlaylistError", "parse_playlist"]


class PlaylistError(ValueError):
    """The playlist is not a valid HLS media playlist."""


@dataclass(frozen=True)
class Segment:
    sequence: int
    url: str
    duration: float
    discontinuity: bool = False
    # Absolute time of the segment's first sample, from #EXT-X-PROGRAM-DATE-TIME.
    program_date_time: Optional[float] = None


@dataclass
class MediaPlaylist:
    target_duration: float
    media_sequence: int
    segments: list[Segment] = field(default_factory=list)
    discontinuity_sequence: int = 0
    ended: bool = False
    # Variant streams, when this turned out to be a master playlist.
    variants: list[tuple[int, str]] = field(default_factory=list)

    @property
    def last_sequence(self) -> int:
        return self.media_sequence + len(self.segments) - 1


def _number(tag: str, value: str, kind: type = int):
    try:
        number = kind(value.strip())
    except ValueError:
        raise PlaylistError(f"{tag} has a non-numeric value {value.strip()[:40]!r}") from None
    if number < 0:
        raise PlaylistError(f"{tag} is negative")
    return number


def _date(value: str) -> Optional[float]:
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None  # a bad date costs us wall-clock precision only


def _attribute(attributes: str, name: str) -> Optional[str]:
    for part in attributes.split(","):
        key, _, value = part.partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None


def parse_playlist(text: str, url: str) -> MediaPlaylist:
    """Parse playlist ``text`` fetched from ``url`` (segment URLs are resolved against it)."""
    lines = [line.strip() for line in text.splitlines()]
    # A body cut short (a dropped connection, a proxy) ends mid-line; its last
    # line may be half a URI. Leave it out: the next reload lists it whole.
    cut = bool(text) and not text.endswith(("\n", "\r"))
    if cut and len(lines) > 1:
        lines.pop()
    lines = [line for line in lines if line]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("playlist does not start with #EXTM3U")
    target: Optional[float] = None
    media_sequence = 0
    discontinuity_sequence = 0
    ended = False
    segments: list[Segment] = []
    variants: list[tuple[int, str]] = []
    pending_duration: Optional[float] = None
    pending_discontinuity = False
    pending_date: Optional[float] = None
    pending_bandwidth: Optional[int] = None
    for line in lines[1:]:
        if line.startswith("#"):
            tag, _, value = line.partition(":")
            if tag == "#EXT-X-TARGETDURATION":
                target = float(_number(tag, value))
            elif tag == "#EXT-X-MEDIA-SEQUENCE":
                media_sequence = _number(tag, value)
            elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
                discontinuity_sequence = _number(tag, value)
            elif tag == "#EXTINF":
                pending_duration = _number(tag, value.split(",", 1)[0], float)
            elif tag == "#EXT-X-DISCONTINUITY":
                pending_discontinuity = True
            elif tag == "#EXT-X-PROGRAM-DATE-TIME":
                pending_date = _date(value)
            elif tag == "#EXT-X-ENDLIST":
                ended = True
            elif tag == "#EXT-X-STREAM-INF":
                bandwidth = _attribute(value, "BANDWIDTH")
                pending_bandwidth = _number(tag, bandwidth) if bandwidth else 0
            continue
        if pending_bandwidth is not None:
            variants.append((pending_bandwidth, urljoin(url, line)))
            pending_bandwidth = None
            continue
        if pending_duration is None:
            raise PlaylistError(f"segment {line[:60]!r} has no #EXTINF")
        segments.append(
            Segment(
                sequence=media_sequence + len(segments),
                url=urljoin(url, line),
                duration=pending_duration,
                discontinuity=pending_discontinuity,
                program_date_time=pending_date,
            )
        )
        pending_duration, pending_discontinuity, pending_date = None, False, None
    if variants:
        return MediaPlaylist(target_duration=0.0, media_sequence=0, variants=variants)
    if target is None:
        raise PlaylistError("playlist has no #EXT-X-TARGETDURATION")
    if pending_duration is not None and not cut:
        raise PlaylistError("playlist ends after an #EXTINF with no segment (truncated)")
    return MediaPlaylist(target, media_sequence, segments, discontinuity_sequence, ended)
