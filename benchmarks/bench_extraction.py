"""Extraction throughput on one core: utterances per second.

    python benchmarks/bench_extraction.py [--seconds 3]

Runs the corpus utterances (tests/resources/extraction/corpus.jsonl) through
the fast path (``extract``: plain Drafts), the public call the workers use
(``extract_offers``: Faust ``Offer`` records) and, in the same run, a naive
baseline: a handful of regular expressions for "Rp 25.000" / "25rb" / "25k"
and "<words> ribu", the usual first attempt. It prints throughput, the
ratio to the baseline, and each one's price F1 on the corpus so the speed
is read next to what it buys. The process is pinned to one CPU.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.transcription.extraction_scoring import load_corpus, score  # noqa: E402
from transcription.extraction import extract, extract_offers  # noqa: E402

_DIGITS = re.compile(r"(?:rp\.?\s*)?(\d+(?:[.,]\d{3})*)\s*(rb|ribu|k|jt|juta)?", re.I)
_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
          "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100}
_WORD_PRICE = re.compile(r"((?:\w+\s+){1,6}?)(ribu|juta)\b", re.I)


def naive(text: str) -> List[dict]:
    """The baseline: regexes, no grammar, no roles, no context."""
    offers = []
    for m in _DIGITS.finditer(text):
        value = int(m.group(1).replace(".", "").replace(",", ""))
        unit = (m.group(2) or "").lower()
        value *= {"rb": 1000, "ribu": 1000, "k": 1000, "jt": 10**6, "juta": 10**6}.get(unit, 1)
        if value >= 500:
            offers.append(value)
    for m in _WORD_PRICE.finditer(text):
        total, current = 0, 0
        for w in m.group(1).lower().split():
            if w in _WORDS:
                current += _WORDS[w]
            elif w == "puluh":
                current *= 10
            elif w == "belas":
                current += 10
            elif w == "ratus":
                current *= 100
        total = current * (1000 if m.group(2).lower() == "ribu" else 10**6)
        if total:
            offers.append(total)
    return [{"category": None, "price_idr": v, "quantity": 1, "list_price_idr": None, "imported": None}
            for v in offers]


def rate(fn: Callable[[str], object], texts: List[str], seconds: float) -> float:
    for t in texts:  # warm caches once, as a long-running worker has them
        fn(t)
    # CPU time of this process: other programs on a busy machine do not count.
    n, start = 0, time.process_time()
    deadline = start + seconds
    while True:
        for t in texts:
            fn(t)
        n += len(texts)
        now = time.process_time()
        if now >= deadline:
            return n / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    corpus = load_corpus()
    texts = [item["text"] for item in corpus]
    f1_ours = score(corpus, lambda t: [d.contract() for d in extract(t)])["price_f1"]
    f1_naive = score(corpus, naive)["price_f1"]
    # Whisper segments are often longer than one sentence: also time the
    # corpus three utterances at a time.
    segments = [" ".join(texts[k:k + 3]) for k in range(0, len(texts), 3)]
    base = rate(naive, texts, args.seconds)
    fast = rate(extract, texts, args.seconds)
    public = rate(extract_offers, texts, args.seconds)
    base_long = rate(naive, segments, args.seconds)
    public_long = rate(extract_offers, segments, args.seconds)
    words = sum(len(t.split()) for t in texts) / len(texts)
    long_words = sum(len(t.split()) for t in segments) / len(segments)
    print(f"corpus: {len(texts)} utterances, {words:.1f} words each on average; one core (CPU time)")
    print(f"{'':34}{'utterances/s':>14}{'vs baseline':>13}{'price F1':>10}")
    print(f"{'naive regex baseline':34}{base:14,.0f}{1.0:12.2f}x{f1_naive:10.3f}")
    print(f"{'extract (Drafts)':34}{fast:14,.0f}{fast / base:12.2f}x{f1_ours:10.3f}")
    print(f"{'extract_offers (Records)':34}{public:14,.0f}{public / base:12.2f}x{f1_ours:10.3f}")
    print(f"{'naive, %.0f-word segments' % long_words:34}{base_long:14,.0f}{1.0:12.2f}x")
    print(f"{'extract_offers, %.0f-word segments' % long_words:34}{public_long:14,.0f}"
          f"{public_long / base_long:12.2f}x")
    print(f"extract_offers: {public:,.0f} utterances/s on one core "
          f"({'meets' if public >= 10_000 else 'BELOW'} the 10,000/s target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
