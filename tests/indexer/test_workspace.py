"""One workspace directory kept consistent: dedupe, settings, delete and compaction, killed writers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from sqlalchemy import select

from indexer.catalog import DocumentRow, PageRow, PassageRow
from indexer.check import check_workspace
from indexer.dense import DenseIndex
from indexer.errors import WorkspaceError
from indexer.workspace import Workspace

if TYPE_CHECKING:
    from conftest import Corpus, Maker

REPOSITORY = Path(__file__).resolve().parents[2]


def ready_passage_ids(workspace: Workspace) -> set[int]:
    with workspace.session() as session:
        return set(
            session.scalars(
                select(PassageRow.id).join(DocumentRow).where(DocumentRow.status == "ready")
            ).all()
        )


def assert_consistent(workspace: Workspace) -> None:
    """Every listed document is whole, and both indexes hold exactly the passages of listed documents."""
    with workspace.session() as session:
        rows = session.scalars(select(DocumentRow)).all()
        assert {row.status for row in rows} <= {"ready"}, [(row.filename, row.status) for row in rows]
        for row in rows:
            pages = session.scalars(select(PageRow.number).where(PageRow.document_id == row.id)).all()
            assert sorted(pages) == list(range(1, row.page_count + 1)), row.filename
            assert not Path(row.stored_path).is_absolute(), row.stored_path
            assert workspace.original_path(row.stored_path).is_file(), row.filename
        stored = {Path(row.stored_path).name for row in rows}
    originals = workspace.root / "originals"
    assert {p.name for p in originals.iterdir()} == stored if originals.exists() else not stored
    passages = ready_passage_ids(workspace)
    on_disk = DenseIndex(workspace.root / "dense.faiss", workspace.embedder.dim)  # not this process's memory
    assert set(on_disk.ids().tolist()) == passages
    assert workspace.lexical.ids() == passages
    report = check_workspace(workspace)
    assert report.consistent, report.summary()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = Workspace(tmp_path / "ws")
    yield opened
    opened.close()


def test_adding_the_same_content_twice_changes_nothing(
    workspace: Workspace, corpus: Corpus, make: Maker
) -> None:
    first = workspace.add([corpus.vacuum_en, corpus.settings_en.path])
    assert len(first.added) == 2
    before = (workspace.counts(), len(workspace.dense), len(workspace.lexical), workspace.disk_usage())
    copy = make.raw("copy of manual.pdf", corpus.vacuum_en.read_bytes())
    again = workspace.add([corpus.vacuum_en, copy, corpus.settings_en.path])
    assert again.added == []
    assert [r.id for r in again.unchanged] == [first.added[0].id, first.added[0].id, first.added[1].id]
    after = (workspace.counts(), len(workspace.dense), len(workspace.lexical), workspace.disk_usage())
    assert after == before
    assert workspace.counts()["documents"] == 2
    assert_consistent(workspace)


def test_the_same_content_twice_in_one_call_is_indexed_once(
    workspace: Workspace, corpus: Corpus, make: Maker
) -> None:
    copy = make.raw("again.png", corpus.settings_en.path.read_bytes())
    report = workspace.add([corpus.settings_en.path, copy])
    assert [r.filename for r in report.added] == ["settings_en.png"]
    assert [r.id for r in report.unchanged] == [report.added[0].id]
    assert workspace.counts()["documents"] == 1
    assert_consistent(workspace)


def test_a_document_record_says_what_was_indexed(workspace: Workspace, corpus: Corpus) -> None:
    [pdf, tiff] = workspace.add([corpus.vacuum_ru, corpus.tiff]).added
    assert (pdf.filename, pdf.media_type, pdf.page_count, pdf.languages) == (
        "vacuum_ru.pdf",
        "application/pdf",
        2,
        "ru",
    )
    assert (tiff.media_type, tiff.page_count) == ("image/tiff", 2)
    assert pdf.size_bytes == corpus.vacuum_ru.stat().st_size
    assert workspace.documents() == [pdf, tiff]


def test_delete_removes_the_document_everywhere(workspace: Workspace, corpus: Corpus) -> None:
    keep, gone = workspace.add([corpus.vacuum_en, corpus.vacuum_ru]).added
    gone_ids = [r.id for page in (1, 2) for r in workspace.page_passages(gone.id, page)]
    assert gone_ids
    workspace.page_image(gone.id, 1)
    assert workspace.delete(gone.id) is True
    assert workspace.documents() == [keep]
    assert workspace.document(gone.id) is None
    assert workspace.counts() == {"documents": 1, "pages": 3, "passages": len(ready_passage_ids(workspace))}
    assert workspace.passages(gone_ids) == {}
    assert not set(gone_ids) & (set(workspace.dense.ids().tolist()) | workspace.lexical.ids())
    assert not (workspace.page_cache / str(gone.id)).exists()
    assert workspace.delete(gone.id) is False
    assert_consistent(workspace)


def test_a_deleted_documents_id_is_never_reused(workspace: Workspace, corpus: Corpus) -> None:
    [first, second] = workspace.add([corpus.vacuum_en, corpus.vacuum_ru]).added
    workspace.delete(second.id)
    [third] = workspace.add([corpus.coffee_en]).added
    assert third.id not in (first.id, second.id)


def on_disk(root: Path) -> int:
    """Every byte of the workspace: catalog, indexes with their logs, originals, cached pages."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def test_compaction_gives_the_space_of_a_deleted_document_back(
    workspace: Workspace, make: Maker, corpus: Corpus
) -> None:
    long_manual = make.long_manual("long.pdf")
    workspace.add([corpus.vacuum_en])
    [big] = workspace.add([long_manual]).added
    before_delete = on_disk(workspace.root)
    indexes_before = workspace.disk_usage()
    workspace.delete(big.id)
    result = workspace.compact()
    assert result["after"] < indexes_before
    assert workspace.disk_usage() < indexes_before
    assert on_disk(workspace.root) < before_delete
    assert_consistent(workspace)


def test_settings_are_stored_and_the_embedder_is_frozen(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace(root, dpi=100).close()
    stored = json.loads((root / "config.json").read_text())
    assert stored["dpi"] == 100 and stored["embedder"] == "use"
    assert "database_url" not in stored
    assert Workspace(root).settings.dpi == 100
    with pytest.raises(
        WorkspaceError, match="built with embedder='use'; use a new workspace for embedder='e5'"
    ):
        Workspace(root, embedder="e5")


def test_unknown_or_broken_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="unknown setting 'colour'"):
        Workspace(tmp_path / "a", colour="red")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.json").write_text("{not json")
    with pytest.raises(WorkspaceError, match=r"config\.json is not valid JSON"):
        Workspace(tmp_path / "b")
    (tmp_path / "c").write_text("a file")
    with pytest.raises(WorkspaceError, match="is not a directory"):
        Workspace(tmp_path / "c")


def test_environment_overrides_the_stored_dpi(
    tmp_path: Path, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DPI", "72")
    workspace = Workspace(tmp_path / "ws")
    [record] = workspace.add([corpus.vacuum_en]).added
    with Image.open(workspace.page_image(record.id, 1)) as page:
        assert page.size == pytest.approx((595, 842), abs=1)
        rendered = page.size
    [passage] = [p for p in workspace.page_passages(record.id, 2) if p.text.startswith("Replace")]
    # Boxes are in the pixels of the page image the UI draws on.
    assert (passage.page_width, passage.page_height) == rendered
    assert passage.bbox[2] <= rendered[0]


def test_catalog_can_live_at_another_url(tmp_path: Path, corpus: Corpus) -> None:
    elsewhere = tmp_path / "db" / "catalog.db"
    elsewhere.parent.mkdir()
    workspace = Workspace(tmp_path / "ws", database_url=f"sqlite:///{elsewhere}")
    workspace.add([corpus.vacuum_ru])
    assert not (tmp_path / "ws" / "catalog.sqlite").exists()
    with sqlite3.connect(elsewhere) as connection:
        assert connection.execute("SELECT filename FROM documents").fetchall() == [("vacuum_ru.pdf",)]


def test_page_images_and_tiles_match_the_indexed_page(workspace: Workspace, corpus: Corpus) -> None:
    [record] = workspace.add([corpus.settings_ru.path]).added
    path = workspace.page_image(record.id, 1)
    with Image.open(path) as image, Image.open(corpus.settings_ru.path) as original:
        assert image.size == original.size
    tiles = workspace.tiles(record.id, 1)
    grid = [box for row, col, box in tiles if row >= 0]
    assert any(row == col == -1 for row, col, _ in tiles)
    assert grid and all(0 <= b[0] < b[2] and 0 <= b[1] < b[3] for b in grid)
    with pytest.raises(WorkspaceError, match=r"has pages 1\.\.1, not 2"):
        workspace.page_image(record.id, 2)
    with pytest.raises(WorkspaceError, match="no document with id 999"):
        workspace.page_image(999, 1)


# -- killed writers ---------------------------------------------------------------------------


def run_killed(script: str, root: Path, files: list[Path], until: str, at_least: int) -> int:
    """Run `script` in a child, SIGKILL it once the catalog query `until` counts `at_least` rows."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(root), *map(str, files)],
        cwd=REPOSITORY,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    count = 0
    try:
        while time.monotonic() < deadline and child.poll() is None:
            try:
                with sqlite3.connect(
                    f"file:{root / 'catalog.sqlite'}?mode=ro", uri=True, timeout=1
                ) as connection:
                    count = connection.execute(until).fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
            if count >= at_least:
                break
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the child finished before it could be killed"
    return count


ADD = "import sys\nfrom assistant import Assistant\nAssistant(sys.argv[1], commit_every=2).add(sys.argv[2:])"
DELETE = (
    "import sys\nfrom assistant import Assistant\na = Assistant(sys.argv[1])\n"
    "for d in a.documents()[1:]:\n    a.delete(d.id)"
)


def test_killed_ingest_leaves_a_usable_workspace(tmp_path: Path, corpus: Corpus, make: Maker) -> None:
    from assistant import Assistant

    root = tmp_path / "ws"
    with Assistant(root) as assistant:
        [kept] = assistant.add([corpus.vacuum_ru])
    files = make.model_manuals(12)
    run_killed(ADD, root, files, "SELECT count(*) FROM documents", at_least=3)
    with Assistant(root) as assistant:
        assert_consistent(assistant.workspace)
        listed = assistant.documents()
        assert listed[0] == kept and len(listed) < 13
        assert assistant.search("Как часто менять мешок пылесборника?")[0].document.id == kept.id
        assistant.add(files)
        assert len(assistant.documents()) == 13
        hit = assistant.search("How long does the filter of model VX-11 last?")[0]
        assert hit.document.filename == "model_11.pdf"
        assert_consistent(assistant.workspace)


def test_killed_delete_leaves_each_document_whole_or_gone(tmp_path: Path, make: Maker) -> None:
    from assistant import Assistant

    root = tmp_path / "ws"
    with Assistant(root) as assistant:
        added = assistant.add(make.model_manuals(12))
    run_killed(DELETE, root, [], "SELECT 12 - count(*) FROM documents WHERE status = 'ready'", at_least=1)
    with Assistant(root) as assistant:
        remaining = assistant.documents()
        assert remaining[0] == added[0] and 1 < len(remaining) <= 11
        listed = {record.id for record in remaining}
        for record in remaining:
            number = int(record.filename[6:8])
            hits = assistant.search(f"filter of model VX-{number:02d}", k=20)
            assert hits[0].document.id == record.id
            assert {hit.document.id for hit in hits} <= listed
        # The next write finishes what the killed one left half done.
        assert assistant.delete(remaining[-1].id)
        assert_consistent(assistant.workspace)
        assert len(assistant.documents()) == len(remaining) - 1
