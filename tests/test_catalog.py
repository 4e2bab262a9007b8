"""The product catalog shared by extraction and the rules."""
import re

import pytest

from pantau.catalog import load_catalog
from pantau.errors import UserError

DESIGN_IDS = {"tshirt", "shirt", "batik", "trousers", "dress", "hijab", "prayer_garment", "jacket",
              "shoes", "sandals", "bag", "wallet", "watch", "cosmetics", "skincare", "perfume",
              "underwear", "socks", "kids_clothing", "toys", "phone_accessories", "earphones",
              "kitchenware"}


def test_catalog_has_exactly_the_design_ids_with_names_and_hs_codes():
    catalog = load_catalog()
    assert set(catalog.categories) == DESIGN_IDS
    for cat in catalog.categories.values():
        assert cat.names_id and cat.names_en, cat.id
        assert re.fullmatch(r"\d{4}(\.\d{2})?", cat.hs_code), (cat.id, cat.hs_code)


def test_no_phrase_names_two_categories():
    seen = {}
    catalog = load_catalog()
    for cat in catalog.categories.values():
        for phrase in cat.phrases():
            assert seen.setdefault(phrase, cat.id) == cat.id, (phrase, seen[phrase], cat.id)
    assert not set(catalog.not_products) & set(seen)


def test_traps_are_longer_phrases_of_their_own():
    cats = load_catalog().categories
    assert "kaos kaki" in cats["socks"].phrases() and "kaos" in cats["tshirt"].phrases()
    assert "celana dalam" in cats["underwear"].phrases() and "celana" in cats["trousers"].phrases()
    assert "jam tangan" in cats["watch"].phrases()
    assert "sarung tangan" in load_catalog().not_products


def test_a_broken_catalog_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "catalog.toml"
    bad.write_text('[[category]]\nid = "socks"\nnames_id = ["kaos kaki"]\n')
    with pytest.raises(UserError, match="needs names_id and names_en"):
        load_catalog(bad)
    bad.write_text("[[category]\n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_catalog(bad)
    with pytest.raises(UserError, match="catalog file not found"):
        load_catalog(tmp_path / "missing.toml")
