import pytest

from stream_processors.categories import CategoryMatcher


@pytest.mark.parametrize("title, category", [
    ("Sepatu Sneakers Pria Import Size 39-44", "shoes"),
    ("Kaos Kaki Katun Isi 12 Pasang", "socks"),
    ("KAOS POLOS COTTON COMBED 30S", "tshirt"),
    ("Celana Dalam Pria Isi 3", "underwear"),
    ("Jam Tangan Pria Digital Anti Air", "watch"),
    ("Kain Batik Tulis Laweyan", "batik"),
    ("Gantungan Kunci Lucu", None),
    ("", None),
])
def test_titles_map_to_catalog_categories(title, category):
    assert CategoryMatcher().match(title) == category
