"""`pantau demo`, `pantau run`, `pantau serve` and `pantau simulator`.

The demo starts the simulated live-shopping platform, attaches the embedded
pipeline to its rooms and serves the alert desk. With a duration it runs
headless and prints one JSON line scoring the alerts against the rooms' own
ground truth (which offers in their scripts are below cost).
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from aiohttp import web

from pantau.config import Settings
from pantau.errors import UserError
from pantau.records import StreamSpec

__all__ = ["run_demo", "run_streams", "serve_alerts", "run_simulator"]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use; choose another with --port") from None
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return runner


def _bound_port(runner: web.AppRunner) -> int:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server and server.sockets:
            return server.sockets[0].getsockname()[1]
    raise RuntimeError("site has no socket")


async def run_demo(settings: Settings, duration: Optional[float] = None) -> int:
    from collectors.simulator import SimulatorServer, score_alerts
    from pantau.runner import EmbeddedPipeline

    headless = duration is not None
    if duration is not None and duration <= 0:
        raise UserError("--duration must be a positive number of seconds")
    settings.server.open_desk = True
    with contextlib.ExitStack() as stack:
        if headless and not settings.store.url:
            # A headless run scores only its own alerts: give it a fresh store.
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pantau-demo-"))
            settings.store.url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        elif not settings.store.url:
            settings.data_path.mkdir(parents=True, exist_ok=True)
            settings.store.url = f"sqlite+aiosqlite:///{settings.data_path / 'demo.db'}"

        async with SimulatorServer() as simulator:
            specs = simulator.stream_specs()
            _say(f"simulator: {len(specs)} live rooms at {simulator.base_url}")
            pipeline = EmbeddedPipeline(settings)
            site = None
            try:
                _say("loading the speech model (first run assembles it, about a minute)...")
                started = time.monotonic()
                await pipeline.start(progress=lambda m: _say(f"  {m}"))
                _say(f"model ready in {time.monotonic() - started:.1f}s")
                site = await _start_site(pipeline.web_app(), settings.server.host, settings.server.port)
                port = _bound_port(site)
                _say(f"alert desk: http://{settings.server.host}:{port}/")
                _say(f"metrics:    http://{settings.server.host}:{port}/metrics")
                for spec in specs:
                    await pipeline.attach(spec)
                    _say(f"watching {spec.stream_id} ({spec.seller_name or spec.seller_id})")
                if headless:
                    await asyncio.sleep(duration)
                else:
                    _say("press Ctrl-C to stop")
                    await asyncio.Event().wait()
            finally:
                await pipeline.close()
                if site is not None:
                    await site.cleanup()
            stream_ids = [s.stream_id for s in specs]
            summary = pipeline.stats.summary(stream_ids)
            score = score_alerts(
                list(pipeline.stats.alerts.values()), simulator.ground_truth(), pipeline.stats.heard_until
            )
            summary.update(
                {
                    "precision": score.get("precision"),
                    "recall": score.get("recall"),
                    "true_positives": score.get("true_positives"),
                    "false_positives": score.get("false_positives"),
                }
            )
            if headless:
                print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


async def run_streams(settings: Settings, specs: list[StreamSpec]) -> int:
    from pantau.runner import EmbeddedPipeline

    pipeline = EmbeddedPipeline(settings)
    site = None
    try:
        _say("loading the speech model...")
        await pipeline.start(progress=lambda m: _say(f"  {m}"))
        site = await _start_site(pipeline.web_app(), settings.server.host, settings.server.port)
        _say(f"alert desk: http://{settings.server.host}:{_bound_port(site)}/")
        for spec in specs:
            await pipeline.attach(spec)
            _say(f"watching {spec.stream_id}: {spec.url}")
        await asyncio.Event().wait()
    finally:
        await pipeline.close()
        if site is not None:
            await site.cleanup()
    return 0


async def serve_alerts(settings: Settings) -> int:
    from alerts import AlertService, create_app
    from alerts.metrics import AlertMetrics
    from pantau import __version__
    from pantau.metrics import new_registry, register_build_info

    registry = new_registry()
    register_build_info(registry, "serve", __version__)
    service = AlertService(settings, metrics=AlertMetrics(registry))
    await service.start()
    site = None
    try:
        site = await _start_site(create_app(service, registry), settings.server.host, settings.server.port)
        _say(f"alert desk: http://{settings.server.host}:{_bound_port(site)}/")
        await asyncio.Event().wait()
    finally:
        if site is not None:
            await site.cleanup()
        await service.close()
    return 0


async def run_simulator(host: str, port: int) -> int:
    from collectors.simulator import SimulatorServer

    async with SimulatorServer(host=host, port=port) as simulator:
        for spec in simulator.stream_specs():
            print(f"{spec.stream_id}: {spec.url}  events: {spec.events_url}", flush=True)
        await asyncio.Event().wait()
    return 0
