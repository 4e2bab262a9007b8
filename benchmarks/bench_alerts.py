"""Alert service benchmark: live-feed delivery latency and filtered listing latency.

    python benchmarks/bench_alerts.py            # 500 subscribers, 100 alerts/s, 100,000 stored alerts
    python benchmarks/bench_alerts.py --short    # CI: fewer subscribers, rows and seconds

Runs on SQLite and, when PANTAU_TEST_POSTGRES_URL (or --postgres-url) is set, on
PostgreSQL. Baselines measured in the same run: delivery to 1 subscriber, and
the unfiltered newest page. The subscribers run in a second process (as remote
browsers would); latency is from the alert's arrival to its receipt by each
subscriber. Targets: p99 delivery < 1 s, p95 list < 50 ms. The server's CPU time
per alert (this process, while the feed leg runs) shows where the loop's time goes:
one subscriber's figure is the store and ingest, the rest of 500's is the fan-out.
The subscribers' process's CPU time (all of its run) is printed beside it: on a
2-core machine the two compete for the same cores.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from alerts import AlertService, create_app  # noqa: E402
from alerts.auth import new_token  # noqa: E402
from alerts.schema import SEVERITY_RANK, alerts as alerts_table  # noqa: E402
from pantau.config import Settings  # noqa: E402
from pantau.records import Alert, Offer  # noqa: E402

SEVERITIES = list(SEVERITY_RANK)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def make_alert(i: int, now: float) -> Alert:
    offer = Offer(category="tshirt", product_text="kaos", price_idr=10_000, unit_price_idr=10_000,
                  stream_id=f"room-{i % 20}", t0=0.0, t1=0.0, text="kaos sepuluh ribu")
    return Alert(alert_id=f"bench-{i}", rule="below_reference_cost", severity=SEVERITIES[i % 4], confidence=0.9,
                 stream_id=f"room-{i % 20}", seller_id=f"seller-{i % 50}", platform="simulator", category="tshirt",
                 offer=offer, reference_cost_idr=35_000, created_at=now, first_seen=now, last_seen=now)


async def serve(service: AlertService):
    runner = web.AppRunner(create_app(service, CollectorRegistry()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


def _subscribers_process(base: str, token: str, subscribers: int, expected: int, pipe) -> None:
    """Runs in its own process: the subscribers are other machines' browsers, not the server's loop."""

    async def main() -> list[float]:
        latencies: list[float] = []
        done = asyncio.Event()
        connected = [0]
        headers = {"Authorization": f"Bearer {token}"}

        async def subscriber(session: aiohttp.ClientSession) -> None:
            async with session.ws_connect(f"{base}/api/feed", headers=headers, max_msg_size=0, compress=0) as ws:
                connected[0] += 1
                if connected[0] == subscribers:
                    pipe.send("ready")
                async for msg in ws:
                    now = time.time()
                    frame = json.loads(msg.data)
                    for data in frame["messages"] if frame.get("type") == "batch" else [frame]:
                        if data.get("type") == "alert":
                            latencies.append(now - data["alert"]["first_seen"])
                    if len(latencies) >= expected:
                        done.set()

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            tasks = [asyncio.create_task(subscriber(session)) for _ in range(subscribers)]
            while not pipe.poll():
                await asyncio.sleep(0.1)
            pipe.recv()  # "sent": every alert is out; wait for the rest to arrive
            try:
                await asyncio.wait_for(done.wait(), 60)
            except asyncio.TimeoutError:
                pass
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return latencies

    latencies = asyncio.run(main())
    pipe.send((latencies, time.process_time()))


async def feed_latency(service: AlertService, base: str, token: str, subscribers: int, rate: float,
                       seconds: float) -> dict:
    total = int(rate * seconds)
    ingest: list[float] = []
    parent, child = multiprocessing.get_context("spawn").Pipe()
    proc = multiprocessing.get_context("spawn").Process(
        target=_subscribers_process, args=(base, token, subscribers, total * subscribers, child), daemon=True)
    proc.start()
    while not parent.poll():
        await asyncio.sleep(0.1)
    parent.recv()  # "ready"
    await asyncio.sleep(0.5)
    cpu_start = time.process_time()  # this process is the server (ingest, store, feed); the subscribers are not
    start = time.perf_counter()
    offset = random.randrange(10**9)

    async def arrive(i: int) -> None:
        t = time.perf_counter()
        await service.ingest_alert(make_alert(offset + i, time.time()))
        ingest.append(time.perf_counter() - t)

    # Alerts arrive on their own schedule, whatever the store's latency.
    arrivals = []
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        arrivals.append(asyncio.create_task(arrive(i)))
    await asyncio.gather(*arrivals)
    parent.send("sent")
    while not parent.poll():
        await asyncio.sleep(0.1)
    cpu = time.process_time() - cpu_start
    latencies, client_cpu = parent.recv()
    proc.join(10)
    return {"subscribers": subscribers, "alerts": total, "delivered": len(latencies),
            "expected": total * subscribers, "p50_s": pct(latencies, 0.5), "p99_s": pct(latencies, 0.99),
            "max_s": max(latencies) if latencies else float("nan"), "ingest_p50_ms": 1000 * pct(ingest, 0.5),
            "ingest_p99_ms": 1000 * pct(ingest, 0.99), "server_cpu_ms_per_alert": 1000 * cpu / total,
            "client_cpu_ms_per_alert": 1000 * client_cpu / total}


async def fill(service: AlertService, rows: int) -> None:
    now = time.time()
    batch = []
    async with service.engine.begin() as conn:
        for i in range(rows):
            t = now - (rows - i)
            sev = SEVERITIES[i % 4]
            batch.append(dict(
                alert_id=f"fill-{i}", rule="below_reference_cost" if i % 7 else "cross_border_min_price",
                severity=sev, severity_rank=SEVERITY_RANK[sev], confidence=0.8, status=("new", "acknowledged",
                                                                                         "dismissed", "escalated")[i % 4],
                confirmed=False, stream_id=f"room-{i % 200}", seller_id=f"seller-{i % 1000}",
                platform=("tiktok", "shopee", "youtube", "simulator")[i % 4], category="tshirt",
                unit_price_idr=10_000, reference_cost_idr=35_000, count=1, first_seen=t, last_seen=t, created_at=t,
                updated_at=t, feed_seq=0, case_id=None,
                record={"offer": {"product_text": "kaos", "price_idr": 10_000}, "message": "below cost"}))
            if len(batch) == 5000:
                await conn.execute(alerts_table.insert(), batch)
                batch = []
        if batch:
            await conn.execute(alerts_table.insert(), batch)
    # A store in service has planner statistics (autovacuum, PRAGMA optimize); give the fresh one its own.
    async with service.engine.begin() as conn:
        await conn.execute(sa.text("ANALYZE"))


async def list_latency(base: str, token: str, requests: int) -> dict:
    now = time.time()
    queries = {
        "newest page (baseline)": "",
        "severity=high,critical": "severity=high,critical",
        "seller": "seller=seller-417",
        "stream+status": "stream=room-17&status=new",
        "platform+rule": "platform=tiktok&rule=cross_border_min_price",
        "time range 1h": f"since={now - 3600}&until={now}",
    }
    out = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        for name, query in queries.items():
            times = []
            for _ in range(requests):
                t = time.perf_counter()
                async with session.get(f"{base}/api/alerts?limit=50&{query}", headers=headers) as resp:
                    assert resp.status == 200, await resp.text()
                    await resp.read()
                times.append(time.perf_counter() - t)
            out[name] = {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * pct(times, 0.95)}
    return out


async def run_store(label: str, url: str, args) -> None:
    settings = Settings()
    settings.store.url = url
    service = AlertService(settings)
    await service.start()
    runner, base = await serve(service)
    try:
        async with service.engine.begin() as conn:
            _, token = await new_token(conn, "admin", "bench", "bench")
        started = time.perf_counter()
        await fill(service, args.rows)
        print(f"[{label}] stored {args.rows} alerts in {time.perf_counter() - started:.1f}s", flush=True)
        listing = await list_latency(base, token, args.requests)
        baseline = listing["newest page (baseline)"]["p95_ms"]
        for name, r in listing.items():
            verdict = "ok" if r["p95_ms"] < 50 else "OVER TARGET"
            print(f"[{label}] list {name:<24} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                  f"x{r['p95_ms'] / baseline:4.2f} of baseline  (target p95 < 50 ms: {verdict})", flush=True)
        one = await feed_latency(service, base, token, 1, args.rate, args.seconds)
        many = await feed_latency(service, base, token, args.subscribers, args.rate, args.seconds)
        for r in (one, many):
            verdict = "ok" if r["p99_s"] < 1.0 else "OVER TARGET"
            print(f"[{label}] feed {r['subscribers']:>4} subscribers @ {args.rate:g}/s: delivered "
                  f"{r['delivered']}/{r['expected']}  p50 {1000 * r['p50_s']:.1f} ms  p99 {1000 * r['p99_s']:.1f} ms  "
                  f"max {1000 * r['max_s']:.1f} ms  (target p99 < 1 s: {verdict}); ingest p50 {r['ingest_p50_ms']:.1f} ms "
                  f"p99 {r['ingest_p99_ms']:.1f} ms; server CPU {r['server_cpu_ms_per_alert']:.1f} ms per alert "
                  f"(subscribers' process: {r['client_cpu_ms_per_alert']:.1f} ms)", flush=True)
        print(f"[{label}] feed p99 ratio {args.subscribers} vs 1 subscriber: x{many['p99_s'] / one['p99_s']:.1f}",
              flush=True)
    finally:
        await runner.cleanup()
        await service.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI size: 100 subscribers, 10,000 rows, 3 s")
    parser.add_argument("--subscribers", type=int)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--postgres-url", default=os.environ.get("PANTAU_TEST_POSTGRES_URL", ""))
    parser.add_argument("--stores", default="sqlite,postgresql", help="which stores to measure")
    args = parser.parse_args()
    args.subscribers = args.subscribers or (100 if args.short else 500)
    args.seconds = args.seconds or (3.0 if args.short else 10.0)
    args.rows = args.rows or (10_000 if args.short else 100_000)
    print(f"alerts benchmark: {args.subscribers} subscribers, {args.rate:g} alerts/s for {args.seconds:g}s, "
          f"{args.rows} stored alerts, {os.cpu_count()} CPUs", flush=True)
    stores = set(args.stores.split(","))
    if "sqlite" in stores:
        with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
            await run_store("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", args)
    if "postgresql" not in stores:
        pass
    elif args.postgres_url:
        server = make_url(args.postgres_url)
        name = "pantau_bench_" + uuid.uuid4().hex[:8]
        dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
        admin = await asyncpg.connect(dsn)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await run_store("postgresql", server.set(database=name).render_as_string(hide_password=False), args)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    else:
        print("[postgresql] not run: set PANTAU_TEST_POSTGRES_URL or --postgres-url", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
