"""The shared metrics helpers: exposition over aiohttp, the Faust sensor bridge
and the consumer-lag collector, each on a fresh registry."""
from __future__ import annotations

import faust
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from faust.types import TP
from prometheus_client import Counter
from prometheus_client.parser import text_string_to_metric_families

from pantau.metrics import (
    ConsumerLagCollector,
    FaustPrometheusSensor,
    add_metrics_route,
    new_registry,
    register_build_info,
)


async def scrape(registry, accept: str = "") -> tuple[str, str]:
    """GET /metrics from an aiohttp app on a real socket: (content type, body)."""
    app = web.Application()
    add_metrics_route(app, registry)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics", headers={"Accept": accept} if accept else {})
        assert response.status == 200
        return response.headers["Content-Type"], await response.text()


async def test_metrics_route_serves_the_registry():
    registry = new_registry()
    Counter("pantau_things_total", "Things.", ["platform"], registry=registry).labels(platform="tiktok").inc(3)
    register_build_info(registry, role="alerts", version="0.1.0")

    content_type, text = await scrape(registry)
    assert content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    [sample] = families["pantau_things"].samples[:1]
    assert sample.labels == {"platform": "tiktok"} and sample.value == 3.0
    assert families["pantau_build_info"].samples[0].labels == {"role": "alerts", "version": "0.1.0"}
    # The process collector gives the operations dashboard memory and CPU per role.
    assert "process_resident_memory_bytes" in families


async def test_metrics_route_speaks_openmetrics_when_asked():
    registry = new_registry(process=False)
    Counter("pantau_things_total", "Things.", registry=registry).inc()
    content_type, text = await scrape(registry, "application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    assert text.rstrip().endswith("# EOF")
    # No `_created` samples: they would double every counter's series.
    assert "_created" not in text


def test_faust_sensor_reports_seconds_per_topic():
    registry = new_registry(process=False)
    sensor = FaustPrometheusSensor(registry)
    tp = TP("pantau.offers", 2)

    sensor.on_message_in(tp, 10, message=None)
    state = sensor.on_stream_event_in(tp, 10, stream=None, event=None)
    assert registry.get_sample_value("pantau_faust_events_active") == 1
    sensor.on_stream_event_out(tp, 10, stream=None, event=None, state=state)
    sensor.on_message_out(tp, 10, message=None)
    commit = sensor.on_commit_initiated(consumer=None)
    sensor.on_commit_completed(consumer=None, state=commit)
    sent = sensor.on_send_initiated(None, "pantau.alerts", None, 4, 100)
    sensor.on_send_completed(None, sent, None)
    sensor.on_send_error(None, RuntimeError("broker gone"), sent)
    rebalance = sensor.on_rebalance_start(app=None)
    sensor.on_rebalance_return(None, rebalance)
    sensor.on_rebalance_end(None, rebalance)

    value = registry.get_sample_value
    assert value("pantau_faust_messages_received_total", {"topic": "pantau.offers"}) == 1
    assert value("pantau_faust_messages_active") == 0
    assert value("pantau_faust_events_total", {"topic": "pantau.offers"}) == 1
    assert value("pantau_faust_events_active") == 0
    assert value("pantau_faust_event_runtime_seconds_count") == 1
    assert value("pantau_faust_commit_latency_seconds_count") == 1
    assert value("pantau_faust_messages_sent_total", {"topic": "pantau.alerts"}) == 1
    assert value("pantau_faust_send_errors_total") == 1
    assert value("pantau_faust_rebalances_total") == 1
    assert value("pantau_faust_rebalance_latency_seconds_count") == 1
    # Measured in seconds, not Faust's milliseconds: a call this quick lands
    # in the lowest bucket.
    assert value("pantau_faust_event_runtime_seconds_bucket", {"le": "0.001"}) == 1
    assert value("pantau_faust_event_runtime_seconds_sum") < 0.001


def test_faust_sensor_counts_table_operations_by_table():
    registry = new_registry(process=False)
    sensor = FaustPrometheusSensor(registry)
    app = faust.App("pantau-metrics-test", broker="memory://", store="memory://")
    table = app.Table("corroboration", default=int)
    sensor.on_table_set(table, "k", 1)
    sensor.on_table_get(table, "k")
    sensor.on_table_get(table, "k")
    sensor.on_table_del(table, "k")
    get = registry.get_sample_value
    assert get("pantau_faust_table_operations_total", {"table": "corroboration", "operation": "get"}) == 2
    assert get("pantau_faust_table_operations_total", {"table": "corroboration", "operation": "set"}) == 1
    assert get("pantau_faust_table_operations_total", {"table": "corroboration", "operation": "delete"}) == 1


def test_consumer_lag_is_end_minus_committed_summed_per_topic():
    end = {TP("pantau.audio", 0): 120, TP("pantau.audio", 1): 40, TP("pantau.offers", 0): 7}
    committed = {TP("pantau.audio", 0): 100, TP("pantau.audio", 1): 40}
    registry = new_registry(process=False)
    registry.register(ConsumerLagCollector(lambda: (end, committed)))
    lag = registry.get_sample_value
    assert lag("pantau_kafka_consumer_lag", {"topic": "pantau.audio"}) == 20
    # Fetched but never committed: the whole partition is behind.
    assert lag("pantau_kafka_consumer_lag", {"topic": "pantau.offers"}) == 7

    committed[TP("pantau.audio", 0)] = 120
    assert lag("pantau_kafka_consumer_lag", {"topic": "pantau.audio"}) == 0


def test_consumer_lag_reads_the_offsets_faust_tracks():
    app = faust.App("pantau-lag-test", broker="memory://", store="memory://")
    registry = new_registry(process=False)
    registry.register(ConsumerLagCollector.from_faust(app, topic_prefix="pantau"))
    audio, alerts = TP("pantau.audio", 0), TP("pantau.alerts", 3)
    # What Faust's consumer does: record the high-water mark as it fetches,
    # the committed offsets after each commit.
    app.monitor.track_tp_end_offset(audio, 500)
    app.monitor.track_tp_end_offset(alerts, 9)
    app.monitor.on_message_in(alerts, 5, faust.types.Message(
        topic="pantau.alerts", partition=3, offset=5, timestamp=0.0, timestamp_type=0,
        headers=None, key=b"k", value=b"v", checksum=None))
    app.monitor.on_tp_commit({audio: 450})

    lag = registry.get_sample_value
    assert lag("pantau_kafka_consumer_lag", {"topic": "audio"}) == 50
    # Read up to offset 5, nothing committed yet: 9 - (5 + 1).
    assert lag("pantau_kafka_consumer_lag", {"topic": "alerts"}) == 3
