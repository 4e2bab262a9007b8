"""`pantau demo` end to end: simulated rooms → real model → rules → alert desk.

One run of the whole embedded pipeline with the real Whisper model on the
rendered speech of the simulator's rooms. While it runs, the desk, the API and
/metrics are read over HTTP; at the end the JSON summary is checked against
the rooms' ground truth.
"""
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from collectors.simulator import load_rooms

pytestmark = [pytest.mark.model, pytest.mark.slow]

DURATION = 80


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantau.cli", "demo", "--duration", str(DURATION), "--port", str(port),
         "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    seen = {"page": None, "alerts": [], "metrics": ""}
    deadline = time.monotonic() + DURATION + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            seen["page"] = _get(base + "/")
            seen["alerts"] = json.loads(_get(base + "/api/alerts?limit=200")[1])["alerts"] or seen["alerts"]
            seen["metrics"] = _get(base + "/metrics")[1]
        except OSError:
            pass
        time.sleep(2)
    try:
        out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-3000:]
    summary = json.loads(out.strip().splitlines()[-1])
    return summary, seen, err


def _rooms():
    rooms = load_rooms()
    honest = [r.room_id for r in rooms if not any(o.sub_cost or o.below_floor for o in r.truth_offers())]
    dishonest = [r.room_id for r in rooms if any(o.sub_cost for o in r.truth_offers())]
    assert honest and dishonest, "the simulator needs an honest and a dishonest room"
    return honest, dishonest


def test_alerts_for_the_dishonest_room_and_not_the_honest_one(demo_run):
    summary, _, err = demo_run
    honest, dishonest = _rooms()
    assert summary["streams"] == len(honest) + len(dishonest) or summary["streams"] >= 2
    assert summary["audio_seconds"] > 0.6 * DURATION * summary["streams"] * 0.5
    assert summary["transcripts"] > 0 and summary["offers"] > 0
    by_stream = summary["alerts"]["by_stream"]
    for room in honest:
        assert by_stream[room] == 0, f"honest room {room} got alerts: {summary}"
    for room in dishonest:
        assert by_stream[room] > 0, f"no alert for {room}: {summary}"
    assert summary["precision"] >= 0.9, summary
    assert summary["alerts"]["from_speech"] > 0, "no alert was raised or backed by speech"


def test_desk_api_and_metrics_served_while_running(demo_run):
    summary, seen, _ = demo_run
    status, page = seen["page"]
    assert status == 200 and "<html" in page.lower()
    assert seen["alerts"], "the API listed no alerts during the run"
    _, dishonest = _rooms()
    assert {a["stream_id"] for a in seen["alerts"]} & set(dishonest)
    for series in ("pantau_audio_seconds_total", "pantau_transcripts_total", "pantau_alerts_raised_total"):
        assert series in seen["metrics"], series


def test_progress_is_shown_while_the_model_loads(demo_run):
    _, _, err = demo_run
    assert "loading the speech model" in err and "model ready" in err
    assert "alert desk: http://127.0.0.1:" in err
