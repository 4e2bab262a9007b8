"""Which catalog category a pinned product's title names.

Platforms pin products with free-text titles ("Sepatu Sneakers Pria Import
Size 39-44"); the rules need a catalog category. The longest catalog phrase
found as whole words wins, so "kaos kaki" (socks) beats "kaos" (t-shirt)::

    >>> CategoryMatcher().match("Kaos Kaki Katun Isi 12 Pasang")
    'socks'
    >>> CategoryMatcher().match("Gantungan kunci") is None
    True
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Optional, Tuple

from pantau.catalog import Catalog, load_catalog

__all__ = ["CategoryMatcher"]

_WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9']+)*")


class CategoryMatcher:
    """Title → category id by the catalog's phrases (names, synonyms, brands, misspellings)."""

    def __init__(self, catalog: Optional[Catalog] = None) -> None:
        catalog = catalog or load_catalog()
        self.categories = frozenset(catalog.categories)
        self._phrases: Dict[Tuple[str, ...], Optional[str]] = {}
        for category in catalog.categories.values():
            for phrase in category.phrases():
                self._phrases.setdefault(tuple(_WORD.findall(phrase)), category.id)
        # Phrases that look like products but are not block the words they cover.
        for phrase in catalog.not_products:
            self._phrases[tuple(_WORD.findall(phrase))] = None
        self._longest = max((len(p) for p in self._phrases), default=1)

    def match(self, title: str) -> Optional[str]:
        words = _WORD.findall((title or "").lower())
        best: Tuple[int, int, Optional[str]] = (0, 0, None)  # (length, -position, category)
        for i in range(len(words)):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                key = tuple(words[i:i + n])
                if key in self._phrases:
                    if n > best[0]:
                        best = (n, -i, self._phrases[key])
                    break
        return best[2]


@lru_cache(maxsize=1)
def default_matcher() -> CategoryMatcher:
    return CategoryMatcher()
