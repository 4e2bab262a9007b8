"""Prometheus metrics of the collectors.

The registry is injected so that each test counts on a fresh one::

    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> metrics = CollectorMetrics(registry)
    >>> metrics.audio_seconds.labels(platform="generic").inc(2.0)
    >>> registry.get_sample_value("pantau_audio_seconds_total", {"platform": "generic"})
    2.0

Labels are bounded: platform, reason, outcome, kind; never a stream id.
"""
from __future__ import annotations

import logging

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

from collectors.pacing import BurstLog

__all__ = ["CollectorMetrics", "StreamReport"]


class CollectorMetrics:
    """The collectors' counters and gauges, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.streams_attached = Gauge(
            "pantau_streams_attached", "Streams the collectors are attached to", ["platform"], registry=registry
        )
        self.streams_live = Gauge(
            "pantau_streams_live", "Attached streams that are live and being read", ["platform"], registry=registry
        )
        self.reconnects = Counter(
            "pantau_collector_reconnects_total",
            "Reconnections of audio or event readers, by reason",
            ["platform", "reason"],
            registry=registry,
        )
        self.audio_seconds = Counter(
            "pantau_audio_seconds_total", "Seconds of audio handed on", ["platform"], registry=registry
        )
        self.audio_gaps = Counter(
            "pantau_audio_gaps_total", "Holes in the captured audio, by reason", ["platform", "reason"], registry=registry
        )
        self.audio_gap_seconds = Counter(
            "pantau_audio_gap_seconds_total", "Seconds of audio lost in holes", ["platform"], registry=registry
        )
        self.hls_segments = Counter(
            "pantau_hls_segments_total", "HLS segments, by outcome", ["platform", "outcome"], registry=registry
        )
        self.stream_events = Counter(
            "pantau_stream_events_total", "Platform events handed on, by kind", ["platform", "kind"], registry=registry
        )
        self.errors = Counter(
            "pantau_collector_errors_total", "Bad input and failures, by kind", ["platform", "kind"], registry=registry
        )


class StreamReport:
    """Counts and logs what happens to one stream; metrics may be None (then it only logs).

    Bad input is counted every time and logged once per burst, under the
    stream's id, so a flood of garbage costs a counter bump, not a log line.
    """

    def __init__(self, metrics: "CollectorMetrics | None", platform: str, stream_id: str) -> None:
        self.metrics = metrics
        self.platform = platform
        self.stream_id = stream_id
        self.log = BurstLog(logging.getLogger("pantau.collectors"))
        # Kept per stream for tests and the benchmark, whatever the registry.
        self.counts: dict[str, float] = {}

    def _bump(self, key: str, amount: float = 1.0) -> None:
        self.counts[key] = self.counts.get(key, 0.0) + amount

    def error(self, kind: str, message: str = "") -> None:
        self._bump(f"error:{kind}")
        if self.metrics:
            self.metrics.errors.labels(platform=self.platform, kind=kind).inc()
        self.log.warning(kind, "stream %s: %s: %s", self.stream_id, kind, message)

    def segment(self, outcome: str) -> None:
        self._bump(f"segment:{outcome}")
        if self.metrics:
            self.metrics.hls_segments.labels(platform=self.platform, outcome=outcome).inc()

    def reconnect(self, reason: str) -> None:
        self._bump(f"reconnect:{reason}")
        if self.metrics:
            self.metrics.reconnects.labels(platform=self.platform, reason=reason).inc()

    def event(self, kind: str) -> None:
        self._bump(f"event:{kind}")
        if self.metrics:
            self.metrics.stream_events.labels(platform=self.platform, kind=kind).inc()

    def audio(self, seconds: float) -> None:
        self._bump("audio_seconds", seconds)
        if self.metrics:
            self.metrics.audio_seconds.labels(platform=self.platform).inc(seconds)

    def gap(self, reason: str, seconds: float) -> None:
        self._bump(f"gap:{reason}")
        self._bump("gap_seconds", seconds)
        if self.metrics:
            self.metrics.audio_gaps.labels(platform=self.platform, reason=reason).inc()
            self.metrics.audio_gap_seconds.labels(platform=self.platform).inc(seconds)
