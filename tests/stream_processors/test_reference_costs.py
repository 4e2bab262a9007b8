import datetime as dt

import pytest

from pantau.catalog import load_catalog
from pantau.errors import UserError
from stream_processors.reference_costs import load_reference_costs, parse_reference_costs


def test_shipped_sample_covers_every_catalog_category_with_hs_code_and_source():
    costs = load_reference_costs()
    catalog = load_catalog()
    assert set(costs.costs) == set(catalog.categories)
    for category, entries in costs.costs.items():
        assert entries[0].hs_code == catalog.categories[category].hs_code
        assert entries[0].source and entries[0].unit_cost_idr > 0
    assert "sample" in costs.version.lower()


def test_newest_entry_not_after_the_day_applies():
    costs = parse_reference_costs({
        "version": "v2",
        "cost": [
            {"category": "shoes", "unit_cost_idr": 100_000, "valid_from": dt.date(2025, 1, 1)},
            {"category": "shoes", "unit_cost_idr": 130_000, "valid_from": dt.date(2026, 6, 1)},
        ],
    })
    assert costs.lookup("shoes", dt.date(2026, 1, 1)).unit_cost_idr == 100_000
    assert costs.lookup("shoes", dt.date(2026, 6, 1)).unit_cost_idr == 130_000
    assert costs.lookup("shoes", dt.date(2024, 12, 31)) is None
    assert costs.lookup("socks", dt.date(2026, 1, 1)) is None
    assert costs.lookup("shoes", dt.date(2026, 1, 1)).hs_code == "6404.19"  # from the catalog


@pytest.mark.parametrize("data, words", [
    ({"cost": []}, "version"),
    ({"version": "v", "cost": [{"category": "spaceship", "unit_cost_idr": 1}]}, "unknown category 'spaceship'"),
    ({"version": "v", "cost": [{"category": "shoes", "unit_cost_idr": -5}]}, "positive integer"),
    ({"version": "v", "cost": [{"category": "shoes", "unit_cost_idr": 5, "valid_from": "soon"}]}, "valid_from"),
    ({"version": "v"}, "no [[cost]]"),
])
def test_bad_files_give_one_line_errors(data, words):
    with pytest.raises(UserError, match=None) as info:
        parse_reference_costs(data)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_missing_file_says_which(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_reference_costs(tmp_path / "nope.toml")
