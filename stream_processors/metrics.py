"""The stream processors' Prometheus metrics.

    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> metrics = ProcessorMetrics(registry)
    >>> metrics.dead_letter("offers", "absurd_price")
    >>> registry.get_sample_value("pantau_dead_letters_total", {"reason": "absurd_price"})
    1.0

Consumer lag (``pantau_kafka_consumer_lag{topic}``) and Faust's own metrics
come from ``pantau.metrics`` in the Faust worker.
"""
from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

__all__ = ["ProcessorMetrics"]

# From a spoken price to its alert: tens of milliseconds on one worker, up to
# seconds when a topic backs up.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ProcessorMetrics:
    """Counters and histograms of the processors, on ``registry``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.alerts_raised = Counter("pantau_alerts_raised_total", "New alerts raised by the rules.",
                                     ["rule", "severity"], registry=registry)
        self.latency = Histogram("pantau_speech_to_alert_latency_seconds",
                                 "Wall-clock time from a spoken (or pinned) offer to its alert.",
                                 ["rule"], buckets=LATENCY_BUCKETS, registry=registry)
        self.records = Counter("pantau_processor_records_total", "Records the processors handled, by outcome.",
                               ["topic", "outcome"], registry=registry)
        self.dead_letters = Counter("pantau_dead_letters_total", "Records sent to the dead-letter topic.",
                                    ["reason"], registry=registry)
        self._children: dict = {}

    def record(self, topic: str, outcome: str) -> None:
        # labels() costs more than inc(); a worker handles thousands a second.
        child = self._children.get((topic, outcome))
        if child is None:
            child = self._children[topic, outcome] = self.records.labels(topic=topic, outcome=outcome)
        child.inc()

    def dead_letter(self, topic: str, reason: str) -> None:
        self.dead_letters.labels(reason=reason).inc()
        self.record(topic, "dead_letter")

    def alert(self, rule: str, severity: str, new: bool, latency: float | None) -> None:
        if new:
            self.alerts_raised.labels(rule=rule, severity=severity).inc()
        if latency is not None and latency >= 0:
            self.latency.labels(rule=rule).observe(latency)
