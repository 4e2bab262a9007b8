"""The alert service's Prometheus metrics (names fixed by the project's contracts)."""
from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["AlertMetrics"]


class AlertMetrics:
    """Alert store, cases, desk actions, webhooks, API latency and feed subscribers.

        >>> registry = CollectorRegistry()
        >>> metrics = AlertMetrics(registry)
        >>> metrics.cases_opened.inc()
        >>> registry.get_sample_value("pantau_cases_opened_total")
        1.0
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.alerts_stored = Counter("pantau_alerts_stored_total", "Alerts stored (new alert ids)",
                                     ["rule", "severity"], registry=registry)
        self.cases_opened = Counter("pantau_cases_opened_total", "Seller cases opened", registry=registry)
        self.cases_escalated = Counter("pantau_cases_escalated_total", "Cases escalated to regulators",
                                       registry=registry)
        self.actions = Counter("pantau_alert_actions_total", "Staff actions on alerts", ["action"],
                               registry=registry)
        self.webhook_deliveries = Counter("pantau_webhook_deliveries_total", "Webhook delivery attempts",
                                          ["outcome"], registry=registry)
        self.api_duration = Histogram("pantau_api_request_duration_seconds", "API request duration",
                                      ["method", "route", "status"], registry=registry,
                                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.feed_subscribers = Gauge("pantau_feed_subscribers", "Live feed WebSocket subscribers",
                                      registry=registry)
