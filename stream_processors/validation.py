"""What a record must look like before the rules see it.

A record that fails is a BadRecord with a short, bounded ``reason`` (a metric
label and the dead-letter topic's reason field) and a human ``detail``. The
Faust agents send such records to the dead-letter topic; the embedded runner
counts and logs them. Either way the worker keeps running::

    >>> from pantau.records import Offer
    >>> try:
    ...     check_offer(Offer(category="shoes", product_text="sepatu", price_idr=0, stream_id="s"))
    ... except BadRecord as bad:
    ...     print(bad.reason)
    absurd_price
"""
from __future__ import annotations

import json
from typing import Any, Type, TypeVar

from pantau.catalog import load_catalog
from pantau.records import EVENT_KINDS, Offer, StreamEvent, StreamSpec

__all__ = ["BadRecord", "decode", "check_offer", "check_event", "check_spec", "REASONS",
           "MIN_PRICE_IDR", "MAX_PRICE_IDR"]

# Bounded set of reasons, used as metric labels.
REASONS = ("bad_json", "wrong_schema", "missing_field", "absurd_price", "unknown_category", "unknown_kind")

# No live-shopping offer costs less than a hundred rupiah a unit or more than
# a billion: outside that range the number is a misparse, not a price.
MIN_PRICE_IDR = 100
MAX_PRICE_IDR = 1_000_000_000
MAX_QUANTITY = 10_000

R = TypeVar("R")


class BadRecord(ValueError):
    """A record the processors cannot use; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def decode(record_type: Type[R], raw: bytes | str) -> R:
    """Parse a topic payload into ``record_type``, or raise BadRecord."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRecord("bad_json", f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRecord("wrong_schema", f"expected a JSON object, got {type(data).__name__}")
    try:
        return record_type.from_data(data)  # type: ignore[attr-defined]
    except TypeError as exc:
        raise BadRecord("missing_field", str(exc).split(") ", 1)[-1]) from None
    except (ValueError, KeyError, AttributeError) as exc:
        raise BadRecord("wrong_schema", str(exc)) from None


def _need(cond: bool, reason: str, detail: str) -> None:
    if not cond:
        raise BadRecord(reason, detail)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_offer(offer: Offer) -> Offer:
    """Raise BadRecord unless ``offer`` can be judged; returns it for chaining."""
    _need(isinstance(offer.stream_id, str) and bool(offer.stream_id), "missing_field", "offer has no stream_id")
    _need(isinstance(offer.product_text, str), "wrong_schema", "product_text must be a string")
    _need(_is_int(offer.price_idr), "wrong_schema", f"price_idr must be an integer, got {offer.price_idr!r}")
    _need(_is_int(offer.quantity) and 1 <= offer.quantity <= MAX_QUANTITY, "wrong_schema",
          f"quantity must be an integer 1..{MAX_QUANTITY}, got {offer.quantity!r}")
    _need(_is_int(offer.unit_price_idr), "wrong_schema", "unit_price_idr must be an integer")
    _need(_is_number(offer.confidence) and 0 <= offer.confidence <= 1, "wrong_schema",
          f"confidence must be 0..1, got {offer.confidence!r}")
    _need(_is_number(offer.wall_time), "wrong_schema", "wall_time must be a number")
    _need(offer.source in ("speech", "pinned"), "wrong_schema", f"unknown offer source {offer.source!r}")
    _need(MIN_PRICE_IDR <= offer.price_idr <= MAX_PRICE_IDR, "absurd_price",
          f"price_idr {offer.price_idr} is not a plausible price")
    if not offer.unit_price_idr:
        offer.unit_price_idr = round(offer.price_idr / offer.quantity)
    _need(MIN_PRICE_IDR <= offer.unit_price_idr <= MAX_PRICE_IDR, "absurd_price",
          f"unit_price_idr {offer.unit_price_idr} is not a plausible price")
    _need(offer.category is None or offer.category in load_catalog().categories, "unknown_category",
          f"category {offer.category!r} is not in the catalog")
    return offer


def check_event(event: StreamEvent) -> StreamEvent:
    """Raise BadRecord unless ``event`` is a stream event the processors understand."""
    _need(isinstance(event.stream_id, str) and bool(event.stream_id), "missing_field", "event has no stream_id")
    _need(event.kind in EVENT_KINDS, "unknown_kind", f"unknown event kind {event.kind!r}")
    _need(_is_number(event.time), "wrong_schema", "time must be a number")
    if event.kind == "viewers":
        _need(_is_int(event.viewers) and event.viewers >= 0, "wrong_schema",
              f"viewers must be a non-negative integer, got {event.viewers!r}")
    if event.kind == "product_pinned":
        _need(event.product is not None, "missing_field", "product_pinned event has no product")
        price = event.product.price_idr
        _need(price is None or _is_int(price), "wrong_schema", f"product price must be an integer, got {price!r}")
        if price is not None:
            _need(MIN_PRICE_IDR <= price <= MAX_PRICE_IDR, "absurd_price", f"pinned price {price} is not plausible")
    return event


def check_spec(spec: StreamSpec) -> StreamSpec:
    _need(isinstance(spec.stream_id, str) and bool(spec.stream_id), "missing_field", "stream spec has no stream_id")
    _need(spec.merchant_type in ("domestic", "cross_border"), "wrong_schema",
          f"merchant_type must be domestic or cross_border, got {spec.merchant_type!r}")
    return spec
