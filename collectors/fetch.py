"""Bounded, scheme-checked HTTP for everything a collector fetches.

Every URL a collector opens goes through ``check_url`` (http and https only:
no ``file:``, no other schemes) and every body is read with a byte limit, so
a hostile or broken server cannot make a stream hold unbounded memory::

    >>> check_url("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    collectors.fetch.UnsafeURL: stream URL must be http:// or https://, got 'file:///etc/passwd'

HTTP 429, and 403 (how platforms say "blocked"), become ``SlowDown``: the
caller waits (``retry_after`` when the server gave one) instead of retrying
at once.
"""
from __future__ import annotations

import asyncio
from typing import Optional
from urllib.parse import urlparse

import aiohttp

from pantau.errors import UserError

__all__ = [
    "UnsafeURL",
    "FetchError",
    "HTTPStatusError",
    "SlowDown",
    "TooLarge",
    "check_url",
    "fetch_bytes",
    "retry_after_seconds",
]

HTTP_SCHEMES = ("http", "https")
WS_SCHEMES = ("ws", "wss", "http", "https")


class UnsafeURL(UserError, ValueError):
    """A URL with a scheme collectors refuse to open."""


class FetchError(Exception):
    """A fetch that failed; ``reason`` is a bounded metric label."""

    reason = "network"


class HTTPStatusError(FetchError):
    reason = "http_status"

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


class SlowDown(FetchError):
    """The platform rate-limited (429) or blocked (403) us: back off, do not hammer."""

    reason = "rate_limited"

    def __init__(self, url: str, status: int, retry_after: Optional[float]) -> None:
        super().__init__(f"HTTP {status} from {url}: slowing down")
        self.status = status
        self.retry_after = retry_after
        if status == 403:
            self.reason = "blocked"


class TooLarge(FetchError):
    reason = "too_large"

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"response from {url} is larger than {limit} bytes")
        self.limit = limit


def check_url(url: str, schemes: tuple[str, ...] = HTTP_SCHEMES) -> str:
    """Return ``url`` when its scheme is allowed and it names a host; else raise UnsafeURL."""
    parsed = urlparse(url or "")
    if parsed.scheme.lower() not in schemes or not parsed.netloc:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise UnsafeURL(f"stream URL must be {allowed}, got {url!r}")
    return url


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header (delta form); None when absent or a date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def raise_for_status(url: str, response: aiohttp.ClientResponse) -> None:
    if response.status in (429, 403):
        raise SlowDown(url, response.status, retry_after_seconds(response.headers.get("Retry-After")))
    if response.status >= 400:
        raise HTTPStatusError(url, response.status)


async def fetch_bytes(session: aiohttp.ClientSession, url: str, limit: int, timeout: float) -> bytes:
    """GET ``url`` and return its body, refusing bodies over ``limit`` bytes.

    Redirects are followed only to http(s) URLs. Network failures and
    timeouts become FetchError.
    """
    check_url(url)
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            check_url(str(response.url))
            raise_for_status(url, response)
            if response.content_length is not None and response.content_length > limit:
                raise TooLarge(url, limit)
            body = bytearray()
            async for block in response.content.iter_chunked(65536):
                body += block
                if len(body) > limit:
                    raise TooLarge(url, limit)
            return bytes(body)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        if isinstance(exc, UnsafeURL):
            raise
        raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}") from None
