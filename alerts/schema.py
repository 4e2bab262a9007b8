"""The alert store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are Unix seconds (floats) so that both databases compare them the same
way. The migrations in ``alerts/migrations`` create exactly these tables; a
test compares the two so that they never drift apart.
"""
from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "streams", "alerts", "alert_events", "evidence", "cases", "case_events",
           "tokens", "sessions", "webhooks", "webhook_outbox", "audit_log", "SEVERITY_RANK", "STATUSES"]

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
STATUSES = ("new", "acknowledged", "dismissed", "escalated")

metadata = sa.MetaData()

streams = sa.Table(
    "streams", metadata,
    sa.Column("stream_id", sa.String(200), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("seller_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("seller_name", sa.String(300), nullable=False, server_default=""),
    sa.Column("events_url", sa.String(2000)),
    sa.Column("merchant_type", sa.String(40), nullable=False, server_default="domestic"),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("watched", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(200), nullable=False, unique=True),
    sa.Column("rule", sa.String(80), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("severity_rank", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("stream_id", sa.String(200), nullable=False),
    sa.Column("seller_id", sa.String(200), nullable=False),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("category", sa.String(80)),
    sa.Column("unit_price_idr", sa.BigInteger),
    sa.Column("reference_cost_idr", sa.BigInteger),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("first_seen", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # Global order of changes: the live feed's resume point.
    sa.Column("feed_seq", sa.BigInteger, nullable=False),
    sa.Column("case_id", sa.Integer),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Index("ix_alerts_feed_seq", "feed_seq"),
    sa.Index("ix_alerts_created", "created_at", "id"),
    sa.Index("ix_alerts_stream", "stream_id", "id"),
    sa.Index("ix_alerts_seller", "seller_id", "id"),
    sa.Index("ix_alerts_rule", "rule", "id"),
    sa.Index("ix_alerts_severity", "severity", "id"),
    sa.Index("ix_alerts_status", "status", "id"),
    sa.Index("ix_alerts_platform", "platform", "id"),
    sa.Index("ix_alerts_case", "case_id"),
    # The desk's usual pairs: what is new on this stream / from this seller / at this severity.
    sa.Index("ix_alerts_stream_status", "stream_id", "status", "id"),
    sa.Index("ix_alerts_seller_status", "seller_id", "status", "id"),
    sa.Index("ix_alerts_status_severity", "status", "severity", "id"),
)

alert_events = sa.Table(
    "alert_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reason", sa.String(2000), nullable=False, server_default=""),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("ix_alert_events_alert", "alert_id", "id"),
)

evidence = sa.Table(
    "evidence", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # audio | transcript | snapshot
    sa.Column("media_type", sa.String(80), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_evidence_alert", "alert_id"),
)

cases = sa.Table(
    "cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seller_id", sa.String(200), nullable=False, unique=True),
    sa.Column("seller_name", sa.String(300), nullable=False, server_default=""),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("merchant_type", sa.String(40), nullable=False, server_default="domestic"),
    sa.Column("status", sa.String(20), nullable=False),  # open | escalated
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("escalated_at", sa.Float),
    sa.Column("escalation_reason", sa.String(2000), nullable=False, server_default=""),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Each case event carries the hash of the one before it, so a bundle's chain
# of events shows if anything was removed or changed.
case_events = sa.Table(
    "case_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_case_events_case", "case_id", "id"),
)

tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("revoked_at", sa.Float),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("token_id", sa.Integer, nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

webhooks = sa.Table(
    "webhooks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("event_types", sa.JSON, nullable=False),
    sa.Column("format", sa.String(20), nullable=False),  # pantau | alertmanager
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

webhook_outbox = sa.Table(
    "webhook_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("webhook_id", sa.Integer, nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.String(500), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("target", sa.String(300), nullable=False, server_default=""),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("remote", sa.String(100), nullable=False, server_default=""),
)
