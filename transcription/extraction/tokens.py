"""Tokenizer: text to normalised tokens with character offsets.

Splits letters from digits ("25rb" is "25" "rb", "Rp25.000" is "rp"
"25.000"), keeps digit groups with their separators ("1.250.000", "1,5"),
lower-cases, maps ASR variants to canonical words ("rebu" to "ribu") and
splits number words that ASR ran together ("duapuluh", "jadilima")::

    >>> [t.norm for t in tokenize("Jadilima Puhu, Ribu")]
    ['jadi', 'lima', 'puluh', ',', 'ribu']
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from transcription.extraction.lexicon import ABBREVIATIONS, NUMBER_WORDS, SLANG, VARIANTS

__all__ = ["Token", "tokenize", "WORD", "NUM", "PUNCT"]

WORD, NUM, PUNCT = 1, 2, 3

# ASCII digits only: int() refuses "²" and other digit-like characters.
# Hyphens split words: Whisper hyphenates syllables ("Ribu-ja-ke-ti-ya",
# "Enggak-kak"), and catalog phrases ("t-shirt") are split the same way.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:'[^\W\d_]+)*|%|[^\w\s]|[^\s]", re.UNICODE)
# Pieces a run-together word may be split into (only when every piece is one
# of these, so ordinary words are never cut).
_GLUE = {"jadi", "cuma", "hanya", "harga", "harganya", "rp", "rupiah", "aja", "saja", "dari", "ini", "sekarang"}
_PIECES = set(NUMBER_WORDS) | _GLUE
_MAX_PIECE = max(len(p) for p in _PIECES)


class Token:
    """One token: original text, normalised form, kind, offsets in the text.

    ``value`` holds the number for digit tokens; ``repaired`` is true when
    the normalised form differs from what was written (an ASR variant or a
    split word), which lowers the confidence of a parse that uses it.
    """

    __slots__ = ("text", "norm", "kind", "start", "end", "value", "repaired", "space_before")

    def __init__(self, text: str, norm: str, kind: int, start: int, end: int,
                 value: Optional[float] = None, repaired: bool = False, space_before: bool = True):
        self.text = text
        self.norm = norm
        self.kind = kind
        self.start = start
        self.end = end
        self.value = value
        self.repaired = repaired
        self.space_before = space_before

    def __repr__(self) -> str:
        return f"Token({self.norm!r}, {self.start}, {self.end})"


def digit_value(s: str) -> Tuple[Optional[float], bool]:
    """Value of a digit group and whether it had thousands separators.

    "25.000", "25,000" and "1.250.000" are thousands; "1,5" and "1.5" are
    decimals; "1.250.000,00" ends in decimals. Returns (None, False) for
    forms that are neither (a code such as "1.2.3").
    """
    if s.isascii() and s.isdigit():
        return float(int(s)), False
    seps = [c for c in s if c in ".,"]
    parts = re.split(r"[.,]", s)
    if len(set(seps)) == 1:
        tail = parts[1:]
        if all(len(p) == 3 for p in tail) and (len(parts) > 2 or len(parts[0]) <= 3):
            return float(int("".join(parts))), True
        if len(parts) == 2:
            return float(f"{parts[0]}.{parts[1]}"), False
        return None, False
    # Mixed: the last separator is the decimal one ("1.250.000,00").
    last = max(s.rfind("."), s.rfind(","))
    whole, frac = s[:last], s[last + 1:]
    value, grouped = digit_value(whole)
    if value is None or not grouped and not whole.isdigit():
        return None, False
    return value + float(f"0.{frac}"), True


@lru_cache(maxsize=4096)
def _split_run(word: str) -> Optional[Tuple[str, ...]]:
    """Split a run-together word into number words and glue, or None."""
    n = len(word)
    # best[i]: (cost, pieces) for word[:i]; a variant piece costs more than
    # an exact one so "seratusribu" is "seratus ribu", not "seratu sribu".
    best: List[Optional[Tuple[float, Tuple[str, ...]]]] = [None] * (n + 1)
    best[0] = (0.0, ())
    for i in range(n):
        if best[i] is None:
            continue
        cost, pieces = best[i]
        for j in range(i + 2, min(n, i + _MAX_PIECE) + 1):
            piece = word[i:j]
            step = 1.0
            if piece not in _PIECES:
                piece, step = VARIANTS.get(piece, piece), 1.5
            if piece in _PIECES and (best[j] is None or best[j][0] > cost + step):
                best[j] = (cost + step, pieces + (piece,))
    if best[n] is None:
        return None
    result = best[n][1]
    if len(result) < 2 or not any(p in NUMBER_WORDS for p in result):
        return None
    return result


@lru_cache(maxsize=65536)
def _normalise(word: str) -> Tuple[Tuple[str, ...], bool]:
    low = word.lower()
    if low in NUMBER_WORDS or low in SLANG:
        return (low,), False
    if low in VARIANTS:
        return (VARIANTS[low],), low not in ABBREVIATIONS
    if len(low) >= 6:
        pieces = _split_run(low)
        if pieces:
            return pieces, True
    return (low,), False


_Piece = Tuple[str, int, Optional[float], bool, int, int]  # norm, kind, value, repaired, start, end
_PIECES_OF: Dict[str, Tuple[_Piece, ...]] = {}


def _pieces(s: str) -> Tuple[_Piece, ...]:
    """How one matched string becomes tokens (offsets relative to it); cached,
    since live speech repeats a small vocabulary."""
    c = s[0]
    if "0" <= c <= "9":
        value, _ = digit_value(s)
        return ((s, NUM, value, False, 0, len(s)),)
    if not c.isalpha():
        return ((s, PUNCT, None, False, 0, len(s)),)
    norms, repaired = _normalise(s)
    if len(norms) == 1:
        return ((norms[0], WORD, None, repaired, 0, len(s)),)
    # Offsets of split pieces are approximate when a variant changed a
    # piece's length; the last piece always ends where the word ends.
    out, pos = [], 0
    for k, piece in enumerate(norms):
        end = len(s) if k == len(norms) - 1 else min(len(s), pos + len(piece))
        out.append((piece, WORD, None, True, pos, end))
        pos = end
    return tuple(out)


def tokenize(text: str) -> List[Token]:
    """Split text into tokens (words, digit groups, punctuation) with offsets."""
    tokens: List[Token] = []
    append = tokens.append
    prev_end = -1
    cache = _PIECES_OF
    for m in _TOKEN.finditer(text):
        s = m.group()
        start = m.start()
        pieces = cache.get(s)
        if pieces is None:
            pieces = _pieces(s)
            if len(cache) < 100_000:
                cache[s] = pieces
        space = start != prev_end
        prev_end = m.end()
        for k, (norm, kind, value, repaired, a, b) in enumerate(pieces):
            append(Token(s[a:b], norm, kind, start + a, start + b, value, repaired, space and k == 0))
    return tokens
