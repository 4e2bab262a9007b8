"""Fixtures for the alert service's tests: both stores, a running desk, tokens, alerts.

Store tests run twice: on SQLite and on a real PostgreSQL. CI exports
PANTAU_TEST_POSTGRES_URL (deploy/dev/postgres.sh); without it a throwaway
cluster is started with Debian's initdb in a temp dir on a free port (as the
``postgres`` user when running as root). If neither works, the PostgreSQL
tests fail with the reason; they never skip silently. Each test gets its own
fresh database.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import asyncpg
from sqlalchemy.engine import make_url

ENV = "PANTAU_TEST_POSTGRES_URL"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_cluster():
    """Yield a postgresql+asyncpg URL of a new cluster; stop and remove it afterwards."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        raise RuntimeError(f"PostgreSQL tests need {ENV} or Debian's postgresql package (initdb not found)")
    bindir = os.path.dirname(bins[-1])
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = tempfile.mkdtemp(prefix="pantau-pg-")
    data = os.path.join(base, "data")
    if as_user:
        shutil.chown(base, "postgres")
    port = _free_port()
    run = lambda *cmd: subprocess.run(as_user + list(cmd), check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        run(f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w", "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start")
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(f"could not start a throwaway PostgreSQL ({exc}): {detail.decode(errors='replace')[-300:]}; "
                           f"set {ENV} instead") from None
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create_database(server_url: str) -> str:
    """A new empty database on the server; returns its SQLAlchemy URL."""
    name = "pantau_t_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(_asyncpg_dsn(server_url), timeout=30)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"', timeout=60)
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(server_url), timeout=30)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', timeout=60)
    finally:
        await conn.close()


# -- fixtures ---------------------------------------------------------------
import time as _time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from alerts import AlertService, create_app
from alerts.auth import new_token
from pantau.config import Settings
from pantau.records import Alert, Offer


async def _within(coro, what: str, seconds: float = 30.0) -> None:
    """Await a teardown step; if it hangs, fail with every task's stack instead of waiting forever."""
    import asyncio
    import io

    try:
        await asyncio.wait_for(asyncio.shield(coro), seconds)
    except asyncio.TimeoutError:
        report = io.StringIO()
        for task in asyncio.all_tasks():
            print(task, file=report)
            task.print_stack(file=report)
        pytest.fail(f"{what} took over {seconds:g}s; tasks:\n{report.getvalue()}")


@pytest.fixture(scope="session")
def postgres_server():
    url = os.environ.get(ENV)
    if url:
        yield url
        return
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'alerts.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = await create_database(server)
    yield url
    await drop_database(server, url)


@pytest.fixture
async def make_service(store_url):
    """Factory: a started AlertService on this test's store (closed afterwards)."""
    started = []

    async def make(open_desk: bool = False, **kwargs) -> AlertService:
        settings = Settings()
        settings.store.url = store_url
        settings.server.open_desk = open_desk
        service = AlertService(settings, **kwargs)
        await service.start()
        started.append(service)
        return service

    yield make
    for service in started:
        await _within(service.close(), "closing the alert service")


@pytest.fixture
async def make_client():
    """Factory: an HTTP client talking to create_app(service) on a real socket."""
    clients = []

    async def make(service: AlertService, registry: CollectorRegistry | None = None) -> TestClient:
        client = TestClient(TestServer(create_app(service, registry or CollectorRegistry())))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await _within(client.close(), "closing the test server")


async def issue_token(service: AlertService, role: str, name: str | None = None) -> str:
    async with service.engine.begin() as conn:
        _id, raw = await new_token(conn, role, name or f"{role}-user", "test")
    return raw


def make_alert(alert_id: str = "a-1", **overrides) -> Alert:
    offer_fields = {k[6:]: overrides.pop(k) for k in list(overrides) if k.startswith("offer_")}
    offer = Offer(**{"category": "tshirt", "product_text": "kaos polos", "price_idr": 10_000, "quantity": 1,
                     "unit_price_idr": 10_000, "stream_id": overrides.get("stream_id", "room-1"), "t0": 30.0,
                     "t1": 33.0, "text": "kaos polos cuma sepuluh ribu", **offer_fields})
    now = _time.time()
    fields = {"alert_id": alert_id, "rule": "below_reference_cost", "severity": "high", "confidence": 0.9,
              "stream_id": "room-1", "seller_id": "seller-1", "platform": "simulator", "category": "tshirt",
              "offer": offer, "reference_cost_idr": 35_000, "ratio": 0.29, "message": "below cost",
              "created_at": now, "first_seen": now, "last_seen": now, **overrides}
    return Alert(**fields)


@pytest.fixture
def alert_factory():
    """make_alert(alert_id, **fields, offer_<field>=...) -> Alert"""
    return make_alert


@pytest.fixture
def token_for():
    """await token_for(service, role) -> raw API token"""
    return issue_token
