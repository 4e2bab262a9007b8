import re

from pantau.records import Offer
from transcription.agreement import TimedWord
from transcription.offers import LOW_PRICE_PROBABILITY, UtteranceWord, offers_from_words, price_confidence


def extract_ribu(text: str) -> list[Offer]:
    """Test double for transcription.extraction: "<number words> ribu" is an offer, span on those words."""
    units = {"dua": 2, "lima": 5, "puluh": 10}
    offers = []
    for m in re.finditer(r"((?:dua|lima|puluh) ?)+ribu", text):
        offers.append(Offer(category="tshirt", product_text="kaos", price_idr=25000, confidence=0.9,
                            span=[m.start(), m.end()]))
    assert units  # keeps the double honest about what it knows
    return offers


def utterance(probs: dict[str, float]) -> list[UtteranceWord]:
    text = "kaos ini cuma dua puluh lima ribu saja"
    return [
        UtteranceWord(TimedWord(w, 10 + i * 0.5, 10 + i * 0.5 + 0.4, probs.get(w, 0.95)), 2000 + i * 0.5, 7 if i < 5 else 8)
        for i, w in enumerate(text.split())
    ]


def test_offer_points_at_the_seconds_of_its_price_words():
    (offer,) = offers_from_words("room-1", utterance({}), extract_ribu)
    assert offer.stream_id == "room-1" and offer.text == "kaos ini cuma dua puluh lima ribu saja"
    assert offer.t0 == 11.5 and offer.t1 == 13.4  # "dua" .. "ribu"
    assert offer.wall_time == 2001.5
    assert offer.transcript_seq == 8  # the transcript that committed "ribu"
    assert offer.confidence == 0.9


def test_price_heard_with_low_probability_lowers_confidence():
    (sure,) = offers_from_words("room-1", utterance({}), extract_ribu)
    (doubtful,) = offers_from_words("room-1", utterance({"lima": 0.2}), extract_ribu)
    assert doubtful.confidence < sure.confidence * 0.5
    # a doubtful word outside the price does not matter
    (other,) = offers_from_words("room-1", utterance({"kaos": 0.1}), extract_ribu)
    assert other.confidence == sure.confidence


def test_price_confidence_looks_only_at_number_words():
    words = [TimedWord("kaos", 0, 1, 0.1), TimedWord("25rb", 1, 2, 0.7), TimedWord("ribu", 2, 3, 0.95)]
    assert price_confidence(words) == 0.7
    assert price_confidence([TimedWord("halo", 0, 1, 0.2)]) == 1.0
    assert 0 < LOW_PRICE_PROBABILITY < 1
