"""Product matcher: catalog phrases found in tokens, longest match first.

Every phrase of every catalog category (names, synonyms, brands,
misspellings) is tokenized like the text, so "t-shirt" and "kaos kaki" match
however they are spaced. The longest phrase at a position wins ("kaos kaki"
is socks, not a t-shirt; "sarung tangan" is a not-a-product phrase that
stops "sarung" from being a prayer garment), and "jam" followed by a number
or a part of the day is a time, not a watch::

    >>> m = ProductMatcher.default().find(tokenize("kaos kaki ini murah"))
    >>> (m[0].category, m[0].text)
    ('socks', 'kaos kaki')
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from pantau.catalog import Catalog, load_catalog
from transcription.extraction.lexicon import NUMBER_WORDS
from transcription.extraction.tokens import NUM, WORD, Token, tokenize

__all__ = ["Mention", "ProductMatcher"]

_TIME_AFTER = {"pagi", "siang", "sore", "malam", "an", "berapa", "lagi", "kerja", "operasional", "tayang"}
_TIME_WORDS = {"jam", "jamnya"}
_MONEY = {"ribu", "juta", "rupiah", "rp", "k", "ribuan", "seribu", "sejuta", "seratus", "ratus"}


class Mention:
    """A product named in the text: token range [i, j), char span, category or None."""

    __slots__ = ("i", "j", "start", "end", "category", "text", "misspelt")

    def __init__(self, i: int, j: int, tokens: List[Token], text: str,
                 category: Optional[str], misspelt: bool):
        self.i, self.j = i, j
        self.start, self.end = tokens[i].start, tokens[j - 1].end
        self.category = category
        self.text = text[self.start:self.end]
        self.misspelt = misspelt

    def __repr__(self) -> str:
        return f"Mention({self.category!r}, {self.text!r})"


class ProductMatcher:
    """Finds catalog phrases in a token list."""

    def __init__(self, catalog: Catalog):
        # first word -> [(phrase words, category or None, misspelt)], longest first
        index: Dict[str, List[Tuple[Tuple[str, ...], Optional[str], bool]]] = {}
        words: set = set()

        def add(phrase: str, category: Optional[str], misspelt: bool) -> None:
            key = tuple(t.norm for t in tokenize(phrase))
            if key:
                index.setdefault(key[0], []).append((key, category, misspelt))
                words.update(key)

        for cat in catalog.categories.values():
            for phrase in cat.names_id + cat.names_en + cat.synonyms + cat.brands:
                add(phrase, cat.id, False)
            for phrase in cat.misspellings:
                add(phrase, cat.id, True)
        for phrase in catalog.not_products:
            add(phrase, None, False)
        for entries in index.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._index = index
        self._words = words

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> "ProductMatcher":
        return cls(load_catalog())

    def _key(self, norm: str) -> str:
        # "sepatunya" -> "sepatu": the -nya suffix ("the shoes") on any name.
        if norm not in self._index and norm.endswith("nya") and norm[:-3] in self._words:
            return norm[:-3]
        return norm

    def find(self, tokens: List[Token], text: str = "") -> List[Mention]:
        """Mentions left to right, non-overlapping, longest at each position."""
        if not text and tokens:
            text = " " * tokens[-1].end
        found: List[Mention] = []
        n = len(tokens)
        keys = [self._key(t.norm) if t.kind == WORD else None for t in tokens]
        i = 0
        while i < n:
            entries = self._index.get(keys[i]) if keys[i] else None
            if not entries:
                i += 1
                continue
            for phrase, category, misspelt in entries:
                j = i + len(phrase)
                if j <= n and (len(phrase) == 1 or tuple(keys[i:j]) == phrase):
                    break
            else:
                i += 1
                continue
            if tokens[i].norm in _TIME_WORDS and len(phrase) == 1 and self._is_time(tokens, j):
                i = j
                continue
            found.append(Mention(i, j, tokens, text, category, misspelt))
            i = j
        return found

    @staticmethod
    def _is_time(tokens: List[Token], j: int) -> bool:
        if j >= len(tokens):
            return False
        nxt = tokens[j]
        if nxt.norm in _TIME_AFTER:
            return True
        if nxt.kind != NUM and nxt.norm not in NUMBER_WORDS:
            return False
        # "jam sepuluh" is a time; "jamnya seratus ribu" is a watch's price.
        return not any(t.norm in _MONEY for t in tokens[j:j + 5])
