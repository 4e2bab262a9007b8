"""Scoring of extraction against the labelled corpus (shared by the test and
the command line: ``python -m tests.transcription.extraction_scoring``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, Dict, List

CORPUS = Path(__file__).resolve().parents[1] / "resources" / "extraction" / "corpus.jsonl"


def load_corpus(path: Path = CORPUS) -> List[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(corpus: List[dict], extract: Callable[[str], List[dict]]) -> Dict[str, object]:
    """Price precision/recall/F1 (an offer is found when its price matches),
    and over the found offers: quantity, category, origin and list-price accuracy."""
    tp = fp = fn = 0
    same = {"quantity": 0, "category": 0, "imported": 0, "list_price_idr": 0}
    errors = []
    for item in corpus:
        got = extract(item["text"])
        want = list(item["offers"])
        unmatched = list(got)
        for w in want:
            match = next((g for g in unmatched if g["price_idr"] == w["price_idr"]), None)
            if match is None:
                fn += 1
                errors.append((item["id"], "missed", w, item["text"]))
                continue
            unmatched.remove(match)
            tp += 1
            for field in same:
                if match[field] == w[field]:
                    same[field] += 1
                else:
                    errors.append((item["id"], field, {"want": w[field], "got": match[field]}, item["text"]))
        for g in unmatched:
            fp += 1
            errors.append((item["id"], "spurious", g, item["text"]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result: Dict[str, object] = {
        "utterances": len(corpus), "expected_offers": tp + fn, "price_precision": precision,
        "price_recall": recall, "price_f1": f1,
    }
    for field, n in same.items():
        result[f"{field}_accuracy"] = n / tp if tp else 0.0
    result["errors"] = errors
    return result


def _contract(text: str) -> List[dict]:
    from transcription.extraction import extract
    return [d.contract() for d in extract(text)]


if __name__ == "__main__":
    res = score(load_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS), _contract)
    for e in res.pop("errors"):
        print(*e, sep=" | ")
    print(json.dumps(res, indent=1))
