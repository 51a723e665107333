"""Group a page's lines into passages that follow its layout: headings, blocks, marked regions."""

from __future__ import annotations

import re
from statistics import median

from indexer.controls import STATE_WORDS
from indexer.language import detect_language
from indexer.marks import lines_under_mark
from indexer.records import (
    Control,
    LineSpan,
    Mark,
    PageContent,
    PassageDraft,
    TextLine,
    Word,
    union_bbox,
)

MAX_PASSAGE_CHARS = 700
HEADING_SIZE_RATIO = 1.15
MAX_HEADING_CHARS = 120

MARK_DESCRIPTIONS: dict[str, str] = {
    "rectangle": (
        "marked in red: red rectangle frame box around it; "
        "выделено красной рамкой, обведено красным прямоугольником"
    ),
    "ellipse": (
        "marked in red: circled with a red ellipse oval; обведено красным овалом, кружком, выделено красным"
    ),
    "arrow": "marked in red: a red arrow points at it; на него указывает красная стрелка, отмечено красным",
    "highlight": "highlighted, marked; выделено, подсвечено",
}

_JUNK = re.compile(r"^[\W_]{1,3}$", re.UNICODE)


def clean_ocr_line(line: TextLine) -> TextLine | None:
    """Drop OCR noise: lone symbols that are really radio buttons, checkboxes and icons."""
    words = [word for word in line.words if not _JUNK.match(word.text)]
    while words and len(words[0].text) <= 2 and not words[0].text.isalnum():
        words.pop(0)
    return TextLine(words, line.block) if words else None


def build_passages(page: PageContent, section: str = "") -> tuple[list[PassageDraft], str]:
    """Return the page's passages and the section heading in force at its end (it carries over)."""
    lines = page.lines
    if page.text_source == "ocr":
        lines = [cleaned for line in lines if (cleaned := clean_ocr_line(line)) is not None]
        lines = visual_rows(lines)
        if lines and not section:
            # A screenshot's first row is its window or dialog title: the topic of every row below.
            section = lines[0].text.strip()
    passages: list[PassageDraft] = []
    for mark in page.marks:
        passage = _mark_passage(mark, lines, section)
        if passage is not None:
            passages.append(passage)
    passages.extend(control_passages(page.controls, section))
    if not lines:
        return passages, section
    body_size = _body_font_size(lines)
    block: list[TextLine] = []
    for index, line in enumerate(lines):
        heading = _is_heading(line, body_size, page.text_source)
        previous = lines[index - 1] if index else None
        if block and (heading or previous is None or _starts_new_block(previous, line, page.text_source)):
            passages.extend(_split_block(block, section))
            block = []
        if heading:
            section = line.text.strip()
            passages.append(_passage([line], "heading", section))
            continue
        block.append(line)
    if block:
        passages.extend(_split_block(block, section))
    return passages, section


def visual_rows(lines: list[TextLine]) -> list[TextLine]:
    """Re-line OCR words by their row on screen, so a label and its value share one line.

    Tesseract reads a dialog column by column ("Opacity:" in one block, "100,0" in another); a
    user reads it row by row. Rows separated by a clear vertical gap start a new block.
    """
    words = sorted((word for line in lines for word in line.words), key=lambda w: (w.bbox[1] + w.bbox[3]) / 2)
    if not words:
        return []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words)
    typical = max(4.0, heights[len(heights) // 2])
    rows: list[list[Word]] = []
    for word in words:
        centre = (word.bbox[1] + word.bbox[3]) / 2
        if rows:
            row = rows[-1]
            row_centre = sum((w.bbox[1] + w.bbox[3]) / 2 for w in row) / len(row)
            if abs(centre - row_centre) <= 0.45 * typical:
                row.append(word)
                continue
        rows.append([word])
    result: list[TextLine] = []
    block = 0
    previous_bottom: float | None = None
    for row in rows:
        row.sort(key=lambda w: w.bbox[0])
        top = min(w.bbox[1] for w in row)
        if previous_bottom is not None and top - previous_bottom > 1.6 * typical:
            block += 1
        previous_bottom = max(w.bbox[3] for w in row)
        result.append(TextLine(row, block))
    return result


def _body_font_size(lines: list[TextLine]) -> float:
    weighted: list[float] = []
    for line in lines:
        weighted.extend([line.font_size] * max(1, len(line.text) // 10))
    return median(weighted) if weighted else 0.0


def _is_heading(line: TextLine, body_size: float, source: str) -> bool:
    text = line.text.strip()
    if source != "pdf" or not text or len(text) > MAX_HEADING_CHARS or body_size <= 0:
        return False
    return line.font_size >= body_size * HEADING_SIZE_RATIO and any(ch.isalpha() for ch in text)


def _starts_new_block(previous: TextLine, line: TextLine, source: str) -> bool:
    if source == "ocr":
        return line.block != previous.block
    prev_box, box = previous.bbox, line.bbox
    height = max(1.0, prev_box[3] - prev_box[1])
    gap = box[1] - prev_box[3]
    if gap > 0.8 * height or gap < -3 * height:
        return True
    return abs(line.font_size - previous.font_size) > 0.2 * max(line.font_size, previous.font_size)


def _split_block(block: list[TextLine], section: str) -> list[PassageDraft]:
    passages: list[PassageDraft] = []
    chunk: list[TextLine] = []
    size = 0
    for line in block:
        length = len(line.text) + 1
        if chunk and size + length > MAX_PASSAGE_CHARS:
            passages.append(_passage(chunk, "text", section))
            chunk, size = [], 0
        chunk.append(line)
        size += length
    if chunk:
        passages.append(_passage(chunk, "text", section))
    return passages


def _passage(lines: list[TextLine], kind: str, section: str) -> PassageDraft:
    """Join lines into one text, mending words hyphenated across line ends, and keep line spans."""
    text = ""
    spans: list[LineSpan] = []
    for line in lines:
        line_text = line.text.strip()
        if text:
            if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line_text[:1].islower():
                text = text[:-1]
            else:
                text += "\n"
        start = len(text)
        text += line_text
        spans.append(LineSpan(start, len(text), line.bbox))
    bbox = union_bbox([line.bbox for line in lines])
    return PassageDraft(text, bbox, kind, detect_language(text), section, spans)  # type: ignore[arg-type]


def _mark_passage(mark: Mark, lines: list[TextLine], window: str) -> PassageDraft | None:
    # The lines are already cleaned of OCR noise by build_passages.
    marked = lines_under_mark(mark, lines)
    if not marked:
        return None
    # The window's title belongs with the mark: "…in the Print dialog, which option is circled?"
    # must find this window's mark, not the equally red one of another dialog.
    description = MARK_DESCRIPTIONS[mark.shape]
    passage = _passage(marked, "mark", f"{window}: {description}" if window else description)
    passage.text = passage.text.strip(" :;,.(")
    return passage


def control_passages(controls: list[Control], section: str) -> list[PassageDraft]:
    """One passage per control: "Paper Format › Orientation: Landscape (selected)", "Margins › Left: 0.98″".

    The first span is the label (when there is one), the second the value, each with its own
    box, so an answer can cite the value and the reader can tell them apart
    (`control_parts`). The state is written in the screen's language, for search and for users.
    """
    passages = []
    for control in controls:
        text, spans = f"{control.group} › " if control.group else "", []
        if control.label and control.label_bbox is not None:
            spans.append(LineSpan(len(text), len(text) + len(control.label), control.label_bbox))
            text += control.label + ": "
        start = len(text)
        text += control.value
        spans.append(LineSpan(start, len(text), control.value_bbox))
        lang = detect_language(f"{control.label} {control.value} {section}")
        if control.on is not None and control.kind in ("radio", "checkbox"):
            words = STATE_WORDS["ru" if lang == "ru" else "en"]
            text += f" ({words[(control.kind, control.on)]})"
        boxes = [span.bbox for span in spans]
        passages.append(PassageDraft(text, union_bbox(boxes), "control", lang, section, spans))
    return passages
