import aiohttp
import pytest

from collectors import UnknownEvent
from collectors.platforms import load_platforms
from pantau.config import CollectorSettings
from collectors.platforms.tiktok import CaptionData, caption_text
from pantau.records import EVENT_KINDS, StreamSpec
from platform_cases import PlatformCase, json_app, payload, payload_lines


class TestTikTok(PlatformCase):
    name = "tiktok"
    should_match = [
        "https://www.tiktok.com/@grosirimpor.murah/live",
        "https://www.tiktok.com/@toko_batik/live?lang=id-ID",
        "https://m.tiktok.com/@shop123/live/",
        "http://tiktok.com/@a.b-c/live",
    ]
    should_not_match = [
        "https://www.tiktok.com/@grosirimpor.murah",
        "https://www.tiktok.com/@grosirimpor.murah/video/7441234567890123456",
        "https://www.tiktok.com.evil.example/@x/live",
        "https://shop.tiktok.com/view/product/1729384756102938",
    ]


def tiktok():
    return load_platforms()["tiktok"](CollectorSettings())


async def resolve_with(serve, user_room: str, room_info: str):
    base = await serve(
        json_app(
            {
                "/api-live/user/room/": payload("tiktok", user_room),
                "/webcast/room/info/": payload("tiktok", room_info),
            }
        )
    )
    platform = tiktok()
    platform.api_base = platform.webcast_base = base
    async with aiohttp.ClientSession() as session:
        return await platform.resolve(StreamSpec(stream_id="t", url="https://www.tiktok.com/@grosirimpor.murah/live"), session)


async def test_a_live_room_resolves_to_its_lowest_quality_flv(serve):
    resolved = await resolve_with(serve, "user_room_live.json", "room_info_live.json")
    assert resolved.live and resolved.kind == "flv"
    assert "_sd.flv" in resolved.audio_url  # SD2, the cheapest
    assert resolved.title == "FLASH SALE kaos impor 25rb!!"


async def test_an_ended_room_is_ended_and_an_offline_user_not_live(serve):
    ended = await resolve_with(serve, "user_room_live.json", "room_info_ended.json")
    assert not ended.live and ended.ended
    offline = await resolve_with(serve, "user_room_offline.json", "room_info_live.json")
    assert not offline.live and not offline.ended


def test_hls_is_used_when_no_flv_is_offered():
    from collectors.platforms.tiktok import RoomInfoResponse

    room = payload("tiktok", "room_info_live.json")
    room["data"]["stream_url"]["flv_pull_url"] = {}
    resolved = tiktok().from_room_info(RoomInfoResponse.model_validate(room), "grosirimpor.murah")
    assert resolved.kind == "hls" and resolved.audio_url.endswith("index.m3u8?expire=1764388800&sign=0a1b2c")


def test_recorded_tiktoklive_events_parse():
    events = {raw["event"]: raw for raw in payload_lines("tiktok", "events.jsonl")}
    parse = tiktok().parse_event
    pin = parse(events["OecLiveShoppingEvent"], "t")
    assert pin.kind == "product_pinned"
    assert (pin.product.title, pin.product.price_idr, pin.product.shop, pin.product.product_id) == (
        "Kaos Oversize Cotton Combed Impor", 25000, "Grosir Impor Murah", "1729384756102938"
    )
    assert pin.time == pytest.approx(1764302412.5)
    comment = parse(events["CommentEvent"], "t")
    assert (comment.kind, comment.user, comment.text) == ("comment", "sari.belanja", "kak yang hitam masih ada?")
    assert parse(events["RoomUserSeqEvent"], "t").viewers == 1834
    caption = parse(events["CaptionEvent"], "t")
    if "caption" in EVENT_KINDS:
        assert (caption.kind, caption.text) == ("caption", "kaosnya cuma dua puluh lima ribu aja kak")
    else:
        assert caption is None  # parsed, but not a kind downstream accepts yet
    data = CaptionData.model_validate(events["CaptionEvent"]["data"])
    assert caption_text(data) == "kaosnya cuma dua puluh lima ribu aja kak"
    assert parse(events["LiveEndEvent"], "t").kind == "stream_ended"
    assert parse(events["LikeEvent"], "t") is None
    with pytest.raises(UnknownEvent):
        parse(events["WebcastPollMessageEvent"], "t")
