import numpy as np
import pytest

from pantau.config import TranscriptionSettings
from transcription.agreement import TimedWord
from transcription.stream import Heard, StreamState


def state(settle=None, **overrides) -> StreamState:
    """A stream that commits on agreement only, unless ``settle`` is given."""
    return StreamState("room-1", TranscriptionSettings(**overrides), model="base", settle=settle)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), np.float32)


def heard(plan, text: str) -> list[TimedWord]:
    """Words spread evenly over the planned audio, as a pass would return them."""
    tokens = text.split()
    step = (plan.t1 - plan.t0) / max(1, len(tokens))
    return [TimedWord(w, plan.t0 + i * step, plan.t0 + (i + 0.8) * step, 0.9) for i, w in enumerate(tokens)]


def test_a_pass_hears_at_most_one_window():
    s = state(window_seconds=10, max_lag_seconds=60, max_buffer_seconds=60)
    s.append(0.0, 1000.0, silence(25))
    plan = s.plan()
    assert plan.t0 == 0.0 and plan.t1 == pytest.approx(10.0) and len(plan.audio) == 160000


def test_due_after_a_step_of_new_audio():
    s = state(step_seconds=2)
    s.append(0.0, 0.0, silence(1.5))
    assert not s.due() and s.due(final=True)
    s.append(1.5, 1.5, silence(1.0))
    assert s.due()


def test_committed_audio_is_trimmed_and_transcripts_carry_wall_time():
    s = state()
    s.append(0.0, 1000.0, silence(4))
    s.apply(s.plan(), Heard([TimedWord("kaos", 0.5, 1.0, 0.9), TimedWord("ini", 1.2, 1.6, 0.9)], True), 0.0)
    s.append(4.0, 1004.0, silence(2))
    out = s.apply(s.plan(), Heard([TimedWord("kaos", 0.5, 1.0, 0.9), TimedWord("ini", 1.2, 1.6, 0.9),
                                   TimedWord("murah", 4.2, 4.8, 0.9)], True), 0.0)
    (t,) = out.transcripts
    assert t.text == "kaos ini" and t.t0 == 0.5 and t.t1 == 1.6 and t.wall_time == pytest.approx(1000.5)
    assert [w.word for w in t.words] == ["kaos", "ini"]
    assert s.audio.t0 <= 1.6  # some committed audio stays as left context
    assert s.audio.end == pytest.approx(6.0)


def test_silence_commits_the_pending_utterance():
    s = state()
    s.append(0.0, 0.0, silence(3))
    s.apply(s.plan(), Heard([TimedWord("ayo", 0.2, 0.5, 0.9), TimedWord("checkout", 0.6, 1.2, 0.9)], True), 0.0)
    s.append(3.0, 3.0, silence(3))
    out = s.apply(s.plan(), Heard([], False), 0.0)
    assert [t.text for t in out.transcripts] == ["ayo checkout"]
    assert [[w.word.word for w in u] for u in out.utterances] == [["ayo", "checkout"]]


def test_gap_is_a_transcript_and_restarts_the_buffer():
    s = state()
    s.append(0.0, 500.0, silence(2))
    out = s.gap(2.0, 7.0, 502.0)
    (t,) = out.transcripts
    assert t.gap and t.text == "" and (t.t0, t.t1) == (2.0, 7.0) and out.skipped == [("gap", 5.0)]
    s.append(7.0, 507.0, silence(1))
    assert s.audio.t0 == 7.0 and s.audio.wall_at(7.5) == pytest.approx(507.5)


def test_overload_asks_to_skip_the_oldest_audio_and_the_skip_is_a_gap():
    s = state(window_seconds=10, max_lag_seconds=12, max_buffer_seconds=30)
    assert s.append(0.0, 0.0, silence(10)) == []
    skipped = s.append(10.0, 10.0, silence(4))
    assert skipped == [("overload", pytest.approx(4.0))]
    out = s.skip_to(s.audio.t0 + skipped[0][1], "overload")
    (t,) = out.transcripts
    assert t.gap and t.t0 == 0.0 and t.t1 == pytest.approx(4.0)
    assert s.audio.t0 == pytest.approx(4.0) and s.unheard == pytest.approx(10.0)


def test_a_full_window_without_agreement_is_forced_out_so_the_buffer_stays_bounded():
    s = state(window_seconds=6, step_seconds=2, max_lag_seconds=60, max_buffer_seconds=60)
    s.append(0.0, 0.0, silence(6))
    out = s.apply(s.plan(), Heard(heard(s.plan(), "satu dua tiga empat lima enam"), True), 0.0)
    assert out.transcripts and s.audio.duration < 6


def test_sentence_end_closes_the_utterance_for_extraction():
    s = state()
    s.append(0.0, 0.0, silence(4))
    plan = s.plan(final=True)
    out = s.apply(plan, Heard([TimedWord("murah.", 0.1, 0.5, 0.9), TimedWord("ayo", 1.0, 1.3, 0.9)], True), 0.0)
    assert [[w.word.word for w in u] for u in out.utterances] == [["murah."], ["ayo"]]


def test_words_before_a_pause_commit_in_one_pass():
    s = state()
    s.append(0.0, 0.0, silence(4))
    out = s.apply(s.plan(), Heard([TimedWord("murah", 0.2, 0.8, 0.9), TimedWord("ayo", 3.0, 3.4, 0.9)], True,
                                  pause=1.0, speech_after_pause=True), 0.0)
    assert [t.text for t in out.transcripts] == ["murah"]


def test_speech_the_model_left_out_after_a_pause_is_heard_again_once():
    s = state()
    s.append(0.0, 0.0, silence(6))
    plan = s.plan(final=True)
    s.apply(plan, Heard([TimedWord("kirim.", 0.5, 1.0, 0.9)], True, pause=1.2, speech_after_pause=True), 0.0)
    assert s.heard_until == 1.2 and s.due(final=True)
    s.apply(s.plan(final=True), Heard([], True, pause=1.2, speech_after_pause=True), 0.0)
    assert s.heard_until == 6.0 and not s.due(final=True)


def test_words_far_from_the_cut_commit_in_one_pass():
    s = state(settle=2.0)
    s.append(0.0, 0.0, silence(6))
    out = s.apply(s.plan(), Heard([TimedWord("kaos", 0.5, 1.0, 0.9), TimedWord("murah", 3.4, 3.9, 0.9),
                                   TimedWord("ba", 5.5, 6.0, 0.4)], True), 0.0)
    assert [t.text for t in out.transcripts] == ["kaos murah"]
