import datetime as dt

import pytest

from pantau.config import RuleSettings
from stream_processors.reference_costs import load_reference_costs
from stream_processors.rules import BelowReferenceCost, CrossBorderMinPrice, RuleContext, build_rules

from processor_factories import offer

DAY = dt.date(2026, 6, 1)
DOMESTIC = RuleContext(merchant_type="domestic", day=DAY)
FOREIGN = RuleContext(merchant_type="cross_border", day=DAY)


@pytest.mark.parametrize("category, price, quantity, severity", [
    ("shoes", 25_000, 1, "critical"),     # 21% of Rp 120.000
    ("shoes", 55_000, 1, "high"),         # 46%
    ("shoes", 75_000, 1, "medium"),       # 62.5%
    ("shoes", 90_000, 1, "low"),          # 75%
    ("shoes", 96_000, 1, None),           # 80%: at the ratio, not under it
    ("shoes", 300_000, 1, None),
    ("tshirt", 80_000, 10, "critical"),   # Rp 8.000 a unit against Rp 35.000
    ("batik", 350_000, 1, None),          # the honest seller
    (None, 1_000, 1, None),               # no category, no reference cost
])
def test_below_reference_cost_table(category, price, quantity, severity):
    rule = BelowReferenceCost(load_reference_costs(), ratio=0.8)
    finding = rule.evaluate(offer(category, price, quantity=quantity), DOMESTIC)
    assert (finding.severity if finding else None) == severity
    if finding:
        cost = load_reference_costs().lookup(category, DAY).unit_cost_idr
        assert finding.reference_cost_idr == cost
        assert finding.ratio == pytest.approx(price / quantity / cost, abs=1e-4)
        assert finding.reference_version == "sample-2026-11"
        assert "Rp" in finding.message


def test_below_reference_cost_ratio_is_a_parameter():
    strict = BelowReferenceCost(load_reference_costs(), ratio=0.5)
    assert strict.evaluate(offer("shoes", 90_000), DOMESTIC) is None
    assert strict.evaluate(offer("shoes", 55_000), DOMESTIC).severity == "high"
    with pytest.raises(ValueError):
        BelowReferenceCost(load_reference_costs(), ratio=1.5)


@pytest.mark.parametrize("context, price, quantity, severity", [
    (FOREIGN, 1_500_000, 1, "medium"),    # USD 93.75: under the Rp 1.600.000 floor
    (FOREIGN, 1_600_000, 1, None),        # exactly the floor
    (FOREIGN, 1_599_000, 1, "medium"),
    (FOREIGN, 500_000, 1, "high"),        # 31% of the floor
    (FOREIGN, 120_000, 1, "critical"),    # 7.5%
    (FOREIGN, 3_000_000, 3, "medium"),    # Rp 1.000.000 a unit
    (DOMESTIC, 120_000, 1, None),         # domestic sellers of imports are not bound
])
def test_cross_border_min_price_table(context, price, quantity, severity):
    rule = CrossBorderMinPrice(usd_idr_rate=16_000, min_usd=100)
    finding = rule.evaluate(offer("watch", price, quantity=quantity), context)
    assert (finding.severity if finding else None) == severity
    if finding:
        assert finding.reference_cost_idr == 1_600_000
        assert "Permendag 31/2023" in finding.message
        assert finding.reference_version.startswith("permendag-31-2023-art19")


def test_cross_border_floor_follows_the_configured_rate():
    rule = CrossBorderMinPrice(usd_idr_rate=15_000, min_usd=100)
    assert rule.evaluate(offer("watch", 1_550_000), FOREIGN) is None
    assert CrossBorderMinPrice(usd_idr_rate=16_500).evaluate(offer("watch", 1_600_000), FOREIGN) is not None


def test_build_rules_takes_parameters_from_settings():
    rules = build_rules(RuleSettings(below_cost_ratio=0.5, usd_idr_rate=15_000, cross_border_min_usd=50))
    below, cross = rules
    assert below.ratio == 0.5 and cross.floor_idr == 750_000
    assert [r.name for r in rules] == ["below_reference_cost", "cross_border_min_price"]
