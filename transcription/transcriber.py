"""The streaming transcription worker: AudioChunks in, Transcripts and Offers out.

``feed`` only appends audio and returns at once with whatever is ready; a
scheduler task picks the streams whose audio is due (the one that waited
longest first, so every stream's lag stays bounded and fair), hands up to
``batch_size`` of them to the model in one call on the single worker thread,
and queues what the passes commit. ``flush`` commits the rest of a stream::

    transcriber = Transcriber(settings.transcription, settings.model, settings.model_cache)
    await transcriber.start(progress=print)
    result = await transcriber.feed(chunk)        # TranscriptionResult(transcripts, offers)
    result = await transcriber.flush("room-1")
    transcriber.close()

With ``overload="wait"`` (replaying files) ``feed`` waits for the model
instead of skipping audio; live streams use the default ``"skip"``.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from pantau.config import ModelSettings, TranscriptionSettings
from pantau.records import AudioChunk, Offer, Transcript
from transcription.audio import pcm_to_float
from transcription.engine import PassRequest, WhisperEngine
from transcription.metrics import TranscriptionMetrics
from transcription.model import LoadedModel, load_model
from transcription.offers import Extract, offers_from_words
from transcription.stream import Committed, Heard, Planned, StreamState
from transcription.vad import SpeechDetector
from transcription.vocabulary import Vocabulary

__all__ = ["Transcriber", "TranscriptionResult"]

log = logging.getLogger("pantau.transcription")

Progress = Callable[[str], None]


@dataclass
class TranscriptionResult:
    transcripts: List[Transcript] = field(default_factory=list)
    offers: List[Offer] = field(default_factory=list)


class Transcriber:
    """Streaming speech-to-text for many streams on one model."""

    def __init__(
        self,
        settings: TranscriptionSettings,
        model_settings: ModelSettings,
        model_cache: Path,
        metrics: Optional[TranscriptionMetrics] = None,
        *,
        overload: str = "skip",
        batch_size: Optional[int] = None,
        extract: Optional[Extract] = None,
        product_names: Optional[List[str]] = None,
        context_seconds: Optional[float] = None,
        loaded: Optional[LoadedModel] = None,
    ) -> None:
        if overload not in ("skip", "wait"):
            raise ValueError("overload must be 'skip' or 'wait'")
        self.settings = settings
        self.model_settings = model_settings
        self.model_cache = Path(model_cache)
        self.metrics = metrics
        self.overload = overload
        self._batch_size = batch_size
        self._extract = extract
        self._product_names = product_names
        self._context_seconds = context_seconds if context_seconds is not None else settings.window_seconds + 2.0
        self._loaded = loaded
        self._engine: Optional[WhisperEngine] = None
        self._vad: Optional[SpeechDetector] = None
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-model")
        self._streams: Dict[str, StreamState] = {}
        self._out = TranscriptionResult()
        self._model_lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._progress = asyncio.Event()  # set after every pass, for waiting feeders
        self._scheduler: Optional[asyncio.Task] = None
        self._rtf: Optional[float] = None
        self.batch_size = 1

    # -- lifecycle --------------------------------------------------------
    async def start(self, progress: Optional[Progress] = None) -> None:
        """Load the model off the event loop; ``progress`` receives messages for the user."""
        loop = asyncio.get_running_loop()
        say = progress or (lambda message: None)

        def report(message: str) -> None:
            loop.call_soon_threadsafe(say, message)

        def load() -> None:
            loaded = self._loaded or load_model(self.model_settings, self.model_cache, report)
            vocabulary = Vocabulary(self._product_names) if self.settings.vocabulary_bias else None
            self.prompt = vocabulary.prompt if vocabulary else ""
            self._engine = WhisperEngine(
                loaded,
                language=self.model_settings.language,
                beam_size=self.settings.beam_size,
                prompt=vocabulary.prompt if vocabulary else None,
                context_seconds=self._context_seconds,
            )
            self._vad = SpeechDetector() if self.settings.vad else None
            # On a CPU a batch costs as much as its windows one by one (measured),
            # so batching only pays on a GPU.
            self.batch_size = self._batch_size or (8 if loaded.device == "cuda" else 1)
            self._loaded = loaded

        await loop.run_in_executor(self._executor, load)
        if self.metrics and self._loaded:
            self.metrics.model_load_seconds.set(self._loaded.load_seconds)
        say(f"speech model ready ({self._loaded.device}, {self._loaded.compute_type})")
        self._scheduler = asyncio.create_task(self._schedule(), name="pantau-transcription")

    def close(self) -> None:
        if self._scheduler:
            self._scheduler.cancel()
            self._scheduler = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def model_name(self) -> str:
        return self.model_settings.name

    def stream_memory_bytes(self) -> Dict[str, int]:
        return {sid: s.audio.nbytes for sid, s in self._streams.items()}

    # -- audio in ---------------------------------------------------------
    def _state(self, stream_id: str) -> StreamState:
        state = self._streams.get(stream_id)
        if state is None:
            state = self._streams[stream_id] = StreamState(stream_id, self.settings, self.model_name)
        return state

    async def feed(self, chunk: AudioChunk) -> TranscriptionResult:
        """Take one chunk; return the transcripts and offers that are ready (any stream)."""
        if self._engine is None:
            raise RuntimeError("Transcriber.start() must be awaited before feed()")
        state = self._state(chunk.stream_id)
        if chunk.gap or state.is_gap(chunk.t0):
            # Commit what was heard before the hole, then mark it.
            await self._finish(state)
            gap_t0 = state.audio.end if state.started else chunk.t0
            gap_t1 = chunk.t1 if chunk.gap else chunk.t0
            wall = chunk.wall_time - (chunk.t0 - gap_t0)
            self._collect(state.stream_id, state.gap(gap_t0, gap_t1, wall))
            if chunk.gap:
                return self._take()
        if chunk.encoding != "pcm_s16le":
            raise ValueError(f"audio chunk {chunk.stream_id}/{chunk.seq} has encoding {chunk.encoding}; expected pcm_s16le")
        samples = pcm_to_float(chunk.pcm)
        if self.metrics:
            self.metrics.audio_seconds.inc(len(samples) / 16000)
        if self.overload == "wait":
            while state.unheard >= self.settings.window_seconds:
                self._progress.clear()
                self._wakeup.set()
                await self._progress.wait()
        for reason, seconds in state.append(chunk.t0, chunk.wall_time, samples):
            if reason == "overload":
                self._collect(state.stream_id, state.skip_to(state.audio.t0 + seconds, reason))
            elif self.metrics:
                self.metrics.skipped_seconds.labels(reason).inc(seconds)
        if self.overload == "skip" and state.due() and not self._model_lock.locked():
            # The model is idle: run the pass this chunk made due now and hand
            # back its words with this call, instead of at the next chunk
            # (2 s later for a single stream). A busy model is never waited for.
            await self._run_due()
        self._wakeup.set()
        return self._take()

    async def flush(self, stream_id: str) -> TranscriptionResult:
        """Commit everything heard on ``stream_id`` (end of stream); forget the stream."""
        state = self._streams.get(stream_id)
        if state is not None:
            await self._finish(state)
            del self._streams[stream_id]
        return self._take()

    # -- passes -----------------------------------------------------------
    async def _finish(self, state: StreamState) -> None:
        async with self._model_lock:
            for _ in range(100):  # each pass hears new audio; the bound is a safety net
                if not (state.started and state.due(final=True)):
                    break
                await self._run([state], final=True)
            self._collect(state.stream_id, state.flush_words(time.time()))

    async def _schedule(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while await self._run_due():
                self._progress.set()
                await asyncio.sleep(0)  # let feeders append between passes
            self._progress.set()

    async def _run_due(self) -> bool:
        """One pass over the streams that are due; False when none was."""
        async with self._model_lock:
            due = [s for s in self._streams.values() if s.due()]
            if self.metrics:
                self.metrics.queue_depth.set(len(due))
            if not due:
                return False
            # Fairness: the stream whose oldest unheard audio is oldest goes first.
            due.sort(key=lambda s: s.oldest_unheard_wall())
            batch = due[: self.batch_size]
            try:
                await self._run(batch)
            except Exception:  # a failed pass must not stop every stream
                log.exception("transcription pass failed; its audio is counted as skipped")
                self._give_up(batch)
            return True

    async def _run(self, states: List[StreamState], final: bool = False) -> None:
        plans = [s.plan(final=final) for s in states]
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        outcomes = await loop.run_in_executor(self._executor, self._pass, plans)
        elapsed = time.perf_counter() - started
        now = time.time()
        heard = 0.0
        for state, plan, outcome in zip(states, plans, outcomes):
            heard += max(0.0, plan.t1 - max(state.heard_until, plan.t0))
            self._collect(state.stream_id, state.apply(plan, outcome, now))
        if self.metrics:
            self.metrics.processing_seconds.inc(elapsed)
            if heard > 0:
                rtf = elapsed / heard
                self._rtf = rtf if self._rtf is None else 0.8 * self._rtf + 0.2 * rtf
                self.metrics.real_time_factor.set(self._rtf)

    def _give_up(self, states: List[StreamState]) -> None:
        """Mark the audio of a failed pass as heard, so the scheduler moves on."""
        for state in states:
            plan = state.plan()
            if self.metrics:
                self.metrics.skipped_seconds.labels("error").inc(max(0.0, plan.t1 - max(state.heard_until, plan.t0)))
            self._collect(state.stream_id, state.apply(plan, Heard(), time.time()))

    def _pass(self, plans: List[Planned]):
        """In the worker thread: VAD, then one batched model call for the windows with speech."""
        outcomes = [Heard() for _ in plans]
        requests, pauses = [], {}
        for i, plan in enumerate(plans):
            audio = plan.audio
            if self._vad is not None:
                probs = self._vad.scores(audio)
                if self._vad.speech_seconds(audio, probs) < 0.25:
                    continue
                speech = self._vad.speech_frames(audio, probs)
                audio = self._vad.blank_non_speech(audio, speech)
                pause, speech_after = self._vad.last_pause(probs)
                pauses[i] = (plan.t0 + pause if pause is not None else None, speech_after)
            requests.append(PassRequest(i, audio, plan.t0, plan.context))
        if requests:
            for result in self._engine.transcribe(requests):
                pause, speech_after = pauses.get(result.key, (None, False))
                outcomes[result.key] = Heard(result.words, True, pause, speech_after)
        return outcomes

    # -- output -----------------------------------------------------------
    def _collect(self, stream_id: str, committed: Committed) -> None:
        now = time.time()
        for t in committed.transcripts:
            self._out.transcripts.append(t)
            if self.metrics and not t.gap:
                self.metrics.transcripts.inc()
                self.metrics.lag.observe(max(0.0, now - (t.wall_time + (t.t1 - t.t0))))
        for reason, seconds in committed.skipped:
            if self.metrics and seconds > 0:
                self.metrics.skipped_seconds.labels(reason).inc(seconds)
        for words in committed.utterances:
            for offer in offers_from_words(stream_id, words, self._extract):
                self._out.offers.append(offer)
                if self.metrics:
                    self.metrics.offers.labels(offer.category or "unknown").inc()

    def _take(self) -> TranscriptionResult:
        out, self._out = self._out, TranscriptionResult()
        return out
