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
from transcription.extraction.lexicon import KNOWN_WORDS, NUMBER_WORDS
from transcription.extraction.tokens import NUM, WORD, Token, tokenize

__all__ = ["Mention", "ProductMatcher"]

_TIME_AFTER = {"pagi", "siang", "sore", "malam", "an", "berapa", "lagi", "kerja", "operasional", "tayang"}
_TIME_WORDS = {"jam", "jamnya"}
_MONEY = {"ribu", "juta", "rupiah", "rp", "k", "ribuan", "seribu", "sejuta", "seratus", "ratus"}


_SOFT = set("aeiouhwy")


def _one_vowel_edit(a: str, b: str) -> bool:
    """a and b differ by one edit of the kind ASR makes on Indonesian: a vowel
    for a vowel ("dumpet"/"dompet"), or one vowel, h, w or y added or dropped
    ("kawos"/"kaos", "sepatuh"/"sepatu"). "wajah" is never "wajan"."""
    la, lb = len(a), len(b)
    if la == lb:
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        return len(diff) == 1 and diff[0][0] in "aeiou" and diff[0][1] in "aeiou"
    if abs(la - lb) != 1:
        return False
    long, short = (a, b) if la > lb else (b, a)
    for k in range(len(long)):
        if long[:k] + long[k + 1:] == short:
            # Not a final vowel: "sanda" is not "sand".
            return long[k] in _SOFT and not (k == len(long) - 1 and long[k] in "aeiou")
    return False


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
        self._keys: Dict[str, str] = {}
        self._by_initial: Dict[str, List[str]] = {}
        for w in words:
            if len(w) >= 4 and w.isalpha():
                self._by_initial.setdefault(w[0], []).append(w)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> "ProductMatcher":
        return cls(load_catalog())

    def _key(self, norm: str) -> str:
        key = self._keys.get(norm)
        if key is None:
            key = norm
            if norm not in self._words:
                # "sepatunya" -> "sepatu": the -nya suffix ("the shoes") on any name.
                if norm.endswith("nya") and norm[:-3] in self._words:
                    key = norm[:-3]
                else:
                    key = self._near(norm) or norm
            if len(self._keys) < 100_000:
                self._keys[norm] = key
        return key

    def _near(self, norm: str) -> Optional[str]:
        """The one catalog word ASR most likely meant: "dumpet" -> "dompet",
        "kawos" -> "kaos", "sapatu" -> "sepatu"; None when unsure."""
        if len(norm) < 5 or norm in KNOWN_WORDS or not norm.isalpha():
            return None
        found = {w for w in self._by_initial.get(norm[0], ()) if _one_vowel_edit(norm, w)}
        if len(found) > 1:  # "sapatu": "sepatu" (a vowel for a vowel) over "spatu"
            found = {w for w in found if len(w) == len(norm)}
        return found.pop() if len(found) == 1 else None

    def find(self, tokens: List[Token], text: str = "") -> List[Mention]:
        """Mentions left to right, non-overlapping, longest at each position."""
        if not text and tokens:
            text = " " * tokens[-1].end
        found: List[Mention] = []
        n = len(tokens)
        keys = [self._key(t.norm) if t.kind == WORD else t.norm for t in tokens]
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
