"""How sure an alert is, and whether anything besides one heard sentence backs it.

Speech recognition mishears numbers ("tiga puluh lima ribu" → "3,5 ribu"), so
an alert from one spoken mention carries that offer's confidence and is not
corroborated. Independent evidence raises it:

- ``pinned_price``: the platform's own pinned price for the same product agrees
  with the spoken price, or the alert comes from a pinned price itself;
- ``independent_mention``: another mention, in a different transcript segment,
  at an agreeing price;
- ``operator``: a person confirmed it.

Independent sources combine like independent witnesses (noisy-OR)::

    >>> combine([0.6, 0.5])
    0.8
"""
from __future__ import annotations

from typing import Iterable, List, Tuple

from stream_processors.state import AlertGroup, StreamState

__all__ = ["corroborate", "combine", "prices_agree", "PINNED_CONFIDENCE"]

# How much a platform's pinned price is worth as a witness: it is the
# platform's own record, not a transcription, but a pin can be stale.
PINNED_CONFIDENCE = 0.95


def combine(confidences: Iterable[float]) -> float:
    miss = 1.0
    for c in confidences:
        miss *= 1.0 - max(0.0, min(1.0, c))
    return round(1.0 - miss, 4)


def prices_agree(a: int, b: int, tolerance: float) -> bool:
    """Two unit prices agree when they differ by at most ``tolerance`` of the larger."""
    if a <= 0 or b <= 0:
        return False
    return abs(a - b) <= tolerance * max(a, b)


def corroborate(group: AlertGroup, stream: StreamState, tolerance: float) -> Tuple[List[str], float]:
    """The group's corroboration sources (sorted) and its combined confidence."""
    mentions = group.all_mentions()
    speech = [m for m in mentions if m.source == "speech"]
    pinned = [m for m in mentions if m.source == "pinned"]
    sources: List[str] = []
    witnesses: List[float] = []

    if speech:
        best = max(speech, key=lambda m: m.confidence)
        witnesses.append(best.confidence)
        others = [m for m in speech if m.transcript_seq != best.transcript_seq
                  and prices_agree(m.unit_price_idr, best.unit_price_idr, tolerance)]
        if others:
            sources.append("independent_mention")
            witnesses.append(max(m.confidence for m in others))

    pin_agrees = bool(pinned) or any(
        p.category == group.category and p.price_idr is not None
        and any(prices_agree(p.price_idr, m.unit_price_idr, tolerance) for m in speech)
        for p in stream.pinned_products()
    )
    if pin_agrees:
        sources.append("pinned_price")
        witnesses.append(PINNED_CONFIDENCE)

    if group.confirmed_by:
        sources.append("operator")
        witnesses.append(1.0)
    return sorted(sources), combine(witnesses)
