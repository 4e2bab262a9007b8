import aiohttp

from collectors.platforms import load_platforms
from pantau.config import CollectorSettings
from pantau.records import StreamSpec
from platform_cases import PlatformCase, json_app, payload


class TestShopee(PlatformCase):
    name = "shopee"
    should_match = [
        "https://live.shopee.co.id/share?from=live&session=123456789",
        "https://live.shopee.co.id/share?session=123456789&share_user_id=1",
        "https://live.shopee.co.id/123456789",
        "https://shopee.co.id/shop/456789/live",
    ]
    should_not_match = [
        "https://shopee.co.id/Kemeja-Batik-i.456789.123456",
        "https://live.shopee.com.my/share?session=1",
        "https://live.shopee.co.id.evil.example/share?session=1",
        "https://shopee.co.id/shop/456789",
    ]


async def resolve_with(serve, url: str, session_payload: str, shop_payload: str = "shop_live.json"):
    base = await serve(
        json_app(
            {
                "/api/v1/session/123456789": payload("shopee", session_payload),
                "/api/v1/shop_page/live/session": payload("shopee", shop_payload),
            }
        )
    )
    platform = load_platforms()["shopee"](CollectorSettings())
    platform.api_base = base
    async with aiohttp.ClientSession() as session:
        return await platform.resolve(StreamSpec(stream_id="s", url=url), session)


async def test_a_live_session_resolves_to_its_flv_play_url(serve):
    resolved = await resolve_with(serve, "https://live.shopee.co.id/share?session=123456789", "session_live.json")
    assert resolved.live and resolved.kind == "flv"
    assert resolved.audio_url.startswith("https://play-live.shopee.co.id/live/id-live-123456789.flv")
    assert resolved.events is None  # Shopee's chat socket is not read


async def test_a_shop_is_looked_up_for_its_current_session(serve):
    live = await resolve_with(serve, "https://shopee.co.id/shop/456789/live", "session_live.json")
    assert live.live
    offline = await resolve_with(serve, "https://shopee.co.id/shop/456789/live", "session_live.json", "shop_offline.json")
    assert not offline.live and not offline.ended


async def test_an_ended_session_is_ended(serve):
    resolved = await resolve_with(serve, "https://live.shopee.co.id/123456789", "session_ended.json")
    assert resolved.ended and not resolved.live
