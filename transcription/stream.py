"""One stream's transcription state: its audio, its commit policy, its output.

Plain code, no model and no event loop: :meth:`StreamState.plan` says which
audio the next pass should hear, :meth:`StreamState.apply` takes that pass's
words and returns the committed transcripts and the words of utterances that
ended. The buffer holds the uncommitted audio and a little committed audio before
it, as context: it is trimmed shortly before the end of the last committed
word, and words ending before that point are never emitted again, so speech
is neither lost at chunk edges nor emitted twice. It is bounded (old audio beyond ``max_lag_seconds`` is
skipped, with a gap transcript saying so).

    >>> s = StreamState("room-1", TranscriptionSettings(), model="base")
    >>> s.append(0.0, 1000.0, np.zeros(16000 * 3, np.float32))
    []
    >>> s.due()
    True
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from pantau.config import TranscriptionSettings
from pantau.records import SAMPLE_RATE, Transcript, Word
from transcription.agreement import HypothesisBuffer, TimedWord
from transcription.audio import StreamAudio
from transcription.offers import UtteranceWord

__all__ = ["StreamState", "Planned", "Heard", "Committed"]

_SENTENCE_END = re.compile(r"[.!?]$")
# After this pause the next word starts a new utterance.
UTTERANCE_PAUSE = 1.0
UTTERANCE_MAX_WORDS = 40
# How many committed words are given back to the model as context.
CONTEXT_WORDS = 12
# Seconds of already committed audio kept before the commit point: Whisper
# hears a word better after the end of the previous one (measured on the
# rendered test set); the words in it are not emitted again.
LEFT_CONTEXT = 2.0
# A word ending this long before the end of the audio a pass heard is
# committed by that pass alone: Whisper revises words near the cut, not
# seconds before it. Halves the lag of strict two-pass agreement.
SETTLE = 1.5
# A gap this small between chunks is jitter, not lost audio.
GAP_TOLERANCE = 0.25


@dataclass
class Planned:
    """The audio one pass will hear."""

    audio: np.ndarray
    t0: float
    t1: float
    context: str
    final: bool  # commit everything this pass hears (end of stream or before a gap)


@dataclass
class Heard:
    """What one pass heard in a planned window."""

    words: List[TimedWord] = field(default_factory=list)
    speech: bool = False  # False: VAD found no speech, the model was not called
    pause: Optional[float] = None  # stream time where the window's last pause begins
    speech_after_pause: bool = False


@dataclass
class Committed:
    transcripts: List[Transcript] = field(default_factory=list)
    utterances: List[List[UtteranceWord]] = field(default_factory=list)
    skipped: List[Tuple[str, float]] = field(default_factory=list)  # (reason, seconds)

    def extend(self, other: "Committed") -> None:
        self.transcripts += other.transcripts
        self.utterances += other.utterances
        self.skipped += other.skipped


class StreamState:
    """Audio, hypothesis and output sequence of one stream."""

    def __init__(self, stream_id: str, settings: TranscriptionSettings, model: str, settle: Optional[float] = SETTLE) -> None:
        self.stream_id = stream_id
        self.settings = settings
        self.model = model
        self.audio = StreamAudio(settings.max_buffer_seconds)
        self.hyp = HypothesisBuffer(settle=settle)
        self.heard_until = 0.0  # stream time up to which the last pass heard audio
        self.seq = 0
        self._context: List[str] = []
        self._utterance: List[UtteranceWord] = []
        self._rewound_at = float("-inf")
        self.started = False

    # -- audio in -------------------------------------------------------
    def append(self, t0: float, wall_time: float, samples: np.ndarray) -> List[Tuple[str, float]]:
        """Add audio; return what had to be skipped to stay bounded, as (reason, seconds)."""
        if not self.started:
            self.started = True
            self.audio.restart(t0)
            self.hyp.reset(t0)
            self.heard_until = t0
        skipped = []
        dropped = self.audio.append(t0, wall_time, samples)
        if dropped:
            skipped.append(("buffer_full", dropped))
        backlog = self.audio.end - max(self.heard_until, self.audio.t0)
        if backlog > self.settings.max_lag_seconds:
            # The machine cannot keep up: skip the oldest unheard audio and keep
            # the newest window, so alerts stay close to live.
            skip_to = self.audio.end - self.settings.window_seconds
            skipped.append(("overload", skip_to - self.audio.t0))
        return skipped

    def is_gap(self, t0: float) -> bool:
        return self.started and t0 > self.audio.end + GAP_TOLERANCE

    def skip_to(self, t: float, reason: str) -> Committed:
        """Forget audio before ``t``: commit what was heard, then mark the gap."""
        out = self.flush_words(time.time())
        t_from = self.audio.t0 if self.started else t
        wall = self.audio.wall_at(t_from)
        if t > t_from:
            out.transcripts.append(self._transcript([], t_from, t, wall, gap=True))
            out.skipped.append((reason, t - t_from))
        self.audio.trim(t) if t <= self.audio.end else self.audio.restart(t)
        self.hyp.reset(t)
        self.heard_until = max(self.heard_until, t)
        self._context = []
        return out

    def gap(self, t0: float, t1: float, wall_time: float) -> Committed:
        """A hole in the stream (collector gap marker or lost chunks)."""
        out = self.flush_words(time.time())
        out.transcripts.append(self._transcript([], t0, t1, wall_time, gap=True))
        out.skipped.append(("gap", max(0.0, t1 - t0)))
        self.audio.restart(t1)
        self.hyp.reset(t1)
        self.heard_until = t1
        self._context = []
        self.started = True
        return out

    # -- passes ---------------------------------------------------------
    @property
    def unheard(self) -> float:
        return self.audio.end - max(self.heard_until, self.audio.t0)

    def due(self, final: bool = False) -> bool:
        return self.unheard >= (1e-3 if final else self.settings.step_seconds)

    def oldest_unheard_wall(self) -> float:
        return self.audio.wall_at(max(self.heard_until, self.audio.t0))

    def plan(self, final: bool = False) -> Planned:
        t0 = self.audio.t0
        t1 = min(self.audio.end, t0 + self.settings.window_seconds)
        final = final and t1 >= self.audio.end - 1e-6
        return Planned(self.audio.window(t0, t1), t0, t1, " ".join(self._context[-CONTEXT_WORDS:]), final)

    def apply(self, planned: Planned, heard: Heard, now: float) -> Committed:
        """Take what a pass heard in ``planned``; commit, trim, and say what came out."""
        if planned.t1 <= self.audio.t0 and not planned.final:
            return Committed()  # audio skipped while the pass ran
        words = [w for w in heard.words if w.end > self.audio.t0 - 0.05]
        self.heard_until = max(self.heard_until, planned.t1)
        stable_until = heard.pause
        rewound = False
        if (
            heard.speech_after_pause
            and heard.pause is not None
            and heard.pause > self._rewound_at + 0.1
            and planned.t1 - heard.pause > 1.0
            and (not words or words[-1].end < heard.pause + 0.3)
        ):
            # The model stopped at the pause and left out the speech after it:
            # hear that part again (once per pause, so this always ends).
            self._rewound_at = heard.pause
            self.heard_until = heard.pause
            planned.final = False
            rewound = True
        if not heard.speech:
            # Silence or music: what was pending is a finished utterance.
            out = self.flush_words(now)
            self._trim(max(self.hyp.committed_until, planned.t1 - 0.5))
            return out
        committed = self.hyp.insert(words, audio_end=planned.t1, stable_until=stable_until)
        if planned.final:
            committed += self.hyp.flush()
        elif planned.t1 - self.audio.t0 >= self.settings.window_seconds - 1e-6 and self.audio.end - planned.t1 < self.settings.step_seconds:
            # A full window with no agreement: force out what is not at its edge.
            committed += self._commit_before(planned.t1 - self.settings.step_seconds)
        out = self._emit(committed, now)
        self._trim(self.hyp.committed_until - LEFT_CONTEXT)
        if not rewound and self.audio.duration >= self.settings.window_seconds and self.audio.t0 < planned.t1 - 1.0:
            # Nothing usable in a whole window: drop the audio the pass heard.
            self._trim(planned.t1 - 1.0)
        if planned.final:
            out.extend(self.flush_words(now))
        return out

    def _commit_before(self, t: float) -> List[TimedWord]:
        pending = self.hyp.pending
        keep = [w for w in pending if w.end <= t]
        if not keep:
            return []
        rest = pending[len(keep):]
        self.hyp._pending = keep  # flush exactly these, keep the rest pending
        out = self.hyp.flush()
        self.hyp._pending = rest
        return out

    def _trim(self, t: float) -> None:
        if t > self.audio.t0:
            self.audio.trim(min(t, self.audio.end))

    # -- output ---------------------------------------------------------
    def flush_words(self, now: float) -> Committed:
        out = self._emit(self.hyp.flush(), now)
        if self._utterance:
            out.utterances.append(self._utterance)
            self._utterance = []
        return out

    def _transcript(self, words: List[TimedWord], t0: float, t1: float, wall: float, gap: bool = False) -> Transcript:
        t = Transcript(
            stream_id=self.stream_id,
            seq=self.seq,
            t0=round(t0, 3),
            t1=round(t1, 3),
            wall_time=wall,
            text=" ".join(w.word for w in words),
            words=[Word(word=w.word, start=w.start, end=w.end, probability=w.probability) for w in words],
            model=self.model,
            gap=gap,
        )
        self.seq += 1
        return t

    def _emit(self, words: List[TimedWord], now: float) -> Committed:
        out = Committed()
        if not words:
            return out
        transcript = self._transcript(words, words[0].start, words[-1].end, self.audio.wall_at(words[0].start))
        out.transcripts.append(transcript)
        self._context = (self._context + [w.word for w in words])[-CONTEXT_WORDS:]
        for w in words:
            if self._utterance and (
                w.start - self._utterance[-1].word.end > UTTERANCE_PAUSE or len(self._utterance) >= UTTERANCE_MAX_WORDS
            ):
                out.utterances.append(self._utterance)
                self._utterance = []
            self._utterance.append(UtteranceWord(w, self.audio.wall_at(w.start), transcript.seq))
            if _SENTENCE_END.search(w.word):
                out.utterances.append(self._utterance)
                self._utterance = []
        return out
