"""The product catalog: the categories offers are filed under.

Shared by extraction (which words name a category) and the rules (which HS
code applies). The data lives in ``pantau/data/catalog.toml``::

    >>> catalog = load_catalog()
    >>> catalog.categories["socks"].hs_code
    '6115.95'
    >>> "kaos kaki" in catalog.categories["socks"].phrases()
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

from pantau.config import read_toml
from pantau.errors import UserError

__all__ = ["Category", "Catalog", "load_catalog", "CATALOG_PATH"]

CATALOG_PATH = Path(__file__).parent / "data" / "catalog.toml"
_LISTS = ("names_id", "names_en", "synonyms", "brands", "misspellings")


@dataclass(frozen=True)
class Category:
    """One catalog category, with every phrase that names it."""

    id: str
    names_id: Tuple[str, ...]
    names_en: Tuple[str, ...]
    synonyms: Tuple[str, ...] = ()
    brands: Tuple[str, ...] = ()
    misspellings: Tuple[str, ...] = ()
    hs_code: str = ""

    def phrases(self) -> Tuple[str, ...]:
        """Every phrase naming this category, names first."""
        return self.names_id + self.names_en + self.synonyms + self.brands + self.misspellings


@dataclass(frozen=True)
class Catalog:
    """The categories by id, plus phrases that look like products but are not."""

    categories: Dict[str, Category]
    not_products: Tuple[str, ...] = ()
    version: str = ""
    path: Optional[Path] = field(default=None, compare=False)

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.categories


def _phrase(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"catalog {where}: expected a non-empty phrase, got {value!r}")
    # One canonical form (lower case, single spaces) so the matcher and the
    # file agree without each normalising on its own.
    return " ".join(value.lower().split())


def parse_catalog(data: dict, path: Optional[Path] = None) -> Catalog:
    """Build a Catalog from the parsed TOML, with one-line errors for bad entries."""
    categories: Dict[str, Category] = {}
    for i, entry in enumerate(data.get("category", [])):
        cid = entry.get("id")
        if not isinstance(cid, str) or not cid:
            raise UserError(f"catalog {path}: category #{i + 1} has no id")
        if cid in categories:
            raise UserError(f"catalog {path}: category {cid!r} is defined twice")
        lists = {
            name: tuple(_phrase(v, f"{cid}.{name}") for v in entry.get(name, []))
            for name in _LISTS
        }
        if not lists["names_id"] or not lists["names_en"]:
            raise UserError(f"catalog {path}: category {cid!r} needs names_id and names_en")
        categories[cid] = Category(id=cid, hs_code=str(entry.get("hs_code", "")), **lists)
    not_products = tuple(_phrase(e.get("phrase"), "not_product") for e in data.get("not_product", []))
    return Catalog(categories=categories, not_products=not_products,
                   version=str(data.get("version", "")), path=path)


@lru_cache(maxsize=8)
def load_catalog(path: Optional[Path] = None) -> Catalog:
    """Load the catalog (the shipped one by default); cached, so cheap to call."""
    path = Path(path) if path is not None else CATALOG_PATH
    return parse_catalog(read_toml(path, "catalog"), path)
