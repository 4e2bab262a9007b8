"""Every benchmark runs in CI in its short form and prints its figures.

These tests assert that each benchmark runs to the end and reports the
figures it promises (numbers, and the ratio against its in-run baseline);
they never judge the figures themselves: speed is read from the output, not
asserted in a test.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_bench(*args: str, timeout: float = 420) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip(), "the benchmark printed nothing"
    return proc.stdout + proc.stderr


def has_figure(text: str, name: str) -> bool:
    return re.search(re.escape(name) + r"[^\n]*\d", text, re.IGNORECASE) is not None


def test_extraction_benchmark():
    out = run_bench("benchmarks/bench_extraction.py", "--seconds", "0.5")
    assert has_figure(out, "utterances")


def test_collectors_benchmark():
    out = run_bench("benchmarks/bench_collectors.py", "--short")
    assert has_figure(out, "stream")


def test_alerts_benchmark():
    out = run_bench("benchmarks/bench_alerts.py", "--short")
    assert has_figure(out, "p99") and has_figure(out, "p95")


@pytest.mark.model
def test_transcription_benchmark():
    out = run_bench("benchmarks/bench_transcription.py", "--short")
    assert has_figure(out, "real") or has_figure(out, "rtf")
    assert has_figure(out, "baseline")


@pytest.fixture
def kafka_broker():
    sys.path.insert(0, str(ROOT / "tests" / "stream_processors"))
    from kafka_harness import start_broker, stop_broker

    bootstrap, started = start_broker()
    yield bootstrap
    if started:
        stop_broker()


@pytest.mark.kafka
def test_processors_benchmark(kafka_broker, monkeypatch):
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP", kafka_broker)
    out = run_bench("benchmarks/bench_processors.py", "--offers", "3000", "--rate", "500", "--seconds", "3")
    figures = json.loads(out[out.index("{"):out.rindex("}") + 1])
    assert figures["faust_worker"]["saturation"]["offers_per_second"] > 0
    assert figures["embedded"]["offers_per_second"] > 0
    assert figures["ratio_embedded_to_faust_throughput"] > 0
