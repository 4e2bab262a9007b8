from transcription.vocabulary import HOST_SENTENCE, Vocabulary, is_number_word, strip_prompt_echo


def test_prompt_never_holds_figures():
    for v in (Vocabulary(), Vocabulary(["sepatu", "jam tangan"]), Vocabulary(catalog=True)):
        assert not any(is_number_word(w) for w in v.prompt.split())


def test_product_names_are_said_in_a_sentence():
    v = Vocabulary(["sepatu", "jam tangan"])
    assert v.prompt == HOST_SENTENCE + " Ada juga sepatu dan jam tangan."


def test_catalog_names_come_from_the_product_catalog():
    v = Vocabulary(catalog=True, max_names=30)
    assert "sepatu" in v.product_names and "jam tangan" in v.product_names


def test_echo_of_the_prompt_is_removed_but_real_speech_stays():
    v = Vocabulary(["sepatu"])
    echoed = "Kakak, kaos ini harganya murah sekali, ayo".split()
    assert strip_prompt_echo(["oke"] + echoed + ["lima", "ribu"], v.prompt) == ["oke", "lima", "ribu"]
    said = "kaos ini harganya cuma dua puluh ribu".split()
    assert strip_prompt_echo(said, v.prompt) == said


def test_number_words():
    assert all(map(is_number_word, ["dua", "Puluh,", "ribu", "25rb", "Rp", "goceng"]))
    assert not any(map(is_number_word, ["kaos", "murah", ""]))
