"""Waiting politely: backoff with jitter, per-platform request budgets, burst-quiet logs.

    >>> import random
    >>> backoff = Backoff(initial=1.0, maximum=8.0, rng=random.Random(1))
    >>> [round(backoff.next(), 2) for _ in range(5)]
    [0.57, 1.85, 3.53, 5.02, 5.98]
    >>> backoff.reset(); backoff.attempts
    0
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Callable, Optional

__all__ = ["Backoff", "RequestBudget", "BurstLog"]


class Backoff:
    """Exponential backoff with "equal jitter": each delay is drawn in [d/2, d].

    Jitter keeps hundreds of streams that failed together (a platform
    outage) from all coming back in the same instant.
    """

    def __init__(self, initial: float, maximum: float, rng: Optional[random.Random] = None) -> None:
        self.initial = max(initial, 0.001)
        self.maximum = max(maximum, self.initial)
        self.rng = rng or random.Random()
        self.attempts = 0

    def next(self, at_least: float = 0.0) -> float:
        ceiling = min(self.maximum, self.initial * 2**self.attempts)
        self.attempts += 1
        return max(at_least, self.rng.uniform(ceiling / 2, ceiling))

    def reset(self) -> None:
        self.attempts = 0


class RequestBudget:
    """A token bucket: at most ``rate`` requests a second to one platform, bursts of ``burst``.

    Shared by every stream of the platform, so attaching 300 TikTok rooms at
    once spreads their room-info requests out instead of tripping the
    platform's rate limit.
    """

    def __init__(self, rate: float, burst: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._tokens = float(self.burst)
        self._updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:  # first come, first served
            while True:
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class BurstLog:
    """Logs the first of a burst of like problems, then at most once per quiet period.

    A stream spewing garbage frames must not flood the log; the next line
    logged for the same problem says how many were left out.
    """

    def __init__(self, logger: logging.Logger, quiet_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.logger = logger
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, key: str, message: str, *args: object) -> bool:
        """Log unless ``key`` was logged within the quiet period; True when logged."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.quiet_seconds:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        suppressed = self._suppressed.pop(key, 0)
        suffix = f" ({suppressed} like it since, not logged)" if suppressed else ""
        self.logger.warning(message + suffix, *args)
        self._last[key] = now
        return True
