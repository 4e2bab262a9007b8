"""Platform adapters, one module each, found by scanning this package.

    >>> sorted(load_platforms())
    ['generic', 'shopee', 'simulator', 'tiktok', 'youtube']
    >>> platform_for_spec(StreamSpec(stream_id="s", url="https://www.tiktok.com/@shop/live")).name
    'tiktok'
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from collectors.platforms.base import AUDIO_KINDS, Platform, ResolvedStream, url_pattern
from pantau.errors import UserError
from pantau.records import StreamSpec

__all__ = [
    "Platform",
    "ResolvedStream",
    "url_pattern",
    "AUDIO_KINDS",
    "load_platforms",
    "platform_for_spec",
    "UnknownPlatform",
]


class UnknownPlatform(UserError, ValueError):
    """A stream names a platform no adapter serves."""


@lru_cache(maxsize=1)
def load_platforms() -> dict[str, type[Platform]]:
    """Every adapter in this package, by name."""
    found: dict[str, type[Platform]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_") or module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Platform) and value is not Platform and value.name:
                if value.__module__ == module.__name__:
                    found[value.name] = value
    return found


def platform_for_spec(spec: StreamSpec) -> type[Platform]:
    """The adapter named by ``spec.platform``.

    For "generic" (the default), a direct media URL (``.m3u8``, ``.flv``) stays
    generic; a platform page URL (``tiktok.com/@shop/live``) goes to the
    adapter whose pattern matches it.
    """
    platforms = load_platforms()
    if spec.platform and spec.platform != "generic":
        try:
            return platforms[spec.platform]
        except KeyError:
            raise UnknownPlatform(
                f"unknown platform {spec.platform!r} for stream {spec.stream_id}; one of {', '.join(sorted(platforms))}"
            ) from None
    generic = platforms["generic"]
    if generic.match_url(spec.url):
        return generic  # a media URL needs no platform to resolve it
    for name, platform in sorted(platforms.items()):
        if name != "generic" and platform.match_url(spec.url):
            return platform
    return generic
