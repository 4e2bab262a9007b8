"""One model call over the audio windows of several streams.

Every window (one per stream, at most ``window_seconds`` long) is padded with
silence to the same short encoder context, the batch is encoded at once, each
window is decoded with its own prompt (vocabulary plus that stream's last
committed words), and the words are aligned to the audio in one more batched
call, giving each word its times and probability. A short context (12 s
instead of Whisper's 30 s) makes the encoder several times cheaper; the
silence after the audio tells the model where speech ends::

    >>> engine = WhisperEngine(load_model(ModelSettings(), cache))           # doctest: +SKIP
    >>> [r.words for r in engine.transcribe([PassRequest("room-1", audio, 0.0)])]  # doctest: +SKIP
"""
from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass, field
from typing import Hashable, List, Optional

import numpy as np

from pantau.records import SAMPLE_RATE
from transcription.agreement import TimedWord
from transcription.model import LoadedModel
from transcription.vocabulary import strip_prompt_echo

__all__ = ["PassRequest", "PassResult", "WhisperEngine"]

_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"


@dataclass
class PassRequest:
    """One stream's audio window; ``offset`` is the stream time of its first sample."""

    key: Hashable
    audio: np.ndarray
    offset: float
    context: str = ""


@dataclass
class PassResult:
    key: Hashable
    words: List[TimedWord] = field(default_factory=list)
    text: str = ""
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    rejected: str = ""  # why the hypothesis was thrown away, if it was


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


class WhisperEngine:
    """Batched decoding of short windows with per-stream prompts. Not thread-safe: one worker thread."""

    def __init__(
        self,
        loaded: LoadedModel,
        language: str = "id",
        beam_size: int = 1,
        prompt: Optional[str] = None,
        context_seconds: float = 12.0,
    ) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.loaded = loaded
        self.whisper = loaded.whisper
        self.beam_size = max(1, beam_size)
        self.prompt = prompt or ""
        self.tokenizer = Tokenizer(self.whisper.hf_tokenizer, True, task="transcribe", language=language)
        # The encoder sees this many seconds; 0 or >= 30 means Whisper's full 30 s.
        self.context_seconds = 30.0 if not context_seconds or context_seconds >= 30 else float(context_seconds)
        self._prompt_tokens = self.tokenizer.encode(" " + self.prompt.strip())[:120] if self.prompt else []
        self.calls = 0
        self.seconds = 0.0

    def _features(self, audio: np.ndarray) -> np.ndarray:
        samples = int(self.context_seconds * SAMPLE_RATE)
        audio = audio[:samples]
        padded = np.zeros(samples, dtype=np.float32)
        padded[: len(audio)] = audio
        feats = self.whisper.feature_extractor(padded)
        frames = int(self.context_seconds * 100)
        return feats[:, :frames]

    def _previous(self, context: str, bias: bool = True) -> List[int]:
        previous = list(self._prompt_tokens) if bias else []
        if context.strip():
            previous += self.tokenizer.encode(" " + context.strip())[-60:]
        return previous

    def _prompts(self, previous: List[List[int]]) -> List[List[int]]:
        """Whole prompts for a batch; CTranslate2 wants start-of-transcript at one
        position in all of them, so every context is cut to the shortest."""
        tok = self.tokenizer
        keep = min(len(p) for p in previous)
        head = [tok.sot_prev] if keep else []
        return [head + (p[len(p) - keep:] if keep else []) + list(tok.sot_sequence) + [tok.no_timestamps]
                for p in previous]

    def transcribe(self, requests: List[PassRequest]) -> List[PassResult]:
        if not requests:
            return []
        import ctranslate2

        started = time.perf_counter()
        tok = self.tokenizer
        feats = np.ascontiguousarray(np.stack([self._features(r.audio) for r in requests]))
        encoder_output = self.whisper.model.encode(ctranslate2.StorageView.from_array(feats))
        prompts = self._prompts([self._previous(r.context) for r in requests])
        results, tokens_list = self._decode(requests, encoder_output, prompts)
        self._align(requests, results, tokens_list, encoder_output)
        looped = [i for i, r in enumerate(results) if r.rejected == "repetition"]
        if looped:
            # A prompt can send the decoder into a loop ("kamu, kamu, ..."):
            # decode those windows once more without any prompt, as Whisper's
            # own fallback drops the previous text.
            sub = [requests[i] for i in looped]
            sub_out = self.whisper.model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(feats[looped])))
            retry, retry_tokens = self._decode(sub, sub_out, self._prompts([[] for _ in sub]))
            self._align(sub, retry, retry_tokens, sub_out)
            for i, r in zip(looped, retry):
                results[i] = r
        self.calls += 1
        self.seconds += time.perf_counter() - started
        return results

    def _decode(self, requests: List[PassRequest], encoder_output, prompts: List[List[int]]):
        tok = self.tokenizer
        longest = max(len(r.audio) for r in requests) / SAMPLE_RATE
        # Speech is a few tokens a second; a cap stops a looping decoder early.
        max_new = int(8 * min(longest, self.context_seconds)) + 8
        outputs = self.whisper.model.generate(
            encoder_output,
            prompts,
            beam_size=self.beam_size,
            max_length=max(len(p) for p in prompts) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )
        results: List[PassResult] = []
        tokens_list: List[List[int]] = []
        for req, out in zip(requests, outputs):
            tokens = [t for t in out.sequences_ids[0] if t < tok.eot]
            text = tok.decode(tokens).strip()
            res = PassResult(req.key, text=text, no_speech_prob=float(out.no_speech_prob),
                             avg_logprob=float(out.scores[0]) / max(1, len(tokens) + 1))
            if not tokens:
                res.rejected = "empty"
            elif _compression_ratio(text) > 2.4:
                res.rejected = "repetition"
            elif res.no_speech_prob > 0.6 and res.avg_logprob < -1.0:
                res.rejected = "no_speech"
            results.append(res)
            tokens_list.append(tokens if not res.rejected else [tok.encode(" .")[0]])
        return results, tokens_list

    def _align(self, requests, results, tokens_list, encoder_output) -> None:
        """Word times and probabilities for the accepted hypotheses (one batched call)."""
        from faster_whisper.transcribe import merge_punctuations

        tok = self.tokenizer
        if any(not r.rejected for r in results):
            frames = [max(1, min(len(r.audio) // 160, int(self.context_seconds * 100))) for r in requests]
            alignments = self.whisper.find_alignment(tok, tokens_list, encoder_output, frames)
            for req, res, alignment in zip(requests, results, alignments):
                if res.rejected or not alignment:
                    continue
                merge_punctuations(alignment, _PREPEND, _APPEND)
                audio_end = req.offset + len(req.audio) / SAMPLE_RATE
                words = []
                for w in alignment:
                    text = w["word"].strip()
                    if not text:
                        continue
                    start = min(req.offset + float(w["start"]), audio_end)
                    end = min(req.offset + float(w["end"]), audio_end)
                    prob = float(w["probability"])
                    words.append(TimedWord(text, round(start, 3), round(max(start, end), 3), round(prob if math.isfinite(prob) else 0.0, 4)))
                if self.prompt:
                    keep_words = strip_prompt_echo([w.word for w in words], self.prompt)
                    if len(keep_words) != len(words):
                        words = _drop_echo(words, keep_words)
                res.words = words


def _drop_echo(words: List[TimedWord], kept: List[str]) -> List[TimedWord]:
    """Keep the words of ``words`` whose texts survive in ``kept``, in order."""
    out, i = [], 0
    for w in words:
        if i < len(kept) and w.word == kept[i]:
            out.append(w)
            i += 1
    return out
