"""The expressions the embedded demo cannot feed: Debian's Prometheus scrapes a
real `pantau worker processors` on the real Kafka broker, and every dashboard
panel and rule that reads Faust's sensor metrics or the consumer lag
(``series.DISTRIBUTED_ONLY_PREFIXES``) must return data, as must those over
dead letters, which the test causes with an undecodable offer."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from pantau.records import Offer, StreamSpec
from promserver import PrometheusServer, free_port
from series import RULE_FILES, dashboard_exprs, kind_of, metric_names, rules

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(300)]

JOB = "pantau-processors"
WAIT = 120


def bootstrap() -> str:
    return os.environ.get("PANTAU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


async def produce(records: list[tuple[str, str, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap())
    await producer.start()
    try:
        for topic, key, value in records:
            await producer.send_and_wait(topic, key=key.encode(), value=value)
    finally:
        await producer.stop()


def _recorded() -> dict[str, str]:
    return {r["record"]: r["expr"] for r in rules() if "record" in r}


def worker_checks():
    recorded = _recorded()
    checks = [("alert" if "alert" in r else "record", r.get("record") or r["alert"], r["expr"]) for r in rules()]
    checks += [("panel", where, expr) for where, expr in dashboard_exprs()]
    for kind, where, expr in checks:
        names = metric_names(expr)
        if kind_of(expr, recorded) == "distributed" or any(n.startswith("pantau_dead_letters") for n in names):
            yield pytest.param(kind, expr, id=where)


@pytest.fixture(scope="module")
def scraped_worker(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("worker")
    prefix = f"obs{uuid.uuid4().hex[:8]}"
    port = free_port()
    config = workdir / "pantau.toml"
    config.write_text(f'[kafka]\nbroker = "kafka://{bootstrap()}"\ntopic_prefix = "{prefix}"\n'
                      f'app_id = "{prefix}"\npartitions = 2\n')
    pantau = shutil.which("pantau", path=str(Path(sys.executable).parent))
    command = [pantau] if pantau else [sys.executable, "-m", "pantau.cli"]
    log = workdir / "worker.log"
    worker = subprocess.Popen(
        [*command, "worker", "processors", "--config", str(config), "--data-dir", str(workdir / "data"),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert worker.poll() is None, f"worker exited:\n{log.read_text()[-3000:]}"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"worker did not serve /metrics:\n{log.read_text()[-3000:]}"
                time.sleep(0.5)
        with PrometheusServer(workdir / "prometheus", {JOB: [f"127.0.0.1:{port}"]}, RULE_FILES) as prom:
            now = time.time()
            spec = StreamSpec(stream_id="obs-grosir", url="https://live.invalid/obs.m3u8", platform="tiktok",
                              seller_id="obs-seller", seller_name="Obs Seller")
            offer = Offer(category="shoes", product_text="sepatu", price_idr=25_000, unit_price_idr=25_000,
                          confidence=0.9, stream_id=spec.stream_id, text="sepatu dua puluh lima ribu",
                          t0=10.0, t1=12.0, wall_time=now, offer_id="obs-1", span=[0, 26])
            started = time.monotonic()
            produced = False
            while time.monotonic() - started < WAIT:
                # Produce once the worker holds its partitions (it declares the
                # topics with their partitions first), or after 30 s regardless.
                assigned = prom.query(f'pantau_faust_assignments_total{{job="{JOB}",outcome="completed"}} > 0')
                if not produced and (assigned or time.monotonic() - started > 30):
                    asyncio.run(produce([
                        (f"{prefix}.streams", spec.stream_id, spec.dumps()),
                        (f"{prefix}.offers", spec.stream_id, offer.dumps()),
                        (f"{prefix}.offers", spec.stream_id, b"{not an offer"),
                    ]))
                    produced = True
                if produced and prom.query(f'pantau_kafka_consumer_lag{{job="{JOB}"}}') \
                        and prom.query(f'pantau_dead_letters_total{{job="{JOB}"}}') \
                        and prom.query(f'job_topic:pantau_faust_events:rate5m{{job="{JOB}"}}'):
                    break
                time.sleep(2)
            time.sleep(3)
            yield prom
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def test_worker_reports_faust_and_lag_series(scraped_worker):
    prom = scraped_worker
    topics = {r["metric"]["topic"] for r in prom.query(f'pantau_kafka_consumer_lag{{job="{JOB}"}}')}
    assert any(t.endswith(".offers") for t in topics), topics
    received = prom.query(f'sum by (topic) (pantau_faust_messages_received_total{{job="{JOB}"}})')
    assert sum(float(r["value"][1]) for r in received) >= 3
    assert prom.query(f'pantau_build_info{{job="{JOB}",role="processors"}} == 1')


@pytest.mark.parametrize("kind,expr", list(worker_checks()))
def test_distributed_expression_returns_data(scraped_worker, kind, expr):
    """Panels and recording rules return data; an alert's condition must
    evaluate and every series it reads must have data."""
    prom = scraped_worker
    result = prom.query(expr)
    if kind == "alert":
        for name in metric_names(expr):
            assert prom.query(name), f"no data for {name}"
    else:
        assert result, f"no data for {expr}"
