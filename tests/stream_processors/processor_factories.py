"""Record factories for the processors' tests."""
from __future__ import annotations

from pantau.records import Offer, ProductSnapshot, StreamEvent, StreamSpec

T0 = 1_780_000_000.0  # 2026-05-28, inside the sample reference costs' validity


def spec(stream_id: str = "room-1", seller_id: str = "toko-a", merchant_type: str = "domestic",
         platform: str = "simulator") -> StreamSpec:
    return StreamSpec(stream_id=stream_id, url=f"http://127.0.0.1/{stream_id}.m3u8", platform=platform,
                      seller_id=seller_id, seller_name=seller_id.title(), merchant_type=merchant_type)


def offer(category: str | None = "shoes", price: int = 25_000, stream_id: str = "room-1", at: float = 0.0,
          confidence: float = 0.7, seq: int = 1, quantity: int = 1, text: str = "") -> Offer:
    return Offer(category=category, product_text=text or (category or "barang"), price_idr=price,
                 quantity=quantity, unit_price_idr=round(price / quantity), confidence=confidence,
                 stream_id=stream_id, t0=at, t1=at + 2, wall_time=T0 + at, transcript_seq=seq,
                 offer_id=f"{stream_id}:{seq}:{at}:{price}")


def pin(price: int = 25_000, stream_id: str = "room-1", at: float = 0.0, title: str = "Sepatu Sneakers Import",
        category: str | None = None, product_id: str = "p1", seq: int = 1) -> StreamEvent:
    return StreamEvent(stream_id=stream_id, kind="product_pinned", time=T0 + at, seq=seq,
                       product=ProductSnapshot(product_id=product_id, title=title, price_idr=price,
                                               category=category, ship_from="Luar Negeri"))


def viewers(count: int, stream_id: str = "room-1", at: float = 0.0) -> StreamEvent:
    return StreamEvent(stream_id=stream_id, kind="viewers", time=T0 + at, viewers=count)
