"""Originals stored relative to the workspace; publication counts of the index files.

A catalog of 0001 held absolute paths to originals, so a copied workspace deleted the files of the
one it was copied from, and a moved one could no longer render pages. `index_generations` lets
every process see, with one query, that another one published an index file it should reload.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from indexer.catalog import INDEXES, relative_original

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    generations = op.create_table(
        "index_generations",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.bulk_insert(generations, [{"name": name, "value": 0} for name in INDEXES])
    documents = sa.table("documents", sa.column("id", sa.Integer), sa.column("stored_path", sa.String))
    bind = op.get_bind()
    for document_id, stored in bind.execute(sa.select(documents.c.id, documents.c.stored_path)).all():
        relative = relative_original(stored)
        if relative != stored:
            bind.execute(documents.update().where(documents.c.id == document_id).values(stored_path=relative))


def downgrade() -> None:
    # The paths stay relative: 0001 code cannot know where the workspace is. Open it from inside.
    op.drop_table("index_generations")
