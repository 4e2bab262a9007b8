"""The live feed: every new or changed alert, pushed to WebSocket subscribers.

Each message carries the alert's feed position (``seq``). A client that
reconnects with ``?since=SEQ`` first gets every alert changed after SEQ from
the store, then the live messages; a message is never sent twice, because the
subscriber starts listening before the store is read and skips what the
backlog already covered.

    >>> hub = FeedHub()
    >>> sub = hub.subscribe()
    >>> hub.publish(7, {"seq": 7})
    >>> sub.queue.get_nowait()
    (7, '{"seq":7}')
"""
from __future__ import annotations

import asyncio
import json
from typing import Callable, Optional

__all__ = ["FeedHub", "Subscriber"]


class Subscriber:
    def __init__(self, hub: "FeedHub", maxsize: int) -> None:
        self.hub = hub
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(maxsize=maxsize)
        # Set when the subscriber fell too far behind: it must reconnect and
        # resume from the store, which loses nothing.
        self.overflowed = False

    def stop(self, overflowed: bool = False) -> None:
        """Wake the reader with an end marker (seq -1), dropping what is queued."""
        self.overflowed = self.overflowed or overflowed
        self.hub.unsubscribe(self)
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait((-1, ""))

    def close(self) -> None:
        self.hub.unsubscribe(self)


class FeedHub:
    """Fan-out of feed messages, serialized once for all subscribers."""

    def __init__(self, queue_size: int = 2000, on_count: Optional[Callable[[int], None]] = None) -> None:
        self._subscribers: set[Subscriber] = set()
        self._queue_size = queue_size
        self._on_count = on_count or (lambda n: None)

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscriber:
        sub = Subscriber(self, self._queue_size)
        self._subscribers.add(sub)
        self._on_count(len(self._subscribers))
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)
        self._on_count(len(self._subscribers))

    def publish(self, seq: int, message: dict) -> None:
        text = json.dumps(message, separators=(",", ":"))
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait((seq, text))
            except asyncio.QueueFull:
                sub.stop(overflowed=True)
