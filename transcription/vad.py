"""Voice activity detection: silence and music cost no model call.

faster-whisper's Silero VAD scores every 32 ms of audio. Live sales talk is
continuous with short breaths, often over music, so the thresholds are lower
than Silero's defaults and only long stretches without speech are blanked:
a short pause inside a price ("dua puluh ... lima ribu") must survive::

    >>> vad = SpeechDetector()                                    # doctest: +SKIP
    >>> vad.speech_seconds(np.zeros(16000, np.float32))           # doctest: +SKIP
    0.0
"""
from __future__ import annotations

import numpy as np

__all__ = ["SpeechDetector"]

FRAME = 512  # samples per Silero score (32 ms at 16 kHz)


class SpeechDetector:
    """Speech scores and masks for a window of 16 kHz audio."""

    def __init__(self, threshold: float = 0.4, pad_seconds: float = 0.3, min_blank_seconds: float = 1.0) -> None:
        from faster_whisper.vad import get_vad_model

        self.model = get_vad_model()
        self.threshold = threshold
        self.pad_frames = int(pad_seconds * 16000 / FRAME)
        self.min_blank_frames = int(min_blank_seconds * 16000 / FRAME)

    def scores(self, audio: np.ndarray) -> np.ndarray:
        """Silero's speech probability per 32 ms frame."""
        if not len(audio):
            return np.zeros(0, dtype=np.float32)
        padded = np.pad(audio, (0, (-len(audio)) % FRAME))
        return np.asarray(self.model(padded)).reshape(-1)

    def speech_frames(self, audio: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """A boolean per 32 ms frame: speech (padded a little on both sides)."""
        probs = self.scores(audio) if probs is None else probs
        speech = probs >= self.threshold
        if self.pad_frames and speech.any():
            kernel = np.ones(2 * self.pad_frames + 1)
            speech = np.convolve(speech.astype(float), kernel, mode="same") > 0
        return speech

    def last_pause(self, probs: np.ndarray, min_pause_seconds: float = 0.3) -> tuple[float | None, bool]:
        """(seconds from the window start to where its last pause begins, whether speech follows it).

        Words that end before a pause are finished: more audio cannot
        change them, so they can be committed without waiting for a second
        pass (lower lag at every breath). Speech after the pause that the
        model left out (Whisper sometimes stops at a pause) is heard again.
        """
        quiet = probs < self.threshold
        need = max(1, int(min_pause_seconds * 16000 / FRAME))
        run = 0
        for i in range(len(quiet) - 1, -1, -1):
            if quiet[i]:
                run += 1
            elif run >= need:
                return (i + 1) * FRAME / 16000, i + 1 + run < len(quiet)
            else:
                run = 0
        return None, False

    def speech_seconds(self, audio: np.ndarray, probs: np.ndarray | None = None) -> float:
        """Seconds scored as speech, without padding (an onset click is not speech)."""
        probs = self.scores(audio) if probs is None else probs
        return float((probs >= self.threshold).sum()) * FRAME / 16000

    def blank_non_speech(self, audio: np.ndarray, speech: np.ndarray) -> np.ndarray:
        """Silence every run of non-speech longer than ``min_blank_seconds``.

        Times are kept (the samples stay, zeroed), so words still land at
        their stream time; music under no speech no longer tempts the model.
        """
        out = audio.copy()
        run_start = None
        for i, is_speech in enumerate(list(speech) + [True]):
            if not is_speech and run_start is None:
                run_start = i
            elif is_speech and run_start is not None:
                if i - run_start >= self.min_blank_frames:
                    out[run_start * FRAME:i * FRAME] = 0.0
                run_start = None
        return out
