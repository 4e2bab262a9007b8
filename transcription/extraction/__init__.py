"""Indonesian spoken-offer extraction: what a live host says, as offers.

``extract_offers(text)`` turns one utterance (as transcribed, ASR noise and
all) into ``pantau.records.Offer`` records with the fields of the extraction
contract in DESIGN.md::

    >>> [o.contract()["price_idr"] for o in extract_offers("Kaos ini cuma dua puluh lima ribu")]
    [25000]

``extract(text)`` is the same without records (plain ``Draft`` objects);
``parse_amount`` reads one written-out number. See docs/extraction.md.
"""
from transcription.extraction.numbers import parse_amount, spoken_amount
from transcription.extraction.offers import Draft, extract, extract_offers
from transcription.extraction.products import ProductMatcher

__all__ = ["extract_offers", "extract", "Draft", "parse_amount", "spoken_amount", "ProductMatcher"]
