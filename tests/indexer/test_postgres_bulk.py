"""Bulk loads into the postgres store: rows arrive by COPY, a load that outgrows the HNSW graph drops it and
builds it again in one pass before its documents are published; searches stay right meanwhile, and a writer
killed half-way leaves documents whole or gone and a graph the next writer builds again.

Real processes where the test says: a child adds real PDFs and is killed with SIGKILL.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import numpy as np
import pytest

from indexer.check import check_workspace, diagnose
from indexer.settings import IndexSettings
from indexer.stores import postgres
from indexer.stores.postgres import PgVectorIndex, vector_literal
from tests.indexer.postgres_harness import Cluster, cluster_fixture, fresh_database  # noqa: F401
from tests.indexer.test_postgres_vectors import DIM, clustered_vectors
from tests.indexer.test_postgres_writers import child

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Corpus

pytestmark = pytest.mark.postgres

ROWS = 3000


def graphs(cluster: Cluster) -> set[str]:
    return {name for [name] in cluster.sql("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%hnsw'")}


def lone_channels(cluster: Cluster) -> tuple[PgVectorIndex, PgVectorIndex]:
    """Both vector channels of a fresh database, alone (their link to the catalog dropped, so that the test
    can fill them with vectors of no document)."""
    replica = cluster.replica("replica")
    for name in ("dense", "deep"):
        cluster.sql(f"ALTER TABLE {name}_vectors DROP CONSTRAINT {name}_vectors_passage_id_fkey")
    settings = IndexSettings(pg_ef_search=200)
    engine = replica.workspace.engine
    return PgVectorIndex(engine, "dense", DIM, settings), PgVectorIndex(engine, "deep", DIM, settings)


def exact(cluster: Cluster, table: str, query: np.ndarray) -> list[int]:
    """The true neighbours: ordered by an expression the graph cannot answer, so the table is scanned."""
    rows = cluster.sql(
        f"SELECT passage_id FROM {table} "
        "ORDER BY (embedding <#> CAST(%s AS halfvec)) + 0, passage_id LIMIT 10",
        vector_literal(query),
    )
    return [int(passage_id) for [passage_id] in rows]


def test_a_bulk_load_defers_the_graph_and_searches_stay_exact_until_it_is_built(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "DEFER_INDEX_MIN_ROWS", 1000)
    bulk, kept = lone_channels(cluster)
    rng = np.random.default_rng(21)
    vectors = clustered_vectors(rng, ROWS)
    ids = np.arange(1, ROWS + 1, dtype=np.int64)
    queries = clustered_vectors(rng, 30)
    # The same rows, in the same batches: one channel below the threshold (a save after every batch keeps
    # each load small), the other as one load.
    for start in range(0, ROWS, 300):
        kept.add(ids[start : start + 300], vectors[start : start + 300])
        kept.save()
        assert not kept.deferred
        bulk.add(ids[start : start + 300], vectors[start : start + 300])
        assert bulk.deferred == (start + 300 >= 1000)
    assert graphs(cluster) == {"deep_vectors_hnsw"}
    assert len(bulk) == ROWS
    # Without its graph the channel scans the table: exactly the true neighbours, in order.
    for query in queries[:10]:
        assert [passage_id for passage_id, _ in bulk.search(query, 10)] == exact(
            cluster, "dense_vectors", query
        )
    bulk.save()
    assert not bulk.deferred and graphs(cluster) == {"dense_vectors_hnsw", "deep_vectors_hnsw"}
    plan = cluster.sql(
        "EXPLAIN SELECT passage_id FROM dense_vectors ORDER BY embedding <#> CAST(%s AS halfvec) LIMIT 10",
        vector_literal(queries[0]),
    )
    assert "Index Scan using dense_vectors_hnsw" in " ".join(str(row[0]) for row in plan)
    # The graph built in one pass finds what the graph kept up row by row finds, and what exact search finds.
    agree, recall = [], []
    for query in queries:
        found = [passage_id for passage_id, _ in bulk.search(query, 10)]
        agree.append(len(set(found) & {passage_id for passage_id, _ in kept.search(query, 10)}) / 10)
        recall.append(len(set(found) & set(exact(cluster, "dense_vectors", query))) / 10)
    assert np.mean(agree) >= 0.95 and np.mean(recall) >= 0.95


def test_a_bulk_load_replaces_the_vectors_of_ids_already_held(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "DEFER_INDEX_MIN_ROWS", 100)
    bulk, _ = lone_channels(cluster)
    rng = np.random.default_rng(22)
    first, second = clustered_vectors(rng, 200), clustered_vectors(rng, 200)
    ids = np.arange(1, 201, dtype=np.int64)
    bulk.add(ids, first)
    bulk.add(ids[50:], second[50:])  # ids 51..200 again, with other vectors: through the staging table
    bulk.save()
    assert len(bulk) == 200
    stored = bulk.similarities(second[120], [int(i) for i in ids])
    assert stored[121] == pytest.approx(float(second[120] @ second[120]), abs=2e-3)
    assert stored[10] == pytest.approx(float(first[9] @ second[120]), abs=2e-3)
    with pytest.raises(ValueError, match="vectors of shape"):
        bulk.add(ids[:3], first[:2])


def top_pages(assistant: object, questions: list[str]) -> list[list[tuple[str, int]]]:
    return [
        [(hit.document.filename, hit.page) for hit in assistant.search(question, k=5)]  # type: ignore[attr-defined]
        for question in questions
    ]


QUESTIONS = [
    "How often should I descale the coffee machine?",
    "How do I empty the dust container of the vacuum cleaner?",
    "Как очистить фильтр пылесоса?",
    "What does the red light mean?",
]


def test_documents_loaded_in_bulk_are_found_as_those_added_one_by_one(
    cluster: Cluster, corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path through `add`: every document's vectors defer the graph (threshold 1 row), the graph is
    built when the batch is published, and the answers are those of a database that kept its graph."""
    files = [corpus.vacuum_en, corpus.coffee_en, corpus.vacuum_ru, corpus.settings_en.path]
    with fresh_database() as url:
        kept = Cluster(url, tmp_path / "kept-shared", tmp_path / "kept")
        try:
            kept.replica("one").add(files)
            expected = top_pages(kept.opened[0], QUESTIONS)
        finally:
            for assistant in kept.opened:
                assistant.close()
    monkeypatch.setattr(postgres, "DEFER_INDEX_MIN_ROWS", 1)
    monkeypatch.setattr(postgres, "DEFER_INDEX_SHARE", 0.0)
    replica = cluster.replica("bulk")
    replica.add(files)
    assert graphs(cluster) == {"dense_vectors_hnsw"}  # deep is off in the cluster's replicas
    assert top_pages(replica, QUESTIONS) == expected
    assert check_workspace(replica.workspace).consistent


KILLED_IN_A_BULK_LOAD = """
    import os, signal, sys
    from assistant import Assistant
    from indexer.stores import postgres

    with Assistant(sys.argv[1], background_enrichment=False) as assistant:
        assistant.add([sys.argv[2]])
        postgres.DEFER_INDEX_MIN_ROWS, postgres.DEFER_INDEX_SHARE = 1, 0.0
        die = lambda *_, **__: os.kill(os.getpid(), signal.SIGKILL)
        if sys.argv[4] == "copy":
            # In the vectors' COPY transaction, the graph dropped in it: nothing of it is committed.
            copy_into = postgres.copy_into
            postgres.copy_into = lambda connection, statement, payload: (
                copy_into(connection, statement, payload), statement.startswith("COPY dense") and die()
            )
        else:
            # Rows and vectors committed, the graph dropped, the document not yet published.
            postgres.build_graph = die
        assistant.add([sys.argv[3]])
"""


@pytest.mark.parametrize("moment", ["copy", "build"])
def test_a_writer_killed_in_a_bulk_load_leaves_documents_whole_or_gone_and_the_graph_rebuilt(
    cluster: Cluster, corpus: Corpus, moment: str
) -> None:
    killed = child(
        cluster,
        KILLED_IN_A_BULK_LOAD,
        str(cluster.home / "killed"),
        str(corpus.vacuum_en),
        str(corpus.coffee_en),
        moment,
    )
    out, err = killed.communicate(input="", timeout=600)
    assert killed.returncode == -signal.SIGKILL, out + err
    if moment == "build":
        # The dead writer's graph is gone, its rows are there (unpublished).
        assert graphs(cluster) == set()
        [[held]] = cluster.sql("SELECT count(*) FROM dense_vectors")
        assert held > 0
    # A replica that opens now finishes the dead writer's work: its document gone, the graph built again.
    opened = cluster.replica("later")
    assert graphs(cluster) == {"dense_vectors_hnsw"}
    assert [record.filename for record in opened.documents()] == ["vacuum_en.pdf"]
    report = check_workspace(opened.workspace)
    assert report.consistent, report.summary()
    [[orphans]] = cluster.sql(
        "SELECT count(*) FROM dense_vectors v JOIN passages p ON p.id = v.passage_id "
        "JOIN documents d ON d.id = p.document_id WHERE d.status <> 'ready'"
    )
    assert orphans == 0
    [added] = opened.add([corpus.coffee_en])
    [hit, *_] = opened.search("How often should I descale the coffee machine?")
    assert hit.document.id == added.id


def test_a_bulk_writer_that_never_saves_still_lets_go_with_its_graph_built(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path that adds vectors under the lock without publishing (a repair, a refill) must not leave the
    channel without its graph for the searches that follow."""
    monkeypatch.setattr(postgres, "DEFER_INDEX_MIN_ROWS", 100)
    workspace = cluster.replica("writer").workspace
    cluster.sql("ALTER TABLE dense_vectors DROP CONSTRAINT dense_vectors_passage_id_fkey")
    dense = workspace.dense
    assert isinstance(dense, PgVectorIndex)
    rng = np.random.default_rng(23)
    vectors = rng.standard_normal((300, dense.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with workspace.writing():
        dense.add(np.arange(1, 301, dtype=np.int64), vectors)
        assert dense.deferred and graphs(cluster) == set()
    assert not dense.deferred and graphs(cluster) == {"dense_vectors_hnsw"}
    [(best, score)] = dense.search(vectors[41], 1)
    assert best == 42 and score == pytest.approx(1.0, abs=2e-3)


def test_check_reports_a_missing_graph_and_repair_builds_it(cluster: Cluster, corpus: Corpus) -> None:
    replica = cluster.replica("operator")
    replica.add([corpus.vacuum_en, corpus.coffee_en])
    question = "how often should the dust bag be changed"
    before = [hit.key for hit in replica.search(question)]
    # What a bulk writer cut short leaves (its rows are fine, its graph was dropped and never built).
    cluster.sql("DROP INDEX dense_vectors_hnsw")
    # Looked at without the write lock (a writer taking the lock would build the graph when it lets go).
    found = diagnose(replica.workspace)
    assert found.unbuilt_graphs == ["dense"]
    assert not found.consistent
    assert any("dense: no HNSW graph" in line for line in found.problems())
    assert found.to_dict()["unbuilt_graphs"] == ["dense"]
    # Searches stay right meanwhile: the channel scans its table.
    assert [hit.key for hit in replica.search(question)] == before
    report = check_workspace(replica.workspace, repair=True)
    assert report.consistent, report.summary()
    assert any(action.startswith("built the HNSW graph of dense") for action in report.repaired)
    assert "dense_vectors_hnsw" in graphs(cluster)
    assert [hit.key for hit in replica.search(question)] == before
