"""Room scripts and their ground truth: consistent with the rendered media and the reference costs."""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from collectors.simulator import load_room, load_rooms
from collectors.simulator.rooms import MEDIA_DIR, ROOMS_DIR
from pantau.errors import UserError

REPO = Path(__file__).resolve().parents[3]
REFERENCE_COSTS = REPO / "stream_processors" / "data" / "reference_costs.toml"
CATALOG_IDS = set(
    "tshirt shirt batik trousers dress hijab prayer_garment jacket shoes sandals bag wallet watch cosmetics "
    "skincare perfume underwear socks kids_clothing toys phone_accessories earphones kitchenware".split()
)
# The unit costs the rooms were written against (the project's sample reference catalog agrees).
ASSUMED_UNIT_COSTS = {
    "shoes": 120_000, "watch": 60_000, "tshirt": 35_000, "earphones": 45_000, "bag": 80_000,
    "batik": 90_000, "hijab": 25_000, "prayer_garment": 70_000, "phone_accessories": 15_000,
    "kitchenware": 30_000,
}


def reference_costs() -> dict[str, int]:
    data = tomllib.loads(REFERENCE_COSTS.read_text())
    return {entry["category"]: int(entry["unit_cost_idr"]) for entry in data["cost"]}


def test_rooms_cover_an_honest_seller_a_dishonest_one_and_a_cross_border_merchant(rooms):
    assert len(rooms) >= 3
    honest = [r for r in rooms if not any(o.sub_cost or o.below_floor for o in r.truth_offers())]
    dishonest = [r for r in rooms if r.merchant_type == "domestic" and any(o.sub_cost for o in r.truth_offers())]
    cross_border = [r for r in rooms if r.merchant_type == "cross_border"]
    assert honest and dishonest and cross_border
    assert all(not o.imported for r in honest for o in r.truth_offers())
    assert any("impor dari Cina" in line.text for r in dishonest for line in r.lines)
    assert all(o.below_floor for r in cross_border for o in r.truth_offers())


@pytest.mark.parametrize("figures", ["assumed", "shipped"])
def test_sub_cost_offers_are_far_below_cost_and_honest_ones_well_above(rooms, figures):
    costs = ASSUMED_UNIT_COSTS if figures == "assumed" else reference_costs()
    for room in rooms:
        for offer in room.truth_offers():
            assert offer.category in CATALOG_IDS
            ratio = offer.unit_price_idr / costs[offer.category]
            if offer.sub_cost:
                assert ratio <= 0.30, (offer.offer_id, ratio)
            else:
                assert ratio >= 1.50, (offer.offer_id, ratio)


def test_the_dishonest_room_speaks_its_first_sub_cost_offer_early(rooms):
    for room in rooms:
        sub_cost = [o for o in room.truth_offers() if o.sub_cost]
        if sub_cost:
            # Room time counts from the start of the playlist's first window,
            # 12 s before the room goes live: alerts can come within a minute.
            assert sub_cost[0].end <= 40.0, room.room_id


def test_pins_show_the_prices_the_host_says_no_later_than_the_offer(rooms):
    for room in rooms:
        offers = room.truth_offers()
        pins = [e for e in room.events if e.kind == "product_pin"]
        assert pins, room.room_id
        for pin in pins:
            product = pin.payload
            said = [o for o in offers if o.category == product["category"] and o.price_idr == product["price_idr"]]
            assert said, (room.room_id, product["title"])
            assert pin.at <= said[0].start + 0.001
            assert set(product) >= {"product_id", "title", "price_idr", "stock", "ship_from", "shop"}


def test_line_times_follow_the_script_and_fit_in_the_audio(rooms):
    for room in rooms:
        ends = 0.0
        for line in room.lines:
            assert ends <= line.start < line.end
            ends = line.end
        assert ends < room.loop_duration <= 180.0


def test_rendered_media_stays_small(rooms):
    for room in rooms:
        size = sum(p.stat().st_size for p in room.media_dir.iterdir())
        assert size < 1_500_000, (room.room_id, size)


def test_an_edited_script_with_stale_media_is_a_clear_error(tmp_path):
    script = (ROOMS_DIR / "batik-laweyan.toml").read_text().replace("Selamat sore", "Selamat malam")
    (tmp_path / "batik-laweyan.toml").write_text(script)
    with pytest.raises(UserError, match="stale.*re-render"):
        load_room(tmp_path / "batik-laweyan.toml")


def test_missing_media_and_unknown_rooms_are_clear_errors(tmp_path):
    shutil.copy(ROOMS_DIR / "batik-laweyan.toml", tmp_path)
    with pytest.raises(UserError, match="room media missing.*render"):
        load_room(tmp_path / "batik-laweyan.toml", media_root=tmp_path)
    with pytest.raises(UserError, match="unknown simulator room.*no-such-room"):
        load_rooms(["no-such-room"])


def test_every_shipped_room_has_media():
    assert {p.stem for p in ROOMS_DIR.glob("*.toml")} <= {p.name for p in MEDIA_DIR.iterdir()}
