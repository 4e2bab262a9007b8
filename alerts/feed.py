"""The live feed: every new or changed alert, pushed to WebSocket subscribers.

Each message carries the alert's feed position (``seq``). A client that
reconnects with ``?since=SEQ`` first gets every alert changed after SEQ from
the store, then the live messages; a message is never sent twice, because the
subscriber starts listening before the store is read and skips what the
backlog already covered.

The hub keeps one shared window of the latest messages, each serialized once;
a subscriber is only a position in it. Publishing costs the same whatever the
number of subscribers, except for waking those that were idle, and the frame
of messages several subscribers take together is built (and encoded) once.
A subscriber whose position falls out of the window (``queue_size`` messages
behind) is stopped as overflowed: it reconnects with ``since`` and loses
nothing.

    >>> hub = FeedHub()
    >>> sub = hub.subscribe()
    >>> hub.publish(7, {"seq": 7})
    >>> sub.take()
    [(7, '{"seq":7}')]
"""
from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Callable, Optional

__all__ = ["FeedHub", "Subscriber"]


class Subscriber:
    def __init__(self, hub: "FeedHub") -> None:
        self.hub = hub
        self.position = hub._end  # index of the next message to take, counted since the hub started
        self.stopped = False
        # Set when the subscriber fell too far behind: it must reconnect and
        # resume from the store, which loses nothing.
        self.overflowed = False
        self._waiter: Optional[asyncio.Future] = None

    def _span(self, limit: int) -> tuple[int, int]:
        """Claim the waiting messages, at most ``limit``: their [start, end) positions in the hub."""
        if self.stopped:
            return self.position, self.position
        start, end = self.position, min(self.hub._end, self.position + limit)
        self.position = end
        return start, end

    def take(self, limit: int = 200) -> list[tuple[int, str]]:
        """The messages waiting (at most ``limit``, in order), now; [] when none or stopped."""
        start, end = self._span(limit)
        window, base = self.hub._window, self.hub._base
        return [window[i - base] for i in range(start, end)]

    def take_frame(self, after_seq: int, limit: int = 200) -> tuple[Optional[bytes], int]:
        """The waiting messages with seq > ``after_seq`` (at most ``limit``) as one encoded frame,
        and the last seq taken; (None, after_seq) when there is nothing to send.

        Subscribers that take the same span of the window share the frame.
        """
        start, end = self._span(limit)
        if end <= start:
            return None, after_seq
        hub = self.hub
        window, base = hub._window, hub._base
        if window[start - base][0] > after_seq:  # seqs grow along the window: all of the span is new
            cached = hub._frames.get((start, end))
            if cached is None:
                cached = hub._frames[(start, end)] = (
                    _frame([window[i - base][1] for i in range(start, end)]), window[end - 1 - base][0])
            return cached
        # Just after the backlog: skip what the store already covered.
        texts = [window[i - base][1] for i in range(start, end) if window[i - base][0] > after_seq]
        return (_frame(texts) if texts else None), max(after_seq, window[end - 1 - base][0])

    async def wait(self) -> None:
        """Return when a message is waiting or the subscriber was stopped."""
        if self.stopped or self.position < self.hub._end:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        self.hub._idle.add(self)
        try:
            await self._waiter
        finally:
            self._waiter = None
            self.hub._idle.discard(self)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def stop(self, overflowed: bool = False) -> None:
        """Stop the subscriber (its reader sees ``stopped``), dropping what is waiting."""
        self.overflowed = self.overflowed or overflowed
        self.stopped = True
        self.hub.unsubscribe(self)
        self._wake()

    def close(self) -> None:
        self.hub.unsubscribe(self)


def _frame(texts: list[str]) -> bytes:
    if len(texts) == 1:
        return texts[0].encode("utf-8")
    return ('{"type":"batch","messages":[' + ",".join(texts) + "]}").encode("utf-8")


class FeedHub:
    """Fan-out of feed messages, serialized once for all subscribers."""

    def __init__(self, queue_size: int = 2000, on_count: Optional[Callable[[int], None]] = None) -> None:
        self._subscribers: set[Subscriber] = set()
        self._idle: set[Subscriber] = set()
        self._queue_size = queue_size  # how far behind a subscriber may fall before it is cut off
        self._on_count = on_count or (lambda n: None)
        self._window: deque[tuple[int, str]] = deque()
        self._base = 0  # index of _window[0]
        self._end = 0  # index after the last message published
        # Frames built for a span of the window, shared by the subscribers that take the same span.
        self._frames: dict[tuple, tuple[Optional[bytes], int]] = {}

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscriber:
        sub = Subscriber(self)
        self._subscribers.add(sub)
        self._on_count(len(self._subscribers))
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if sub in self._subscribers:
            self._subscribers.discard(sub)
            self._idle.discard(sub)
            self._on_count(len(self._subscribers))

    def publish(self, seq: int, message: dict) -> None:
        self._window.append((seq, json.dumps(message, separators=(",", ":"))))
        self._end += 1
        if self._frames:
            self._frames.clear()
        # Keep the window no longer than the furthest-behind subscriber needs,
        # and never longer than queue_size: who falls out of it overflowed.
        oldest_allowed = self._end - self._queue_size
        if self._subscribers:
            behind = min(sub.position for sub in self._subscribers)
            if behind < oldest_allowed:
                for sub in [s for s in self._subscribers if s.position < oldest_allowed]:
                    sub.stop(overflowed=True)
                behind = min((sub.position for sub in self._subscribers), default=self._end)
        else:
            behind = self._end
        while self._base < behind:
            self._window.popleft()
            self._base += 1
        if self._idle:
            idle, self._idle = self._idle, set()
            for sub in idle:
                sub._wake()
