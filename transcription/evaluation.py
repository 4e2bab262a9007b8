"""Measuring transcription on labelled recordings: word error rate and price recall.

A manifest lists recordings with what was said and the prices in it, as TSV
(``file<TAB>transcript<TAB>prices``, prices separated by commas or spaces; a
header line starting with ``file`` is skipped) or JSONL (``{"file": ...,
"transcript": ..., "prices": [25000, ...]}``). Relative paths are relative to
the manifest::

    >>> word_errors("dua puluh lima ribu", "dua puluh ribu")
    (1, 4)
    >>> price_scores([25000, 75000], [25000, 70000])
    (1, 2, 1, 2)
    >>> spell_idr(150000), spell_idr(1_250_000)
    ('seratus lima puluh ribu', 'satu juta dua ratus lima puluh ribu')
    >>> prices_heard([25000, 75000], "cuma Dua puluh, lima ribu saja")
    1
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from pantau.errors import UserError
from transcription.agreement import normalize_word

__all__ = ["Recording", "read_manifest", "word_errors", "price_scores", "normalize_text", "spell_idr", "prices_heard"]

_UNITS = "nol satu dua tiga empat lima enam tujuh delapan sembilan".split()


def _spell_below_1000(n: int) -> List[str]:
    words: List[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += ["seratus"] if hundreds == 1 else [_UNITS[hundreds], "ratus"]
    if rest >= 20:
        tens, unit = divmod(rest, 10)
        words += [_UNITS[tens], "puluh"] + ([_UNITS[unit]] if unit else [])
    elif rest >= 12:
        words += [_UNITS[rest - 10], "belas"]
    elif rest == 11:
        words += ["sebelas"]
    elif rest == 10:
        words += ["sepuluh"]
    elif rest:
        words += [_UNITS[rest]]
    return words


def spell_idr(amount: int) -> str:
    """Rupiah as a host says it: 25000 -> "dua puluh lima ribu"."""
    words: List[str] = []
    millions, rest = divmod(amount, 1_000_000)
    thousands, rest = divmod(rest, 1000)
    if millions:
        words += ["satu", "juta"] if millions == 1 else _spell_below_1000(millions) + ["juta"]
    if thousands:
        words += ["seribu"] if thousands == 1 else _spell_below_1000(thousands) + ["ribu"]
    words += _spell_below_1000(rest)
    return " ".join(words)


def prices_heard(prices: Sequence[int], hypothesis: str) -> int:
    """How many of ``prices`` appear in the hypothesis, spelled out word for word.

    Spaces are ignored: Whisper often glues words ("ribusaja"), which
    extraction's grammar tolerates but a word-by-word match would not.
    """
    hyp = "".join(normalize_text(hypothesis))
    remaining = hyp
    heard = 0
    for p in prices:
        spelled = spell_idr(p).replace(" ", "")
        if spelled in remaining:
            heard += 1
            remaining = remaining.replace(spelled, "|", 1)
    return heard


@dataclass
class Recording:
    path: Path
    transcript: str
    prices: List[int] = field(default_factory=list)
    condition: str = ""


def normalize_text(text: str) -> List[str]:
    """Words for scoring: lower case, no punctuation ("ribu," == "Ribu")."""
    return [k for k in (normalize_word(w) for w in re.split(r"[\s\-]+", text)) if k]


def word_errors(reference: str, hypothesis: str) -> Tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): Levenshtein over words."""
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)


def price_scores(reference: Sequence[int], found: Iterable[int]) -> Tuple[int, int, int, int]:
    """(reference prices found, reference prices, found prices that are right, found prices).

    Each reference price is matched at most once, so saying a price twice
    and finding it once is half recall.
    """
    found = list(found)
    remaining = list(reference)
    correct = 0
    for price in found:
        if price in remaining:
            remaining.remove(price)
            correct += 1
    return correct, len(reference), correct, len(found)


def _prices(value) -> List[int]:
    if isinstance(value, list):
        return [int(v) for v in value]
    return [int(v) for v in re.split(r"[,\s;]+", str(value or "")) if v.strip()]


def read_manifest(path: str | Path) -> List[Recording]:
    """Parse a TSV or JSONL manifest; UserError with the line number on a bad line."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"manifest {p} does not exist")
    recordings = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            if line.lstrip().startswith("{"):
                row = json.loads(line)
                rec = Recording(Path(row["file"]), row.get("transcript", ""), _prices(row.get("prices", [])),
                                row.get("condition", ""))
            else:
                cols = line.split("\t")
                if n == 1 and cols[0].strip().lower() == "file":
                    continue
                if len(cols) < 2:
                    raise ValueError("expected file<TAB>transcript<TAB>prices")
                rec = Recording(Path(cols[0]), cols[1], _prices(cols[2] if len(cols) > 2 else ""),
                                cols[3].strip() if len(cols) > 3 else "")
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{p}:{n}: cannot read this manifest line ({exc})") from None
        if not rec.path.is_absolute():
            rec.path = p.parent / rec.path
        recordings.append(rec)
    if not recordings:
        raise UserError(f"manifest {p} lists no recordings")
    return recordings
