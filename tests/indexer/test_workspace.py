"""One workspace directory kept consistent: dedupe, settings, delete and compaction, killed writers."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alembic import command
from alembic.config import Config
from PIL import Image
from sqlalchemy import event, select, update

from indexer.catalog import DocumentRow, PageRow, PassageRow, make_engine, table_names
from indexer.check import check_workspace
from indexer.dense import DenseIndex
from indexer.errors import CatalogUnavailable, NoWorkspace, StorageFull, WorkspaceDamaged, WorkspaceError
from indexer.workspace import ENRICH_CHUNK, Workspace
from tests.indexer.harness import run_cli

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


def test_the_catalog_reads_of_a_search_go_through_indexes(workspace: Workspace, corpus: Corpus) -> None:
    """Plans are what matter at 1M passages: a scan of `passages` cost 200 ms a search there."""
    first, second = workspace.add([corpus.vacuum_en, corpus.vacuum_ru]).added
    keys = [(first.id, 2), (second.id, 1), (first.id, 1)]
    one_by_one = {key: workspace.page_passages(*key) for key in keys}
    assert all(one_by_one.values())
    known = {p.id: p for p in one_by_one[(second.id, 1)]}
    statements: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(workspace.engine, "before_cursor_execute", remember)
    try:
        together = workspace.pages_passages(keys, known)
        by_id = workspace.passages([p.id for page in one_by_one.values() for p in page])
    finally:
        event.remove(workspace.engine, "before_cursor_execute", remember)
    # Each page in reading order; the passages the caller already held are handed back, not read again.
    assert {key: [p.id for p in found] for key, found in together.items()} == {
        key: [p.id for p in found] for key, found in one_by_one.items()
    }
    assert all(together[(second.id, 1)][i] is p for i, p in enumerate(one_by_one[(second.id, 1)]))
    by_ids = [
        {int(i) for i in re.findall(r"\d+", statement.partition("WHERE passages.id IN")[2])}
        for statement, _ in statements
        if "WHERE passages.id IN" in statement
    ]
    assert len(by_ids) == 2 and by_ids[0] and not by_ids[0] & set(known)
    assert len(by_id) == sum(len(found) for found in one_by_one.values())
    catalog = sqlite3.connect(workspace.root / "catalog.sqlite")
    try:
        for statement, parameters in statements:
            plan = " | ".join(
                row[3] for row in catalog.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "SCAN" not in plan and "ix_documents_status" not in plan, (statement, plan)
    finally:
        catalog.close()


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
    assert result["after"] < result["before"]
    assert result["after"] < indexes_before
    assert workspace.disk_usage() < indexes_before
    assert on_disk(workspace.root) < before_delete
    # The reported size is the real one: the logs were checkpointed after VACUUM and are empty,
    # so it is exactly the catalog and index files (a log's -shm index is scratch, not data).
    logs = {path.name: path.stat().st_size for path in workspace.root.glob("*.sqlite-wal")}
    assert set(logs.values()) <= {0}, logs
    files = ("catalog.sqlite", "lexical.sqlite", "dense.faiss")
    assert result["after"] == sum((workspace.root / name).stat().st_size for name in files)
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
        # Opening finished what the killed writer left half done: no hidden row, no stale entry.
        assert_consistent(assistant.workspace)
        remaining = assistant.documents()
        assert remaining[0] == added[0] and 1 < len(remaining) <= 11
        listed = {record.id for record in remaining}
        for record in remaining:
            number = int(record.filename[6:8])
            hits = assistant.search(f"filter of model VX-{number:02d}", k=20)
            assert hits[0].document.id == record.id
            assert {hit.document.id for hit in hits} <= listed
        assert assistant.delete(remaining[-1].id)
        assert_consistent(assistant.workspace)
        assert len(assistant.documents()) == len(remaining) - 1


def test_opening_finishes_a_delete_killed_after_it_hid_the_document(tmp_path: Path, make: Maker) -> None:
    """The state a kill right after delete's first transaction leaves; a reader's opening mends it."""
    root = tmp_path / "ws"
    workspace = Workspace(root)
    keep, gone = workspace.add(make.model_manuals(2)).added
    with workspace.session() as session, session.begin():
        stored = session.get(DocumentRow, gone.id).stored_path  # type: ignore[union-attr]
        session.execute(update(DocumentRow).where(DocumentRow.id == gone.id).values(status="deleting"))
    workspace.close()
    reader = Workspace(root, create=False)
    try:
        assert reader.documents() == [keep]
        with reader.session() as session:
            assert session.get(DocumentRow, gone.id) is None
        assert not reader.original_path(stored).exists()
        assert_consistent(reader)
    finally:
        reader.close()


def test_opening_never_waits_for_a_live_writer(tmp_path: Path, make: Maker) -> None:
    """Unfinished work while another process holds the write lock is that writer's, not a leftover."""
    root = tmp_path / "ws"
    workspace = Workspace(root)
    keep, busy = workspace.add(make.model_manuals(2)).added
    with workspace.session() as session, session.begin():
        session.execute(update(DocumentRow).where(DocumentRow.id == busy.id).values(status="pending"))
    workspace.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(root / "write.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        listing = subprocess.run(
            [sys.executable, "-m", "assistant", "list", str(root), "--json"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert [record["id"] for record in json.loads(listing.stdout)] == [keep.id]
        with sqlite3.connect(root / "catalog.sqlite") as connection:
            assert connection.execute("SELECT status FROM documents WHERE id = ?", (busy.id,)).fetchone() == (
                "pending",
            )
    finally:
        holder.kill()
        holder.wait()
    with Workspace(root, create=False) as reopened:  # the writer is gone: now it is a leftover
        assert reopened.documents() == [keep]
        assert_consistent(reopened)


LOCK_HOLDER = (
    "import fcntl, sys, time\nhandle = open(sys.argv[1], 'a+')\nfcntl.flock(handle, fcntl.LOCK_EX)\n"
    "print('locked', flush=True)\ntime.sleep(600)"
)


def kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool], what: str) -> None:
    """SIGKILL `child` as soon as `ready()` holds; fail if it ended first."""
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and child.poll() is None and not ready():
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, f"the child finished before {what}"


def test_enrichment_killed_after_its_first_chunk_keeps_that_chunk(tmp_path: Path, make: Maker) -> None:
    """`add` is killed early in its foreground enrichment: what was embedded stays, `enrich` resumes."""
    root = tmp_path / "ws"
    files = [make.long_manual("long.pdf"), *make.model_manuals(8)]
    environment = dict(os.environ, ASSISTANT_DEEP_EMBEDDER="e5", PYTHONPATH=str(REPOSITORY))
    child = subprocess.Popen(
        [sys.executable, "-m", "assistant", "add", str(root), *map(str, files)],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(child, (root / "deep.faiss").exists, "its first deep chunk was saved")
    with Workspace(root, create=False, deep_embedder="e5") as workspace:
        assert len(workspace.documents()) == len(files)  # ingest had finished, the kill hit enrichment
        deep = workspace.deep
        assert deep is not None and len(deep) >= ENRICH_CHUNK
        pending = workspace.pending_enrichment()
        assert pending and set(deep.ids().tolist()).isdisjoint(pending)
        report = check_workspace(workspace)
        assert report.consistent and report.indexes["deep"].pending == pending, report.summary()
        assert workspace.enrich() == len(pending)
        assert workspace.pending_enrichment() == []
        assert check_workspace(workspace).consistent


# -- a workspace is self-contained ------------------------------------------------------------


def rendered_fresh(root: Path, document_id: int) -> Path:
    """Page 1 of a document rendered from its original now (the page cache is emptied first)."""
    shutil.rmtree(root / "pages", ignore_errors=True)
    with Workspace(root, create=False) as workspace:
        image = workspace.page_image(document_id, 1)
        assert image.is_relative_to(root)
        return image


def test_a_copied_workspace_is_independent_and_a_moved_one_keeps_working(
    tmp_path: Path, corpus: Corpus
) -> None:
    root = tmp_path / "ws"
    with Workspace(root) as workspace:
        first, second = workspace.add([corpus.vacuum_en, corpus.settings_en.path]).added
        originals = sorted(p.name for p in workspace.originals.iterdir())
    copy = tmp_path / "ws2"
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)
    deleted = subprocess.run(
        [sys.executable, "-m", "assistant", "delete", str(copy), str(first.id)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert deleted.returncode == 0, deleted.stderr
    # the copy lost the document, the original workspace did not lose its file
    assert sorted(p.name for p in (root / "originals").iterdir()) == originals
    assert rendered_fresh(root, first.id).is_file() and rendered_fresh(root, second.id).is_file()
    assert rendered_fresh(copy, second.id).is_file()
    with Workspace(copy, create=False) as workspace:
        assert workspace.documents() == [second]
        assert check_workspace(workspace).consistent
    moved = tmp_path / "elsewhere" / "ws3"
    moved.parent.mkdir()
    root.rename(moved)
    assert rendered_fresh(moved, first.id).is_file()
    with Workspace(moved, create=False) as workspace:
        assert workspace.documents() == [first, second]
        hit = workspace.passages([pid for pid, _ in workspace.lexical.search("dust bag", 3)])
        assert {record.document.id for record in hit.values()} == {first.id}
        assert check_workspace(workspace).consistent
        assert workspace.delete(first.id)
    assert sorted(p.name for p in (copy / "originals").iterdir()) == sorted(
        p.name for p in (moved / "originals").iterdir()
    )


def downgrade_to_revision_0001(root: Path) -> None:
    """Make a catalog look as the 0001 code wrote it: absolute paths, no publication counts."""
    with sqlite3.connect(root / "catalog.sqlite") as connection:
        connection.execute("DROP TABLE index_generations")
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
        connection.execute("UPDATE documents SET stored_path = ? || '/' || stored_path", (str(root),))


def test_a_catalog_of_revision_0001_is_migrated_to_relative_paths(tmp_path: Path, corpus: Corpus) -> None:
    root = tmp_path / "ws"
    with Workspace(root) as workspace:
        [record] = workspace.add([corpus.vacuum_ru]).added
    downgrade_to_revision_0001(root)
    fresh_0001 = tmp_path / "fresh.sqlite"
    engine = make_engine(f"sqlite:///{fresh_0001}")
    config = Config()
    config.set_main_option("script_location", str(REPOSITORY / "indexer" / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    assert table_names(make_engine(f"sqlite:///{fresh_0001}")) == table_names(
        make_engine(f"sqlite:///{root / 'catalog.sqlite'}")
    )
    with sqlite3.connect(root / "catalog.sqlite") as connection:
        [(old_path,)] = connection.execute("SELECT stored_path FROM documents").fetchall()
    assert Path(old_path).is_absolute() and Path(old_path).is_file()
    with Workspace(root, create=False) as workspace:
        with workspace.session() as session:
            assert session.scalars(select(DocumentRow.stored_path)).all() == [
                f"originals/{Path(old_path).name}"
            ]
        assert workspace.documents() == [record]
        assert check_workspace(workspace).consistent
    moved = tmp_path / "moved"
    root.rename(moved)
    assert rendered_fresh(moved, record.id).is_file()


# -- failures a user can meet are typed errors, and a failed opening creates nothing ------------


def assert_one_line_error(done: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, done.stderr


@pytest.mark.parametrize("command", [["list"], ["search", "dust bag"], ["ask", "dust bag?"], ["delete", "1"]])
def test_commands_that_only_use_a_workspace_refuse_a_path_without_one(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "wrokspace"
    [name, *rest] = command
    assert_one_line_error(run_cli(name, str(typo), *rest), f"no workspace at {typo}")
    assert not typo.exists()
    with pytest.raises(NoWorkspace, match="no workspace at"):
        Workspace(typo, create=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoWorkspace):
        Workspace(tmp_path / "empty", create=False)
    assert list((tmp_path / "empty").iterdir()) == []


@pytest.fixture(scope="module")
def built(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built") / "ws"
    with Workspace(root) as workspace:
        workspace.add([corpus.vacuum_en])
    return root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(built, root)
    return root


def test_a_truncated_dense_index_is_a_typed_error_that_names_the_repair(copy: Path) -> None:
    dense = copy / "dense.faiss"
    dense.write_bytes(dense.read_bytes()[:200])
    from assistant import Assistant

    with Assistant(copy, create=False) as assistant, pytest.raises(WorkspaceDamaged, match="check"):
        assistant.search("dust bag")
    assert_one_line_error(
        run_cli("search", str(copy), "dust bag"), "dense.faiss is damaged or truncated", "--repair"
    )


def test_a_garbage_catalog_is_a_typed_error(copy: Path) -> None:
    (copy / "catalog.sqlite").write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(
        WorkspaceDamaged, match=r"catalog\.sqlite is damaged \(file is not a database\); restore"
    ):
        Workspace(copy, create=False)
    assert_one_line_error(run_cli("list", str(copy)), "catalog.sqlite is damaged")
    (copy / "catalog.sqlite").unlink()
    with pytest.raises(WorkspaceDamaged, match=r"catalog\.sqlite is missing"):
        Workspace(copy)  # never opened as an empty workspace whose originals look like orphans
    assert not (copy / "catalog.sqlite").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"dpi": "high"}', "setting 'dpi' must be a number, not 'high'"),
        ('{"commit_every": 0}', "setting 'commit_every' must be at least 1, not 0"),
        ('{"ocr_workers": 1.5}', "setting 'ocr_workers' must be a whole number"),
        ('{"embedder": 5}', "setting 'embedder' must be a string"),
        ('{"visual": {"kind": "sketch", "path": "/nowhere"}}', "the 'visual' setting is not usable"),
        ("[1, 2]", "must hold a JSON object"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_a_bad_value_in_config_json_names_the_file_and_the_setting(
    copy: Path, content: str, message: str
) -> None:
    (copy / "config.json").write_text(content)
    with pytest.raises(WorkspaceDamaged, match=re.escape(message)):
        Workspace(copy)
    assert_one_line_error(run_cli("list", str(copy)), "config.json", message)


def test_a_bad_setting_from_the_environment_is_a_typed_error(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("add", str(tmp_path / "ws"), "x.pdf", ASSISTANT_DPI="-3"), "'dpi' must be at least 1"
    )
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("not a url at all", "is not a database URL"),
        ("postgresql+nosuchdriver://user:secret@127.0.0.1/db", "cannot use the catalog URL"),
        ("postgresql+psycopg2://user:secret@127.0.0.1:1/db", "cannot reach the catalog at"),
    ],
)
def test_a_catalog_that_cannot_be_reached_creates_nothing(
    tmp_path: Path, corpus: Corpus, url: str, phrase: str
) -> None:
    root = tmp_path / "new" / "ws"
    with pytest.raises(CatalogUnavailable, match=phrase) as raised:
        Workspace(root, database_url=url)
    assert "secret" not in str(raised.value)
    assert not (tmp_path / "new").exists()
    done = run_cli("add", str(root), str(corpus.vacuum_en), ASSISTANT_DATABASE_URL=url)
    assert_one_line_error(done, phrase)
    assert "secret" not in done.stderr
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(CatalogUnavailable):
        Workspace(tmp_path / "mine", database_url=url)
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


@pytest.mark.postgres
def test_a_wrong_postgres_password_creates_nothing(tmp_path: Path, corpus: Corpus) -> None:
    base = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
    if not base:
        pytest.skip("ASSISTANT_TEST_DATABASE_URL is not set; run scripts/start-postgres.sh")
    from sqlalchemy.engine import make_url

    url = make_url(base).set(password="not-the-password").render_as_string(hide_password=False)
    root = tmp_path / "ws"
    with pytest.raises(CatalogUnavailable, match="password authentication failed") as raised:
        Workspace(root, database_url=url)
    assert "not-the-password" not in str(raised.value)
    assert not root.exists()
    done = run_cli("add", str(root), str(corpus.vacuum_en), ASSISTANT_DATABASE_URL=url)
    assert_one_line_error(done, "password authentication failed", "ASSISTANT_DATABASE_URL")
    assert not root.exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 MiB file system (tmpfs), so that writes meet ENOSPC from the kernel."""
    point = tmp_path / "disk"
    point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * (1 << 16))
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_a_typed_error_and_loses_nothing(
    small_disk: Path, corpus: Corpus, make: Maker
) -> None:
    root = small_disk / "ws"
    big = make.long_manual("long.pdf", chapters=40)
    with Workspace(root) as workspace:  # a service that stays open while the disk fills up
        [kept] = workspace.add([corpus.vacuum_en]).added
        filler = fill(small_disk)
        with pytest.raises(StorageFull, match="no space left on the disk holding"):
            workspace.add([corpus.coffee_en, big])
        assert workspace.documents() == [kept]
        [hit, *_] = workspace.lexical.search("dust bag", 3)
        assert workspace.passages([hit[0]])[hit[0]].document.id == kept.id
        # a second process cannot even open the catalog's shared-memory file now
        assert_one_line_error(run_cli("add", str(root), str(big)), "no space left on the disk")
    filler.unlink()
    with Workspace(root, create=False) as workspace:
        assert workspace.documents() == [kept]
        assert check_workspace(workspace).consistent
        assert len(workspace.add([corpus.coffee_en, big]).added) == 2
        assert_consistent(workspace)
