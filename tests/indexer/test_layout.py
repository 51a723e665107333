"""Passages follow the page layout: headings, blocks, lines with boxes, language per passage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.layout import MAX_PASSAGE_CHARS, build_passages, clean_ocr_line
from indexer.pdf import read_pdf
from indexer.records import BBox, PageContent, PassageDraft, TextLine, Word, union_bbox

if TYPE_CHECKING:
    from conftest import Corpus, Library, Maker


def inside(inner: BBox, outer: BBox, slack: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def pdf_passages(path: object, dpi: float = 150) -> list[list[PassageDraft]]:
    section = ""
    result = []
    for page in read_pdf(path, dpi):  # type: ignore[arg-type]
        passages, section = build_passages(page, section)
        result.append(passages)
    return result


def line(text: str, y: float, x: float = 50.0, size: float = 20.0, block: int = 0) -> TextLine:
    words, cursor = [], x
    for token in text.split():
        width = 10.0 * len(token)
        words.append(Word(token, (cursor, y, cursor + width, y + size), 95.0, size))
        cursor += width + 10.0
    return TextLine(words, block)


def test_headings_open_sections_and_paragraphs_become_passages(corpus: Corpus) -> None:
    pages = pdf_passages(corpus.vacuum_en)
    maintenance = pages[1]
    assert [(p.kind, p.text.split("\n")[0][:30]) for p in maintenance] == [
        ("heading", "Maintenance"),
        ("text", "Replace the dust bag every 4 w"),
        ("text", "Clean the exhaust filter under"),
    ]
    assert all(p.section == "Maintenance" for p in maintenance)
    assert all(p.lang == "en" for page in pages for p in page)


def test_passage_boxes_and_line_spans_stay_on_the_page(corpus: Corpus) -> None:
    for page, passages in zip(read_pdf(corpus.vacuum_ru, 150), pdf_passages(corpus.vacuum_ru), strict=True):
        sheet = (0.0, 0.0, float(page.width), float(page.height))
        for passage in passages:
            assert inside(passage.bbox, sheet)
            assert passage.bbox == pytest.approx(union_bbox([span.bbox for span in passage.spans]))
            assert passage.lang == "ru"
            lines = [passage.text[span.start : span.end] for span in passage.spans]
            assert "\n".join(lines) == passage.text


def test_section_carries_over_to_a_page_without_heading(make: Maker) -> None:
    path = make.manual("two.pdf", [("Filters", ["Wash the filter monthly."])])
    from pypdf import PdfReader, PdfWriter

    # A second page holding only body text: the writer's heading-less continuation.
    body = make.manual("body.pdf", [("", ["Let the filter dry for a whole day before refitting it."])])
    writer = PdfWriter(clone_from=path)
    writer.add_page(PdfReader(body).pages[0])
    writer.write(path)
    first, second = pdf_passages(path)
    assert first[0].kind == "heading" and first[0].text == "Filters"
    assert [p.section for p in second] == ["Filters"]


def test_language_is_detected_per_passage(make: Maker) -> None:
    path = make.manual(
        "bilingual.pdf",
        [
            (
                "Dust bag",
                ["Replace the dust bag every 4 weeks.", "Меняйте мешок пылесборника каждые 4 недели."],
            )
        ],
    )
    [passages] = pdf_passages(path)
    assert [(p.kind, p.lang) for p in passages] == [("heading", "en"), ("text", "en"), ("text", "ru")]


def test_long_blocks_are_split_without_losing_lines() -> None:
    lines = [
        line(f"Step {i}: press the power button and hold it for three seconds", 100 + 24 * i)
        for i in range(40)
    ]
    page = PageContent(1, 1240, 1754, 150, "pdf", lines=lines)
    passages, _ = build_passages(page)
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert "\n".join(p.text for p in passages) == "\n".join(item.text for item in lines)


def test_words_hyphenated_across_lines_are_mended() -> None:
    lines = [line("A full bag reduces the suc-", 100), line("tion power of the cleaner.", 124)]
    [passage], _ = build_passages(PageContent(1, 800, 600, 150, "pdf", lines=lines))
    assert passage.text == "A full bag reduces the suction power of the cleaner."
    assert passage.spans[1].bbox == lines[1].bbox


def test_ocr_blocks_are_separate_passages_and_junk_is_dropped() -> None:
    lines = [
        line("© Wrap around", 100, block=0),
        line("Edge behavior", 130, block=0),
        line("OK Cancel", 300, block=1),
    ]
    page = PageContent(1, 600, 400, 72, "ocr", lines=lines)
    passages, _ = build_passages(page)
    assert [p.text for p in passages] == ["Wrap around\nEdge behavior", "OK Cancel"]
    # A screenshot's first row is its title: the topic of every row below it.
    assert all(p.kind == "text" and p.section == "Wrap around" for p in passages)
    assert clean_ocr_line(line("| ©", 10)) is None


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгдеж", min_size=1, max_size=12)
raw_lines = st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(raw_lines, st.sampled_from(["pdf", "ocr"]), st.integers(10, 40))
def test_every_line_is_kept_once_and_spans_point_into_the_passage_text(
    texts: list[list[str]], source: str, gap: int
) -> None:
    lines = [
        line(" ".join(tokens), 40 + index * (20 + gap), block=index // 3)
        for index, tokens in enumerate(texts)
    ]
    page = PageContent(1, 2000, 40 + len(lines) * 80, 150, source, lines=lines)  # type: ignore[arg-type]
    passages, _ = build_passages(page)
    spans_text = [p.text[s.start : s.end] for p in passages for s in p.spans]
    assert spans_text == [item.text for item in lines]
    for passage in passages:
        assert passage.bbox == union_bbox([s.bbox for s in passage.spans])
        assert all(inside(s.bbox, passage.bbox) for s in passage.spans)
        assert passage.lang in ("en", "ru")


boxes = st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.floats(0, 500), st.floats(0, 500)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)


@given(st.lists(boxes, min_size=1, max_size=20))
def test_union_bbox_is_the_smallest_box_holding_all(items: list[BBox]) -> None:
    union = union_bbox(items)
    assert all(inside(item, union, slack=0) for item in items)
    for edge in range(4):
        assert union[edge] in [item[edge] for item in items]


def test_union_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one box"):
        union_bbox([])


def test_every_indexed_passage_sits_on_its_page(library: Library) -> None:
    workspace = library.assistant.workspace
    kinds: set[str] = set()
    for document in workspace.documents():
        languages = set()
        for number in range(1, document.page_count + 1):
            for passage in workspace.page_passages(document.id, number):
                sheet = (0.0, 0.0, passage.page_width + 1.0, passage.page_height + 1.0)
                assert inside(passage.bbox, sheet), (document.filename, number, passage.text)
                # The catalog keeps line boxes to 0.1 px.
                assert all(inside(span.bbox, passage.bbox, slack=0.06) for span in passage.spans)
                kinds.add(passage.kind)
                languages.add(passage.lang)
        assert set(document.languages.split(",")) == languages - {"und"}, document.filename
    assert kinds == {"heading", "text", "mark", "control"}
