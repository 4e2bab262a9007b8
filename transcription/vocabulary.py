"""Biasing the decoder toward what hosts say, and keeping the bias out of the text.

Whisper takes a text prompt as "previous context"; words in it become more
likely. Pantau's prompt holds Indonesian price words and the product names of
the catalog, so that "dua puluh lima ribu" and "sepatu" win over look-alike
sounds. A prompt can leak: on music or mumbling the model sometimes repeats
it. :func:`strip_prompt_echo` removes any run of words copied from it::

    >>> v = Vocabulary(["kaos", "sepatu"])
    >>> "ribu" in v.prompt and "sepatu" in v.prompt
    True
    >>> v.prompt
    'Harga dalam ribu rupiah, juta rupiah, diskon, promo, checkout. Produk: kaos, sepatu.'
    >>> strip_prompt_echo("oke harga dalam ribu rupiah, juta rupiah, diskon".split(), v.prompt)
    ['oke']
    >>> strip_prompt_echo("cuma dua puluh ribu rupiah".split(), v.prompt)
    ['cuma', 'dua', 'puluh', 'ribu', 'rupiah']
"""
from __future__ import annotations

import logging
from typing import Iterable, List, Optional, Sequence

from transcription.agreement import normalize_word

__all__ = ["Vocabulary", "strip_prompt_echo", "is_number_word", "PRICE_WORDS"]

log = logging.getLogger("pantau.transcription.vocabulary")

# No figures in the prompt: a prompt that says "dua puluh lima ribu" makes the
# model hear that very price in unclear audio (measured: it turned "tujuh
# puluh lima ribu" into "tujuh puluh ribu"). Units and sales words only.
PRICE_WORDS = "Harga dalam ribu rupiah, juta rupiah, diskon, promo, checkout."

_NUMBER_WORDS = set(
    "nol satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh seratus ratus "
    "seribu ribu rebu rb k sejuta juta jt setengah seceng goceng ceban noban gocap cepek rp rupiah rupiya "
    "idr".split()
)


def is_number_word(word: str) -> bool:
    """A word that carries part of a spoken or written price."""
    key = normalize_word(word)
    if not key:
        return False
    return key in _NUMBER_WORDS or any(c.isdigit() for c in key)


def _catalog_names() -> List[str]:
    try:
        from pantau.catalog import load_catalog
    except ImportError:  # the catalog ships with pantau; older checkouts lack it
        return []
    try:
        catalog = load_catalog()
    except Exception:  # a broken catalog file must not stop transcription
        log.exception("cannot read the product catalog; decoding without product names")
        return []
    names: List[str] = []
    for category in catalog.categories.values():
        names.extend(list(category.names_id)[:1])
    return names


class Vocabulary:
    """The decoding prompt: price words, then product names, at most ``max_words`` words."""

    def __init__(self, product_names: Optional[Iterable[str]] = None, max_words: int = 48) -> None:
        names = list(product_names) if product_names is not None else _catalog_names()
        words: List[str] = PRICE_WORDS.split()  # punctuation kept: the prompt reads as speech
        seen = {normalize_word(w) for w in words}
        for name in names:
            if normalize_word(name) not in seen:
                seen.add(normalize_word(name))
                words.append(name)
        self.words = words[:max_words]
        products = self.words[len(PRICE_WORDS.split()):]
        self.prompt = PRICE_WORDS + (" Produk: " + ", ".join(products) + "." if products else "")


def strip_prompt_echo(words: Sequence[str], prompt: str, min_run: int = 6) -> List[str]:
    """Drop every run of ``min_run`` or more words that appears, in order, in ``prompt``.

    Short runs are kept: a host really says "dua puluh lima ribu".
    """
    prompt_keys = [normalize_word(w) for w in prompt.split()]
    if not prompt_keys:
        return list(words)
    keys = [normalize_word(w) for w in words]
    drop = [False] * len(words)
    i = 0
    while i < len(keys):
        best = 0
        for j in range(len(prompt_keys)):
            n = 0
            while i + n < len(keys) and j + n < len(prompt_keys) and keys[i + n] == prompt_keys[j + n]:
                n += 1
            best = max(best, n)
        if best >= min_run:
            for k in range(i, i + best):
                drop[k] = True
            i += best
        else:
            i += 1
    return [w for w, d in zip(words, drop) if not d]
