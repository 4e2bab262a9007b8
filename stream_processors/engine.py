"""The processing logic, as plain code over mappings.

Two stages, as the topics are partitioned:

- ``StreamStage`` (keyed by stream id): keeps each stream's state and its
  alert groups, turns pinned products into offers, runs the rules, groups
  repeats (same stream, product and rule within the dedup window) and judges
  corroboration. It emits candidate alerts.
- ``SellerStage`` (keyed by seller id, after a repartition): tallies a
  seller's corroborated alerts in hopping windows and sets the escalation
  decision.

State lives in the mappings handed in: dicts in the embedded runner, Faust
tables in the workers. Nothing here knows about Kafka::

    >>> from pantau.config import RuleSettings
    >>> from pantau.records import Offer
    >>> stage = StreamStage(RuleSettings(), streams={}, groups={})
    >>> offer = Offer(category="shoes", product_text="sepatu", price_idr=25000, stream_id="room-1",
    ...               wall_time=1_780_000_000.0, confidence=0.7)
    >>> [(a.rule, a.severity, a.count, a.corroborated) for a in stage.on_offer(offer)]
    [('below_reference_cost', 'critical', 1, False)]
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import OrderedDict
from functools import lru_cache
from typing import Callable, List, MutableMapping, Optional, Sequence

from pantau.config import RuleSettings
from pantau.records import Alert, Offer, StreamEvent, StreamSpec
from stream_processors.categories import CategoryMatcher, default_matcher
from stream_processors.corroboration import corroborate, prices_agree
from stream_processors.escalation import EscalationPolicy, SellerWindows
from stream_processors.rules import Finding, Rule, RuleContext, build_rules
from stream_processors.state import AlertGroup, Mention, PinnedProduct, StreamState
from stream_processors.validation import check_event, check_offer, check_spec

__all__ = ["StreamStage", "SellerStage", "escalation_policy", "offer_from_pin", "seller_key",
           "CONTRADICTION_RATIO"]

log = logging.getLogger("pantau.processors")

Clock = Callable[[], float]

# Defaults for settings that a config written before they existed lacks.
_PRICE_AGREEMENT = 0.15

# A spoken unit price under this share of the pinned price of the same
# category is taken as a misheard number ("delapan puluh lima ribu" heard as
# "lima ribu" is 6%, "tiga puluh lima" as "3,5" is 10%), not as a real offer;
# a flash-sale price the host announces (even 80% off) stays above it.
CONTRADICTION_RATIO = 0.15
_LOGGED_CONTRADICTIONS = 1000


def seller_key(alert: Alert) -> str:
    """The key a seller's tallies are kept under; a stream with no seller stands for itself."""
    return alert.seller_id or f"stream:{alert.stream_id}"


def offer_from_pin(event: StreamEvent, matcher: CategoryMatcher) -> Optional[Offer]:
    """The platform's pinned product as an Offer (source "pinned"), if it shows a price."""
    product = event.product
    if product is None or product.price_idr is None:
        return None
    # The platform's own category when it is a catalog id, else the title's.
    category = product.category if product.category in matcher.categories else matcher.match(product.title)
    product_id = product.product_id or product.title
    return Offer(
        category=category,
        product_text=product.title,
        price_idr=product.price_idr,
        quantity=1,
        unit_price_idr=product.price_idr,
        list_price_idr=product.list_price_idr,
        confidence=1.0,
        stream_id=event.stream_id,
        text=product.title,
        wall_time=event.time,
        source="pinned",
        offer_id=f"{event.stream_id}:pin:{product_id}:{event.seq}:{event.time:.3f}",
    )


def _alert_id(dedup_key: str, first_seen: float) -> str:
    # Deterministic from the group and its window, so a replayed record
    # updates the same alert instead of adding one.
    return hashlib.sha256(f"{dedup_key}|{first_seen:.3f}".encode()).hexdigest()[:24]


@lru_cache(maxsize=64)
def _day(days_since_epoch: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=days_since_epoch)


def _utc_day(timestamp: float) -> dt.date:
    """The UTC date of a Unix time (cached: every offer of a day asks for it)."""
    return _day(int(timestamp // 86400))


def _index_key(alert_id: str) -> str:
    return f"alert:{alert_id}"


def _offer_key(offer: Offer) -> str:
    return offer.offer_id or f"{offer.stream_id}:{offer.source}:{offer.transcript_seq}:{offer.t0:.2f}:{offer.price_idr}"


def _evidence_ref(offer: Offer) -> str:
    if offer.source == "pinned":
        return f"pinned:{offer.stream_id}:{offer.product_text}@{offer.wall_time:.0f}"
    return f"speech:{offer.stream_id}:{offer.t0:.1f}-{offer.t1:.1f}s#transcript-{offer.transcript_seq}"


class StreamStage:
    """Per-stream state, rules, grouping and corroboration; emits candidate alerts."""

    def __init__(self, settings: RuleSettings, streams: MutableMapping[str, dict],
                 groups: MutableMapping[str, dict], rules: Optional[Sequence[Rule]] = None,
                 matcher: Optional[CategoryMatcher] = None, clock: Clock = time.time) -> None:
        self.settings = settings
        self.streams = streams
        self.groups = groups
        self.rules = list(rules) if rules is not None else build_rules(settings)
        self.matcher = matcher or default_matcher()
        self.clock = clock
        self.tolerance = getattr(settings, "price_agreement", _PRICE_AGREEMENT)
        # What the last record came to when it is not simply "alert" or
        # "no_alert" (e.g. "contradicted_by_pin"); both runners count it.
        self.outcome: Optional[str] = None
        self._logged: "OrderedDict[str, None]" = OrderedDict()

    # State access: always read-modify-write whole values, which is what a
    # Faust table's changelog needs to see.
    def _stream(self, stream_id: str) -> StreamState:
        return StreamState.from_dict(self.streams.get(stream_id)) or StreamState(stream_id=stream_id)

    def _save(self, state: StreamState) -> None:
        self.streams[state.stream_id] = state.to_dict()

    def on_spec(self, spec: StreamSpec) -> None:
        check_spec(spec)
        state = self._stream(spec.stream_id)
        state.seller_id = spec.seller_id
        state.seller_name = spec.seller_name
        state.platform = spec.platform
        state.merchant_type = spec.merchant_type
        self._save(state)

    def on_event(self, event: StreamEvent) -> List[Alert]:
        self.outcome = None
        check_event(event)
        state = self._stream(event.stream_id)
        offer = None
        if event.kind == "viewers":
            state.viewers = event.viewers
            state.peak_viewers = max(state.peak_viewers, event.viewers or 0)
        elif event.kind == "product_pinned":
            product = event.product
            offer = offer_from_pin(event, self.matcher)
            state.pin(PinnedProduct(
                product_id=product.product_id or product.title,
                title=product.title,
                category=offer.category if offer else self.matcher.match(product.title),
                price_idr=product.price_idr,
                ship_from=product.ship_from,
                time=event.time,
            ))
        elif event.kind == "product_unpinned" and event.product is not None:
            state.pinned.pop(event.product.product_id or event.product.title, None)
        elif event.kind == "stream_started":
            state.live = True
        elif event.kind == "stream_ended":
            state.live = False
            state.pinned.clear()
        else:
            return []  # comments carry no price the rules use
        self._save(state)
        return self.on_offer(offer) if offer is not None else []

    def on_offer(self, offer: Offer) -> List[Alert]:
        self.outcome = None
        check_offer(offer)
        if offer.source == "speech" and offer.confidence < self.settings.min_confidence:
            return []
        state = self._stream(offer.stream_id)
        if offer.source == "speech":
            offer = self._with_pinned_category(offer, state)
            if self._contradicted_by_pin(offer, state):
                self.outcome = "contradicted_by_pin"
                return []
        when = offer.wall_time or self.clock()
        context = RuleContext(merchant_type=state.merchant_type, platform=state.platform, day=_utc_day(when))
        alerts = []
        for rule in self.rules:
            finding = rule.evaluate(offer, context)
            if finding is not None:
                alerts.append(self._group(state, offer, finding, when))
        return alerts

    def _with_pinned_category(self, offer: Offer, state: StreamState) -> Offer:
        """A spoken offer with no recognised product takes the category of the
        pinned product whose price agrees: the host says "ini" about what is
        pinned. Corroboration then counts that pin as a witness."""
        if offer.category is not None:
            return offer
        agreeing = [p for p in state.pinned_products()
                    if p.category and p.price_idr and prices_agree(p.price_idr, offer.unit_price_idr, self.tolerance)]
        if not agreeing:
            return offer
        latest = max(agreeing, key=lambda p: p.time)
        return offer.derive(category=latest.category)

    def _contradicted_by_pin(self, offer: Offer, state: StreamState) -> bool:
        """Whether the pinned products of the offer's category all show a price
        far above the spoken one (and none agrees with it), so the spoken price
        is most likely a misheard number."""
        if offer.category is None:
            return False
        prices = [p.price_idr for p in state.pinned_products() if p.category == offer.category and p.price_idr]
        if not prices:
            return False
        spoken = (offer.unit_price_idr, offer.price_idr)
        if any(prices_agree(price, said, self.tolerance) for price in prices for said in spoken):
            return False
        if offer.unit_price_idr >= CONTRADICTION_RATIO * min(prices):
            return False
        key = f"{offer.stream_id}|{offer.category}"
        if key not in self._logged:
            # Once per stream and category: a misheard price tends to repeat.
            self._logged[key] = None
            if len(self._logged) > _LOGGED_CONTRADICTIONS:
                self._logged.popitem(last=False)
            log.info("stream %s: spoken %s at Rp %d contradicted by the pinned price Rp %d; no alert",
                     offer.stream_id, offer.category, offer.unit_price_idr, min(prices))
        return True

    def confirm(self, stream_id: str, alert_id: str, who: str = "operator") -> List[Alert]:
        """An operator confirmed the alert: it is corroborated from now on."""
        state = self._stream(stream_id)
        group = AlertGroup.from_dict(self.groups.get(self.groups.get(_index_key(alert_id)) or ""))
        if group is None or group.alert_id != alert_id:
            return []
        if who not in group.confirmed_by:
            group.confirmed_by.append(who)
            self.groups[group.dedup_key] = group.to_dict()
        return [self._alert(group, state)]

    def _group(self, state: StreamState, offer: Offer, finding: Finding, when: float) -> Alert:
        product = offer.category or " ".join(offer.product_text.lower().split())
        dedup_key = f"{offer.stream_id}|{finding.rule}|{product}"
        group = AlertGroup.from_dict(self.groups.get(dedup_key))
        key = _offer_key(offer)
        if group is not None and group.seen(key):
            return self._alert(group, state)  # a replay: same alert again, counted once
        if group is None or abs(when - group.first_seen) > self.settings.dedup_window_seconds:
            if group is not None:
                # The old window's alert is done: drop its confirmation index
                # so that state stays one group per stream, rule and product.
                self.groups.pop(_index_key(group.alert_id), None)
            group = AlertGroup(dedup_key=dedup_key, alert_id=_alert_id(dedup_key, when), rule=finding.rule,
                               stream_id=offer.stream_id, category=offer.category,
                               first_seen=when, last_seen=when)
        group.first_seen = min(group.first_seen, when)
        group.last_seen = max(group.last_seen, when)
        if group.count == 0 or finding.ratio < group.ratio:
            group.severity = finding.severity
            group.ratio = finding.ratio
            group.reference_cost_idr = finding.reference_cost_idr
            group.reference_version = finding.reference_version
            group.message = finding.message
            group.offer = offer.to_representation()
        group.viewers = max(group.viewers or 0, state.viewers or 0) or None
        if group.count == 0:
            # alert_id -> group, for operators' confirmations (same table, same partition).
            self.groups[_index_key(group.alert_id)] = dedup_key
        group.add_mention(key, Mention(time=when, unit_price_idr=offer.unit_price_idr, source=offer.source,
                                       confidence=offer.confidence, transcript_seq=offer.transcript_seq),
                          _evidence_ref(offer))
        self.groups[dedup_key] = group.to_dict()
        return self._alert(group, state)

    def _alert(self, group: AlertGroup, state: StreamState) -> Alert:
        sources, confidence = corroborate(group, state, self.tolerance)
        return Alert(
            alert_id=group.alert_id,
            rule=group.rule,
            severity=group.severity,
            confidence=confidence,
            stream_id=group.stream_id,
            seller_id=state.seller_id,
            platform=state.platform,
            category=group.category,
            offer=Offer.from_data(dict(group.offer)),
            reference_cost_idr=group.reference_cost_idr,
            reference_version=group.reference_version,
            ratio=group.ratio,
            message=group.message,
            corroborated=bool(sources),
            corroboration=sources,
            evidence=list(group.evidence),
            created_at=self.clock(),
            dedup_key=group.dedup_key,
            count=group.count,
            first_seen=group.first_seen,
            last_seen=group.last_seen,
            viewers=group.viewers,
        )


def escalation_policy(settings: RuleSettings) -> EscalationPolicy:
    return EscalationPolicy(
        min_alerts=settings.escalate_min_alerts,
        window_seconds=settings.escalate_window_seconds,
        min_severity=getattr(settings, "escalate_min_severity", "medium"),
        min_viewers=getattr(settings, "escalate_min_viewers", 0),
    )


class SellerStage:
    """Per-seller windowed tallies of corroborated alerts; sets the escalation decision."""

    def __init__(self, policy: EscalationPolicy, windows: SellerWindows) -> None:
        self.policy = policy
        self.windows = windows

    def on_alert(self, alert: Alert) -> Alert:
        if not alert.corroborated:
            return alert
        contribution = self.policy.contribution(alert.alert_id, alert.severity, alert.viewers)
        tallies = self.windows.add(seller_key(alert), alert.last_seen, contribution)
        alert.escalate, alert.escalation_reason = self.policy.decide(tallies)
        return alert
