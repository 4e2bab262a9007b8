"""Alembic environment: runs on the connection the alert store hands over.

Users never need an alembic.ini; ``alerts.migrate.upgrade`` configures
Alembic in code and passes its open connection in ``config.attributes``.
"""
from alembic import context

from alerts.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
