import aiohttp
import pytest

from collectors import UnknownEvent
from collectors.platforms import load_platforms
from collectors.simulator import SimulatorServer, load_rooms
from pantau.config import CollectorSettings
from platform_cases import PlatformCase, payload_lines


class TestSimulator(PlatformCase):
    name = "simulator"
    should_match = [
        "http://127.0.0.1:8600/rooms/batik-laweyan/live.m3u8",
        "http://localhost:9000/rooms/grosir-impor-murah/live.flv",
    ]
    should_not_match = [
        "http://127.0.0.1:8600/rooms/batik-laweyan/segments/3.ts",
        "http://127.0.0.1:8600/rooms",
        "https://www.tiktok.com/@shop/live",
    ]


def parse(raw):
    return load_platforms()["simulator"](CollectorSettings()).parse_event(raw, "room-1")


def test_recorded_events_parse_into_stream_events():
    by_type: dict = {}
    for raw in payload_lines("simulator", "events.jsonl"):
        by_type.setdefault(raw["type"], raw)
    pin = parse(by_type["product_pin"])
    assert pin.kind == "product_pinned" and pin.stream_id == "room-1"
    assert pin.time == by_type["product_pin"]["ts"]
    assert (pin.product.title, pin.product.price_idr, pin.product.list_price_idr) == (
        "Sepatu Sneakers Pria Wanita Import Murah", 25000, 150000
    )
    assert (pin.product.stock, pin.product.ship_from, pin.product.shop) == (500, "Luar Negeri (Guangzhou)", "Gudang Grosir Murah")
    assert pin.raw == by_type["product_pin"]
    comment = parse(by_type["comment"])
    assert (comment.kind, comment.user, comment.text) == ("comment", "budi.santoso88", "murah bgt 25rb, asli kak?")
    assert parse(by_type["viewers"]).viewers == 1240
    assert parse(by_type["live_start"]).kind == "stream_started"
    assert parse(by_type["live_end"]).kind == "stream_ended"
    assert parse(by_type["room"]) is None  # a status greeting, not an event


def test_unknown_types_and_invalid_values_are_refused():
    lines = payload_lines("simulator", "events.jsonl")
    with pytest.raises(UnknownEvent):
        parse(next(raw for raw in lines if raw["type"] == "gift"))
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        parse(next(raw for raw in lines if raw["type"] == "viewers" and raw["count"] < 0))
    with pytest.raises(ValueError):
        parse({"type": "product_pin", "ts": 1.0})


async def test_resolve_reads_room_status_from_the_simulator():
    async with SimulatorServer(rooms=load_rooms(["batik-laweyan"])) as simulator:
        spec = simulator.stream_specs()[0]
        platform = load_platforms()["simulator"](CollectorSettings())
        async with aiohttp.ClientSession() as session:
            live = await platform.resolve(spec, session)
            assert live.live and live.kind == "hls" and live.audio_url == spec.url
            spec.labels["audio"] = "flv"
            flv = await platform.resolve(spec, session)
            assert flv.kind == "flv" and flv.audio_url.endswith("/live.flv")
            async with session.post(simulator.room_url("batik-laweyan", "schedule"), json={"live_in": 60}) as response:
                assert response.status == 200
            waiting = await platform.resolve(spec, session)
            assert not waiting.live and not waiting.ended
