"""score_alerts: which alerts count as true positives, and what recall counts."""
from __future__ import annotations

import pytest

from collectors.simulator import TruthOffer, score_alerts
from pantau.records import Alert, Offer

TRUTH = {
    "impor": [
        TruthOffer("impor/shoes/0", "impor", "shoes", 25000, 1, True, True, start=20.0, end=25.0),
        TruthOffer("impor/tshirt/0", "impor", "tshirt", 30000, 3, True, True, start=70.0, end=75.0),
        TruthOffer("impor/bag/0", "impor", "bag", 99000, 1, False, False, start=80.0, end=85.0),
        # The same shoes offer, spoken again on the next loop.
        TruthOffer("impor/shoes/0", "impor", "shoes", 25000, 1, True, True, start=120.0, end=125.0, loop=1),
    ],
    "lokal": [TruthOffer("lokal/batik/0", "lokal", "batik", 350000, 1, False, False, start=20.0, end=25.0)],
    "lintas": [
        TruthOffer("lintas/case/0", "lintas", "phone_accessories", 5000, 1, True, True, True, 10.0, 12.0),
        TruthOffer("lintas/watch/0", "lintas", "watch", 99000, 1, True, False, True, 30.0, 33.0),
    ],
}


def alert(stream, category, price=None, quantity=1, rule="below_reference_cost", source="speech"):
    offer = Offer(
        category=category,
        product_text=category or "",
        price_idr=price or 0,
        quantity=quantity,
        unit_price_idr=round((price or 0) / quantity),
        source=source,
    )
    return Alert(
        alert_id=f"{stream}-{category}-{price}-{rule}",
        rule=rule,
        severity="high",
        confidence=0.9,
        stream_id=stream,
        seller_id="seller",
        platform="simulator",
        category=category,
        offer=offer,
    )


@pytest.mark.parametrize(
    "case, one_alert, true_positive",
    [
        ("exact price", alert("impor", "shoes", 25000), True),
        ("within 20 percent", alert("impor", "shoes", 29000), True),
        ("beyond 20 percent", alert("impor", "shoes", 31000), False),
        ("no price: category decides", alert("impor", "shoes"), True),
        ("pinned offer", alert("impor", "shoes", 25000, source="pinned"), True),
        ("unit price of a bundle", alert("impor", "tshirt", 10000), True),
        ("bundle price", alert("impor", "tshirt", 30000, quantity=3), True),
        ("wrong category", alert("impor", "watch", 25000), False),
        ("product not recognised: judged on price", alert("impor", None, 25000), True),
        ("product not recognised, price of no sub-cost offer", alert("impor", None, 99000), False),
        ("neither product nor price", alert("impor", None), False),
        ("floor rule, product not recognised", alert("lintas", None, 99000, rule="cross_border_min_price"), True),
        ("honest offer in a dishonest room", alert("impor", "bag", 99000), False),
        ("honest room", alert("lokal", "batik", 350000), False),
        ("other stream's offer", alert("lokal", "shoes", 25000), False),
        ("unknown stream", alert("elsewhere", "shoes", 25000), False),
        ("floor rule on a cross-border offer", alert("lintas", "watch", 99000, rule="cross_border_min_price"), True),
        ("cost rule on an offer only under the floor", alert("lintas", "watch", 99000), False),
        ("floor rule on a domestic room", alert("impor", "shoes", 25000, rule="cross_border_min_price"), False),
    ],
)
def test_one_alert_is_judged_by_the_matching_rule(case, one_alert, true_positive):
    score = score_alerts([one_alert], TRUTH, {})
    assert (score["true_positives"], score["false_positives"]) == ((1, 0) if true_positive else (0, 1)), case
    assert score["precision"] == (1.0 if true_positive else 0.0)


@pytest.mark.parametrize(
    "alerts, heard_until, recall, missed",
    [
        # Nothing heard on any stream: recall is undefined, not zero.
        ([], {}, None, []),
        # Only the shoes offer had ended by t=30 s.
        ([], {"impor": 30.0}, 0.0, ["impor/shoes/0"]),
        ([alert("impor", "shoes", 25000)], {"impor": 30.0}, 1.0, []),
        # The tshirt offer ends at 75 s: heard at 75, not at 74.9.
        ([alert("impor", "shoes", 25000)], {"impor": 74.9}, 1.0, []),
        ([alert("impor", "shoes", 25000)], {"impor": 75.0}, 0.5, ["impor/tshirt/0"]),
        # The second loop's shoes are the same offer: counted once.
        ([alert("impor", "shoes", 25000)], {"impor": 200.0}, 0.5, ["impor/tshirt/0"]),
        # An alert on the wrong stream does not recall anything.
        ([alert("lokal", "shoes", 25000)], {"impor": 30.0, "lokal": 30.0}, 0.0, ["impor/shoes/0"]),
        # The floor rule does not count toward below-cost recall.
        ([alert("lintas", "phone_accessories", 5000, rule="cross_border_min_price")], {"lintas": 40.0}, 0.0,
         ["lintas/case/0"]),
        ([alert("lintas", "phone_accessories", 5000)], {"lintas": 40.0}, 1.0, []),
    ],
)
def test_recall_counts_distinct_sub_cost_offers_heard(alerts, heard_until, recall, missed):
    score = score_alerts(alerts, TRUTH, heard_until)
    assert score["recall"] == recall
    assert score["missed"] == missed


def test_floor_recall_counts_cross_border_offers_under_the_floor():
    alerts = [alert("lintas", "watch", 99000, rule="cross_border_min_price")]
    score = score_alerts(alerts, TRUTH, {"lintas": 40.0})
    assert score["floor_recall"] == 0.5
    assert score["floor_missed"] == ["lintas/case/0"]


def test_precision_over_a_mixed_run():
    alerts = [
        alert("impor", "shoes", 25000),
        alert("impor", "shoes", 25000, source="pinned"),  # each alert counts, duplicates too
        alert("impor", "tshirt", 10000),
        alert("lokal", "batik", 350000),
    ]
    score = score_alerts(alerts, TRUTH, {"impor": 100.0, "lokal": 100.0})
    assert score["true_positives"] == 3 and score["false_positives"] == 1
    assert score["precision"] == 0.75
    assert score["recall"] == 1.0


def test_no_alerts_has_no_precision():
    assert score_alerts([], TRUTH, {"impor": 100.0})["precision"] is None
