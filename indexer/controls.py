"""Dialog controls on screenshots: check boxes, radio buttons, fields and drop-downs, with their state.

A user asks a screenshot what is *set*: "which orientation is selected?", "what left margin is
entered?". OCR gives the words; which of them is the value, and which option is on, is in the
pixels: the filled radio dot, the tick, the frame around a field. The functions here are pure
(image and OCR words in, records out) so that each step can be tested on real crops; only
`recover_labels` runs tesseract again, on the labels OCR lost beside their check boxes.

Geometry is relative to the page's typical text height, never to absolute pixels: GIMP, GTK,
LibreOffice and Qt draw their widgets at different sizes and with different themes.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Literal

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.ocr import READ_MARGIN, distinctly_russian, latin_twin, mostly_latin, read_boxes, sure_letters
from indexer.records import BBox, Control, ControlKind, TextLine, Word, bboxes_overlap, union_bbox

IndicatorKind = Literal["radio", "checkbox"]

INK_CONTRAST = 24.0
"""Grey levels between a widget's outline and the background around it (anti-aliased 1-px lines reach ~35)."""

FRAME_CONTRAST = 12.0
"""Grey levels between a bar's edge and what is beyond it (GIMP's dark theme outlines its bars faintly)."""

STATE_CONTRAST = 40.0
"""Grey levels between the middle of an indicator and its inner ring that make it 'on' (dot, tick)."""

# What the stored passage says about a control's state, in the page's language. The reader matches
# these words, and lexical search finds "selected"/"выбрано" in a question.
STATE_WORDS: dict[str, dict[tuple[IndicatorKind, bool], str]] = {
    "en": {
        ("radio", True): "selected",
        ("radio", False): "not selected",
        ("checkbox", True): "ticked, enabled",
        ("checkbox", False): "not ticked, disabled",
    },
    "ru": {
        ("radio", True): "выбрано",
        ("radio", False): "не выбрано",
        ("checkbox", True): "отмечено, включено",
        ("checkbox", False): "не отмечено, выключено",
    },
}

_ARROW_TOKENS = frozenset({"v", "V", "у", "У", "Y", "y", "~", "⌄", "▼", "▾", "Vv", "wv", "я"})
_INDICATOR_LOOKALIKES = frozenset("OoОоQDCGcс@©®")
"""What tesseract reads a radio button or check box as when it takes it for a letter."""
_BRACKETS = frozenset("|[]{}()")
_FOCUS_DEBRIS = "‘’'`.,"
_OPTION_FLAG = re.compile(r"--?[^\W\d_]{1,2}")
"""A command's option inside a field's value ("xterm -e vim"): one letter, yet a word of the value."""
_PLACEHOLDER = re.compile(r"\+?[%$][^\W_]{1,2}|\+\d{1,3}")
"""A command template's argument ("nvim +%4 %f", "less +5 $1"): a file, a line the program fills in."""
_LEADING_MARKS = frozenset(".~-")
"""What starts a file's name or extension (".hpp", "~/.bashrc") and OCR sets apart as a word of its own."""
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Indicator:
    """A check box or radio button as drawn, and whether it is on."""

    kind: IndicatorKind
    bbox: BBox
    on: bool
    evidence: float
    """How far the indicator's middle differs from its inner ring (grey levels): the state's strength."""


@dataclass(frozen=True)
class Phrase:
    """Words on one row of the screen with ordinary word spacing between them: a label, a value."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox([word.bbox for word in self.words])


@dataclass(frozen=True)
class Frame:
    """The rectangle a field or drop-down draws around its value."""

    bbox: BBox
    kind: Literal["field", "dropdown", "button"]


# --- indicators -------------------------------------------------------------------------------


def text_height(words: list[Word]) -> float:
    """The page's typical word height in pixels (the unit every gap and size here is measured in)."""
    heights = [w.bbox[3] - w.bbox[1] for w in words if _is_text(w)]
    return float(median(heights)) if heights else 12.0


def background(gray: np.ndarray) -> np.ndarray:
    """The colour behind each pixel: a median over ~33 px ignores strokes, text and small widgets."""
    small = ndi.median_filter(gray[::3, ::3], size=11, mode="nearest")
    return small.repeat(3, axis=0).repeat(3, axis=1)[: gray.shape[0], : gray.shape[1]]


def indicator_shape(silhouette: np.ndarray) -> IndicatorKind | None:
    """'radio' for a disc, 'checkbox' for a square, None otherwise; `silhouette` is filled (no holes)."""
    height, width = silhouette.shape
    if min(height, width) < 6 or not 0.78 <= width / height <= 1.28:
        return None
    fill = float(silhouette.mean())
    corner = max(1, round(min(height, width) * 0.18))
    corners = [
        silhouette[:corner, :corner],
        silhouette[:corner, -corner:],
        silhouette[-corner:, :corner],
        silhouette[-corner:, -corner:],
    ]
    corner_fill = float(np.mean([c.mean() for c in corners]))
    # Sides must be straight or round all the way: letters (A, K, x) leave big bites out of the box.
    rows, cols = silhouette.mean(axis=1), silhouette.mean(axis=0)
    middle = slice(round(height * 0.3), max(round(height * 0.3) + 1, round(height * 0.7)))
    middle_cols = slice(round(width * 0.3), max(round(width * 0.3) + 1, round(width * 0.7)))
    if min(rows[middle].min(), cols[middle_cols].min()) < 0.85:
        return None
    # Every corner filled: a "D" has two square corners and two round ones, which average out.
    if fill >= 0.9 and corner_fill >= 0.6 and min(float(c.mean()) for c in corners) >= 0.5:
        return "checkbox"
    if 0.68 <= fill <= 0.86 and corner_fill <= 0.35:
        return "radio"
    return None


def indicator_state(crop: np.ndarray, kind: IndicatorKind) -> tuple[bool, float]:
    """Whether a check box is ticked or a radio button selected, from its grey pixels.

    `crop` is the indicator's bounding box. An 'off' indicator is uniform inside its outline
    (white, or a flat grey in dark themes); 'on' puts a dot or a tick in the middle, in a colour
    that differs from the ring around it (a white dot on blue, a black dot on white, a tick).
    """
    height, width = crop.shape
    ys, xs = np.mgrid[0:height, 0:width]
    cy, cx = (height - 1) / 2, (width - 1) / 2
    if kind == "radio":
        radius = np.hypot((ys - cy) / max(1.0, height / 2), (xs - cx) / max(1.0, width / 2))
        centre = crop[radius <= 0.22]
        ring = crop[(radius >= 0.45) & (radius <= 0.62)]
        if centre.size == 0 or ring.size == 0:
            return False, 0.0
        evidence = abs(float(np.median(centre)) - float(np.median(ring)))
        return evidence >= STATE_CONTRAST, evidence
    inner = crop[round(height * 0.22) : round(height * 0.78), round(width * 0.22) : round(width * 0.78)]
    if inner.size == 0:
        return False, 0.0
    # A tick or cross is a stroke across a flat field: the spread between its ink and the field.
    evidence = float(np.percentile(inner, 95) - np.percentile(inner, 5))
    return evidence >= STATE_CONTRAST * 1.5, evidence


def find_indicators(gray: np.ndarray, words: list[Word], height: float) -> list[Indicator]:
    """Check boxes and radio buttons: small squares and discs with a label just to their right."""
    text_words = [w for w in words if _is_text(w)]
    found = [
        indicator
        for indicator in indicator_candidates(gray, words, height)
        if _label_right_of(indicator.bbox, text_words, height) is not None
    ]
    return _settle_filled_boxes(_settle_radio_groups(found, height, text_words), gray)


def indicator_candidates(gray: np.ndarray, words: list[Word], height: float) -> list[Indicator]:
    """Squares and discs shaped, sized and outlined like check boxes and radio buttons, label or not.

    A dark theme draws an unticked box or an unselected radio in shades close to the window's
    (Adwaita dark: a ring 30 grey levels off, anti-aliased to less, round a disc 15 off): there
    the fainter contrast finds the ones a clear outline did not.
    """
    ground = background(gray)
    found = _shaped_like_indicators(gray, ground, words, height, INK_CONTRAST)
    if float(np.median(gray)) < 128:
        found += [
            faint
            for faint in _shaped_like_indicators(gray, ground, words, height, FRAME_CONTRAST)
            if all(_overlap_share(faint.bbox, clear.bbox) == 0 for clear in found)
        ]
    return found


def _shaped_like_indicators(
    gray: np.ndarray, ground: np.ndarray, words: list[Word], height: float, contrast: float
) -> list[Indicator]:
    """`indicator_candidates` where ink is `contrast` grey levels off the ground."""
    ink = np.abs(gray - ground) > contrast
    labels, _ = ndi.label(ink, structure=np.ones((3, 3), dtype=bool))
    text_words = [w for w in words if _is_text(w)]
    found: list[Indicator] = []
    for index, slices in enumerate(ndi.find_objects(labels), start=1):
        if slices is None:
            continue
        rows, cols = slices
        side_h, side_w = rows.stop - rows.start, cols.stop - cols.start
        if not (0.75 * height <= side_h <= 2.2 * height and 0.75 * height <= side_w <= 2.2 * height):
            continue
        component = labels[rows, cols] == index
        silhouette = ndi.binary_fill_holes(component)
        kind = indicator_shape(silhouette)
        if kind is None or not _plain_outline(gray[rows, cols], silhouette):
            continue
        # A widget stands apart from its label; the O of "OK" touches the K.
        gap = max(2, round(0.2 * height))
        if ink[rows, cols.stop : cols.stop + gap].any():
            continue
        bbox: BBox = (float(cols.start), float(rows.start), float(cols.stop), float(rows.stop))
        covering = [w for w in text_words if _overlap_share(bbox, w.bbox) > 0.5]
        if any(not (_glued_to(w, bbox) or _read_as_letter(w, bbox)) for w in covering):
            continue  # a letter O or a square bracket inside a word
        on, evidence = indicator_state(gray[rows, cols], kind)
        found.append(Indicator(kind, bbox, on, evidence))
    return found


def recover_labels(image: Image.Image, lines: list[TextLine], height: float) -> bool:
    """Read again the labels OCR lost next to their indicators; True when `lines` changed (in place).

    Tesseract often drops the first word after a check box ("[ ] ... expressions", "( ) ...
    compression"): the box and the word run together. For each indicator whose label does not
    start right after it, the row from the indicator to the end of the label's remains is OCRed on
    its own, and the new reading replaces the old words there when it holds more letters.
    """
    words = [w for line in lines for w in line.words]
    text_words = [w for w in words if _is_text(w)]
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    regions: list[BBox] = []
    rows: list[tuple[float, float]] = []  # the rows read, to which each region's words are kept
    framed: list[bool] = []  # a late label sits in a focus frame, whose dots are whitened first
    candidates = indicator_candidates(gray, words, height)
    labels = [_label_right_of(indicator.bbox, text_words, height) for indicator in candidates]
    gaps = [
        label.bbox[0] - indicator.bbox[2]
        for indicator, label in zip(candidates, labels, strict=True)
        if label is not None and not _glued_to(label, indicator.bbox)
    ]
    usual_gap = float(median(gaps)) if len(gaps) >= 3 else None
    for indicator, label in zip(candidates, labels, strict=True):
        _, y0, x1, y1 = indicator.bbox
        # A label that starts later than its neighbours' lost its first letters to a focus frame
        # ("ерезстрочность" for "Чересстрочность"): it is read again like a lost one.
        late = (
            label is not None
            and usual_gap is not None
            and label.bbox[0] - indicator.bbox[2] > usual_gap + 0.25 * height
        )
        if label is not None and not _glued_to(label, indicator.bbox) and not late:
            continue
        cy = (y0 + y1) / 2
        row = sorted(
            (
                w
                for w in text_words
                if w.bbox[1] <= cy <= w.bbox[3] and (x1 < w.bbox[0] <= x1 + 15 * height or w is label)
            ),
            key=lambda w: w.bbox[0],
        )
        pad = 0.3 * (y1 - y0)
        if not row:
            # OCR lost the whole label (grey text in a dotted focus frame, GIMP's dark theme): read
            # the row beside the indicator when something is written there.
            end = _ink_end(gray, (x1 + 1, y0, min(gray.shape[1] - 1, x1 + 25 * height), y1), height)
            if end is not None:
                regions.append((x1 + 1, y0 - pad, end + 2, y1 + pad))
                rows.append((y0 - 1, y1 + 1))
                framed.append(False)
            continue
        end = row[0].bbox[2]
        for previous, word in itertools.pairwise(row):
            if word.bbox[0] - previous.bbox[2] > 1.2 * height:
                break
            end = word.bbox[2]
        if late:
            # The frame may have cost the label its last letters too ("(Adam" for "(Adam7)").
            ink = _ink_end(gray, (x1 + 1, y0, min(gray.shape[1] - 1, end + 4 * height), y1), height)
            end = max(end, ink or end)
        regions.append((x1 + 1, min(y0, row[0].bbox[1]) - pad, end + 2, max(y1, row[0].bbox[3]) + pad))
        if late:
            # Its words keep the old reading's height: the frame's dots must not stretch them
            # into something as tall as a window's title.
            rows.append((row[0].bbox[1], row[0].bbox[3]))
        else:
            rows.append((min(y0, row[0].bbox[1]) - 1, max(y1, row[0].bbox[3]) + 1))
        framed.append(late)
    if not regions:
        return False
    rereadings: list[tuple[BBox, list[Word]]] = []
    for region, (top, bottom), found in zip(
        regions, rows, read_boxes(image, regions, "eng+rus", framed=framed), strict=True
    ):
        # A dotted focus frame around the label reads as quotes and full stops at its ends, and
        # stretches the words' boxes over it: they are kept to the row that was read.
        found = [
            dataclasses.replace(
                w,
                text=w.text.strip(_FOCUS_DEBRIS) or w.text,
                bbox=(w.bbox[0], max(w.bbox[1], top), w.bbox[2], min(w.bbox[3], bottom)),
            )
            for w in found
        ]
        # A word of the pad above or below the row, outside it, is no word of that row.
        kept = [w for w in found if _has_area(w.bbox) and _is_text(w) and w.confidence >= 50]
        rereadings.append((region, kept))
    return _put_rereadings(lines, rereadings, words)


MIN_LIST_ROWS = 3
"""Phrases that start at one x, one row apart, that make a list's column."""
MAX_LOST_ROWS = 4
"""Rows read again in one gap of a column: a few lost rows, not a page of them."""


def recover_list_rows(image: Image.Image, lines: list[TextLine], height: float) -> bool:
    """Read again the rows OCR lost in a list's column; True when `lines` changed (in place).

    A list box draws its rows at one pitch under one left edge; tesseract's page layout skips the
    highlighted row (a grey bar in a dotted focus frame) and the rows beside it, which are what a
    user asks about ("which font face is selected?"). Where the column's pitch says a row is due
    between two rows read, and ink is there, that row is read on its own; its reading replaces what
    OCR made of it when it holds more letters.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    words = [w for line in lines for w in line.words if _is_text(w)]
    firsts = sorted(
        (
            first
            for line in lines
            if (first := next((w for w in line.words if _is_text(w)), None)) is not None
        ),
        key=lambda w: w.bbox[0],
    )
    # Lines that start within half a text height of each other make one column.
    columns: list[list[Word]] = []
    for word in firsts:
        if columns and word.bbox[0] - columns[-1][-1].bbox[0] <= 0.5 * height:
            columns[-1].append(word)
        else:
            columns.append([word])
    regions: list[BBox] = []
    for column in columns:
        for slot in _lost_rows(gray, sorted(column, key=lambda w: w.bbox[1]), words, height):
            if all(not bboxes_overlap(slot, other) for other in regions):
                regions.append(slot)
    if not regions:
        return False
    rereadings: list[tuple[BBox, list[Word]]] = []
    for region, found in zip(regions, read_boxes(image, regions, "eng+rus", framed=True), strict=True):
        # The focus frame's dots read as quotes and bars at the row's ends, and cost its word confidence.
        # Its words are kept to the row read (tesseract stretches them over the frame's dots).
        stripped = [
            dataclasses.replace(
                w,
                text=w.text.strip(_FOCUS_DEBRIS + "".join(_BRACKETS)) or w.text,
                bbox=(w.bbox[0], max(w.bbox[1], region[1]), w.bbox[2], min(w.bbox[3], region[3])),
            )
            for w in found
        ]
        fresh = [w for w in stripped if (_is_text(w) and w.confidence >= 50) or whole_word(w.text)]
        rereadings.append((region, fresh))
    return _put_rereadings(lines, rereadings, words, min_letters=3)


def _lost_rows(gray: np.ndarray, column: list[Word], words: list[Word], height: float) -> list[BBox]:
    """The row boxes a column's pitch puts between two of its rows read further apart, where ink is.

    Only between rows: above the first and below the last, the list's frame, a scroll bar's end
    or the next label are as likely as a row.
    """
    if len(column) < MIN_LIST_ROWS:
        return []
    steps = [b.bbox[1] - a.bbox[1] for a, b in itertools.pairwise(column)]
    pitches = [step for step in steps if 1.0 * height <= step <= 2.5 * height]
    if len(pitches) < MIN_LIST_ROWS - 1:
        return []
    # OCR stretches some rows' boxes (a descender, an underscore): the shorter steps are the pitch.
    pitch = float(median(sorted(pitches)[: max(2, (len(pitches) + 1) // 2)]))
    x0 = min(w.bbox[0] for w in column) - 0.3 * height
    x1 = x0 + max(3 * height, max(w.bbox[2] - w.bbox[0] for w in column))
    row_height = float(median([w.bbox[3] - w.bbox[1] for w in column]))
    slots: list[BBox] = []
    for upper, lower in itertools.pairwise(column):
        # Rows missing between two read ones (the highlighted row and its neighbours).
        missing = round((lower.bbox[1] - upper.bbox[1]) / pitch) - 1
        for step in range(1, min(missing, MAX_LOST_ROWS) + 1):
            # Counted up from the lower row: the upper one may be the list's title, set apart.
            top = lower.bbox[1] - step * pitch
            # One pitch tall: a taller box takes in the letters of the rows beside it.
            slot = (x0, top - 0.15 * pitch, x1, top + 0.85 * pitch)
            band = gray[round(top) : round(top + min(row_height, 0.7 * pitch)), max(0, round(x0)) : round(x1)]
            if not band.size or not (np.abs(band - np.median(band)) > INK_CONTRAST).any():
                continue
            # A word read with confidence there, or one coming from left of the column (a label of
            # the form around the list), is no lost row.
            if any(
                bboxes_overlap(w.bbox, slot)
                and (w.confidence >= SURE_READING or w.bbox[0] < x0 - 0.3 * height)
                for w in words
            ):
                continue
            slots.append(slot)
    return slots


def _put_rereadings(
    lines: list[TextLine], rereadings: list[tuple[BBox, list[Word]]], before: list[Word], min_letters: int = 1
) -> bool:
    """Each region's new reading takes the place of the words read there `before` when it holds more letters
    than they did (and at least `min_letters`); True when `lines` changed (in place)."""
    changed = False
    block = max((line.block for line in lines), default=0) + 1
    for region, fresh in rereadings:
        letters = sum(ch.isalpha() for w in fresh for ch in w.text)
        # Every word read there counts, sure or not: a row read whole but faintly ("Внешний вид" on a
        # tinted bar) was not lost, and a second reading no longer than it is no better.
        old = [w for w in [*before, *(w for line in lines for w in line.words)] if _read_in(w.bbox, region)]
        old = list({id(w): w for w in old}.values())
        if letters < min_letters or letters <= sum(ch.isalpha() for w in old for ch in w.text):
            continue
        _put_in_place(lines, region, fresh, block)
        block += 1
        changed = True
    lines[:] = [line for line in lines if line.words]
    return changed


def _put_in_place(lines: list[TextLine], region: BBox, fresh: list[Word], block: int) -> None:
    """The words read again in `region` take the place of those read there before, as a line of their own."""
    for line in lines:
        line.words[:] = [w for w in line.words if not _read_in(w.bbox, region)]
    lines.append(TextLine(fresh, block))


REREAD_SHARE = 0.3
"""Share of a word's box inside a region read again that makes the new reading its replacement: a word
read a little above its row (a tinted bar shifts tesseract's line) is still that row's; a row's
neighbour reaches into it by a sliver at most."""


def _read_in(box: BBox, region: BBox) -> bool:
    """Whether a region read again covers the word at `box` (its centre, or a good share of it)."""
    return _centre_in(box, region) or _overlap_share(box, region) >= REREAD_SHARE


def recover_values(image: Image.Image, lines: list[TextLine], height: float) -> bool:
    """Read again the values OCR lost right of their labels; True when `lines` changed (in place).

    A value inside a framed button or field ("File: [/tmp/output.ps]", a file chooser) is often
    lost whole: the frame and its shading hide it from tesseract's page layout. For each label
    ending in ':' with nothing read to its right on its row, the row beside it is read on its own,
    its frame whitened first.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    page_w = gray.shape[1]
    words = [w for line in lines for w in line.words if _is_text(w)]
    regions: list[BBox] = []
    closed: list[bool] = []
    for word in words:
        _, y0, x1, y1 = word.bbox
        if y0 < TITLE_BAR * height or not (word.text.endswith(":") or _unmarked_label(word)):
            continue
        cy = (y0 + y1) / 2
        # A drop-down's arrow read as letters ("Ww") is no value: the value beside it was lost.
        beside = [
            w for w in words if w.bbox[1] <= cy <= w.bbox[3] and w.bbox[0] > x1 and not arrow_debris(w.text)
        ]
        nearest = min((w.bbox[0] for w in beside), default=float(page_w))
        if nearest - x1 <= 4 * height:
            continue
        reach = min(nearest - 0.5 * height, page_w - 1.0)
        end = min(reach, x1 + 30 * height)
        # Inside the value's frame when there is one: its side reads as ",:" and costs the value's
        # own letters tesseract's confidence.
        start = frame_inner_side(gray, (x1 + 2, y0, end, y1), height)
        far = None if start is not None else far_field(gray, x1, cy, reach, height)
        if far is not None:
            regions.append(_within(far))
            closed.append(True)
            continue
        band = gray[round(y0) : round(y1), round(start or x1 + 2) : round(end)]
        if band.size == 0 or not (np.abs(band - np.median(band)) > INK_CONTRAST).any():
            continue
        if (
            not word.text.endswith(":")
            and frame_inner_side(
                gray, (x1 + 2, y0 - 0.3 * height, min(end, x1 + 2 * height), y1 + 0.3 * height), height
            )
            is None
        ):
            # A label without a colon (GTK's "Number system  [Decimal ▾]") is one only when the side of
            # a frame taller than its letters stands just after it: any other text ends with a word too.
            continue
        # Only the frame's inside where it closes: the ground beyond it and the edges of the widgets
        # around it cost the value's letters (an X toolkit's field is a pale box on grey).
        inside = (
            frame_inside(gray, (start, y0 - 0.3 * height, end, y1 + 0.3 * height), height)
            if start is not None
            else None
        )
        start = start or x1 + 2
        regions.append(_within(inside) if inside else (start, y0 - 0.6 * height, end, y1 + 0.6 * height))
        closed.append(inside is not None)
    if not regions:
        return False
    next_block = max((line.block for line in lines), default=0) + 1
    changed = False
    # The screen's own script first: a Russian unit ("128 МБ") is read in Latin look-alikes ("MB")
    # by eng+rus, and a Latin value on a Russian screen is put back by `settle_value_scripts`.
    languages = "eng+rus" if mostly_latin(words) else "rus+eng"
    readings = read_boxes(image, regions, languages, framed=True)
    for region, found, framed in zip(regions, readings, closed, strict=True):
        found = [_without_cursor(w) for w in found]
        fresh = [
            w
            for w in found
            if (_is_text(w) and w.confidence >= 50) or whole_word(w.text) or compound_name(w.text)
        ]
        # One letter read in the open is a stroke of a widget; one digit alone inside a closed frame
        # as wide as a field is a spin box's value ("Columns: [3]").
        spin_box = framed and region[2] - region[0] >= 3 * height
        letters = sum(ch.isalnum() for w in fresh for ch in w.text)
        if letters < 2 and not (spin_box and _lone_digit(fresh)):
            continue
        # A field a column away may hold words read before ("5,00 px", or "px" of a lost "150,00 px"):
        # the new reading takes their place only when it holds more.
        if letters <= sum(ch.isalnum() for w in words if _read_in(w.bbox, region) for ch in w.text):
            continue
        _put_in_place(lines, region, fresh, next_block)
        next_block += 1
        changed = True
    lines[:] = [line for line in lines if line.words]
    return changed


def far_field(gray: np.ndarray, label_end: float, row: float, reach: float, height: float) -> BBox | None:
    """The inside of the field a column away right of a label ending at `label_end` on the row
    whose middle is `row`: the first frame whose side stands before `reach`; None when there is none.

    A two-column form (Qt's QFormLayout) sets every field in one column, right of its longest
    label: a short label's spin box or combo box starts far off. Its side, taller than any letter,
    is the first upright line on the row (in the row's band, not the label's box, which OCR may
    have boxed with a neighbour's strokes); its right side may stand past debris OCR read inside it
    (a spin box's arrows), so the inside is looked for up to the page's edge.
    """
    band = (label_end + 2, row - 0.8 * height, reach, row + 0.8 * height)
    side = frame_inner_side(gray, band, height, reach - label_end)
    if side is None:
        return None
    return frame_inside(gray, (side, band[1], gray.shape[1] - 1.0, band[3]), height)


def _within(inside: BBox) -> BBox:
    """A frame's inside as a region to read again: `read_boxes` pads each region by its margin, which
    must not take the frame's own lines back in (a light theme's grey lines outlast `without_frame`)."""
    x0, y0, x1, y1 = inside
    return (x0 + READ_MARGIN, y0 + READ_MARGIN, x1 - READ_MARGIN - 1, y1 - READ_MARGIN - 1)


def _lone_digit(words: list[Word]) -> bool:
    """Whether a reading is one digit and nothing else, read with the confidence of a sure letter."""
    return (
        len(words) == 1 and words[0].text.isdigit() and len(words[0].text) == 1 and words[0].confidence >= 60
    )


_COMPOUND_NAME = re.compile(r"[^\W_]{2,}(?:[-.=/][^\W_]+){2,}")
_TEXT_CURSOR = re.compile(r"(?<=\w)[,_^.]$")


def compound_name(text: str) -> bool:
    """A name of three or more parts joined by '-', '.', '=' or '/' ("hp-laserjet-3rd-floor", an
    option "number-up=2"): tesseract doubts such a word, having no dictionary for it, though it reads
    it whole inside a field's frame."""
    return _COMPOUND_NAME.fullmatch(text) is not None


def _without_cursor(word: Word) -> Word:
    """A field's word without the text cursor drawn under its end (X toolkits' caret reads as ',' or '_')."""
    return dataclasses.replace(word, text=_TEXT_CURSOR.sub("", word.text))


def _ends_label(text: str) -> bool:
    """A text ending in ':' after a word ("String to Find:"): a label, even where a frame is around it
    (the window's edge and the field under it frame the space a label above its field stands in)."""
    return text.endswith(":") and sum(ch.isalpha() for ch in text) >= 3


def _unmarked_label(word: Word) -> bool:
    """A word that may end a label written without a colon: a word of letters, not a sentence's end."""
    return sum(ch.isalpha() for ch in word.text) >= 3 and word.text[-1:].isalpha()


MAX_SETTLED_WORDS = 3
"""A field's value read again in each script when it is this short: a program, a name, a setting."""
SCRIPT_LEAD = 30.0
"""Confidence by which one script's reading of a value's own crop must beat the other's to settle it."""
SURE_READING = 80.0
"""...and how sure that reading must be itself."""


def settle_value_scripts(image: Image.Image, values: list[Phrase], latin_screen: bool = False) -> int:
    """Read again, in English alone and in Russian alone, the short values in fields that OCR read in
    Cyrillic; put the English reading in place (in the words themselves) where the crop says it is
    clearly Latin. Returns how many values changed.

    A value spelled only with letters both scripts share ("схх" of ".cxx") looks the same in either:
    the crop cannot settle it, the screen's own language does (`latin_screen`: an English dialog).

    A Russian dialog's fields hold Latin names (programs, commands: "geany", "mpv"), which eng+rus
    reads as look-alike Cyrillic ("деапу", 88 sure) beside the Russian labels. The value alone
    settles it: each language reads the crop, and a Latin word gets a sure English reading and a
    poor Russian one ("geany" 92 / "‘деапу" 47), while a Russian value gets the reverse and stays.
    """
    doubtful = [
        phrase
        for phrase in values
        if not _latin_throughout(phrase)
        and len(phrase.words) <= MAX_SETTLED_WORDS
        and any(_CYRILLIC.search(w.text) for w in phrase.words)
    ]
    # The other way round on a Russian screen: a unit in capitals ("128 МБ") read as Latin ("MB").
    in_latin = [
        phrase
        for phrase in values
        if not latin_screen
        and len(phrase.words) <= MAX_SETTLED_WORDS
        and not any(_CYRILLIC.search(w.text) for w in phrase.words)
        and any(_latin_capitals(w.text) for w in phrase.words)
    ]
    if not doubtful and not in_latin:
        return 0
    boxes = [phrase.bbox for phrase in doubtful]
    english = read_boxes(image, boxes, "eng", framed=True)
    russian = read_boxes(image, boxes + [phrase.bbox for phrase in in_latin], "rus", framed=True)
    for phrase, in_russian in zip(in_latin, russian[len(doubtful) :], strict=True):
        _settle_russian_capitals(phrase, in_russian)
    russian = russian[: len(doubtful)]
    changed = sum(_latin_throughout(phrase) for phrase in values)
    for phrase, in_english, in_russian in zip(doubtful, english, russian, strict=True):
        reading = latin_reading(phrase, in_english, in_russian)
        if reading is None and latin_screen:
            twins = [latin_twin(w.text) or w.text for w in phrase.words]
            reading = None if any(_CYRILLIC.search(t) for t in twins) else twins
        if reading is None:
            continue
        for word, text in zip(phrase.words, reading, strict=True):
            word.text = text
        changed += 1
    return changed


def _latin_capitals(text: str) -> bool:
    """A short word in Latin capitals ("MB", "KB"): an acronym, or a Russian one read in look-alikes."""
    return 2 <= len(text) <= 4 and text.isascii() and text.isalpha() and text.isupper()


def _settle_russian_capitals(phrase: Phrase, russian: list[Word]) -> None:
    """Put in Russian the Latin capitals of a value whose crop, read in Russian alone, surely holds a
    letter no Latin one looks like in their place ("MB" read "МБ": Б has no Latin twin, B's is В)."""
    russian = [w for w in russian if w.text.strip("".join(_BRACKETS))]
    if len(russian) != len(phrase.words):
        return
    for word, reading in zip(phrase.words, russian, strict=True):
        if (
            _latin_capitals(word.text)
            and len(reading.text) == len(word.text)
            and distinctly_russian(reading.text)
            and reading.confidence >= SURE_READING
        ):
            word.text = reading.text


def _latin_throughout(phrase: Phrase) -> bool:
    """Put in Latin the look-alike Cyrillic words ("-а" of "rsync -а -z") of a value mostly in Latin words,
    when none of its Cyrillic words is truly Russian; whether the phrase is (now) Latin throughout.

    A command, a path or a name is written in one script; eng+rus reads a lone short word of it in the
    other where the letters are the same.
    """
    texts = [w.text for w in phrase.words]
    cyrillic = [t for t in texts if _CYRILLIC.search(t)]
    if not cyrillic:
        return False
    latin = [t for t in texts if not _CYRILLIC.search(t) and any(ch.isalpha() for ch in t)]
    twins = [latin_twin(t) for t in texts]
    if len(latin) <= len(cyrillic) or any(latin_twin(t) is None for t in cyrillic):
        return False
    for word, twin in zip(phrase.words, twins, strict=True):
        if twin is not None:
            word.text = twin
    return True


def latin_reading(phrase: Phrase, english: list[Word], russian: list[Word]) -> list[str] | None:
    """The English words of a value read in Cyrillic, when its crop read in English is the sure one."""
    english = [w for w in english if w.text.strip("".join(_BRACKETS))]
    if len(english) != len(phrase.words) or not english:
        return None
    texts = [w.text.strip("".join(_BRACKETS)) for w in english]
    if not all(t.isascii() and any(ch.isalpha() for ch in t) for t in texts):
        return None
    if any(abs(len(t) - len(w.text)) > 1 for t, w in zip(texts, phrase.words, strict=True)):
        return None
    sure = min(w.confidence for w in english)
    rival = min((w.confidence for w in russian), default=0.0)
    if sure < SURE_READING or sure - rival < SCRIPT_LEAD:
        return None
    return texts


def whole_word(text: str) -> bool:
    """A whole word of one script, four letters or more ("Нормальный"): tesseract doubts such a word
    when a drop-down's arrow shares its line, yet it is no widget debris."""
    one_script = text.isascii() or all(_CYRILLIC.match(ch) for ch in text)
    return len(text) >= 4 and text.isalpha() and one_script


def frame_inner_side(gray: np.ndarray, band: BBox, height: float, reach: float | None = None) -> float | None:
    """Just inside the left side of a frame that starts within `reach` pixels (4 text heights unless
    told) of a band's start."""
    x0, y0, x1, y1 = (round(v) for v in band)
    rows = gray[max(0, y0) : y1]
    reach = 4 * height if reach is None else reach
    for column in range(max(1, x0), min(x1, x0 + round(reach), gray.shape[1] - 1)):
        if (
            rows.size
            and float((np.abs(rows[:, column] - rows[:, column - 1]) > FRAME_CONTRAST).mean()) >= 0.9
        ):
            return float(column + 3)
    return None


def frame_inside(gray: np.ndarray, band: BBox, height: float) -> BBox | None:
    """The inside of the frame a band starts in (just inside its left side), text and all; None when
    no right side stands in the band or no top and bottom close it. `band` is taller than the text,
    so no letter's stroke spans it."""
    x0, y0, x1, y1 = (round(v) for v in band)
    rows = gray[max(0, y0) : y1]
    if rows.size == 0:
        return None
    sides = np.flatnonzero((np.abs(np.diff(rows, axis=1)) > FRAME_CONTRAST).mean(axis=0) >= 0.9) + 1
    # A bevel is drawn in several lines: the inside starts after the last of them.
    x0 = max([x0, *(int(side) + 1 for side in sides if x0 <= side < x0 + height)])
    right = next((int(side) for side in sides if x0 + height <= side < x1), None)
    if right is None:
        return None
    fill = float(np.median(gray[max(0, y0) : y1, x0:right]))
    span = (x0, right - 1)
    reach = round(height)
    top = _edge(gray, fill, 0, max(0, y0), max(-1, y0 - reach), -1, span, FRAME_CONTRAST)
    bottom = _edge(gray, fill, 0, y1, min(gray.shape[0], y1 + reach), 1, span, FRAME_CONTRAST)
    if top is None or bottom is None:
        return None
    return (float(x0), float(top + 1), float(right - 1), float(bottom - 1))


def _ink_end(gray: np.ndarray, region: BBox, height: float) -> float | None:
    """Where the writing that starts just right of a widget ends (a gap of two text heights), if any."""
    x0, y0, x1, y1 = (round(v) for v in region)
    crop = gray[max(0, y0) : y1, x0:x1]
    if crop.size == 0:
        return None
    columns = (np.abs(crop - np.median(crop)) > INK_CONTRAST).any(axis=0)
    inked = np.flatnonzero(columns)
    if inked.size == 0 or inked[0] > 1.5 * height:
        return None
    end = inked[0]
    for column in inked[1:]:
        if column - end > 2 * height:
            break
        end = column
    # A label is a few letters wide; a lone stroke is a frame's edge or the next widget.
    return float(x0 + end) if end - inked[0] >= 1.5 * height else None


def _centre_in(box: BBox, region: BBox) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] <= x <= region[2] and region[1] <= y <= region[3]


def _plain_outline(crop: np.ndarray, silhouette: np.ndarray) -> bool:
    """A widget's outline is one even colour all the way round; an icon's edge is a picture."""
    edge = silhouette & ~ndi.binary_erosion(silhouette)
    if not edge.any():
        return False
    if float(crop[edge].std()) <= 32.0 or _bevelled(crop, silhouette):
        return True
    # A thin anti-aliased ring (GIMP's dark theme: a 1-px light circle over a darker disc) mixes
    # its line with half-covered pixels; its line is still the same colour all the way round, so
    # the strongest pixel of the outline is alike in every direction, which an icon's edge is not.
    band = silhouette & ~ndi.binary_erosion(silhouette, iterations=2)
    height, width = crop.shape
    ys, xs = np.nonzero(band)
    angle = np.arctan2(ys - (height - 1) / 2, xs - (width - 1) / 2)
    sector = ((angle + np.pi) / (2 * np.pi) * 8).astype(int) % 8
    values = crop[ys, xs]
    inside = (
        float(np.median(crop[ndi.binary_erosion(silhouette, iterations=2)])) if silhouette.sum() > 0 else 0
    )
    peaks = []
    for index in range(8):
        chosen = values[sector == index]
        if chosen.size == 0:
            return False
        peaks.append(float(chosen[np.argmax(np.abs(chosen - inside))]))
    return max(peaks) - min(peaks) <= 40.0 and min(abs(p - inside) for p in peaks) > INK_CONTRAST


def _bevelled(crop: np.ndarray, silhouette: np.ndarray) -> bool:
    """A sunken or raised square (Tk, Motif, Windows 95): its top and left sides one even shade, its
    bottom and right sides another. An icon's edge changes shade along each side."""
    if float(silhouette.mean()) < 0.9:
        return False
    sides = [crop[0, 1:-1], crop[1:-1, 0], crop[-1, 1:-1], crop[1:-1, -1]]
    if any(side.size < 3 or float(side.std()) > 12.0 for side in sides):
        return False
    top, left, bottom, right = (float(np.median(side)) for side in sides)
    return abs(top - left) <= 20 and abs(bottom - right) <= 20 and abs(top - bottom) > INK_CONTRAST


def _read_as_letter(word: Word, box: BBox) -> bool:
    """OCR took the whole indicator for a letter or two ("М" for a tick, "@)" for a radio button, "‘SJ" for a
    ticked box: quotes and brackets are its edges, not letters)."""
    letters = sum(ch.isalnum() for ch in word.text)
    return letters <= 2 and len(word.text) <= 4 and _overlap_share(word.bbox, box) >= 0.6


def _glued_to(word: Word, box: BBox) -> bool:
    """OCR read the indicator as the first letters of its label ("QOAll", "[|Match"): box at its left edge."""
    x0, y0, x1, y1 = word.bbox
    return (
        bool(word.text)
        and word.text[0] in _INDICATOR_LOOKALIKES | _BRACKETS
        and box[0] - 3 <= x0 <= box[0] + 0.5 * (box[2] - box[0])
        and box[2] <= x0 + 0.6 * (x1 - x0)
        # A capital O starting a word is shorter than the word's box (descenders); a widget is not.
        and box[3] - box[1] >= 0.8 * (y1 - y0)
    )


def _settle_radio_groups(indicators: list[Indicator], height: float, words: list[Word]) -> list[Indicator]:
    """In a column or row of radio buttons exactly one is on: the one that differs most.

    Themes draw 'off' as a hollow ring or as a flat disc; what is constant is that the selected
    one stands out from its group. A group where none stands out clearly keeps its own readings.
    """
    radios = [i for i in indicators if i.kind == "radio"]
    groups = _radio_groups(radios, height, words)
    settled: dict[int, Indicator] = {}
    for group in groups:
        if len(group) < 2:
            continue
        ranked = sorted(group, key=lambda i: i.evidence, reverse=True)
        top, runner_up = ranked[0], ranked[1]
        if top.evidence >= STATE_CONTRAST * 0.6 and top.evidence >= 2 * runner_up.evidence + 10:
            for item in group:
                settled[id(item)] = Indicator(item.kind, item.bbox, item is top, item.evidence)
    return [settled.get(id(i), i) for i in indicators]


def _settle_filled_boxes(indicators: list[Indicator], gray: np.ndarray) -> list[Indicator]:
    """Check boxes whose tick is a fill: Tk and Motif fill a ticked box, leave an unticked one plain.

    Their inside is flat either way, so no tick stands out in one box; across the screen's boxes,
    drawn by one theme, the insides fall in two shades, and the ticked ones are those that stand out
    from the window's ground (a plain box is near the ground, or the field colour: white on grey).
    """
    flat = [i for i in indicators if i.kind == "checkbox" and not i.on]
    if len(flat) < 2:
        return indicators
    ground = background(gray)
    insides, grounds = [], []
    for indicator in flat:
        x0, y0, x1, y1 = (round(v) for v in indicator.bbox)
        side = max(1, round(0.3 * (x1 - x0)))
        insides.append(float(np.median(gray[y0 + side : y1 - side, x0 + side : x1 - side])))
        grounds.append(float(np.median(ground[y0:y1, x0:x1])))
    values = np.array(insides)
    order = np.sort(values)
    gaps = np.diff(order)
    split = int(np.argmax(gaps))
    if gaps[split] < STATE_CONTRAST:
        return indicators  # one shade: all plain (or all filled, which the pixels cannot tell)
    threshold = (order[split] + order[split + 1]) / 2
    shades = [values < threshold, values >= threshold]
    standing = [
        float(np.mean([abs(v - g) for v, g, s in zip(values, grounds, shade, strict=True) if s]))
        for shade in shades
    ]
    filled = shades[int(np.argmax(standing))]
    settled = {
        id(indicator): Indicator(indicator.kind, indicator.bbox, True, abs(inside - fill_ground))
        for indicator, inside, fill_ground, on in zip(flat, insides, grounds, filled, strict=True)
        if on
    }
    return [settled.get(id(i), i) for i in indicators]


def _radio_groups(radios: list[Indicator], height: float, words: list[Word]) -> list[list[Indicator]]:
    """Radios aligned in a column (same x) or a row (same y) at most ~6 rows apart.

    A heading between two radios of a column ("Presentation Mode" under the "Range" options)
    starts a new group: text that begins left of the column and reaches into it, between them.
    """
    parent = list(range(len(radios)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def heading_between(a: Indicator, b: Indicator) -> bool:
        upper, lower = (a, b) if a.bbox[1] <= b.bbox[1] else (b, a)
        column = min(a.bbox[0], b.bbox[0])
        return any(
            upper.bbox[3] <= (w.bbox[1] + w.bbox[3]) / 2 <= lower.bbox[1]
            and w.bbox[0] < column - 0.2 * height
            and w.bbox[2] > column
            for w in words
        )

    for i, a in enumerate(radios):
        for j in range(i + 1, len(radios)):
            b = radios[j]
            dx, dy = abs(a.bbox[0] - b.bbox[0]), abs(a.bbox[1] - b.bbox[1])
            same_column = dx <= 0.5 * height and dy <= 6 * height and not heading_between(a, b)
            same_row = dy <= 0.5 * height and dx <= 40 * height
            if same_column or same_row:
                parent[find(i)] = find(j)
    groups: dict[int, list[Indicator]] = {}
    for i, radio in enumerate(radios):
        groups.setdefault(find(i), []).append(radio)
    return list(groups.values())


# --- phrases and frames -----------------------------------------------------------------------


def phrases(lines: list[TextLine], height: float, gray: np.ndarray | None = None) -> list[Phrase]:
    """Split OCR lines at wide gaps: tesseract joins a label, its field and the next column's label.

    With the screen's `gray` pixels, a line drawn upright between two words (a field's frame just
    after its label: "Fixed width: |DejaVu Sans Mono 12|") splits them too, however close they are.
    """
    result: list[Phrase] = []
    for line in lines:
        current: list[Word] = []
        ordered = sorted(line.words, key=lambda w: w.bbox[0])
        for index, word in enumerate(ordered):
            if word.text == ":" and current and word.bbox[0] - current[-1].bbox[2] <= 0.8 * height:
                # "Font Face :", "Taille :": a colon set apart still ends the label.
                last = current[-1]
                current[-1] = dataclasses.replace(
                    last, text=last.text + ":", bbox=union_bbox([last.bbox, word.bbox])
                )
                continue
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            if _leads(word, following, height):
                # ". hpp": the dot OCR set apart is the start of the word it touches.
                assert following is not None
                ordered[index + 1] = dataclasses.replace(
                    following, text=word.text + following.text, bbox=union_bbox([word.bbox, following.bbox])
                )
                continue
            if not _is_text(word) and not (
                current
                and (
                    _short_word_within(word, current[-1], height)
                    or _short_word_between(word, current[-1], following, height)
                    or _option_flag_after(word, current[-1], height)
                )
            ):
                # Widget debris (|, [|], v) separates phrases without belonging to either.
                if current:
                    result.append(Phrase(tuple(current)))
                    current = []
                continue
            if current and (
                word.bbox[0] - current[-1].bbox[2] > 1.2 * height
                or (gray is not None and _upright_line_between(gray, current[-1], word, height))
                or _boxed_with_frame(word, current[-1], height)
            ):
                result.append(Phrase(tuple(current)))
                current = []
            current.append(word)
        if current:
            result.append(Phrase(tuple(current)))
    return result


def _has_area(box: BBox) -> bool:
    return box[2] > box[0] and box[3] > box[1]


def letters_box(phrase: Phrase, height: float, gray: np.ndarray | None = None) -> BBox:
    """The box of a phrase's letters: a word OCR boxed with the frame's top and bottom lines around it
    ("make" of Tk's "[make -j4 install]", twice as tall as its neighbours) is cut to their rows, a
    word alone to the screen's text height about its middle, and, with the screen's `gray` pixels,
    to the inside of the frame's sides when OCR took them in too (Swing's "[200 ▾]")."""
    heights = sorted(w.bbox[3] - w.bbox[1] for w in phrase.words)
    usual = heights[(len(heights) - 1) // 2]
    x0, y0, x1, y1 = phrase.bbox
    if len(heights) >= 2 and heights[-1] > 1.3 * usual:
        rows = [w.bbox for w in phrase.words if w.bbox[3] - w.bbox[1] <= 1.3 * usual]
        return (x0, min(b[1] for b in rows), x1, max(b[3] for b in rows))
    if y1 - y0 > 1.6 * height:
        middle = (y0 + y1) / 2
        if gray is not None:
            x0, x1 = _inside_sides(gray, phrase.bbox)
        return (x0, middle - 0.6 * height, x1, middle + 0.6 * height)
    return phrase.bbox


def _inside_sides(gray: np.ndarray, box: BBox) -> tuple[float, float]:
    """The columns of `box` between the upright lines that run its whole height near its ends (a
    frame's sides OCR boxed with the text inside); its own ends where there are none."""
    x0, y0, x1, y1 = (round(v) for v in box)
    band = gray[max(0, y0 + 1) : y1 - 1, max(0, x0) : x1]
    if band.size == 0:
        return box[0], box[2]
    fill = float(np.median(band))
    sides = np.flatnonzero((np.abs(band - fill) > FRAME_CONTRAST).mean(axis=0) >= 0.9)
    reach = band.shape[1] // 4
    left = [int(c) for c in sides if c < reach]
    right = [int(c) for c in sides if c >= band.shape[1] - reach]
    start = x0 + max(left) + 1 if left else box[0]
    end = x0 + min(right) if right else box[2]
    return float(start), float(end)


def _leads(word: Word, following: Word | None, height: float) -> bool:
    """Whether `word` is a lone "." (or "~", "-") OCR set apart from the word it starts."""
    return (
        following is not None
        and len(word.text) == 1
        and word.text in _LEADING_MARKS
        and _is_text(following)
        and following.text[0].isalnum()
        # A monospaced font centres the dot in its cell: half a letter's width off, a space is a whole one.
        and -1 <= following.bbox[0] - word.bbox[2] <= 0.5 * height
    )


FRAMED_WORD = 1.8
"""Text heights a word's box spans when OCR boxed it with the frame drawn round it."""


def _boxed_with_frame(word: Word, previous: Word, height: float) -> bool:
    """Whether OCR boxed `word` with the frame around it while the word before it stands free.

    Swing's combo box ("Iterations until oscillation [200 ▾]") sits a few pixels after its label:
    the frame's side falls inside the value's box, not in the gap, and only the box's height,
    a frame's rather than a line's, tells the value from the label's last word.
    """
    tall = word.bbox[3] - word.bbox[1]
    return tall > FRAMED_WORD * height and previous.bbox[3] - previous.bbox[1] <= 0.6 * tall


def _upright_line_between(gray: np.ndarray, left: Word, right: Word, height: float) -> bool:
    """Whether an upright edge taller than the words stands in the gap between them (a frame's side).

    Letters are as tall as the words; a frame's side reaches above and below both of them, and it
    is one column (or two) that differs from the gap's fill all the way down.
    """
    top = min(left.bbox[1], right.bbox[1]) - 0.25 * height
    bottom = max(left.bbox[3], right.bbox[3]) + 0.25 * height
    return _upright_line_in(gray, (left.bbox[2] + 1, top, right.bbox[0] - 1, bottom), height)


def _upright_line_in(gray: np.ndarray, region: BBox, height: float) -> bool:
    """Whether a line runs from top to bottom of `region` (a frame's or a panel's side)."""
    gap0, top, gap1, bottom = (round(v) for v in region)
    if gap1 - gap0 < 2 or bottom - top < 0.5 * height:
        return False
    if top < 0 or bottom >= gray.shape[0]:
        return False
    band = gray[top : bottom + 1, gap0:gap1]
    fill = float(np.median(band))
    upright = (np.abs(band - fill) > FRAME_CONTRAST).mean(axis=0) >= 0.9
    return bool(upright.any())


def _short_word_within(word: Word, previous: Word, height: float) -> bool:
    """A one-letter word read like a widget ("с" of "Связь с файлом") that goes on a phrase at word spacing.

    A radio button or check box read as "O" or "с" starts its label; it never follows a word that closely.
    """
    return (
        len(word.text) == 1
        and word.text.isalpha()
        and word.confidence >= 80
        and 0 <= word.bbox[0] - previous.bbox[2] <= 0.8 * height
    )


def _option_flag_after(word: Word, previous: Word, height: float) -> bool:
    """A command's option ("-e" of "xterm -e vim", "-a -z") or argument placeholder ("+%4", "%f") at word
    spacing after a word of the value: mostly signs, yet words of the command."""
    shaped = _OPTION_FLAG.fullmatch(word.text) or _PLACEHOLDER.fullmatch(word.text)
    return shaped is not None and 0 <= word.bbox[0] - previous.bbox[2] <= 0.8 * height


def _short_word_between(word: Word, previous: Word, following: Word | None, height: float) -> bool:
    """A short word OCR doubted ("in" of "Start in current folder") with words at word spacing on both sides.

    Widget debris stands at a phrase's end or start (an arrow after a value, a box before a label);
    letters set between two words at the spacing of a sentence are one of its words, however sure OCR is.
    """
    return (
        following is not None
        and word.text.isalpha()
        and len(word.text) <= 3
        and word.text not in _INDICATOR_LOOKALIKES
        and _is_text(following)
        and 0 <= word.bbox[0] - previous.bbox[2] <= 0.8 * height
        and 0 <= following.bbox[0] - word.bbox[2] <= 0.8 * height
    )


def find_frame(gray: np.ndarray, box: BBox, height: float) -> Frame | None:
    """The rectangle drawn around `box` (a field's or button's text), if there is one.

    A clear outline first; then a faint one (GIMP's dark theme draws its fields 20 grey levels
    off the window), which a clear theme's inner shading must not be taken for.
    """
    clear = _frame_around(gray, box, height, INK_CONTRAST)
    if clear is not None:
        return clear
    x0, y0, x1, y1 = (max(0, round(v)) for v in box)
    dark = gray[y0:y1, x0:x1].size > 0 and float(np.median(gray[y0:y1, x0:x1])) < 128
    return _frame_around(gray, box, height, FRAME_CONTRAST) if dark else None


def _frame_around(gray: np.ndarray, box: BBox, height: float, contrast: float) -> Frame | None:
    """`find_frame` with edges `contrast` grey levels off the fill behind the text.

    Walks out from the text in each direction to the first line that differs from the fill
    behind the text, and checks that the four lines close a rectangle a little taller than the text.
    """
    page_h, page_w = gray.shape
    x0, y0, x1, y1 = (round(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(page_w - 1, x1), min(page_h - 1, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    fill = float(np.median(gray[max(0, y0 - 2) : y0, x0:x1])) if y0 >= 2 else float(gray[y0, x0])
    reach_v = int(1.6 * height)
    top = _edge(
        gray,
        fill,
        axis=0,
        start=y0 - 1,
        stop=max(-1, y0 - reach_v),
        step=-1,
        span=(x0, x1),
        contrast=contrast,
    )
    bottom = _edge(
        gray,
        fill,
        axis=0,
        start=y1 + 1,
        stop=min(page_h, y1 + reach_v),
        step=1,
        span=(x0, x1),
        contrast=contrast,
    )
    if top is None or bottom is None or not 1.2 * (y1 - y0) <= bottom - top <= 4 * height:
        return None
    inner = (top + 2, bottom - 1)
    left = _edge(
        gray,
        fill,
        axis=1,
        start=x0 - 1,
        # A centred value (Tk's option menu) stands far from the frame's left side.
        stop=max(-1, x0 - int(12 * height)),
        step=-1,
        span=inner,
        contrast=contrast,
    )
    if left is None:
        return None
    reach_h = min(page_w, x1 + int(60 * height))
    right = _edge(gray, fill, axis=1, start=x1 + 1, stop=reach_h, step=1, span=inner, contrast=contrast)
    if right is None:
        return None
    left_gap, right_gap = x0 - left, right - x1
    # The top and bottom lines run the whole way between the side lines, corners included, and
    # the side lines stop there: otherwise this is a panel's edge, not a field's frame.
    for row in (top, bottom):
        line = np.abs(gray[row, left : right + 1] - fill) > contrast / 2
        corner = max(2, len(line) // 8)
        if line.mean() < 0.85 or line[:corner].mean() < 0.7 or line[-corner:].mean() < 0.7:
            return None
    beyond = [
        _line_through(gray, y, x) for y in (top - 3, bottom + 3) for x in (left, right) if 3 <= y < page_h - 3
    ]
    if sum(beyond) >= 2:
        return None
    frame: BBox = (float(left), float(top), float(right + 1), float(bottom + 1))
    # A drop-down's arrow makes it one whatever the alignment of its text: Tk's option menu and
    # Qt's combo box centre their value ("IDLE Dark ▭") as a button centres its caption.
    if right_gap > height and drop_arrow(gray[top + 2 : bottom - 1, x1 + 1 : right], fill, height):
        return Frame(frame, "dropdown")
    if abs(left_gap - right_gap) <= max(4.0, 0.35 * max(left_gap, right_gap)) and left_gap > 0.8 * height:
        return Frame(frame, "button")
    if left_gap > 1.5 * height:
        return None
    return Frame(frame, "field")


ARROW_CONTRAST = 60.0
"""Grey levels between a drop-down's arrow (a triangle, a chevron, Tk's raised bar) and the fill around it."""


def drop_arrow(zone: np.ndarray, fill: float, height: float) -> bool:
    """Whether the stretch of a frame right of its text ends in a drop-down's arrow.

    The arrow is one small glyph (or the button that holds it) at the frame's right end, apart
    from the text: a blank of about a text height first. Text OCR missed ("Create [fonts.conf]")
    starts right after the words read, and a slider's groove runs the whole way.
    """
    if zone.size == 0:
        return False
    inked = np.abs(zone - fill) > ARROW_CONTRAST
    # A focus ring's dotted lines run along the frame: rows inked across are no arrow, and its
    # dotted sides ink every other pixel of a column where an arrow inks a few on end.
    inked[inked.mean(axis=1) >= 0.3] = False
    solid = inked[:-1] & inked[1:]
    columns = np.flatnonzero(solid.any(axis=0))
    if columns.size == 0:
        return False
    first, last = int(columns[0]), int(columns[-1])
    width = zone.shape[1]
    return first >= 0.8 * height and last - first <= 2.5 * height and width - 1 - last <= 1.5 * height


def labelled_bars(
    gray: np.ndarray, row_phrases: list[Phrase], height: float
) -> list[tuple[Phrase, Phrase, Frame]]:
    """Bars that hold a label at their left end and the value at their right: (label, value, frame).

    GIMP draws its combo boxes ("Abyss policy ... None ▾") and spin scales ("Amplitude ... 25.0")
    this way. The two phrases sit on one row far apart, nothing between them, and one bar runs
    under both: a horizontal edge just above and just below, from the label's start to the value's end.
    """
    found = []
    for left in row_phrases:
        if _labelled_from_outside(left, row_phrases, height):
            continue
        ly0, ly1 = left.bbox[1], left.bbox[3]
        beside = [
            p
            for p in row_phrases
            if p.bbox[0] > left.bbox[2]
            and min(ly1, p.bbox[3]) - max(ly0, p.bbox[1]) >= 0.5 * min(ly1 - ly0, p.bbox[3] - p.bbox[1])
        ]
        if not beside:
            continue
        right = min(beside, key=lambda p: p.bbox[0])
        # A number is a value, never a bar's label: a spin box's value and its arrows read as "10 4".
        if right.bbox[0] - left.bbox[2] < 3 * height or not _value_text(right) or _is_number(left.text):
            continue
        frame = _bar_under(
            gray, (left.bbox[0], min(ly0, right.bbox[1]), right.bbox[2], max(ly1, right.bbox[3])), height
        )
        if frame is not None:
            found.append((left, right, frame))
    return found


def _labelled_from_outside(phrase: Phrase, row_phrases: list[Phrase], height: float) -> bool:
    """Whether a label ending in ':' stands just left of `phrase` ("Resize layers: [None ▾]")."""
    cy = (phrase.bbox[1] + phrase.bbox[3]) / 2
    return any(
        p.text.endswith(":")
        and p.bbox[1] - 2 <= cy <= p.bbox[3] + 2
        and 0 <= phrase.bbox[0] - p.bbox[2] <= 12 * height
        for p in row_phrases
        if p is not phrase
    )


def _labelled_beside(box: BBox, row_phrases: list[Phrase], height: float) -> bool:
    """Whether a label ending in ':' stands just left of a frame, on its row."""
    cy = (box[1] + box[3]) / 2
    return any(
        p.text.endswith(":")
        and p.bbox[1] - 2 <= cy <= p.bbox[3] + 2
        and 0 <= box[0] - p.bbox[2] <= 3 * height
        for p in row_phrases
    )


def _bar_under(gray: np.ndarray, box: BBox, height: float) -> Frame | None:
    """The bar drawn under a row's text from its left end to its right end, if there is one."""
    page_h, page_w = gray.shape
    x0, y0, x1, y1 = max(0, round(box[0])), max(1, round(box[1])), min(page_w, round(box[2])), round(box[3])
    if x1 - x0 < 4 or y1 >= page_h - 1:
        return None

    def edge(row: int, neighbour: int) -> bool:
        # All the way along: a row of buttons breaks its edge between one button and the next.
        step = np.abs(gray[row, x0:x1] - gray[neighbour, x0:x1]) > FRAME_CONTRAST
        return float(step.mean()) >= 0.9 and _longest_run(~step) <= 3

    # OCR's word boxes sometimes take in the bar's own edge: the search starts a little inside them.
    reach = int(1.2 * height)
    top = next((r for r in range(y0 + 2, max(0, y0 - reach), -1) if edge(r, r - 1)), None)
    bottom = next((r for r in range(y1 - 2, min(page_h - 1, y1 + reach)) if edge(r, r + 1)), None)
    if top is None or bottom is None or bottom - top > 3 * height:
        return None
    band = gray[top + 2 : bottom - 1]

    def wall(column: int) -> bool:
        step = np.abs(band[:, column] - band[:, column + 1]) > FRAME_CONTRAST
        return float(step.mean()) >= 0.85

    # Closed at both ends, the label starting just inside.
    left = next((c for c in range(x0 + 2, max(0, x0 - int(1.5 * height)), -1) if wall(c)), None)
    right = next((c for c in range(x1, min(page_w - 1, x1 + int(4 * height))) if wall(c)), None)
    if left is None or right is None:
        return None
    arrow_zone = gray[top + 2 : bottom - 1, x1:right]
    fill = float(np.median(gray[top + 1 : bottom, x0:x1]))
    has_arrow = arrow_zone.size > 0 and float((np.abs(arrow_zone - fill) > 80).mean()) > 0.04
    return Frame(
        (float(left), float(top), float(right + 1), float(bottom + 1)), "dropdown" if has_arrow else "field"
    )


def _longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a 1-d boolean array."""
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def _line_through(gray: np.ndarray, y: int, x: int) -> bool:
    """Whether a vertical line passes through (x, y): the pixel differs from both its side neighbours."""
    width = gray.shape[1]
    if not 3 <= x < width - 3:
        return False
    pixel = gray[y, x]
    return bool(abs(pixel - gray[y, x - 3]) > INK_CONTRAST and abs(pixel - gray[y, x + 3]) > INK_CONTRAST)


def _edge(
    gray: np.ndarray,
    fill: float,
    axis: int,
    start: int,
    stop: int,
    step: int,
    span: tuple[int, int],
    contrast: float,
) -> int | None:
    """The first row (axis 0) or column (axis 1) from `start` toward `stop` that differs from `fill`."""
    low, high = span
    if high <= low:
        return None
    for position in range(start, stop, step):
        strip = gray[position, low:high] if axis == 0 else gray[low:high, position]
        if strip.size and float((np.abs(strip - fill) > contrast).mean()) >= 0.7:
            return position
    return None


# --- controls ---------------------------------------------------------------------------------


def detect_controls(image: Image.Image, lines: list[TextLine]) -> list[Control]:
    """Every check box, radio button, field and drop-down of a dialog screenshot, with its label.

    `lines` are the OCR lines of `image` (boxes in its pixels); labels OCR lost beside their check
    box are read again and added to them (`recover_labels`). Returns [] for pictures that are not
    dialogs (photos, scans): nothing there is shaped and placed like a control.
    """
    words = [w for line in lines for w in line.words]
    if not words:
        return []
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    height = text_height(words)
    dropped = open_menus(image, lines, height)
    menus: list[MenuFound] = [*dropped, *popup_menus(image, lines, height, dropped)]
    recovered = recover_labels(image, lines, height) | recover_values(image, lines, height)
    if bool(menus) | recovered | recover_list_rows(image, lines, height):
        words = [w for line in lines for w in line.words]
    # A menu's rows are its items, and the bar it drops from holds menu titles: neither are labels,
    # headings or a row of tabs of the window behind.
    # A word boxed upside down or flat (a re-reading clipped at the picture's edge) has no rows to
    # measure a phrase or a frame by: it is left out, not allowed to break the whole screen's reading.
    behind = [
        TextLine([w for w in line.words if _has_area(w.bbox) and not _on_menu(w, menus)], line.block)
        for line in lines
    ]
    words = [w for line in behind for w in line.words]
    indicators = find_indicators(gray, words, height)
    # A box OCR read as letters ("‘SJ" for a tick) is the box: it heads no section and labels nothing.
    behind = [
        TextLine(
            [w for w in line.words if not any(_read_as_letter(w, i.bbox) for i in indicators)], line.block
        )
        for line in behind
    ]
    row_phrases = phrases(behind, height, gray)
    options: list[tuple[Indicator, Phrase]] = []
    taken: set[int] = set()
    for indicator in indicators:
        found = _option_phrase(indicator, row_phrases, height)
        if found is not None and sum(ch.isalnum() for ch in found[1].text) < 2:
            # What is left of a word after its first letter was taken for the indicator ("o" of "or"):
            # an option's label is a word at least.
            continue
        if found is not None and id(found[0]) not in taken:
            taken.add(id(found[0]))
            options.append((indicator, found[1]))
    # A list's chosen row before bars: a tree's header is a bar too ("Printer  Location  State").
    chosen_rows = selected_rows(gray, [p for p in row_phrases if id(p) not in taken], height)
    for chosen in chosen_rows:
        taken.update(id(p) for p in (chosen.row, chosen.title, *chosen.items) if p is not None)
    chosen_rows = reread_pills(image, chosen_rows, height)
    # A property table's rows before bars and frames: its cells are framed by the table's grid.
    table_rows = property_rows(gray, [p for p in row_phrases if id(p) not in taken], height)
    for row in table_rows:
        taken.update(id(p) for p in row.sources)
    # GIMP's combo boxes and spin scales hold their label too: "Wave type ... Sine ▾" in one bar.
    in_bars = labelled_bars(gray, [p for p in row_phrases if id(p) not in taken], height)
    for bar_label, bar_value, _ in in_bars:
        taken.update((id(bar_label), id(bar_value)))
    framed: list[tuple[Phrase, Frame]] = []
    buttons: list[tuple[Phrase, Frame]] = []
    for phrase in row_phrases:
        if id(phrase) in taken:
            continue
        frame = find_frame(gray, letters_box(phrase, height, gray), height)
        if (
            frame is not None
            and frame.kind == "button"
            and (_is_number(phrase.text) or _labelled_beside(frame.bbox, row_phrases, height))
        ):
            # A short number sits in the middle of its field as a caption does in a button; a
            # button right after a label ("File: [/tmp/out.ps]", a file chooser) shows that label's value.
            frame = Frame(frame.bbox, "field")
        if frame is not None and frame.kind == "button":
            taken.add(id(phrase))  # a button's caption heads no section and labels nothing
            buttons.append((phrase, frame))
        elif frame is not None and _value_text(phrase) and not _ends_label(phrase.text):
            framed.append((phrase, frame))
            taken.add(id(phrase))
    field_boxes = [frame.bbox for _, frame in framed]
    # A value button (a font or colour chooser: "Log font  [Monospace Bold  12]") stands in the form's
    # column of fields: its caption is the value of the label on its row, like theirs.
    framed += [
        (phrase, Frame(frame.bbox, "field"))
        for phrase, frame in buttons
        if _value_text(phrase) and in_form_column(frame.bbox, field_boxes, height)
    ]
    settle_value_scripts(image, [phrase for phrase, _ in framed], mostly_latin(words))
    tabs = tab_strip(gray, [p for p in row_phrases if id(p) not in taken], height)
    if not tabs:
        # A tab drawn as a box round its caption reads as a framed field: the strip is looked for
        # again with them, and the captions it takes are no fields.
        tabs = tab_strip(
            gray, [p for p in row_phrases if id(p) not in taken] + [p for p, _ in framed], height
        )
        framed = [(p, frame) for p, frame in framed if all(p is not tab for tab in tabs)]
    taken.update(id(p) for p in tabs)
    # What is left are labels and headings: a field's label is never another field's value, but
    # an option can end with one ("JPEG compression  Quality: [90%]").
    headings = [p for p in row_phrases if id(p) not in taken]
    option_labels = [option for _, option in options if option.text.endswith(":")]
    fields = []
    unlabelled: list[tuple[Phrase, Frame]] = []
    field_boxes = [frame.bbox for _, frame in framed]
    for phrase, frame in framed:
        aligned = in_form_column(frame.bbox, field_boxes, height)
        label = _field_label(gray, frame, headings + option_labels, height, aligned)
        if label is not None:
            fields.append((phrase, frame, label))
        elif frame.kind == "dropdown":
            unlabelled.append((phrase, frame))
    fields = _one_field_per_label(fields)
    fields += [(bar_value, frame, bar_label) for bar_label, bar_value, frame in in_bars]
    field_labels = {id(label) for _, _, label in fields}
    # A property sheet writes its values as plain text after their labels ("File Size: 38.4 kB").
    unframed = [p for p in headings if id(p) not in field_labels]
    pairs = table_rows + label_value_pairs(unframed, height, bool(options or fields or table_rows), gray)
    paired = {id(p) for pair in pairs for p in pair.sources}
    # Section headings: "Margins", "Other options", "С чем инициализировать маску слоя:".
    sections = [p for p in unframed if id(p) not in paired]
    # A drop-down alone under its group box's title ("Highlighting Theme: [IDLE Dark ▭]") is named
    # by that title; its arrow says it holds a setting, which a framed text without one may not.
    for phrase, frame in unlabelled:
        group_title = _section_phrase(frame.bbox, sections, height)
        if group_title is not None:
            fields.append((phrase, frame, group_title))
    controls: list[Control] = []
    for indicator, option in options:
        title, title_box, anchor = _group_title(
            gray, indicator, indicators, headings, sections, height, [w for w in words if _is_text(w)]
        )
        text, box = _option_text(option)
        if title_box is not None and title_box[3] <= anchor[1] + 1:
            # A heading above the options is their section, not a label on their row.
            group, title, title_box = title, "", None
        else:
            group = _section_heading(title_box or anchor, sections, height)
        controls.append(Control(indicator.kind, title, title_box, text, box, indicator.on, group))
    for phrase, frame, label in fields:
        group = _section_heading(label.bbox, sections, height, label=True)
        value = _value_text(phrase)
        name = label.text.rstrip(" :")
        kind: ControlKind = "dropdown" if frame.kind == "dropdown" else "field"
        controls.append(Control(kind, name, label.bbox, value, phrase.bbox, None, group))
    titles = table_titles(table_rows, row_phrases, height)
    for pair in pairs:
        group = titles.get(id(pair)) or _section_heading(pair.label.bbox, sections, height, label=True)
        name = pair.label.text.rstrip(" :")
        shown = pair.value
        # A table's cell line beside a value reads as a bar ("|3"), as a field's frame does.
        text = unpaired_edges(shown.text) if any(pair is row for row in table_rows) else shown.text
        controls.append(Control("field", name, pair.label.bbox, text, shown.bbox, None, group))
    for chosen in chosen_rows:
        label_box = chosen.title.bbox if chosen.title is not None else None
        heading = chosen.title.text.rstrip(" :") if chosen.title is not None else ""
        if chosen.items:
            controls.append(side_menu(chosen, heading, label_box))
            continue
        # The items above the chosen one in its own list are its neighbours, not its section.
        items = {id(p) for p in _list_column(chosen.row, row_phrases, height)}
        outside = [p for p in sections if id(p) not in items]
        group = _section_heading(chosen.title.bbox if chosen.title else chosen.row.bbox, outside, height)
        controls.append(Control("list", heading, label_box, chosen.row.text, chosen.row.bbox, None, group))
    if tabs:
        names = [p.text for p in tabs]
        title = "Вкладки" if any(_CYRILLIC.search(name) for name in names) else "Tabs"
        box = union_bbox([p.bbox for p in tabs])
        controls.append(Control("tabs", title, box, ", ".join(names), box, None, ""))
    controls = [dataclasses.replace(c, group="") if c.group == c.label else c for c in controls]
    return controls + menu_controls(menus)


@dataclass(frozen=True)
class LabelledValue:
    """A value written as plain text after its label, no frame around it: "File Size:  38.4 kB"."""

    label: Phrase
    value: Phrase
    sources: tuple[Phrase, ...]
    """The phrases the pair was read from (one, when label and value were read as one phrase)."""


MAX_LABEL_WORDS = 4
MAX_VALUE_WORDS = 8
TITLE_BAR = 1.5
"""Text heights from the top of the screenshot taken by the window's title bar."""
MIN_PAIRS = 3
FORM_REACH = 40
"""Text heights a label ending in ':' may stand left of its value (a form's grid of long labels)."""
"""Pairs a page must show, unless it has other controls, to be a property sheet rather than a text page
whose lines happen to hold a colon ("Note: keep the lid closed")."""


def _sentence_end(text: str) -> bool:
    """Whether a text ends like a sentence; a unit's abbreviation ("10 п.", "5 мин.", "12 pt.") does not."""
    text = text.rstrip()
    if text.endswith(("!", "?")):
        return True
    return text.endswith(".") and not re.search(r"(?:^|[\s\d])[^\W\d_]{1,3}\.$", text)


def label_value_pairs(
    row_phrases: list[Phrase], height: float, dialog: bool, gray: np.ndarray | None = None
) -> list[LabelledValue]:
    """Labels ending in ':' and the plain-text value after each on its row.

    With the screen's `gray` pixels, a value beyond a line drawn upright between it and the label (a
    group box's side: "Font Face:" of a list's panel and the sample text of the panel beside it) is
    another panel's text, not the label's value.

    Either the label and the value are two phrases of one row (the value column of a property
    sheet, a few text heights to the right) or one phrase holds both ("Color space: RGB color").
    A value is short and is not a sentence; a page with fewer than `MIN_PAIRS` pairs counts only when
    it is a `dialog` (it has other controls).
    """
    found: list[LabelledValue] = []
    used: set[int] = set()
    # Labels that end their phrase first: the value they point at may hold a colon of its own
    # ("Color space:  RGB color: GIMP built-in sRGB") and must not be split as a pair itself.
    ordered = sorted(row_phrases, key=lambda p: (not p.text.endswith(":"), p.bbox[1], p.bbox[0]))
    for phrase in ordered:
        # The window's title bar ("Script-Fu: New Guide") names the window, it labels nothing.
        if id(phrase) in used or phrase.bbox[1] < TITLE_BAR * height:
            continue
        words = list(phrase.words)
        colon = next((i for i, w in enumerate(words) if w.text.endswith(":")), None)
        # A label that is a phrase of its own, its value apart on the row, may be a long one
        # ("Шрифт консоли и изменений (diff):"): no sentence ends in a colon and goes on far away.
        ends_phrase = colon is not None and colon + 1 == len(words)
        if colon is None or colon + 1 > (2 * MAX_LABEL_WORDS if ends_phrase else MAX_LABEL_WORDS):
            continue
        if colon + 1 < len(words):
            label, value = Phrase(tuple(words[: colon + 1])), Phrase(tuple(words[colon + 1 :]))
            sources: tuple[Phrase, ...] = (phrase,)
        else:
            cy = (phrase.bbox[1] + phrase.bbox[3]) / 2
            right = [
                p
                for p in row_phrases
                if p is not phrase
                and id(p) not in used
                and p.bbox[1] - 2 <= cy <= p.bbox[3] + 2
                and 0 <= p.bbox[0] - phrase.bbox[2] <= FORM_REACH * height
            ]
            if gray is not None:
                right = [p for p in right if not _side_between(gray, phrase, p, height)]
            if not right:
                continue
            value = min(right, key=lambda p: p.bbox[0])
            if value.text.endswith(":"):
                continue
            label, sources = phrase, (phrase, value)
        if len(value.words) > MAX_VALUE_WORDS or _sentence_end(value.text):
            continue
        if not any(ch.isalnum() for ch in value.text):
            continue
        found.append(LabelledValue(label, value, sources))
        used.update(id(p) for p in sources)
    return found if dialog or len(found) >= MIN_PAIRS else []


MIN_TABLE_ROWS = 3
"""Rows a property table must show: two name | value rows may be any two framed fields side by side."""
TABLE_PITCH = 3.0
"""Text heights from one row of a property table to the next, at most."""


def property_rows(gray: np.ndarray, row_phrases: list[Phrase], height: float) -> list[LabelledValue]:
    """The name | value rows of a property table: each property's name and the value it is set to.

    Swing's JTable, Qt's property browser and GTK's tree views with grid lines write a property's
    name in one cell and its value in the next, no colon between: a column rule parts them, and it
    runs unbroken from the first row to the last. That unbroken rule tells a table from a form,
    whose fields' frames have a side after each label too, but one that ends with the field.
    """
    candidates: list[tuple[int, Phrase, Phrase]] = []
    for left in row_phrases:
        ly0, ly1 = left.bbox[1], left.bbox[3]
        beside = [
            p
            for p in row_phrases
            if p.bbox[0] > left.bbox[2]
            and min(ly1, p.bbox[3]) - max(ly0, p.bbox[1]) >= 0.5 * min(ly1 - ly0, p.bbox[3] - p.bbox[1])
        ]
        if not beside or not any(ch.isalpha() for ch in left.text):
            continue
        right = min(beside, key=lambda p: p.bbox[0])
        rule = _rule_between(gray, left, right, height)
        if rule is None:
            continue
        right = _without_rule(right, rule)
        # A property's value is short and no sentence: prose beside a side panel's edge is none.
        short = len(right.words) <= MAX_VALUE_WORDS and not _sentence_end(right.text)
        if short and len(left.words) <= MAX_LABEL_WORDS and any(ch.isalnum() for ch in right.text):
            candidates.append((rule, left, right))
    found: list[LabelledValue] = []
    used: set[int] = set()
    for rule, _, _ in sorted(candidates, key=lambda c: c[1].bbox[1]):
        rows = sorted(
            (c for c in candidates if abs(c[0] - rule) <= 1 and id(c[1]) not in used),
            key=lambda c: c[1].bbox[1],
        )
        table = _table_run(rows, height)
        if len(table) < MIN_TABLE_ROWS or not _rule_unbroken(gray, rule, table, height):
            continue
        if not _rows_share_lines(gray, table, height):
            continue
        for _, label, value in table:
            found.append(LabelledValue(label, value, (label, value)))
            used.update((id(label), id(value)))
    return found


_RULE_LOOKALIKES = frozenset("|[]lI1!(")
"""What OCR reads a table's column rule as when it takes it into the value's first word ("[40", "loff")."""


def table_titles(rows: list[LabelledValue], row_phrases: list[Phrase], height: float) -> dict[int, str]:
    """The title over each property table (Swing's "Selection: Register" bar), by the id of its rows.

    It names what the rows describe, a component or a file, as a section's heading names its controls:
    the one phrase right above the table's first row, within the table's width.
    """
    titles: dict[int, str] = {}
    for row in rows:
        column = [r for r in rows if abs(r.label.bbox[0] - row.label.bbox[0]) <= height]
        first = min(column, key=lambda r: r.label.bbox[1])
        left, top, right = first.label.bbox[0], first.label.bbox[1], first.value.bbox[2]
        above = [
            p
            for p in row_phrases
            if p.bbox[3] <= top + 2
            and top - p.bbox[3] <= 1.5 * height
            and p.bbox[0] >= left - height
            and p.bbox[2] <= max(right, p.bbox[0]) + 30 * height
            and p.bbox[0] < right
        ]
        if len(above) == 1:
            titles[id(row)] = above[0].text.rstrip(" :")
    return titles


def _rule_between(gray: np.ndarray, left: Phrase, right: Phrase, height: float) -> int | None:
    """The column of the upright line between two phrases of a row, None when there is none.

    OCR often boxes the line with the value after it ("|REEF"): the first pixels of the value's box
    are looked in too; a letter there never runs the band's whole height, a rule does.
    """
    top = round(min(left.bbox[1], right.bbox[1]) - 0.25 * height)
    bottom = round(max(left.bbox[3], right.bbox[3]) + 0.25 * height)
    gap0, gap1 = round(left.bbox[2]) + 1, round(right.bbox[0] + 0.3 * height)
    if gap1 - gap0 < 2 or top < 0 or bottom >= gray.shape[0]:
        return None
    band = gray[top : bottom + 1, gap0:gap1]
    upright = np.flatnonzero((np.abs(band - float(np.median(band))) > FRAME_CONTRAST).mean(axis=0) >= 0.9)
    return gap0 + int(upright[0]) if upright.size else None


def _without_rule(value: Phrase, rule: int) -> Phrase:
    """`value` without the column rule OCR read as its first letter: its box starts on the rule."""
    first = value.words[0]
    if first.bbox[0] > rule + 1 or first.text[0] not in _RULE_LOOKALIKES:
        return value
    if len(first.text) == 1:
        return Phrase(value.words[1:]) if len(value.words) > 1 else value
    rest = dataclasses.replace(first, text=first.text[1:], bbox=(rule + 1.0, *first.bbox[1:]))
    return Phrase((rest, *value.words[1:]))


def _table_run(rows: list[tuple[int, Phrase, Phrase]], height: float) -> list[tuple[int, Phrase, Phrase]]:
    """The first run of rows one under the next at a table's pitch, names and values each in a column."""
    run: list[tuple[int, Phrase, Phrase]] = []
    for row in rows:
        if run:
            last = run[-1]
            if (
                row[1].bbox[1] - last[1].bbox[1] > TABLE_PITCH * height
                or abs(row[1].bbox[0] - run[0][1].bbox[0]) > 1.5 * height
                or abs(row[2].bbox[0] - run[0][2].bbox[0]) > 1.5 * height
            ):
                if len(run) >= MIN_TABLE_ROWS:
                    break
                run = []
        run.append(row)
    return run


ROW_LINE_WIDTH = 0.6
"""Text heights of other tones a table's row line may take between two rows' names (a grid line,
the edge of a selected row's fill): wider is the ground between two fields stacked one under the other."""


def _rows_share_lines(gray: np.ndarray, table: list[tuple[int, Phrase, Phrase]], height: float) -> bool:
    """Whether a table's rows follow one another in one fill, parted by thin row lines at most.

    Under each row's name and over the next one's, a table shows its cells' fill with one grid line;
    a form's fields stacked into a column show each field's frame and the window's ground between
    them, a band as wide as a text line is tall or more: that run of rows is no table.
    """
    banded = 0
    for (_, upper, _), (_, lower, _) in itertools.pairwise(table):
        y0, y1 = round(upper.bbox[3]) + 1, round(lower.bbox[1])
        x0, x1 = max(upper.bbox[0], lower.bbox[0]), min(upper.bbox[2], lower.bbox[2])
        if y1 - y0 < 2 or x1 - x0 < 3:
            continue
        # The cell's fill is what most of the name's box shows around its letters.
        bx0, by0, bx1, by1 = (round(v) for v in upper.bbox)
        fill = float(np.median(gray[by0 : by1 + 1, bx0 : bx1 + 1]))
        widths = [
            int((np.abs(gray[y0:y1, x] - fill) > FRAME_CONTRAST).sum())
            for x in np.linspace(x0 + 1, x1 - 1, 3).round().astype(int)
        ]
        banded += min(widths) > ROW_LINE_WIDTH * height
    return banded * 2 <= len(table) - 1


def _rule_unbroken(
    gray: np.ndarray, column: int, table: list[tuple[int, Phrase, Phrase]], height: float
) -> bool:
    """Whether the line at `column` runs from the table's first row to its last without a break.

    A pixel belongs to the line when it is nearer the line's tone than the cells' fill beside it:
    the grid's row lines cross it in the line's own tone, a gap between two fields' frames does not.
    """
    top = round(min(min(r[1].bbox[1], r[2].bbox[1]) for r in table))
    bottom = round(max(max(r[1].bbox[3], r[2].bbox[3]) for r in table))
    page_w = gray.shape[1]
    best = 0.0
    for x in range(max(0, column - 1), min(page_w - 3, column + 2)):
        line = gray[top : bottom + 1, x]
        beside = gray[top : bottom + 1, x + 2]
        tone, fill = float(np.median(line)), float(np.median(beside))
        if abs(tone - fill) <= FRAME_CONTRAST:
            continue
        best = max(best, float((np.abs(line - tone) < np.abs(line - fill)).mean()))
    return best >= 0.95


@dataclass(frozen=True)
class SelectedRow:
    """The highlighted row of a list box or tree ("Процентный" among the categories), and its list's title."""

    row: Phrase
    title: Phrase | None
    """The heading over the list (a label above its frame, a column header), None when it has none."""
    items: tuple[Phrase, ...] = ()
    """A side menu's items in order when the row is chosen by a pale tint (a web page's navigation),
    else empty: such a list is a menu, and its chosen item is read again on its own (`reread_pills`)."""


SELECTION_CONTRAST = 40.0
"""Grey levels between a selection bar's fill and the list's background around it."""
TINT_CONTRAST = 8.0
"""Grey levels between a tinted selection pill (a web page's side menu: a pale accent behind the
chosen item) and the white ground around it: far less than a selection bar, so more is asked of it."""
TINT_LIGHTNESS = 200.0
"""The least grey level of a tint: a pill is pale, dark letters stay on it."""


def selected_rows(gray: np.ndarray, row_phrases: list[Phrase], height: float) -> list[SelectedRow]:
    """Rows of list boxes and trees drawn on a selection bar: the item the list has chosen.

    A selected row is text on a bar of even fill that reaches past the text on the right, is about
    a row tall, and stands out from the list's background above and below it; other rows are
    written in the same column (a list, not a lone coloured button). The list's title is the
    column's first phrase when a frame edge or header line parts it from the items, else nothing.
    """
    page_w = gray.shape[1]
    found = []
    for phrase in row_phrases:
        y0, x1 = phrase.bbox[1], phrase.bbox[2]
        if y0 < 2 * height or not any(ch.isalnum() for ch in phrase.text):
            continue  # the window's title bar is a dark bar with light words too
        contrast = SELECTION_CONTRAST
        fill = _selection_fill(gray, phrase.bbox, height)
        if fill is None:
            contrast, fill = TINT_CONTRAST, _tint_fill(gray, phrase.bbox, height)
        if fill is None:
            continue
        column = _list_column(phrase, row_phrases, height)
        if len(column) < 2:
            continue
        sample = (round(x1 + 0.5 * height), round(min(page_w, x1 + 2.5 * height)))
        plain = [
            p
            for p in column
            if p is not phrase
            and abs(float(np.median(gray[round(p.bbox[1]) : round(p.bbox[3]), sample[0] : sample[1]])) - fill)
            > contrast
        ]
        if contrast == TINT_CONTRAST:
            if _tinted_alike(gray, phrase, column, fill, height):
                continue  # a pale tint marks one row alone; a striped table tints every other one
        elif 2 * len(plain) < len(column) - 1:
            # Most rows share its fill: that is the list's ground (a first row between the list's
            # frame and the selection below it), and the chosen row is another one.
            continue
        title = _list_title(gray, column, row_phrases, height)
        # The chosen row first in its column is parted from the next by its own bar's edge: no title.
        title = title if title is not phrase else None
        items = tuple(p for p in column if p is not title) if contrast == TINT_CONTRAST else ()
        found.append(SelectedRow(phrase, title, items))
    return found


def _plain_beside(gray: np.ndarray, box: BBox, height: float, spread: float) -> tuple[float, int, int] | None:
    """The fill of the plain stretch right of `box`'s text on its row, and where that stretch runs.

    OCR may have lost the text's last word (light on a bright bar), so a few places further right are
    tried; `spread` is the standard deviation of grey levels a plain stretch stays within.
    """
    page_w = gray.shape[1]
    _, y0, x1, y1 = (round(v) for v in box)
    for step in range(8):
        right0 = round(x1 + (0.5 + step) * height)
        right1 = round(min(page_w, right0 + 2 * height))
        beside = gray[y0:y1, right0:right1]
        if right1 - right0 < 0.8 * height or beside.size == 0:
            return None
        if float(beside.std()) <= spread:
            return float(np.median(beside)), right0, right1
    return None


def _fill_ends_at(
    gray: np.ndarray, rows: range, columns: tuple[int, int], fill: float, contrast: float
) -> int | None:
    """The first of `rows` whose median grey over `columns` leaves a bar's `fill` by more than
    `contrast` (where the list's ground returns above or below a selection), None if none does."""
    left, right = columns
    return next((r for r in rows if abs(float(np.median(gray[r, left:right])) - fill) > contrast), None)


def _selection_fill(gray: np.ndarray, box: BBox, height: float) -> float | None:
    """The fill of the bar behind `box`'s text when it is a selection bar, else None."""
    page_h = gray.shape[0]
    x0, y0, x1, y1 = (round(v) for v in box)
    stretch = _plain_beside(gray, box, height, 10.0)
    if stretch is None:
        return None
    fill, right0, right1 = stretch
    text = gray[y0:y1, x0:x1]
    ink = text[np.abs(text - fill) > SELECTION_CONTRAST]
    if ink.size == 0:
        return None
    # The bar ends within a row above and below (rows of big lists are taller: EFL's, Qt's sidebars):
    # there the list's own background returns.
    reach = round(2.5 * height)
    ends = []
    for rows in (range(y0 - 1, max(-1, y0 - reach), -1), range(y1, min(page_h, y1 + reach))):
        end = _fill_ends_at(gray, rows, (right0, right1), fill, SELECTION_CONTRAST)
        if end is None:
            return None
        ends.append(end)
    if ends[1] - ends[0] > 6.0 * height:
        return None
    # Most toolkits draw a selection in inverse video: light letters on a darker bar. Tk and
    # Motif keep dark letters on a grey bar, which a header cell or a button does too; the
    # selection's bar then gives way straight to the next row's ground, where a header ends on
    # a line of its own (its border, darker or lighter than both).
    if float(np.median(ink)) < fill and not _straight_to_ground(gray, ends[1], (right0, right1), fill):
        return None
    return fill


def _tint_fill(gray: np.ndarray, box: BBox, height: float) -> float | None:
    """The fill of a pale selection pill behind `box`'s dark text (a web page's side menu), else None.

    The pill is an even pale fill a little darker than the ground, reaching past the text on the
    right, a row tall: the same ground returns right above and below it, with no border
    line between (a header cell or a striped row has one, or a neighbour of the same tint).
    """
    page_h = gray.shape[0]
    x0, y0, x1, y1 = (round(v) for v in box)
    stretch = _plain_beside(gray, box, height, 3.0)
    if stretch is None:
        return None
    fill, right0, right1 = stretch
    text = gray[max(0, y0) : y1, max(0, x0) : x1]
    if not text.size:
        return None  # a box outside the picture (a word of its very edge) holds no letters to stand on a fill
    if fill < TINT_LIGHTNESS or float(text.min()) > fill - SELECTION_CONTRAST:
        return None  # no dark letters on it
    if abs(float(np.percentile(text, 90)) - fill) > TINT_CONTRAST:
        return None  # the letters stand on another ground: the fill is a button's further right
    # Web menus give each item a generous row: the pill is up to four text heights tall.
    reach = round(3.0 * height)
    grounds, ends = [], []
    for rows in (range(y0 - 1, max(-1, y0 - reach), -1), range(y1, min(page_h, y1 + reach))):
        end = _fill_ends_at(gray, rows, (right0, right1), fill, TINT_CONTRAST)
        if end is None:
            return None
        # Past a soft edge (anti-aliased rounding), the ground: plain and lighter than the pill.
        step = 1 if end >= y1 else -1
        ground = gray[end + step * 2 : end + step * 2 + step * 3 : step, right0:right1]
        if ground.size == 0 or float(ground.std()) > 3.0 or float(np.median(ground)) < fill + TINT_CONTRAST:
            return None
        grounds.append(float(np.median(ground)))
        ends.append(end)
    if ends[1] - ends[0] > 5.0 * height or abs(grounds[0] - grounds[1]) > 3.0:
        return None
    return fill


def reread_pills(image: Image.Image, chosen: list[SelectedRow], height: float) -> list[SelectedRow]:
    """The tinted rows read again on their own, the pill's pale fill making paper: tesseract reads a
    light-on-tint menu item faintly in the page ("Внешний" and a lost "вид"), surely alone. A row keeps
    its first reading unless the second is surer and holds as many letters."""
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    tinted = [c for c in chosen if c.items]
    boxes = [_pill_box(gray, c.row.bbox, height) for c in tinted]
    readings = dict(zip((id(c) for c in tinted), read_boxes(image, boxes, "eng+rus"), strict=True))
    result = []
    for row in chosen:
        fresh = [w for w in readings.get(id(row), []) if _is_text(w)]
        old = row.row.words
        if fresh and _surer(fresh, list(old)):
            phrase = Phrase(tuple(fresh))
            items = tuple(phrase if p is row.row else p for p in row.items)
            row = SelectedRow(phrase, row.title, items)
        result.append(row)
    return result


def _surer(fresh: list[Word], old: list[Word]) -> bool:
    """Whether a second reading beats the first: as many letters at least, read with more confidence."""
    letters = sum(ch.isalpha() for w in fresh for ch in w.text)
    if letters < sum(ch.isalpha() for w in old for ch in w.text):
        return False
    return float(np.mean([w.confidence for w in fresh])) > float(np.mean([w.confidence for w in old]))


def _pill_box(gray: np.ndarray, box: BBox, height: float) -> BBox:
    """The stretch of a tinted pill that holds a row's text: from just left of the text to the pill's end
    (where the ground returns along the pill's upper part, above the letters)."""
    x0, y0, x1, y1 = box
    row = round(max(0.0, y0 - 0.3 * height))
    fill = float(np.median(gray[row, round(x1) : round(x1 + 2 * height)]))
    end = round(x1)
    while end < gray.shape[1] - 1 and abs(float(gray[row, end]) - fill) <= TINT_CONTRAST:
        end += 1
    return (max(0.0, x0 - 0.5 * height), max(0.0, y0 - 0.4 * height), float(end), y1 + 0.4 * height)


def _tinted_alike(gray: np.ndarray, chosen: Phrase, column: list[Phrase], fill: float, height: float) -> bool:
    """Whether another row of the column stands on the chosen row's pale tint (right after its own text)."""
    for other in column:
        if other is chosen:
            continue
        x0, x1 = round(other.bbox[2] + 0.5 * height), round(other.bbox[2] + 2.5 * height)
        beside = gray[round(other.bbox[1]) : round(other.bbox[3]), x0:x1]
        if beside.size and abs(float(np.median(beside)) - fill) <= TINT_CONTRAST:
            return True
    return False


def _straight_to_ground(gray: np.ndarray, row: int, span: tuple[int, int], fill: float) -> bool:
    """Whether the rows from `row` on are one plain ground (no border line between a bar and the rows after).

    A dotted focus ring along the bar's edge (Tk) is still the bar: its dots alternate with the fill.
    """
    while row < gray.shape[0] and float((np.abs(gray[row, span[0] : span[1]] - fill) <= 10).mean()) >= 0.3:
        row += 1
    below = gray[row : min(gray.shape[0], row + 3), span[0] : span[1]]
    if below.shape[0] < 3:
        return False
    medians = np.median(below, axis=1)
    return float(medians.max() - medians.min()) <= FRAME_CONTRAST and float(below.std()) <= 10.0


def _list_column(phrase: Phrase, row_phrases: list[Phrase], height: float) -> list[Phrase]:
    """The phrases written flush with `phrase` above and below it, row after row, top to bottom."""
    aligned = sorted(
        (p for p in row_phrases if abs(p.bbox[0] - phrase.bbox[0]) <= 0.6 * height),
        key=lambda p: p.bbox[1],
    )
    index = aligned.index(phrase)
    start = end = index
    while start > 0 and aligned[start].bbox[1] - aligned[start - 1].bbox[3] <= 4.5 * height:
        start -= 1
    while end + 1 < len(aligned) and aligned[end + 1].bbox[1] - aligned[end].bbox[3] <= 4.5 * height:
        end += 1
    return aligned[start : end + 1]


def _list_title(
    gray: np.ndarray, column: list[Phrase], row_phrases: list[Phrase], height: float
) -> Phrase | None:
    """The title over a list's column: its header row, or the label just above its frame (flush or a
    little further left), parted from the items by a line."""
    top = column[0]
    if _edge_between(gray, top, column[1], height):
        return top
    # A group box's title (or a tab's caption) written flush over the list's own label ("Shell/Editor
    # Font", then "Font Face :" over the frame): the label, which says so with its colon, names the list.
    for upper, lower in list(itertools.pairwise(column))[1:3]:
        if upper.text.endswith(":") and _edge_between(gray, upper, lower, height):
            return upper
    above = [
        p
        for p in row_phrases
        if 0 <= top.bbox[1] - p.bbox[3] <= 2.2 * height
        and top.bbox[0] - 1.5 * height <= p.bbox[0] <= top.bbox[0] + 0.6 * height
    ]
    if not above:
        return None
    title = max(above, key=lambda p: p.bbox[3])
    return title if _edge_between(gray, title, top, height) else None


def _edge_between(gray: np.ndarray, upper: Phrase, lower: Phrase, height: float) -> bool:
    """Whether a horizontal line (a list's frame, a header's border) runs between two phrases of a column."""
    x0 = round(max(upper.bbox[0], lower.bbox[0]))
    x1 = round(min(gray.shape[1], x0 + 4 * height))
    for row in range(round(upper.bbox[3]) + 1, round(lower.bbox[1])):
        step = np.abs(gray[row, x0:x1] - gray[row - 1, x0:x1]) > FRAME_CONTRAST
        if step.size and float(step.mean()) >= 0.85:
            return True
    return False


def tab_strip(gray: np.ndarray, row_phrases: list[Phrase], height: float) -> list[Phrase]:
    """The captions of a notebook's tabs ("General  Initial View  Links  Security"), or [].

    Three or more short phrases on one row in the top part of the dialog, with the notebook's
    edge, a line across the whole row, right under them.
    """
    page_h = gray.shape[0]
    top = sorted((p for p in row_phrases if p.bbox[1] < 0.35 * page_h), key=lambda p: p.bbox[1])
    for first in top:
        row = sorted(
            (
                p
                for p in top
                if min(first.bbox[3], p.bbox[3]) - max(first.bbox[1], p.bbox[1])
                >= 0.5 * min(first.bbox[3] - first.bbox[1], p.bbox[3] - p.bbox[1])
            ),
            key=lambda p: p.bbox[0],
        )
        # Captions are words: a row with a number or a compound name ("lab-printer-2", "-o sides=one")
        # in it is a table's row or a field's line.
        if len(row) < 2 or any(
            len(p.words) > 4 or p.text.endswith(":") or _is_number(p.text) or compound_name(p.words[-1].text)
            for p in row
        ):
            continue
        if title_bar_row(row, gray.shape[1], height):
            continue
        # A side list's chosen item may share the row ("General | Startup  Other"): the strip is
        # the longest run of captions the notebook's edge runs under.
        for size in range(len(row), 1, -1):
            for start in range(len(row) - size + 1):
                run = row[start : start + size]
                if _edge_under(gray, run, height) and (size >= 3 or _one_tab_raised(gray, run, height)):
                    return run
    return []


def title_bar_row(row: list[Phrase], page_w: int, height: float) -> bool:
    """Whether a row is a window's title bar: at the screenshot's top, its title centred on it (the
    buttons at its end read as stray words); the bar's lower edge is a line under it, as under tabs."""
    if min(p.bbox[1] for p in row) >= TITLE_BAR * height:
        return False
    return any(abs((p.bbox[0] + p.bbox[2]) / 2 - page_w / 2) < 0.05 * page_w for p in row)


def _edge_under(gray: np.ndarray, run: list[Phrase], height: float) -> bool:
    """Whether a line runs under a row of captions from the first's start to the last's end."""
    page_h = gray.shape[0]
    x0, x1 = round(run[0].bbox[0]), round(run[-1].bbox[2])
    bottom = round(max(p.bbox[3] for p in run))
    for line in range(bottom + 1, min(page_h - 1, bottom + round(1.5 * height))):
        step = np.abs(gray[line, x0:x1] - gray[line - 1, x0:x1]) > FRAME_CONTRAST
        if step.size and float(step.mean()) >= 0.85:
            return True
    return False


def _one_tab_raised(gray: np.ndarray, run: list[Phrase], height: float) -> bool:
    """Whether the strip under one caption differs from that under the others: the open tab.

    Two captions over a line are also a table's header; a notebook marks its open tab (a coloured
    bar under it, the edge left open below it, a lighter face), a header marks no column.
    """
    page_h = gray.shape[0]
    bottom = round(max(p.bbox[3] for p in run))
    rows = slice(bottom + 1, min(page_h, bottom + 1 + round(1.2 * height)))
    profiles = [np.median(gray[rows, round(p.bbox[0]) : round(p.bbox[2])], axis=1) for p in run]
    if any(profile.size == 0 for profile in profiles):
        return False
    differs = [
        max(float(np.abs(profile - other).max()) for other in profiles if other is not profile)
        for profile in profiles
    ]
    return sum(d > 2 * FRAME_CONTRAST for d in differs) >= 1 and min(differs) > 2 * FRAME_CONTRAST


MAX_HEADING_WORDS = 7
"""A heading names a section in a few words; a longer line is an instruction or a note above the fields."""


def _section_heading(box: BBox, sections: list[Phrase], height: float, label: bool = False) -> str:
    """The heading a control sits under: the nearest phrase above, in its column, no further than ~20 rows.

    A phrase ending in ":" labels a row (its field may have gone unseen), it heads no section; nor
    does a phrase that starts where a field's label (`label`) starts: fields under a heading are
    indented, and one flush with the label above is another row whose field went unseen (a combo
    box's frame erased with the red mark drawn over it).
    """
    heading = _section_phrase(box, sections, height, label)
    return heading.text if heading is not None else ""


def _section_phrase(box: BBox, sections: list[Phrase], height: float, label: bool = False) -> Phrase | None:
    """The phrase `_section_heading` names, None when there is none."""
    right_edge = box[0] - 0.4 * height if label else box[0] + 0.5 * height
    above = [
        p
        for p in sections
        if not p.text.endswith(":")
        and len(p.words) <= MAX_HEADING_WORDS
        # The tail of an instruction wrapped over two lines ("to set extension.") heads nothing; a
        # question does ("How should KiCad be configured?" over its radio buttons).
        and not (p.text.endswith(".") and _sentence_end(p.text) and not p.text.endswith("..."))
        and p.bbox[3] <= box[1] + 1
        and box[1] - p.bbox[3] <= 20 * height
        and box[0] - 6 * height <= p.bbox[0] <= right_edge
    ]
    return max(above, key=lambda p: p.bbox[3]) if above else None


def _option_phrase(
    indicator: Indicator, row_phrases: list[Phrase], height: float
) -> tuple[Phrase, Phrase] | None:
    """The phrase an indicator labels, and that phrase without the indicator OCR may have glued to it."""
    word = _label_right_of(indicator.bbox, [w for p in row_phrases for w in p.words], height)
    phrase = next((p for p in row_phrases if word is not None and word in p.words), None)
    if word is None or phrase is None:
        return None
    words = list(phrase.words[phrase.words.index(word) :])
    if _glued_to(word, indicator.bbox):
        share = (indicator.bbox[2] - word.bbox[0]) / max(1.0, word.bbox[2] - word.bbox[0])
        cut = max(1, round(share * len(word.text)))
        rest = word.text[cut:].lstrip("".join(_BRACKETS))
        if not rest:
            words = words[1:]
        else:
            words[0] = Word(rest, (indicator.bbox[2], *word.bbox[1:]), word.confidence, word.font_size)
    else:
        words[0] = Word(word.text.lstrip("".join(_BRACKETS)) or word.text, word.bbox, word.confidence)
    if not words:
        return None
    return phrase, Phrase(tuple(words))


def _option_text(label: Phrase) -> tuple[str, BBox]:
    """An option's own words: a trailing 'Quality:' is the label of the next field, not the option's.

    A trailing word in lower case goes on with the option's own sentence, which introduces the field
    beside it ("Loop and repeat after: [00:00:05]"): it stays, without its colon.
    """
    words = list(label.words)
    while len(words) > 1 and words[-1].text.endswith(":") and not words[-1].text[:1].islower():
        words.pop()
    text = " ".join(w.text for w in words)
    return text.rstrip(" :") or text, union_bbox([w.bbox for w in words])


def _group_title(
    gray: np.ndarray,
    indicator: Indicator,
    indicators: list[Indicator],
    headings: list[Phrase],
    sections: list[Phrase],
    height: float,
    words: list[Word],
) -> tuple[str, BBox | None, BBox]:
    """The title of an option's group and where the group starts.

    'Orientation:' left of the group's first radio, or else the section heading just above it. A
    form's label column ("Type:  ○Tabs ●Spaces") may stand far left of its options, in the open:
    no frame's or panel's side between them.
    """
    anchor = indicator.bbox
    if indicator.kind == "radio":
        radios = [i for i in indicators if i.kind == "radio"]
        group = next(g for g in _radio_groups(radios, height, words) if indicator in g)
        anchor = min(group, key=lambda i: (i.bbox[1], i.bbox[0])).bbox
    cy = (anchor[1] + anchor[3]) / 2
    left = [
        p
        for p in headings
        if p.bbox[1] - 2 <= cy <= p.bbox[3] + 2
        and p.bbox[2] <= anchor[0] + 1
        and anchor[0] - p.bbox[2] <= (FORM_REACH if p.text.endswith(":") else 4) * height
        and not _upright_line_in(gray, (p.bbox[2] + 1, anchor[1], anchor[0] - 2, anchor[3]), height)
    ]
    if left:
        phrase = max(left, key=lambda p: p.bbox[2])
        if phrase.text.endswith(":"):
            return phrase.text.rstrip(" :"), phrase.bbox, anchor
    above = [
        p
        for p in sections
        if p.bbox[3] <= anchor[1] + 1
        and anchor[1] - p.bbox[3] <= 3 * height
        and p.bbox[0] <= anchor[0] + height
        and p.bbox[2] >= anchor[0] - 4 * height
    ]
    if above:
        phrase = max(above, key=lambda p: p.bbox[3])
        return phrase.text.rstrip(" :"), phrase.bbox, anchor
    return "", None, anchor


def _field_label(
    gray: np.ndarray, frame: Frame, headings: list[Phrase], height: float, aligned: bool = False
) -> Phrase | None:
    """The label of a field: the phrase just left of its frame on the same row, else the heading above.

    A phrase behind a group box's side ("Foreground ○Background | [IDLE Dark ▭]") is another
    panel's: it labels nothing here. A label without a colon must stand close to its frame, unless
    the frame is `aligned` in a form's column of fields (GTK's grid: "Compression      [zstd ▾]").
    """
    fx0, fy0, _, fy1 = frame.bbox
    cy = (fy0 + fy1) / 2
    left = [
        p
        for p in headings
        if p.bbox[1] - 2 <= cy <= p.bbox[3] + 2
        and p.bbox[2] <= fx0 + 1
        # A form's grid puts its fields in a column of their own, often far right of a long label.
        and fx0 - p.bbox[2] <= (FORM_REACH if p.text.endswith(":") or aligned else 12) * height
        and not _upright_line_in(gray, _between_on_row(p, frame, height), height)
    ]
    if left:
        phrase = max(left, key=lambda p: p.bbox[2])
        if phrase.text.endswith(":") or fx0 - phrase.bbox[2] <= 3 * height or aligned:
            return phrase
        return None
    above = [
        p
        for p in headings
        if p.bbox[3] <= fy0 + 1 and fy0 - p.bbox[3] <= 1.5 * height and abs(p.bbox[0] - fx0) <= 2 * height
    ]
    if above:
        return max(above, key=lambda p: p.bbox[3])
    return None


def in_form_column(box: BBox, fields: list[BBox], height: float) -> bool:
    """Whether another field on another row starts where `box` starts, or ends where it ends: a form lays
    its fields out in a column, whatever the length of the labels left of them, aligned on their left
    edges (a grid) or on their right ones (GTK 2 rows that pack their option menu, spin field or entry
    at the end: "Bit depth ... [8 ⬍]", "Select the test picture ... [Grid ⬍]")."""
    return any(
        (abs(other[0] - box[0]) <= 0.3 * height or abs(other[2] - box[2]) <= 0.3 * height)
        and abs(other[1] - box[1]) > height
        for other in fields
    )


PANEL_REACH = 1.5
"""Text heights above and below a row that a panel's side runs on (a field's frame ends within one)."""


def _side_between(gray: np.ndarray, left: Phrase, right: Phrase, height: float) -> bool:
    """Whether a panel's side stands upright between two phrases of a row, reaching rows above and below.

    A field's or button's frame round the value has a side there too, but it ends with the row.
    """
    top = min(left.bbox[1], right.bbox[1]) - PANEL_REACH * height
    bottom = max(left.bbox[3], right.bbox[3]) + PANEL_REACH * height
    return _upright_line_in(gray, (left.bbox[2] + 1, top, right.bbox[0] - 1, bottom), height)


def _between_on_row(label: Phrase, frame: Frame, height: float) -> BBox:
    """The gap between a label and a frame on the label's row: a group box's side crosses it there,
    though it need not run the whole height of a tall frame (a text area beside a short panel)."""
    fx0, fy0, _, fy1 = frame.bbox
    top = max(fy0, label.bbox[1] - 0.25 * height)
    bottom = min(fy1, label.bbox[3] + 0.25 * height)
    return (label.bbox[2] + 1, top, fx0 - 2, bottom)


def _one_field_per_label(fields: list[tuple[Phrase, Frame, Phrase]]) -> list[tuple[Phrase, Frame, Phrase]]:
    """A label names one field: the one on its row, before one it was taken for from above.

    A button under a labelled field ("Fixed width: [DejaVu Sans Mono]", then "[Create fonts.conf]")
    reaches up to the same label when OCR lost half its caption and it no longer looks centred.
    """

    def offset(entry: tuple[Phrase, Frame, Phrase]) -> float:
        box, label = entry[1].bbox, entry[2].bbox
        return abs((box[1] + box[3]) / 2 - (label[1] + label[3]) / 2)

    nearest: dict[int, tuple[Phrase, Frame, Phrase]] = {}
    for field in fields:
        kept = nearest.get(id(field[2]))
        if kept is None or offset(field) < offset(kept):
            nearest[id(field[2])] = field
    return [field for field in fields if nearest[id(field[2])] is field]


def _is_number(text: str) -> bool:
    """A quantity ("1", "90%", "2,50 cm"): digits first, at most a unit after them."""
    return bool(re.fullmatch(r"[-+−]?\d[\d.,\s]*\s*[^\W\d_]{0,4}\.?[%″”\"°]?", text.strip()))


def arrow_debris(text: str) -> bool:
    """A drop-down's arrow as OCR reads it when it takes it for letters ("v", "Ww", "wv", "▾")."""
    return text in _ARROW_TOKENS or bool(re.fullmatch(r"[vVwW]{2,3}|[уУ]{2,3}", text))


def _value_text(phrase: Phrase) -> str:
    words = [w.text for w in phrase.words]
    while words and words[-1] in _ARROW_TOKENS:
        words.pop()
    return unpaired_edges(" ".join(words).strip())


_PARTNERS = {"[": "]", "(": ")", "{": "}", "<": ">"}


def unpaired_edges(text: str) -> str:
    """A field's value without the frame side or text cursor OCR read at its edge as a bracket or bar
    ("vim]", "[POSIX catgets", "Crate|"); a bracket whose partner is in the value is its own ("[0-9]+")."""
    while len(text) > 1:
        first, last = text[0], text[-1]
        if first == "|" or (first in _PARTNERS and _PARTNERS[first] not in text):
            text = text[1:].lstrip()
        elif last == "|" or (
            last in _PARTNERS.values()
            and not any(opening in text for opening, closing in _PARTNERS.items() if closing == last)
        ):
            text = text[:-1].rstrip()
        else:
            break
    return text


def _label_right_of(box: BBox, words: list[Word], height: float) -> Word | None:
    """The first word to the right of an indicator on its row (its label), if close enough."""
    cy = (box[1] + box[3]) / 2
    side = box[2] - box[0]
    candidates = [
        w
        for w in words
        if w.bbox[1] - 0.3 * side <= cy <= w.bbox[3] + 0.3 * side
        and (
            _glued_to(w, box)
            or (
                box[2] - 2 <= w.bbox[0] <= box[2] + max(1.2 * side, 1.5 * height)
                # A window's title next to its icon, up top and set larger, is not an option's label.
                and not (w.bbox[3] - w.bbox[1] > 1.35 * height and w.bbox[1] < 4 * height)
            )
        )
        # Tesseract is unsure of a word that touches a widget ("|Match" at 22): letters vouch for it.
        and (w.confidence >= 30 or sum(ch.isalpha() for ch in w.text) >= 3)
    ]
    return min(candidates, key=lambda w: w.bbox[0]) if candidates else None


def _is_text(word: Word) -> bool:
    """A real word (a label, a value), not widget debris OCR read as |, [|], —, O."""
    text = word.text
    letters = sum(ch.isalnum() for ch in text)
    if letters == 0:
        return False
    x0, y0, x1, y1 = word.bbox
    if len(text) > 1 and y1 - y0 > 2 * (x1 - x0):
        return False  # a column of radio buttons read top to bottom as "OO0O0000"
    if letters == 1:
        if text.isdigit() or (len(text) == 2 and text.endswith(":")):
            return True
        if text.strip("|").isdigit() and word.confidence >= SURE_READING:
            # A one-digit spin field's value glued to its frame's side or the text cursor ("|5").
            return True
        return len(text) == 1 and text not in _INDICATOR_LOOKALIKES and word.confidence >= 80
    if len(text) <= 3 and word.confidence < 40:
        return False
    return letters >= 0.5 * len(text) or word.confidence >= 60


def _overlap_share(a: BBox, b: BBox) -> float:
    """Share of `a`'s area that lies inside `b`."""
    area = max(1e-6, (a[2] - a[0]) * (a[3] - a[1]))
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, width) * max(0.0, height) / area


# --- menus ------------------------------------------------------------------------------------

MENU_HEADINGS = {"en": "Menu", "ru": "Меню"}
"""The section a dropped-down menu's passage is written under, in the screen's language."""

MENU_FILL_SPREAD = 8.0
"""Grey levels a menu's flat background may vary by (anti-aliasing, a theme's faint gradient)."""

MENU_RECTANGLE = 0.93
"""Share of its bounding box a menu's background (with the text it holds) must fill: it is a rectangle."""


@dataclass(frozen=True)
class MenuItem:
    """One row of an open menu: its text and, right-aligned beside it, its keyboard shortcut."""

    text: str
    bbox: BBox
    shortcut: str = ""
    checked: bool | None = None
    """A check mark, radio dot or toggle drawn left of the text: True; None when the menu draws none."""
    section: int = 0
    """Which of the parts that separator lines cut the menu into holds the item, from the top."""


MenuFound = tuple[Word | None, BBox, list[MenuItem]]
"""An open menu: the bar item or title it is named by (None: untitled), its rectangle, its items."""

MENU_CHECK = "✓ "
"""Written before a checked item in a menu's passage ("✓ Word Wrap"), where the screen draws a mark."""

MENU_SECTION_BREAK = " | "
"""Written between the parts of a menu that separator lines cut it into."""


def menu_bar(words: list[Word], height: float) -> list[Word]:
    """The words a menu may drop from: the top rows of the screen (a menu bar, a toolbar's menu button)."""
    text_words = [w for w in words if _is_text(w)]
    if not text_words:
        return []
    top = min(w.bbox[1] for w in text_words)
    # The title bar's words and the menu bar's are the first two rows; a menu hangs from either.
    return [w for w in text_words if w.bbox[1] <= top + 3.5 * height]


def popup_below(gray: np.ndarray, word: Word, height: float) -> BBox | None:
    """The rectangle of a menu dropped open from `word`, if one hangs below it.

    A menu is a flat rectangle (its background one grey, holding its items' text) whose top-left
    corner sits right under the item it dropped from. Its background is flood-filled from just
    under that item; what the fill covers, holes for the text included, must be a rectangle
    starting there, a few rows tall, narrower than the screen.
    """
    x0, _, x1, y1 = word.bbox
    # Seeds along the item's width, a little further down each time: one may fall on a check box
    # or an icon of the menu's first row, another on its background.
    seeds = [
        (round(y1 + step * 0.4 * height), round(x))
        for step in range(1, 5)
        for x in (x0 + min(0.6 * height, (x1 - x0) / 2), (x0 + x1) / 2, x1 - min(0.6 * height, (x1 - x0) / 2))
    ]
    for seed_y, seed_x in seeds:
        box = flat_rectangle(gray, seed_y, seed_x, height)
        if box is None:
            continue
        if y1 - height <= box[1] <= y1 + 2 * height and x0 - 2 * height <= box[0] <= x0 + height:
            return box
    return None


def flat_rectangle(
    gray: np.ndarray, seed_y: int, seed_x: int, height: float, upward: bool = False
) -> BBox | None:
    """The bordered rectangle of one flat grey that `gray[seed_y, seed_x]` lies on (a menu, a pop-up).

    Its background is flood-filled from the seed; what the fill covers, holes for the text included,
    must be a rectangle a few rows tall, narrower than the screen, with a border around it (the
    columns just beyond its sides are not its background). Separator lines part a menu's background
    into sections one under the other: the rectangle goes down through them (and `upward`, up).
    """
    page_h, page_w = gray.shape
    if not (0 <= seed_y < page_h and 0 <= seed_x < page_w):
        return None
    fill = float(gray[seed_y, seed_x])
    region = np.abs(gray - fill) <= MENU_FILL_SPREAD
    labels, _ = ndi.label(region)
    component = labels == labels[seed_y, seed_x]
    rows, cols = np.flatnonzero(component.any(axis=1)), np.flatnonzero(component.any(axis=0))
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    width = right - left + 1
    if bottom - top + 1 < 1.5 * height or width < 4 * height or width > 0.95 * page_w:
        return None
    box = component[top : bottom + 1, left : right + 1]
    if float(ndi.binary_fill_holes(box).mean()) < MENU_RECTANGLE:
        return None
    outside = [c for c in (left - 1, right + 1) if 0 <= c < page_w]
    if any(
        float((np.abs(gray[top : bottom + 1, c] - fill) <= MENU_FILL_SPREAD).mean()) > 0.5 for c in outside
    ):
        return None
    bottom = _below_separators(gray, labels, region, left, right, bottom, height)
    if upward:
        last = page_h - 1
        top = last - _below_separators(
            gray[::-1], labels[::-1], region[::-1], left, right, last - top, height
        )
    # A menu whose first section holds one item (Swing's Undo, then a separator) is tall only
    # with the sections under it.
    if bottom - top + 1 < 2.5 * height:
        return None
    return (float(left), float(top), float(right + 1), float(bottom + 1))


def _below_separators(
    gray: np.ndarray,
    labels: np.ndarray,
    region: np.ndarray,
    left: int,
    right: int,
    bottom: int,
    height: float,
) -> int:
    """The bottom of a menu whose top section ends at `bottom`: a separator's thin line parts its
    background into sections, each as wide as the menu, one right under the other (so does the row
    the pointer highlights, a band up to two text heights tall). What parts them stays between the
    menu's sides; the window's ground between two fields stacked one under the other runs out past
    them (a form's combo boxes, each as wide as the next)."""
    ground = labels == labels[max(0, bottom - 1), (left + right) // 2]
    column = (left + right) // 2
    while True:
        below = [y for y in range(bottom + 1, min(labels.shape[0], bottom + 2 + round(2.2 * height)))]
        start = next((y for y in below if region[y, column] and not ground[y, column]), None)
        if start is None:
            return bottom
        part = labels == labels[start, column]
        rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
        if abs(int(cols[0]) - left) > 2 or abs(int(cols[-1]) - right) > 2 or int(rows[0]) > below[-1]:
            return bottom
        if _runs_out(gray[bottom + 1 : start], left, right, height):
            return bottom
        bottom = int(rows[-1])
        ground = ground | part


def _runs_out(parting: np.ndarray, left: int, right: int, height: float) -> bool:
    """Whether a grey of the rows parting two sections runs past both of the menu's sides (`left`,
    `right`) by half a text height: the ground the two boxes stand on, not a separator drawn inside
    one menu. A menu at the screen's edge cannot tell, and is left whole."""
    reach = max(2, round(0.5 * height))
    lo, hi = left - reach, right + 1 + reach
    if parting.size == 0 or lo < 0 or hi > parting.shape[1]:
        return False
    crop = parting[:, lo:hi]
    middle = (left + right) // 2 - lo
    for y in range(crop.shape[0]):
        labels, _ = ndi.label(np.abs(crop - crop[y, middle]) <= MENU_FILL_SPREAD)
        cols = np.flatnonzero((labels == labels[y, middle]).any(axis=0))
        if cols[0] == 0 and cols[-1] == crop.shape[1] - 1:
            return True
    return False


_SHORTCUT = re.compile(
    r"^(?:(?:ctr[il1|]{1,2}|shift|alt|cmd|super|meta|strg|umschalt)\s*[+-]\s*)+\S{1,9}$|^F\d{1,2}$|^(?:Del|Delete|Esc|Ins)$",
    re.IGNORECASE,
)
"""A keyboard shortcut as menus write it ("Ctrl+Shift+Z", Swing's "Ctrl-D", "F2"); OCR reads "Ctrl" as "Ctri",
"CtrI" or, its "l" split in two on a menu read again from its inked strokes, "Ctril"."""


def _drawn_open(gray: np.ndarray, word: Word, bar: list[Word], height: float) -> bool:
    """Whether a menu bar's item is drawn as the open one: the ground around its text stands out
    from the bar's (a highlight, a sunken or raised button, a line under it) where the ground
    around the other items of its row does not."""
    cy = (word.bbox[1] + word.bbox[3]) / 2
    row = [w for w in bar if w.bbox[1] <= cy <= w.bbox[3]]
    rings = [ring for w in row if (ring := _ring_around(gray, w.bbox, height)) is not None]
    own = _ring_around(gray, word.bbox, height)
    if own is None or len(rings) < 2:
        return False
    bar_ground = float(np.median(np.concatenate(rings)))
    others = [
        float(np.abs(ring - bar_ground).mean()) for w, ring in zip(row, rings, strict=False) if w is not word
    ]
    return float(np.abs(own - bar_ground).mean()) - float(median(others)) > FRAME_CONTRAST


def _ring_around(gray: np.ndarray, box: BBox, height: float) -> np.ndarray | None:
    """The pixels of a band ~0.4 text heights wide around `box` (what its text is drawn on)."""
    x0, y0, x1, y1 = (round(v) for v in box)
    pad = max(2, round(0.4 * height))
    if y0 - pad < 0 or x0 - pad < 0 or y1 + pad > gray.shape[0] or x1 + pad > gray.shape[1]:
        return None
    crop = gray[y0 - pad : y1 + pad, x0 - pad : x1 + pad]
    ring = np.ones(crop.shape, dtype=bool)
    ring[pad:-pad, pad:-pad] = False
    return crop[ring]


def menu_items(found: list[Word], height: float) -> list[MenuItem]:
    """A menu's rows, top to bottom: each row's text, and a shortcut standing apart at its right end.

    A menu item's icon reads as a stray mark or two before its text, in a gutter left of the
    column where the items' texts start; it is left out. A shortcut is kept however unsure OCR is
    of it ("Ctri+A") when it is shaped like one.
    """
    words = sorted(
        (w for w in found if _is_text(w) and (w.confidence >= 40 or _SHORTCUT.match(w.text))),
        key=lambda w: w.bbox[1],
    )
    rows: list[list[Word]] = []
    for word in words:
        cy = (word.bbox[1] + word.bbox[3]) / 2
        if rows and any(w.bbox[1] <= cy <= w.bbox[3] for w in rows[-1]):
            rows[-1].append(word)
        else:
            rows.append([word])
    # Items' texts start in one column; an icon sits in a gutter left of it, and reads as stray letters.
    starts = [min(w.bbox[0] for w in row) for row in rows if any(len(w.text) > 2 for w in row)]
    column = float(median(starts)) if starts else 0.0
    items = []
    for row in rows:
        row.sort(key=lambda w: w.bbox[0])
        while len(row) > 1 and row[0].bbox[2] <= column + 0.3 * height and len(row[0].text) <= 3:
            row.pop(0)
        parts: list[list[Word]] = [[row[0]]]
        for previous, word in itertools.pairwise(row):
            # A shortcut stands apart from its item, but the longest item leaves it a space only
            # (Swing's "Measure Oxygen Ctrl-M"): its shape parts it too.
            if word.bbox[0] - previous.bbox[2] > 1.5 * height or (
                word is row[-1] and _SHORTCUT.match(word.text) and "+" not in previous.text[-1:]
            ):
                parts.append([])
            parts[-1].append(word)
        named = [p for p in parts if sum(ch.isalpha() for w in p for ch in w.text) >= 2]
        if not named:
            continue
        label = [w for w in named[0] if w.confidence >= 40]
        if not label:
            continue
        last = " ".join(w.text for w in parts[-1])
        shortcut = ""
        if len(parts) > 1 and parts[-1] is not named[0] and _SHORTCUT.match(last):
            shortcut = shortcut_text(last)
        text = " ".join(w.text for w in label)
        items.append(MenuItem(text, union_bbox([w.bbox for w in label]), shortcut))
    return items


def shortcut_text(read: str) -> str:
    """A shortcut as the menu writes it, from OCR's reading of one ("Ctri+l" -> "Ctrl+L", "Fll" -> "F11")."""
    shortcut = re.sub(r"(?i)ctr[il1|]+", "Ctrl", read)
    # Menus write a shortcut's letter key in capitals; OCR takes a small-looking one for lower case,
    # and a capital I for the strokes '!' or '|'.
    shortcut = re.sub(r"(?<=[+-])[!|]$", "I", shortcut)
    shortcut = re.sub(r"(?<=[+-])([a-z])$", lambda key: key.group(1).upper(), shortcut)
    # A function key's number: OCR reads its 1 as l or I ("Fll").
    return re.sub(r"^F[1lI|]{1,2}$", lambda key: "F" + re.sub(r"[lI|]", "1", key.group(0)[1:]), shortcut)


def english_shortcuts(
    image: Image.Image, box: BBox, read: list[Word], items: list[MenuItem], height: float
) -> list[MenuItem]:
    """The items with their shortcuts read again in English alone, where that reading is one.

    A shortcut is written in Latin letters whatever the menu's language: read with Russian, a
    function key comes out Cyrillic ("Е11") and "Ctrl" garbled ("СН1-+6"), and the item loses its
    shortcut. The column the shortcuts share (right of the items, where two or more were read) is
    read once more in English, and each row's reading there that is shaped like a shortcut stands.
    """
    starts = [
        w.bbox[0] for w in read if _SHORTCUT.match(w.text) and w.bbox[0] > max(i.bbox[2] for i in items)
    ]
    if len(starts) < 2:
        return items
    column = (min(starts) - 0.5 * height, box[1] + MENU_BORDER, box[2] - MENU_BORDER, box[3] - MENU_BORDER)
    found = read_boxes(image, [column], "eng")[0]
    settled = []
    for item in items:
        top, bottom = item.bbox[1] - 0.3 * height, item.bbox[3] + 0.3 * height
        # A submenu's arrow or a stroke of the border reads as a mark with no letter: it is no key.
        row = sorted(
            (
                w
                for w in found
                if top <= (w.bbox[1] + w.bbox[3]) / 2 <= bottom and any(ch.isalnum() for ch in w.text)
            ),
            key=lambda w: w.bbox[0],
        )
        text = shortcut_text(" ".join(w.text for w in row))
        shaped = _SHORTCUT.match(text) and not _CYRILLIC.search(text)
        settled.append(dataclasses.replace(item, shortcut=text) if shaped else item)
    return settled


SURE_BAR_ITEM = 50.0
"""OCR confidence of a menu bar item read again that makes the reading stand."""


def _bar_items_lost(image: Image.Image, inked: Image.Image, bar: list[Word], height: float) -> list[Word]:
    """Menu bar items OCR lost (the open one's light text on its highlight goes first): where a row
    of the bar leaves a wide gap at its start or between its words, the row is read again.

    Read from its `inked` strokes first (light text on a dark highlight comes out dark on white);
    when that finds nothing sure, from the `image` as it is: bold dark text on a pale highlight
    (Swing's Metal) thickens into blots there."""
    rows: list[list[Word]] = []
    for word in sorted(bar, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        cy = (word.bbox[1] + word.bbox[3]) / 2
        if rows and any(w.bbox[1] <= cy <= w.bbox[3] for w in rows[-1]):
            rows[-1].append(word)
        else:
            rows.append([word])
    regions = []
    for row in rows:
        xs = sorted((w.bbox[0], w.bbox[2]) for w in row)
        gaps = [xs[0][0]] + [b[0] - a[1] for a, b in itertools.pairwise(xs)]
        if max(gaps) > 3 * height:
            top, bottom = min(w.bbox[1] for w in row), max(w.bbox[3] for w in row)
            regions.append((0.0, max(0.0, top - 0.4 * height), float(inked.width - 1), bottom + 0.4 * height))
    if not regions:
        return []
    fresh: list[Word] = []
    for source in (inked, image):
        found = [w for read in read_boxes(source, regions, "eng+rus") for w in read if _is_text(w)]
        fresh = [w for w in found if all(_overlap_share(w.bbox, old.bbox) < 0.3 for old in bar)]
        if any(w.confidence >= SURE_BAR_ITEM and sum(ch.isalpha() for ch in w.text) >= 2 for w in fresh):
            break
    return fresh


def _read_again(
    lines: list[TextLine], box: BBox, read: Sequence[Word], rows: Sequence[MenuItem], block: int
) -> None:
    """A menu's rectangle read on its own replaces what the whole screen's reading had there: one line
    per row (`block` numbers them together), of the words of `read` inside the row, or the row's text."""
    for line in lines:
        line.words[:] = [w for w in line.words if not _centre_in(w.bbox, box)]
    for row in rows:
        lines.append(
            TextLine([w for w in read if _centre_in(w.bbox, row.bbox)] or [Word(row.text, row.bbox)], block)
        )


def open_menus(
    image: Image.Image, lines: list[TextLine], height: float
) -> list[tuple[Word, BBox, list[MenuItem]]]:
    """Menus dropped open on the screenshot: the item each hangs from, its rectangle, its items.

    OCR reads a menu drawn over a window's text mixed with what is behind it; each menu is read
    again on its own, and its rows replace what was read there (`lines` changes in place).
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    words = [w for line in lines for w in line.words]
    bar = menu_bar(words, height)
    # Disabled items are drawn in a grey close to the menu's, the hovered one light on dark: each
    # stroke's distance from the background around it makes them all dark on white for OCR.
    ink = 255 - np.clip(np.abs(gray - background(gray)) * 2.5, 0, 255)
    inked = Image.fromarray(ink.astype(np.uint8))
    bar += _bar_items_lost(image, inked, bar, height)
    found: list[tuple[Word, BBox]] = []
    for word in bar:
        if not _drawn_open(gray, word, bar, height):
            continue
        box = popup_below(gray, word, height)
        if box is not None and all(_overlap_share(box, other) == 0 for _, other in found):
            found.append((word, box))
    if not found:
        return []
    menus = []
    next_block = max((line.block for line in lines), default=0) + 1
    # Read inside the menu's border: tesseract takes its side for a letter of the item beside it
    # ("JOptions...") and then doubts the whole item.
    insides = [
        (b[0] + MENU_BORDER, b[1] + MENU_BORDER, b[2] - MENU_BORDER, b[3] - MENU_BORDER) for _, b in found
    ]
    for (title, box), read in zip(found, read_boxes(inked, insides, "eng+rus"), strict=True):
        items = marked_items(gray, box, menu_items(read, height), height)
        if len(items) < 2:
            continue
        items = english_shortcuts(image, box, read, items, height)
        _read_again(lines, box, read, items, next_block)
        next_block += 1
        menus.append((title, box, items))
    lines[:] = [line for line in lines if line.words]
    return menus


MENU_BORDER = 3
"""Pixels a menu's background is cut by on each side to read it: `read_boxes` pads its crops by as many."""

MIN_MENU_ITEMS = 4
"""Rows a pop-up menu found by its column of items must hold: fewer are a caption box or a tooltip."""

MENU_GUTTER = 0.8
"""Text heights between a menu's left edge and its items' column: the gutter its check marks are drawn in."""


def popup_menus(
    image: Image.Image, lines: list[TextLine], height: float, dropped: list[tuple[Word, BBox, list[MenuItem]]]
) -> list[MenuFound]:
    """Menus shown open with no menu bar item above them (a right-click or Ctrl+click pop-up, a
    program's own menu panel): a bordered flat rectangle holding a column of one-line items.

    The column is found first (words starting at one x, row under row), then the rectangle its
    background fills (`flat_rectangle`). A dialog's group box has that shape too; it is told apart
    by what a menu never has: check boxes or radio buttons drawn on its rows, values standing
    apart on its rows (a menu's only are shortcuts), no gutter left of the column; a list box or a
    side panel's list of pages, by showing nothing only menus show (`_menu_signs`). A centred row
    above the column is the menu's title. Each menu is read again on its own; `lines` change as
    in `open_menus`.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    page_h, page_w = gray.shape
    words = [w for line in lines for w in line.words if _is_text(w)]
    found: list[BBox] = [box for _, box, _ in dropped]
    for column in _item_columns(words, height):
        for upper, lower in itertools.pairwise(column[:4]):
            seed = (round((upper.bbox[3] + lower.bbox[1]) / 2), round(upper.bbox[0] + 1))
            box = flat_rectangle(gray, *seed, height, upward=True)
            if box is None or any(_overlap_share(box, other) > 0 for other in found):
                continue
            left, top, right, bottom = box
            if left < 1 or top < 1 or right > page_w - 1 or bottom > page_h - 1:
                continue  # the whole window: a screenshot's edge is not a menu's border
            if (right - left) * (bottom - top) > 0.6 * page_w * page_h:
                continue
            if upper.bbox[0] - left < MENU_GUTTER * height:
                continue
            found.append(box)
            break
    boxes = found[len(dropped) :]
    if not boxes:
        return []
    menus: list[MenuFound] = []
    next_block = max((line.block for line in lines), default=0) + 1
    for box, reread in zip(boxes, read_boxes(image, boxes, "eng+rus"), strict=True):
        read = surer_rows(
            [w for line in lines for w in line.words if _centre_in(w.bbox, box)], reread, height
        )
        items = menu_items(read, height)
        title = _menu_title(items, height)
        if title is not None:
            items = items[1:]
        inside = [w for w in words if _centre_in(w.bbox, box)]
        if len(find_indicators(gray, inside, height)) >= 0.8 * len(items):
            continue  # a group box of options: a menu's toggles are a few of its items
        start = float(median(item.bbox[0] for item in items)) if items else 0.0
        if len(items) < MIN_MENU_ITEMS or sum(
            abs(i.bbox[0] - start) <= 0.5 * height for i in items
        ) < 0.8 * len(items):
            continue
        if _values_apart(read, items, height):
            continue
        items = marked_items(gray, box, items, height)
        if not _menu_signs(items):
            continue  # a side panel's list of pages, a list box: a column in a frame, nothing more
        items = english_shortcuts(image, box, read, items, height)
        _read_again(lines, box, read, ([title] if title is not None else []) + items, next_block)
        next_block += 1
        heading = Word(title.text, title.bbox) if title is not None else _word_above(words, box, height)
        menus.append((heading, box, items))
    lines[:] = [line for line in lines if line.words]
    return menus


def surer_rows(first: list[Word], second: list[Word], height: float) -> list[Word]:
    """Two readings of one box merged row by row, each row from the reading surer of more letters
    (only words: widget debris is left out).

    Read on its own, a menu loses what the whole screen's reading had ("TrueType" gone) and finds
    what it lost ("Allow" read as "low"): neither reading is better everywhere.
    """

    def rows(words: list[Word]) -> list[list[Word]]:
        found: list[list[Word]] = []
        for word in sorted((w for w in words if _is_text(w)), key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
            cy = (word.bbox[1] + word.bbox[3]) / 2
            if found and any(w.bbox[1] <= cy <= w.bbox[3] for w in found[-1]):
                found[-1].append(word)
            else:
                found.append([word])
        return found

    merged: list[Word] = []
    theirs = rows(second)
    for row in rows(first):
        top, bottom = min(w.bbox[1] for w in row), max(w.bbox[3] for w in row)
        same = [
            r
            for r in theirs
            if (upper := min(w.bbox[1] for w in r), lower := max(w.bbox[3] for w in r))
            and min(bottom, lower) - max(top, upper) > 0.5 * min(bottom - top, lower - upper)
        ]
        other = [w for r in same for w in r]
        merged.extend(row if sure_letters(row) >= sure_letters(other) else other)
        theirs = [r for r in theirs if not any(r is s for s in same)]
    for row in theirs:
        merged.extend(row)
    return merged


def _menu_signs(items: list[MenuItem]) -> bool:
    """Whether a column of items shows what only menus show: check marks, shortcuts, items that open a
    dialog ("Save As..."), separators."""
    return any(
        item.checked or item.shortcut or item.section or item.text.endswith(("...", "…")) for item in items
    )


def _word_above(words: list[Word], box: BBox, height: float) -> Word | None:
    """The word a menu hangs from: right above its top edge, over its left end (a menu bar's item)."""
    left, top, _, _ = box
    above = [
        w
        for w in words
        if top - 2.5 * height <= w.bbox[3] <= top + 0.5 * height
        and left - height <= w.bbox[0] <= left + 3 * height
    ]
    return max(above, key=lambda w: w.bbox[3]) if above else None


def _item_columns(words: list[Word], height: float) -> list[list[Word]]:
    """Runs of words starting at one x (within a third of a text height), each on its own row, row
    under row with no more than a blank row between: where a menu's or a list's items start."""
    named = [w for w in words if sum(ch.isalpha() for ch in w.text) >= 2]
    # Where a phrase starts: no word of its row ends just before it (a check mark read as one letter may).
    starts = sorted(
        (
            w
            for w in named
            if not any(
                o is not w
                and o.bbox[1] < (w.bbox[1] + w.bbox[3]) / 2 < o.bbox[3]
                and w.bbox[0] - 1.5 * height <= o.bbox[2] <= w.bbox[0] + 0.2 * height
                for o in named
            )
        ),
        key=lambda w: w.bbox[0],
    )
    columns: list[list[Word]] = []
    used: set[int] = set()
    for word in starts:
        if id(word) in used:
            continue
        same = sorted(
            (w for w in starts if abs(w.bbox[0] - word.bbox[0]) <= 0.35 * height), key=lambda w: w.bbox[1]
        )
        run: list[Word] = []
        for w in same:
            if run and w.bbox[1] - run[-1].bbox[3] > 2.5 * height:
                if len(run) >= MIN_MENU_ITEMS:
                    columns.append(run)
                run = []
            if run and w.bbox[1] < run[-1].bbox[3]:
                continue  # two words of one row
            run.append(w)
        if len(run) >= MIN_MENU_ITEMS:
            columns.append(run)
        used.update(id(w) for w in same)
    return columns


def _menu_title(items: list[MenuItem], height: float) -> MenuItem | None:
    """The first row when it stands apart from the column the rows below start in (a centred title)."""
    if len(items) < 2:
        return None
    column = float(median(item.bbox[0] for item in items[1:]))
    return items[0] if items[0].bbox[0] - column > height else None


def _values_apart(read: list[Word], items: list[MenuItem], height: float) -> bool:
    """Whether rows hold text standing apart right of the item that is no shortcut: a form's values."""
    apart = 0
    for item in items:
        cy = (item.bbox[1] + item.bbox[3]) / 2
        beyond = [
            w
            for w in read
            if w.bbox[1] <= cy <= w.bbox[3] and w.bbox[0] > item.bbox[2] + 1.5 * height and _is_text(w)
        ]
        text = " ".join(w.text for w in beyond)
        if beyond and not _SHORTCUT.match(text) and text != item.shortcut:
            apart += 1
    return apart > max(1, len(items) // 4)


def marked_items(gray: np.ndarray, box: BBox, items: list[MenuItem], height: float) -> list[MenuItem]:
    """The items with their check marks and sections, read from the menu's pixels.

    A check item drawn as a check box (GTK 3) has the box's state. Otherwise a mark (a tick, a radio
    dot, a toggle's square) is ink in the gutter left of the items' column, whatever glyph OCR made of
    it ("v", "у", "¥"): no bigger than a letter, or alike on several rows (one glyph, drawn again);
    icons are bigger and each its own picture. Marks on every row are icons, not states.
    A separator is a line of ink across most of the menu's width between two rows.
    """
    if not items:
        return items
    left, _, right, _ = box
    fill = float(np.median(gray[round(box[1]) : round(box[3]), round(left) + 1 : round(right) - 1]))
    inked = np.abs(gray - fill) > INK_CONTRAST
    flat = np.abs(gray - fill) <= MENU_FILL_SPREAD
    column = float(median(item.bbox[0] for item in items))
    found = find_indicators(gray, [Word(item.text, item.bbox, 96.0) for item in items], height)
    # Check items and radio items come in groups; one "box" alone is an icon shaped like one (a clock).
    boxes = [i for i in found if sum(other.kind == i.kind for other in found) >= 2]
    blobs: list[np.ndarray | None] = []
    ticked: list[bool | None] = []
    for item in items:
        y0, y1 = round(item.bbox[1] - 0.15 * height), round(item.bbox[3] + 0.15 * height)
        x0, x1 = round(left + 0.2 * height), round(min(column, item.bbox[0]) - 0.15 * height)
        cy = (item.bbox[1] + item.bbox[3]) / 2
        indicator = next(
            (i for i in boxes if i.bbox[1] <= cy <= i.bbox[3] and i.bbox[2] <= item.bbox[0]), None
        )
        ticked.append(indicator.on if indicator is not None else None)
        gutter = inked[max(0, y0) : y1, max(0, x0) : max(x0, x1)]
        if gutter.size == 0:
            blobs.append(None)
            continue
        # A highlighted row's frame runs the gutter's whole height or width; a mark does not.
        gutter = gutter & (gutter.mean(axis=0) < 0.85)[None, :] & (gutter.mean(axis=1) < 0.85)[:, None]
        rows, cols = np.flatnonzero(gutter.any(axis=1)), np.flatnonzero(gutter.any(axis=0))
        big = rows.size == 0 or rows[-1] - rows[0] >= 1.3 * height or cols[-1] - cols[0] >= 1.3 * height
        if big or int(gutter.sum()) < max(4, round(0.04 * height * height)):
            blobs.append(None)
        else:
            blobs.append(gutter[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    if any(state is not None for state in ticked):
        states: list[bool | None] = [bool(state) for state in ticked]
    else:
        marks = [
            blob is not None and (max(blob.shape) <= 0.9 * height or _drawn_again(blob, blobs))
            for blob in blobs
        ]
        states = [None] * len(items) if not any(marks) or all(marks) else list(marks)
    marked = []
    section = 0
    for index, (item, state) in enumerate(zip(items, states, strict=True)):
        if index and _separator_between(inked, flat, items[index - 1].bbox, item.bbox, left, right):
            section += 1
        marked.append(dataclasses.replace(item, checked=state, section=section))
    return marked


def _drawn_again(blob: np.ndarray, blobs: list[np.ndarray | None]) -> bool:
    """Whether another row's gutter holds the same glyph: same size, nine in ten pixels alike."""
    return any(
        other is not None
        and other is not blob
        and other.shape == blob.shape
        and float((other == blob).mean()) >= 0.9
        for other in blobs
    )


def _separator_between(
    inked: np.ndarray, flat: np.ndarray, upper: BBox, lower: BBox, left: float, right: float
) -> bool:
    """Whether a line of ink crosses most of the menu's width between two rows, with the menu's own
    background right above and below it (the border of a highlighted row has the highlight on one side)."""
    y0, y1 = round(upper[3]) + 1, round(lower[1]) - 1
    x0, x1 = round(left) + 1, round(right) - 1
    if y1 <= y0 or x1 <= x0:
        return False
    across = inked[y0:y1, x0:x1].mean(axis=1) > 0.6
    for line in np.flatnonzero(across):
        above, below = line - 1, line + 1
        while above >= 0 and across[above]:
            above -= 1
        while below < across.size and across[below]:
            below += 1
        if (
            above >= 0
            and below < across.size
            and min(float(flat[y0 + above, x0:x1].mean()), float(flat[y0 + below, x0:x1].mean())) > 0.8
        ):
            return True
    return False


def _on_menu(word: Word, menus: list[MenuFound]) -> bool:
    """Whether a word is an open menu's item or on the bar that menu drops from."""
    cy = (word.bbox[1] + word.bbox[3]) / 2
    return any(
        _centre_in(word.bbox, box) or (title is not None and title.bbox[1] <= cy <= title.bbox[3])
        for title, box, _ in menus
    )


def side_menu(chosen: SelectedRow, title: str, title_box: BBox | None) -> Control:
    """A web page's side menu as a menu control: its items in order, the tinted one marked as chosen
    (`MENU_CHECK`), so that "which item of the left menu is highlighted?" reads like a menu's checked item."""
    value = ", ".join((MENU_CHECK if item is chosen.row else "") + item.text for item in chosen.items)
    letters = f"{title} {value}"
    lang = "ru" if len(_CYRILLIC.findall(letters)) > 0.5 * sum(ch.isalpha() for ch in letters) else "en"
    box = union_bbox([item.bbox for item in chosen.items])
    return Control("list", title, title_box, value, box, None, MENU_HEADINGS[lang])


def menu_controls(menus: list[MenuFound]) -> list[Control]:
    """Each open menu as one control: its title, and its items in order with their shortcuts, checked
    items marked (`MENU_CHECK`) and sections parted (`MENU_SECTION_BREAK`)."""
    controls = []
    for title, box, items in menus:
        value = ""
        for index, item in enumerate(items):
            if index:
                value += MENU_SECTION_BREAK if item.section != items[index - 1].section else ", "
            value += MENU_CHECK if item.checked else ""
            value += f"{item.text} ({item.shortcut})" if item.shortcut else item.text
        title_text = title.text if title is not None else ""
        letters = f"{title_text} {value}"
        cyrillic = len(_CYRILLIC.findall(letters))
        lang = "ru" if cyrillic > 0.5 * sum(ch.isalpha() for ch in letters) else "en"
        name = unpaired_edges(title_text).strip(" :_")
        label_box = title.bbox if title is not None else None
        controls.append(Control("list", name, label_box, value, box, None, MENU_HEADINGS[lang]))
    return controls
