"""What is committed: the LocalAgreement policy over successive passes.

Each pass of the model over a stream's audio buffer gives a hypothesis: timed
words. A word is committed (final, emitted once) when two consecutive passes
agree on it, or when it lies well inside the audio that the pass saw (the
``settle`` margin), where later audio cannot change it. Words near the right
edge of the buffer, cut mid-syllable, wait for the next pass. Words that end
before the commit point are never emitted again, so the same speech heard by
overlapping passes comes out once::

    >>> h = HypothesisBuffer()
    >>> h.insert([TimedWord("dua", 0.0, 0.3, 0.9), TimedWord("puluh", 0.3, 0.6, 0.9)], audio_end=1.0)
    []
    >>> [w.word for w in h.insert([TimedWord("dua", 0.0, 0.3, 0.9), TimedWord("puluh", 0.3, 0.6, 0.9),
    ...                            TimedWord("ribu", 0.7, 1.0, 0.8)], audio_end=2.0)]
    ['dua', 'puluh']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional

__all__ = ["TimedWord", "HypothesisBuffer", "normalize_word"]

_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def normalize_word(word: str) -> str:
    """The form two passes are compared in: lower case, no punctuation."""
    return _PUNCT.sub("", word.lower())


@dataclass(frozen=True)
class TimedWord:
    """A recognised word in stream time (seconds), with its probability."""

    word: str
    start: float
    end: float
    probability: float

    @property
    def key(self) -> str:
        return normalize_word(self.word)


class HypothesisBuffer:
    """The commit policy of one stream; pure logic, no audio, no model.

    ``settle`` is how far (seconds) before the end of a pass's audio a word
    must end to be committed by that pass alone; ``None`` means agreement only.
    """

    def __init__(self, settle: Optional[float] = None, tolerance: float = 0.15) -> None:
        self.settle = settle
        self.tolerance = tolerance
        self.committed_until = 0.0  # stream time where committed speech ends
        self._tail: List[TimedWord] = []  # last committed words, to catch repeats
        self._pending: List[TimedWord] = []  # previous pass, not yet committed

    @property
    def pending(self) -> List[TimedWord]:
        return list(self._pending)

    def _new_only(self, words: Iterable[TimedWord]) -> List[TimedWord]:
        fresh = [w for w in words if w.end > self.committed_until + self.tolerance or w.start >= self.committed_until - 0.01]
        # The first word after the commit point sometimes gets the context
        # audio before it; it cannot have started before committed speech ended.
        fresh = [w if w.start >= self.committed_until else TimedWord(w.word, self.committed_until, max(w.end, self.committed_until), w.probability) for w in fresh]
        # A pass may re-hear the last committed words with slightly shifted
        # times; drop the longest run (up to 5 words) that repeats the tail.
        if fresh and self._tail and abs(fresh[0].start - self.committed_until) < 1.0:
            for n in range(min(5, len(fresh), len(self._tail)), 0, -1):
                if [w.key for w in self._tail[-n:]] == [w.key for w in fresh[:n]]:
                    return fresh[n:]
        return fresh

    def insert(self, words: List[TimedWord], audio_end: float, stable_until: Optional[float] = None) -> List[TimedWord]:
        """Take one pass's hypothesis; return the words it commits, in order.

        ``stable_until`` is a stream time before which the speech is known to
        be finished (a pause follows it): words ending there commit at once.
        """
        words = self._new_only(words)
        agreed = 0
        for old, new in zip(self._pending, words):
            if old.key != new.key or not old.key:
                break
            agreed += 1
        committed = list(words[:agreed])
        limits = [t for t in (stable_until, audio_end - self.settle if self.settle is not None else None) if t is not None]
        if limits:
            limit = max(limits)
            while agreed < len(words) and words[agreed].end <= limit:
                committed.append(words[agreed])
                agreed += 1
        self._pending = list(words[agreed:])
        self._commit(committed)
        return committed

    def flush(self) -> List[TimedWord]:
        """Commit everything pending (end of stream, a gap, a long pause)."""
        committed, self._pending = self._pending, []
        self._commit(committed)
        return committed

    def reset(self, at: float) -> None:
        """Forget the pending hypothesis; audio before ``at`` is done with."""
        self._pending = []
        self._tail = []
        self.committed_until = max(self.committed_until, at)

    def _commit(self, words: List[TimedWord]) -> None:
        if not words:
            return
        self.committed_until = max(self.committed_until, words[-1].end)
        self._tail = (self._tail + words)[-8:]
