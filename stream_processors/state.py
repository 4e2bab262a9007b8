"""The state the processors keep, as plain JSON-able values.

Tables hold dicts (Faust tables serialize them as JSON; the embedded runner
keeps them in ordinary dicts), and these dataclasses read and write them, so
both ways of running share one representation::

    >>> s = StreamState(stream_id="room-1", seller_id="toko-a")
    >>> StreamState.from_dict(s.to_dict()) == s
    True
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["StreamState", "PinnedProduct", "Mention", "AlertGroup", "MAX_MENTIONS", "MAX_OFFER_KEYS"]

# Bounds that keep one stream's state small however long it runs.
MAX_MENTIONS = 20
MAX_OFFER_KEYS = 64
MAX_PINNED = 50
MAX_EVIDENCE = 10


def _shallow(value: Any) -> Any:
    # Values are JSON already (lists and dicts of plain values); copying the
    # containers one level down is enough to keep stored state and working
    # copies apart, and far cheaper than dataclasses.asdict's deep copy.
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


class _Plain:
    _names: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {name: _shallow(getattr(self, name)) for name in type(self).field_names()}

    @classmethod
    def field_names(cls) -> Tuple[str, ...]:
        if not cls.__dict__.get("_names"):
            cls._names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        return cls._names

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]):
        if not data:
            return None
        names = cls.field_names()
        return cls(**{k: _shallow(v) for k, v in data.items() if k in names})


@dataclass
class PinnedProduct(_Plain):
    product_id: str
    title: str
    category: Optional[str]
    price_idr: Optional[int]
    ship_from: Optional[str] = None
    time: float = 0.0


@dataclass
class StreamState(_Plain):
    """What one stream has told us: who sells, what is pinned, how many watch."""

    stream_id: str
    seller_id: str = ""
    seller_name: str = ""
    platform: str = "generic"
    merchant_type: str = "domestic"
    viewers: Optional[int] = None
    peak_viewers: int = 0
    ship_from: Optional[str] = None
    pinned: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    live: bool = True

    def pin(self, product: PinnedProduct) -> None:
        self.pinned[product.product_id] = product.to_dict()
        if len(self.pinned) > MAX_PINNED:
            oldest = min(self.pinned, key=lambda k: self.pinned[k].get("time", 0.0))
            del self.pinned[oldest]
        if product.ship_from:
            self.ship_from = product.ship_from

    def pinned_products(self) -> List[PinnedProduct]:
        return [PinnedProduct.from_dict(p) for p in self.pinned.values()]


@dataclass
class Mention(_Plain):
    """One offer that joined an alert group: when, where in the talk, at what unit price."""

    time: float
    unit_price_idr: int
    source: str
    confidence: float
    transcript_seq: int = 0


@dataclass
class AlertGroup(_Plain):
    """One alert being grouped: same stream, product and rule within the dedup window."""

    dedup_key: str
    alert_id: str
    rule: str
    stream_id: str
    category: Optional[str]
    first_seen: float
    last_seen: float
    count: int = 0
    severity: str = "low"
    ratio: float = 1.0
    reference_cost_idr: int = 0
    reference_version: str = ""
    message: str = ""
    offer: Dict[str, Any] = field(default_factory=dict)
    mentions: List[Dict[str, Any]] = field(default_factory=list)
    offer_keys: List[str] = field(default_factory=list)
    confirmed_by: List[str] = field(default_factory=list)
    viewers: Optional[int] = None
    evidence: List[str] = field(default_factory=list)

    def seen(self, offer_key: str) -> bool:
        return offer_key in self.offer_keys

    def add_mention(self, offer_key: str, mention: Mention, evidence: str) -> None:
        self.offer_keys = (self.offer_keys + [offer_key])[-MAX_OFFER_KEYS:]
        if evidence not in self.evidence:
            self.evidence = (self.evidence + [evidence])[-MAX_EVIDENCE:]
        self.mentions = (self.mentions + [mention.to_dict()])[-MAX_MENTIONS:]
        self.count += 1

    def all_mentions(self) -> List[Mention]:
        return [Mention.from_dict(m) for m in self.mentions]
