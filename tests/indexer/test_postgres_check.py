"""`check` and `check --repair` on the postgres index store: vectors and lexical rows that went missing,
term statistics that disagree with the rows, originals in the shared store (missing, or no one's)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from indexer.check import check_workspace
from tests.indexer.harness import run_cli
from tests.indexer.postgres_harness import Cluster, cluster_fixture  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus

pytestmark = pytest.mark.postgres


def test_check_finds_and_repair_mends_what_the_postgres_store_lost(cluster: Cluster, corpus: Corpus) -> None:
    writer = cluster.replica("writer")
    vacuum, coffee = writer.add([corpus.vacuum_en, corpus.coffee_en])
    before = writer.workspace.lexical.idf(["descal", "bag", "filter"])
    [(lost,)] = cluster.sql("SELECT min(passage_id) FROM dense_vectors")
    cluster.sql("DELETE FROM dense_vectors WHERE passage_id = %s", lost)
    cluster.sql("UPDATE lexical_terms SET documents = documents + 5 WHERE term = 'descal'")
    (cluster.shared / "originals" / "stray.pdf").write_bytes(b"%PDF-1.4 not anyone's")

    reader = cluster.replica("reader")
    report = check_workspace(reader.workspace)
    assert report.indexes["dense"].missing == [lost]
    assert "statistics of 1 term(s) disagree" in report.indexes["lexical"].unreadable
    assert report.orphan_originals == ["originals/stray.pdf"]
    assert not report.consistent
    done = run_cli("check", str(cluster.home / "cli"), "--json", **cluster.environment())
    assert done.returncode == 1, done.stderr
    assert not json.loads(done.stdout)["consistent"]

    repaired = check_workspace(reader.workspace, repair=True)
    assert repaired.consistent, repaired.summary()
    assert any(action.startswith("dense: added 1 missing") for action in repaired.repaired)
    assert any(action.startswith("lexical: rebuilt") for action in repaired.repaired)
    assert writer.workspace.lexical.idf(["descal", "bag", "filter"]) == before
    assert not (cluster.shared / "originals" / "stray.pdf").exists()
    [hit, *_] = writer.search("How often should I descale the coffee machine?")
    assert hit.document.id == coffee.id

    # An original gone from the shared store cannot be rebuilt: it is reported until added again.
    original = next((cluster.shared / "originals").glob("*.pdf"))
    stored = {vacuum.sha256: corpus.vacuum_en, coffee.sha256: corpus.coffee_en}[original.stem]
    original.unlink()
    report = check_workspace(reader.workspace, repair=True)
    assert not report.consistent and len(report.missing_originals) == 1
    done = run_cli("check", str(cluster.home / "cli"), "--repair", **cluster.environment())
    assert done.returncode == 1 and "add the files again" in done.stdout
    writer.add([stored])
    done = run_cli("check", str(cluster.home / "cli"), "--repair", **cluster.environment())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("consistent")


def test_a_catalog_delete_cascades_to_every_channel_and_the_statistics(
    cluster: Cluster, corpus: Corpus
) -> None:
    """Even a document deleted behind the application's back (by hand, in SQL) leaves no index row, and
    the lexical term statistics follow (statement triggers), so IDF stays exact."""
    replica = cluster.replica("replica")
    vacuum, _ = replica.add([corpus.vacuum_en, corpus.coffee_en])
    cluster.sql("DELETE FROM documents WHERE id = %s", vacuum.id)
    assert replica.workspace.lexical.integrity() == ""
    report = check_workspace(replica.workspace)
    assert all(index.consistent for index in report.indexes.values()), report.summary()
    assert report.indexes["dense"].entries == report.indexes["lexical"].entries == report.passages
    # Only its original is left behind in the shared store: the application deletes that itself.
    assert report.orphan_originals == [f"originals/{vacuum.sha256}.pdf"]
    assert check_workspace(replica.workspace, repair=True).consistent
