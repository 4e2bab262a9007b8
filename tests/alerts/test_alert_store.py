"""The alert store on SQLite and PostgreSQL: upserts, filters, pagination, append-only audit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alerts import audit, store
from alerts.schema import metadata


async def test_resent_alert_updates_count_and_last_seen_without_duplicates(make_service, alert_factory):
    service = await make_service()
    first = alert_factory("a-1", first_seen=100.0, last_seen=100.0)
    await service.ingest_alert(first)
    again = alert_factory("a-1", first_seen=100.0, last_seen=160.0, severity="critical", count=2)
    view = await service.ingest_alert(again)
    assert view["count"] == 2
    assert view["last_seen"] == 160.0 and view["first_seen"] == 100.0
    assert view["severity"] == "critical"
    # A processor replaying after a worker died re-sends versions it sent
    # before: the count is the processor's, never added to.
    assert (await service.ingest_alert(again))["count"] == 2
    assert (await service.ingest_alert(first))["count"] == 2
    async with service.engine.connect() as conn:
        rows, _ = await store.list_alerts(conn, store.AlertFilter(), 50, None)
        kinds = [e["kind"] for e in await store.alert_events_of(conn, "a-1")]
    assert [r.alert_id for r in rows] == ["a-1"]
    assert kinds == ["created", "updated", "updated", "updated"]


async def test_filters_and_cursor_pagination_walk_every_alert_once(make_service, alert_factory):
    service = await make_service()
    severities = ["low", "medium", "high", "critical"]
    for i in range(23):
        await service.ingest_alert(alert_factory(
            f"a-{i:02d}", severity=severities[i % 4], seller_id=f"seller-{i % 3}", stream_id=f"room-{i % 2}",
            rule="cross_border_min_price" if i % 5 == 0 else "below_reference_cost"))
    async with service.engine.connect() as conn:
        seen, cursor = [], None
        while True:
            after = store.decode_cursor(cursor) if cursor else None
            rows, cursor = await store.list_alerts(conn, store.AlertFilter(), 5, after)
            seen += [r.alert_id for r in rows]
            if cursor is None:
                break
        assert seen == [f"a-{i:02d}" for i in reversed(range(23))]

        rows, _ = await store.list_alerts(conn, store.AlertFilter(severity=["high", "critical"], seller_id="seller-1"),
                                          50, None)
        expected = [f"a-{i:02d}" for i in reversed(range(23)) if i % 4 >= 2 and i % 3 == 1]
        assert [r.alert_id for r in rows] == expected

        rows, _ = await store.list_alerts(conn, store.AlertFilter(rule="cross_border_min_price", stream_id="room-0"),
                                          50, None)
        assert [r.alert_id for r in rows] == [f"a-{i:02d}" for i in reversed(range(23)) if i % 10 == 0]


async def test_time_range_filter(make_service, alert_factory):
    service = await make_service()
    await service.ingest_alert(alert_factory("early"))
    async with service.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE alerts SET created_at = 1000 WHERE alert_id = 'early'"))
    await service.ingest_alert(alert_factory("late"))
    async with service.engine.connect() as conn:
        rows, _ = await store.list_alerts(conn, store.AlertFilter(since=2000), 50, None)
        assert [r.alert_id for r in rows] == ["late"]
        rows, _ = await store.list_alerts(conn, store.AlertFilter(until=2000), 50, None)
        assert [r.alert_id for r in rows] == ["early"]


async def test_audit_log_refuses_update_and_delete(make_service):
    service = await make_service()
    async with service.engine.begin() as conn:
        await audit.append(conn, "op", "operator", "alert.acknowledge", "alert:x")
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with service.engine.begin() as conn:
                await conn.execute(sa.text(statement))
    async with service.engine.connect() as conn:
        entries = await audit.read(conn)
    assert [(e["actor"], e["action"]) for e in entries] == [("op", "alert.acknowledge")]


async def test_migrations_create_exactly_the_declared_schema(make_service):
    service = await make_service()

    def diff(sync_conn):
        return compare_metadata(MigrationContext.configure(sync_conn), metadata)

    async with service.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_hostile_identifiers_are_bound_parameters(make_service, alert_factory):
    service = await make_service()
    nasty = "x'; DROP TABLE alerts; --"
    await service.ingest_alert(alert_factory(nasty, seller_id=nasty))
    async with service.engine.connect() as conn:
        rows, _ = await store.list_alerts(conn, store.AlertFilter(seller_id=nasty), 50, None)
    assert [r.alert_id for r in rows] == [nasty]
