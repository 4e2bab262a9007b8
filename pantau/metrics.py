"""Metrics helpers every Pantau role shares.

Each subsystem declares its own metrics in its ``metrics.py`` against a
registry it is given; this module only makes registries, serves them on
``/metrics`` from an aiohttp application, and bridges what Faust and Kafka know
(sensor events, consumer offsets) into the same registry::

    >>> from prometheus_client import Counter
    >>> registry = new_registry(process=False)
    >>> _ = Counter("pantau_example_total", "Example.", registry=registry)
    >>> registry.get_sample_value("pantau_example_total")
    0.0

Conventions (Prometheus): ``pantau_`` prefix, base units (``_seconds``),
counters end in ``_total``, labels drawn from small fixed sets (platform, rule,
severity, category, topic...), never a stream id, seller or user.
"""
from __future__ import annotations

from time import monotonic
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple

from aiohttp import web
from faust import Sensor
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "REGISTRY",
    "new_registry",
    "metrics_handler",
    "add_metrics_route",
    "register_build_info",
    "FaustPrometheusSensor",
    "ConsumerLagCollector",
]

# `_created` samples would double every counter's series in the text format
# and no dashboard or rule reads them.
disable_created_metrics()

# Faust's latencies sit between a millisecond (commit, send) and tens of
# seconds (rebalances); these buckets cover both ends in seconds.
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def new_registry(process: bool = True) -> CollectorRegistry:
    """A fresh registry; with ``process`` it also reports the process's CPU,
    memory and file descriptors (``process_*``) and the Python version, which
    the operations dashboard uses for per-role health."""
    registry = CollectorRegistry()
    if process:
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    return registry


def register_build_info(registry: CollectorRegistry, role: str, version: str) -> Gauge:
    """``pantau_build_info{role,version} 1``: which role and release a target runs."""
    info = Gauge("pantau_build_info", "Pantau role and version of this process (always 1).",
                 ["role", "version"], registry=registry)
    info.labels(role=role, version=version).set(1)
    return info


def metrics_handler(registry: CollectorRegistry = REGISTRY) -> Callable[[web.Request], Any]:
    """An aiohttp handler exposing ``registry`` in the text format the scraper
    asks for (Prometheus text or OpenMetrics, by the Accept header)."""

    async def handle(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        # Collecting walks every metric; cheap enough for the loop at scrape
        # intervals of seconds, and it keeps the values consistent with the loop.
        body = encoder(registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handle


def add_metrics_route(app: web.Application, registry: CollectorRegistry = REGISTRY,
                      path: str = "/metrics") -> None:
    """Serve ``registry`` at ``GET path`` on ``app``."""
    app.router.add_get(path, metrics_handler(registry))


class FaustPrometheusSensor(Sensor):
    """Faust sensor that records the worker's consumer, producer, table and
    rebalance activity as ``pantau_faust_*`` metrics.

    Faust's own monitor and its Prometheus sensor report latencies in
    milliseconds (``*_latency_ms``); this bridge measures the same intervals in
    seconds so that they sit with every other Pantau duration::

        app = faust.App("pantau", broker=...)
        app.sensors.add(FaustPrometheusSensor(registry))
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY, prefix: str = "pantau_faust", **kwargs: Any) -> None:
        super().__init__(**kwargs)

        def counter(name: str, doc: str, labels: Iterable[str] = ()) -> Counter:
            return Counter(f"{prefix}_{name}", doc, list(labels), registry=registry)

        def histogram(name: str, doc: str) -> Histogram:
            return Histogram(f"{prefix}_{name}", doc, buckets=LATENCY_BUCKETS, registry=registry)

        self.messages_received = counter("messages_received_total", "Messages fetched from Kafka.", ["topic"])
        self.messages_active = Gauge(f"{prefix}_messages_active", "Messages fetched and not yet acknowledged.",
                                     registry=registry)
        self.events = counter("events_total", "Events handed to agents' streams.", ["topic"])
        self.events_active = Gauge(f"{prefix}_events_active", "Events an agent is processing now.",
                                   registry=registry)
        self.event_runtime = histogram("event_runtime_seconds", "Time an agent spent on one event.")
        self.buffer_full = counter("topic_buffer_full_total", "Times a topic's buffer was full and fetching waited.",
                                   ["topic"])
        self.table_operations = counter("table_operations_total", "Table reads, writes and deletes.",
                                        ["table", "operation"])
        self.commit_latency = histogram("commit_latency_seconds", "Time to commit consumer offsets.")
        self.messages_sent = counter("messages_sent_total", "Messages produced to Kafka.", ["topic"])
        self.send_latency = histogram("send_latency_seconds", "Time from producing a message to its acknowledgement.")
        self.send_errors = counter("send_errors_total", "Messages the producer failed to send.")
        self.assignments = counter("assignments_total", "Partition assignments, by outcome.", ["outcome"])
        self.assignment_latency = histogram("assignment_latency_seconds", "Time to compute a partition assignment.")
        self.rebalances = counter("rebalances_total", "Consumer group rebalances started.")
        self.rebalance_return_latency = histogram(
            "rebalance_return_latency_seconds", "Time from a rebalance starting to this worker rejoining."
        )
        self.rebalance_latency = histogram(
            "rebalance_latency_seconds", "Time from a rebalance starting to its end, recovery included."
        )
        for outcome in ("completed", "failed"):
            self.assignments.labels(outcome=outcome)

    # Consumer side.
    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        self.messages_received.labels(topic=tp.topic).inc()
        self.messages_active.inc()

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        self.messages_active.dec()

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> Optional[dict]:
        self.events.labels(topic=tp.topic).inc()
        self.events_active.inc()
        return {"time_in": monotonic()}

    def on_stream_event_out(self, tp: Any, offset: int, stream: Any, event: Any,
                            state: Optional[dict] = None) -> None:
        if state is not None:
            self.events_active.dec()
            self.event_runtime.observe(monotonic() - state["time_in"])

    def on_topic_buffer_full(self, tp: Any) -> None:
        # Faust passes a TP here in some versions and a topic in others.
        self.buffer_full.labels(topic=getattr(tp, "topic", str(tp))).inc()

    def on_commit_initiated(self, consumer: Any) -> float:
        return monotonic()

    def on_commit_completed(self, consumer: Any, state: Any) -> None:
        self.commit_latency.observe(monotonic() - state)

    # Tables. Names are the app's fixed table names.
    def on_table_get(self, table: Any, key: Any) -> None:
        self.table_operations.labels(table=table.name, operation="get").inc()

    def on_table_set(self, table: Any, key: Any, value: Any) -> None:
        self.table_operations.labels(table=table.name, operation="set").inc()

    def on_table_del(self, table: Any, key: Any) -> None:
        self.table_operations.labels(table=table.name, operation="delete").inc()

    # Producer side.
    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> float:
        self.messages_sent.labels(topic=topic).inc()
        return monotonic()

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        self.send_latency.observe(monotonic() - state)

    def on_send_error(self, producer: Any, exc: BaseException, state: Any) -> None:
        self.send_errors.inc()

    # Group membership.
    def on_assignment_start(self, assignor: Any) -> dict:
        return {"time_start": monotonic()}

    def on_assignment_error(self, assignor: Any, state: dict, exc: BaseException) -> None:
        self.assignments.labels(outcome="failed").inc()
        self.assignment_latency.observe(monotonic() - state["time_start"])

    def on_assignment_completed(self, assignor: Any, state: dict) -> None:
        self.assignments.labels(outcome="completed").inc()
        self.assignment_latency.observe(monotonic() - state["time_start"])

    def on_rebalance_start(self, app: Any) -> dict:
        self.rebalances.inc()
        return {"time_start": monotonic()}

    def on_rebalance_return(self, app: Any, state: dict) -> None:
        self.rebalance_return_latency.observe(monotonic() - state["time_start"])

    def on_rebalance_end(self, app: Any, state: dict) -> None:
        self.rebalance_latency.observe(monotonic() - state["time_start"])


Offsets = Mapping[Any, int]  # TP (topic, partition) -> offset


class ConsumerLagCollector(Collector):
    """``pantau_kafka_consumer_lag{topic}``: messages on Kafka that this
    worker's consumer group has not yet committed, summed over the partitions
    this worker holds, computed at scrape time.

    ``offsets`` returns ``(end_offsets, committed_offsets)``, both keyed by
    topic-partitions (anything with ``.topic``); Kafka's convention holds for
    both (the end offset is the next offset to be written, the committed one
    the next to be read), so their difference is the lag::

        registry.register(ConsumerLagCollector.from_faust(app))
    """

    def __init__(self, offsets: Callable[[], Tuple[Offsets, Offsets]], topic: Callable[[str], str] = str) -> None:
        self._offsets = offsets
        self._topic = topic

    @classmethod
    def from_faust(cls, app: Any, topic_prefix: str = "") -> "ConsumerLagCollector":
        """Read the offsets Faust's monitor tracks: end offsets as messages are
        fetched, committed offsets after each commit (both reset on rebalance)."""

        def offsets() -> Tuple[Offsets, Offsets]:
            monitor = app.monitor
            committed = dict(monitor.tp_committed_offsets)
            # Before the first commit, what was read (last offset + 1) is the
            # best measure of progress the worker has.
            for tp, offset in monitor.tp_read_offsets.items():
                committed.setdefault(tp, offset + 1)
            return dict(monitor.tp_end_offsets), committed

        def topic(name: str) -> str:
            # Report topics without the deployment's prefix so that dashboards
            # work whatever prefix a deployment picks.
            if topic_prefix and name.startswith(topic_prefix + "."):
                return name[len(topic_prefix) + 1:]
            return name

        return cls(offsets, topic)

    def describe(self) -> list:
        return [GaugeMetricFamily("pantau_kafka_consumer_lag",
                                  "Messages not yet committed by this worker's consumer group, per topic.",
                                  labels=["topic"])]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = self.describe()[0]
        end_offsets, committed = self._offsets()
        lag: dict[str, int] = {}
        for tp, end in end_offsets.items():
            name = self._topic(tp.topic)
            position = committed.get(tp)
            # A partition fetched from but not yet committed lags by all of it.
            behind = end - position if position is not None else end
            lag[name] = lag.get(name, 0) + max(0, behind)
        for name, value in sorted(lag.items()):
            family.add_metric([name], value)
        yield family
