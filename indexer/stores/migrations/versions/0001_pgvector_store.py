"""The postgres index store: vector channels (pgvector), lexical rows with their term statistics, state.

The vector columns are created untyped: their width is the embedder's, which the first process that
knows it sets (`PgVectorIndex._ensure_typed`), building the HNSW index at the same time. Every store
table hangs off `passages` with ON DELETE CASCADE, so no index row can outlive its passage.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Term statistics follow the rows in the same statement (a cascade from the catalog included): one
# function for the three statement triggers, each with the transition tables its event has.
COUNT_TERMS = """
CREATE FUNCTION lexical_count_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE lexical_terms AS t SET documents = t.documents - r.n
        FROM (SELECT lexeme, count(*) AS n
              FROM removed_rows, unnest(tsvector_to_array(removed_rows.terms)) AS lexeme
              GROUP BY lexeme) AS r
        WHERE t.term = r.lexeme;
        DELETE FROM lexical_terms AS t
        USING (SELECT DISTINCT lexeme
               FROM removed_rows, unnest(tsvector_to_array(removed_rows.terms)) AS lexeme) AS r
        WHERE t.term = r.lexeme AND t.documents <= 0;
        UPDATE lexical_totals
        SET passages = lexical_totals.passages - s.n, tokens = lexical_totals.tokens - s.length
        FROM (SELECT count(*) AS n, coalesce(sum(length), 0) AS length FROM removed_rows) AS s
        WHERE lexical_totals.id = 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO lexical_terms AS t (term, documents)
        SELECT lexeme, count(*)
        FROM added_rows, unnest(tsvector_to_array(added_rows.terms)) AS lexeme
        GROUP BY lexeme
        ON CONFLICT (term) DO UPDATE SET documents = t.documents + EXCLUDED.documents;
        UPDATE lexical_totals
        SET passages = lexical_totals.passages + s.n, tokens = lexical_totals.tokens + s.length
        FROM (SELECT count(*) AS n, coalesce(sum(length), 0) AS length FROM added_rows) AS s
        WHERE lexical_totals.id = 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "store_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    store_id = op.get_context().config.attributes["store_id"]  # type: ignore[union-attr]
    op.execute(
        sa.text("INSERT INTO store_state (key, value) VALUES ('store_id', :id)").bindparams(id=store_id)
    )
    for name in ("dense", "deep"):
        op.execute(
            f"CREATE TABLE {name}_vectors ("
            " passage_id integer PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,"
            " embedding halfvec NOT NULL)"
        )
    op.execute(
        "CREATE TABLE lexical_passages ("
        " passage_id integer PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,"
        " terms tsvector NOT NULL,"
        " length integer NOT NULL)"
    )
    op.execute("CREATE INDEX lexical_passages_terms ON lexical_passages USING gin (terms)")
    op.create_table(
        "lexical_terms",
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("documents", sa.Integer, nullable=False),
    )
    op.execute(
        "CREATE TABLE lexical_totals ("
        " id integer PRIMARY KEY CHECK (id = 1),"
        " passages bigint NOT NULL,"
        " tokens bigint NOT NULL)"
    )
    op.execute("INSERT INTO lexical_totals (id, passages, tokens) VALUES (1, 0, 0)")
    op.execute(COUNT_TERMS)
    for event, tables in (
        ("INSERT", "NEW TABLE AS added_rows"),
        ("DELETE", "OLD TABLE AS removed_rows"),
        ("UPDATE", "OLD TABLE AS removed_rows NEW TABLE AS added_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER lexical_count_{event.lower()} AFTER {event} ON lexical_passages "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION lexical_count_terms()"
        )


def downgrade() -> None:
    for table in (
        "lexical_totals",
        "lexical_terms",
        "lexical_passages",
        "deep_vectors",
        "dense_vectors",
        "store_state",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP FUNCTION IF EXISTS lexical_count_terms()")
