import pytest

from collectors.fetch import FetchError
from collectors.platforms import load_platforms
from pantau.config import CollectorSettings
from pantau.records import StreamSpec
from platform_cases import PlatformCase, payload


class TestYouTube(PlatformCase):
    name = "youtube"
    should_match = [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://youtube.com/live/dQw4w9WgXcQ?si=abc",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/@tokosepatu/live",
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv/live",
    ]
    should_not_match = [
        "https://www.youtube.com/@tokosepatu",
        "https://www.youtube.com/playlist?list=PL123",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    ]


def replaying(recording: str):
    """The adapter with yt-dlp's answer replayed from a recording (no network here)."""
    base = load_platforms()["youtube"]

    class Replay(base):
        def extract_info(self, url):
            if recording == "error":
                raise RuntimeError("ERROR: [youtube] dQw4w9WgXcQ: This live event will begin in 3 hours.")
            return payload("youtube", recording)

    return Replay(CollectorSettings())


SPEC = StreamSpec(stream_id="y", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")


async def test_a_live_broadcast_resolves_to_the_cheapest_hls_format_with_audio():
    resolved = await replaying("info_live.json").resolve(SPEC, None)
    assert resolved.live and resolved.kind == "hls"
    assert "/itag/91/" in resolved.audio_url
    assert resolved.title == "Live jualan sepatu impor murah"


async def test_an_audio_only_format_is_preferred():
    info = payload("youtube", "info_live.json")
    info["formats"].append(
        {"format_id": "233", "url": "https://manifest.googlevideo.com/itag/233/index.m3u8", "protocol": "m3u8_native",
         "acodec": "mp4a.40.5", "vcodec": "none", "tbr": 48.0}
    )  # fmt: skip
    from collectors.platforms.youtube import InfoDict

    resolved = replaying("info_live.json").from_info(InfoDict.model_validate(info))
    assert "/itag/233/" in resolved.audio_url


async def test_upcoming_is_not_live_yet_and_was_live_is_ended():
    upcoming = await replaying("info_upcoming.json").resolve(SPEC, None)
    assert not upcoming.live and not upcoming.ended
    ended = await replaying("info_was_live.json").resolve(SPEC, None)
    assert ended.ended


async def test_a_resolver_failure_is_a_fetch_error_the_supervisor_retries():
    with pytest.raises(FetchError, match="will begin"):
        await replaying("error").resolve(SPEC, None)
