"""The desk page in Debian's headless Chromium: sign-in, live alerts, escaping, detail, keyboard actions."""
from __future__ import annotations

import asyncio
import io
import time
import zlib

import pytest

from alerts import store
from pantau.records import AudioChunk, ProductSnapshot, StreamEvent, Transcript

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def _png_colours(png: bytes) -> int:
    """How many distinct byte values the decoded image rows hold (a blank page has very few)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    data, pos = b"", 8
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind = png[pos + 4:pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(data)))


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def test_desk_shows_live_alerts_escaped_with_evidence_and_keyboard_actions(
        make_service, make_client, alert_factory, token_for, browser, tmp_path):
    service = await make_service(clip_wait_seconds=0.5)
    client = await make_client(service)
    base = str(client.make_url("/"))
    token = await token_for(service, "operator")

    page = await browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
    await page.goto(base)
    await page.fill("#signin-token", "pnt_wrong")
    await page.click("#signin-form button")
    await page.wait_for_selector("#signin-error:has-text('not valid')")
    await page.fill("#signin-token", token)
    await page.click("#signin-form button")
    await page.wait_for_selector("#desk:not([hidden])")
    await page.wait_for_selector("#conn.live")
    assert await page.is_hidden("#open-desk-banner")

    await service.ingest_audio(AudioChunk.from_pcm("room-1", 0, 20.0, time.time(), b"\x10\x00" * 16000 * 20))
    await service.ingest_transcript(Transcript(stream_id="room-1", seq=1, t0=29.0, t1=34.0, wall_time=time.time(),
                                               text=f"kaos {HOSTILE} sepuluh ribu"))
    await service.ingest_event(StreamEvent(stream_id="room-1", kind="product_pinned", time=time.time(),
                                           product=ProductSnapshot(title=HOSTILE, price_idr=10_000, ship_from="CN")))
    await service.ingest_alert(alert_factory("a-1", severity="critical", corroborated=True,
                                             offer_product_text=HOSTILE, message=HOSTILE))
    row = page.locator('tr[data-alert-id="a-1"]')
    await row.wait_for()
    assert "flash" in (await row.get_attribute("class"))  # the visual cue for high severity
    assert HOSTILE in await row.inner_text()  # shown as text, not markup

    for _ in range(200):  # the evidence is stored just after the alert
        async with service.engine.connect() as conn:
            if len(await store.evidence_of(conn, ["a-1"])) == 3:
                break
        await asyncio.sleep(0.05)
    await row.click()
    await page.wait_for_selector("#detail:not([hidden])")
    await page.wait_for_selector("#d-audio[src]")
    assert (await page.get_attribute("#d-audio", "src")).startswith("/api/evidence/")
    assert HOSTILE in await page.inner_text("#d-transcript")
    assert HOSTILE in await page.inner_text("#d-snapshot")
    assert "Rp" in await page.inner_text("#d-reference")
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#detail img, #alerts img").count() == 0
    assert dialogs == []

    shot = await page.screenshot(full_page=True)
    (tmp_path / "desk.png").write_bytes(shot)
    assert len(shot) > 5000 and _png_colours(shot) > 20

    await page.keyboard.press("a")
    await page.wait_for_selector('tr[data-alert-id="a-1"].status-acknowledged')
    await page.keyboard.press("d")  # no reason given: refused in the page
    await page.wait_for_selector("#d-error:has-text('reason')")
    await page.fill("#d-reason", "seller corrected the price")
    await page.click("#desk")  # leave the input so the shortcut applies
    await page.keyboard.press("d")
    await page.wait_for_selector('tr[data-alert-id="a-1"].status-dismissed')
    async with service.engine.connect() as conn:
        events = await store.alert_events_of(conn, "a-1")
    assert [(e["kind"], e["actor"]) for e in events][-2:] == [("acknowledged", "operator-user"),
                                                              ("dismissed", "operator-user")]
    assert events[-1]["reason"] == "seller corrected the price"


async def test_open_desk_is_labelled_and_case_view_lists_escalated_cases(make_service, make_client, alert_factory,
                                                                         browser):
    service = await make_service(open_desk=True)
    client = await make_client(service)
    await service.ingest_alert(alert_factory("a-9", corroborated=True, escalate=True, seller_id="toko-murah"))
    page = await browser.new_page()
    await page.goto(str(client.make_url("/")) + "#cases")
    await page.wait_for_selector("#open-desk-banner:not([hidden])")
    assert "Open desk" in await page.inner_text("#open-desk-banner")
    await page.wait_for_selector("#case-rows tr")
    await page.click("#case-rows button")
    await page.wait_for_selector("#case-detail:not([hidden])")
    assert "toko-murah" in await page.inner_text("#c-title")
    assert await page.get_attribute("#c-bundle", "href") == "/api/cases/1/bundle"
    events = await page.locator("#c-events li").all_inner_texts()
    assert [e.split(" by ")[0].split()[-1] for e in events[:3]] == ["opened", "alert_added", "escalated"]
