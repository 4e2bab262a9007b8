"""Number grammar: spoken and written Indonesian amounts to values with spans.

A number is a sequence of groups below one thousand, each followed by a
multiplier (ribu, juta, miliar) in strictly decreasing order, and an optional
final group without one. A group is ``[hundreds] [tens | teens] [unit]``::

    seratus lima puluh ribu        -> 150_000
    sejuta dua ratus ribu          -> 1_200_000
    satu setengah juta / 1,5 jt    -> 1_500_000
    dua ribu lima ratus / 9 ribu 900

Digits and words mix ("9 ribu 900"), commas and full stops that ASR puts
inside a number are crossed when the grammar continues after them, and a few
colloquial shortenings are understood ("sejuta dua" is 1,200,000, "dua ribu
lima" is 2,500) while "lima puluh ribu tiga" is fifty thousand *for three*,
which ``Number.price_reading()`` reports as a quantity. ``parse_amount``
keeps the formal reading (2,005; 50,003) so that written-out numbers parse
back exactly.

    >>> parse_amount("dua puluh, lima ribu")
    25000
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from transcription.extraction.lexicon import AMBIGUOUS_SLANG, NUMBER_WORDS, SLANG
from transcription.extraction.tokens import NUM, PUNCT, WORD, Token, tokenize

__all__ = ["Number", "find_numbers", "parse_amount", "spoken_amount"]

_SOFT_PUNCT = {",", ".", "-"}
_K = {"k", "rb", "ribu"}  # written thousands after digits ("25k")


class Number:
    """A parsed number: value, token range [i, j), char span and how it was said."""

    __slots__ = ("value", "i", "j", "start", "end", "form", "scaled", "grouped",
                 "approx", "bridged", "repaired", "colloquial", "tail", "tokens")

    def __init__(self, value: float, i: int, j: int, tokens: List[Token]):
        self.value = value
        self.i = i
        self.j = j
        self.start = tokens[i].start
        self.end = tokens[j - 1].end
        self.form = "words"
        self.scaled = False  # an explicit multiplier (ribu, juta, rb, k) was said
        self.grouped = False  # digits written with thousands separators
        self.approx = False  # "ribuan": about
        self.bridged = False  # punctuation was crossed inside the number
        self.repaired = False  # an ASR variant or split word was used
        self.colloquial = False  # a shortening rule decided the value
        # (group, multiplier before it, tokens, written as digits) for a last
        # group said after a multiplier, e.g. "lima" in "dua ribu lima".
        self.tail: Optional[Tuple[float, float, int, bool]] = None
        self.tokens = tokens

    @property
    def integral(self) -> bool:
        return abs(self.value - round(self.value)) < 1e-9

    def price_reading(self) -> Tuple[float, Optional[int], bool]:
        """(value, quantity, shortened) as a price is spoken.

        Hosts drop trailing zeros: "dua ribu lima" is 2,500, "sejuta dua
        ratus" 1,200,000, "sejuta dua" 1,200,000; and "lima puluh ribu tiga"
        is fifty thousand for three. The formal value stays in ``value``.
        """
        if self.tail is None:
            return self.value, None, self.colloquial
        g, mult, ntok, digits = self.tail
        head = self.value - g
        if mult == 1000 and g < 10 and ntok == 1:
            if head < 10_000:
                return head + g * 100, None, True
            return head, int(g), True
        if mult == 1000 and g < 100:  # "50 ribu 12": never a price of 50,012
            return head, None, True
        if mult == 1_000_000 and g >= 100:
            return head + g * 1000, None, True
        if mult == 1_000_000 and g < 10 and ntok == 1:
            return head + g * 100_000, None, True
        return self.value, None, self.colloquial

    def __repr__(self) -> str:
        return f"Number({self.value!r}, {self.form}, [{self.start}:{self.end}])"


def _kind(tok: Token) -> Tuple[Optional[str], float]:
    if tok.kind == WORD:
        return NUMBER_WORDS.get(tok.norm, (None, 0))
    if tok.kind == NUM and tok.value is not None:
        return "N", tok.value
    return None, 0


class _Parser:
    """Recursive-descent parse over a token list, one number at a time."""

    def __init__(self, tokens: List[Token]):
        self.t = tokens
        self.n = len(tokens)
        self.kinds = [_kind(tok) for tok in tokens]
        self.bridged = False

    def at(self, i: int) -> Tuple[Optional[str], float, int]:
        """Kind and value at i, skipping ASR punctuation inside words: (kind, value, index)."""
        if i >= self.n:
            return None, 0, i
        k, v = self.kinds[i]
        if k is None and self.t[i].kind == PUNCT and self.t[i].norm in _SOFT_PUNCT and i + 1 < self.n:
            k2, v2 = self.kinds[i + 1]
            if k2 is not None and k2 != "N" and i > 0 and self.kinds[i - 1][0] not in (None, "N"):
                return k2, v2, i + 1
        return k, v, i

    def take(self, i: int) -> int:
        """Index after consuming the token found by at(i)."""
        _, _, j = self.at(i)
        if j != i:
            self.bridged = True
        return j + 1

    def _hundreds_at(self, i: int) -> bool:
        k, _, _ = self.at(i)
        return k == "SERATUS" or k == "D" and self.at(self.take(i))[0] == "RATUS"

    def bridged_at(self, i: int, j: int) -> bool:
        """Punctuation between tokens i-1 and j: "50 rebu, dua 90" is two numbers."""
        return any(self.t[k].kind == PUNCT for k in range(i - 1, j))

    def group(self, i: int) -> Tuple[Optional[float], int]:
        """A group below one thousand starting at i: (value or None, next index)."""
        k, v, _ = self.at(i)
        if k == "N":
            return v, self.take(i)
        value, start = 0.0, i
        if k == "SERATUS":
            value, i = 100.0, self.take(i)
        elif k == "D" and v > 0 and self.at(self.take(i))[0] == "RATUS":
            value, i = v * 100, self.take(self.take(i))
        k, v, _ = self.at(i)
        if k == "TEN":
            value, i = value + 10, self.take(i)
        elif k == "TEEN":
            return value + 11, self.take(i)
        elif k == "D" and v > 0:
            nk = self.at(self.take(i))[0]
            if nk == "PULUH":
                value, i = value + v * 10, self.take(self.take(i))
            elif nk == "BELAS":
                return value + 10 + v, self.take(self.take(i))
        k, v, _ = self.at(i)
        if k == "D" and (v > 0 or i == start):
            nk = self.at(self.take(i))[0]
            if nk not in ("PULUH", "BELAS", "RATUS"):
                value, i = value + v, self.take(i)
        if i == start:
            return None, start
        return value, i

    def fraction(self, value: float, i: int) -> Tuple[float, int]:
        """'setengah' or 'koma' + digit words after a group: 1 -> 1.5."""
        k, _, _ = self.at(i)
        if k == "HALF":
            return value + 0.5, self.take(i)
        if k == "KOMA":
            j, digits = self.take(i), ""
            while True:
                dk, dv, _ = self.at(j)
                if dk != "D":
                    break
                digits += str(int(dv))
                j = self.take(j)
            if digits:
                return value + float("0." + digits), j
        return value, i

    def multiplier(self, i: int, prev: Token) -> Tuple[Optional[int], int, bool]:
        """A multiplier at i: (factor, next index, approx)."""
        if i >= self.n:
            return None, i, False
        k, v, _ = self.at(i)
        tok = self.t[i]
        if k == "MULT":
            return int(v), self.take(i), tok.norm.endswith("an")
        # "25k"/"25K": k only directly after digits, so "kak" is never one.
        if tok.kind == WORD and tok.norm == "k" and prev.kind == NUM and not tok.space_before:
            return 1000, i + 1, False
        return None, i, False

    def number(self, i: int) -> Optional[Number]:
        self.bridged = False
        tok = self.t[i]
        if tok.kind == WORD and (tok.norm in SLANG or tok.norm in AMBIGUOUS_SLANG):
            return self.slang(i)
        total, last, j = 0.0, float("inf"), i
        scaled = approx = colloquial = False
        tail = None
        while j < self.n:
            k, v, _ = self.at(j)
            if k == "SRIBU" and j == i and self._hundreds_at(self.take(j)):
                k = "SEMULT"  # "sribu lima ratus": one thousand five hundred
            if k == "SEMULT" and v < last:
                total, last, j, scaled = total + v, v, self.take(j), True
                k2, _, _ = self.at(j)
                if k2 == "HALF":  # "sejuta setengah"
                    total, j, colloquial = total + last / 2, self.take(j), True
                    break
                continue
            if k == "HALF" and last < float("inf"):  # "dua ribu setengah"
                total, j, colloquial = total + last / 2, self.take(j), True
                break
            if k == "HALF" and last == float("inf"):  # "setengah juta"
                g, gj = 0.5, self.take(j)
            else:
                g, gj = self.group(j)
                if g is None:
                    break
                if self.kinds[j][0] != "N":
                    g, gj = self.fraction(g, gj)
            m, mj, ap = self.multiplier(gj, self.t[gj - 1])
            if m is None and self.at(gj)[0] in ("SEMULT", "SRIBU") and g >= 1 and self.at(gj)[1] < last:
                # "dua ratu sribu": ASR moved the s of "ratus" onto "ribu".
                m, mj = int(self.at(gj)[1]), self.take(gj)
                colloquial = True
            if m is not None and m < last:
                total, last, j, scaled, approx = total + g * m, m, mj, True, approx or ap
                continue
            if m is not None:
                break  # "dua puluh ribu, dua puluh ribu": a second number
            if last == float("inf"):
                total, j = g, gj
            elif g == int(g) and not (g < 10 and self.bridged_at(j, gj)):
                # The formal reading ("satu juta dua ratus" is 1,000,200);
                # price_value() applies the spoken shortenings.
                tail = (g, last, gj - j, self.kinds[j][0] == "N")
                total, j = total + g, gj
            break
        if j == i:
            return None
        num = Number(total, i, j, self.t)
        num.scaled, num.approx, num.colloquial = scaled, approx, colloquial
        num.tail = tail
        self.describe(num)
        return num

    def slang(self, i: int) -> Optional[Number]:
        tok = self.t[i]
        nxt = self.t[i + 1].norm if i + 1 < self.n else ""
        if nxt == "ceng":
            base = SLANG.get(tok.norm) or AMBIGUOUS_SLANG[tok.norm]
            num = Number(base * 1000.0, i, i + 2, self.t)
        elif tok.norm in SLANG:
            num = Number(float(SLANG[tok.norm]), i, i + 1, self.t)
        else:
            return None
        num.form, num.scaled = "slang", True
        return num

    def describe(self, num: Number) -> None:
        has_digits = has_words = grouped = repaired = has_k = False
        for t in self.t[num.i:num.j]:
            if t.kind == NUM:
                has_digits = True
                if t.value is not None and t.value >= 1000 and ("." in t.text or "," in t.text):
                    grouped = True
            elif t.norm in NUMBER_WORDS:
                has_words = True
            if t.repaired:
                repaired = True
            if t.norm in _K:
                has_k = True
        num.form = "mixed" if has_digits and has_words else "digits" if has_digits else "words"
        num.grouped, num.repaired, num.bridged = grouped, repaired, self.bridged
        if has_digits and has_k:
            num.scaled = True


def find_numbers(tokens: List[Token]) -> List[Number]:
    """Every number in the tokens, left to right, longest parse at each point."""
    parser = _Parser(tokens)
    found: List[Number] = []
    i, n = 0, len(tokens)
    while i < n:
        if parser.kinds[i][0] is None and not (tokens[i].kind == WORD and (
                tokens[i].norm in SLANG or tokens[i].norm in AMBIGUOUS_SLANG)):
            i += 1
            continue
        k = parser.kinds[i][0]
        if k in ("PULUH", "BELAS", "RATUS", "KOMA", "MULT"):  # cannot start a number
            i += 1
            continue
        num = parser.number(i)
        if num is None:
            i += 1
            continue
        found.append(num)
        i = num.j
    return found


def parse_amount(text: str) -> Optional[int]:
    """The whole text as one amount ("sejuta dua ratus ribu" -> 1200000), else None."""
    tokens = tokenize(text)
    if not tokens:
        return None
    nums = find_numbers(tokens)
    if len(nums) != 1 or nums[0].i != 0 or nums[0].j != len(tokens):
        return None
    return int(round(nums[0].value)) if nums[0].integral else None


def spoken_amount(text: str) -> Optional[int]:
    """Like parse_amount, but read as a spoken price ("dua ribu lima" -> 2500)."""
    tokens = tokenize(text)
    nums = find_numbers(tokens) if tokens else []
    if len(nums) != 1 or nums[0].i != 0 or nums[0].j != len(tokens):
        return None
    value, _, _ = nums[0].price_reading()
    return int(round(value)) if abs(value - round(value)) < 1e-9 else None
