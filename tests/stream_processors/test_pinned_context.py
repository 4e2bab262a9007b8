"""What a stream's pinned products tell about a spoken offer: the product the
host means by "ini", and a price the speech recogniser misheard."""
import logging

import pytest
from prometheus_client import CollectorRegistry

from pantau.config import RuleSettings
from stream_processors import Processor
from stream_processors.metrics import ProcessorMetrics

from processor_factories import T0, offer, pin, spec

WATCH = "Jam Tangan Pria Digital"  # the title matcher finds "watch"
SHOES = "Sepatu Sneakers Import"   # "shoes"; reference cost 120,000


def make(merchant_type: str = "domestic", registry: CollectorRegistry | None = None) -> Processor:
    metrics = ProcessorMetrics(registry) if registry is not None else None
    processor = Processor(RuleSettings(), metrics=metrics, clock=lambda: T0 + 10_000)
    processor.on_spec(spec(merchant_type=merchant_type))
    return processor


# "kasi ing hape ini, cuma empat ribu rupiah": no product recognised in the
# speech. A cross-border stream, so the floor rule alerts even without a category.
@pytest.mark.parametrize("pins, spoken, category, corroborated", [
    # (title, price, product_id, seconds after start) pinned; spoken unit price
    ([(WATCH, 4_000, "w", 0)], 4_000, "watch", True),
    ([(WATCH, 4_500, "w", 0)], 4_000, "watch", True),            # within price_agreement
    ([(WATCH, 40_000, "w", 0)], 4_000, None, False),             # the pin is something else
    # The pin has no category either; it still agrees with the price ("ini").
    ([("Barang Spesial", 4_000, "x", 0)], 4_000, None, True),
    ([(SHOES, 4_100, "s", 0), (WATCH, 3_900, "w", 5)], 4_000, "watch", True),  # the latest pin
    ([], 4_000, None, False),
])
def test_uncategorised_speech_takes_the_agreeing_pinned_products_category(pins, spoken, category, corroborated):
    processor = make("cross_border")
    for title, price, product_id, at in pins:
        processor.on_event(pin(price=price, title=title, product_id=product_id, at=at))
    alerts = processor.on_offer(offer(None, spoken, at=10, seq=3, confidence=0.6, text="hape"))
    assert alerts
    assert {a.category for a in alerts} == {category}
    assert {a.corroborated for a in alerts} == {corroborated}
    if corroborated:
        assert all("pinned_price" in a.corroboration and a.confidence > 0.95 for a in alerts)


def test_a_recognised_category_is_kept_whatever_is_pinned():
    processor = make()
    processor.on_event(pin(price=4_000, title=WATCH, product_id="w"))
    (alert,) = processor.on_offer(offer("shoes", 4_000, at=5, seq=2))
    assert alert.category == "shoes" and not alert.corroborated


# Shoes pinned at 100,000 (above 0.8 x 120,000: the pin alone raises nothing).
@pytest.mark.parametrize("pinned, category, price, quantity, contradicted", [
    (100_000, "shoes", 5_000, 1, True),     # "delapan puluh lima ribu" heard as "lima ribu"
    (100_000, "shoes", 14_000, 1, True),
    (100_000, "shoes", 20_000, 1, False),   # a flash sale the host announces, not a misheard number
    (100_000, "shoes", 60_000, 1, False),
    (100_000, "shoes", 90_000, 1, False),   # agrees with the pin
    (100_000, "shoes", 100_000, 3, False),  # three for the pinned price: the total agrees
    (100_000, "watch", 5_000, 1, False),    # another product than the one pinned
    (None, "shoes", 5_000, 1, False),       # nothing pinned
])
def test_speech_price_far_below_the_pin_of_its_category_raises_no_alert(pinned, category, price, quantity,
                                                                        contradicted):
    registry = CollectorRegistry()
    processor = make(registry=registry)
    if pinned is not None:
        assert processor.on_event(pin(price=pinned, title=SHOES, product_id="s")) == []
    alerts = processor.on_offer(offer(category, price, quantity=quantity, at=5, seq=2))
    assert (alerts == []) == contradicted
    outcome = registry.get_sample_value("pantau_processor_records_total",
                                        {"topic": "offers", "outcome": "contradicted_by_pin"})
    assert outcome == (1.0 if contradicted else None)


def test_a_contradicted_price_is_logged_once_per_stream_and_product(caplog):
    registry = CollectorRegistry()
    processor = make(registry=registry)
    processor.on_event(pin(price=100_000, title=SHOES, product_id="s"))
    with caplog.at_level(logging.INFO, logger="pantau.processors"):
        for seq in range(3):
            assert processor.on_offer(offer("shoes", 5_000, at=5 + seq, seq=seq + 2)) == []
    assert [r.getMessage() for r in caplog.records if "contradicted" in r.getMessage()] == [
        "stream room-1: spoken shoes at Rp 5000 contradicted by the pinned price Rp 100000; no alert"]
    assert registry.get_sample_value("pantau_processor_records_total",
                                     {"topic": "offers", "outcome": "contradicted_by_pin"}) == 3.0
    # Once the pin is gone the speech is all there is, and it alerts.
    processor.on_event(pin(price=100_000, title=SHOES, product_id="s").derive(kind="product_unpinned"))
    assert processor.on_offer(offer("shoes", 5_000, at=20, seq=9))
