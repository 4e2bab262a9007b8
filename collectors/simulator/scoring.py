"""How well a run's alerts match the simulator's ground truth.

::

    >>> truth = {"s": [TruthOffer("s/l/0", "s", "shoes", 25000, 1, True, True, end=20.0)]}
    >>> alert = Alert(alert_id="a", rule="below_reference_cost", severity="high", confidence=0.9,
    ...               stream_id="s", seller_id="x", platform="simulator", category="shoes",
    ...               offer=Offer(category="shoes", product_text="sepatu", price_idr=25000, unit_price_idr=25000))
    >>> score_alerts([alert], truth, {"s": 30.0})["recall"]
    1.0
"""
from __future__ import annotations

from typing import Iterable, Optional

from pantau.records import Alert
from collectors.simulator.rooms import TruthOffer

__all__ = ["score_alerts", "alert_matches", "PRICE_TOLERANCE", "FLOOR_RULE"]

PRICE_TOLERANCE = 0.20
FLOOR_RULE = "cross_border_min_price"


def _close(a: int, b: int, tolerance: float) -> bool:
    return b > 0 and abs(a - b) <= tolerance * b


def alert_matches(alert: Alert, offer: TruthOffer, tolerance: float = PRICE_TOLERANCE) -> bool:
    """Whether ``alert`` is about the truth ``offer`` (the rule is in score_alerts' docstring)."""
    if alert.stream_id != offer.stream_id:
        return False
    if not (offer.below_floor if alert.rule == FLOOR_RULE else offer.sub_cost):
        return False
    said = alert.offer
    priced = said is not None and bool(said.price_idr)
    if alert.category is None:
        if not priced:
            return False  # neither product nor price: nothing to judge it on
    elif alert.category != offer.category:
        return False
    if not priced:
        return True  # an alert without a price is judged on its category alone
    unit = said.unit_price_idr or round(said.price_idr / max(1, said.quantity))
    return any(
        _close(price, truth, tolerance)
        for price in (said.price_idr, unit)
        for truth in (offer.price_idr, offer.unit_price_idr)
    )


def score_alerts(
    alerts: Iterable[Alert],
    truth: dict[str, list[TruthOffer]],
    heard_until: dict[str, float],
    tolerance: float = PRICE_TOLERANCE,
) -> dict:
    """Precision and recall of ``alerts`` against the rooms' ground truth.

    Matching rule: an alert matches a truth offer when

    1. both are on the same stream (``alert.stream_id`` is the room id) and
       have the same catalog category; an alert whose product was not
       recognised (category ``None``) is judged on its price alone;
    2. the truth offer is one the alert's rule should catch: for rule
       ``cross_border_min_price`` an offer with ``below_floor`` (a
       cross-border merchant under FOB USD 100 per unit), for every other rule
       an offer with ``sub_cost`` (far below a plausible unit cost);
    3. if the alert's offer carries a price (``offer.price_idr`` > 0), its
       total or unit price is within ``tolerance`` (±20%) of the truth
       offer's total or unit price; an alert with neither a category nor a
       price matches nothing. Speech and pinned offers are judged alike.

    An alert matching some truth offer is a true positive, any other alert
    (wrong category, an honest offer, a stream without truth) a false
    positive; ``precision = TP / (TP + FP)``, ``None`` without alerts.

    Recall counts distinct truth offers (by ``offer_id``; the audio loops, so
    one offer is spoken many times) with ``sub_cost`` that were *heard*: some
    occurrence ended (``end``) at or before ``heard_until[stream_id]``, stream
    time as the truth gives it. ``recall = matched / heard`` over those,
    ``None`` when none was heard; ``missed`` lists the heard, unmatched ids.
    ``floor_recall`` is the same over ``below_floor`` offers and
    ``cross_border_min_price`` alerts.
    """
    alerts = list(alerts)
    offers = [offer for stream in truth.values() for offer in stream]
    true_positives = sum(1 for a in alerts if any(alert_matches(a, o, tolerance) for o in offers))
    false_positives = len(alerts) - true_positives

    def recall(flag: str, rule_filter) -> tuple[Optional[float], list[str]]:
        heard = sorted(
            {
                o.offer_id
                for o in offers
                if getattr(o, flag) and o.stream_id in heard_until and o.end <= heard_until[o.stream_id]
            }
        )
        matched = {
            o.offer_id
            for o in offers
            if o.offer_id in heard
            and any(rule_filter(a) and alert_matches(a, o, tolerance) for a in alerts)
        }
        missed = [offer_id for offer_id in heard if offer_id not in matched]
        return (len(matched) / len(heard) if heard else None), missed

    sub_cost_recall, missed = recall("sub_cost", lambda a: a.rule != FLOOR_RULE)
    floor_recall, floor_missed = recall("below_floor", lambda a: a.rule == FLOOR_RULE)
    return {
        "precision": true_positives / len(alerts) if alerts else None,
        "recall": sub_cost_recall,
        "true_positives": true_positives,
        "false_positives": false_positives,
        "missed": missed,
        "floor_recall": floor_recall,
        "floor_missed": floor_missed,
    }
