"""The records that cross subsystem boundaries.

Every arrow of the data flow (see DESIGN.md) is a topic carrying one of these
records. They are Faust records so that the distributed workers can use them as
topic value types, and they serialize to plain JSON without a broker, which is
what the embedded runner and the tests rely on::

    >>> spec = StreamSpec(stream_id="room-1", url="http://127.0.0.1:8600/rooms/1/live.m3u8")
    >>> StreamSpec.loads(spec.dumps()) == spec
    True

Nothing else crosses a subsystem boundary: a subsystem that needs more data
asks for a new field here.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

import faust

from pantau.errors import UserError

__all__ = [
    "StreamSpec",
    "AudioChunk",
    "ProductSnapshot",
    "StreamEvent",
    "Word",
    "Transcript",
    "Offer",
    "Alert",
    "EVENT_KINDS",
    "SEVERITIES",
    "SAMPLE_RATE",
]

SAMPLE_RATE = 16_000
EVENT_KINDS = ("product_pinned", "product_unpinned", "comment", "viewers", "stream_started", "stream_ended")
SEVERITIES = ("low", "medium", "high", "critical")


class _Record(faust.Record, serializer="json", include_metadata=False):
    """Base of Pantau's records: JSON, no Faust metadata in the payload."""

    def __post_init__(self) -> None:
        # Faust shares a field's default object between instances; give each
        # record its own lists and dicts so that appending to one never
        # changes another.
        for name, value in list(self.__dict__.items()):
            if isinstance(value, (list, dict)) and not value:
                setattr(self, name, type(value)())

    def dumps(self, *, serializer: Any = None) -> bytes:  # type: ignore[override]
        # Faust passes serializer= when it sends a record on a typed topic.
        return super().dumps(serializer=serializer or "json")

    @classmethod
    def loads(cls, s: bytes | str, *, serializer: Any = None, **kwargs: Any):  # type: ignore[override]
        if isinstance(s, str):
            s = s.encode()
        return super().loads(s, serializer=serializer or "json", **kwargs)


class StreamSpec(_Record):
    """What to watch: one live stream of one seller on one platform."""

    stream_id: str
    url: str
    platform: str = "generic"
    seller_id: str = ""
    seller_name: str = ""
    events_url: Optional[str] = None
    labels: Dict[str, str] = {}
    # "cross_border" when the seller is a foreign merchant selling directly to
    # Indonesian buyers, "domestic" otherwise; drives cross_border_min_price.
    merchant_type: str = "domestic"

    def validate(self) -> "StreamSpec":
        """Raise UserError unless the URLs are http(s) (never file: or others)."""
        for name, url in (("url", self.url), ("events_url", self.events_url)):
            if url is None and name == "events_url":
                continue
            parsed = urlparse(url or "")
            if parsed.scheme not in ("http", "https", "ws", "wss") or not parsed.netloc:
                raise UserError(f"stream URL must be http:// or https://, got {url!r}")
            if name == "url" and parsed.scheme not in ("http", "https"):
                raise UserError(f"stream URL must be http:// or https://, got {url!r}")
        if not self.stream_id:
            raise UserError("a stream needs a stream_id")
        return self


class AudioChunk(_Record):
    """A span of a stream's audio, 16 kHz mono signed 16-bit little-endian PCM.

    ``t0``/``t1`` are stream time in seconds (from the start of capture),
    ``wall_time`` the Unix time at which ``t0`` was spoken. A chunk with
    ``gap=True`` carries no audio: it marks a hole between ``t0`` and ``t1``
    (lost segments, a reconnect) so that transcripts can show it.
    """

    stream_id: str
    seq: int
    t0: float
    t1: float
    wall_time: float
    pcm_b64: str = ""
    sample_rate: int = SAMPLE_RATE
    encoding: str = "pcm_s16le"
    sha256: str = ""
    gap: bool = False

    @classmethod
    def from_pcm(cls, stream_id: str, seq: int, t0: float, wall_time: float, pcm: bytes) -> "AudioChunk":
        duration = len(pcm) / 2 / SAMPLE_RATE
        return cls(
            stream_id=stream_id,
            seq=seq,
            t0=t0,
            t1=t0 + duration,
            wall_time=wall_time,
            pcm_b64=base64.b64encode(pcm).decode("ascii"),
            sha256=hashlib.sha256(pcm).hexdigest(),
        )

    @classmethod
    def gap_marker(cls, stream_id: str, seq: int, t0: float, t1: float, wall_time: float) -> "AudioChunk":
        return cls(stream_id=stream_id, seq=seq, t0=t0, t1=t1, wall_time=wall_time, gap=True)

    @property
    def pcm(self) -> bytes:
        return base64.b64decode(self.pcm_b64) if self.pcm_b64 else b""

    @property
    def duration(self) -> float:
        return self.t1 - self.t0


class ProductSnapshot(_Record):
    """The platform's own view of a product, as pinned in a live room."""

    product_id: str = ""
    title: str = ""
    price_idr: Optional[int] = None
    list_price_idr: Optional[int] = None
    stock: Optional[int] = None
    ship_from: Optional[str] = None
    shop: Optional[str] = None
    category: Optional[str] = None


class StreamEvent(_Record):
    """Something the platform said about a live room (not speech).

    ``kind`` is one of ``EVENT_KINDS``. ``raw`` keeps the platform's payload
    as received, for evidence.
    """

    stream_id: str
    kind: str
    time: float
    seq: int = 0
    product: Optional[ProductSnapshot] = None
    text: Optional[str] = None
    user: Optional[str] = None
    viewers: Optional[int] = None
    # Set by the escalation policy when this seller's corroborated alerts pass
    # its thresholds: the alert store opens (or updates) the seller's case and
    # escalates it to regulators.
    escalate: bool = False
    escalation_reason: str = ""
    raw: Dict[str, Any] = {}


class Word(_Record):
    word: str
    start: float
    end: float
    probability: float


class Transcript(_Record):
    """Committed speech of one stream between stream times ``t0`` and ``t1``.

    ``gap=True`` marks audio that was never heard (collector gap or skipped
    under load); its text is empty.
    """

    stream_id: str
    seq: int
    t0: float
    t1: float
    wall_time: float
    text: str
    words: List[Word] = []
    model: str = ""
    gap: bool = False


class Offer(_Record):
    """A product offered at a price, as extracted from speech or a product pin.

    The first block of fields is the extraction contract of DESIGN.md; the
    second places the offer in a stream, so evidence points at the exact
    seconds of audio.
    """

    category: Optional[str]
    product_text: str
    price_idr: int
    quantity: int = 1
    unit_price_idr: int = 0
    list_price_idr: Optional[int] = None
    imported: Optional[bool] = None
    confidence: float = 1.0
    span: List[int] = []

    stream_id: str = ""
    text: str = ""
    t0: float = 0.0
    t1: float = 0.0
    wall_time: float = 0.0
    transcript_seq: int = 0
    source: str = "speech"  # "speech" | "pinned"
    offer_id: str = ""

    def contract(self) -> Dict[str, Any]:
        """The fields of the extraction contract, as ``pantau extract`` prints them."""
        return {
            "category": self.category,
            "product_text": self.product_text,
            "price_idr": self.price_idr,
            "quantity": self.quantity,
            "unit_price_idr": self.unit_price_idr,
            "list_price_idr": self.list_price_idr,
            "imported": self.imported,
            "confidence": round(self.confidence, 3),
            "span": list(self.span),
        }


class Alert(_Record):
    """A rule's finding about an offer. Keyed by ``seller_id`` on its topic."""

    alert_id: str
    rule: str
    severity: str
    confidence: float
    stream_id: str
    seller_id: str
    platform: str
    category: Optional[str]
    offer: Offer
    reference_cost_idr: Optional[int] = None
    reference_version: str = ""
    ratio: Optional[float] = None
    message: str = ""
    corroborated: bool = False
    corroboration: List[str] = []
    evidence: List[str] = []
    created_at: float = 0.0
    dedup_key: str = ""
    count: int = 1
    first_seen: float = 0.0
    last_seen: float = 0.0
    viewers: Optional[int] = None
    # Set by the escalation policy when this seller's corroborated alerts pass
    # its thresholds: the alert store opens (or updates) the seller's case and
    # escalates it to regulators.
    escalate: bool = False
    escalation_reason: str = ""
