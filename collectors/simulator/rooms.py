"""Room scripts: what a simulated live room says, pins and shows, and the truth behind it.

A room is a TOML script (``rooms/*.toml``) plus its rendered audio
(``media/<room>/``, made by ``python -m collectors.simulator.render``). The
script is a timeline of host lines; product pins, comments and viewer counts
are anchored to a line (``line = "id"``, optional ``offset`` seconds) or to a
time (``at`` seconds), so that they stay aligned with the speech whatever the
rendered line lengths are::

    >>> room = load_room(ROOMS_DIR / "batik-laweyan.toml")
    >>> room.merchant_type, room.truth_offers()[0].category
    ('domestic', 'batik')

The ground truth of each offer line (category, price, quantity, imported,
``sub_cost``) is written next to the line that speaks it; its times come from
the rendered index, so the truth says when an offer was heard.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from pantau.errors import UserError

__all__ = [
    "ROOMS_DIR",
    "MEDIA_DIR",
    "Line",
    "TruthOffer",
    "RoomEvent",
    "Room",
    "load_room",
    "load_rooms",
]

ROOMS_DIR = Path(__file__).parent / "rooms"
MEDIA_DIR = Path(__file__).parent / "media"

MERCHANT_TYPES = ("domestic", "cross_border")


@dataclass(frozen=True)
class TruthOffer:
    """One offer the host really makes, as a monitor should understand it.

    ``start``/``end`` are seconds in the room's audio timeline (one loop);
    ``sub_cost`` says the unit price is far below the plausible unit cost of
    the category, ``below_floor`` that a cross-border merchant sells under the
    Permendag 31/2023 floor (FOB USD 100 per unit).
    """

    offer_id: str
    stream_id: str
    category: str
    price_idr: int
    quantity: int
    imported: Optional[bool]
    sub_cost: bool
    below_floor: bool = False
    start: float = 0.0
    end: float = 0.0
    text: str = ""
    loop: int = 0

    @property
    def unit_price_idr(self) -> int:
        return round(self.price_idr / self.quantity)


@dataclass(frozen=True)
class Line:
    """A line the host speaks; ``start``/``end`` are filled from the rendered index."""

    line_id: str
    text: str
    offers: tuple[dict[str, Any], ...] = ()
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class RoomEvent:
    """A platform event at room time ``at``: ``kind`` is product_pin, comment or viewers."""

    at: float
    kind: str
    payload: dict[str, Any]


@dataclass
class Room:
    """A scripted live room with its rendered media.

    ``live_after`` keeps the room "not live" for that many seconds after the
    server starts; ``end_after`` ends the broadcast that many seconds after it
    went live (``None``: never ends, the audio loops).
    """

    room_id: str
    title: str
    seller_id: str
    seller_name: str
    platform_hint: str
    merchant_type: str
    lines: list[Line]
    events: list[RoomEvent]
    media_dir: Path
    segment_durations: list[float] = field(default_factory=list)
    speech: dict[str, Any] = field(default_factory=dict)
    live_after: float = 0.0
    end_after: Optional[float] = None
    usd_idr_rate: float = 16_000.0

    @property
    def loop_duration(self) -> float:
        return sum(self.segment_durations)

    @property
    def segment_count(self) -> int:
        return len(self.segment_durations)

    def segment_path(self, index: int) -> Path:
        return self.media_dir / f"seg_{index:03d}.ts"

    def scheduled(self, live_after: float = 0.0, end_after: Optional[float] = None) -> "Room":
        """A copy of this room that goes live after ``live_after`` s and ends after ``end_after`` s."""
        return replace(self, live_after=live_after, end_after=end_after)

    def truth_offers(self) -> list[TruthOffer]:
        """Every offer the script makes, in order, with its times in one loop."""
        truth = []
        for line in self.lines:
            for n, raw in enumerate(line.offers):
                quantity = int(raw.get("quantity", 1))
                price = int(raw["price_idr"])
                unit_usd = price / quantity / self.usd_idr_rate
                truth.append(
                    TruthOffer(
                        offer_id=f"{self.room_id}/{line.line_id}/{n}",
                        stream_id=self.room_id,
                        category=str(raw["category"]),
                        price_idr=price,
                        quantity=quantity,
                        imported=raw.get("imported"),
                        sub_cost=bool(raw["sub_cost"]),
                        below_floor=self.merchant_type == "cross_border" and unit_usd < 100.0,
                        start=line.start,
                        end=line.end,
                        text=line.text,
                    )
                )
        return truth


def _anchor_time(item: dict[str, Any], lines: dict[str, Line], where: str) -> float:
    if "line" in item:
        line = lines.get(item["line"])
        if line is None:
            raise UserError(f"{where}: no line with id {item['line']!r}")
        return line.start + float(item.get("offset", 0.0))
    if "at" in item:
        return float(item["at"])
    raise UserError(f"{where}: give either line = \"<line id>\" or at = <seconds>")


def _read_index(media_dir: Path) -> dict[str, Any]:
    index_path = media_dir / "index.json"
    if not index_path.exists():
        raise UserError(
            f"room media missing: {index_path}; render it with `python -m collectors.simulator.render`"
        )
    return json.loads(index_path.read_text())


def load_room(script: Path, media_root: Path = MEDIA_DIR) -> Room:
    """Load a room script and attach the timings of its rendered media."""
    try:
        data = tomllib.loads(Path(script).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read room script {script}: {exc}") from None
    room_id = data.get("id") or Path(script).stem
    merchant_type = data.get("merchant_type", "domestic")
    if merchant_type not in MERCHANT_TYPES:
        raise UserError(f"{script}: merchant_type must be one of {MERCHANT_TYPES}, got {merchant_type!r}")
    media_dir = Path(media_root) / room_id
    index = _read_index(media_dir)
    times = {entry["id"]: entry for entry in index["lines"]}
    lines = []
    for raw in data.get("lines", []):
        timing = times.get(raw["id"])
        if timing is None or timing.get("text") != raw["text"]:
            raise UserError(
                f"room media for {room_id} is stale (line {raw['id']!r} changed); "
                "re-render with `python -m collectors.simulator.render`"
            )
        lines.append(
            Line(raw["id"], raw["text"], tuple(raw.get("offers", ())), float(timing["start"]), float(timing["end"]))
        )
    by_id = {line.line_id: line for line in lines}
    events = []
    for n, pin in enumerate(data.get("pins", [])):
        product = {k: v for k, v in pin.items() if k not in ("line", "at", "offset")}
        product.setdefault("product_id", f"{room_id}-p{n + 1}")
        events.append(RoomEvent(_anchor_time(pin, by_id, f"{script} pin {n + 1}"), "product_pin", product))
    for n, comment in enumerate(data.get("comments", [])):
        payload = {"user": comment["user"], "text": comment["text"]}
        events.append(RoomEvent(_anchor_time(comment, by_id, f"{script} comment {n + 1}"), "comment", payload))
    for n, viewers in enumerate(data.get("viewers", [])):
        payload = {"count": int(viewers["count"])}
        events.append(RoomEvent(_anchor_time(viewers, by_id, f"{script} viewers {n + 1}"), "viewers", payload))
    events.sort(key=lambda e: e.at)
    return Room(
        room_id=room_id,
        title=data.get("title", room_id),
        seller_id=data["seller_id"],
        seller_name=data.get("seller_name", data["seller_id"]),
        platform_hint=data.get("platform_hint", "simulator"),
        merchant_type=merchant_type,
        lines=lines,
        events=events,
        media_dir=media_dir,
        segment_durations=[float(s["duration"]) for s in index["segments"]],
        speech=data.get("speech", {}),
        usd_idr_rate=float(data.get("usd_idr_rate", 16_000.0)),
    )


def load_rooms(names: Optional[list[str]] = None, rooms_dir: Path = ROOMS_DIR, media_root: Path = MEDIA_DIR) -> list[Room]:
    """Load the named rooms (file stems), or every room script in ``rooms_dir``."""
    scripts = sorted(Path(rooms_dir).glob("*.toml"))
    if names is not None:
        known = {p.stem: p for p in scripts}
        missing = [n for n in names if n not in known]
        if missing:
            raise UserError(f"unknown simulator room(s) {', '.join(missing)}; known: {', '.join(sorted(known))}")
        scripts = [known[n] for n in names]
    return [load_room(p, media_root) for p in scripts]
