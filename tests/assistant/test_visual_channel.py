"""The OmniFusion visual channel inside the assistant, end to end with a tiny random CLIP.

Mechanics, not quality: a randomly initialised CLIP ranks pages arbitrarily, so these tests check
that pages reach the visual index under their catalog ids, that search fuses the channel in (a page
without any text is found through it alone), that deletes, crash repair and reopening keep the index
on disk in step with the catalog, and that a workspace without the channel never imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from assistant import Assistant
from assistant.retrieval import FusionWeights
from indexer.catalog import DocumentRow, PageRow
from indexer.workspace import Workspace
from omnifusion.retrieval import INDEX_FILE
from tests.omnifusion.conftest import _one_thread, save_clip  # noqa: F401 (_one_thread: torch on 1 thread)

if TYPE_CHECKING:
    from conftest import Corpus

REPOSITORY = Path(__file__).resolve().parents[2]
QUESTION = "How often should the coffee machine be descaled?"


@dataclass
class VisualLibrary:
    """A workspace with the visual channel on: a two-page PDF, a screenshot and a picture without text."""

    assistant: Assistant
    root: Path
    visual: dict[str, Any]
    pdf: int
    screenshot: int
    shapes: int


def shapes_only(path: Path) -> Path:
    """A drawing with no text at all (no red either, so no annotation mark): OCR finds nothing on it."""
    image = Image.new("RGB", (640, 480), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 300, 240), fill=(40, 90, 200))
    draw.ellipse((340, 120, 580, 360), fill=(30, 160, 70))
    draw.polygon([(120, 420), (260, 280), (400, 420)], fill=(230, 180, 30))
    image.save(path)
    return path


def catalog_page_ids(workspace: Workspace, document_id: int | None = None) -> set[int]:
    query = select(PageRow.id)
    if document_id is not None:
        query = query.where(PageRow.document_id == document_id)
    with workspace.session() as session:
        return set(session.scalars(query))


def visual_ranks(workspace: Workspace, question: str, depth: int) -> dict[tuple[int, int], int]:
    """(document id, page) -> rank of the page in the visual channel alone, as search would see it."""
    found = workspace.visual.search(question, depth)
    located = workspace.page_ids([page_id for page_id, _ in found])
    return {located[page_id]: rank for rank, (page_id, _) in enumerate(found, start=1) if page_id in located}


def add_pdf_and_drawing(assistant: Assistant, corpus: Corpus, folder: Path) -> tuple[int, int]:
    """Adds the two-page coffee manual and a drawing without text; returns their document ids."""
    pdf, drawing = assistant.add([corpus.coffee_en, shapes_only(folder / "shapes.png")])
    return pdf.id, drawing.id


def assert_visual_pages_on_disk(root: Path, pages: set[int]) -> None:
    """A fresh opening of the workspace reads exactly these pages (one vector each) from disk."""
    with Assistant(root) as reopened:
        assert reopened.workspace.visual.page_ids() == pages
        assert reopened.workspace.visual.n_vectors == len(pages)


@pytest.fixture(scope="module")
def visual_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    clip = tmp_path_factory.mktemp("models") / "clip"
    save_clip(clip)
    return {"kind": "clip", "path": str(clip), "max_tiles": 0}


@pytest.fixture(scope="module")
def visual_library(
    visual_settings: dict[str, Any], corpus: Corpus, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VisualLibrary]:
    root = tmp_path_factory.mktemp("visual") / "ws"
    shapes = shapes_only(root.parent / "shapes.png")
    assistant = Assistant(root, visual=visual_settings)
    added = {
        record.filename: record.id for record in assistant.add([corpus.coffee_en, corpus.arrow.path, shapes])
    }
    yield VisualLibrary(
        assistant,
        root,
        visual_settings,
        pdf=added[corpus.coffee_en.name],
        screenshot=added[corpus.arrow.path.name],
        shapes=added[shapes.name],
    )
    assistant.close()


def test_the_visual_index_holds_every_page_under_its_catalog_id(visual_library: VisualLibrary) -> None:
    workspace = visual_library.assistant.workspace
    assert workspace.settings.visual == visual_library.visual
    pages = catalog_page_ids(workspace)
    assert len(pages) == sum(record.page_count for record in visual_library.assistant.documents()) == 4
    assert workspace.visual.page_ids() == pages
    # max_tiles 0: the global view only, one vector per page
    assert workspace.visual.n_vectors == len(pages)
    assert (visual_library.root / "visual" / INDEX_FILE).is_file()
    # the setting is stored with the workspace, so every later opening has the channel
    stored = json.loads((visual_library.root / "config.json").read_text(encoding="utf-8"))
    assert stored["visual"] == visual_library.visual


def test_a_page_without_text_is_found_through_the_visual_channel_alone(visual_library: VisualLibrary) -> None:
    workspace = visual_library.assistant.workspace
    assert workspace.page_passages(visual_library.shapes, 1) == []  # OCR found nothing to index
    hits = visual_library.assistant.search(QUESTION, k=10)
    assert {hit.key for hit in hits} == {
        (visual_library.pdf, 1),
        (visual_library.pdf, 2),
        (visual_library.screenshot, 1),
        (visual_library.shapes, 1),
    }
    shapes = next(hit for hit in hits if hit.key == (visual_library.shapes, 1))
    assert shapes.document.id == visual_library.shapes and shapes.passages == []
    # its whole score is its visual reciprocal rank, exactly as fused
    weights = FusionWeights()
    rank = visual_ranks(workspace, QUESTION, max(weights.depth, 10 * 10))[shapes.key]
    assert shapes.score == pytest.approx(weights.visual / (weights.rrf_k + rank))
    # the text channels still decide among pages with text: the descaling page comes first
    assert hits[0].key == (visual_library.pdf, 2)


def test_reopening_loads_the_visual_index_from_disk(visual_library: VisualLibrary) -> None:
    before = visual_library.assistant.workspace.visual.search(QUESTION, 10)
    # no visual argument: the channel comes from the workspace's config.json
    with Assistant(visual_library.root) as reopened:
        visual = reopened.workspace.visual
        assert visual is not visual_library.assistant.workspace.visual
        assert visual.page_ids() == catalog_page_ids(reopened.workspace)
        assert visual.n_vectors == 4  # loaded before any page was added
        after = visual.search(QUESTION, 10)
        assert [page for page, _ in after] == [page for page, _ in before]
        assert [score for _, score in after] == pytest.approx([score for _, score in before], abs=1e-6)
        assert (visual_library.shapes, 1) in {hit.key for hit in reopened.search(QUESTION, k=10)}


def test_the_environment_turns_the_channel_on(
    visual_settings: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_VISUAL", json.dumps(visual_settings))
    with Assistant(tmp_path / "ws") as assistant:
        assert assistant.workspace.settings.visual == visual_settings
        assert assistant.workspace.visual is not None
        assert assistant.workspace.visual.page_ids() == set()


def test_delete_removes_the_pages_from_the_visual_index(
    visual_settings: dict[str, Any], corpus: Corpus, tmp_path: Path
) -> None:
    with Assistant(tmp_path / "ws", visual=visual_settings) as assistant:
        pdf, drawing = add_pdf_and_drawing(assistant, corpus, tmp_path)
        workspace = assistant.workspace
        kept = catalog_page_ids(workspace, pdf)
        assert workspace.visual.page_ids() == catalog_page_ids(workspace, drawing) | kept
        assert assistant.delete(drawing)
        assert workspace.visual.page_ids() == kept
        assert (drawing, 1) not in {hit.key for hit in assistant.search(QUESTION, k=10)}
    assert_visual_pages_on_disk(tmp_path / "ws", kept)  # the deletion reached the disk


def test_repair_after_a_killed_writer_drops_its_pages_from_the_visual_index_on_disk(
    visual_settings: dict[str, Any], corpus: Corpus, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    with Assistant(root, visual=visual_settings) as assistant:
        pdf, drawing = add_pdf_and_drawing(assistant, corpus, tmp_path)
        workspace = assistant.workspace
        kept = catalog_page_ids(workspace, pdf)
        # a writer killed after saving the vectors, before the catalog flipped the document to ready
        with workspace.writing(), workspace.session() as session, session.begin():
            session.execute(update(DocumentRow).where(DocumentRow.id == drawing).values(status="pending"))
            (root / "ingest.inprogress").touch()
    with Assistant(root) as repaired:  # the next writer repairs
        assert catalog_page_ids(repaired.workspace) == kept
        assert repaired.workspace.visual.page_ids() == kept
    assert_visual_pages_on_disk(root, kept)


def test_a_workspace_without_the_visual_channel_never_imports_torch(corpus: Corpus, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from assistant import Assistant
        a = Assistant({str(tmp_path / "ws")!r})
        a.add([{str(corpus.coffee_en)!r}])
        assert a.search("descale the coffee machine")
        a.close()
        print(*(name in sys.modules for name in ("torch", "transformers", "omnifusion.retrieval")))
        """
    )
    # as shipped: no ASSISTANT_* setting (the test session turns the deep channel off, for one)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ASSISTANT_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]
