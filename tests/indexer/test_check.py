"""`check` finds each kind of disagreement between catalog, indexes and originals; `--repair` mends it.

Every test injects one fault into a copy of a real workspace (catalog, FAISS, FTS5, e5 deep index
and originals as `add` and `enrich` left them) and looks at it the way an operator would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import delete, select, update

from indexer.catalog import DocumentRow, PageRow, PassageRow
from indexer.check import check_workspace
from indexer.dense import DenseIndex
from indexer.errors import WorkspaceDamaged
from indexer.workspace import Workspace
from tests.indexer.harness import one_torch_thread_fixture, run_cli, visual_settings_fixture  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus

QUESTION = "How often should I replace the dust bag?"


@pytest.fixture(scope="module")
def template(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed workspace with three documents, both dense channels filled; tests work on copies."""
    root = tmp_path_factory.mktemp("template") / "ws"
    workspace = Workspace(root, deep_embedder="e5")
    workspace.add([corpus.vacuum_en, corpus.vacuum_ru, corpus.settings_en.path])
    workspace.enrich()
    workspace.close()
    return root


@pytest.fixture
def workspace(template: Path, tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / "ws"
    shutil.copytree(template, root)
    opened = Workspace(root, deep_embedder="e5")
    yield opened
    opened.close()


def document_id(workspace: Workspace, filename: str) -> int:
    return next(record.id for record in workspace.documents() if record.filename == filename)


def passage_ids(workspace: Workspace, filename: str) -> list[int]:
    with workspace.session() as session:
        return list(
            session.scalars(
                select(PassageRow.id).where(PassageRow.document_id == document_id(workspace, filename))
            )
        )


def on_disk_ids(path: Path, dim: int) -> set[int]:
    return set(DenseIndex(path, dim).ids().tolist())


def test_a_workspace_as_add_and_enrich_left_it_is_consistent(workspace: Workspace) -> None:
    report = check_workspace(workspace)
    assert report.consistent, report.summary()
    assert (report.documents, report.passages) == (3, len(workspace.dense))
    assert set(report.indexes) == {"dense", "deep", "lexical"}
    assert report.indexes["deep"].pending == []
    assert report.summary().endswith("consistent")
    assert report.to_dict()["consistent"] is True


def test_a_vector_missing_from_the_dense_index_is_found_and_embedded_again(workspace: Workspace) -> None:
    [lost, *_] = passage_ids(workspace, "vacuum_en.pdf")
    workspace.dense.remove([lost])
    workspace.dense.save()
    report = check_workspace(workspace)
    assert not report.consistent
    assert report.indexes["dense"].missing == [lost]
    assert "dense: 1 missing entry" in report.summary()
    repaired = check_workspace(workspace, repair=True)
    assert repaired.consistent, repaired.summary()
    assert repaired.repaired == ["dense: added 1 missing entry"]
    assert lost in on_disk_ids(workspace.root / "dense.faiss", workspace.embedder.dim)


def test_stale_and_duplicated_entries_are_dropped(workspace: Workspace) -> None:
    kept = passage_ids(workspace, "vacuum_en.pdf")[0]
    workspace.lexical.add([(987654, "a passage of a document that no longer exists")])
    vector = workspace.embedder.embed_passages(["a second copy"])
    workspace.dense.add(np.array([kept], dtype=np.int64), vector)
    workspace.dense.add(np.array([555555], dtype=np.int64), vector)
    workspace.dense.save()
    deep = workspace.deep
    assert deep is not None
    deep.add(np.array([555555], dtype=np.int64), np.ones((1, deep.dim), dtype=np.float32) / deep.dim**0.5)
    deep.save()
    report = check_workspace(workspace)
    assert report.indexes["lexical"].stale == [987654]
    assert report.indexes["dense"].stale == [555555] and report.indexes["dense"].duplicates == [kept]
    assert report.indexes["deep"].stale == [555555]
    repaired = check_workspace(workspace, repair=True)
    assert repaired.consistent, repaired.summary()
    assert 987654 not in workspace.lexical.ids()
    dense = DenseIndex(workspace.root / "dense.faiss", workspace.embedder.dim).ids().tolist()
    assert dense.count(kept) == 1 and 555555 not in dense


def test_an_unfinished_document_is_removed_everywhere(workspace: Workspace) -> None:
    gone = document_id(workspace, "vacuum_ru.pdf")
    ids = passage_ids(workspace, "vacuum_ru.pdf")
    with workspace.session() as session, session.begin():
        stored = session.get(DocumentRow, gone).stored_path  # type: ignore[union-attr]
        # what a writer killed between its catalog rows and publishing leaves behind
        session.execute(update(DocumentRow).where(DocumentRow.id == gone).values(status="pending"))
    report = check_workspace(workspace)
    assert report.unfinished == [gone]
    assert set(report.indexes["dense"].stale) == set(ids)
    repaired = check_workspace(workspace, repair=True)
    assert repaired.consistent, repaired.summary()
    assert f"removed 1 unfinished document(s) (#{gone})" in repaired.repaired
    assert not workspace.original_path(stored).exists()
    with workspace.session() as session:
        assert session.get(DocumentRow, gone) is None
        assert session.scalars(select(PassageRow.id).where(PassageRow.document_id == gone)).all() == []
    assert not set(ids) & on_disk_ids(workspace.root / "dense.faiss", workspace.embedder.dim)


def test_an_orphan_original_and_leftover_temporary_files_are_removed(workspace: Workspace) -> None:
    orphan = workspace.originals / f"{'0' * 64}.pdf"
    orphan.write_bytes(b"%PDF-1.4 nobody refers to me")
    partial = workspace.originals / f"{'1' * 64}.part"
    partial.write_bytes(b"half a copy")
    leftover = workspace.root / "dense.faiss.tmp"
    leftover.write_bytes(b"half a save")
    report = check_workspace(workspace)
    assert report.orphan_originals == [f"originals/{'0' * 64}.pdf", f"originals/{'1' * 64}.part"]
    assert report.leftovers == ["dense.faiss.tmp"]
    repaired = check_workspace(workspace, repair=True)
    assert repaired.consistent and repaired.leftovers == [], repaired.summary()
    assert not orphan.exists() and not partial.exists() and not leftover.exists()
    assert len(list(workspace.originals.iterdir())) == 3


def test_a_missing_original_cannot_be_mended_but_adding_the_file_again_restores_it(
    workspace: Workspace, corpus: Corpus
) -> None:
    missing = document_id(workspace, "vacuum_en.pdf")
    with workspace.session() as session:
        stored = session.get(DocumentRow, missing).stored_path  # type: ignore[union-attr]
    workspace.original_path(stored).unlink()
    shutil.rmtree(workspace.page_cache, ignore_errors=True)
    report = check_workspace(workspace, repair=True)
    assert not report.consistent and report.missing_originals == [missing]
    assert "add the files again" in report.summary()
    # still searchable, but its pages cannot be shown: a typed error that says what to do
    assert workspace.passages(passage_ids(workspace, "vacuum_en.pdf"))
    with pytest.raises(WorkspaceDamaged, match="add the file again to restore it"):
        workspace.page_image(missing, 1)
    report = workspace.add([corpus.vacuum_en])
    assert [record.id for record in report.unchanged] == [missing]
    assert workspace.page_image(missing, 1).is_file()
    assert check_workspace(workspace).consistent


def test_a_truncated_dense_index_is_rebuilt_from_the_catalog(workspace: Workspace) -> None:
    path = workspace.root / "dense.faiss"
    expected = on_disk_ids(path, workspace.embedder.dim)
    path.write_bytes(path.read_bytes()[:1000])
    workspace.reload_all()
    with pytest.raises(WorkspaceDamaged, match=r"dense\.faiss is damaged or truncated .*check .* --repair"):
        _ = workspace.dense
    report = check_workspace(workspace)
    assert "is damaged or truncated" in report.indexes["dense"].unreadable
    repaired = check_workspace(workspace, repair=True)
    assert repaired.consistent, repaired.summary()
    assert repaired.repaired == ["dense: rebuilt from the catalog (the file was unreadable)"]
    assert on_disk_ids(path, workspace.embedder.dim) == expected
    [hit, *_] = workspace.dense.search(workspace.embedder.embed_queries([QUESTION])[0], 3)
    assert workspace.passages([hit[0]])[hit[0]].document.filename == "vacuum_en.pdf"


def test_a_garbage_lexical_index_is_rebuilt_and_an_unreadable_deep_one_restarts(workspace: Workspace) -> None:
    workspace.close()
    (workspace.root / "lexical.sqlite").write_bytes(b"not a database at all" * 300)
    (workspace.root / "deep.faiss").write_bytes(b"\0" * 50)
    reopened = Workspace(workspace.root, deep_embedder="e5")
    try:
        with pytest.raises(WorkspaceDamaged, match=r"lexical\.sqlite is damaged"):
            reopened.lexical.search("dust bag", 5)
        report = check_workspace(reopened)
        assert report.indexes["lexical"].unreadable and report.indexes["deep"].unreadable
        repaired = check_workspace(reopened, repair=True)
        assert repaired.consistent, repaired.summary()
        # e5 is slow: the deep index restarts empty and `enrich` refills it (pending is not a fault)
        assert repaired.indexes["deep"].pending == sorted(repaired.ready_passages)
        assert reopened.lexical.search("dust bag", 5)
        assert reopened.enrich() == repaired.passages
        assert check_workspace(reopened).indexes["deep"].pending == []
    finally:
        reopened.close()


def test_page_rows_that_disagree_with_the_page_count_are_reported(workspace: Workspace) -> None:
    broken = document_id(workspace, "vacuum_en.pdf")
    with workspace.session() as session, session.begin():
        page = session.scalars(
            select(PageRow.id).where(PageRow.document_id == broken, PageRow.number == 3)
        ).one()
        session.execute(delete(PassageRow).where(PassageRow.page_id == page))
        session.execute(delete(PageRow).where(PageRow.id == page))
    report = check_workspace(workspace, repair=True)
    assert report.page_mismatches == [broken]
    assert not report.consistent and "delete and add those documents again" in report.summary()


def test_the_check_command_exits_1_on_a_fault_and_0_once_repaired(workspace: Workspace) -> None:
    root = str(workspace.root)
    workspace.lexical.add([(424242, "ghost")])
    workspace.close()
    found = run_cli("check", root, "--json")
    assert found.returncode == 1, found.stderr
    report = json.loads(found.stdout)
    assert report["consistent"] is False and report["indexes"]["lexical"]["stale"] == [424242]
    assert report["problems"] == ["lexical: 1 stale entry (#424242)"]
    repaired = run_cli("check", root, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired: lexical: dropped 1 stale or duplicated entry" in repaired.stdout
    assert repaired.stdout.rstrip().endswith("consistent")
    again = run_cli("check", root)
    assert again.returncode == 0 and again.stdout.rstrip().endswith("consistent")


def test_checking_a_path_without_a_workspace_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "wrokspace"
    done = run_cli("check", str(typo))
    assert done.returncode != 0
    assert f"no workspace at {typo}" in done.stderr and "Traceback" not in done.stderr
    assert not typo.exists()


@pytest.mark.usefixtures("one_torch_thread")
def test_visual_pages_missing_or_stale_are_rendered_again_or_dropped(
    tmp_path: Path, corpus: Corpus, visual_settings: dict[str, Any]
) -> None:
    with Workspace(tmp_path / "ws", visual=visual_settings) as workspace:
        workspace.add([corpus.coffee_en, corpus.settings_en.path])
        before = workspace.visual.search("descale the coffee machine", 3)
        [lost, *_] = sorted(workspace.visual.page_ids())
        workspace.visual.remove_pages([lost])
        workspace.visual.add_pages([(999_999, Image.new("RGB", (64, 64), "white"))])
        with workspace.writing():
            saved = workspace.save_indexes(["visual"])
            with workspace.publishing(saved):
                pass
        report = check_workspace(workspace)
        assert (report.indexes["visual"].missing, report.indexes["visual"].stale) == ([lost], [999_999])
        repaired = check_workspace(workspace, repair=True)
        assert repaired.consistent, repaired.summary()
        assert repaired.repaired == ["visual: dropped 1 stale or duplicated entry, added 1 missing entry"]
        # the page was rendered again from its original: the same vectors, the same ranking
        after = workspace.visual.search("descale the coffee machine", 3)
        assert [page for page, _ in after] == [page for page, _ in before]
        assert [score for _, score in after] == pytest.approx([score for _, score in before], abs=1e-5)
