"""The postgres store's vector channel: pgvector HNSW answers the searches, `pg_ef_search` reaches it, and its
neighbours agree with an exact search."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from indexer.settings import IndexSettings
from indexer.stores.postgres import PgVectorIndex, vector_literal
from tests.indexer.postgres_harness import Cluster, cluster_fixture  # noqa: F401

pytestmark = pytest.mark.postgres

DIM = 32
ROWS = 3000


def clustered_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    """Unit vectors around 40 centres, like passages on a few topics (the hard case for a graph index)."""
    centres = rng.standard_normal((40, DIM))
    vectors = centres[rng.integers(0, len(centres), count)] + 0.6 * rng.standard_normal((count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def channel(cluster: Cluster, ef_search: int) -> PgVectorIndex:
    """The dense channel of a fresh database, alone: its rows' link to the catalog is dropped so that the test
    can fill it with vectors of no document (the workspace's tests cover the link)."""
    replica = cluster.replica("replica")
    cluster.sql("ALTER TABLE dense_vectors DROP CONSTRAINT dense_vectors_passage_id_fkey")
    settings = IndexSettings(pg_ef_search=ef_search)
    return PgVectorIndex(replica.workspace.engine, "dense", DIM, settings)


def test_hnsw_answers_and_finds_what_an_exact_search_finds(cluster: Cluster) -> None:
    rng = np.random.default_rng(11)
    vectors = clustered_vectors(rng, ROWS)
    index = channel(cluster, ef_search=200)
    ids = np.arange(1, ROWS + 1, dtype=np.int64)
    index.add(ids, vectors)
    assert len(index) == ROWS
    [[definition]] = cluster.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'dense_vectors_hnsw'")
    assert "USING hnsw (embedding halfvec_ip_ops)" in definition and "m='16'" in definition
    queries = clustered_vectors(rng, 30)
    # The planner walks the graph for the channel's query (ORDER BY inner product, LIMIT k).
    plan = cluster.sql(
        "EXPLAIN SELECT passage_id FROM dense_vectors ORDER BY embedding <#> CAST(%s AS halfvec) LIMIT 10",
        vector_literal(queries[0]),
    )
    assert "Index Scan using dense_vectors_hnsw" in " ".join(str(row[0]) for row in plan)
    stored = vectors.astype(np.float16).astype(np.float32)  # halfvec: what the server compares
    recall = []
    for query in queries:
        exact = set((ids[np.argsort(-(stored @ query))[:10]]).tolist())
        found = index.search(query, 10)
        assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)
        recall.append(len(exact & {passage_id for passage_id, _ in found}) / 10)
    assert np.mean(recall) >= 0.95


def test_ef_search_is_raised_to_k_so_a_deep_search_gets_all_it_asks_for(cluster: Cluster) -> None:
    """HNSW returns at most ef_search rows: with pgvector's default (40) a search for 150 would get 40."""
    rng = np.random.default_rng(12)
    index = channel(cluster, ef_search=5)
    index.add(np.arange(1, ROWS + 1, dtype=np.int64), clustered_vectors(rng, ROWS))
    query = clustered_vectors(rng, 1)[0]
    assert len(index.search(query, 150)) == 150
    assert len(index.search(query, 3)) == 3
    # The configured value holds for this search only: the session's own setting is untouched.
    with index.engine.connect() as connection:
        assert connection.execute(text("SHOW hnsw.ef_search")).scalar() == "40"


def test_similarities_are_the_stored_vectors_inner_products(cluster: Cluster) -> None:
    rng = np.random.default_rng(13)
    vectors = clustered_vectors(rng, 50)
    index = channel(cluster, ef_search=40)
    index.add(np.arange(1, 51, dtype=np.int64), vectors)
    query = clustered_vectors(rng, 1)[0]
    found = index.similarities(query, [3, 7, 7, 999])
    assert set(found) == {3, 7}  # 999 is not held
    for passage_id in (3, 7):
        assert found[passage_id] == pytest.approx(float(vectors[passage_id - 1] @ query), abs=2e-3)
    assert index.similarities(query, []) == {}
