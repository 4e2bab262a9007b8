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


async def _ingest_then_publish_at_once(service, alerts) -> None:
    """Store ``alerts``, holding back their feed messages, then publish them all
    in one burst without yielding: they wait in each subscriber's queue together."""
    held = []
    publish = service.feed.publish
    service.feed.publish = lambda seq, message: held.append((seq, message))
    try:
        for alert in alerts:
            await service.ingest_alert(alert)
    finally:
        service.feed.publish = publish
    for seq, message in held:
        publish(seq, message)


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
    # 20 feed messages in one burst: the subscriber's queue overflows as it
    # would behind a client whose socket stopped draining.
    await _ingest_then_publish_at_once(service, [alert_factory(f"a-{i}") for i in range(20)])
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
    await _ingest_then_publish_at_once(service, [alert_factory(f"a-{i}") for i in range(10)])
    frame = json.loads((await ws.receive(timeout=5)).data)
    assert frame["type"] == "batch"
    assert [m["alert"]["alert_id"] for m in frame["messages"]] == [f"a-{i}" for i in range(10)]
    assert [m["seq"] for m in frame["messages"]] == sorted(m["seq"] for m in frame["messages"])
    await ws.close()


async def test_hub_shares_one_frame_between_subscribers_and_cuts_off_who_falls_out_of_the_window():
    from alerts.feed import FeedHub

    hub = FeedHub(queue_size=4)
    a, b, late = hub.subscribe(), hub.subscribe(), hub.subscribe()
    for seq in (11, 12, 13):
        hub.publish(seq, {"seq": seq})
    frame_a, last_a = a.take_frame(10)
    frame_b, last_b = b.take_frame(10)
    assert frame_a is frame_b and last_a == last_b == 13  # built once for both
    assert [m["seq"] for m in json.loads(frame_a)["messages"]] == [11, 12, 13]
    # A subscriber whose backlog already covered 12 gets only what follows it.
    frame, last = late.take_frame(12)
    assert json.loads(frame) == {"seq": 13} and last == 13
    await asyncio.wait_for(asyncio.gather(a.wait(), b.wait(), late.wait(), _publish_soon(hub, 14)), 5)
    assert a.take() == [(14, '{"seq":14}')]
    for seq in range(15, 19):  # b and late stop reading; a keeps up
        hub.publish(seq, {"seq": seq})
        assert a.take()[-1][0] == seq
    assert not a.stopped
    assert b.stopped and b.overflowed and late.overflowed and b.take() == []
    assert len(hub) == 1 and len(hub._window) <= 4


async def _publish_soon(hub, seq: int) -> None:
    await asyncio.sleep(0.01)
    hub.publish(seq, {"seq": seq})


async def test_a_change_whose_transaction_fails_never_reaches_the_feed(make_service, alert_factory, monkeypatch):
    from alerts import webhooks

    service = await make_service()
    sub = service.feed.subscribe()
    await service.ingest_alert(alert_factory("a-1"))
    assert [seq for seq, _text in sub.take()] and not sub.take()

    async def failing(conn):
        raise RuntimeError("store failed mid-transaction")

    monkeypatch.setattr(webhooks, "active_subscriptions", failing)  # after the alert's rows were written
    with pytest.raises(RuntimeError):
        await service.ingest_alert(alert_factory("a-2"))
    monkeypatch.undo()
    assert sub.take() == []
    async with service.engine.connect() as conn:
        from alerts import store
        assert await store.get_alert(conn, "a-2") is None
    await service.ingest_alert(alert_factory("a-2"))
    assert [json.loads(text)["change"] for _seq, text in sub.take()] == ["created"]
