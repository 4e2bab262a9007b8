"""Prometheus metrics of the transcription worker.

    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> metrics = TranscriptionMetrics(registry)
    >>> metrics.transcripts.inc()
    >>> registry.get_sample_value("pantau_transcripts_total")
    1.0
"""
from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["TranscriptionMetrics"]


class TranscriptionMetrics:
    """The transcription metrics, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.audio_seconds = Counter(
            "pantau_transcription_audio_seconds_total", "Seconds of audio received for transcription", registry=registry
        )
        self.processing_seconds = Counter(
            "pantau_transcription_processing_seconds_total", "Seconds spent in model calls", registry=registry
        )
        self.real_time_factor = Gauge(
            "pantau_transcription_real_time_factor",
            "Recent model time per second of audio transcribed (below 1 keeps up)",
            registry=registry,
        )
        self.lag = Histogram(
            "pantau_transcription_lag_seconds",
            "From speech (wall clock) to its committed transcript",
            buckets=(0.5, 1, 2, 3, 4, 6, 8, 10, 15, 20, 30, 60),
            registry=registry,
        )
        self.queue_depth = Gauge(
            "pantau_transcription_queue_depth", "Streams with audio waiting for a model pass", registry=registry
        )
        self.skipped_seconds = Counter(
            "pantau_transcription_skipped_seconds_total",
            "Seconds of audio never transcribed, by reason (gap, overload, buffer_full)",
            ["reason"],
            registry=registry,
        )
        self.transcripts = Counter("pantau_transcripts_total", "Committed transcripts", registry=registry)
        self.offers = Counter(
            "pantau_offers_extracted_total", "Offers extracted from speech", ["category"], registry=registry
        )
        self.model_load_seconds = Gauge(
            "pantau_model_load_seconds", "Seconds the speech model took to load", registry=registry
        )
