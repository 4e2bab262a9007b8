"""The processors as one plain object, for the embedded runner and tests.

``Processor`` chains the two stages with dicts for state; the Faust app runs
the same stages over tables. Bad records are counted and kept in
``rejected`` (the Faust worker sends them to the dead-letter topic)::

    >>> from pantau.config import RuleSettings
    >>> from pantau.records import Offer, StreamSpec
    >>> processor = Processor(RuleSettings())
    >>> processor.on_spec(StreamSpec(stream_id="room-1", url="http://x/1.m3u8", seller_id="toko"))
    >>> alerts = processor.on_offer(Offer(category="watch", product_text="jam tangan", price_idr=15000,
    ...                                   stream_id="room-1", wall_time=1_780_000_000.0))
    >>> alerts[0].seller_id, alerts[0].rule
    ('toko', 'below_reference_cost')
"""
from __future__ import annotations

import logging
import time
from collections import deque
from typing import Callable, Deque, Dict, List, Optional, Tuple

from pantau.config import RuleSettings
from pantau.records import Alert, Offer, StreamEvent, StreamSpec
from stream_processors.engine import SellerStage, StreamStage, escalation_policy
from stream_processors.escalation import PlainSellerWindows
from stream_processors.metrics import ProcessorMetrics
from stream_processors.validation import BadRecord

__all__ = ["Processor"]

log = logging.getLogger("pantau.processors")


class Processor:
    """Offers and stream events in, alerts out; state in memory."""

    def __init__(self, settings: RuleSettings, metrics: Optional[ProcessorMetrics] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self.streams: Dict[str, dict] = {}
        self.groups: Dict[str, dict] = {}
        self.stream_stage = StreamStage(settings, self.streams, self.groups, clock=clock)
        policy = escalation_policy(settings)
        self.seller_stage = SellerStage(policy, PlainSellerWindows(policy.window()))
        self.rejected: Deque[Tuple[str, str, str]] = deque(maxlen=1000)  # (topic, reason, detail)
        self._alert_streams: Dict[str, str] = {}

    def on_spec(self, spec: StreamSpec) -> None:
        self._run("streams", lambda: self.stream_stage.on_spec(spec) or [])

    def on_event(self, event: StreamEvent) -> List[Alert]:
        return self._run("events", lambda: self.stream_stage.on_event(event))

    def on_offer(self, offer: Offer) -> List[Alert]:
        return self._run("offers", lambda: self.stream_stage.on_offer(offer))

    def confirm(self, alert_id: str, who: str = "operator") -> List[Alert]:
        stream_id = self._alert_streams.get(alert_id)
        if stream_id is None:
            return []
        return self._run("confirmations", lambda: self.stream_stage.confirm(stream_id, alert_id, who))

    def _run(self, topic: str, step: Callable[[], List[Alert]]) -> List[Alert]:
        self.stream_stage.outcome = None
        try:
            candidates = step()
        except BadRecord as bad:
            log.warning("rejected record on %s: %s", topic, bad)
            self.rejected.append((topic, bad.reason, bad.detail))
            if self.metrics:
                self.metrics.dead_letter(topic, bad.reason)
            return []
        alerts = [self.seller_stage.on_alert(candidate) for candidate in candidates]
        for alert in alerts:
            self._alert_streams[alert.alert_id] = alert.stream_id
        if self.metrics:
            observe(self.metrics, topic, alerts, self.clock(), self.stream_stage.outcome)
        return alerts


def observe(metrics: ProcessorMetrics, topic: str, alerts: List[Alert], now: float,
            outcome: Optional[str] = None) -> None:
    """Count one handled record and the alerts it produced (shared with the Faust agents);
    ``outcome`` is the stream stage's own (e.g. "contradicted_by_pin") when it set one."""
    metrics.record(topic, outcome or ("alert" if alerts else "no_alert"))
    for alert in alerts:
        latency = now - alert.offer.wall_time if alert.offer.wall_time else None
        metrics.alert(alert.rule, alert.severity, new=alert.count == 1, latency=latency)
