"""Offers through the stream processors: one Faust worker on the loopback
Kafka broker, and the embedded runner's plain Processor, in one run.

    .venv/bin/python benchmarks/bench_processors.py [--offers 30000] [--rate 5000 500] [--seconds 10]

Uses PANTAU_KAFKA_BOOTSTRAP, or starts the broker with deploy/kafka/kafka.sh.
Figures:
- saturation: N offers produced as fast as the producer can, time until the
  worker has committed all of them -> offers/s;
- sustained: offers paced at each --rate for --seconds; offer-to-alert latency
  (alert seen on <prefix>.alerts minus the offer's wall_time, set when it
  was produced) p50/p99 over every alert, and whether the worker kept up;
- embedded: the same offers through Processor.on_offer (decoding included):
  offers/s and per-offer latency p50/p99.
One alerting offer in ten, the rest honest, over 200 streams.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import CollectorRegistry

from pantau.config import RuleSettings, load_settings
from pantau.distributed import build_role, changelog_topics, declare_topics
from pantau.records import Offer, StreamSpec
from stream_processors import Processor

REPO = Path(__file__).resolve().parents[1]
STREAMS = 200
HONEST = [("shoes", 250_000), ("batik", 350_000), ("hijab", 85_000), ("watch", 150_000)]
CHEAP = [("shoes", 25_000), ("watch", 15_000), ("bag", 18_000), ("tshirt", 9_000)]


def offer_payload(i: int, wall_time: float) -> tuple[bytes, bytes]:
    stream_id = f"bench-{i % STREAMS}"
    category, price = (CHEAP if i % 10 == 0 else HONEST)[(i // STREAMS) % 4]
    body = {"category": category, "product_text": category, "price_idr": price, "quantity": 1,
            "unit_price_idr": price, "confidence": 0.8, "stream_id": stream_id, "t0": float(i), "t1": i + 2.0,
            "wall_time": wall_time, "transcript_seq": i, "offer_id": f"{stream_id}:{i}", "source": "speech"}
    return stream_id.encode(), json.dumps(body).encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def bootstrap() -> str:
    given = os.environ.get("PANTAU_KAFKA_BOOTSTRAP")
    if given:
        return given
    subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), "start"], check=True)
    return "127.0.0.1:9092"


class Run:
    def __init__(self, bootstrap: str, workdir: Path) -> None:
        self.bootstrap = bootstrap
        self.prefix = f"bench{uuid.uuid4().hex[:8]}"
        self.config = workdir / "bench.toml"
        self.config.write_text(
            f'data_dir = "{workdir}"\nlog_level = "warning"\n[kafka]\nbroker = "kafka://{bootstrap}"\n'
            f'topic_prefix = "{self.prefix}"\napp_id = "{self.prefix}"\npartitions = 4\n')
        self.settings = load_settings(self.config)
        self.worker = None

    async def start(self) -> None:
        app, _ = build_role("processors", self.settings, CollectorRegistry())
        await declare_topics(self.settings, changelog_topics(app))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = open(self.config.with_suffix(".log"), "wb")
        self.worker = subprocess.Popen([sys.executable, "-m", "pantau.cli", "worker", "processors", "--config",
                                        str(self.config), "--port", str(port)], stdout=self.log,
                                       stderr=subprocess.STDOUT, cwd=REPO)
        specs = [StreamSpec(stream_id=f"bench-{i}", url="http://127.0.0.1/x.m3u8", seller_id=f"seller-{i % 50}")
                 for i in range(STREAMS)]
        await self.produce_raw([(f"{self.prefix}.streams", s.stream_id.encode(), s.dumps()) for s in specs])
        await self.wait_committed(["streams"], timeout=120)

    def stop(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.terminate()
            self.worker.wait(30)

    async def produce_raw(self, records) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5)
        await producer.start()
        try:
            for topic, key, value in records:
                await producer.send(topic, value, key=key)
            await producer.flush()
        finally:
            await producer.stop()

    async def wait_committed(self, roles, timeout: float) -> float:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await consumer.start()
        await admin.start()
        try:
            tps = [TopicPartition(f"{self.prefix}.{r}", p) for r in roles for p in range(4)]
            ends = await consumer.end_offsets(tps)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                committed = await admin.list_consumer_group_offsets(f"{self.prefix}-processors")
                if all((committed.get(tp).offset if committed.get(tp) else 0) >= end for tp, end in ends.items()):
                    return time.time()
                await asyncio.sleep(0.05)
            raise TimeoutError(f"worker did not commit {roles} within {timeout} s")
        finally:
            await consumer.stop()
            await admin.close()

    async def saturation(self, n: int, start: int) -> dict:
        t0 = time.time()
        await self.produce_raw([(f"{self.prefix}.offers", *offer_payload(start + i, time.time())) for i in range(n)])
        produced = time.time()
        done = await self.wait_committed(["offers"], timeout=600)
        return {"offers": n, "produce_seconds": round(produced - t0, 2), "seconds": round(done - t0, 2),
                "offers_per_second": round(n / (done - t0))}

    async def sustained(self, rate: int, seconds: float, start: int) -> dict:
        latencies: list[float] = []
        consumer = AIOKafkaConsumer(f"{self.prefix}.alerts", bootstrap_servers=self.bootstrap,
                                    auto_offset_reset="latest", group_id=None)
        await consumer.start()
        await asyncio.sleep(1.0)  # let the consumer get its positions at the end
        stop = asyncio.Event()

        async def read() -> None:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for messages in batches.values():
                    for m in messages:
                        alert = json.loads(m.value)
                        if alert["offer"]["offer_id"].startswith("bench-") and alert["last_seen"] > started:
                            latencies.append(now - alert["last_seen"])

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=1)
        await producer.start()
        started = time.time()
        reader = asyncio.create_task(read())
        total = int(rate * seconds)
        sent = 0
        tick = 0.01
        while sent < total:
            due = min(total, int((time.time() - started) * rate) + 1)
            while sent < due:
                key, value = offer_payload(start + sent, time.time())
                await producer.send(f"{self.prefix}.offers", value, key=key)
                sent += 1
            await asyncio.sleep(tick)
        await producer.flush()
        send_seconds = time.time() - started
        await self.wait_committed(["offers"], timeout=300)
        drained = time.time() - started
        await asyncio.sleep(1.0)
        stop.set()
        await reader
        await producer.stop()
        await consumer.stop()
        expected = sum(1 for i in range(total) if (start + i) % 10 == 0)
        return {"target_rate": rate, "offers": total, "achieved_send_rate": round(total / send_seconds),
                "drained_after_seconds": round(drained, 2), "alerts": len(latencies), "alerting_offers": expected,
                "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "max_ms": round(max(latencies) * 1000, 1) if latencies else None}


def embedded(n: int) -> dict:
    processor = Processor(RuleSettings())
    for i in range(STREAMS):
        processor.on_spec(StreamSpec(stream_id=f"bench-{i}", url="http://127.0.0.1/x.m3u8", seller_id=f"s{i % 50}"))
    payloads = [offer_payload(i, time.time())[1] for i in range(n)]
    latencies = []
    t0 = time.perf_counter()
    for payload in payloads:
        start = time.perf_counter()
        processor.on_offer(Offer.loads(payload))
        latencies.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - t0
    return {"offers": n, "offers_per_second": round(n / elapsed),
            "p50_ms": round(statistics.median(latencies) * 1000, 3),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 3)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=30_000, help="offers for the saturation and embedded runs")
    parser.add_argument("--rate", type=int, nargs="+", default=[5_000, 500],
                        help="offers per second in the sustained runs (the target, and one within capacity)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the sustained run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        run = Run(bootstrap(), Path(workdir))
        try:
            await run.start()
            saturation = await run.saturation(args.offers, start=0)
            sustained = []
            start = args.offers
            for rate in args.rate:
                sustained.append(await run.sustained(rate, args.seconds, start=start))
                start += int(rate * args.seconds)
        finally:
            run.stop()
    result = {"faust_worker": {"saturation": saturation, "sustained": sustained},
              "embedded": embedded(args.offers)}
    result["ratio_embedded_to_faust_throughput"] = round(
        result["embedded"]["offers_per_second"] / saturation["offers_per_second"], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
