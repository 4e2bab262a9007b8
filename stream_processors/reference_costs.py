"""The reference-cost catalog: what one unit of a category costs at least.

Versioned data loaded from TOML (``data/reference_costs.toml`` is the shipped,
labelled sample). Every alert of ``below_reference_cost`` records the version
it was judged against, so a report can say which figures it relied on::

    >>> costs = load_reference_costs()
    >>> costs.lookup("shoes").unit_cost_idr
    120000
    >>> costs.version
    'sample-2026-11'
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Union

from pantau.catalog import load_catalog
from pantau.config import read_toml
from pantau.errors import UserError

__all__ = ["ReferenceCost", "ReferenceCosts", "load_reference_costs", "REFERENCE_COSTS_PATH"]

REFERENCE_COSTS_PATH = Path(__file__).parent / "data" / "reference_costs.toml"


@dataclass(frozen=True)
class ReferenceCost:
    """The floor unit cost of one category from one date on."""

    category: str
    unit_cost_idr: int
    hs_code: str
    source: str
    valid_from: dt.date


@dataclass(frozen=True)
class ReferenceCosts:
    """All reference costs of one catalog version, newest first per category."""

    version: str
    source: str
    costs: Dict[str, List[ReferenceCost]]
    path: Optional[Path] = field(default=None, compare=False)

    def lookup(self, category: Optional[str], on: Optional[dt.date] = None) -> Optional[ReferenceCost]:
        """The cost that applies to ``category`` on date ``on`` (today if None)."""
        if category is None:
            return None
        day = on or dt.date.today()
        for cost in self.costs.get(category, ()):
            if cost.valid_from <= day:
                return cost
        return None

    def __contains__(self, category: object) -> bool:
        return category in self.costs


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise UserError(f"{where}: valid_from must be a date (YYYY-MM-DD), got {value!r}")


def parse_reference_costs(data: dict, path: Optional[Path] = None) -> ReferenceCosts:
    """Build ReferenceCosts from parsed TOML; one-line errors name the bad entry."""
    where = f"reference costs {path or '(inline)'}"
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise UserError(f"{where}: needs a version string at the top")
    default_source = str(data.get("source", ""))
    catalog = load_catalog()
    costs: Dict[str, List[ReferenceCost]] = {}
    for i, entry in enumerate(data.get("cost", [])):
        category = entry.get("category")
        if category not in catalog.categories:
            raise UserError(f"{where}: cost #{i + 1} names unknown category {category!r}")
        unit = entry.get("unit_cost_idr")
        if isinstance(unit, bool) or not isinstance(unit, int) or unit <= 0:
            raise UserError(f"{where}: {category}.unit_cost_idr must be a positive integer, got {unit!r}")
        costs.setdefault(category, []).append(ReferenceCost(
            category=category,
            unit_cost_idr=unit,
            hs_code=str(entry.get("hs_code") or catalog.categories[category].hs_code),
            source=str(entry.get("source", default_source)),
            valid_from=_date(entry.get("valid_from", "1970-01-01"), f"{where}: {category}"),
        ))
    if not costs:
        raise UserError(f"{where}: no [[cost]] entries")
    for entries in costs.values():
        entries.sort(key=lambda c: c.valid_from, reverse=True)
    return ReferenceCosts(version=version, source=default_source, costs=costs, path=path)


@lru_cache(maxsize=8)
def _load(path: Path) -> ReferenceCosts:
    return parse_reference_costs(read_toml(path, "reference costs", hint="see rules.reference_costs"), path)


def load_reference_costs(path: Union[str, Path, None] = None) -> ReferenceCosts:
    """Load the reference costs at ``path`` (the shipped sample when empty)."""
    return _load(Path(path) if path else REFERENCE_COSTS_PATH)
