from hypothesis import given, settings as hsettings, strategies as st

from transcription.agreement import HypothesisBuffer, TimedWord, normalize_word


def words(text: str, start: float = 0.0, step: float = 0.5, prob: float = 0.9) -> list[TimedWord]:
    return [TimedWord(w, start + i * step, start + i * step + step * 0.8, prob) for i, w in enumerate(text.split())]


def test_a_word_is_committed_once_two_passes_agree():
    h = HypothesisBuffer()
    assert h.insert(words("kaos ini"), audio_end=1.0) == []
    committed = h.insert(words("kaos ini harganya"), audio_end=2.0)
    assert [w.word for w in committed] == ["kaos", "ini"]
    assert [w.word for w in h.pending] == ["harganya"]


def test_disagreement_at_the_edge_waits_for_the_next_pass():
    h = HypothesisBuffer()
    h.insert(words("dua puluh lima"), audio_end=1.5)
    assert [w.word for w in h.insert(words("dua puluh lima ribu"), audio_end=2.0)] == ["dua", "puluh", "lima"]
    assert h.insert(words("ribut", start=1.5), audio_end=2.5) == []
    assert [w.word for w in h.insert(words("ribu saja", start=1.5), audio_end=3.0)] == []
    assert [w.word for w in h.insert(words("ribu saja kak", start=1.5), audio_end=3.5)] == ["ribu", "saja"]


def test_punctuation_and_case_do_not_break_agreement():
    h = HypothesisBuffer()
    h.insert(words("Halo kakak,"), audio_end=1.0)
    assert [w.word for w in h.insert(words("halo Kakak semua"), audio_end=1.5)] == ["halo", "Kakak"]


def test_settle_commits_words_far_from_the_edge_in_one_pass():
    h = HypothesisBuffer(settle=2.0)
    committed = h.insert(words("satu dua tiga empat lima enam tujuh delapan"), audio_end=4.0)
    assert all(w.end <= 2.0 for w in committed) and [w.word for w in committed] == ["satu", "dua", "tiga", "empat"]


def test_flush_commits_what_is_pending_and_later_passes_do_not_repeat_it():
    h = HypothesisBuffer()
    h.insert(words("stok terbatas"), audio_end=1.0)
    assert [w.word for w in h.flush()] == ["stok", "terbatas"]
    # a later pass that re-hears the same audio (times shifted a little) adds nothing
    again = h.insert(words("stok terbatas", start=0.05), audio_end=1.2)
    assert again == [] and h.pending == []


def test_repeated_tail_with_new_times_is_not_emitted_twice():
    h = HypothesisBuffer()
    h.insert(words("ayo checkout"), audio_end=1.0)
    h.flush()
    h.insert([TimedWord("checkout", 0.9, 1.3, 0.9), TimedWord("sekarang", 1.3, 1.8, 0.9)], audio_end=2.0)
    committed = h.insert([TimedWord("checkout", 0.95, 1.3, 0.9), TimedWord("sekarang", 1.3, 1.8, 0.9),
                          TimedWord("kak", 1.9, 2.2, 0.9)], audio_end=2.5)
    assert [w.word for w in committed] == ["sekarang"]


@hsettings(max_examples=60, deadline=None)
@given(
    n_words=st.integers(min_value=1, max_value=40),
    step_words=st.integers(min_value=1, max_value=4),
    noise=st.lists(st.sampled_from(["", "x", "xy"]), min_size=60, max_size=60),
)
def test_overlapping_passes_emit_every_word_exactly_once(n_words, step_words, noise):
    """Passes over a growing buffer, each wrong about its last word: the output is the speech, once."""
    truth = [TimedWord(f"w{i}", i * 0.5, i * 0.5 + 0.4, 0.9) for i in range(n_words)]
    h = HypothesisBuffer()
    out: list[TimedWord] = []
    for k, end in enumerate(range(step_words, n_words + step_words, step_words)):
        heard = list(truth[: min(end, n_words)])
        if noise[k % len(noise)] and heard:  # the edge word is often misheard
            last = heard[-1]
            heard[-1] = TimedWord(last.word + noise[k % len(noise)], last.start, last.end, 0.3)
        out += h.insert(heard, audio_end=heard[-1].end if heard else 0.0)
    out += h.insert(truth, audio_end=truth[-1].end + 1.0)
    out += h.flush()
    assert [w.word for w in out] == [w.word for w in truth]


def test_normalize_word():
    assert normalize_word("Ribu,") == "ribu" and normalize_word("Rp25.000") == "rp25000"
