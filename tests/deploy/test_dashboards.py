"""Grafana provisioning and dashboards: well-formed, every panel on a
provisioned data source by its fixed uid, the committed JSON is what the
generator writes, and the alert-store panels' SQL runs on PostgreSQL."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import time

import pytest
import yaml

from series import DASHBOARD_FILES, DEPLOY

GRAFANA = DEPLOY / "grafana"


def provisioned_datasources() -> dict[str, str]:
    config = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "pantau.yml").read_text())
    return {ds["uid"]: ds["type"] for ds in config["datasources"]}


def load_generator():
    spec = importlib.util.spec_from_file_location("make_dashboards", GRAFANA / "make_dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_datasources_have_fixed_uids():
    assert provisioned_datasources() == {"pantau-prometheus": "prometheus",
                                         "pantau-postgres": "grafana-postgresql-datasource"}


def test_dashboard_provider_points_where_compose_mounts_the_dashboards():
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "pantau.yml").read_text())
    [entry] = provider["providers"]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{entry['options']['path']}:ro" in mounts


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.stem)
def test_dashboard_is_well_formed(path):
    board = json.loads(path.read_text())
    datasources = provisioned_datasources()
    assert board["uid"] == path.stem and board["title"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] in datasources, panel["title"]
        assert datasources[panel["datasource"]["uid"]] == panel["datasource"]["type"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], panel["title"]
            if panel["datasource"]["uid"] == "pantau-prometheus":
                assert target["expr"].strip(), panel["title"]
            else:
                assert target["rawSql"].strip() and target["format"] == "table", panel["title"]
    # No panel or query groups by a seller or stream: unbounded.
    text = path.read_text()
    assert not re.search(r"by \([^)]*(seller|stream)", text)


def test_committed_dashboards_are_what_the_generator_writes():
    generator = load_generator()
    for board in (generator.overview(), generator.operations()):
        committed = json.loads((GRAFANA / "dashboards" / f"{board['uid']}.json").read_text())
        assert committed == json.loads(json.dumps(board)), f"rerun deploy/grafana/make_dashboards.py ({board['uid']})"


def test_overview_covers_what_supervisors_asked_for():
    board = json.loads((GRAFANA / "dashboards" / "pantau-overview.json").read_text())
    titles = {p["title"] for p in board["panels"]}
    assert {"Streams watched", "Alerts by severity (per hour)", "Alerts by category and severity",
            "Top sellers by alerts", "Cases escalated (24 h)", "Escalated cases"} <= titles


def grafana_sql(query: str, start: float, end: float) -> str:
    """The SQL Grafana sends for the macros these panels use."""
    return query.replace("$__unixEpochFrom()", str(int(start))).replace("$__unixEpochTo()", str(int(end)))


@pytest.mark.postgres
async def test_alert_store_panels_query_postgresql():
    """Runs each panel's SQL on a real PostgreSQL holding the alert store's
    tables (alerts/schema.py): two sellers, one with more alerts and a case
    escalated, one alert dismissed."""
    url = os.environ.get("PANTAU_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PANTAU_TEST_POSTGRES_URL is not set (deploy/dev/postgres.sh starts PostgreSQL)")
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    from alerts import schema

    generator = load_generator()
    now = time.time()
    pg_schema = f"dash_{int(now * 1000)}"
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"CREATE SCHEMA {pg_schema}"))
            await conn.execute(sa.text(f"SET search_path TO {pg_schema}"))
            await conn.run_sync(schema.metadata.create_all)
            await conn.execute(schema.cases.insert(), [
                {"id": 1, "seller_id": "grosir-impor", "seller_name": "Grosir Impor Murah", "platform": "tiktok",
                 "status": "escalated", "opened_at": now - 600, "escalated_at": now - 60,
                 "escalation_reason": "pinned price agrees", "updated_at": now - 60}])
            rows = []
            for i, (seller, severity, rank, status, category) in enumerate([
                ("grosir-impor", "high", 3, "escalated", "tshirt"),
                ("grosir-impor", "critical", 4, "new", "shoes"),
                ("grosir-impor", "medium", 2, "acknowledged", "tshirt"),
                ("toko-lain", "low", 1, "new", None),
                ("toko-lain", "high", 3, "dismissed", "bag"),
            ]):
                rows.append({"alert_id": f"a{i}", "rule": "below_reference_cost", "severity": severity,
                             "severity_rank": rank, "confidence": 0.9, "status": status, "confirmed": False,
                             "stream_id": f"s-{seller}", "seller_id": seller, "platform": "tiktok",
                             "category": category, "unit_price_idr": 10_000, "reference_cost_idr": 30_000,
                             "count": i + 1, "first_seen": now - 300, "last_seen": now - 200,
                             "created_at": now - 300 + i, "updated_at": now - 200, "feed_seq": i + 1,
                             "case_id": 1 if seller == "grosir-impor" else None, "record": {}})
            await conn.execute(schema.alerts.insert(), rows)

            def run(name: str) -> list:
                return conn.execute(sa.text(grafana_sql(generator.SQL_QUERIES[name], now - 3600, now + 1)))

            top = (await run("top_sellers")).mappings().all()
            assert [(r["seller"], r["alerts"], r["worst_severity"], r["case"]) for r in top] == [
                ("grosir-impor", 3, "critical", "escalated"),
                ("toko-lain", 1, "low", "none"),
            ]
            by_category = {(r["category"], r["severity"]): r["alerts"]
                           for r in (await run("alerts_by_category")).mappings()}
            assert by_category == {("tshirt", "high"): 1, ("tshirt", "medium"): 1, ("shoes", "critical"): 1,
                                   ("unknown", "low"): 1}
            escalated = (await run("escalated_cases")).mappings().all()
            assert [(r["seller"], r["alerts"]) for r in escalated] == [("Grosir Impor Murah", 3)]
            # Outside the dashboard's time range, nothing.
            old = await conn.execute(sa.text(grafana_sql(generator.TOP_SELLERS_SQL, now - 7200, now - 3600)))
            assert old.all() == []
            await conn.execute(sa.text(f"DROP SCHEMA {pg_schema} CASCADE"))
    finally:
        await engine.dispose()
