"""Which numbers are prices, and what role each price plays.

A number is a price when it is said as money (Rp/rupiah, ribu/juta, rb/k,
"25.000", slang) or, for a bare "99" or "seratus dua puluh", when a price
word or the product itself stands right before it (then "ribu" is implied).
Measurements, counts, times, sizes, percentages and discount amounts are
not prices; small counts become quantity marks, percentages after "diskon"
discount marks.

Each price then gets a role: ``sale`` (what the buyer pays), ``list`` (the
crossed-out or normal price: "harga normal X", "dari X jadi Y"), or is
dropped as a competitor's price ("di toko sebelah X"), a rhetorical one
("satu setengah juta? Nggak, ...") or one the host corrected ("eh salah").
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from transcription.extraction import lexicon as lx
from transcription.extraction.numbers import Number
from transcription.extraction.products import Mention
from transcription.extraction.tokens import NUM, PUNCT, WORD, Token

__all__ = ["Price", "Mark", "classify", "assign_roles", "sentence_between"]

MIN_PRICE, MAX_PRICE = 500, 500_000_000
_SENTENCE_END = lx.SENTENCE_END
_DEMONSTRATIVE = {"ini", "itu", "nya", "tersebut", "satu", "yang"}


class Price:
    """A number said as a price, with how it was said and its role."""

    __slots__ = ("num", "value", "i", "j", "start", "end", "role", "currency", "implied",
                 "cued", "quantity", "repeats")

    def __init__(self, num: Number, value: int, implied: bool, currency: bool, cued: bool,
                 quantity: Optional[int]):
        self.num = num
        self.value = value
        self.i, self.j = num.i, num.j
        self.start, self.end = num.start, num.end
        self.role = "sale"
        self.currency = currency
        self.implied = implied
        self.cued = cued
        self.quantity = quantity  # "lima puluh ribu tiga": said right after the price
        self.repeats = 0

    def __repr__(self) -> str:
        return f"Price({self.value}, {self.role})"


class Mark:
    """A quantity ("3 pcs", "isi enam") or a discount percentage at token i."""

    __slots__ = ("i", "j", "value", "start", "end", "per")

    def __init__(self, i: int, j: int, value: float, tokens: List[Token], per: bool = False):
        self.i, self.j, self.value, self.per = i, j, value, per
        self.start, self.end = tokens[i].start, tokens[j - 1].end


def prev_words(tokens: List[Token], i: int, k: int, skip: frozenset = frozenset(),
               clause: bool = False) -> List[str]:
    """Up to k words before token i, nearest first, within the sentence and
    stopping at another number (whose cue it would be); indices in skip
    (product names) are passed over."""
    out: List[str] = []
    j = i - 1
    while j >= 0 and len(out) < k:
        tok = tokens[j]
        if j in skip:
            pass
        elif tok.kind == WORD:
            if tok.norm in lx.NUMBER_WORDS:
                break
            out.append(tok.norm)
        elif tok.kind == NUM or tok.norm in _SENTENCE_END and not _rp_dot(tokens, j) \
                or clause and tok.norm == ",":
            break
        j -= 1
    return out


def _rp_dot(tokens: List[Token], j: int) -> bool:
    return tokens[j].norm == "." and j > 0 and tokens[j - 1].norm in ("rp", "idr")


def _norm(tokens: List[Token], j: int) -> str:
    return tokens[j].norm if j < len(tokens) else ""


def _has_currency(tokens: List[Token], num: Number) -> bool:
    i = num.i
    before = _norm(tokens, i - 1) if i > 0 else ""
    if before in lx.CURRENCY_BEFORE or before == "." and i > 1 and tokens[i - 2].norm in ("rp", "idr"):
        return True
    j = num.j
    if _norm(tokens, j) == "," and _norm(tokens, j + 1) in lx.CURRENCY_AFTER:  # ASR comma
        return True
    return _norm(tokens, j) in lx.CURRENCY_AFTER


def _nonprice_before(prev: List[str], currency: bool) -> bool:
    if prev and prev[0] in lx.DISCOUNT and prev[0] not in ("sale", "off"):  # "diskon 20 ribu"
        return True
    if len(prev) > 1 and prev[0] == "murah" and prev[1] == "lebih":  # "lebih murah 10 ribu"
        return True
    for w in prev:
        if w in lx.PRICE_BEFORE and w not in lx.WEAK_PRICE_BEFORE:
            return False  # "ukuran XL harga 40 ribu": the price word is nearer
        if w in lx.STRONG_NONPRICE_BEFORE:
            return not currency
        if w in lx.WEAK_NONPRICE_BEFORE:
            return True
    return False


_SCALE_KINDS = {"PULUH", "BELAS", "RATUS", "KOMA", "SRIBU"}
_HEAD_KINDS = {"D", "TEN", "TEEN", "SERATUS", "PULUH", "RATUS", "BELAS"}


def _skip_back(tokens: List[Token], j: int) -> int:
    while j >= 0 and tokens[j].kind == PUNCT and tokens[j].norm in (",", ".", "-"):
        j -= 1
    return j


def _truncated(tokens: List[Token], num: Number, covered: set) -> bool:
    """The start of this number was lost: "dua puuh lima ribu" must not be
    read as 5,000 when "puuh" was not understood; "Puh, Lima, Ribo" neither."""
    j = _skip_back(tokens, num.i - 1)
    if j < 0:
        return False
    tok = tokens[j]
    kind = lx.NUMBER_WORDS.get(tok.norm, (None,))[0]
    if kind in _SCALE_KINDS:
        return True
    if kind is not None or tok.kind != WORD or len(tok.norm) > 5 or j in covered \
            or tok.norm in lx.KNOWN_WORDS:
        return False
    k = _skip_back(tokens, j - 1)
    if k < 0:
        return False
    if lx.NUMBER_WORDS.get(tokens[k].norm, (None,))[0] in _HEAD_KINDS:
        return True
    # "tu tu tu Sembilan ribu": a run of syllables ASR could not place.
    prev = tokens[k]
    return len(tok.norm) <= 3 and prev.kind == WORD and len(prev.norm) <= 3 \
        and prev.norm not in lx.KNOWN_WORDS and k not in covered


def _after_product(tokens: List[Token], mentions: List[Mention], i: int) -> bool:
    """The number follows the product's name ("sendal seratus dua puluh")."""
    for m in mentions:
        if m.j == i or m.j == i - 1 and tokens[i - 1].norm in _DEMONSTRATIVE:
            return True
        if m.j == i - 2 and tokens[i - 2].norm in _DEMONSTRATIVE and tokens[i - 1].norm in _DEMONSTRATIVE:
            return True
    return False


def classify(tokens: List[Token], nums: List[Number], mentions: List[Mention]
             ) -> Tuple[List[Price], List[Mark], List[Mark]]:
    """Prices, quantity marks and discount-percentage marks among the numbers."""
    prices: List[Price] = []
    qtys: List[Mark] = []
    pcts: List[Mark] = []
    mention_starts = {m.i for m in mentions}
    # Words that name a product are not cues ("jam tangan", "celana panjang").
    covered = {k for m in mentions for k in range(m.i, m.j)}
    for num in nums:
        nxt, nxt2 = _norm(tokens, num.j), _norm(tokens, num.j + 1)
        prev = prev_words(tokens, num.i, 3, covered)
        value, trailing_q, _ = num.price_reading()
        small = num.integral and not num.scaled and num.form != "slang" and value < 1000
        if small and nxt in lx.QTY_UNITS and value >= 1:
            qtys.append(Mark(num.i, num.j + 1, int(value) * lx.QTY_UNITS[nxt], tokens))
            continue
        if nxt in ("persen", "%", "persenan") or nxt == "," and nxt2 == "persen":
            if 0 < value <= 100 and (any(w in lx.DISCOUNT for w in prev) or nxt2 == "off"):
                pcts.append(Mark(num.i, num.j + 1, value, tokens))
            continue
        if small and value >= 1 and prev and prev[0] in lx.QTY_BEFORE:
            qtys.append(Mark(num.i, num.j, int(value), tokens))
            continue
        if small and 2 <= value <= 100 and num.j in mention_starts:  # "tiga kaos"
            qtys.append(Mark(num.i, num.j, int(value), tokens))
            continue
        if abs(value - round(value)) > 1e-9:
            continue  # ratings, sizes: "4,9", "1,7 inci"
        if nxt in (lx.SCALED_NONPRICE_AFTER if num.scaled else lx.NONPRICE_AFTER):
            continue
        if _truncated(tokens, num, covered):
            continue
        currency = _has_currency(tokens, num)
        if _nonprice_before(prev_words(tokens, num.i, 3, covered, clause=True), currency):
            continue
        if nxt == "yang" and nxt2 in lx.COUNTED_AFTER_YANG:
            continue
        cued = bool(prev) and prev[0] in lx.PRICE_BEFORE or nxt in lx.PRICE_AFTER \
            or prev[:1] == ["dari"] and nxt in ("jadi", "menjadi")  # "dari 250 jadi 150"
        implied = False
        if currency or num.scaled or (num.grouped and value >= 1000):
            pass
        elif small and value >= 5 and (cued or _after_product(tokens, mentions, num.i)):
            value, implied = value * 1000, True
        elif value >= 1000 and cued and tokens[num.i].kind == NUM and not tokens[num.i].text.startswith("0"):
            pass
        else:
            continue
        if not MIN_PRICE <= value <= MAX_PRICE:
            continue
        prices.append(Price(num, int(round(value)), implied, currency, cued, trailing_q))
    if any(not p.implied for p in prices):
        # "Sepatu 42 cuma 150rb": a bare number after the product is a size
        # when a price is said outright; keep implied prices only when cued.
        prices = [p for p in prices if not p.implied or p.cued]
    for k, tok in enumerate(tokens):
        if tok.norm in lx.QTY_WORDS:  # "selusin", "sekodi"
            qtys.append(Mark(k, k + 1, lx.QTY_WORDS[tok.norm], tokens))
        elif tok.norm == "per" and k + 1 < len(tokens) and tokens[k + 1].norm in lx.QTY_UNITS \
                or tok.norm in ("satuan", "ecer", "eceran", "perpcs", "perbiji"):
            # "per pcs 15 ribu": the price of one, whatever count was said before.
            qtys.append(Mark(k, k + (2 if tok.norm == "per" else 1), 1, tokens, per=True))
    qtys.sort(key=lambda m: m.i)
    return prices, qtys, pcts


def _words_between(tokens: List[Token], a: int, b: int) -> List[str]:
    return [t.norm for t in tokens[a:b]]


def assign_roles(tokens: List[Token], prices: List[Price], mentions: List[Mention] = ()) -> None:
    """Set each price's role: sale, list, competitor, rhetorical, corrected."""
    starts = {m.i for m in mentions}
    prev_end = 0
    for k, p in enumerate(prices):
        before = _words_between(tokens, max(prev_end, p.i - 6), p.i)
        near = [w for w in prev_words(tokens, p.i, 5) if w not in lx.CURRENCY_BEFORE][:4]
        after = _words_between(tokens, p.j, min(len(tokens), p.j + 6))
        nxt_price = prices[k + 1] if k + 1 < len(prices) else None
        # Competitor: "di toko sebelah 200 ribu", "harga pasaran 100 ribu".
        if any(w in lx.COMPETITOR for w in before) and not any(w in ("sini", "kami", "kita") for w in near):
            p.role = "competitor"
        # Rhetorical: "satu setengah juta? Nggak, ..." and "bukan 100 ribu".
        elif p.i > 0 and tokens[p.i - 1].norm == "bukan" or _rhetorical(after, nxt_price is not None):
            p.role = "rhetorical"
        # Corrected: "eh salah", "ralat", "eh bukan," before the next price.
        elif nxt_price is not None and _corrected(tokens, p, nxt_price):
            p.role = "corrected"
        elif _list_cue(near) and (nxt_price is not None or _strong_list_cue(near)):
            p.role = "list"
        elif near[:1] == ["dari"]:
            # "dari X jadi Y", or after the sale price: "Rp 450 ribu, dari Rp 700 ribu".
            if nxt_price is not None:
                p.role = "list" if p.value > nxt_price.value else "sale"
            elif k and prices[k - 1].role == "sale" and prices[k - 1].value < p.value \
                    and not sentence_between(tokens, prices[k - 1].j, p.i):
                p.role = "list"
        elif nxt_price is not None and p.value > nxt_price.value and _leads_to(tokens, p.j, nxt_price.i, starts):
            p.role = "list"
        prev_end = p.j


def _strong_list_cue(near: List[str]) -> bool:
    return any(w in ("normal", "normalnya", "coret", "coretnya") for w in near) or _harga_asli(near)


def _harga_asli(near: List[str]) -> bool:
    # "harga asli(nya) X" is the normal price; "asli Korea" / "kulit asli" is not.
    for a, b in zip(near, near[1:]):
        if a in ("asli", "aslinya") and b in ("harga", "harganya"):
            return True
    return "aslinya" in near[:1]


def _list_cue(near: List[str]) -> bool:
    return _harga_asli(near) or any(w in lx.LIST_BEFORE and w not in ("asli", "aslinya") for w in near)


def _corrected(tokens: List[Token], p: Price, q: Price) -> bool:
    between = _words_between(tokens, p.j, q.i)
    if any(w in lx.CORRECTION for w in between):
        return True
    if "bukan" in between and tokens[q.i - 1].norm != "bukan":
        return True
    # "sejuta, eh, sembilan ratus ribu maksudnya": only a filler between,
    # or the correction word said after the new price.
    words = [w for w in between if w not in (",", ".", "-")]
    if words and all(w in lx.FILLERS for w in words) and p.value != q.value:
        return True
    return any(w in lx.CORRECTION for w in _words_between(tokens, q.j, q.j + 2))


def sentence_between(tokens: List[Token], a: int, b: int) -> bool:
    """A sentence ends somewhere in tokens[a:b]."""
    return any(t.norm in _SENTENCE_END for t in tokens[a:b])


def _rhetorical(after: List[str], has_next: bool) -> bool:
    """ "satu setengah juta? Nggak, ..." and, before another price,
    "lima ratus ribu. Enggak kak, cuma ..." """
    for mark in ("?", ".", "!"):
        if mark in after and (mark == "?" or has_next):
            rest = after[after.index(mark) + 1:]
            if any(w in lx.NEGATION for w in rest[:2 if mark != "?" else 3]):
                return True
    return False


_NOW = {"jadi", "menjadi", "turun", "dibanting", "sekarang", "tinggal", "cuma", "hanya", "cukup"}


def _leads_to(tokens: List[Token], a: int, b: int, mention_starts: set) -> bool:
    """Between two prices of one product, words that make the first the old
    price: "X jadi Y", "X, tapi hari ini cuma Y" (the caller checks X > Y)."""
    between = _words_between(tokens, a, b)
    if len(between) > 8 or any(a <= k < b for k in mention_starts):
        return False
    if any(w in _SENTENCE_END for w in between) and not any(
            w in ("jadi", "menjadi", "sekarang") for w in between):
        return False
    return any(w in _NOW for w in between)
