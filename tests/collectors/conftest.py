"""Fixtures for the collector tests: real peers (ffmpeg, aiohttp servers, the simulator) and capturing sinks."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

import av
import numpy as np
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from collectors.metrics import CollectorMetrics
from pantau.config import CollectorSettings
from pantau.records import AudioChunk, StreamEvent

RESOURCES = Path(__file__).parent.parent / "resources"


class Capture:
    """Sinks that keep what the supervisor hands on, with waits for tests."""

    def __init__(self) -> None:
        self.chunks: list[AudioChunk] = []
        self.events: list[StreamEvent] = []

    async def audio(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)

    async def event(self, event: StreamEvent) -> None:
        self.events.append(event)

    def pcm(self, stream_id: str | None = None) -> np.ndarray:
        parts = [np.frombuffer(c.pcm, dtype=np.int16) for c in self.chunks if not c.gap and stream_id in (None, c.stream_id)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def gaps(self, stream_id: str | None = None) -> list[AudioChunk]:
        return [c for c in self.chunks if c.gap and stream_id in (None, c.stream_id)]

    def kinds(self, stream_id: str | None = None) -> list[str]:
        return [e.kind for e in self.events if stream_id in (None, e.stream_id)]

    def seconds(self, stream_id: str | None = None) -> float:
        return sum(c.duration for c in self.chunks if not c.gap and stream_id in (None, c.stream_id))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.05)


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> CollectorMetrics:
    return CollectorMetrics(registry)


@pytest.fixture
def settings() -> CollectorSettings:
    return CollectorSettings(chunk_seconds=1.0, reconnect_initial=0.05, reconnect_max=0.5, stall_timeout=5.0, request_timeout=3.0)


@pytest.fixture
async def serve():
    """Factory: serve an aiohttp app (or a directory) on a free local port; returns the base URL."""
    runners: list[web.AppRunner] = []

    async def start(app_or_dir: web.Application | Path) -> str:
        if isinstance(app_or_dir, Path):
            app = web.Application()
            app.router.add_static("/", app_or_dir)
        else:
            app = app_or_dir
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """About eleven seconds of Indonesian speech, rendered by espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is required (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    text = (
        "Selamat sore kakak semua. Kemeja batik tulis ini harganya seratus delapan puluh lima ribu rupiah. "
        "Stoknya tinggal empat puluh. Dikirim dari Surakarta, bahan katun primisima, adem dipakai."
    )
    subprocess.run(["espeak-ng", "-v", "id", "-s", "150", "-w", str(path), text], check=True)
    return path


def _decode_file(path: Path) -> np.ndarray:
    """A whole media file decoded to 16 kHz mono int16, the reference a capture is compared with."""

    resampler = av.AudioResampler(format="s16", layout="mono", rate=16_000)
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
    return np.concatenate(parts)


@pytest.fixture
def decode_file() -> Callable[[Path], np.ndarray]:
    return _decode_file
