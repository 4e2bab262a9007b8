from collectors.platforms import load_platforms
from pantau.config import CollectorSettings
from pantau.records import StreamSpec
from platform_cases import PlatformCase


class TestGeneric(PlatformCase):
    name = "generic"
    should_match = [
        "https://cdn.example.id/live/toko/index.m3u8",
        "http://10.0.0.5:8080/stream/playlist.m3u8?token=abc",
        "https://edge.example.com/live/room1.flv",
        "https://edge.example.com/live/room1.flv?auth=x&t=1",
    ]
    should_not_match = [
        "file:///etc/passwd.m3u8",
        "ftp://example.com/live.m3u8",
        "https://example.com/live/room1.mp4",
        "https://example.com/",
        "rtmp://example.com/live/room1.flv",
    ]


async def test_kind_comes_from_the_label_or_the_extension():
    generic = load_platforms()["generic"](CollectorSettings())
    flv = await generic.resolve(StreamSpec(stream_id="a", url="https://e.com/a.flv"), None)
    hls = await generic.resolve(StreamSpec(stream_id="b", url="https://e.com/b.m3u8"), None)
    forced = await generic.resolve(StreamSpec(stream_id="c", url="https://e.com/live", labels={"audio": "flv"}), None)
    assert (flv.kind, hls.kind, forced.kind) == ("flv", "hls", "flv")
    assert flv.live and flv.events is None


async def test_an_events_url_is_read_as_a_websocket():
    generic = load_platforms()["generic"](CollectorSettings())
    spec = StreamSpec(stream_id="a", url="https://e.com/a.m3u8", events_url="wss://e.com/events")
    resolved = await generic.resolve(spec, None)
    assert resolved.events is not None and resolved.events.url == "wss://e.com/events"


def test_a_direct_media_url_stays_generic_even_if_another_adapter_knows_its_shape():
    from collectors.platforms import platform_for_spec

    url = "http://127.0.0.1:8600/rooms/batik-laweyan/live.m3u8"
    assert platform_for_spec(StreamSpec(stream_id="s", url=url)).name == "generic"
    assert platform_for_spec(StreamSpec(stream_id="s", url=url, platform="simulator")).name == "simulator"
