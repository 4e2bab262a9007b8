"""Origin signals: does the talk say the goods are imported, or local?

Imported: "impor", "dari China", "pabrik Guangzhou", "dikirim dari luar
negeri", "barang luar", a named foreign country after a cue ("buatan Korea",
"made in China"). Local: "produk lokal", "UMKM", "buatan Bandung",
"jahitan sendiri", "kualitas ekspor" (made here, good enough to export).
Traps: "katun Jepang" is a fabric, "model Korea" a style, "kualitas impor" a
claim about quality, "bukan impor" local::

    >>> [(c.imported) for c in find_origin(tokenize("ini barang impor dari Cina"))]
    [True, True]
"""
from __future__ import annotations

from typing import List

from transcription.extraction.tokens import WORD, Token, tokenize

__all__ = ["OriginCue", "find_origin"]

COUNTRIES = {
    "china", "korea", "jepang", "japan", "thailand", "vietnam", "malaysia", "turki", "india",
    "bangladesh", "taiwan", "hongkong", "amerika", "usa", "eropa", "italia", "prancis", "perancis",
    "singapura", "filipina", "pakistan", "arab", "jerman", "inggris", "kamboja", "myanmar",
}
FOREIGN_CITIES = {
    "guangzhou", "shenzhen", "yiwu", "shanghai", "hangzhou", "beijing", "bangkok", "seoul",
    "tokyo", "osaka", "istanbul", "dongguan", "foshan", "ningbo", "xiamen", "hanoi",
}
LOCAL_PLACES = {
    "indonesia", "bandung", "solo", "jogja", "yogya", "yogyakarta", "pekalongan", "jakarta",
    "surabaya", "bali", "garut", "tasik", "tasikmalaya", "cibaduyut", "bogor", "semarang", "malang",
    "jepara", "sidoarjo", "tanggulangin", "lasem", "medan", "padang", "makassar", "cirebon",
    "klaten", "kudus", "magelang", "majalaya", "laweyan", "lombok", "sukabumi", "cianjur", "depok",
    "tangerang", "bekasi", "madura", "palembang", "aceh", "sumedang", "purwakarta", "kebumen",
}
# Words before a place that make it the origin of the goods.
ORIGIN_CUES = {"dari", "buatan", "made", "in", "produksi", "asal", "asli", "langsung", "pabrik",
               "gudang", "dikirim", "kiriman", "barang", "produk", "impor", "bikinan", "original",
               "ori", "di", "brand", "merek", "merk"}
# Words before a country that make it a style or material, not an origin.
TRAP_BEFORE = {"katun", "kain", "bahan", "style", "gaya", "model", "ala", "motif", "desain", "design",
               "mirip", "kayak", "seperti", "rasa", "resep", "ukuran", "size", "kualitas", "standar",
               "selera", "trend", "tren", "korean", "look", "nuansa", "corak", "sutra", "sutera",
               "drama", "artis", "idol", "kpop"}
NEGATION = {"bukan", "tidak", "gak", "non", "anti", "tanpa"}
LOCAL_WORDS = {"lokal", "umkm", "ekspor", "export", "handmade"}
OWN_MAKE = {"buatan", "jahitan", "produksi", "bikinan", "konveksi", "racikan", "rakitan", "karya"}
OWN = {"sendiri", "tangan", "kami", "anak", "lokal"}


class OriginCue:
    """A word (token index) that says the goods are imported (True) or local (False)."""

    __slots__ = ("index", "imported", "start", "end")

    def __init__(self, index: int, imported: bool, tok: Token):
        self.index, self.imported, self.start, self.end = index, imported, tok.start, tok.end

    def __repr__(self) -> str:
        return f"OriginCue({self.index}, imported={self.imported})"


def _prev_words(tokens: List[Token], i: int, k: int) -> List[str]:
    out = []
    j = i - 1
    while j >= 0 and len(out) < k:
        if tokens[j].kind == WORD:
            out.append(tokens[j].norm)
        elif tokens[j].norm in ".!?":
            break
        j -= 1
    return out


def find_origin(tokens: List[Token], product_ends: frozenset = frozenset()) -> List[OriginCue]:
    """Origin cues left to right; product_ends holds the token index just
    after each product name, so "skincare Korea" (a country right after the
    product) counts as the origin."""
    cues: List[OriginCue] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind != WORD:
            continue
        w = tok.norm
        if w == "impor":
            prev = _prev_words(tokens, i, 2)
            if prev and prev[0] in ("kualitas", "standar", "rasa", "kayak", "seperti", "mirip", "setara", "ala"):
                continue
            cues.append(OriginCue(i, not any(p in NEGATION for p in prev), tok))
        elif w == "luar" and i + 1 < n and tokens[i + 1].norm in ("negeri", "negri"):
            prev = _prev_words(tokens, i, 2)
            cues.append(OriginCue(i, not any(p in NEGATION for p in prev), tok))
        elif w == "luar" and _prev_words(tokens, i, 1) in (["barang"], ["produk"]):
            cues.append(OriginCue(i, True, tok))
        elif w in LOCAL_WORDS:
            prev = _prev_words(tokens, i, 2)
            if w == "lokal" and prev and prev[0] in NEGATION or w in ("ekspor", "export") and prev[:1] == ["impor"]:
                continue
            cues.append(OriginCue(i, False, tok))
        elif w == "dalam" and i + 1 < n and tokens[i + 1].norm in ("negeri", "negri"):
            if _prev_words(tokens, i, 1) in (["produk"], ["produksi"], ["buatan"], ["barang"]):
                cues.append(OriginCue(i, False, tok))
        elif w in OWN_MAKE and i + 1 < n and tokens[i + 1].norm in OWN:
            if w == "karya" and tokens[i + 1].norm != "anak":
                continue
            cues.append(OriginCue(i, False, tok))
        elif w in COUNTRIES or w in FOREIGN_CITIES:
            prev = _prev_words(tokens, i, 3)
            if prev and prev[0] in TRAP_BEFORE:
                continue
            if w in FOREIGN_CITIES or i in product_ends or any(p in ORIGIN_CUES for p in prev):
                cues.append(OriginCue(i, True, tok))
        elif w in LOCAL_PLACES:
            prev = _prev_words(tokens, i, 2)
            if i in product_ends or prev and prev[0] in (
                    "buatan", "produksi", "bikinan", "asli", "made", "in", "produk", "pengrajin", "konveksi", "karya"):
                cues.append(OriginCue(i, False, tok))
    # "Batik Jepang? Bukan, ...": a cue the host denies at once is no cue.
    return [c for c in cues if not _denied(tokens, c.index)]


def _denied(tokens: List[Token], i: int) -> bool:
    nxt = [t.norm for t in tokens[i + 1:i + 5]]
    if "?" not in nxt:
        return False
    rest = nxt[nxt.index("?") + 1:]
    return bool(rest) and rest[0] in NEGATION
