"""Two processor workers share the partitions; one is SIGKILLed mid-stream.
The other takes over its partitions and tables: no alert is lost, none is
counted twice, and the alert store holds each alert once. Marked ``kafka``."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from pantau.config import RuleSettings, load_settings
from pantau.records import Alert, Offer
from stream_processors import Processor

from kafka_harness import final_alerts
from processor_factories import T0, spec

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

STREAMS = [f"room-{i}" for i in range(8)]
CATEGORIES = [("shoes", 30_000), ("watch", 12_000), ("bag", 15_000), ("tshirt", 8_000), ("toys", 5_000)]
ROUNDS = 40


def offers() -> list[Offer]:
    out = []
    for r in range(ROUNDS):
        for s, stream_id in enumerate(STREAMS):
            category, price = CATEGORIES[(r + s) % len(CATEGORIES)]
            out.append(Offer(category=category, product_text=category, price_idr=price + 100 * r,
                             confidence=0.8, stream_id=stream_id, t0=r * 5.0, t1=r * 5.0 + 2,
                             wall_time=T0 + r * 5.0, transcript_seq=r, offer_id=f"{stream_id}:{r}"))
    return out


async def test_killing_a_worker_loses_no_alert_and_duplicates_none(deployment_factory, tmp_path):
    deployment = await deployment_factory()
    specs = [spec(stream_id, seller_id=f"seller-{i}") for i, stream_id in enumerate(STREAMS)]
    expected_processor = Processor(RuleSettings())
    for s in specs:
        expected_processor.on_spec(s)
    expected = {}
    for offer in offers():
        for alert in expected_processor.on_offer(Offer.loads(offer.dumps())):
            expected[alert.alert_id] = alert.count

    victim, survivor = deployment.start_worker(), deployment.start_worker()
    await deployment.wait_members(2)
    await deployment.produce([("streams", s.stream_id, s.dumps()) for s in specs])
    await deployment.wait_processed(["streams"])

    stream = offers()
    half = len(stream) // 2
    await deployment.produce([("offers", o.stream_id, o.dumps()) for o in stream[:half // 2]])
    # Let the victim get to work, then kill it mid-stream: no shutdown, no commit.
    before = await deployment.collect(["alerts"], done=lambda seen: len(seen) >= 20)
    feeding = asyncio.create_task(deployment.produce(
        [("offers", o.stream_id, o.dumps()) for o in stream[half // 2:half]]))
    victim.kill()
    await feeding
    await deployment.produce([("offers", o.stream_id, o.dumps()) for o in stream[half:]])

    messages = await deployment.collect(
        ["alerts"], timeout=120,
        done=lambda seen: {k: a["count"] for k, a in final_alerts(seen).items()} == expected)
    assert before and survivor.alive() and not victim.alive()
    got = final_alerts(messages)
    assert {k: a["count"] for k, a in got.items()} == expected  # none lost, none counted twice
    assert len(expected) == len(STREAMS) * len(CATEGORIES)

    # Replays after the kill re-send alerts with the same id; the store keeps one row each.
    from alerts import AlertService

    settings = load_settings(None, {"data_dir": str(tmp_path / "store")})
    service = AlertService(settings, clip_wait_seconds=0.01)
    await service.start()
    try:
        for m in messages:
            await service.ingest_alert(Alert.from_data(m["value"]))
        async with service.engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT alert_id FROM alerts"))).scalars().all()
    finally:
        await service.close()
    assert sorted(rows) == sorted(expected)
