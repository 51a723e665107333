"""What a plot's axis is labelled, read from where its words stand: the line beyond each row of tick numbers.

A chart pasted into a manual (a simulator's plot window, a benchmark graph, a datasheet's curve)
labels its axes with what they measure: "Drain voltage" under the numbers of the horizontal axis,
«Ток стока, мА» running up beside those of the vertical one. "What is the label of the horizontal
axis?", «Какая подпись у вертикальной оси?» are answered by that line, which no sentence of the page
says. An axis is found as tick numbers in a row (horizontal) or a column (vertical) of three or more,
evenly spaced; its label is the nearest line of words on the outer side of the numbers, across
their extent. OCR reads a label that runs up the image as a line standing on its side
(`indexer.ocr.read_sideways`), which the vertical axis prefers.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.generators.base import Answer
from assistant.generators.pasted import numbered_pictures, picture_answer
from assistant.generators.visual import PagePassages, TermWeights, hit_passages
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder
from indexer.records import BBox, PassageRecord

log = logging.getLogger(__name__)

_I = re.IGNORECASE
HORIZONTAL_AXIS = re.compile(
    r"\bhorizontal\s+axis|\bx[- ]?axis\b|\baxis\s+x\b|\babscissa\b"
    r"|(?<!\w)горизонтальн\w*\s+ос\w*|(?<!\w)ос\w*\s+(?:x|х|абсцисс)(?!\w)|(?<!\w)абсцисс\w*",
    _I,
)
VERTICAL_AXIS = re.compile(
    r"\bvertical\s+axis|\by[- ]?axis\b|\baxis\s+y\b|\bordinate\b"
    r"|(?<!\w)вертикальн\w*\s+ос\w*|(?<!\w)ос\w*\s+(?:y|у|ординат)(?!\w)|(?<!\w)ординат\w*",
    _I,
)
"""A question naming one axis of a plot, in English or Russian (Latin or Cyrillic x/y)."""
PLOT_PAGES = 3
"""Top pages looked at for a plot: the first that has the axis asked about answers."""
MIN_TICKS = 3
"""Tick numbers a row or column must hold to be an axis."""
EVEN_SPACING = 0.35
"""How far (as a share of their mean) the gaps between ticks may differ: an axis steps evenly."""
LABEL_REACH = 5.0
"""How far beyond its tick numbers, in their heights, an axis label may stand."""
_TICK = re.compile(r"^[-+−–]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?%?$")
_EDGE_DEBRIS = ")}]|!;:'\"`"
"""What a grid line beside a tick number reads as at its edges ("500.0}", "300.0)")."""


@dataclass(frozen=True)
class PlacedLine:
    """One line of a passage with its box: a tick number, an axis label or any other word on the page."""

    passage: PassageRecord
    text: str
    bbox: BBox

    @property
    def standing(self) -> bool:
        """Taller than wide: a line OCR read running up or down the picture."""
        return self.bbox[3] - self.bbox[1] > self.bbox[2] - self.bbox[0]


def asked_axis(question: str) -> str | None:
    """ "horizontal" or "vertical" when the question names one axis of a plot, else None."""
    horizontal, vertical = bool(HORIZONTAL_AXIS.search(question)), bool(VERTICAL_AXIS.search(question))
    if horizontal == vertical:
        return None
    return "horizontal" if horizontal else "vertical"


def is_tick(text: str) -> bool:
    """A tick number as OCR reads it: a number, perhaps with a grid line's stroke at its edge."""
    return bool(_TICK.match(text.strip().strip(_EDGE_DEBRIS)))


def placed_lines(passages: Sequence[PassageRecord]) -> list[PlacedLine]:
    """Every line of the passages with its box; a line of several tick numbers ("0.0 0.2 0.4") split
    into its numbers, spread evenly over the line's box (where each stands is all an axis needs)."""
    placed: list[PlacedLine] = []
    for passage in passages:
        for span in passage.spans:
            text = passage.text[span.start : span.end].strip()
            if not text:
                continue
            tokens = text.split()
            if len(tokens) >= MIN_TICKS and all(is_tick(token) for token in tokens):
                x0, y0, x1, y1 = span.bbox
                step = (x1 - x0) / len(tokens)
                placed += [
                    PlacedLine(passage, token, (x0 + i * step, y0, x0 + (i + 1) * step, y1))
                    for i, token in enumerate(tokens)
                ]
            else:
                placed.append(PlacedLine(passage, text, span.bbox))
    return placed


def _evenly_spaced(positions: list[float]) -> bool:
    gaps = [b - a for a, b in itertools.pairwise(positions)]
    if len(gaps) < MIN_TICKS - 1:
        return False
    mean = sum(gaps) / len(gaps)
    return mean > 0 and all(abs(gap - mean) <= EVEN_SPACING * mean for gap in gaps)


def axis_ticks(lines: Sequence[PlacedLine], axis: str) -> list[PlacedLine]:
    """The longest run of tick numbers that steps evenly along one row (horizontal axis: their centres
    level) or one column (vertical axis: their right edges aligned, as right-aligned numbers stand)."""
    ticks = [line for line in lines if is_tick(line.text) and not line.standing]
    best: list[PlacedLine] = []
    for anchor in ticks:
        height = anchor.bbox[3] - anchor.bbox[1]
        if axis == "horizontal":
            centre = (anchor.bbox[1] + anchor.bbox[3]) / 2
            row = [t for t in ticks if abs((t.bbox[1] + t.bbox[3]) / 2 - centre) <= height / 2]
            row.sort(key=lambda t: t.bbox[0])
            positions = [(t.bbox[0] + t.bbox[2]) / 2 for t in row]
        else:
            row = [t for t in ticks if abs(t.bbox[2] - anchor.bbox[2]) <= height]
            row.sort(key=lambda t: t.bbox[1])
            positions = [(t.bbox[1] + t.bbox[3]) / 2 for t in row]
        if len(row) > len(best) and _evenly_spaced(positions):
            best = row
    return best


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def axis_label(lines: Sequence[PlacedLine], axis: str) -> PlacedLine | None:
    """The label of the plot's `axis` among a page's lines: the nearest line of words beyond its tick
    numbers (below a row, left of a column) across their extent; a standing line first for a column."""
    ticks = axis_ticks(lines, axis)
    if not ticks:
        return None
    height = max(t.bbox[3] - t.bbox[1] for t in ticks)
    reach = LABEL_REACH * height
    words = [line for line in lines if _letters(line.text) >= 2 and not is_tick(line.text)]
    if axis == "horizontal":
        left, right = ticks[0].bbox[0], ticks[-1].bbox[2]
        bottom = max(t.bbox[3] for t in ticks)
        below = [
            w
            for w in words
            if 0 <= w.bbox[1] - bottom <= reach and w.bbox[2] > left and w.bbox[0] < right and not w.standing
        ]
        return min(below, key=lambda w: w.bbox[1] - bottom, default=None)
    top, bottom = ticks[0].bbox[1], ticks[-1].bbox[3]
    left = min(t.bbox[0] for t in ticks)
    beside = [w for w in words if 0 <= left - w.bbox[2] <= reach and w.bbox[3] > top and w.bbox[1] < bottom]
    standing = [w for w in beside if w.standing]
    return min(standing or beside, key=lambda w: left - w.bbox[2], default=None)


def answer_from_plot(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The label of the axis the question names, on the plot of the figure it numbers or of the first
    of the top pages that has one; None to pass (no axis named, no plot with that axis)."""
    axis = asked_axis(question)
    if axis is None or not hits:
        return None
    # The figure the question numbers first; then the top pages whole (a chart drawn in the PDF itself
    # has its tick numbers and labels in the text layer).
    numbered = numbered_pictures(question, hits, page_passages)
    pages = ([numbered] if numbered else []) + [hit_passages(hit, page_passages) for hit in hits[:PLOT_PAGES]]
    for passages in pages:
        label = axis_label(placed_lines([p for p in passages if p.kind != "heading"]), axis)
        if label is None:
            continue
        log.info("plot: %r -> %r (%s axis)", question, label.text, axis)
        return picture_answer(question, label.text, label.passage, label.bbox)
    return None
