"""TikTok LIVE (including TikTok Shop live rooms).

Resolving: ``https://www.tiktok.com/@user/live`` → the room id from the
user's live room endpoint (``/api-live/user/room/``) → room info
(``/webcast/room/info/``) with the status (2 = live, 4 = ended) and pull URLs
(``stream_url.flv_pull_url`` by quality, ``stream_url.hls_pull_url``). The
lowest quality is taken: the audio is the same in every quality.

Events come through the TikTokLive library (``pip install TikTokLive``),
imported only when a TikTok stream is attached; each library event is kept as
``{"event": <TikTokLive event class>, "data": <event.to_dict()>}`` and parsed
here: ``CommentEvent``, ``RoomUserSeqEvent`` (viewers),
``OecLiveShoppingEvent`` (the pinned product card: title, price string, shop),
``CaptionEvent`` (TikTok's own captions of the host's speech, kind
``caption``, handed on once ``pantau.records.EVENT_KINDS`` lists it),
``LiveEndEvent``. Without the library the audio is still read.

Tried against: recorded payloads only (``tests/resources/platforms/tiktok``),
built from TikTokLive's and TikTok's published message schemas; never against
the live service (not reachable from where Pantau was built).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator, Optional

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from collectors.events import EventSource, UnknownEvent
from collectors.fetch import fetch_bytes
from collectors.platforms._money import parse_idr
from collectors.platforms.base import Platform, ResolvedStream, url_pattern
from pantau.records import EVENT_KINDS, ProductSnapshot, StreamEvent, StreamSpec

__all__ = ["TikTokPlatform", "TikTokLiveSource"]

log = logging.getLogger("pantau.collectors.tiktok")

LIVE, ENDED = 2, 4
QUALITY_ORDER = ("SD2", "SD1", "LD", "HD1", "FULL_HD1", "ORIGION")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# -- room lookup payloads ---------------------------------------------------
class _RoomUser(_Loose):
    room_id: str = Field(default="", alias="roomId")
    status: int = 0


class _UserRoomData(_Loose):
    user: _RoomUser


class UserRoomResponse(_Loose):
    status_code: int = Field(alias="statusCode")
    data: Optional[_UserRoomData] = None


class _StreamURL(_Loose):
    flv_pull_url: dict[str, str] = {}
    hls_pull_url: str = ""


class _RoomInfoData(_Loose):
    status: int
    title: str = ""
    stream_url: Optional[_StreamURL] = None


class RoomInfoResponse(_Loose):
    status_code: int
    data: _RoomInfoData


# -- TikTokLive events, as event.to_dict() gives them ------------------------
class _User(_Loose):
    nick_name: str = Field(default="", alias="nickName")
    unique_id: str = Field(default="", alias="uniqueId")


class _Common(_Loose):
    create_time: int = Field(default=0, alias="createTime")  # milliseconds


class _Event(_Loose):
    common: _Common = _Common()


class CommentData(_Event):
    user: _User = _User()
    content: str


class RoomUserSeqData(_Event):
    total: int = 0
    total_user: int = Field(default=0, alias="totalUser")


class _ShopData(_Loose):
    title: str = ""
    price_string: str = Field(default="", alias="priceString")
    shop_name: str = Field(default="", alias="shopName")
    shop_url: str = Field(default="", alias="shopUrl")


class LiveShoppingData(_Event):
    shop_data: _ShopData = Field(alias="shopData")
    product_id: str = Field(default="", alias="productId")


class _CaptionContent(_Loose):
    lang: str = ""
    content: str = ""


class CaptionData(_Event):
    content: list[_CaptionContent] = []


class LiveEndData(_Event):
    action: int = 0


class _Raw(_Loose):
    event: str
    data: dict[str, Any] = {}


MODELS: dict[str, type[_Event]] = {
    "CommentEvent": CommentData,
    "RoomUserSeqEvent": RoomUserSeqData,
    "OecLiveShoppingEvent": LiveShoppingData,
    "CaptionEvent": CaptionData,
    "LiveEndEvent": LiveEndData,
}
# Events TikTokLive emits that say nothing Pantau uses.
IGNORED = ("LikeEvent", "GiftEvent", "JoinEvent", "FollowEvent", "ShareEvent", "SocialEvent", "ConnectEvent")


class TikTokLiveSource(EventSource):
    """Events of one TikTok LIVE room through the TikTokLive library (imported lazily)."""

    def __init__(self, unique_id: str, queue_size: int = 256) -> None:
        self.unique_id = unique_id
        self.queue_size = queue_size

    async def messages(self, session, settings, report) -> AsyncIterator[dict[str, Any]]:
        # An optional dependency: only TikTok streams need it, and it is not
        # exercised against the live service here (see the module docstring).
        import TikTokLive.events as tiktok_events
        from TikTokLive import TikTokLiveClient

        client = TikTokLiveClient(unique_id=self.unique_id)
        queue: asyncio.Queue = asyncio.Queue(maxsize=self.queue_size)

        async def forward(event: Any) -> None:
            name = type(event).__name__
            if name in MODELS:
                if queue.full():
                    report.error("events_dropped", "event queue full")
                    return
                queue.put_nowait({"event": name, "data": event.to_dict()})

        for name in MODELS:
            client.add_listener(getattr(tiktok_events, name), forward)
        task = await client.start(fetch_room_info=False)
        try:
            while not task.done() or not queue.empty():
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                else:
                    getter.cancel()
        finally:
            await client.disconnect()


def caption_text(data: CaptionData) -> str:
    """TikTok's caption of the host's speech, all language parts joined."""
    return " ".join(c.content for c in data.content if c.content)


def _lowest_quality(urls: dict[str, str]) -> Optional[str]:
    for quality in QUALITY_ORDER:
        if urls.get(quality):
            return urls[quality]
    return next((u for u in urls.values() if u), None)


@url_pattern(r"https?://(?:www\.|m\.)?tiktok\.com/@(?P<user>[\w.-]+)/live/?(?:\?.*)?$")
class TikTokPlatform(Platform):
    name = "tiktok"
    requests_per_second = 0.5  # TikTok blocks eager clients; room info is cheap to wait for
    status_poll_seconds = 60.0
    api_base = "https://www.tiktok.com"
    webcast_base = "https://webcast.tiktok.com"

    async def _json(self, session: aiohttp.ClientSession, url: str) -> Any:
        body = await fetch_bytes(session, url, self.settings.max_message_bytes, self.settings.request_timeout)
        return json.loads(body)

    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        found = self.match_url(spec.url)
        if not found:
            raise ValueError(f"not a TikTok LIVE URL: {spec.url}")
        user = found.group("user")
        lookup = UserRoomResponse.model_validate(
            await self._json(session, f"{self.api_base}/api-live/user/room/?aid=1988&sourceType=54&uniqueId={user}")
        )
        if lookup.data is None or not lookup.data.user.room_id:
            return ResolvedStream(audio_url=None, live=False)
        room = RoomInfoResponse.model_validate(
            await self._json(session, f"{self.webcast_base}/webcast/room/info/?aid=1988&room_id={lookup.data.user.room_id}")
        )
        return self.from_room_info(room, user)

    def from_room_info(self, room: RoomInfoResponse, user: str) -> ResolvedStream:
        info = room.data
        if info.status != LIVE or info.stream_url is None:
            return ResolvedStream(audio_url=None, live=False, ended=info.status == ENDED, title=info.title)
        flv = _lowest_quality(info.stream_url.flv_pull_url)
        url, kind = (flv, "flv") if flv else (info.stream_url.hls_pull_url, "hls")
        return ResolvedStream(audio_url=url, kind=kind, events=self.event_source(user), live=True, title=info.title)

    def event_source(self, user: str) -> Optional[EventSource]:
        try:
            import TikTokLive  # noqa: F401
        except ImportError:
            log.warning("TikTokLive is not installed: TikTok events (pins, comments, captions) are not read")
            return None
        return TikTokLiveSource(user)

    def parse_event(self, raw: dict[str, Any], stream_id: str) -> Optional[StreamEvent]:
        envelope = _Raw.model_validate(raw)
        if envelope.event in IGNORED:
            return None
        model = MODELS.get(envelope.event)
        if model is None:
            raise UnknownEvent(f"unknown TikTokLive event {envelope.event[:40]!r}")
        data = model.model_validate(envelope.data)
        base: dict[str, Any] = {"stream_id": stream_id, "time": data.common.create_time / 1000, "raw": raw}
        if isinstance(data, CommentData):
            return StreamEvent(kind="comment", user=data.user.unique_id or data.user.nick_name, text=data.content, **base)
        if isinstance(data, RoomUserSeqData):
            return StreamEvent(kind="viewers", viewers=data.total or data.total_user, **base)
        if isinstance(data, LiveShoppingData):
            shop = data.shop_data
            product = ProductSnapshot(
                product_id=data.product_id, title=shop.title, price_idr=parse_idr(shop.price_string), shop=shop.shop_name or None
            )
            return StreamEvent(kind="product_pinned", product=product, **base)
        if isinstance(data, CaptionData):
            text = caption_text(data)
            # Downstream validation refuses kinds outside EVENT_KINDS; until
            # "caption" is one of them, captions are parsed but not handed on.
            if not text or "caption" not in EVENT_KINDS:
                return None
            return StreamEvent(kind="caption", text=text, **base)
        if isinstance(data, LiveEndData):
            return StreamEvent(kind="stream_ended", **base)
        return None
