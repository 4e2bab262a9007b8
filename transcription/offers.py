"""Offers from committed speech, placed at the exact seconds of audio.

Extraction works on text; this module gives it whole utterances (a price
said across two passes, "dua puluh | lima ribu", must be read as one) and
maps each offer's character span back to the timed words, so the offer
carries the stream time, wall-clock time and transcript of its evidence.

Number safety: Whisper mishears digits. When the words that carry the price
were heard with low probability, the offer's confidence is lowered, so the
rules ask for corroboration instead of accusing on a misheard digit::

    >>> price_confidence([TimedWord("dua", 0, 0.3, 0.9), TimedWord("ribu", 0.3, 0.6, 0.3)])
    0.3
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from pantau.records import Offer
from transcription.agreement import TimedWord
from transcription.vocabulary import is_number_word

__all__ = ["UtteranceWord", "offers_from_words", "price_confidence", "LOW_PRICE_PROBABILITY"]

log = logging.getLogger("pantau.transcription.offers")

# Below this mean probability, a price word counts as doubtful.
LOW_PRICE_PROBABILITY = 0.6

Extract = Callable[[str], List[Offer]]


@dataclass(frozen=True)
class UtteranceWord:
    word: TimedWord
    wall_time: float  # when the word's start was spoken
    transcript_seq: int  # the Transcript that committed it


def price_confidence(words: Sequence[TimedWord]) -> float:
    """The lowest probability among the words that carry a number (1.0 if none)."""
    probs = [w.probability for w in words if is_number_word(w.word)]
    return round(min(probs), 4) if probs else 1.0


def _default_extract() -> Optional[Extract]:
    try:
        from transcription.extraction import extract_offers
    except ImportError:
        log.warning("offer extraction is not available; transcripts carry no offers")
        return None
    return extract_offers


def offers_from_words(stream_id: str, words: Sequence[UtteranceWord], extract: Optional[Extract] = None) -> List[Offer]:
    """Run extraction over one utterance and place each offer in the stream."""
    extract = extract or _default_extract()
    if extract is None or not words:
        return []
    pieces, starts = [], []
    pos = 0
    for w in words:
        starts.append(pos)
        pieces.append(w.word.word)
        pos += len(w.word.word) + 1
    text = " ".join(pieces)
    offers = []
    for offer in extract(text):
        lo, hi = (offer.span + [0, len(text)])[:2] if offer.span else (0, len(text))
        inside = [w for w, s in zip(words, starts) if s < hi and s + len(w.word.word) > lo] or list(words)
        heard = price_confidence([w.word for w in inside])
        if heard < LOW_PRICE_PROBABILITY:
            # Scale down in proportion: a price heard at p=0.3 keeps half the
            # confidence of one heard at 0.6, never more than the extractor gave.
            offer.confidence = round(offer.confidence * max(0.1, heard / LOW_PRICE_PROBABILITY), 4)
        offer.stream_id = stream_id
        offer.text = text
        offer.t0 = inside[0].word.start
        offer.t1 = inside[-1].word.end
        offer.wall_time = inside[0].wall_time
        offer.transcript_seq = inside[-1].transcript_seq
        offer.source = "speech"
        if not offer.offer_id:
            offer.offer_id = f"{stream_id}:{offer.t0:.2f}:{offer.price_idr}"
        offers.append(offer)
    return offers
