"""Rupiah amounts as platforms print them: "Rp185.000", "Rp 1.250.000", "IDR 85,000".

    >>> parse_idr("Rp185.000"), parse_idr("IDR 85,000"), parse_idr("Rp1,5jt"), parse_idr("$5.99")
    (185000, 85000, 1500000, None)
"""
from __future__ import annotations

import re
from typing import Optional

__all__ = ["parse_idr"]

_AMOUNT = re.compile(r"^\s*(?:rp\.?|idr)\s*([\d.,]+)\s*(rb|ribu|k|jt|juta)?\s*$", re.IGNORECASE)
_SCALE = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}


def parse_idr(text: Optional[str]) -> Optional[int]:
    """The amount in rupiah, or None when ``text`` is not a rupiah price."""
    found = _AMOUNT.match(text or "")
    if not found:
        return None
    digits, suffix = found.group(1), (found.group(2) or "").lower()
    if suffix:
        # "1,5jt" / "1.5jt": the separator is a decimal point here.
        try:
            return round(float(digits.replace(",", ".")) * _SCALE[suffix])
        except ValueError:
            return None
    # Without a suffix, dots and commas only group thousands (rupiah has no cents in practice).
    plain = digits.replace(".", "").replace(",", "")
    return int(plain) if plain.isdigit() else None
