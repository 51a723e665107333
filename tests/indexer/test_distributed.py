"""Ingest on a real local Ray instance (loopback): the same documents, passages, vectors and bad-file
report as a local add, long PDFs split into page ranges, and `add --ray` on the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from assistant import Assistant
from assistant.cli import PARTLY_DONE
from indexer.distributed import RayClusterError, RayReading, page_ranges, ray_connection
from tests.indexer.hostile_files import blank_pages, many_frames_tiff

if TYPE_CHECKING:
    from conftest import Maker

ray = pytest.importorskip("ray", reason="Ray is in the dev and ray extras; scripts/setup.sh installs it")

REPOSITORY = Path(__file__).resolve().parents[2]
BODY = "Step {n}: wipe the sensor window of the docking station with a dry cloth before charging. " * 3


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """One local Ray of two worker CPUs for the module (starting one takes seconds)."""
    with ray_connection("local", workers=2):
        yield


def long_manual(make: Maker, name: str, pages: int) -> Path:
    """One heading on page 1, then pages of steps without headings: every page belongs to that section."""
    content = [("Docking station care", [BODY.format(n=1)])]
    content += [
        ("", [BODY.format(n=n), f"Page note {n}: the light turns green."]) for n in range(2, pages + 1)
    ]
    return make.manual(name, content)


def files(make: Maker) -> list[Path]:
    return [
        long_manual(make, "docking.pdf", 11),
        make.manual("vacuum_ru.pdf", make.vacuum_ru),
        make.screenshot("settings.png", ["Preferences", "Suction power: High", "Brush speed: Normal"]).path,
        make.raw("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF"),
        make.root / "missing.pdf",
        make.raw("empty.png", b""),
        blank_pages(make.root / "blank.pdf", count=60),  # over max_pages: refused before any page is read
        many_frames_tiff(make.root / "frames.tiff", frames=60),
    ]


def passages(assistant: Assistant) -> dict[str, list[tuple[Any, ...]]]:
    workspace = assistant.workspace
    found = {}
    for document in workspace.documents():
        rows = []
        for page in range(1, document.page_count + 1):
            for p in workspace.page_passages(document.id, page):
                rows.append((p.page, p.kind, p.lang, p.section, p.text, tuple(round(v, 1) for v in p.bbox)))
        found[document.filename] = rows
    return found


def vectors(assistant: Assistant) -> dict[tuple[str, int, str], np.ndarray]:
    """Dense vectors by (file, page, passage text): ids differ between workspaces, the passages do not."""
    workspace = assistant.workspace
    found = {}
    for document in workspace.documents():
        for page in range(1, document.page_count + 1):
            for p in workspace.page_passages(document.id, page):
                found[(document.filename, page, p.text)] = np.asarray(
                    workspace.dense._index.reconstruct(p.id)
                )
    return found


def added(tmp_path: Path, name: str, paths: list[Path], **ray: Any) -> tuple[Assistant, Any, list[tuple]]:
    assistant = Assistant(tmp_path / name, deep_embedder="off", background_enrichment=False, max_pages=50)
    events: list[tuple[str, str, int, int]] = []
    report = assistant.workspace.add(paths, lambda e, p, i, n: events.append((e, p.name, i, n)), **ray)
    return assistant, report, events


# These two need this process without a Ray session: they run before the module's cluster starts.
def test_a_reading_without_a_ray_session_says_how_to_open_one(tmp_path: Path) -> None:
    if ray.is_initialized():
        pytest.skip("a Ray session is open in this process")
    with pytest.raises(RayClusterError, match="ray_connection"):
        RayReading([], settings=None, known=lambda _: False)  # type: ignore[arg-type]


def test_an_unreachable_cluster_is_a_clear_error_at_once(tmp_path: Path) -> None:
    if ray.is_initialized():
        pytest.skip("a Ray session is open in this process")
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = rf"cannot start or reach a Ray cluster at '127.0.0.1:{port}'"
    with pytest.raises(RayClusterError, match=refused), ray_connection(f"127.0.0.1:{port}"):
        pass


def test_a_ray_add_stores_what_a_local_add_stores_and_reports_the_same_bad_files(
    cluster: None, make: Maker, tmp_path: Path
) -> None:
    paths = files(make)
    local, local_report, local_events = added(tmp_path, "local", paths)
    # Four pages a task: the 11-page manual is read as pages 1-4, 5-8 and 9-11 on the workers.
    spread, ray_report, ray_events = added(tmp_path, "ray", paths, reader=partial(RayReading, range_pages=4))
    with local, spread:
        assert [d.filename for d in ray_report.added] == ["docking.pdf", "vacuum_ru.pdf", "settings.png"]
        assert [(d.filename, d.page_count) for d in ray_report.added] == [
            (d.filename, d.page_count) for d in local_report.added
        ]
        # The same bad-file report: the same typed errors naming the user's files, not the workers' copies.
        assert [(type(f), f.path, str(f)) for f in ray_report.failures] == [
            (type(f), f.path, str(f)) for f in local_report.failures
        ]
        assert [Path(f.path).name for f in ray_report.failures] == [
            "broken.pdf",
            "missing.pdf",
            "empty.png",
            "blank.pdf",
            "frames.tiff",
        ]
        assert ray_events == local_events
        # Page numbers, boxes and sections as one reader would have made them: pages 5-11 still belong
        # to the heading on page 1 although their tasks never saw it.
        ray_passages = passages(spread)
        assert ray_passages == passages(local)
        docking = ray_passages["docking.pdf"]
        assert {row[0] for row in docking} == set(range(1, 12))
        assert {row[3] for row in docking} == {"Docking station care"}
        # Vectors made on the workers equal those the local add made.
        local_vectors, ray_vectors = vectors(local), vectors(spread)
        assert local_vectors.keys() == ray_vectors.keys()
        for key, vector in local_vectors.items():
            assert float(vector @ ray_vectors[key]) == pytest.approx(1.0, abs=2e-3)
        answer = spread.search("Что делать, если щётка не вращается?", k=1)
        assert (
            answer[0].document.filename
            == local.search("Что делать, если щётка не вращается?", k=1)[0].document.filename
        )


def test_deep_vectors_are_made_on_the_workers_and_files_already_held_are_not_read_again(
    cluster: None, make: Maker, tmp_path: Path
) -> None:
    manual = make.manual("vacuum_en.pdf")
    with Assistant(tmp_path / "ws", deep_embedder="e5", background_enrichment=False) as assistant:
        report = assistant.workspace.add([manual], reader=RayReading)
        assert [d.filename for d in report.added] == ["vacuum_en.pdf"]
        # Nothing left for enrich: the deep index was filled from the workers' vectors and saved.
        assert assistant.workspace.pending_enrichment() == []
        deep = assistant.workspace.deep
        assert deep is not None and len(deep) == len(assistant.workspace.dense) > 0
        again = assistant.workspace.add([manual], reader=RayReading)
        assert [d.filename for d in again.unchanged] == ["vacuum_en.pdf"] and not again.added
    # Another process sees the deep vectors: they reached the file with the batch.
    with Assistant(tmp_path / "ws", deep_embedder="e5", background_enrichment=False) as reopened:
        assert reopened.workspace.pending_enrichment() == []
        hits = reopened.search("How often should I replace the dust bag?", k=1)
        assert (hits[0].document.filename, hits[0].page) == ("vacuum_en.pdf", 2)


def test_page_ranges_cover_every_page_once() -> None:
    assert page_ranges(11, 4) == [(1, 4), (5, 8), (9, 11)]
    assert page_ranges(16, 16) == [(1, 16)]
    assert page_ranges(1, 16) == [(1, 1)]


def test_the_command_line_adds_on_a_local_ray_and_reports_bad_files(make: Maker, tmp_path: Path) -> None:
    good = make.manual("vacuum_en.pdf")
    bad = make.raw("broken.pdf", b"%PDF-1.7\ngarbage")
    workspace = tmp_path / "ws"
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "assistant", "add", str(workspace), str(good), str(bad)]
    done = subprocess.run(
        [*command, "--ray", "local", "--workers", "2", "--json", "--no-enrich"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == PARTLY_DONE, done.stderr
    result = json.loads(done.stdout)
    assert [d["filename"] for d in result["added"]] == ["vacuum_en.pdf"]
    assert [Path(f["path"]).name for f in result["failed"]] == ["broken.pdf"]
    with Assistant(workspace, create=False, background_enrichment=False) as assistant:
        assert assistant.search("How often should I replace the dust bag?", k=1)[0].page == 2
