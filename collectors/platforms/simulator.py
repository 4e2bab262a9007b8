"""Pantau's simulated live-shopping platform (``collectors.simulator``).

Room status from ``GET /rooms/{room}``, audio from the room's live HLS
playlist (or its HTTP-FLV with ``labels={"audio": "flv"}``), events from the
room's WebSocket in the simulator's own JSON format::

    {"type": "product_pin", "seq": 3, "ts": 1764300000.5, "product": {"product_id": "p1",
     "title": "Kemeja batik", "price_idr": 185000, "list_price_idr": 250000, "stock": 40,
     "ship_from": "Surakarta", "shop": "Batik Laweyan", "category": "batik"}}

This format is also what the generic adapter accepts on an ``events_url``.
Tried against: the simulator itself (it is local).
"""
from __future__ import annotations

import json
from typing import Any, Literal, Optional, Union

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from collectors.events import UnknownEvent, WebSocketSource
from collectors.fetch import fetch_bytes
from collectors.platforms.base import Platform, ResolvedStream, url_pattern
from pantau.records import ProductSnapshot, StreamEvent, StreamSpec

__all__ = ["SimulatorPlatform", "parse_pantau_event"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    ts: float = 0.0


class Product(BaseModel):
    model_config = ConfigDict(extra="allow")
    product_id: str = ""
    title: str = ""
    price_idr: Optional[int] = Field(default=None, ge=0)
    list_price_idr: Optional[int] = Field(default=None, ge=0)
    stock: Optional[int] = Field(default=None, ge=0)
    ship_from: Optional[str] = None
    shop: Optional[str] = None
    category: Optional[str] = None


class ProductPin(_Message):
    type: Literal["product_pin"]
    product: Product


class Comment(_Message):
    type: Literal["comment"]
    user: str = ""
    text: str


class Viewers(_Message):
    type: Literal["viewers"]
    count: int = Field(ge=0)


class LiveStart(_Message):
    type: Literal["live_start"]


class LiveEnd(_Message):
    type: Literal["live_end"]


class RoomStatus(_Message):
    type: Literal["room"]
    status: str = ""


class _Envelope(BaseModel):
    message: Union[ProductPin, Comment, Viewers, LiveStart, LiveEnd, RoomStatus] = Field(discriminator="type")


KNOWN = ("product_pin", "comment", "viewers", "live_start", "live_end", "room")


def parse_pantau_event(raw: dict[str, Any], stream_id: str) -> Optional[StreamEvent]:
    """Parse one message of the simulator's (and the generic) event format."""
    if raw.get("type") not in KNOWN:
        raise UnknownEvent(f"unknown event type {str(raw.get('type'))[:40]!r}")
    message = _Envelope.model_validate({"message": raw}).message
    base = {"stream_id": stream_id, "time": message.ts, "raw": raw}
    if isinstance(message, ProductPin):
        product = ProductSnapshot(**message.product.model_dump(include=set(ProductSnapshot._options.fields)))
        return StreamEvent(kind="product_pinned", product=product, **base)
    if isinstance(message, Comment):
        return StreamEvent(kind="comment", user=message.user, text=message.text, **base)
    if isinstance(message, Viewers):
        return StreamEvent(kind="viewers", viewers=message.count, **base)
    if isinstance(message, LiveStart):
        return StreamEvent(kind="stream_started", **base)
    if isinstance(message, LiveEnd) or (isinstance(message, RoomStatus) and message.status == "ended"):
        return StreamEvent(kind="stream_ended", **base)
    return None


class RoomInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    status: Literal["waiting", "live", "ended"]
    hls: str
    flv: str
    events: str
    title: str = ""


@url_pattern(r"https?://[^/]+/rooms/(?P<room>[\w-]+)/live\.(?:m3u8|flv)(?:\?.*)?$")
class SimulatorPlatform(Platform):
    name = "simulator"
    requests_per_second = 50.0  # local: the budget only guards against loops
    status_poll_seconds = 1.0

    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        found = self.match_url(spec.url)
        if not found:
            raise ValueError(f"not a simulator room URL: {spec.url}")
        info_url = spec.url[: found.end("room")]
        body = await fetch_bytes(session, info_url, self.settings.max_message_bytes, self.settings.request_timeout)
        info = RoomInfo.model_validate(json.loads(body))
        kind = "flv" if spec.labels.get("audio") == "flv" else "hls"
        audio_url = info.flv if kind == "flv" else spec.url
        events = WebSocketSource(spec.events_url or info.events)
        return ResolvedStream(
            audio_url=audio_url,
            kind=kind,
            events=events,
            live=info.status == "live",
            ended=info.status == "ended",
            title=info.title,
        )

    def parse_event(self, raw: dict[str, Any], stream_id: str) -> Optional[StreamEvent]:
        return parse_pantau_event(raw, stream_id)
