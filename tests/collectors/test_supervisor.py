"""The supervisor: streams attached and detached at run time, polling, slowing down, ending."""
from __future__ import annotations

import asyncio
import random
import time

import aiohttp
import pytest
from aiohttp import web

from collectors import Supervisor
from collectors.pacing import Backoff, RequestBudget
from collectors.platforms import UnknownPlatform
from collectors.simulator import SimulatorServer, load_rooms
from pantau.errors import UserError
from pantau.records import StreamSpec
from platforms.platform_cases import payload


def value(registry, name, **labels):
    return registry.get_sample_value(name, labels) or 0.0


async def test_streams_attach_and_detach_at_run_time(capture, settings, metrics, registry):
    async with SimulatorServer(rooms=load_rooms(["batik-laweyan", "grosir-impor-murah"])) as simulator:
        first, second = simulator.stream_specs()
        supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
        try:
            await supervisor.attach(first)
            await capture.wait_for(lambda: capture.seconds(first.stream_id) > 0, what="first stream audio")
            await supervisor.attach(second)
            await capture.wait_for(lambda: capture.seconds(second.stream_id) > 0, what="second stream audio")
            assert sorted(supervisor.attached) == sorted([first.stream_id, second.stream_id])
            assert value(registry, "pantau_streams_attached", platform="simulator") == 2
            assert value(registry, "pantau_streams_live", platform="simulator") == 2
            await supervisor.detach(first.stream_id)
            assert supervisor.attached == [second.stream_id]
            assert value(registry, "pantau_streams_attached", platform="simulator") == 1
            heard = capture.seconds(first.stream_id)
            await asyncio.sleep(1.0)
            assert capture.seconds(first.stream_id) == heard  # nothing more from a detached stream
        finally:
            await supervisor.close()
        assert supervisor.attached == []
        assert value(registry, "pantau_streams_attached", platform="simulator") == 0
        assert value(registry, "pantau_streams_live", platform="simulator") == 0


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/live.m3u8", "gopher://x/", "data:text/plain,hi", "http://", "/live.m3u8"],
)
async def test_only_http_urls_are_attached(url, capture, settings):
    supervisor = Supervisor(settings, capture.audio, capture.event)
    with pytest.raises(UserError, match="http"):
        await supervisor.attach(StreamSpec(stream_id="s", url=url))
    assert supervisor.attached == []
    await supervisor.close()


async def test_an_unknown_platform_is_a_clear_error(capture, settings):
    supervisor = Supervisor(settings, capture.audio, capture.event)
    with pytest.raises(UnknownPlatform, match="unknown platform 'myspace'"):
        await supervisor.attach(StreamSpec(stream_id="s", url="https://e.com/a.m3u8", platform="myspace"))
    await supervisor.close()


async def test_a_stream_not_live_yet_is_polled_until_it_starts(capture, settings, metrics, registry):
    async with SimulatorServer(rooms=load_rooms(["batik-laweyan"])) as simulator:
        async with aiohttp.ClientSession() as session:
            async with session.post(simulator.room_url("batik-laweyan", "schedule"), json={"live_in": 2.5}) as r:
                assert r.status == 200
        supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
        try:
            await supervisor.attach(simulator.stream_specs()[0])
            await asyncio.sleep(1.5)
            assert capture.chunks == [] and value(registry, "pantau_streams_live", platform="simulator") == 0
            await capture.wait_for(lambda: capture.seconds() > 0, what="audio once live")
            assert "stream_started" in capture.kinds()
        finally:
            await supervisor.close()


async def test_a_stream_that_goes_quiet_is_ended_even_if_the_platform_never_says_so(serve, capture, settings, metrics):
    room = load_rooms(["batik-laweyan"])[0]
    segment = room.segment_path(0).read_bytes()
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.048,\n0.ts\n"  # never moves on

    app = web.Application()
    async def live(request):
        return web.Response(text=playlist)

    async def first(request):
        return web.Response(body=segment)

    app.router.add_get("/live.m3u8", live)
    app.router.add_get("/0.ts", first)
    base = await serve(app)
    settings.stall_timeout = 1.0
    supervisor = Supervisor(settings, capture.audio, capture.event, metrics, end_timeout=2.5)
    try:
        await supervisor.attach(StreamSpec(stream_id="quiet", url=f"{base}/live.m3u8"))
        await capture.wait_for(lambda: "stream_ended" in capture.kinds(), timeout=15, what="end of stream")
        await capture.wait_for(lambda: supervisor.attached == [], what="the stream to drop out")
    finally:
        await supervisor.close()
    ended = [e for e in capture.events if e.kind == "stream_ended"]
    assert len(ended) == 1 and ended[0].raw == {"detected_by": "collector", "reason": "silent"}
    assert capture.seconds() == pytest.approx(2.048)


async def test_http_429_from_the_platform_api_slows_down_for_retry_after(serve, capture, settings, metrics, registry):
    seen: list[float] = []

    async def user_room(request):
        seen.append(time.monotonic())
        if len(seen) <= 2:
            return web.json_response({"statusCode": 429}, status=429, headers={"Retry-After": "1"})
        return web.json_response(payload("tiktok", "user_room_live.json"))

    async def room_info(request):
        return web.json_response(payload("tiktok", "room_info_ended.json"))

    app = web.Application()
    app.router.add_get("/api-live/user/room/", user_room)
    app.router.add_get("/webcast/room/info/", room_info)
    base = await serve(app)
    from collectors.platforms.tiktok import TikTokPlatform

    original = (TikTokPlatform.api_base, TikTokPlatform.webcast_base)
    TikTokPlatform.api_base = TikTokPlatform.webcast_base = base
    supervisor = Supervisor(settings, capture.audio, capture.event, metrics)
    try:
        await supervisor.attach(StreamSpec(stream_id="tt", url="https://www.tiktok.com/@grosirimpor.murah/live", platform="tiktok"))
        await capture.wait_for(lambda: "stream_ended" in capture.kinds(), timeout=15, what="end of stream")
    finally:
        TikTokPlatform.api_base, TikTokPlatform.webcast_base = original
        await supervisor.close()
    assert value(registry, "pantau_collector_reconnects_total", platform="tiktok", reason="rate_limited") == 2
    # Slowed down as told, not retried at once (reconnect_initial is 0.05 s here).
    assert seen[1] - seen[0] >= 0.95 and seen[2] - seen[1] >= 0.95
    assert capture.events[-1].raw == {"detected_by": "collector", "reason": "platform_said"}


def test_backoff_grows_with_jitter_up_to_its_cap():
    backoff = Backoff(initial=0.5, maximum=4.0, rng=random.Random(7))
    delays = [backoff.next() for _ in range(8)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings))
    assert len(set(delays)) == len(delays)  # jittered, not lockstep
    assert backoff.next(at_least=30.0) == 30.0
    backoff.reset()
    assert backoff.next() <= 0.5


async def test_a_request_budget_spaces_requests_out():
    budget = RequestBudget(rate=10.0, burst=2)
    started = time.monotonic()
    for _ in range(6):
        await budget.acquire()
    # Two from the burst, four at 10 a second.
    assert time.monotonic() - started >= 0.38
