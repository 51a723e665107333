"""Replicas of the postgres index store: two `Assistant`s on different directories, one database, one
shared store. What one adds or deletes the other serves at once, with nothing of the corpus in its own
directory; settings the corpus shares live in the database; misconfiguration names what to set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from assistant.payloads import UnknownDocumentError
from indexer.check import check_workspace
from indexer.errors import CatalogUnavailable, WorkspaceError
from indexer.workspace import Workspace
from tests.indexer.postgres_harness import Cluster, cluster_fixture, fresh_database  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus

pytestmark = pytest.mark.postgres

DESCALE = "How often should I descale the coffee machine?"


def test_what_one_replica_adds_and_deletes_the_other_serves_at_once(cluster: Cluster, corpus: Corpus) -> None:
    writer, reader = cluster.replica("writer"), cluster.replica("reader")
    assert reader.search(DESCALE) == []
    added = writer.add([corpus.vacuum_en, corpus.coffee_en, corpus.settings_ru.path])
    coffee = next(record for record in added if record.filename == "coffee_en.pdf")
    assert {record.filename for record in reader.documents()} == {
        path.name for path in (corpus.vacuum_en, corpus.coffee_en, corpus.settings_ru.path)
    }
    [hit, *_] = reader.search(DESCALE)
    assert (hit.document.filename, hit.page) == ("coffee_en.pdf", 2)
    assert {"dense", "lexical"} <= {channel for evidence in hit.passages for channel in evidence.ranks}
    answer = reader.ask(DESCALE)
    assert answer.found and "three months" in answer.text
    [citation, *_] = answer.citations
    assert (citation.document.id, citation.page) == (coffee.id, 2)
    [russian, *_] = reader.search("Какая мощность всасывания?")
    assert russian.document.filename == corpus.settings_ru.path.name

    # The reader renders the page from the original in the shared store, into the shared store.
    shutil.rmtree(cluster.shared / "pages", ignore_errors=True)
    image_path = reader.page_image(coffee.id, 2)
    assert image_path.is_relative_to(cluster.shared / "pages")
    page = reader.workspace.page_passages(coffee.id, 2)[0]
    with Image.open(image_path) as image:
        assert image.size == (page.page_width, page.page_height)
        x0, y0, x1, y1 = citation.bbox
        assert 0 <= x0 < x1 <= image.size[0] and 0 <= y0 < y1 <= image.size[1]
    # Nothing of the corpus lives in a replica's own directory.
    for name in ("writer", "reader"):
        assert sorted(path.name for path in (cluster.home / name).iterdir()) == ["config.json"]

    writer.delete(coffee.id)
    assert "coffee_en.pdf" not in {record.filename for record in reader.documents()}
    assert all(hit.document.id != coffee.id for hit in reader.search(DESCALE))
    assert all(citation.document.id != coffee.id for citation in reader.ask(DESCALE).citations)
    with pytest.raises(UnknownDocumentError):
        reader.page_image(coffee.id, 2)
    assert not (cluster.shared / "pages" / str(coffee.id)).exists()
    assert len(list((cluster.shared / "originals").iterdir())) == 2
    report = check_workspace(reader.workspace)
    assert report.consistent, report.summary()
    assert (report.documents, report.indexes["dense"].entries) == (2, report.passages)


def test_the_deep_channel_one_replica_fills_serves_the_others(
    cluster: Cluster, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = cluster.replica("writer", deep_embedder="e5")
    writer.add([corpus.vacuum_en, corpus.vacuum_ru])
    monkeypatch.delenv("ASSISTANT_DEEP_EMBEDDER", raising=False)
    reader = cluster.replica("reader", deep_embedder=None)  # not chosen: the database's
    assert reader.workspace.settings.deep_embedder == "e5"
    assert reader.pending_enrichment() > 0
    writer.enrich()
    assert reader.pending_enrichment() == 0
    [hit, *_] = reader.search("Как часто менять мешок для пыли?")
    assert hit.document.filename == "vacuum_ru.pdf"
    assert "deep" in {channel for evidence in hit.passages for channel in evidence.ranks}


def test_the_settings_a_corpus_shares_are_the_databases(cluster: Cluster, corpus: Corpus) -> None:
    first = cluster.replica("first")
    first.add([corpus.coffee_en])
    with pytest.raises(WorkspaceError, match="built with embedder='use'; use a new database"):
        cluster.replica("other", embedder="e5")
    assert not (cluster.home / "other").exists()
    # A replica whose own config.json says otherwise serves the corpus with the database's embedder.
    stale = cluster.home / "stale"
    stale.mkdir(parents=True)
    config = {**cluster.settings(), "embedder": "e5"}
    del config["database_url"]
    (stale / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with Workspace(stale, database_url=cluster.url) as workspace:
        assert workspace.settings.embedder == "use"
        assert workspace.counts()["documents"] == 1


def test_a_shared_store_serves_one_database_only(cluster: Cluster, tmp_path: Path, corpus: Corpus) -> None:
    cluster.replica("first").add([corpus.coffee_en])
    with fresh_database() as other_url, pytest.raises(WorkspaceError, match="belongs to another database"):
        Workspace(tmp_path / "other", **{**cluster.settings(), "database_url": other_url})
    assert [path.name for path in (cluster.shared / "originals").iterdir()]


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"database_url": ""}, "set ASSISTANT_DATABASE_URL"),
        ({"database_url": "sqlite:////tmp/x.sqlite"}, "needs a PostgreSQL database URL"),
        ({"shared_store": ""}, "set ASSISTANT_SHARED_STORE"),
        ({"shared_store": "s3://bucket/prefix"}, "only a mounted directory"),
        ({"pg_ef_search": 5000}, "'pg_ef_search' must be in 1..1000"),
        ({"pg_hnsw_m": 40, "pg_hnsw_ef_construction": 64}, "at least twice 'pg_hnsw_m'"),
        ({"index_backend": "faiss"}, "must be one of local, postgres"),
    ],
)
def test_a_misconfigured_backend_says_what_to_set(
    cluster: Cluster, tmp_path: Path, change: dict[str, object], phrase: str
) -> None:
    root = tmp_path / "new"
    with pytest.raises(WorkspaceError, match=phrase):
        Workspace(root, **{**cluster.settings(), **change})
    assert not root.exists()


def test_a_local_workspace_does_not_reopen_as_postgres(cluster: Cluster, tmp_path: Path) -> None:
    Workspace(tmp_path / "ws").close()
    with pytest.raises(WorkspaceError, match="uses the 'local' index backend"):
        Workspace(tmp_path / "ws", **cluster.settings(deep_embedder=None))


def test_a_database_without_pgvector_names_who_must_install_it(tmp_path: Path) -> None:
    # template0 has no extensions, and the test role is no superuser: pgvector cannot come in.
    with fresh_database(template="template0") as url:
        settings = {"index_backend": "postgres", "database_url": url, "shared_store": str(tmp_path / "s")}
        with pytest.raises(CatalogUnavailable, match="a superuser must run `CREATE EXTENSION vector;`"):
            Workspace(tmp_path / "ws", **settings)
        assert not (tmp_path / "ws").exists()
