"""Alembic environment of the postgres index store: its own version table beside the catalog's."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="index_store_version")
with context.begin_transaction():
    context.run_migrations()
