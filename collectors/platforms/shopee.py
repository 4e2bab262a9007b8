"""Shopee Live (live.shopee.co.id).

A stream is a live session (``https://live.shopee.co.id/share?session=123``)
or a shop (``https://shopee.co.id/shop/456/live``, or ``labels={"shop_id":
...}``) whose current session is looked up first. The session endpoint
(``/api/v1/session/{id}``) gives the status (1 = live, 2 = ended, 0 = not
started) and the HTTP-FLV ``play_url``. Shopee's in-room chat and product
pins go over a proprietary socket that is not read: Shopee streams give audio
only.

Tried against: recorded payloads only (``tests/resources/platforms/shopee``),
built from the format community tools document for these endpoints; never
against the live service (not reachable from where Pantau was built).
"""
from __future__ import annotations

import json
from typing import Any, Optional

import aiohttp
from pydantic import BaseModel, ConfigDict

from collectors.fetch import fetch_bytes
from collectors.platforms.base import Platform, ResolvedStream, url_pattern
from pantau.records import StreamSpec

__all__ = ["ShopeePlatform"]

NOT_STARTED, LIVE, ENDED = 0, 1, 2


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Session(_Loose):
    session_id: int
    status: int
    title: str = ""
    play_url: str = ""
    shop_id: Optional[int] = None
    username: str = ""


class _SessionData(_Loose):
    session: _Session


class SessionResponse(_Loose):
    err_code: int
    err_msg: str = ""
    data: Optional[_SessionData] = None


class _ShopLive(_Loose):
    session_id: int = 0  # 0: the shop is not live


class ShopLiveResponse(_Loose):
    err_code: int
    data: Optional[_ShopLive] = None


@url_pattern(r"https?://live\.shopee\.co\.id/share\?(?:.*&)?session=(?P<session>\d+)")
@url_pattern(r"https?://live\.shopee\.co\.id/(?P<session>\d+)/?(?:\?.*)?$")
@url_pattern(r"https?://(?:www\.)?shopee\.co\.id/shop/(?P<shop>\d+)/live/?$")
class ShopeePlatform(Platform):
    name = "shopee"
    requests_per_second = 1.0
    status_poll_seconds = 30.0
    api_base = "https://live.shopee.co.id"

    async def _json(self, session: aiohttp.ClientSession, url: str) -> Any:
        return json.loads(await fetch_bytes(session, url, self.settings.max_message_bytes, self.settings.request_timeout))

    async def resolve(self, spec: StreamSpec, session: aiohttp.ClientSession) -> ResolvedStream:
        found = self.match_url(spec.url)
        groups = found.groupdict() if found else {}
        session_id = groups.get("session")
        shop_id = groups.get("shop") or spec.labels.get("shop_id")
        if not session_id:
            if not shop_id:
                raise ValueError(f"not a Shopee Live session or shop URL: {spec.url}")
            shop = ShopLiveResponse.model_validate(
                await self._json(session, f"{self.api_base}/api/v1/shop_page/live/session?shop_id={shop_id}")
            )
            if shop.err_code != 0 or shop.data is None or not shop.data.session_id:
                return ResolvedStream(audio_url=None, live=False)
            session_id = str(shop.data.session_id)
        response = SessionResponse.model_validate(await self._json(session, f"{self.api_base}/api/v1/session/{session_id}"))
        return self.from_session(response)

    def from_session(self, response: SessionResponse) -> ResolvedStream:
        if response.err_code != 0 or response.data is None:
            raise ValueError(f"Shopee session lookup failed: {response.err_code} {response.err_msg}")
        live = response.data.session
        if live.status != LIVE or not live.play_url:
            return ResolvedStream(audio_url=None, live=False, ended=live.status == ENDED, title=live.title)
        kind = "hls" if ".m3u8" in live.play_url else "flv"
        return ResolvedStream(audio_url=live.play_url, kind=kind, live=True, title=live.title)
