"""Faults a room can be told to commit, so collectors can be tested against them.

``POST /rooms/{room}/faults`` with ``{"mode": ..., ...}`` arms one; counted
faults are used up by the responses they spoil::

    >>> faults = RoomFaults()
    >>> faults.arm({"mode": "http_429", "count": 2})["http_429"]
    2
    >>> faults.take("http_429"), faults.take("http_429"), faults.take("http_429")
    (True, True, False)

Modes (fields in brackets, defaults after ``=``):

- ``drop_connection`` [count=1]: open WebSockets and FLV streams of the room
  are cut at once (TCP closed, no close frame), and the next ``count`` HLS
  responses (playlist or segment) are aborted halfway through their body.
- ``stall_playlist`` [seconds=10]: the playlist stops advancing (same media
  sequence, same segments) for that many seconds, then jumps to the live edge.
- ``skip_sequence`` [count=3]: the room jumps ahead ``count`` segments at
  once: media sequence, audio and events; those segments are never listed.
- ``malformed_playlist`` [count=1]: the next playlists are broken (no
  ``#EXTM3U``, truncated, non-numeric ``#EXTINF``, binary garbage, in turn).
- ``corrupt_segment`` [count=1]: the next segments are random bytes of the
  same length (no MPEG-TS sync).
- ``http_429`` [count=1, retry_after=1]: the next HTTP responses of the room
  (playlist, segment, FLV) are ``429 Too Many Requests`` with ``Retry-After``.
- ``ws_garbage`` [count=1]: the next WebSocket frames are garbage, in turn: not
  JSON, a binary frame, an oversize (1.5 MB) text frame, a JSON array.
- ``clear``: disarm everything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pantau.errors import UserError

__all__ = ["RoomFaults", "FAULT_MODES", "FaultError"]

FAULT_MODES = (
    "drop_connection",
    "stall_playlist",
    "skip_sequence",
    "malformed_playlist",
    "corrupt_segment",
    "http_429",
    "ws_garbage",
    "clear",
)
COUNTED = ("drop_connection", "malformed_playlist", "corrupt_segment", "http_429", "ws_garbage")


class FaultError(UserError, ValueError):
    """A fault request the simulator cannot understand."""


def _number(payload: dict[str, Any], key: str, default: float) -> float:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise FaultError(f"fault field {key!r} must be a non-negative number, got {value!r}")
    return value


@dataclass
class RoomFaults:
    """The armed faults of one room; handlers ``take`` them as they respond."""

    counts: dict[str, int] = field(default_factory=lambda: {mode: 0 for mode in COUNTED})
    retry_after: int = 1
    # Serial numbers of the spoiled responses, so consecutive ones vary.
    served: dict[str, int] = field(default_factory=lambda: {mode: 0 for mode in COUNTED})

    def arm(self, payload: Any) -> dict[str, int]:
        """Arm the fault a POST body describes; returns the armed counts."""
        if not isinstance(payload, dict) or not isinstance(payload.get("mode"), str):
            raise FaultError('fault body must be a JSON object like {"mode": "http_429", "count": 2}')
        mode = payload["mode"]
        if mode not in FAULT_MODES:
            raise FaultError(f"unknown fault mode {mode!r}; one of {', '.join(FAULT_MODES)}")
        if mode == "clear":
            for key in self.counts:
                self.counts[key] = 0
        elif mode == "stall_playlist":
            _number(payload, "seconds", 10)
        elif mode == "skip_sequence":
            _number(payload, "count", 3)
        elif mode in COUNTED:
            default = 1
            self.counts[mode] += int(_number(payload, "count", default))
            if mode == "http_429":
                self.retry_after = int(_number(payload, "retry_after", 1))
        return dict(self.counts)

    def take(self, mode: str) -> bool:
        """Use up one armed fault of ``mode``; False when none is armed."""
        if self.counts.get(mode, 0) <= 0:
            return False
        self.counts[mode] -= 1
        self.served[mode] += 1
        return True

    def variant(self, mode: str) -> int:
        """Which spoiled response of ``mode`` this is (0, 1, 2, ...), after ``take``."""
        return self.served[mode] - 1
