"""The service's own contracts: metrics, stream attach/detach reaching collectors, tokens from the CLI."""
from __future__ import annotations

from prometheus_client import CollectorRegistry

from alerts import create_token
from pantau.config import Settings
from pantau.errors import UserError
from pantau.records import StreamSpec


async def test_metrics_count_stored_alerts_actions_requests_and_subscribers(make_service, make_client, alert_factory,
                                                                             token_for):
    service = await make_service()
    registry = CollectorRegistry()
    client = await make_client(service, registry)
    sample = registry.get_sample_value
    await service.ingest_alert(alert_factory("a-1", severity="high"))
    await service.ingest_alert(alert_factory("a-1", severity="high"))  # re-sent: not stored twice
    await service.ingest_alert(alert_factory("a-2", severity="low", rule="cross_border_min_price"))
    assert sample("pantau_alerts_stored_total", {"rule": "below_reference_cost", "severity": "high"}) == 1
    assert sample("pantau_alerts_stored_total", {"rule": "cross_border_min_price", "severity": "low"}) == 1
    headers = {"Authorization": f"Bearer {await token_for(service, 'operator')}"}
    assert (await client.post("/api/alerts/a-1/acknowledge", headers=headers, json={})).status == 200
    assert sample("pantau_alert_actions_total", {"action": "acknowledge"}) == 1
    assert sample("pantau_api_request_duration_seconds_count",
                  {"method": "POST", "route": "/api/alerts/{alert_id}/{action}", "status": "200"}) == 1
    ws = await client.ws_connect("/api/feed", headers=headers)
    await ws.receive(timeout=5)
    assert sample("pantau_feed_subscribers") == 1
    await ws.close()
    scraped = await (await client.get("/metrics")).text()
    assert "pantau_alerts_stored_total" in scraped


async def test_attach_and_detach_from_the_api_reach_the_stream_listeners(make_service, make_client, token_for):
    service = await make_service()
    client = await make_client(service)
    heard = []

    async def listener(change, spec):
        heard.append((change, spec.stream_id, spec.url))

    service.add_stream_listener(listener)
    headers = {"Authorization": f"Bearer {await token_for(service, 'operator')}"}
    body = {"stream_id": "room-7", "url": "http://127.0.0.1:8600/rooms/7/live.m3u8", "platform": "simulator",
            "seller_id": "toko-7"}
    assert (await client.post("/api/streams", headers=headers, json=body)).status == 201
    watched = await (await client.get("/api/streams?watched=1", headers=headers)).json()
    assert [s["stream_id"] for s in watched["streams"]] == ["room-7"]
    assert (await client.delete("/api/streams/room-7", headers=headers)).status == 200
    assert (await (await client.get("/api/streams?watched=1", headers=headers)).json())["streams"] == []
    assert heard == [("attach", "room-7", body["url"]), ("detach", "room-7", body["url"])]


async def test_create_token_for_the_cli_is_usable_and_stored_hashed(store_url, make_service, make_client):
    settings = Settings()
    settings.store.url = store_url
    raw = await create_token(settings, "admin", "ops lead")
    service = await make_service()
    client = await make_client(service)
    listed = await (await client.get("/api/tokens", headers={"Authorization": f"Bearer {raw}"})).json()
    assert [(t["name"], t["role"]) for t in listed["tokens"]] == [("ops lead", "admin")]
    async with service.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT token_hash FROM tokens")).scalar_one()
    assert raw not in stored and len(stored) == 64
    try:
        await create_token(settings, "root", "x")
    except UserError as exc:
        assert "role must be one of" in str(exc)
    else:
        raise AssertionError("an unknown role was accepted")
