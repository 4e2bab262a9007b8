"""Recorded-style inputs for the processors: what collectors and
transcription would put on the topics for a few live rooms."""
from __future__ import annotations

import json
from typing import List, Tuple

from pantau.records import Offer, ProductSnapshot, StreamEvent, StreamSpec

from processor_factories import T0

Record = Tuple[str, str, bytes]

RULES = dict(escalate_min_alerts=2, escalate_min_severity="high", escalate_min_viewers=1000)


def _spec(stream_id, seller_id, merchant_type="domestic", platform="tiktok"):
    return StreamSpec(stream_id=stream_id, url=f"http://127.0.0.1:8600/rooms/{stream_id}/live.m3u8",
                      platform=platform, seller_id=seller_id, merchant_type=merchant_type)


def _pin(stream_id, at, product_id, title, price):
    return StreamEvent(stream_id=stream_id, kind="product_pinned", time=T0 + at, seq=int(at),
                       product=ProductSnapshot(product_id=product_id, title=title, price_idr=price))


def _said(stream_id, at, seq, category, text, price, confidence, quantity=1):
    return Offer(category=category, product_text=text, price_idr=price, quantity=quantity,
                 unit_price_idr=round(price / quantity), confidence=confidence, stream_id=stream_id,
                 text=f"{text} cuma {price} rupiah", t0=at, t1=at + 3, wall_time=T0 + at,
                 transcript_seq=seq, offer_id=f"{stream_id}:{seq}:{price}")


def phases() -> List[List[Record]]:
    """Specs, then platform events, then speech offers (each phase on its own topics)."""
    specs = [
        _spec("grosir", "gudang-grosir"),
        _spec("grosir-2", "gudang-grosir"),
        _spec("shenzhen", "shenzhen-direct", merchant_type="cross_border", platform="shopee"),
        _spec("batik", "batik-sekar", platform="shopee"),
    ]
    events = [
        StreamEvent(stream_id="grosir", kind="viewers", time=T0 + 1, viewers=4200),
        _pin("grosir", 5, "sp-1", "Sepatu Sneakers Pria Import", 25_000),
        _pin("grosir", 6, "jm-1", "Jam Tangan Pria Digital Anti Air", 130_000),
        _pin("grosir-2", 7, "tas-1", "Tas Selempang Wanita", 20_000),
        _pin("batik", 8, "bt-1", "Kain Batik Tulis Laweyan", 350_000),
        StreamEvent(stream_id="batik", kind="comment", time=T0 + 9, text="kak ready?", user="u1"),
    ]
    offers = [
        _said("grosir", 10, 1, "shoes", "sepatu snikers", 25_000, 0.7),
        _said("grosir", 40, 4, "shoes", "sepatu", 25_000, 0.6),
        # "seratus lima belas ribu" heard without "seratus": the pinned watch says 130,000.
        _said("grosir", 60, 6, "watch", "jam tangan", 15_000, 0.5),
        # "yang ini" about the pinned bag: no product in the speech, the pin's price.
        _said("grosir-2", 70, 7, None, "yang ini", 20_000, 0.7),
        _said("grosir", 80, 8, "tshirt", "kaos", 3_500, 0.4),  # "tiga puluh lima ribu" misheard
        _said("shenzhen", 12, 2, "earphones", "earphone bluetooth", 150_000, 0.8),
        _said("shenzhen", 30, 3, "watch", "smartwatch", 60_000, 0.8, quantity=3),
        _said("batik", 20, 1, "batik", "kain batik tulis", 350_000, 0.9),
        _said("batik", 50, 2, "hijab", "hijab voal", 85_000, 0.9),
    ]
    return [
        [("streams", s.stream_id, s.dumps()) for s in specs],
        [("events", e.stream_id, e.dumps()) for e in events],
        [("offers", o.stream_id, o.dumps()) for o in offers],
    ]


def bad_records() -> List[Tuple[Record, str]]:
    """Records a worker must send to the dead-letter topic, with the reason expected."""
    good = json.loads(_said("grosir", 90, 9, "shoes", "sepatu", 25_000, 0.7).dumps())
    return [
        (("offers", "grosir", b"{not json"), "bad_json"),
        (("offers", "grosir", b"[1, 2, 3]"), "wrong_schema"),
        (("offers", "grosir", json.dumps({"stream_id": "grosir"}).encode()), "missing_field"),
        (("offers", "grosir", json.dumps({**good, "price_idr": 0}).encode()), "absurd_price"),
        (("offers", "grosir", json.dumps({**good, "category": "spaceship"}).encode()), "unknown_category"),
        (("events", "grosir", json.dumps({"stream_id": "grosir", "kind": "teleport", "time": T0}).encode()),
         "unknown_kind"),
    ]
