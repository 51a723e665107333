"""Manual pages laid out the way real ones are (option lists with a term column, indented command
blocks after an introducing sentence), written as real PDFs, and read back into the reader's pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, cast

from fpdf import FPDF

from assistant import Assistant
from assistant.generators.extractive import ExtractiveGenerator, Reading
from assistant.retrieval import PageHit
from assistant.spans import PageView
from indexer.layout import build_passages
from indexer.pdf import read_pdf
from indexer.records import DocumentRecord, PassageRecord

FONTS = Path("/usr/share/fonts/truetype/dejavu")

Block = (
    tuple[Literal["heading"], str]
    | tuple[Literal["text"], str]
    | tuple[Literal["code"], Sequence[str]]
    | tuple[Literal["options"], Sequence[tuple[str, str]]]
    | tuple[Literal["tight-options"], Sequence[tuple[str, str]]]
)
"""One block of a page: a heading, a paragraph, a command block (monospace, indented, set apart),
or an option list (terms at the margin, each definition indented below its term, as groff sets them;
"tight-options" without space between the items, so that one item's last line and the next term
fall into one passage)."""


def write_laid_out_manual(path: Path, pages: Sequence[Sequence[Block]]) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("Mono", "", str(FONTS / "DejaVuSansMono.ttf"))
    pdf.set_left_margin(20)
    for blocks in pages:
        pdf.add_page()
        for kind, content in blocks:
            if kind == "heading":
                pdf.set_font("DejaVu", size=18)
                pdf.multi_cell(0, 10, str(content), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
            elif kind == "text":
                pdf.set_font("DejaVu", size=11)
                pdf.multi_cell(0, 6, str(content), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(4)
            elif kind == "code":
                pdf.set_font("Mono", size=10)
                for line in content:
                    pdf.set_x(28)
                    pdf.cell(0, 5.5, str(line), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(5)
            else:
                pdf.set_font("DejaVu", size=11)
                # Only option lists are left: both kinds hold (term, definition) pairs.
                for term, definition in cast(Sequence[tuple[str, str]], content):
                    pdf.set_x(30)
                    pdf.cell(0, 6, term, new_x="LMARGIN", new_y="NEXT")
                    pdf.set_left_margin(45)
                    pdf.set_x(45)
                    pdf.multi_cell(0, 6, definition, new_x="LMARGIN", new_y="NEXT")
                    pdf.set_left_margin(20)
                    if kind == "options":
                        pdf.ln(2)
                pdf.ln(2)
    pdf.output(str(path))
    return path


def page_views(path: Path, media_type: str = "application/pdf") -> list[PageView]:
    """The PDF's pages as the reader sees them after ingest: passages from the real layout code."""
    document = DocumentRecord(1, path.name, "0" * 64, media_type, 0, path.stat().st_size, "", "")
    views = []
    section = ""
    next_id = 1
    for page in read_pdf(path, 150):
        drafts, section = build_passages(page, section)
        passages = []
        for draft in drafts:
            passages.append(
                PassageRecord(
                    next_id,
                    document,
                    page.number,
                    page.width,
                    page.height,
                    draft.kind,
                    draft.lang,
                    draft.section,
                    draft.text,
                    draft.bbox,
                    draft.spans,
                )
            )
            next_id += 1
        views.append(PageView(PageHit(document, page.number, 1.0, []), passages))
    return views


def passage_with(view: PageView, text: str) -> PassageRecord:
    return next(p for p in view.passages if text in p.text)


def read(assistant: Assistant, question: str) -> Reading:
    """The extractive reader's decision with its reason (`Assistant.ask` keeps only the answer)."""
    generator = assistant.generator
    assert isinstance(generator, ExtractiveGenerator)
    return generator.read(question, assistant.search(question))


def indexed_manuals(root: Path, files: Sequence[Path]) -> Iterator[Assistant]:
    """A workspace under `root` holding the files, for a module's fixture to yield (closed after)."""
    assistant = Assistant(root / "ws", deep_embedder="off", background_enrichment=False)
    assistant.add(list(files))
    yield assistant
    assistant.close()
