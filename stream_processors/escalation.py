"""When a seller's alerts make a case for regulators.

Per seller, corroborated alerts are tallied in hopping windows (Faust's
window arithmetic, so the embedded runner and the Faust table agree on which
windows an alert falls in). A seller is escalated when, in some window that
holds the alert, the tally passes every threshold: number of corroborated
alerts, highest severity, and reach (most viewers watching)::

    >>> policy = EscalationPolicy(min_alerts=2, window_seconds=3600, min_severity="high", min_viewers=0)
    >>> windows = PlainSellerWindows(policy.window())
    >>> tally = {}
    >>> for alert_id in ("a1", "a2"):
    ...     tallies = windows.add("toko", 1_780_000_000.0, policy.contribution(alert_id, "critical", 500))
    >>> policy.decide(tallies)[0]
    True
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Protocol, Tuple

from faust.windows import HoppingWindow

from stream_processors.rules import severity_rank

__all__ = ["EscalationPolicy", "SellerWindows", "PlainSellerWindows", "merge_tally"]

Tally = Dict[str, Any]  # {"alerts": {alert_id: [severity_rank, viewers]}}

# Bound on the alerts remembered per seller and window.
MAX_TALLY_ALERTS = 500


def merge_tally(tally: Optional[Tally], contribution: Tally) -> Tally:
    """The window operation: add (or update) alerts in a tally. Idempotent,
    so a record replayed after a worker dies does not count twice."""
    alerts = dict((tally or {}).get("alerts") or {})
    for alert_id, (rank, viewers) in contribution["alerts"].items():
        old_rank, old_viewers = alerts.get(alert_id, (0, 0))
        alerts[alert_id] = [max(rank, old_rank), max(viewers or 0, old_viewers or 0)]
    if len(alerts) > MAX_TALLY_ALERTS:
        alerts = dict(list(alerts.items())[-MAX_TALLY_ALERTS:])
    return {"alerts": alerts}


class SellerWindows(Protocol):
    """Per-seller windowed tallies: the plain dict or the Faust windowed table."""

    def add(self, seller: str, timestamp: float, contribution: Tally) -> List[Tally]:
        """Merge ``contribution`` into every window holding ``timestamp``; return those windows' tallies."""


class PlainSellerWindows:
    """Windowed tallies in a dict, keyed like Faust's windowed tables: (seller, window range)."""

    def __init__(self, window: HoppingWindow) -> None:
        self.window = window
        self.data: Dict[Tuple[str, Tuple[float, float]], Tally] = {}
        self._latest = 0.0

    def add(self, seller: str, timestamp: float, contribution: Tally) -> List[Tally]:
        tallies = []
        for rng in self.window.ranges(timestamp):
            key = (seller, tuple(rng))
            self.data[key] = merge_tally(self.data.get(key), contribution)
            tallies.append(self.data[key])
        self._expire(timestamp)
        return tallies

    def _expire(self, timestamp: float) -> None:
        # Drop windows that ended more than one window ago, as Faust's
        # table expiry does, so memory stays bounded.
        self._latest = max(self._latest, timestamp)
        horizon = self._latest - 2 * self.window.size
        if len(self.data) > 1000:
            self.data = {k: v for k, v in self.data.items() if k[1][1] >= horizon}


class EscalationPolicy:
    """Thresholds on a seller's corroborated alerts within a window."""

    def __init__(self, min_alerts: int = 3, window_seconds: float = 3600.0, min_severity: str = "medium",
                 min_viewers: int = 0, hops: int = 4) -> None:
        if min_alerts < 1 or window_seconds <= 0 or hops < 1:
            raise ValueError("escalation needs min_alerts >= 1, a positive window and hops >= 1")
        self.min_alerts = min_alerts
        self.window_seconds = float(window_seconds)
        self.min_severity = min_severity
        self.min_viewers = min_viewers
        # Hopping windows overlap, so a burst is not split by a window edge;
        # Faust's window arithmetic works in whole seconds.
        self.step = max(1, int(window_seconds // hops))
        self.size = self.step * hops

    def window(self) -> HoppingWindow:
        return HoppingWindow(self.size, self.step, expires=2 * self.size)

    @staticmethod
    def contribution(alert_id: str, severity: str, viewers: Optional[int]) -> Tally:
        return {"alerts": {alert_id: [severity_rank(severity), int(viewers or 0)]}}

    def decide(self, tallies: List[Tally]) -> Tuple[bool, str]:
        """Whether any window passes every threshold, and why (for the case record)."""
        for tally in sorted(tallies, key=lambda t: -len(t.get("alerts", {}))):
            alerts = list(tally.get("alerts", {}).values())
            if len(alerts) < self.min_alerts:
                continue
            top = max(rank for rank, _ in alerts)
            reach = max(viewers for _, viewers in alerts)
            if top < severity_rank(self.min_severity) or reach < self.min_viewers:
                continue
            names = ("low", "medium", "high", "critical")
            return True, (
                f"{len(alerts)} corroborated alerts within {self.size // 60} min "
                f"(threshold {self.min_alerts}), highest severity {names[top]}, up to {reach} viewers"
            )
        return False, ""
