"""Offers as the contract of DESIGN.md describes them, through the library
call the workers use and through `pantau extract`."""
import json
import subprocess
import sys

import pytest

from pantau.records import Offer
from transcription.extraction import extract, extract_offers

CONTRACT_FIELDS = {"category", "product_text", "price_idr", "quantity", "unit_price_idr",
                   "list_price_idr", "imported", "confidence", "span"}


def only(text):
    offers = extract_offers(text)
    assert len(offers) == 1, [o.contract() for o in offers]
    return offers[0]


def test_offer_record_carries_the_contract_and_the_text():
    text = "Harga normal seratus lima puluh ribu. Hari ini sepatu impor ini cuma dua puluh lima ribu rupiah!"
    offer = only(text)
    assert isinstance(offer, Offer)
    assert offer.text == text
    assert set(offer.contract()) == CONTRACT_FIELDS
    assert offer.contract() == {
        "category": "shoes", "product_text": "sepatu", "price_idr": 25_000, "quantity": 1,
        "unit_price_idr": 25_000, "list_price_idr": 150_000, "imported": True,
        "confidence": offer.contract()["confidence"], "span": offer.span,
    }
    start, end = offer.span
    evidence = text[start:end]
    assert evidence.startswith("seratus lima puluh ribu") and evidence.endswith("dua puluh lima ribu")
    assert Offer.loads(offer.dumps()).contract() == offer.contract()


def test_unit_price_is_price_over_quantity_rounded():
    offer = only("Celana dalam isi tiga cuma lima puluh ribu")
    assert (offer.price_idr, offer.quantity, offer.unit_price_idr) == (50_000, 3, 16_667)


def test_several_offers_each_get_their_own_product_and_origin():
    got = [(o.category, o.price_idr, o.imported) for o in
           extract_offers("Sepatu impor lima puluh ribu, sandal lokal dua puluh ribu, kaos kaki goceng")]
    assert got == [("shoes", 50_000, True), ("sandals", 20_000, False), ("socks", 5_000, None)]


def test_product_outside_the_catalog_keeps_its_price():
    offer = only("Payung lipat ini cuma tiga puluh ribu")
    assert (offer.category, offer.product_text, offer.price_idr) == (None, "Payung lipat", 30_000)


@pytest.mark.parametrize("text", [
    "Stoknya tinggal lima ratus pasang. Promo sampai jam sepuluh malam ya.",
    "Diskon delapan puluh persen khusus yang nonton live sekarang. Rating toko empat koma sembilan.",
    "Power bank dua puluh ribu mAh, output dua puluh dua koma lima watt",
    "Gratis ongkir minimal belanja lima puluh ribu",
    "Sepuluh ribu orang sudah beli produk ini",
    "",
])
def test_numbers_that_are_not_prices_yield_no_offer(text):
    assert extract_offers(text) == []


def test_confidence_orders_how_the_price_was_heard():
    clear = only("Kaos ini Rp 25.000").confidence
    words = only("Kaos ini dua puluh lima ribu").confidence
    noisy = only("Kaos ini dua puluh, lima rebu").confidence
    implied = only("Kaos ini 25 aja").confidence
    assert clear > words > noisy > implied


def test_rhetorical_corrected_and_competitor_prices_are_not_the_offer():
    assert [o.price_idr for o in extract("Jam tangan ini satu setengah juta? Nggak, cuma tiga ratus ribu")] == [300_000]
    assert [o.price_idr for o in extract("Serum ini seratus ribu, eh salah, delapan puluh ribu")] == [80_000]
    assert [o.price_idr for o in extract("Di toko sebelah dua ratus ribu, di sini sepatu ini cuma seratus ribu")] == [100_000]


def test_pantau_extract_prints_one_json_object_per_line():
    lines = ["Kaos ini cuma dua puluh lima ribu rupiah", "Halo kak, selamat datang", "Kaos kaki 1 lusin 60rb"]
    proc = subprocess.run([sys.executable, "-m", "pantau.cli", "extract"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert [len(o["offers"]) for o in out] == [1, 0, 1]
    first, socks = out[0]["offers"][0], out[2]["offers"][0]
    assert set(first) == CONTRACT_FIELDS
    assert (first["category"], first["price_idr"], first["quantity"]) == ("tshirt", 25_000, 1)
    assert (socks["category"], socks["price_idr"], socks["quantity"], socks["unit_price_idr"]) == ("socks", 60_000, 12, 5_000)
    assert isinstance(first["span"], list) and isinstance(first["confidence"], float)


def test_simulator_room_scripts_extract_as_their_ground_truth():
    # The demo's rooms say what their hosts offer; every scripted line must
    # give exactly those offers (category, price, quantity) and no others.
    import tomllib
    from pathlib import Path

    rooms = sorted((Path(__file__).resolve().parents[2] / "collectors" / "simulator" / "rooms").glob("*.toml"))
    assert rooms
    for room in rooms:
        script = tomllib.loads(room.read_text(encoding="utf-8"))
        for line in script.get("lines", []):
            want = [(o["category"], o["price_idr"], o.get("quantity", 1)) for o in line.get("offers", [])]
            got = [(o.category, o.price_idr, o.quantity) for o in extract_offers(line["text"])]
            assert got == want, (room.name, line["id"], line["text"])
