"""Adding files: one bad file never costs the others, limits are settings, slow files do not hold the lock."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image

from indexer import workspace as workspace_module
from indexer.errors import IndexingFailed, TooManyPages, WorkspaceError
from indexer.workspace import Workspace
from tests.conftest import text_image
from tests.indexer.consistency import inconsistencies
from tests.indexer.hostile_files import huge_page

if TYPE_CHECKING:
    from conftest import Maker

SYMBOLS = [
    ("Control panel", ["Press the 😀 button on the 𝔸𝕓𝕔 panel to start the descaling programme."]),
    ("Formulas", ["The flow rate 𝖰 is the volume 𝖵 per time 𝗍; keep 𝖰 under two litres a minute."]),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = Workspace(tmp_path / "ws")
    yield opened
    opened.close()


def texts(workspace: Workspace, document_id: int, page: int) -> list[str]:
    return [passage.text for passage in workspace.page_passages(document_id, page)]


def test_emoji_and_mathematical_letters_are_indexed_with_the_other_files(
    workspace: Workspace, make: Maker
) -> None:
    symbols = make.manual("symbols.pdf", SYMBOLS)
    manual = make.manual("vacuum.pdf")
    report = workspace.add([symbols, manual])
    assert report.failures == []
    assert [d.filename for d in report.added] == ["symbols.pdf", "vacuum.pdf"]
    panel = report.added[0].id
    assert "Press the 😀 button on the 𝔸𝕓𝕔 panel to start the descaling programme." in texts(
        workspace, panel, 1
    )
    assert any("𝖰 is the volume 𝖵 per time 𝗍" in text for text in texts(workspace, panel, 2))
    # Both text channels hold the passages.
    vector = workspace.embedder.embed_passages(["descaling programme button on the panel"])[0]
    best = workspace.passages([workspace.dense.search(vector, 1)[0][0]])
    assert next(iter(best.values())).document.id == panel
    assert workspace.lexical.search("descaling programme", 1)
    assert inconsistencies(workspace) == []


def test_a_file_name_that_is_not_utf8_is_stored_readably(workspace: Workspace, make: Maker) -> None:
    raw_name = os.fsdecode(b"manual-\xff\xfe.pdf")  # how Python spells bytes that are not UTF-8
    path = make.root / raw_name
    path.write_bytes(make.manual("source.pdf").read_bytes())
    [record] = workspace.add([path]).added
    assert record.filename == "manual-\ufffd\ufffd.pdf"
    assert inconsistencies(workspace) == []


def test_an_unexpected_failure_while_storing_one_file_costs_only_that_file(
    workspace: Workspace, make: Maker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first, broken, last = make.model_manuals(3)
    add = workspace.lexical.add

    def failing_add(entries: Any) -> None:
        entries = list(entries)
        if any("VX-01" in text for _, text in entries):
            raise sqlite3.OperationalError("disk I/O error")
        add(entries)

    monkeypatch.setattr(workspace.lexical, "add", failing_add)
    with caplog.at_level(logging.ERROR, logger="indexer.workspace"):
        report = workspace.add([first, broken, last])
    assert [d.filename for d in report.added] == ["model_00.pdf", "model_02.pdf"]
    [failure] = report.failures
    assert isinstance(failure, IndexingFailed) and failure.path == str(broken)
    assert str(failure).startswith("'model_01.pdf': could not be indexed because of an unexpected error")
    assert "OperationalError: disk I/O error" in str(failure)
    # The bug is in the log with its traceback; nothing of the file stayed behind.
    assert any(record.exc_info and "model_01.pdf" in record.getMessage() for record in caplog.records)
    assert [d.filename for d in workspace.documents()] == ["model_00.pdf", "model_02.pdf"]
    assert inconsistencies(workspace) == []
    monkeypatch.undo()
    assert [d.filename for d in workspace.add([broken]).added] == ["model_01.pdf"]
    assert inconsistencies(workspace) == []


def test_a_full_disk_stops_the_add_and_keeps_the_files_before(
    workspace: Workspace, make: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = make.model_manuals(3)
    copy = shutil.copyfile

    def full_disk(source: Any, target: Any) -> Any:
        if Path(source).name == "model_01.pdf":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return copy(source, target)

    monkeypatch.setattr(workspace_module.shutil, "copyfile", full_disk)
    # Not one file's failure: every later file would fail alike, so the error is the workspace's
    # (a StorageFull where the workspace turns storage failures into typed errors).
    with pytest.raises((OSError, WorkspaceError), match="No space left on device"):
        workspace.add([first, second, third])
    assert [d.filename for d in workspace.documents()] == ["model_00.pdf"]
    assert inconsistencies(workspace) == []


def test_a_damaged_index_is_the_workspaces_error_not_the_files(
    workspace: Workspace, make: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def damaged(ids: Any, vectors: Any) -> None:
        raise WorkspaceError("dense.faiss is damaged; `python -m assistant check --repair` mends it")

    monkeypatch.setattr(workspace.dense, "add", damaged)
    with pytest.raises(WorkspaceError, match=r"dense\.faiss is damaged"):
        workspace.add(make.model_manuals(2))
    monkeypatch.undo()
    assert workspace.documents() == []
    assert inconsistencies(workspace) == []


def test_a_failing_embedder_costs_only_the_file_it_failed_on(
    workspace: Workspace, make: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, broken = make.model_manuals(2)
    embed = workspace.embedder.embed_passages

    def failing(texts: list[str]) -> np.ndarray:
        if any("VX-01" in text for text in texts):
            raise ValueError("NaN in the embedding")
        return embed(texts)

    monkeypatch.setattr(workspace.embedder, "embed_passages", failing)
    report = workspace.add([first, broken])
    assert [d.filename for d in report.added] == ["model_00.pdf"]
    assert [type(f) for f in report.failures] == [IndexingFailed]
    assert inconsistencies(workspace) == []


def test_the_write_lock_is_free_while_the_next_file_is_read(
    tmp_path: Path, make: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a grace period the lock is given back as soon as the next file is not read yet.
    monkeypatch.setattr(workspace_module, "PUBLISH_GRACE_S", 0.0)
    root = tmp_path / "ws"
    quick = make.manual("quick.pdf")
    scans = make.root / "scans.tiff"
    frames = [
        make.picture(f"scan{n}.png", [f"Scanned page {n}", "Empty the dust container"]) for n in range(4)
    ]
    images = [Image.open(frame) for frame in frames]
    images[0].save(scans, save_all=True, append_images=images[1:])
    seen: dict[str, Any] = {}

    def progress(event: str, path: Path, index: int, total: int) -> None:
        if (event, index) != ("start", 1):
            return
        # While scans.tiff is being read (OCR), another writer gets the lock at once...
        with (root / "write.lock").open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen["lock"] = "free"
                fcntl.flock(handle, fcntl.LOCK_UN)
            except BlockingIOError:
                seen["lock"] = "held"
        # ...and another process sees the first file already, and can delete it.
        with closing(Workspace(root)) as other:
            seen["listed"] = [d.filename for d in other.documents()]
            seen["deleted"] = other.delete(other.documents()[0].id)

    with closing(Workspace(root)) as workspace:
        report = workspace.add([quick, scans], progress)
        assert seen == {"lock": "free", "listed": ["quick.pdf"], "deleted": True}
        assert [d.filename for d in report.added] == ["quick.pdf", "scans.tiff"]
        assert [d.filename for d in workspace.documents()] == ["scans.tiff"]
        assert inconsistencies(workspace) == []


def test_an_interrupted_add_keeps_the_whole_files_and_lets_go_of_the_lock(
    tmp_path: Path, make: Maker
) -> None:
    root = tmp_path / "ws"
    files = make.model_manuals(3)

    def interrupt(event: str, path: Path, index: int, total: int) -> None:
        if (event, index) == ("start", 2):
            raise KeyboardInterrupt  # Ctrl-C while the third file is on its way

    with closing(Workspace(root)) as workspace:
        with pytest.raises(KeyboardInterrupt):
            workspace.add(files, interrupt)
        assert [d.filename for d in workspace.documents()] == ["model_00.pdf", "model_01.pdf"]
    with closing(Workspace(root)) as other:
        # The lock is free and nothing is left half done; the third file goes in on the next add.
        assert [d.filename for d in other.add(files).added] == ["model_02.pdf"]
        assert inconsistencies(other) == []


def test_progress_reports_each_file_in_order(workspace: Workspace, make: Maker) -> None:
    events: list[tuple[str, str, int]] = []
    files = [make.manual("a.pdf"), make.root / "missing.pdf", make.manual("b.pdf", footer="other")]
    workspace.add(files, lambda event, path, index, total: events.append((event, path.name, index)))
    assert events == [
        ("start", "a.pdf", 0),
        ("done", "a.pdf", 0),
        ("start", "missing.pdf", 1),
        ("failed", "missing.pdf", 1),
        ("start", "b.pdf", 2),
        ("done", "b.pdf", 2),
    ]


def test_limits_are_workspace_settings(tmp_path: Path, make: Maker) -> None:
    root = tmp_path / "ws"
    with closing(Workspace(root, max_pages=2)) as workspace:
        report = workspace.add([make.manual("three.pdf")])
        [failure] = report.failures
        assert isinstance(failure, TooManyPages)
        assert str(failure) == (
            "'three.pdf': has 3 pages or frames, over the limit of 2; split the file or raise the "
            "workspace's max_pages setting"
        )
    assert '"max_pages": 2' in (root / "config.json").read_text()
    with pytest.raises(WorkspaceError, match="max_page_pixels"):
        Workspace(tmp_path / "other", max_page_pixels=0)


def test_a_page_too_large_keeps_its_boxes_and_page_image_in_step(workspace: Workspace, make: Maker) -> None:
    [record] = workspace.add([huge_page(make.root / "poster.pdf")]).added
    [passage] = workspace.page_passages(record.id, 1)
    assert passage.text == "Giant poster: replace the filter"
    with Image.open(workspace.page_image(record.id, 1)) as image:
        assert image.size == (passage.page_width, passage.page_height)
        assert image.width * image.height <= workspace.settings.max_page_pixels
        # The box sits on the ink of that image.
        x0, y0, x1, y1 = (round(v) for v in passage.bbox)
        assert (np.asarray(image.convert("L"))[y0:y1, x0:x1] < 128).mean() > 0.08


def test_a_large_screenshot_is_scaled_and_shown_at_the_indexed_size(tmp_path: Path, make: Maker) -> None:
    path = make.root / "wide.png"
    text_image(["Network settings", "Pairing code: 4711"], size=60, width=3000).save(path)
    with closing(Workspace(tmp_path / "ws", max_page_pixels=600_000)) as workspace:
        [record] = workspace.add([path]).added
        passages = workspace.page_passages(record.id, 1)
        assert "Pairing code: 4711" in passages[0].text
        with Image.open(workspace.page_image(record.id, 1)) as image, Image.open(path) as original:
            assert image.size == (passages[0].page_width, passages[0].page_height)
            assert image.width * image.height <= 600_000 < original.width * original.height
