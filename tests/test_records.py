"""The records are the contracts between subsystems: they must round-trip."""
import json

import pytest

from pantau.records import Alert, AudioChunk, Offer, ProductSnapshot, StreamEvent, StreamSpec, Transcript, Word


def test_audio_chunk_round_trips_pcm_and_hash():
    pcm = bytes(range(256)) * 125  # 32000 bytes = 1 s of 16 kHz s16
    chunk = AudioChunk.from_pcm("room-1", 7, 12.0, 1_700_000_000.0, pcm)
    back = AudioChunk.loads(chunk.dumps())
    assert back == chunk
    assert back.pcm == pcm
    assert back.duration == pytest.approx(1.0)
    import hashlib

    assert back.sha256 == hashlib.sha256(pcm).hexdigest()


def test_gap_marker_carries_no_audio():
    gap = AudioChunk.gap_marker("room-1", 3, 10.0, 14.0, 1.0)
    assert gap.gap and gap.pcm == b"" and gap.duration == 4.0


def test_nested_records_round_trip():
    offer = Offer(category="shoes", product_text="sepatu", price_idr=25_000, unit_price_idr=25_000, span=[10, 30])
    alert = Alert(
        alert_id="a1", rule="below_reference_cost", severity="high", confidence=0.8, stream_id="s",
        seller_id="seller", platform="simulator", category="shoes", offer=offer,
    )
    back = Alert.loads(alert.dumps())
    assert isinstance(back.offer, Offer)
    assert back.offer.price_idr == 25_000 and back.offer.span == [10, 30]
    event = StreamEvent(stream_id="s", kind="product_pinned", time=1.0, product=ProductSnapshot(title="x", price_idr=9))
    assert StreamEvent.loads(event.dumps()).product.price_idr == 9
    t = Transcript(stream_id="s", seq=1, t0=0, t1=1, wall_time=0, text="a", words=[Word(word="a", start=0, end=1, probability=0.9)])
    assert Transcript.loads(t.dumps()).words[0].probability == 0.9


def test_payload_is_plain_json_without_faust_metadata():
    data = json.loads(StreamSpec(stream_id="s", url="http://x/").dumps())
    assert "__faust" not in data and data["stream_id"] == "s"


def test_default_lists_are_not_shared_between_records():
    a = Offer(category=None, product_text="", price_idr=1)
    b = Offer(category=None, product_text="", price_idr=1)
    a.span.append(3)
    assert b.span == []


def test_offer_contract_has_exactly_the_contract_fields():
    offer = Offer(category=None, product_text="p", price_idr=10, quantity=2, unit_price_idr=5, span=[0, 1], stream_id="s")
    assert set(offer.contract()) == {
        "category", "product_text", "price_idr", "quantity", "unit_price_idr", "list_price_idr",
        "imported", "confidence", "span",
    }
