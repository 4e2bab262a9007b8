"""What an audio reader hands its decoded audio to, and how a reader stops.

A reader (``HLSReader``, ``FLVReader``) calls ``pcm`` with decoded audio in
stream order and ``gap`` for every hole; ``run()`` returns when the stream
says it is over and raises ``StreamStalled`` or a ``FetchError`` when it
cannot go on, so the supervisor can reconnect::

    class PrintOut(AudioOut):
        async def pcm(self, pcm, wall_time):
            print(len(pcm) // 2, "samples")
        async def gap(self, seconds, reason, wall_time=None):
            print("hole of", seconds, "s:", reason)
"""
from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Optional

from collectors.decoder import AudioDecoder
from collectors.fetch import check_url

if TYPE_CHECKING:
    import aiohttp

    from collectors.metrics import StreamReport
    from pantau.config import CollectorSettings

__all__ = ["AudioOut", "AudioReader", "StreamStalled", "GAP_REASONS"]

# Bounded values of the ``reason`` label of pantau_audio_gaps_total.
GAP_REASONS = ("skipped", "missing", "corrupt", "too_large", "reconnect", "timestamp_jump")


class StreamStalled(Exception):
    """No new media for longer than the stall timeout."""

    reason = "stalled"


class AudioOut(abc.ABC):
    """The consumer side of an audio reader; awaiting it is the backpressure."""

    @abc.abstractmethod
    async def pcm(self, pcm: bytes, wall_time: Optional[float]) -> None:
        """Called with 16 kHz mono s16le PCM; ``wall_time`` is when its first sample was spoken."""

    @abc.abstractmethod
    async def gap(self, seconds: float, reason: str, wall_time: Optional[float] = None) -> None:
        """Called for ``seconds`` of stream that will never be heard (``reason`` in GAP_REASONS)."""

    def discontinuity(self) -> None:
        """Called when the stream says its timeline restarts (counted; audio goes on)."""


class AudioReader(abc.ABC):
    """Reads one stream's audio from ``url`` into ``out``; one instance per connection.

    A subclass implements ``run``, called once by the supervisor: it returns
    when the stream says it is over and raises ``StreamStalled`` or
    ``FetchError`` when it cannot go on. State that must survive a reconnect
    (where reading stands) lives in a cursor the supervisor keeps::

        class SilenceReader(AudioReader):
            async def run(self):
                await self.out.pcm(b"\\0\\0" * 16_000, wall_time=None)
    """

    def __init__(
        self,
        url: str,
        session: "aiohttp.ClientSession",
        settings: "CollectorSettings",
        out: AudioOut,
        report: "StreamReport",
    ) -> None:
        self.url = check_url(url)
        self.session = session
        self.settings = settings
        self.out = out
        self.report = report
        self.decoder = AudioDecoder()

    @abc.abstractmethod
    async def run(self) -> None:
        """Read until the end of the stream (return) or a failure (raise)."""
