"""Pricing rules: each a small class that judges one offer.

A rule looks at an offer and what is known about where it was made (the
stream's merchant type, the reference costs) and returns a Finding or None.
Rules hold their parameters, built from RuleSettings by ``build_rules``; they
keep no state, so the same rule object serves every stream and both ways of
running::

    >>> from pantau.records import Offer
    >>> rule = BelowReferenceCost(load_reference_costs(), ratio=0.8)
    >>> offer = Offer(category="shoes", product_text="sepatu", price_idr=25000, unit_price_idr=25000)
    >>> rule.evaluate(offer, RuleContext()).severity
    'critical'
"""
from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from pantau.config import RuleSettings
from pantau.records import Offer
from stream_processors.reference_costs import ReferenceCosts, load_reference_costs

__all__ = ["Finding", "RuleContext", "Rule", "BelowReferenceCost", "CrossBorderMinPrice", "build_rules",
           "severity_rank"]

_SEVERITIES = ("low", "medium", "high", "critical")


def severity_rank(severity: str) -> int:
    """0 for low … 3 for critical; unknown severities rank lowest."""
    return _SEVERITIES.index(severity) if severity in _SEVERITIES else 0


def rupiah(amount: float) -> str:
    """Rp 120.000, as Indonesian prices are written."""
    return "Rp " + f"{round(amount):,}".replace(",", ".")


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the offer: where and when it was made."""

    merchant_type: str = "domestic"
    platform: str = "generic"
    day: Optional[dt.date] = None


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one offer."""

    rule: str
    severity: str
    ratio: float
    reference_cost_idr: int
    reference_version: str
    message: str


def _banded(ratio: float, bands: Sequence[Tuple[float, str]], otherwise: str) -> str:
    """The severity of the first band whose upper ratio bound ``ratio`` is under."""
    for upper, severity in bands:
        if ratio < upper:
            return severity
    return otherwise


class Rule(ABC):
    """A pricing rule. Subclasses set ``name`` and implement ``evaluate``.

    Example, a rule that flags every offer under Rp 1.000::

        class UnderSeribu(Rule):
            name = "under_seribu"

            def evaluate(self, offer, context):
                if offer.unit_price_idr >= 1000:
                    return None
                return Finding(self.name, "low", offer.unit_price_idr / 1000, 1000, "v1", "under Rp 1.000")
    """

    name: str = ""

    @abstractmethod
    def evaluate(self, offer: Offer, context: RuleContext) -> Optional[Finding]:
        """Called once per valid offer; return a Finding when the offer breaks the rule."""


class BelowReferenceCost(Rule):
    """Unit price under ``ratio`` × the category's reference cost (jual rugi, Law 5/1999 Art. 20).

    Severity grows with how far under: ``bands`` are (ratio upper bound,
    severity) pairs tried in order; an offer under ``ratio`` but above every
    band is ``low``.
    """

    name = "below_reference_cost"
    DEFAULT_BANDS = ((0.25, "critical"), (0.5, "high"), (0.65, "medium"))

    def __init__(self, costs: ReferenceCosts, ratio: float = 0.8,
                 bands: Sequence[Tuple[float, str]] = DEFAULT_BANDS) -> None:
        if not 0 < ratio <= 1:
            raise ValueError(f"below_cost_ratio must be in (0, 1], got {ratio}")
        self.costs = costs
        self.ratio = ratio
        self.bands = tuple(bands)

    def evaluate(self, offer: Offer, context: RuleContext) -> Optional[Finding]:
        cost = self.costs.lookup(offer.category, context.day)
        if cost is None:
            return None
        ratio = offer.unit_price_idr / cost.unit_cost_idr
        if ratio >= self.ratio:
            return None
        return Finding(
            rule=self.name,
            severity=_banded(ratio, self.bands, "low"),
            ratio=round(ratio, 4),
            reference_cost_idr=cost.unit_cost_idr,
            reference_version=self.costs.version,
            message=(
                f"{offer.product_text or offer.category} offered at {rupiah(offer.unit_price_idr)} per unit, "
                f"{ratio:.0%} of the reference cost {rupiah(cost.unit_cost_idr)} "
                f"(HS {cost.hs_code}, {self.costs.version})"
            ),
        )


class CrossBorderMinPrice(Rule):
    """A foreign merchant selling cross-border under FOB USD ``min_usd`` per unit.

    Permendag 31/2023 Art. 19. Applies only to streams whose merchant type is
    ``cross_border``: domestic sellers of imported goods are not bound by it.
    The floor is converted at ``usd_idr_rate``, the configured official rate.
    """

    name = "cross_border_min_price"
    DEFAULT_BANDS = ((0.1, "critical"), (0.5, "high"))

    def __init__(self, usd_idr_rate: float = 16_000.0, min_usd: float = 100.0,
                 bands: Sequence[Tuple[float, str]] = DEFAULT_BANDS) -> None:
        if usd_idr_rate <= 0 or min_usd <= 0:
            raise ValueError("usd_idr_rate and cross_border_min_usd must be positive")
        self.usd_idr_rate = usd_idr_rate
        self.min_usd = min_usd
        self.bands = tuple(bands)
        self.floor_idr = round(min_usd * usd_idr_rate)
        self.version = f"permendag-31-2023-art19:usd{min_usd:g}@{usd_idr_rate:g}"

    def evaluate(self, offer: Offer, context: RuleContext) -> Optional[Finding]:
        if context.merchant_type != "cross_border":
            return None
        ratio = offer.unit_price_idr / self.floor_idr
        if ratio >= 1:
            return None
        usd = offer.unit_price_idr / self.usd_idr_rate
        return Finding(
            rule=self.name,
            severity=_banded(ratio, self.bands, "medium"),
            ratio=round(ratio, 4),
            reference_cost_idr=self.floor_idr,
            reference_version=self.version,
            message=(
                f"cross-border merchant sells {offer.product_text or offer.category or 'goods'} at "
                f"{rupiah(offer.unit_price_idr)} (USD {usd:.2f}) per unit, under the FOB USD "
                f"{self.min_usd:g} floor of Permendag 31/2023 Art. 19 ({rupiah(self.floor_idr)} at "
                f"{self.usd_idr_rate:g} IDR/USD)"
            ),
        )


def build_rules(settings: RuleSettings, costs: Optional[ReferenceCosts] = None) -> List[Rule]:
    """The rules Pantau runs, with their parameters from ``settings``."""
    costs = costs or load_reference_costs(settings.reference_costs or None)
    return [
        BelowReferenceCost(costs, ratio=settings.below_cost_ratio),
        CrossBorderMinPrice(usd_idr_rate=settings.usd_idr_rate, min_usd=settings.cross_border_min_usd),
    ]
