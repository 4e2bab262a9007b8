"""Offer assembly: prices attached to products, quantities and origin.

The pipeline, each step in its own module::

    tokenize -> find_numbers -> classify (prices, quantity and discount marks)
             -> assign_roles (sale, list, competitor, rhetorical, corrected)
             -> group: each sale price with its list price
             -> attach the nearest product mention, quantity and origin cue

``extract(text)`` returns plain ``Draft`` objects (the fast path used by the
benchmark); ``extract_offers(text)`` wraps them in ``pantau.records.Offer``.
"""
from __future__ import annotations

from typing import List, Optional

from pantau.records import Offer
from transcription.extraction import lexicon as lx
from transcription.extraction.numbers import find_numbers
from transcription.extraction.origin import OriginCue, find_origin
from transcription.extraction.prices import Mark, Price, assign_roles, classify, sentence_between
from transcription.extraction.products import Mention, ProductMatcher
from transcription.extraction.tokens import NUM, PUNCT, WORD, Token, tokenize

__all__ = ["Draft", "extract", "extract_offers"]

_QUICK = set(lx.NUMBER_WORDS) | set(lx.SLANG) | set(lx.AMBIGUOUS_SLANG)


MAX_QUANTITY = 1000
MIN_UNIT_PRICE = 100


class Draft:
    """An offer before it becomes a record: the contract fields only."""

    __slots__ = ("category", "product_text", "price_idr", "quantity", "unit_price_idr",
                 "list_price_idr", "imported", "confidence", "span")

    def __init__(self, category: Optional[str], product_text: str, price_idr: int, quantity: int,
                 list_price_idr: Optional[int], imported: Optional[bool], confidence: float,
                 span: List[int]):
        self.category = category
        self.product_text = product_text
        self.price_idr = price_idr
        self.quantity = quantity
        self.unit_price_idr = int(round(price_idr / quantity)) if quantity else price_idr
        self.list_price_idr = list_price_idr
        self.imported = imported
        self.confidence = confidence
        self.span = span

    def contract(self) -> dict:
        return {"category": self.category, "product_text": self.product_text,
                "price_idr": self.price_idr, "quantity": self.quantity,
                "unit_price_idr": self.unit_price_idr, "list_price_idr": self.list_price_idr,
                "imported": self.imported, "confidence": round(self.confidence, 3),
                "span": list(self.span)}

    def to_offer(self, text: str) -> Offer:
        return Offer(category=self.category, product_text=self.product_text,
                     price_idr=self.price_idr, quantity=self.quantity,
                     unit_price_idr=self.unit_price_idr, list_price_idr=self.list_price_idr,
                     imported=self.imported, confidence=self.confidence, span=list(self.span),
                     text=text)

    def __repr__(self) -> str:
        return f"Draft({self.contract()!r})"


class _Group:
    __slots__ = ("sale", "lists", "mention", "quantity", "imported", "pct")

    def __init__(self, sale: Optional[Price]):
        self.sale = sale
        self.lists: List[Price] = []
        self.mention: Optional[Mention] = None
        self.quantity: Optional[Mark] = None
        self.imported: Optional[bool] = None
        self.pct: Optional[Mark] = None


def _maybe_numeric(tokens: List[Token]) -> bool:
    for t in tokens:
        if t.kind == NUM or t.norm in _QUICK:
            return True
    return False


def extract(text: str, matcher: Optional[ProductMatcher] = None) -> List[Draft]:
    """Offers in one utterance, as plain Drafts (no records)."""
    tokens = tokenize(text)
    if not _maybe_numeric(tokens):
        return []
    nums = find_numbers(tokens)
    if not nums:
        return []
    mentions = (matcher or ProductMatcher.default()).find(tokens, text)
    prices, qtys, pcts = classify(tokens, nums, mentions)
    if not prices:
        return []
    assign_roles(tokens, prices, mentions)
    groups = _group(prices, pcts)
    if not groups:
        return []
    _attach_products(tokens, groups, mentions)
    _attach_quantities(tokens, groups, qtys, mentions)
    _attach_origin(tokens, groups, find_origin(tokens, frozenset(m.j for m in mentions)))
    return [_draft(text, tokens, g) for g in groups]


def extract_offers(text: str) -> List[Offer]:
    """Offers in one utterance as ``pantau.records.Offer`` (text set to the input)."""
    return [d.to_offer(text) for d in extract(text)]


def _group(prices: List[Price], pcts: List[Mark]) -> List[_Group]:
    groups: List[_Group] = []
    pending: List[Price] = []
    for p in prices:
        if p.role == "list":
            pending.append(p)
        elif p.role == "sale":
            last = groups[-1] if groups else None
            if last and last.sale and last.sale.value == p.value and not pending:
                last.sale.repeats += 1  # "lima belas ribu. Lima belas ribu saja!"
                last.sale.end = max(last.sale.end, p.end)
                continue
            g = _Group(p)
            g.lists, pending = pending, []
            groups.append(g)
    if pending:
        if groups and groups[-1].sale and groups[-1].sale.i < pending[0].i and not groups[-1].lists:
            groups[-1].lists = pending  # "25 ribu aja, harga normalnya 150 ribu"
        else:
            # A normal price and a discount percentage, no sale price said:
            # the sale price is computed ("harga normal 200 ribu, diskon 50%").
            pct = next((m for m in pcts if m.i > pending[-1].i), None)
            if pct is not None:
                g = _Group(None)
                g.lists, g.pct = pending, pct
                groups.append(g)
    for g in groups:
        g.lists = [p for p in g.lists if g.sale is None or p.value > g.sale.value]
    return groups


def _pos(g: _Group) -> int:
    return g.sale.i if g.sale else g.lists[0].i


def _end(g: _Group) -> int:
    return g.sale.j if g.sale else g.pct.j


def _first(g: _Group) -> int:
    return min([p.i for p in g.lists] + ([g.sale.i] if g.sale else []))


def _separated(tokens: List[Token], a: int, b: int, mentions: List[Mention]) -> bool:
    """A sentence end or another product between token a and b."""
    return sentence_between(tokens, a, b) or any(a <= m.i < b for m in mentions)


def _attach_products(tokens: List[Token], groups: List[_Group], mentions: List[Mention]) -> None:
    claimed = set()
    for k, g in enumerate(groups):
        lo = _end(groups[k - 1]) if k else 0
        first = _first(g)
        hi = _first(groups[k + 1]) if k + 1 < len(groups) else len(tokens)
        anchor = _pos(g)
        before = [m for m in mentions if lo <= m.i and m.j <= anchor and id(m) not in claimed
                  and not _inside_price(m, g)]
        after = [m for m in mentions if _end(g) <= m.i < hi and id(m) not in claimed
                 and not _separated(tokens, _end(g), m.i, [])]
        if before:
            g.mention = _head(tokens, before)
        elif after:
            g.mention = after[0]
        else:
            earlier = [m for m in mentions if m.j <= first]
            g.mention = earlier[-1] if earlier else None
        if g.mention is not None:
            claimed.add(id(g.mention))


def _head(tokens: List[Token], mentions: List[Mention]) -> Mention:
    """The nearest mention, or the head of the noun phrase it ends: Indonesian
    puts the head first, so "gamis set khimar" is a dress."""
    k = len(mentions) - 1
    while k > 0:
        prev, cur = mentions[k - 1], mentions[k]
        gap = tokens[prev.j:cur.i]
        if len(gap) > 1 or any(t.kind == PUNCT for t in gap) or gap and gap[0].norm not in ("set", "dan", "plus"):
            break
        k -= 1
    return mentions[k]


def _inside_price(m: Mention, g: _Group) -> bool:
    return any(p.i <= m.i < p.j for p in g.lists)


def _attach_quantities(tokens: List[Token], groups: List[_Group], qtys: List[Mark],
                       mentions: List[Mention]) -> None:
    # "per pcs" fixes one unit first; other marks fill offers still without one.
    for q in sorted(qtys, key=lambda m: not m.per):
        # The offer whose price follows the mark in its clause, else the one
        # just before it when nothing separates them ("50 ribu dapat 3").
        owner = None
        for k, g in enumerate(groups):
            if q.i < _first(g):
                prev = groups[k - 1] if k else None
                if prev is not None and not _separated(tokens, _end(prev), q.i, mentions) \
                        and not _leads_into(tokens, q.j, _first(g)):
                    owner = prev
                else:
                    owner = g
                break
        else:
            last = groups[-1]
            if not _separated(tokens, _end(last), q.i, mentions):
                owner = last
        if owner is not None and owner.quantity is None:
            owner.quantity = q
    for g in groups:
        if g.quantity is None and g.sale is not None and g.sale.quantity:
            g.quantity = Mark(g.sale.i, g.sale.j, g.sale.quantity, tokens)


def _leads_into(tokens: List[Token], a: int, b: int) -> bool:
    """Only price words between a quantity and the next price: "dapat dua, jadi 60 ribu"."""
    return all(t.kind == PUNCT or t.norm in lx.PRICE_BEFORE or t.norm in lx.FILLERS
               or t.norm in lx.CURRENCY_BEFORE
               or t.norm in ("totalnya", "total", "semuanya") for t in tokens[a:b])


def _attach_origin(tokens: List[Token], groups: List[_Group], cues: List[OriginCue]) -> None:
    if not cues:
        return
    agreed = cues[0].imported if all(c.imported == cues[0].imported for c in cues) else None
    for k, g in enumerate(groups):
        lo = _end(groups[k - 1]) if k else 0
        hi = _first(groups[k + 1]) if k + 1 < len(groups) else len(tokens)
        own = [c for c in cues if lo <= c.index < hi]
        if own:
            anchor = _pos(g)
            g.imported = min(own, key=lambda c: abs(c.index - anchor)).imported
        else:
            g.imported = agreed


def _is_set(g: _Group, tokens: List[Token]) -> bool:
    if g.mention is None:
        return False
    lo = max(0, g.mention.i - 2)
    return any(t.norm in ("set", "satu set", "seset", "1set") for t in tokens[lo:g.mention.j + 1])


def _product_words(tokens: List[Token], text: str, g: _Group) -> str:
    """Words naming a product outside the catalog: "payung lipat" in "payung lipat ini 30 ribu"."""
    j = _pos(g) - 1
    words: List[Token] = []
    while j >= 0 and len(words) < 6:
        t = tokens[j]
        if t.kind != WORD or t.norm in lx.NUMBER_WORDS or t.norm in lx.LIST_BEFORE:
            break
        words.append(t)
        j -= 1
    words.reverse()
    # Trim leading/trailing cue and filler words.
    while words and words[-1].norm in lx.STOPWORDS:
        words.pop()
    while words and words[0].norm in lx.STOPWORDS:
        words.pop(0)
    if not words or len(words) > 4:
        return ""
    return text[words[0].start:words[-1].end]


def _confidence(g: _Group) -> float:
    p = g.sale
    if p is None:  # computed from a percentage
        return 0.6
    num = p.num
    if p.implied:
        c = 0.6
    elif num.form == "slang":
        c = 0.85
    elif p.currency and (num.scaled or num.grouped):
        c = 0.95
    elif num.form != "words" and (num.scaled or num.grouped):
        c = 0.9
    elif p.currency or num.scaled:
        c = 0.88
    else:
        c = 0.8
    if num.repaired:
        c -= 0.08
    if num.bridged:
        c -= 0.05
    if num.colloquial or num.tail is not None:
        c -= 0.05
    if num.approx:
        c -= 0.1
    if p.cued:
        c += 0.02
    if p.repeats:
        c += 0.03
    if g.mention is None:
        c -= 0.1
    return max(0.05, min(0.99, c))


def _draft(text: str, tokens: List[Token], g: _Group) -> Draft:
    list_price = max(p.value for p in g.lists) if g.lists else None
    if g.sale is not None:
        price = g.sale.value
    else:
        price = int(round(list_price * (1 - g.pct.value / 100)))
    quantity = 1
    if g.quantity is not None and not (_is_set(g, tokens) and g.quantity.i > (g.mention.i if g.mention else 0)
                                       and tokens[g.quantity.i - 1].norm in ("isi", "isinya")):
        quantity = max(1, int(g.quantity.value))
        if quantity > MAX_QUANTITY or price / quantity < MIN_UNIT_PRICE:
            quantity = 1  # "900 lusin" for goceng is a misheard count, not a unit price of 0
    if g.mention is not None:
        category, product_text = g.mention.category, g.mention.text
    else:
        category, product_text = None, _product_words(tokens, text, g)
    starts = [p.start for p in g.lists] + ([g.sale.start] if g.sale else [g.pct.start])
    ends = [p.end for p in g.lists] + ([g.sale.end] if g.sale else [g.pct.end])
    if g.mention is not None:
        starts.append(g.mention.start)
        ends.append(g.mention.end)
    if g.quantity is not None:
        starts.append(g.quantity.start)
        ends.append(g.quantity.end)
    return Draft(category, product_text, price, quantity, list_price, g.imported,
                 _confidence(g), [min(starts), max(ends)])
