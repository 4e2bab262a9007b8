"""A room on air: its clock, the live HLS window, its events, its faults.

Room time runs from the moment the room goes live, scaled by ``speed`` (tests
use a fast or a hand-driven clock). The room has been "on air" for
``window`` segments before that moment, so a playlist is full from the first
request. Segment ``seq`` covers room time ``[seq*d, (seq+1)*d)`` and is
published once the room clock passes its end; the room's audio loops, and
the playlist marks each loop with ``#EXT-X-DISCONTINUITY``::

    >>> clock = ManualClock()
    >>> room = LiveRoom(load_rooms(["batik-laweyan"])[0], clock=clock)
    >>> room.published()
    6
    >>> clock.advance(2.1); room.published()
    7
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from collectors.simulator.faults import RoomFaults
from collectors.simulator.media import RoomMedia
from collectors.simulator.rooms import Room, RoomEvent

__all__ = ["LiveRoom", "ManualClock", "WAITING", "LIVE", "ENDED"]

WAITING, LIVE, ENDED = "waiting", "live", "ended"
# How far back a client may still fetch segments (a short DVR window).
HISTORY_SEGMENTS = 60


class ManualClock:
    """A clock tests move by hand: ``clock.advance(seconds)``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Scheduled:
    """A room event placed on the room's absolute timeline (all loops)."""

    time: float
    loop: int
    event: RoomEvent


class LiveRoom:
    """The live state of one room inside a running simulator."""

    def __init__(
        self,
        room: Room,
        clock: Callable[[], float] = time.monotonic,
        speed: float = 1.0,
        window: int = 6,
        media: Optional[RoomMedia] = None,
    ) -> None:
        durations = set(round(d, 6) for d in room.segment_durations)
        if len(durations) != 1:
            raise ValueError(f"room {room.room_id}: segments must all have one duration, got {sorted(durations)}")
        self.room = room
        self.media = media or RoomMedia.load(room)
        self.clock = clock
        self.speed = speed
        self.window = window
        self.segment_seconds = durations.pop()
        self.loop_segments = room.segment_count
        self.loop_seconds = self.segment_seconds * self.loop_segments
        self.faults = RoomFaults()
        self._clock0 = clock()
        self._wall0 = time.time()
        self.live_at = room.live_after
        self.end_at = None if room.end_after is None else room.live_after + room.end_after
        self.skipped = 0.0
        self._stall_until = -math.inf
        self._stall_published = 0
        # Open WebSocket and FLV requests, cut by drop_connection; the
        # WebSockets also get a proper close when the server shuts down.
        self.connections: set = set()
        self.sockets: set = set()
        # Room time of the first media a client received: where its capture began.
        self.capture_origin: Optional[float] = None
        self._first_requests = 0

    # -- clock -------------------------------------------------------------
    def elapsed(self) -> float:
        """Seconds of room-clock since the simulator started (scaled by speed)."""
        return (self.clock() - self._clock0) * self.speed

    def wall_time(self, room_time: Optional[float] = None) -> float:
        """Unix time now, or when the room clock showed ``room_time``."""
        now = self._wall0 + (self.clock() - self._clock0)
        if room_time is None:
            return now
        return now - (self.room_time() - room_time) / self.speed

    def status(self) -> str:
        elapsed = self.elapsed()
        if elapsed < self.live_at:
            return WAITING
        if self.end_at is not None and elapsed >= self.end_at:
            return ENDED
        return LIVE

    def preroll(self) -> float:
        return self.window * self.segment_seconds

    def room_time(self) -> float:
        """Position in the room's (looping) audio timeline; frozen once ended."""
        elapsed = self.elapsed()
        if self.end_at is not None:
            elapsed = min(elapsed, self.end_at)
        return self.preroll() + max(0.0, elapsed - self.live_at) + self.skipped

    def schedule(self, live_in: Optional[float] = None, end_in: Optional[float] = None) -> None:
        """Take the room off air until ``live_in`` s from now, and/or end it ``end_in`` s from now."""
        now = self.elapsed()
        if live_in is not None:
            self.live_at = now + live_in
            self.skipped = 0.0
            self.end_at = None
        if end_in is not None:
            self.end_at = max(now, self.live_at) + end_in

    # -- HLS ---------------------------------------------------------------
    def published(self) -> int:
        """How many segments exist: segments 0 .. published()-1."""
        return int(self.room_time() / self.segment_seconds + 1e-9)

    def stall(self, seconds: float) -> None:
        self._stall_published = self.playlist_edge()
        self._stall_until = self.elapsed() + seconds

    def skip(self, segments: int) -> None:
        self.skipped += segments * self.segment_seconds

    def playlist_edge(self) -> int:
        """One past the last segment the playlist lists (frozen while stalled)."""
        if self.elapsed() < self._stall_until:
            return self._stall_published
        return self.published()

    def segment_available(self, seq: int) -> bool:
        published = self.published()
        return max(0, published - HISTORY_SEGMENTS) <= seq < published

    def segment_bytes(self, seq: int) -> bytes:
        # A reader may fetch its first window's segments in parallel: the
        # capture began at the earliest of them.
        if self._first_requests < self.window:
            self._first_requests += 1
            start = seq * self.segment_seconds
            self.capture_origin = start if self.capture_origin is None else min(self.capture_origin, start)
        return self.media.segments[seq % self.loop_segments]

    def playlist(self) -> str:
        """The live sliding-window playlist as it stands now."""
        edge = self.playlist_edge()
        first = max(0, edge - self.window)
        loop_first = first // self.loop_segments
        shows_tag = first > 0 and first % self.loop_segments == 0
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{math.ceil(self.segment_seconds)}",
            f"#EXT-X-MEDIA-SEQUENCE:{first}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{loop_first - 1 if shows_tag else loop_first}",
        ]
        for seq in range(first, edge):
            if seq > 0 and seq % self.loop_segments == 0:
                lines.append("#EXT-X-DISCONTINUITY")
            wall = self.wall_time(seq * self.segment_seconds)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f".{int(wall % 1 * 1000):03d}"
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp}Z")
            lines.append(f"#EXTINF:{self.segment_seconds:.3f},")
            lines.append(f"segments/{seq}.ts")
        if self.status() == ENDED:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    # -- events ------------------------------------------------------------
    def events_between(self, after: float, until: float) -> Iterator[Scheduled]:
        """Room events with absolute room time in ``(after, until]``, across loops."""
        if until <= after:
            return
        for loop in range(int(after // self.loop_seconds), int(until // self.loop_seconds) + 1):
            base = loop * self.loop_seconds
            for event in self.room.events:
                at = base + event.at
                if after < at <= until:
                    yield Scheduled(at, loop, event)

    def latest(self, kind: str, until: float) -> Optional[Scheduled]:
        """The last event of ``kind`` at or before room time ``until`` (for a new client's snapshot)."""
        found = None
        start = max(0.0, until - self.loop_seconds) - 1e-9
        for item in self.events_between(start, until):
            if item.event.kind == kind:
                found = item
        return found
