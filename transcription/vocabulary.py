"""Biasing the decoder toward how hosts talk, and keeping the bias out of the text.

Whisper takes a text prompt as "previous context"; words and style in it
become more likely. Measured on the rendered test set (docs/transcription.md):

- a host-style sentence ("Kakak, kaos ini harganya murah sekali, ...") lowers
  the word error rate and raises price recall;
- figures in the prompt ("dua puluh lima ribu") make the model hear those very
  prices in unclear audio, so the prompt never holds numbers;
- a comma-separated list (catalog product names) makes the model answer in
  comma-separated words ("dua, puluh, lima") and drop in product names that
  were never said; catalog names are therefore opt-in (``catalog=True``).

A prompt can leak: on music or mumbling the model sometimes repeats it.
:func:`strip_prompt_echo` removes any long run of words copied from it::

    >>> v = Vocabulary()
    >>> "harganya" in v.prompt
    True
    >>> strip_prompt_echo("oke kakak kaos ini harganya murah sekali ayo".split(), v.prompt)
    ['oke']
    >>> strip_prompt_echo("cuma dua puluh ribu murah sekali".split(), v.prompt)
    ['cuma', 'dua', 'puluh', 'ribu', 'murah', 'sekali']
"""
from __future__ import annotations

import logging
from typing import Iterable, List, Optional, Sequence

from transcription.agreement import normalize_word

__all__ = ["Vocabulary", "strip_prompt_echo", "is_number_word", "HOST_SENTENCE"]

log = logging.getLogger("pantau.transcription.vocabulary")

HOST_SENTENCE = "Kakak, kaos ini harganya murah sekali, ayo checkout sekarang."

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


def catalog_names() -> List[str]:
    """The first Indonesian name of every category of the product catalog."""
    from pantau.catalog import load_catalog

    return [list(c.names_id)[0] for c in load_catalog().categories.values() if c.names_id]


class Vocabulary:
    """The decoding prompt: a host-style sentence, then product names if given.

    ``product_names`` (or ``catalog=True`` for the catalog's names) adds one
    sentence naming them, at most ``max_names``.
    """

    def __init__(self, product_names: Optional[Iterable[str]] = None, catalog: bool = False, max_names: int = 12) -> None:
        names = list(product_names or [])
        if catalog:
            names += catalog_names()
        seen, unique = set(), []
        for name in names:
            if normalize_word(name) not in seen and normalize_word(name) not in ("kaos",):
                seen.add(normalize_word(name))
                unique.append(name)
        self.product_names = unique[:max_names]
        self.prompt = HOST_SENTENCE
        if self.product_names:
            listed = self.product_names
            tail = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " dan " + listed[-1]
            self.prompt += f" Ada juga {tail}."


def strip_prompt_echo(words: Sequence[str], prompt: str, min_run: int = 5) -> List[str]:
    """Drop every run of ``min_run`` or more words that appears, in order, in ``prompt``.

    Short runs are kept: a host really says "murah sekali".
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
