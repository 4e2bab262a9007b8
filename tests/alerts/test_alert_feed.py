"""The live feed: new and changed alerts pushed; a reconnecting client misses nothing, gets nothing twice."""
from __future__ import annotations

import asyncio
import json

import pytest


def _messages(data: str) -> list[dict]:
    frame = json.loads(data)
    return frame["messages"] if frame["type"] == "batch" else [frame]


async def _receive_alerts(ws, count: int, timeout: float = 10.0) -> list[dict]:
    got = []
    while len(got) < count:
        got += [m for m in _messages((await ws.receive(timeout=timeout)).data) if m["type"] == "alert"]
    return got


async def test_feed_pushes_new_and_changed_alerts(make_service, make_client, alert_factory, token_for):
    service = await make_service()
    client = await make_client(service)
    headers = {"Authorization": f"Bearer {await token_for(service, 'operator')}"}
    ws = await client.ws_connect("/api/feed", headers=headers)
    hello = json.loads((await ws.receive(timeout=5)).data)
    assert hello["type"] == "hello"
    await service.ingest_alert(alert_factory("a-1", corroborated=True))
    await service.act("a-1", "acknowledge", "op", "operator")
    created, acked = await _receive_alerts(ws, 2)
    assert (created["change"], created["alert"]["status"]) == ("created", "new")
    assert (acked["change"], acked["alert"]["status"]) == ("acknowledged", "acknowledged")
    assert created["seq"] < acked["seq"]
    await ws.close()


async def test_resume_with_last_seen_seq_delivers_every_missed_alert_exactly_once(
        make_service, make_client, alert_factory, token_for):
    service = await make_service()
    client = await make_client(service)
    headers = {"Authorization": f"Bearer {await token_for(service, 'viewer')}"}
    ws = await client.ws_connect("/api/feed?since=0", headers=headers)
    for i in range(5):
        await service.ingest_alert(alert_factory(f"a-{i}"))
    first = await _receive_alerts(ws, 5)
    last_seen = first[-1]["seq"]
    await ws.close()

    # While disconnected: new alerts and changes to one already seen.
    for i in range(5, 12):
        await service.ingest_alert(alert_factory(f"a-{i}"))
    await service.act("a-1", "dismiss", "op", "operator", "duplicate stream")

    # Alerts keep arriving while the client resumes, so the replay and the
    # live stream overlap.
    async def keep_arriving():
        for i in range(12, 30):
            await service.ingest_alert(alert_factory(f"a-{i}"))
            await asyncio.sleep(0.002)

    producer = asyncio.create_task(keep_arriving())
    ws = await client.ws_connect(f"/api/feed?since={last_seen}", headers=headers)
    await producer
    resumed = await _receive_alerts(ws, 7 + 1 + 18)
    with pytest.raises(asyncio.TimeoutError):  # nothing more: no alert comes twice
        await ws.receive(timeout=0.5)
    ids = [m["alert"]["alert_id"] for m in resumed]
    seqs = [m["seq"] for m in resumed]
    assert sorted(ids) == sorted([f"a-{i}" for i in range(5, 30)] + ["a-1"])
    assert len(ids) == len(set(ids)), "an alert was delivered twice"
    assert seqs == sorted(seqs) and seqs[0] > last_seen
    dismissed = next(m for m in resumed if m["alert"]["alert_id"] == "a-1")
    assert dismissed["alert"]["status"] == "dismissed"
    await ws.close()


async def test_slow_subscriber_is_cut_off_and_resumes_without_loss(make_service, make_client, alert_factory,
                                                                    token_for):
    service = await make_service()
    service.feed._queue_size = 3  # a tiny queue stands in for a client that stopped reading
    client = await make_client(service)
    headers = {"Authorization": f"Bearer {await token_for(service, 'viewer')}"}
    ws = await client.ws_connect("/api/feed?since=0", headers=headers)
    hello = json.loads((await ws.receive(timeout=5)).data)
    # Store 20 alerts, then publish their feed messages in one burst without
    # yielding: the subscriber's queue overflows as it would behind a client
    # whose socket stopped draining.
    held = []
    publish = service.feed.publish
    service.feed.publish = lambda seq, message: held.append((seq, message))
    for i in range(20):
        await service.ingest_alert(alert_factory(f"a-{i}"))
    service.feed.publish = publish
    for seq, message in held:
        publish(seq, message)
    got = []
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type.name != "TEXT":
            break
        got += _messages(msg.data)
    assert ws.close_code == 4000
    last = got[-1]["seq"] if got else hello["seq"]
    ws = await client.ws_connect(f"/api/feed?since={last}", headers=headers)
    rest = await _receive_alerts(ws, 20 - len(got))
    ids = [m["alert"]["alert_id"] for m in got + rest]
    assert sorted(ids) == sorted(f"a-{i}" for i in range(20))
    await ws.close()


async def test_messages_waiting_together_go_out_in_one_batch_frame_in_order(make_service, make_client, alert_factory,
                                                                           token_for):
    service = await make_service()
    client = await make_client(service)
    headers = {"Authorization": f"Bearer {await token_for(service, 'viewer')}"}
    ws = await client.ws_connect("/api/feed", headers=headers)
    await ws.receive(timeout=5)  # hello
    held = []
    publish = service.feed.publish
    service.feed.publish = lambda seq, message: held.append((seq, message))
    for i in range(10):
        await service.ingest_alert(alert_factory(f"a-{i}"))
    service.feed.publish = publish
    for seq, message in held:  # all ten wait in the subscriber's queue at once
        publish(seq, message)
    frame = json.loads((await ws.receive(timeout=5)).data)
    assert frame["type"] == "batch"
    assert [m["alert"]["alert_id"] for m in frame["messages"]] == [f"a-{i}" for i in range(10)]
    assert [m["seq"] for m in frame["messages"]] == sorted(m["seq"] for m in frame["messages"])
    await ws.close()
