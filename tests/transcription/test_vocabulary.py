from transcription.vocabulary import Vocabulary, is_number_word, strip_prompt_echo


def test_prompt_has_units_and_product_names_but_no_figures():
    v = Vocabulary(["kaos", "sepatu", "jam tangan"])
    assert "ribu" in v.prompt and "jam tangan" in v.prompt
    assert not any(w in v.prompt.split() for w in ("dua", "lima", "puluh"))


def test_default_vocabulary_reads_the_catalog():
    v = Vocabulary()
    assert "kaos" in v.prompt.lower()


def test_echo_of_the_prompt_is_removed_but_real_prices_stay():
    v = Vocabulary(["kaos", "sepatu"])
    echoed = "Harga dalam ribu rupiah, juta rupiah, diskon, promo".split()
    assert strip_prompt_echo(["oke"] + echoed + ["kak"], v.prompt) == ["oke", "kak"]
    said = "diskon cuma dua puluh ribu rupiah".split()
    assert strip_prompt_echo(said, v.prompt) == said


def test_number_words():
    assert all(map(is_number_word, ["dua", "Puluh,", "ribu", "25rb", "Rp", "goceng"]))
    assert not any(map(is_number_word, ["kaos", "murah", ""]))
