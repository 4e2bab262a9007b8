"""Indexes for the desk's usual filter pairs (stream or seller with status, status with severity).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_alerts_stream_status": ["stream_id", "status", "id"],
    "ix_alerts_seller_status": ["seller_id", "status", "id"],
    "ix_alerts_status_severity": ["status", "severity", "id"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "alerts", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="alerts")
