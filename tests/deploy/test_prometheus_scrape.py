"""Debian's Prometheus scrapes a running `pantau demo`, evaluating Pantau's
recording and alerting rules; then every series the dashboards and rules need
is queried through Prometheus's HTTP API.

The demo runs the real pipeline on the simulator's rooms (real model, real
HLS, real alert store). To give the collectors' failure counters something to
count, the test arms two of the simulator's faults, as an operator would:
a dropped connection (a reconnect), garbage on the event WebSocket (collector
errors) and a corrupt segment (a gap in the audio). Through the desk's API it
subscribes a webhook whose receiver fails once (a retry, then deliveries) and
acknowledges an alert, as an admin and monitoring staff would.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import urllib.request
from pathlib import Path

import pytest

from pantau.config import load_settings
from promserver import PrometheusServer, free_port
from series import (
    DEMO_SERIES,
    EVENT_DRIVEN,
    RULE_FILES,
    base_metrics,
    dashboard_exprs,
    family,
    kind_of,
    metric_names,
    rules,
)

pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.timeout(600)]

JOB = "pantau-demo"
DEMO_SECONDS = 400  # an upper bound: the test stops the demo when it is done
WAIT_FOR_SERIES = 240


class WebhookReceiver:
    """A webhook receiver on loopback that fails its first delivery (503), so
    that Pantau retries, and accepts the rest."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(503 if len(receiver.bodies) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Demo:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = workdir / "demo.stderr"
        self.simulator_url = ""
        model_cache = load_settings(None, {}).model_cache
        if not (model_cache / "whisper-base" / "model.bin").exists():
            model_cache = workdir / "models"  # assembled by the demo from the installed packages
        config = workdir / "pantau.toml"
        config.write_text(f'[model]\ncache_dir = "{model_cache}"\ncpu_threads = 2\n'
                          f'[store]\nurl = "sqlite+aiosqlite:///{workdir / "alerts.db"}"\n')
        pantau = shutil.which("pantau", path=str(Path(sys.executable).parent))
        command = [pantau] if pantau else [sys.executable, "-m", "pantau.cli"]
        # An admin token, made as an operator would, to subscribe a webhook.
        self.admin_token = subprocess.run(
            [*command, "token", "create", "--role", "admin", "--name", "scrape-test", "--config", str(config),
             "--data-dir", str(workdir / "data"), "--log-level", "warning"],
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout.strip()
        self.process = subprocess.Popen(
            [*command, "demo", "--config", str(config), "--data-dir", str(workdir / "data"),
             "--port", str(self.port), "--duration", str(DEMO_SECONDS), "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=self.stderr_path.open("wb"),
        )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"pantau demo exited ({self.process.returncode}):\n{self.stderr()[-3000:]}")
            match = re.search(r"simulator: \d+ live rooms at (http://\S+)", self.stderr())
            if match and "watching" in self.stderr():
                self.simulator_url = match.group(1)
                try:
                    with urllib.request.urlopen(f"{self.url}/metrics", timeout=2):
                        return
                except OSError:
                    pass
            time.sleep(0.5)
        raise AssertionError(f"pantau demo did not serve /metrics in {timeout:.0f} s:\n{self.stderr()[-3000:]}")

    def fault(self, room: str, **fault) -> None:
        request = urllib.request.Request(f"{self.simulator_url}/rooms/{room}/faults",
                                         data=json.dumps(fault).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            assert response.status == 200
            return json.load(response)

    def subscribe_webhook(self, url: str) -> None:
        request = urllib.request.Request(f"{self.url}/api/webhooks", method="POST",
                                         data=json.dumps({"url": url, "event_types": ["alert.created"],
                                                          "format": "pantau"}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.admin_token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201)

    def acknowledge_an_alert(self) -> bool:
        """What monitoring staff do at the desk (open in the demo): acknowledge
        the newest new alert. False while there is none."""
        alerts = self.get("/api/alerts?status=new&limit=1")["alerts"]
        if not alerts:
            return False
        csrf = self.get("/api/session")["csrf"]
        request = urllib.request.Request(f"{self.url}/api/alerts/{alerts[0]['alert_id']}/acknowledge",
                                         data=json.dumps({"reason": "seen on the desk"}).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the demo stops cleanly on SIGTERM
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    """A demo, scraped every second by Prometheus with Pantau's rules, after
    every expected series has shown up (or the wait ran out)."""
    workdir = tmp_path_factory.mktemp("scrape")
    demo = Demo(workdir)
    receiver = WebhookReceiver()
    try:
        demo.wait_until_serving()
        demo.subscribe_webhook(receiver.url)
        with PrometheusServer(workdir / "prometheus", {JOB: [f"127.0.0.1:{demo.port}"]}, RULE_FILES) as prom:
            rooms = json.load(urllib.request.urlopen(f"{demo.simulator_url}/rooms", timeout=5))
            room = rooms[0]["id"]
            demo.fault(room, mode="drop_connection")
            demo.fault(room, mode="ws_garbage", count=2)
            started = time.monotonic()
            corrupted = acknowledged = False
            while time.monotonic() - started < WAIT_FOR_SERIES:
                acknowledged = acknowledged or demo.acknowledge_an_alert()
                missing = [name for name in DEMO_SERIES if not prom.query(f'{name}{{job="{JOB}"}}')]
                if not missing:
                    break
                if not corrupted and time.monotonic() - started > 10:
                    # Once the reconnect has settled: a segment that does not decode.
                    demo.fault(room, mode="corrupt_segment", count=1)
                    corrupted = True
                time.sleep(3)
            # A little longer so that rates over the last minutes have two points
            # after the last series appeared.
            time.sleep(5)
            yield demo, prom
    finally:
        demo.stop()
        receiver.close()


def test_demo_serves_every_expected_series(scraped):
    demo, prom = scraped
    assert prom.targets_up() == {JOB: 1.0}
    missing = [name for name in DEMO_SERIES if not prom.query(f'{name}{{job="{JOB}"}}')]
    assert missing == [], f"no series for {missing}\n--- demo stderr ---\n{demo.stderr()[-2000:]}"


def test_event_driven_metrics_are_registered(scraped):
    """No series yet in a healthy demo, but declared: their TYPE line is served."""
    demo, _ = scraped
    with urllib.request.urlopen(f"{demo.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    for name in EVENT_DRIVEN:
        assert re.search(rf"^# TYPE {name} ", text, re.M), name


def test_no_series_carries_an_unbounded_label(scraped):
    _, prom = scraped
    labels = set(prom.api("labels", **{"match[]": f'{{job="{JOB}"}}'}))
    assert not labels & {"stream_id", "stream", "seller", "seller_id", "user", "alert_id", "url"}, labels


def _recorded() -> dict[str, str]:
    return {r["record"]: r["expr"] for r in rules() if "record" in r}


def _checks():
    for rule in rules():
        name = rule.get("record") or rule["alert"]
        yield pytest.param("record" if "record" in rule else "alert", rule["expr"], id=f"rule:{name}")
    for where, expr in dashboard_exprs():
        yield pytest.param("panel", expr, id=f"panel:{where}")


@pytest.mark.parametrize("kind,expr", list(_checks()))
def test_expression_returns_data(scraped, kind, expr):
    """Dashboard queries and recording rules must return data from the demo.
    An alert's expression is a condition that a healthy demo does not meet:
    it must evaluate, and every series it reads must have data (its firing is
    covered by promtool's unit tests in deploy/prometheus/tests)."""
    _, prom = scraped
    recorded = _recorded()
    result = prom.query(expr)  # raises on a query Prometheus rejects
    what = kind_of(expr, recorded)
    if what == "distributed":
        pytest.skip("reads metrics only Faust workers on Kafka export (pantau_faust_*, pantau_kafka_*): "
                    "evaluated without error here; its data is checked on a real worker by "
                    "test_prometheus_scrape_worker.py (kafka)")
    if what == "event":
        names = sorted({family(n) for n in base_metrics(expr, recorded) if family(n) in EVENT_DRIVEN})
        pytest.skip(f"reads {', '.join(names)}: {'; '.join(EVENT_DRIVEN[n] for n in names)}; "
                    "evaluated without error, data not checked")
    if kind == "alert":
        for name in metric_names(expr):
            assert prom.query(name), f"no data for {name}"
    else:
        assert result, f"no data for {expr}"
