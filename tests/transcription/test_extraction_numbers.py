"""The number grammar: every construction hosts use, and property tests.

Property: every integer from 1 to 999,999,999 written out in Indonesian
words parses back to itself; random text never crashes the extractor nor
yields a negative or absurd price.
"""
import pytest
from hypothesis import given, settings, strategies as st

from transcription.extraction import extract, parse_amount, spoken_amount

UNITS = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def below_thousand(n: int) -> list:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += ["seratus"] if hundreds == 1 else [UNITS[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [UNITS[rest - 10], "belas"]
    else:
        tens, unit = divmod(rest, 10)
        if tens:
            words += [UNITS[tens], "puluh"]
        if unit:
            words.append(UNITS[unit])
    return words


def indonesian(n: int, sejuta: bool = False) -> str:
    """n in words, the way a dictionary writes it (seribu, satu juta / sejuta)."""
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words = []
    if millions:
        words += ["sejuta"] if millions == 1 and sejuta else below_thousand(millions) + ["juta"]
    if thousands:
        words += ["seribu"] if thousands == 1 else below_thousand(thousands) + ["ribu"]
    words += below_thousand(units)
    return " ".join(words)


def test_writer_matches_known_forms():
    assert indonesian(25_000) == "dua puluh lima ribu"
    assert indonesian(1_200_000, sejuta=True) == "sejuta dua ratus ribu"
    assert indonesian(111_111) == "seratus sebelas ribu seratus sebelas"


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=1, max_value=999_999_999), st.booleans())
def test_every_integer_in_words_parses_back(n, sejuta):
    assert parse_amount(indonesian(n, sejuta)) == n


def test_all_small_integers_parse_back():
    # Exhaustive where hosts' prices live, so no corner hides from sampling.
    for n in range(1, 20_001):
        assert parse_amount(indonesian(n)) == n, indonesian(n)


@pytest.mark.parametrize("text, value", [
    ("dua puluh lima ribu", 25_000),
    ("seratus lima puluh ribu", 150_000),
    ("sejuta dua ratus ribu", 1_200_000),
    ("satu setengah juta", 1_500_000),
    ("satu koma lima juta", 1_500_000),
    ("setengah juta", 500_000),
    ("dua ribu lima ratus", 2_500),
    ("sembilan ribu sembilan ratus", 9_900),
    ("lima puluh ribuan", 50_000),
    ("Rp 25.000", 25_000),
    ("Rp25.000", 25_000),
    ("Rp. 45.000,-", 45_000),
    ("25rb", 25_000),
    ("25 rb", 25_000),
    ("25k", 25_000),
    ("25K", 25_000),
    ("1,5 jt", 1_500_000),
    ("1.5jt", 1_500_000),
    ("IDR 85,000", 85_000),
    ("Rp 1.250.000", 1_250_000),
    ("9 ribu 900", 9_900),
    ("seceng", 1_000),
    ("goceng", 5_000),
    ("ceban", 10_000),
    ("noban", 20_000),
    ("goban", 50_000),
    ("cepek ceng", 100_000),
    ("dua puluh, lima ribu", 25_000),  # ASR comma inside the number
    ("Dua Puhu, Lima Ribu", 25_000),  # Whisper on espeak speech
    ("tujuh puruh lima rebu", 75_000),
    ("duapuluhlima ribu", 25_000),  # run together
    ("Dua Ratu, Sribu", 200_000),  # the s of "ratus" moved onto "ribu"
    ("sejuta dua", 1_200_000),  # spoken shortenings
    ("dua ribu lima", 2_500),
    ("sejuta setengah", 1_500_000),
])
def test_spoken_amounts(text, value):
    tokens_text = text.replace("Rp. ", "").replace("Rp ", "").replace("Rp", "").replace("IDR ", "")
    tokens_text = tokens_text.replace(",-", "")
    assert spoken_amount(tokens_text) == value
    offers = extract(f"Kaos ini {text}")
    assert [o.price_idr for o in offers] == [value], text


def test_formal_and_spoken_readings_differ_only_where_hosts_shorten():
    assert parse_amount("dua ribu lima") == 2_005
    assert spoken_amount("dua ribu lima") == 2_500
    assert parse_amount("satu juta dua ratus") == 1_000_200
    assert spoken_amount("satu juta dua ratus") == 1_200_000


def test_ambiguous_slang_needs_ceng():
    # cepek is 100 or (loosely) 100 ribu: never a price on its own.
    assert extract("Hijab ini cepek aja") == []
    assert [o.price_idr for o in extract("Hijab ini cepek ceng")] == [100_000]


VOCAB = ["dua", "puluh", "ribu", "juta", "seratus", "setengah", "koma", "rp", "25.000", "1,5", "jt",
         "k", "rb", "cuma", "harga", "normal", "jadi", "dari", "kaos", "kaki", "sepatu", "jam", "isi",
         "dapat", "pcs", "lusin", "persen", "diskon", "?", ",", ".", "bukan", "eh", "salah", "impor",
         "lokal", "999999999999", "0", "sejuta", "ceng", "cepek", "seribu", "ratus", "belas", "-",
         "sribu", "set", "per", "satuan", "tapi", "sekarang", "toko", "sebelah", "900", "12", "selusin",
         "goceng", "1.250.000,00", "IDR", "85,000", "ribuan", "%", "nggak", "coret"]


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(VOCAB), max_size=30).map(" ".join)))
def test_random_text_never_crashes_nor_gives_absurd_prices(text):
    for offer in extract(text):
        assert 500 <= offer.price_idr <= 500_000_000
        assert offer.quantity >= 1 and offer.unit_price_idr > 0
        assert offer.list_price_idr is None or offer.list_price_idr > offer.price_idr
        assert 0 <= offer.span[0] < offer.span[1] <= len(text)
        assert 0 < offer.confidence <= 1
