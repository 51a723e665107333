"""Several processes on one workspace (the docker-compose layout: API and UI share it, the CLI joins in).

Real processes: a long-lived `Assistant` in this process (as `serve` or the UI hold one) and the
CLI in children. Each writer must reload what another published before it saves, and each reader
must see the others' adds and deletes in every channel without restarting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from assistant import Assistant
from indexer.catalog import DocumentRow, PageRow, PassageRow
from indexer.check import check_workspace
from indexer.dense import DenseIndex
from indexer.workspace import Workspace
from tests.indexer.harness import one_torch_thread_fixture, visual_settings_fixture  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus, Maker

REPOSITORY = Path(__file__).resolve().parents[2]


def cli(*args: str, **environment: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(child: subprocess.Popen[str]) -> None:
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, out + err


def model_number(filename: str) -> int:
    return int(filename[6:8])


def assert_found_by_the_dense_channel(assistant: Assistant) -> None:
    """Every listed document is the top hit for its own model number, through the dense channel."""
    for record in assistant.documents():
        hits = assistant.search(
            f"How long does the filter of model VX-{model_number(record.filename):02d} last?"
        )
        assert hits and hits[0].document.id == record.id, record.filename
        assert any("dense" in evidence.ranks for evidence in hits[0].passages), record.filename


def test_two_writer_processes_keep_each_others_vectors(tmp_path: Path, make: Maker) -> None:
    files = make.model_manuals(6)
    root = tmp_path / "ws"
    with Assistant(root) as service:
        [first] = service.add(files[:1])
        # The CLI adds two manuals while the long-lived process adds another: the lock orders them.
        other = cli("add", str(root), str(files[1]), str(files[2]), "--no-enrich")
        service.add(files[3:4])
        finished(other)
        # The long-lived process writes again: it must not save its old index over the CLI's vectors.
        service.add(files[4:5])
        assert service.delete(first.id)
        [cli_added] = [record for record in service.documents() if record.filename == files[1].name]
        finished(cli("delete", str(root), str(cli_added.id)))
        service.add(files[5:6])
        listed = {record.filename for record in service.documents()}
        assert listed == {path.name for path in files[2:]}, "a document was lost or came back"
        assert_found_by_the_dense_channel(service)
        with service.workspace.session() as session:
            ready = set(
                session.scalars(select(PassageRow.id).join(DocumentRow).where(DocumentRow.status == "ready"))
            )
        on_disk = DenseIndex(root / "dense.faiss", service.workspace.embedder.dim)
        assert set(on_disk.ids().tolist()) == ready
        report = check_workspace(service.workspace)
        assert report.consistent, report.summary()


def test_a_reader_sees_another_processes_add_and_delete_in_both_dense_channels(
    tmp_path: Path, make: Maker
) -> None:
    files = make.model_manuals(3)
    root = tmp_path / "ws"
    with Workspace(root, deep_embedder="e5") as workspace:
        workspace.add(files[:1])
        workspace.enrich()
    with Assistant(root, deep_embedder="e5", background_enrichment=False, create=False) as reader:
        question = "How long does the filter of model VX-02 last?"
        assert "model_02.pdf" not in {hit.document.filename for hit in reader.search(question)}
        finished(cli("add", str(root), str(files[2]), ASSISTANT_DEEP_EMBEDDER="e5"))  # enriches too
        [hit, *_] = reader.search(question)
        assert hit.document.filename == "model_02.pdf"
        channels = {channel for evidence in hit.passages for channel in evidence.ranks}
        assert {"dense", "deep", "lexical"} <= channels
        deep = reader.workspace.deep
        assert deep is not None and reader.workspace.pending_enrichment() == []
        finished(cli("delete", str(root), str(hit.document.id), ASSISTANT_DEEP_EMBEDDER="e5"))
        assert "model_02.pdf" not in {hit.document.filename for hit in reader.search(question)}
        assert [record.filename for record in reader.documents()] == ["model_00.pdf"]
        gone = {evidence.passage.id for evidence in hit.passages}
        assert gone.isdisjoint(deep.ids().tolist())
        assert gone.isdisjoint(reader.workspace.dense.ids().tolist())


@pytest.mark.usefixtures("one_torch_thread")
def test_a_reader_follows_the_visual_index_of_another_process(
    tmp_path: Path, corpus: Corpus, visual_settings: dict[str, Any]
) -> None:
    root = tmp_path / "ws"
    with Workspace(root, visual=visual_settings) as workspace:
        workspace.add([corpus.settings_en.path])
    with Assistant(root, create=False) as reader:
        visual = reader.workspace.visual
        assert len(visual.page_ids()) == 1
        finished(cli("add", str(root), str(corpus.coffee_en), "--no-enrich"))
        reader.search("descale the coffee machine")
        with reader.workspace.session() as session:
            pages = set(session.scalars(select(PageRow.id)))
        assert len(pages) == 3 and reader.workspace.visual.page_ids() == pages
        coffee = next(record for record in reader.documents() if record.filename == "coffee_en.pdf")
        finished(cli("delete", str(root), str(coffee.id)))
        reader.search("descale the coffee machine")
        assert len(reader.workspace.visual.page_ids()) == 1
        assert check_workspace(reader.workspace).consistent
