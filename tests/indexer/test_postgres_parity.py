"""The postgres index store ranks like the local one: the same BM25 scores and IDF from PostgreSQL as from
SQLite FTS5, the same nearest passages from pgvector as from FAISS, the same pages after fusion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from assistant.retrieval import Retriever
from indexer.language import search_tokens
from indexer.records import PassageRecord
from indexer.stores.postgres import MAX_LEXEME_BYTES, lexical_terms, tsvector_literal
from indexer.workspace import Workspace
from tests.indexer.postgres_harness import Cluster, cluster_fixture  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus

pytestmark = pytest.mark.postgres

QUESTIONS = [
    "How often should I replace the dust bag?",
    "How long does the battery take to charge?",
    "How often should I descale the coffee machine?",
    "What happens if the bag is full?",
    "When does the robot need the charging station?",
    "Auto shut-off after how many minutes?",
    "What is the pairing code of the network?",
    "Как часто менять мешок для пыли?",
    "Какая мощность всасывания?",
    "Offset layer dialog",
    "Which option is marked in red?",
    "voltage of model VC-2000",
]

Key = tuple[str, int, str]


def key(record: PassageRecord) -> Key:
    """A passage as both catalogs know it (their ids need not agree)."""
    return (record.document.filename, record.page, record.text)


def keyed(workspace: Workspace, found: list[tuple[int, float]]) -> list[tuple[Key, float]]:
    records = workspace.passages([passage_id for passage_id, _ in found])
    return [(key(records[passage_id]), score) for passage_id, score in found if passage_id in records]


def _keys(workspace: Workspace) -> dict[int, Key]:
    ids = [int(i) for i in workspace.dense.ids()]
    return {passage_id: key(record) for passage_id, record in workspace.passages(ids).items()}


@pytest.fixture
def both(cluster: Cluster, corpus: Corpus, tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    files = [path for path in corpus.good_files() if path.suffix in (".pdf", ".png")]
    local = Workspace(tmp_path / "local", deep_embedder="off")
    shared = Workspace(tmp_path / "postgres", **cluster.settings())
    for workspace in (local, shared):
        report = workspace.add(files)
        assert not report.failures and len(report.added) == len(files)
    yield local, shared
    local.close()
    shared.close()


def test_both_stores_score_rank_and_fuse_alike(both: tuple[Workspace, Workspace]) -> None:
    local, shared = both
    assert local.counts() == shared.counts()
    assert len(local.lexical) == len(shared.lexical)
    for question in QUESTIONS:
        # Lexical: every match, with the same BM25 score (FTS5's formula, recomputed in SQL).
        expected = dict(keyed(local, local.lexical.search(question, 1000)))
        found = dict(keyed(shared, shared.lexical.search(question, 1000)))
        assert found.keys() == expected.keys(), question
        for passage, score in expected.items():
            assert found[passage] == pytest.approx(score, rel=1e-9), (question, passage)
        terms = sorted(set(search_tokens(question, drop_stopwords=True)))
        assert shared.lexical.idf(terms) == pytest.approx(local.lexical.idf(terms), rel=1e-12), question
        # Dense: the same neighbours; at each rank the same similarity (16-bit floats in both stores).
        vector = local.embedder.embed_queries([question])[0]
        nearest = keyed(local, local.dense.search(vector, 10))
        approximate = keyed(shared, shared.dense.search(vector, 10))
        assert [score for _, score in approximate] == pytest.approx([s for _, s in nearest], abs=2e-3)
        assert approximate[0][0] == nearest[0][0], question
        # The reader's rerank weighs every passage of the top pages by its stored vector: the same weights.
        local_ids = {key: pid for pid, key in _keys(local).items()}
        shared_ids = {key: pid for pid, key in _keys(shared).items()}
        wanted = sorted(local_ids.keys() & shared_ids.keys())[:40]
        weights = local.dense.similarities(vector, [local_ids[k] for k in wanted])
        served = shared.dense.similarities(vector, [shared_ids[k] for k in wanted] + [10**9])
        assert len(wanted) == 40 and len(served) == len(weights) == 40  # an id not held is left out
        for passage in wanted:
            assert served[shared_ids[passage]] == pytest.approx(weights[local_ids[passage]], abs=2e-3)
        # Fused: the same pages in the same order.
        pages = [(hit.document.filename, hit.page) for hit in Retriever(local).search(question, k=3)]
        assert [(hit.document.filename, hit.page) for hit in Retriever(shared).search(question, k=3)] == pages


def test_hostile_terms_are_stored_and_queried_literally(cluster: Cluster) -> None:
    text_ = "Don't press 'OK' \\ a:b | c & !d (e) <-> f:* ёлка snake_case_name " + "x" * 3000 + " x x"
    terms = lexical_terms(text_)
    assert "snake" in terms and "case" in terms and "snake_case_name" not in terms
    replica = cluster.replica("replica")
    with replica.workspace.engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("SELECT lexeme, cardinality(positions) FROM unnest(CAST(:v AS tsvector))"),
                {"v": tsvector_literal(terms)},
            ).all()
        )
    assert stored == {
        term: terms.count(term) for term in set(terms) if len(term.encode()) <= MAX_LEXEME_BYTES
    }
    for question in ("' | '", "a' & !'b", "\\", "f:*", "x" * 5000, "OR AND NOT", "''"):
        assert replica.workspace.lexical.search(question, 5) == []
