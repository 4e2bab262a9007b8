"""pantau.distributed: topic naming, partitioning, roles, and a broker it cannot reach.

The processors role runs end to end on the real broker in
tests/stream_processors/test_processors_kafka.py and _failover.py."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from pantau.config import load_settings
from pantau.distributed import (
    ROLES,
    bootstrap_servers,
    build_role,
    changelog_topics,
    declare_topics,
    partition_for,
    role_settings,
    run_worker,
)
from pantau.errors import UserError

sys.path.insert(0, str(Path(__file__).parent / "stream_processors"))
from kafka_harness import start_broker  # noqa: E402


def test_broker_urls_become_bootstrap_lists():
    assert bootstrap_servers("kafka://127.0.0.1:9092") == "127.0.0.1:9092"
    assert bootstrap_servers("kafka://a:9092;kafka://b:9093") == "a:9092,b:9093"
    assert bootstrap_servers("b1:9092, b2:9092") == "b1:9092,b2:9092"


def test_each_role_has_its_own_consumer_group():
    settings = load_settings(None, {"kafka.app_id": "pantau"})
    assert [role_settings(settings, r).kafka.app_id for r in ROLES] == [
        "pantau-collectors", "pantau-transcription", "pantau-processors", "pantau-alerts"]
    assert settings.kafka.app_id == "pantau"  # the caller's settings are not changed


@pytest.mark.parametrize("role, topics", [
    ("processors", {"streams", "offers", "events", "alert-candidates"}),
    ("collectors", {"streams"}),
    ("transcription", {"audio"}),
    ("alerts", {"alerts", "transcripts", "events", "audio", "streams"}),
])
def test_roles_read_the_topics_of_the_design(role, topics, tmp_path):
    settings = load_settings(None, {"kafka.topic_prefix": "px", "data_dir": str(tmp_path)})
    app, _ = build_role(role, settings, CollectorRegistry())
    assert app.conf.id == f"pantau-{role}"
    assert app.source_topics == {f"px.{t}" for t in topics}


def test_processors_tables_have_changelogs(tmp_path):
    app, _ = build_role("processors", load_settings(None, {"data_dir": str(tmp_path)}), CollectorRegistry())
    assert sorted(changelog_topics(app)) == [
        "pantau-processors-alert-groups-changelog",
        "pantau-processors-seller-offences-changelog",
        "pantau-processors-stream-state-changelog",
    ]


def test_unknown_role_is_a_user_error():
    with pytest.raises(UserError, match="unknown worker role 'mixer'"):
        build_role("mixer", load_settings(), CollectorRegistry())


def test_unreachable_broker_is_one_clear_line(tmp_path):
    settings = load_settings(None, {"kafka.broker": "kafka://127.0.0.1:1", "data_dir": str(tmp_path)})
    with pytest.raises(UserError, match="cannot reach Kafka at kafka://127.0.0.1:1") as info:
        run_worker("processors", settings)
    assert "\n" not in str(info.value)


@pytest.mark.kafka
async def test_partition_for_agrees_with_the_broker(tmp_path):
    """Collectors pick their streams by partition: our hash must be Kafka's."""
    bootstrap, _ = start_broker()
    settings = load_settings(None, {"kafka.broker": f"kafka://{bootstrap}", "kafka.topic_prefix": f"pf{id(tmp_path)}",
                                    "kafka.partitions": 4, "data_dir": str(tmp_path)})
    await declare_topics(settings)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        keys = [f"room-{i}" for i in range(20)]
        sent = await asyncio.gather(*[await producer.send(f"{settings.kafka.topic_prefix}.streams", b"{}",
                                                          key=k.encode()) for k in keys])
    finally:
        await producer.stop()
    assert [m.partition for m in sent] == [partition_for(k, 4) for k in keys]
    assert len({m.partition for m in sent}) > 1


@pytest.mark.kafka
@pytest.mark.slow
async def test_processors_and_alerts_roles_bring_offers_to_the_desk(tmp_path):
    """Offers on Kafka → `pantau worker processors` → `pantau worker alerts` → the desk's API."""
    from kafka_harness import Deployment
    from processor_factories import offer, pin, spec

    bootstrap, _ = start_broker()
    deployment = Deployment(bootstrap, tmp_path, escalate_min_alerts=1)
    await deployment.declare()
    try:
        deployment.start_worker("processors")
        desk = deployment.start_worker("alerts")
        await deployment.produce([("streams", "room-1", spec("room-1", seller_id="toko-a").dumps())])
        await deployment.wait_processed(["streams"])
        await deployment.produce([("events", "room-1", pin(price=20_000, title="Jam Tangan Digital").dumps()),
                                  ("offers", "room-1", offer("shoes", 25_000).dumps())])
        deadline = asyncio.get_running_loop().time() + 60
        stored: list = []
        while len(stored) < 2:
            assert asyncio.get_running_loop().time() < deadline, deployment.logs()
            await asyncio.sleep(1)
            try:
                stored = desk.get_json("/api/alerts")["alerts"]
            except OSError:
                continue  # the desk is still starting
        by_category = {a["category"]: a for a in stored}
        assert by_category.keys() == {"watch", "shoes"}
        assert by_category["watch"]["corroborated"] and by_category["watch"]["status"] == "escalated"
        assert not by_category["shoes"]["corroborated"] and by_category["shoes"]["status"] == "new"
        assert all(a["seller_id"] == "toko-a" for a in stored)
    finally:
        deployment.stop_all()


@pytest.mark.kafka
@pytest.mark.slow
async def test_collectors_role_attaches_streams_from_the_streams_topic(tmp_path):
    """A spec on <prefix>.streams → `pantau worker collectors` → audio and events on Kafka, keyed by stream."""
    from collectors.simulator import SimulatorServer
    from kafka_harness import Deployment

    bootstrap, _ = start_broker()
    deployment = Deployment(bootstrap, tmp_path)
    await deployment.declare()
    async with SimulatorServer() as simulator:
        (spec, *_) = simulator.stream_specs()
        try:
            deployment.start_worker("collectors")
            await deployment.produce([("streams", spec.stream_id, spec.dumps())])
            messages = await deployment.collect(
                ["audio", "events"],
                done=lambda seen: {m["topic"] for m in seen} == {"audio", "events"}
                and any(m["value"].get("kind") == "product_pinned" for m in seen))
            # Detach: a tombstone for the stream id; the worker stops reading it.
            await deployment.produce([("streams", spec.stream_id, None)])
            await asyncio.sleep(8)  # the worker reconciles every 2 s; let queued chunks drain
            after_detach = await _message_count(bootstrap, deployment.topic("audio"), deployment.partitions)
            await asyncio.sleep(6)  # a live room makes a chunk every ~2 s while attached
            later = await _message_count(bootstrap, deployment.topic("audio"), deployment.partitions)
        finally:
            deployment.stop_all()
    assert after_detach >= len([m for m in messages if m["topic"] == "audio"]) > 0
    assert later == after_detach, "audio kept flowing after the stream was detached"
    assert {m["key"] for m in messages} == {spec.stream_id}
    audio = [m["value"] for m in messages if m["topic"] == "audio"]
    assert audio[0]["sample_rate"] == 16000 and (audio[0]["pcm_b64"] or audio[0]["gap"])


async def _message_count(bootstrap: str, name: str, partitions: int) -> int:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(name, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()
