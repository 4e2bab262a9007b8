"""The one small interface every platform adapter implements, and how adapters are found.

An adapter is a module in ``collectors/platforms/`` with one ``Platform``
subclass, its URL patterns declared with ``@url_pattern``. Nothing lists the
adapters: ``load_platforms`` scans the package. Example::

    @url_pattern(r"https?://live\\.example\\.com/(?P<room>\\w+)")
    class Example(Platform):
        name = "example"

        async def resolve(self, spec, session):
            return ResolvedStream(audio_url=spec.url, kind="hls")

        def parse_event(self, raw, stream_id):
            return None
"""
from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Optional

import aiohttp

from collectors.events import EventSource
from pantau.config import CollectorSettings
from pantau.records import StreamEvent, StreamSpec

__all__ = ["Platform", "ResolvedStream", "url_pattern", "AUDIO_KINDS"]

AUDIO_KINDS = ("hls", "flv")


@dataclass
class ResolvedStream:
    """Where a stream's audio and events are right now, and whether it is live.

    ``live=False`` means "not on air yet (or any more)": the supervisor polls
    again later and reads nothing meanwhile.
    """

    audio_url: Optional[str]
    kind: str = "hls"
    events: Optional[EventSource] = None
    live: bool = True
    title: str = ""
    # The platform says this broadcast is over (not merely "not started").
    ended: bool = False

    def __post_init__(self) -> None:
        if self.kind not in AUDIO_KINDS:
            raise ValueError(f"audio kind must be one of {AUDIO_KINDS}, got {self.kind!r}")
        if self.ended:
            self.live = False
        if self.live and not self.audio_url:
            raise ValueError("a live stream needs an audio URL")


def url_pattern(pattern: str, flags: int = re.IGNORECASE) -> Callable[[type["Platform"]], type["Platform"]]:
    """Declare a URL pattern the decorated adapter handles (stackable)."""

    def decorate(cls: type["Platform"]) -> type["Platform"]:
        cls.url_patterns = [*cls.__dict__.get("url_patterns", []), re.compile(pattern, flags)]
        return cls

    return decorate


class Platform(abc.ABC):
    """A live platform: resolves a stream to media URLs, parses the platform's events.

    ``resolve`` is called when a stream is attached, after each reconnect and
    while polling a stream that is not live yet; every call spends one token of
    the platform's request budget (``requests_per_second``). ``parse_event`` is
    called with each raw message of the stream's event source; it returns None
    for messages of no interest and raises ``UnknownEvent`` for unknown types.
    """

    name: ClassVar[str] = ""
    url_patterns: ClassVar[list[re.Pattern[str]]] = []
    requests_per_second: ClassVar[float] = 2.0
    # How often to ask whether a stream that is not live has started.
    status_poll_seconds: ClassVar[float] = 15.0

    def __init__(self, settings: CollectorSettings) -> None:
        self.settings = settings

    @classmethod
    def match_url(cls, url: str) -> Optional[re.Match[str]]:
        for pattern in cls.url_patterns:
            found = pattern.match(url)
            if found:
                return found
        return None

    @abc.abstractmethod
    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        """Find the stream's current audio URL, event source and live status."""

    def parse_event(self, raw: dict[str, Any], stream_id: str) -> Optional[StreamEvent]:
        """Turn one raw platform message into a StreamEvent (None: not of interest)."""
        return None
