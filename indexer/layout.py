"""Group a page's lines into passages that follow its layout: headings, blocks, marked regions."""

from __future__ import annotations

import re
from itertools import pairwise
from statistics import median

from indexer.controls import STATE_WORDS
from indexer.language import detect_language
from indexer.marks import lines_under_mark
from indexer.records import (
    Control,
    Figure,
    LineSpan,
    Mark,
    PageContent,
    PassageDraft,
    PassageKind,
    TextLine,
    Word,
    union_bbox,
)
from indexer.textscreen import KEY_COMBO

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
    """Drop OCR noise: lone symbols that are really radio buttons, checkboxes and icons. A key combo
    that starts a key bar's row ("^G Help ^O Write Out") is no noise."""
    words = [word for word in line.words if not _JUNK.match(word.text)]
    while (
        words
        and len(words[0].text) <= 2
        and not words[0].text.isalnum()
        and not KEY_COMBO.match(words[0].text)
    ):
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


def _split_block(block: list[TextLine], section: str, kind: PassageKind = "text") -> list[PassageDraft]:
    passages: list[PassageDraft] = []
    chunk: list[TextLine] = []
    size = 0
    for line in block:
        length = len(line.text) + 1
        if chunk and size + length > MAX_PASSAGE_CHARS:
            passages.append(_passage(chunk, kind, section))
            chunk, size = [], 0
        chunk.append(line)
        size += length
    if chunk:
        passages.append(_passage(chunk, kind, section))
    return passages


def _passage(lines: list[TextLine], kind: PassageKind, section: str) -> PassageDraft:
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
    return PassageDraft(text, bbox, kind, detect_language(text), section, spans)


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


# -- figures: labels and callouts read from the pictures of a text page ----------------------------

LABEL_GAP = 3.0
"""Words of one row further apart than this many letter heights are separate labels (knob names)."""
DENSE_FIGURE_WORDS = 50
"""A figure with this many words is a screenshot or a table: read by rows, columns apart only when far."""
DENSE_LABEL_GAP = 6.0
STACK_GAP = 0.8
"""Labels stacked closer than this many letter heights may be one label broken over lines."""
MAX_STACK = 3
MAX_LABEL_WORDS = 4
MAX_LABEL_CHARS = 32


def figure_passages(figure: Figure, section: str = "") -> list[PassageDraft]:
    """The figure's words as passages of labels: one line per label, its caption as their section.

    A figure is one topic, so its labels stay together (split only where a passage would grow too
    long). Without a caption the section heading in force (`section`) gives them their topic.
    """
    labels = figure_labels(figure.lines)
    # Numbers alone are a plot's ticks, nothing to search, or callouts whose legend is in the text:
    # kept, so that "what is part 3" is pointed at the 3 on the drawing.
    if not any(ch.isalpha() for label in labels for ch in label.text) and not are_callouts(labels):
        return []
    # diagrams hook: what the figure's lines join, one line per label (indexer.diagrams).
    return _split_block(labels + figure.relations, figure.caption or section, "figure")


def are_callouts(labels: list[TextLine]) -> bool:
    """Whether a figure's labels, numbers alone, are the callouts of an exploded view or a panel: each
    a small number of its own, no two alike, close to a run from 1 (a scale's ticks step by 5 or 10,
    or stand several on a line)."""
    numbers = [label.text.strip().rstrip(".)") for label in labels]
    if len(numbers) < 2 or not all(number.isdigit() and len(number) <= 2 for number in numbers):
        return False
    values = [int(number) for number in numbers]
    return len(set(values)) == len(values) and 0 < max(values) <= 2 * len(values) + 2


def figure_labels(lines: list[TextLine]) -> list[TextLine]:
    """OCR words of a drawing regrouped as its labels, in reading order.

    Words are re-lined by their row; a row splits where words stand far apart (the names under a
    row of knobs are separate labels), and in a sparse drawing labels stacked close over each other,
    and away from the rest, join (a two-line callout: "SSH" over "connection").
    """
    dense = sum(len(line.words) for line in lines) >= DENSE_FIGURE_WORDS
    spacing = DENSE_LABEL_GAP if dense else LABEL_GAP
    labels: list[TextLine] = []
    for row in visual_rows(lines):
        height = median([w.bbox[3] - w.bbox[1] for w in row.words])
        current = [row.words[0]]
        for word in row.words[1:]:
            if word.bbox[0] - current[-1].bbox[2] > spacing * height:
                labels.append(TextLine(current, row.block))
                current = []
            current.append(word)
        labels.append(TextLine(current, row.block))
    # In a table a missing cell leaves a gap that makes its neighbours look set apart: no stacking.
    return labels if dense else _stack_labels(labels)


def _stack_labels(labels: list[TextLine]) -> list[TextLine]:
    def overlaps(a: TextLine, b: TextLine) -> bool:
        return a.bbox[0] < b.bbox[2] and b.bbox[0] < a.bbox[2]

    def gap(upper: TextLine, lower: TextLine) -> float:
        return lower.bbox[1] - upper.bbox[3]

    below: dict[int, int] = {}
    above: dict[int, int] = {}
    for i, upper in enumerate(labels):
        candidates = [
            (gap(upper, lower), j)
            for j, lower in enumerate(labels)
            if j != i and overlaps(upper, lower) and gap(upper, lower) >= -0.2 * upper.height
        ]
        if candidates:
            below[i] = min(candidates)[1]
    for i, j in below.items():
        if j not in above or gap(labels[i], labels[j]) < gap(labels[above[j]], labels[j]):
            above[j] = i

    def short(label: TextLine) -> bool:
        return len(label.words) <= MAX_LABEL_WORDS and len(label.text) <= MAX_LABEL_CHARS

    def linked(i: int, j: int) -> bool:
        upper, lower = labels[i], labels[j]
        height = max(upper.height, lower.height)
        return (
            below.get(i) == j
            and above.get(j) == i
            and short(upper)
            and short(lower)
            and gap(upper, lower) <= STACK_GAP * height
            and max(upper.height, lower.height) <= 1.5 * min(upper.height, lower.height)
        )

    groups: dict[int, list[int]] = {}
    for head in range(len(labels)):
        if head in above and linked(above[head], head):
            continue  # inside a chain that starts higher up
        chain = [head]
        while chain[-1] in below and linked(chain[-1], below[chain[-1]]) and len(chain) <= MAX_STACK:
            chain.append(below[chain[-1]])
        inner = max((gap(labels[a], labels[b]) for a, b in pairwise(chain)), default=0.0)
        outside = [
            gap(labels[above[chain[0]]], labels[chain[0]]) if chain[0] in above else None,
            gap(labels[chain[-1]], labels[below[chain[-1]]]) if chain[-1] in below else None,
        ]
        # A list's items are evenly spaced: only labels set apart from their neighbours are one.
        apart = all(g is None or g > 1.5 * max(inner, 1.0) for g in outside)
        if 1 < len(chain) <= MAX_STACK and apart:
            groups[head] = chain
    members = {index for chain in groups.values() for index in chain[1:]}
    result: list[TextLine] = []
    for index, label in enumerate(labels):
        if index in members:
            continue
        chain = groups.get(index, [index])
        words = [word for member in chain for word in labels[member].words]
        result.append(TextLine(words, label.block))
    return result


def place_figures(passages: list[PassageDraft], figures: list[Figure], section: str) -> list[PassageDraft]:
    """The page's passages with each figure's passages where the figure stands in reading order.

    `section` is the heading in force when the page starts; a figure under a heading of the page
    takes that heading when it has no caption.
    """
    result = list(passages)
    for figure in sorted(figures, key=lambda f: (f.box[1], f.box[0])):
        after = (i for i, p in enumerate(result) if p.kind != "figure" and p.bbox[1] >= figure.box[1])
        position = next(after, len(result))
        heading = next((p.section for p in reversed(result[:position]) if p.kind == "heading"), section)
        result[position:position] = figure_passages(figure, heading)
    return result


def states_a_choice(text: str) -> bool:
    """Whether a control passage is a radio button's or a check box's ("… (not selected)", "… (отмечено,
    включено)"): an option one picks, never a button one presses."""
    ending = text.rstrip()
    return any(ending.endswith(f"({words})") for states in STATE_WORDS.values() for words in states.values())


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
