"""The processors on the real broker: end to end, parity with the plain
Processor, dead letters. Marked ``kafka``."""
from __future__ import annotations

from collections import Counter

import pytest

from pantau.config import RuleSettings
from pantau.records import Offer, StreamEvent, StreamSpec
from stream_processors import Processor

from kafka_harness import final_alerts
from processor_scenarios import RULES, bad_records, phases

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

COMPARED = ("rule", "severity", "stream_id", "seller_id", "platform", "category", "count", "first_seen",
            "last_seen", "corroborated", "corroboration", "confidence", "reference_cost_idr",
            "reference_version", "ratio", "viewers", "dedup_key", "message")


def plain_run() -> dict:
    """The same phases through the plain Processor, as the embedded runner calls it."""
    processor = Processor(RuleSettings(**RULES))
    out = {}
    for phase in phases():
        for role, _key, payload in phase:
            if role == "streams":
                processor.on_spec(StreamSpec.loads(payload))
                alerts = []
            elif role == "events":
                alerts = processor.on_event(StreamEvent.loads(payload))
            else:
                alerts = processor.on_offer(Offer.loads(payload))
            for alert in alerts:
                out[alert.alert_id] = alert.to_representation()
    return out


def escalated_sellers(alerts) -> set:
    return {a["seller_id"] for a in alerts if a["escalate"]}


async def test_offers_and_events_in_expected_alerts_out_same_as_plain_run(deployment_factory):
    deployment = await deployment_factory(**RULES)
    worker = deployment.start_worker()
    *setup, offers = phases()
    for phase in setup:  # the rules need the specs and pins before the talk
        await deployment.produce(phase)
        await deployment.wait_processed([role for role, _, _ in phase][:1])
    bad = bad_records()
    await deployment.produce(offers + [record for record, _ in bad])
    expected = plain_run()
    messages = await deployment.collect(
        ["alerts", "dead-letters"],
        done=lambda seen: (len([m for m in seen if m["topic"] == "dead-letters"]) >= len(bad)
                           and final_alerts(seen).keys() >= expected.keys()
                           and all(final_alerts(seen)[k]["count"] >= v["count"] for k, v in expected.items())),
    )
    got = final_alerts(messages)

    # What a monitor should see, stated by hand.
    summary = sorted((a["stream_id"], a["rule"], a["category"], a["severity"], a["count"], a["corroborated"])
                     for a in got.values())
    assert summary == [
        ("grosir", "below_reference_cost", "shoes", "critical", 3, True),
        ("grosir", "below_reference_cost", "tshirt", "critical", 1, False),
        # no grosir watch: Rp 15.000 spoken against the pinned Rp 130.000 is a misheard number
        ("grosir-2", "below_reference_cost", "bag", "high", 2, True),  # Rp 20.000 is 25% of Rp 80.000
        ("shenzhen", "below_reference_cost", "watch", "high", 1, False),  # 3 for Rp 60.000: 33%
        ("shenzhen", "cross_border_min_price", "earphones", "critical", 1, False),
        ("shenzhen", "cross_border_min_price", "watch", "critical", 1, False),
    ]
    shoes = next(a for a in got.values() if a["category"] == "shoes")
    assert shoes["corroboration"] == ["independent_mention", "pinned_price"]
    assert shoes["viewers"] == 4200 and shoes["seller_id"] == "gudang-grosir"
    assert escalated_sellers(got.values()) == {"gudang-grosir"}

    # Parity: the Faust worker and the plain Processor agree on every alert.
    assert got.keys() == expected.keys()
    for alert_id, alert in expected.items():
        assert {k: got[alert_id][k] for k in COMPARED} == {k: alert[k] for k in COMPARED}, alert_id
    assert escalated_sellers(got.values()) == escalated_sellers(expected.values())

    # Bad records went to the dead-letter topic with their reason, were
    # counted, and the worker kept going.
    dead = [m["value"] for m in messages if m["topic"] == "dead-letters"]
    assert Counter(d["reason"] for d in dead) == Counter(reason for _, reason in bad)
    assert all(d["topic"].endswith((".offers", ".events")) and d["payload_b64"] for d in dead)
    assert worker.alive()
    metrics = worker.metrics()
    for reason, n in Counter(reason for _, reason in bad).items():
        assert metrics[f"pantau_dead_letters_total{{reason={reason}}}"] == n
    assert metrics["pantau_alerts_raised_total{rule=cross_border_min_price,severity=critical}"] == 2
    assert metrics["pantau_processor_records_total{outcome=contradicted_by_pin,topic=offers}"] == 1
    bag = next(a for a in got.values() if a["category"] == "bag")
    assert bag["evidence"][-1].startswith("speech:grosir-2:")  # the "ini" joined the pinned bag's alert
