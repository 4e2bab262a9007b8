"""Webhooks: signed deliveries from the outbox, retried until a receiver that was down answers."""
from __future__ import annotations

import asyncio
import json

from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.webhooks import sign


class Receiver:
    """A real HTTP receiver that answers 503 to its first ``fail`` requests."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.calls: list[tuple[int, dict, bytes]] = []
        self.delivered = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append((len(self.calls), dict(request.headers), body))
        if len(self.calls) <= self.fail:
            return web.Response(status=503)
        self.delivered.set()
        return web.Response(status=204)


async def _receiver_server(receiver: Receiver) -> TestServer:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_delivery_retries_with_backoff_until_the_receiver_is_back(make_service, make_client, alert_factory,
                                                                         token_for):
    service = await make_service(webhook_backoff=(0.05, 0.2), webhook_poll_seconds=0.05)
    client = await make_client(service)
    receiver = Receiver(fail=3)
    server = await _receiver_server(receiver)
    admin = {"Authorization": f"Bearer {await token_for(service, 'admin')}"}
    created = await client.post("/api/webhooks", headers=admin,
                                json={"url": str(server.make_url("/hook")), "event_types": ["alert.created"]})
    assert created.status == 201
    secret = (await created.json())["secret"]
    await service.ingest_alert(alert_factory("a-1"))
    await asyncio.wait_for(receiver.delivered.wait(), 20)
    assert len(receiver.calls) == 4
    _, headers, body = receiver.calls[-1]
    assert headers["X-Pantau-Signature"] == "sha256=" + sign(secret, headers["X-Pantau-Timestamp"], body)
    assert sign("wrong", headers["X-Pantau-Timestamp"], body) not in headers["X-Pantau-Signature"]
    payload = json.loads(body)
    assert payload["type"] == "alert.created" and payload["data"]["alert"]["alert_id"] == "a-1"
    # Same delivery id on every attempt: receivers can drop duplicates.
    assert len({h["X-Pantau-Delivery"] for _, h, _ in receiver.calls}) == 1
    sample = service.metrics.registry.get_sample_value
    for _ in range(100):  # the receiver answers before the deliverer records the outcome
        if sample("pantau_webhook_deliveries_total", {"outcome": "delivered"}):
            break
        await asyncio.sleep(0.02)
    assert sample("pantau_webhook_deliveries_total", {"outcome": "retry"}) == 3
    assert sample("pantau_webhook_deliveries_total", {"outcome": "delivered"}) == 1
    await server.close()


async def test_outbox_survives_a_restart_while_the_receiver_is_down(make_service, alert_factory, token_for):
    receiver = Receiver(fail=1)
    server = await _receiver_server(receiver)
    first = await make_service(webhook_backoff=(30.0, 60.0), webhook_poll_seconds=0.05)
    from alerts import webhooks
    async with first.engine.begin() as conn:
        await webhooks.create_webhook(conn, str(server.make_url("/hook")), ["alert.created"], "alertmanager")
    await first.ingest_alert(alert_factory("a-1", severity="critical"))
    for _ in range(100):
        if receiver.calls:
            break
        await asyncio.sleep(0.05)
    await first.close()  # down with the delivery still pending (next try in 30 s)
    assert len(receiver.calls) == 1

    second = await make_service(webhook_backoff=(0.05, 0.2), webhook_poll_seconds=0.05)
    from alerts.schema import webhook_outbox
    async with second.engine.begin() as conn:  # the restart: make the pending retry due now
        await conn.execute(webhook_outbox.update().values(next_attempt_at=0))
    await asyncio.wait_for(receiver.delivered.wait(), 20)
    body = json.loads(receiver.calls[-1][2])
    # Alertmanager's webhook shape, so existing receivers can take Pantau alerts.
    assert body["version"] == "4" and body["status"] == "firing"
    assert body["alerts"][0]["labels"]["alertname"] == "below_reference_cost"
    assert body["alerts"][0]["labels"]["severity"] == "critical"
    assert body["alerts"][0]["startsAt"].endswith("Z")
    await server.close()
