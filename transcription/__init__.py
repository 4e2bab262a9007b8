"""Streaming speech-to-text of live streams: AudioChunks in, Transcripts and Offers out.

    >>> from transcription import Transcriber, TranscriptionResult, ModelError   # doctest: +SKIP
"""
from transcription.metrics import TranscriptionMetrics
from transcription.model import ModelError, ensure_model, load_model
from transcription.transcriber import Transcriber, TranscriptionResult

__all__ = ["Transcriber", "TranscriptionResult", "TranscriptionMetrics", "ModelError", "ensure_model", "load_model"]
