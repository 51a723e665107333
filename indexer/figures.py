"""Figures on text pages: find the pictures whose words are pixels, read them with OCR, name them by caption.

A manual's text layer says nothing of what its drawings show: the labelled knobs of a panel, the
numbered callouts of an exploded view, a pasted screenshot. Pages without a text layer are OCRed
whole; on a text page only its figures are, and only those that can hold labels:

- embedded images (pdfium reports each with its box and pixel size) large enough not to be an icon,
  a bullet or a logo;
- vector drawings: path objects clustered into regions that the text layer does not already fill
  (a table or a shaded code block is text with lines around it, not a drawing).

Each region is rendered on its own (in `indexer.pdf`, while the page is open) at a resolution suited
to OCR, the text layer's words inside it are blanked so that OCR reads only what the text layer lacks,
frames and connector lines are taken out (they break tesseract's layout analysis), the image is
scaled so its lettering is the height tesseract reads best, and the words found are mapped back to
page pixels. Geometry is in pure functions; `read_figure` is the one that runs tesseract.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.controls import MENU_CHECK, detect_controls
from indexer.diagrams import read_diagram, whiten_backdrop
from indexer.errors import AssistantError
from indexer.ocr import OcrSettings, garbled, recognize, sure_letters
from indexer.records import (
    BBox,
    Control,
    Figure,
    FigureKind,
    PageContent,
    TextLine,
    Word,
    bbox_area,
    bbox_intersection,
    turned_back,
    union_bbox,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FigureLimits:
    """Which pictures of a text page are worth OCR, and at what resolution (sizes in inches)."""

    max_per_page: int = 4
    """The largest regions of a page are read; a page of thumbnails is not a page of figures."""
    min_side: float = 0.6
    min_area: float = 2.0
    """Square inches: a toolbar icon or a logo has no labels to read."""
    min_image_pixels: tuple[int, int] = (96, 48)
    """An image with fewer pixels than this (width, height) holds no legible words at any size."""
    min_drawing_paths: int = 6
    """Path objects a cluster needs to be a drawing rather than a rule, a frame or a shaded box."""
    max_text_share: float = 0.3
    """A region this much covered by text-layer words is text (a table, a scan with its OCR layer)."""
    max_dpi: float = 300.0
    drawing_dpi: float = 200.0
    max_pixels: int = 6_000_000
    """Pixels of one region's OCR image (tesseract runs under the reader's memory limit)."""


@dataclass(frozen=True)
class PlacedImage:
    """An image object of a page: where it is drawn (page pixels) and its own size in pixels."""

    box: BBox
    pixels: tuple[int, int]


@dataclass(frozen=True)
class Region:
    """A picture worth reading: where it is (page pixels) and the resolution to render it at."""

    kind: FigureKind
    box: BBox
    dpi: float
    native_dpi: float | None = None
    """An embedded image's own resolution where it stands (its pixels per page inch); None for a drawing."""


CAPTION = re.compile(
    r"^(?:fig(?:ure)?\.?|table|illustration|image|diagram|screenshot|plate|"
    r"рис(?:унок)?\.?|таблица|табл\.|иллюстрация|изображение|схема|снимок(?:\s+экрана)?)\s*[\dIVXА-Я]",
    re.IGNORECASE,
)
"""How a caption starts: "Figure 6.1.", "Fig. 3", "Table 2", "Рисунок 9.1.", "Рис. 4", "Таблица 1"."""
MAX_CAPTION_CHARS = 200
MAX_CAPTION_LINES = 3
CAPTION_REACH = 8.0
"""A "Figure 2." line this many of its own heights from the figure is still its caption (layouts
leave a generous gap, and a drawing's box is known only to the grid its paths were gathered on)."""

MIN_WORD_CONFIDENCE = 60.0
"""Drawings make tesseract guess at strokes, arrows and hatching; real labels read far more surely."""
MIN_CALLOUT_CONFIDENCE = 80.0
"""A lone number is a callout ("3") only when read surely; otherwise it is a stroke taken for a digit."""
MIN_GLYPHS = 3
"""Letter-like specks a region needs before OCR is worth running on it."""
GLYPH_TARGET_PX = 15.0
"""Median height of letter-like specks (lower-case letters, mostly) after scaling: tesseract reads
lettering of this size as well as larger, and a dense screenshot costs it half the time it would at 24."""
SPARSE_GLYPH_PX = 22.0
"""The same for a drawing's few labels: a designator or a part's type alone among strokes ("C3",
"SS14") reads surely only larger, and a sparse figure costs tesseract little at any size."""
READ_SHARE = 0.6
"""Share of a drawing's letter-like specks its first reading must have read as letters; with fewer,
labels were lost (a speck count also holds a few strokes and dots, so not all is asked)."""
SCALE_RANGE = (0.35, 3.0)
OUTLINE_FILL = 0.1
"""Share of its box an outline's strokes ink at most; the emptiest letters ("L", "ш") ink more."""
SPARSE_TEXT = "11"
"""tesseract's mode for drawings: labels lie scattered among strokes and pictograms, not in blocks,
and its block analysis takes a label beside a pictogram for part of the picture."""
UNIFORM_BLOCK = "6"
"""tesseract's mode for a figure sparse mode finds nothing in: lone callout numbers among outlines."""
DENSE_GLYPHS = 250
"""Letter-like specks from which a figure is a screenshot or a table: read as blocks of lines (sparse
mode would cut its rows at every gap and lose the short pieces)."""
MAX_FIGURE_OCR_S = 60.0
"""Most CPU seconds tesseract may spend on one figure (less when several share the page's time limit)."""
WATCHDOG_SHARE = 0.8
"""Part of the reader's per-page wall-clock limit after which a page's remaining figures are left unread."""


# -- finding the regions (pure geometry) -------------------------------------------------------


def merge_boxes(boxes: Sequence[BBox], gap: float = 0.0) -> list[BBox]:
    """Union of boxes that overlap or lie within `gap` of each other, until no two do."""
    merged = [tuple(box) for box in boxes]
    changed = True
    while changed:
        changed = False
        result: list[tuple[float, ...]] = []
        for box in merged:
            for index, other in enumerate(result):
                if (
                    box[0] - gap <= other[2]
                    and other[0] - gap <= box[2]
                    and box[1] - gap <= other[3]
                    and other[1] - gap <= box[3]
                ):
                    result[index] = (
                        min(box[0], other[0]),
                        min(box[1], other[1]),
                        max(box[2], other[2]),
                        max(box[3], other[3]),
                    )
                    changed = True
                    break
            else:
                result.append(box)
        merged = result
    return [(b[0], b[1], b[2], b[3]) for b in merged]


def clip_box(box: BBox, width: float, height: float) -> BBox | None:
    """`box` cut to the page; None when nothing of it is on the page."""
    clipped = (max(0.0, box[0]), max(0.0, box[1]), min(width, box[2]), min(height, box[3]))
    return clipped if clipped[2] > clipped[0] and clipped[3] > clipped[1] else None


def text_share(box: BBox, text_boxes: Sequence[BBox]) -> float:
    """Share of `box` covered by text-layer words (words do not overlap, so their areas add up)."""
    area = bbox_area(box)
    if area <= 0:
        return 0.0
    return min(1.0, sum(bbox_intersection(box, word) for word in text_boxes) / area)


def drawing_clusters(
    paths: Sequence[tuple[BBox, bool]], width: float, height: float, cell: float, min_paths: int
) -> list[BBox]:
    """Regions where path objects gather (page pixels), found on a grid of `cell`-pixel squares.

    `paths` are boxes, each with whether the path is shaped (a line, curve or polygon rather than a
    rectangle). A path as large as the page (a background, a page frame) and a long thin rule (a
    header line) gathers nothing; what is left is marked on the grid, neighbours within two cells
    join, and a cluster with fewer than `min_paths` shaped paths is dropped: shaded boxes, frames
    and dotted borders around text are all rectangles.
    """
    columns, rows = max(1, int(np.ceil(width / cell))), max(1, int(np.ceil(height / cell)))
    grid = np.zeros((rows, columns), dtype=bool)
    kept: list[tuple[int, int]] = []
    for (x0, y0, x1, y1), shaped in paths:
        w, h = x1 - x0, y1 - y0
        if w > 0.8 * width and h > 0.5 * height:
            continue
        if (w > 0.4 * width and h < cell / 2) or (h > 0.4 * height and w < cell / 2):
            continue
        c0, r0 = max(0, int(x0 // cell)), max(0, int(y0 // cell))
        c1, r1 = min(columns - 1, int(x1 // cell)), min(rows - 1, int(y1 // cell))
        if c1 < c0 or r1 < r0:
            continue
        grid[r0 : r1 + 1, c0 : c1 + 1] = True
        if shaped:
            kept.append((r0, c0))
    if not kept:
        return []
    labels, _ = ndi.label(ndi.binary_dilation(grid, iterations=2))
    counts: dict[int, int] = {}
    for r0, c0 in kept:
        label = int(labels[r0, c0])
        counts[label] = counts.get(label, 0) + 1
    clusters = []
    for label, (rows_slice, cols_slice) in enumerate(ndi.find_objects(labels), start=1):
        if counts.get(label, 0) < min_paths:
            continue
        # The dilation grew each cluster by two cells on every side; the marked cells are the truth.
        marked = grid[rows_slice, cols_slice] & (labels[rows_slice, cols_slice] == label)
        ys, xs = np.nonzero(marked)
        clusters.append(
            (
                (cols_slice.start + xs.min()) * cell,
                (rows_slice.start + ys.min()) * cell,
                min(width, (cols_slice.start + xs.max() + 1) * cell),
                min(height, (rows_slice.start + ys.max() + 1) * cell),
            )
        )
    return clusters


def figure_regions(
    images: Sequence[PlacedImage],
    paths: Sequence[tuple[BBox, bool]],
    text_boxes: Sequence[BBox],
    size: tuple[int, int],
    dpi: float,
    limits: FigureLimits,
) -> list[Region]:
    """The page's pictures worth OCR, largest first, at most `limits.max_per_page` (boxes in page pixels).

    `images` and `paths` are the page's image and path objects (paths with whether they are shaped,
    see `drawing_clusters`), `text_boxes` its text-layer words,
    `size` the page image's size at `dpi`.
    """
    width, height = size
    inch = dpi  # page pixels per inch

    def large_enough(box: BBox) -> bool:
        w, h = (box[2] - box[0]) / inch, (box[3] - box[1]) / inch
        return min(w, h) >= limits.min_side and w * h >= limits.min_area

    pictures: list[tuple[BBox, float]] = []
    for image in images:
        box = clip_box(image.box, width, height)
        if box is None or not large_enough(box):
            continue
        if image.pixels[0] < limits.min_image_pixels[0] or image.pixels[1] < limits.min_image_pixels[1]:
            continue
        # The image's own resolution: rendering finer only interpolates, coarser loses strokes.
        native = image.pixels[0] / ((image.box[2] - image.box[0]) / inch)
        pictures.append((box, native))
    drawings = [
        box
        for box in drawing_clusters(paths, width, height, inch / 10, limits.min_drawing_paths)
        if large_enough(box)
    ]
    regions: list[Region] = []
    # Callout lines and numbers drawn over a photo belong to it: overlapping regions are one figure.
    for box in merge_boxes([box for box, _ in pictures] + drawings, gap=inch / 20):
        if text_share(box, text_boxes) > limits.max_text_share:
            continue
        natives = [native for picture, native in pictures if bbox_intersection(picture, box) > 0]
        if natives:
            render = min(limits.max_dpi, max(dpi, max(natives)))
            regions.append(Region("image", box, render, max(natives)))
        else:
            regions.append(Region("drawing", box, max(dpi, limits.drawing_dpi)))
    regions.sort(key=lambda region: bbox_area(region.box), reverse=True)
    return regions[: max(0, limits.max_per_page)]


def render_dpi(region: Region, page_dpi: float, max_pixels: int) -> float:
    """`region.dpi`, or lower so that the region's image has at most `max_pixels` pixels."""
    x0, y0, x1, y1 = region.box
    area_inches = (x1 - x0) * (y1 - y0) / (page_dpi * page_dpi)
    if area_inches <= 0:
        return region.dpi
    return min(region.dpi, float(np.sqrt(max_pixels / area_inches)))


def caption_of(box: BBox, lines: Sequence[TextLine]) -> str:
    """The text-layer caption of the figure at `box`: a "Figure 3."/"Рис. 3" line near it, else a short line
    right under or over it; "" when there is none. A caption broken over lines is joined."""
    height = box[3] - box[1]
    near: list[tuple[float, int]] = []
    for index, line in enumerate(lines):
        x0, y0, x1, y1 = line.bbox
        if x1 < box[0] or x0 > box[2]:
            continue
        gap = y0 - box[3] if y0 >= box[3] - 0.1 * height else box[1] - y1
        if y0 < box[3] - 0.1 * height and y1 > box[1] + 0.1 * height:
            continue  # beside the figure, not under or over it
        near.append((gap, index))
    near.sort()
    for gap, index in near:
        if gap <= CAPTION_REACH * max(lines[index].height, 1.0) and CAPTION.match(lines[index].text.strip()):
            return _caption_text(lines, index)
    for gap, index in near[:1]:
        line = lines[index]
        text = line.text.strip()
        if -line.height <= gap <= 1.5 * line.height and len(text) <= 80 and any(c.isalpha() for c in text):
            return _caption_text(lines, index)
    return ""


def _caption_text(lines: Sequence[TextLine], first: int) -> str:
    """The caption line and the lines that continue it (same size, close under it)."""
    parts = [lines[first]]
    for line in lines[first + 1 : first + MAX_CAPTION_LINES]:
        previous = parts[-1]
        gap = line.bbox[1] - previous.bbox[3]
        same_size = abs(line.font_size - previous.font_size) <= 0.15 * max(previous.font_size, 1.0)
        if not same_size or not -0.2 * previous.height <= gap <= 0.6 * previous.height:
            break
        parts.append(line)
    text = " ".join(line.text.strip() for line in parts)
    return text[:MAX_CAPTION_CHARS].strip()


# -- reading a region --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lettering:
    """What the letter-like specks of a region image say before OCR: how many, how high (pixels)."""

    glyphs: int
    height: float


def blank_text_layer(gray: np.ndarray, figure: Figure) -> None:
    """Paint the text layer's words white in the region image: OCR is for the words it lacks."""
    for x0, y0, x1, y1 in figure.text_boxes:
        left = max(0, int((x0 - figure.box[0]) * figure.scale) - 1)
        top = max(0, int((y0 - figure.box[1]) * figure.scale) - 1)
        right = int(np.ceil((x1 - figure.box[0]) * figure.scale)) + 1
        bottom = int(np.ceil((y1 - figure.box[1]) * figure.scale)) + 1
        gray[top:bottom, left:right] = 255


def clear_strokes(gray: np.ndarray) -> Lettering:
    """Take frames, connectors and arrows out of a region image (in place) and measure its lettering.

    Dark connected specks of letter size are counted as glyphs; a speck much larger than the letters
    and mostly empty inside (a box around a label, a curved arrow, an outline drawing) is painted
    white, because tesseract takes a label inside a frame for part of a picture and skips it. Solid
    dark areas stay: they may be a selected row with light text, which OCR turns around itself.
    """
    dark = gray < 128
    labels, count = ndi.label(dark)
    if count == 0:
        return Lettering(0, 0.0)
    slices = ndi.find_objects(labels)
    heights = np.array([s[0].stop - s[0].start for s in slices], dtype=np.float64)
    widths = np.array([s[1].stop - s[1].start for s in slices], dtype=np.float64)
    inked = np.asarray(ndi.sum_labels(dark, labels, np.arange(1, count + 1)), dtype=np.float64)
    fill = inked / (heights * widths)
    ceiling = max(8.0, 0.3 * gray.shape[0])
    glyph = (heights >= 5) & (heights <= ceiling) & (widths <= 12 * heights) & (fill >= 0.08)
    glyph_height = float(np.median(heights[glyph])) if glyph.any() else 0.0
    reference = max(glyph_height, 8.0)
    stroke = ((heights > 3 * reference) | (widths > 15 * reference)) & (fill < 0.3)
    # The outline of a part or a control (a box, a ring) a little larger than the lettering: thin
    # strokes around an empty middle, which no letter is.
    stroke |= ((heights > 1.5 * reference) | (widths > 4 * reference)) & (fill < OUTLINE_FILL)
    for index in np.nonzero(stroke)[0]:
        rows, cols = slices[index]
        window = gray[rows, cols]
        window[labels[rows, cols] == index + 1] = 255
    glyphs = int(glyph.sum())
    if dark.mean() > 0.4:
        # Light lettering on a dark screen: its letters are the light specks.
        light_labels, _ = ndi.label(~dark)
        light = ndi.find_objects(light_labels)
        light_heights = [s[0].stop - s[0].start for s in light]
        light_glyphs = [h for h in light_heights if 5 <= h <= ceiling]
        if len(light_glyphs) > glyphs:
            glyphs, glyph_height = len(light_glyphs), float(np.median(light_glyphs))
    return Lettering(glyphs, glyph_height)


def ocr_scale(
    lettering: Lettering, size: tuple[int, int], max_pixels: int, target: float = GLYPH_TARGET_PX
) -> float:
    """Factor bringing the lettering to the height tesseract reads best (`target`), within the pixel limit."""
    scale = target / lettering.height if lettering.height > 0 else 1.0
    scale = min(max(scale, SCALE_RANGE[0]), SCALE_RANGE[1])
    pixels = size[0] * size[1]
    if pixels * scale * scale > max_pixels:
        scale = float(np.sqrt(max_pixels / pixels))
    return scale


MEASURE = re.compile(r"^\d[%°‰]$")
"""A one-digit amount with its unit sign: a value a panel or a dialog shows, not a stroke read as a digit."""


KEY_COMBINATION = re.compile(
    r"^(?:(?:Ctr[l1iI]|Alt|Shift|Cmd|Meta|Super)\+)+(?:F\d{1,2}|[^\W_]+)$", re.IGNORECASE
)
"""A menu item's keys ("Ctrl+Q", "Ctrl+Shift+M"): tesseract is unsure of the plus sign between letters,
yet no stroke of a drawing reads as a modifier's name joined to a key."""
MIN_KEYS_CONFIDENCE = 40.0


def label_words(line: TextLine) -> list[Word]:
    """The words of an OCR line read surely enough to index: real words and callout numbers, not strokes.

    A lone letter stays only amid real words ("a" in a sentence of a pasted screenshot); a lone digit
    only when read surely (a callout number) or when it leads a line of words (a legend's "2. Filter").
    """
    sure = [
        word
        for word in line.words
        if (
            word.confidence >= MIN_WORD_CONFIDENCE
            or (word.confidence >= MIN_KEYS_CONFIDENCE and KEY_COMBINATION.match(word.text))
        )
        and (alnum := sum(ch.isalnum() for ch in word.text)) > 0
        and alnum >= len(word.text) / 2
    ]
    words = sum(sum(ch.isalnum() for ch in word.text) >= 2 for word in sure)
    kept = []
    for index, word in enumerate(sure):
        text = word.text.strip()
        if sum(ch.isalnum() for ch in text) == 1:
            if MEASURE.match(text):
                kept.append(word)  # a setting's value: "5%", "8°"
                continue
            surely = word.confidence >= MIN_CALLOUT_CONFIDENCE
            number = text.rstrip(".)").isdigit()
            # A legend's entry ("2. Burr ring"): its number leads a line of words, read surely enough.
            leads = number and index == 0 and words >= 1
            if not (leads or (surely and (number or (text.isalpha() and words >= 2)))):
                continue
        kept.append(word)
    return kept


CYRILLIC_LANGUAGES = {"rus", "ukr", "bel", "bul", "srp", "mkd", "kaz", "kir", "tgk", "mon"}


def figure_languages(languages: str, lines: Sequence[TextLine]) -> str:
    """The OCR languages for a page's figures: Cyrillic ones only when the page's text has Cyrillic.

    A figure speaks the language of the page around it; each language tesseract tries costs time.
    """
    wanted = languages.split("+")
    latin = [language for language in wanted if language not in CYRILLIC_LANGUAGES]
    if not latin or len(latin) == len(wanted):
        return languages
    cyrillic = any("\u0400" <= ch <= "\u04ff" for line in lines for word in line.words for ch in word.text)
    return languages if cyrillic else "+".join(latin)


RUSSIAN_IN_LATIN = 0.25
"""Share of a figure's words (of three letters or more) reading like Russian in Latin letters
("C6pocutb", "KomnoHeHTOB") from which it is read again with the Cyrillic languages first."""


DIGIT_FOR_LETTER = re.compile(r"[^\W\d_]\d[^\W\d_]")
"""A digit between letters: "3" read for "з", "6" for "б", "0" for "о" ("ucnonb30BaTb")."""


def reads_russian_in_latin(reading: FigureReading) -> bool:
    """Whether a figure read with English first is mostly Russian read as Latin look-alikes (`garbled`).

    A figure speaks the language of its page (`figure_languages`) but for a Russian screenshot
    pasted into a manual's English page: English OCR reads it as "Coptuposka KomnoHeHTOB", whose
    case changing inside words and digits for letters ("3" for "з", "6" for "б") no English UI shows.
    """
    said = [word.text for line in reading.lines for word in line.words]
    said += [text for control in reading.controls for text in f"{control.value} {control.group}".split()]
    texts = [text for text in said if sum(ch.isalpha() for ch in text) >= 3]
    latin = sum(garbled(text) or bool(DIGIT_FOR_LETTER.search(text)) for text in texts)
    return bool(texts) and latin >= RUSSIAN_IN_LATIN * len(texts)


def cyrillic_first(languages: str) -> str:
    """`languages` with the Cyrillic ones first ("eng+rus" -> "rus+eng"); unchanged without one."""
    return "+".join(sorted(languages.split("+"), key=lambda language: language not in CYRILLIC_LANGUAGES))


@dataclass
class FigureReading:
    """What OCR found in one figure: its labels and, on a pasted screenshot, its controls (page pixels)."""

    lines: list[TextLine]
    controls: list[Control]


def read_figure(figure: Figure, languages: str, max_pixels: int, timeout_s: float = 60.0) -> list[TextLine]:
    """OCR the region image of `figure`: its words that the text layer lacks, with boxes in page pixels."""
    return read_figure_controls(figure, languages, max_pixels, timeout_s).lines


def read_figure_controls(
    figure: Figure, languages: str, max_pixels: int, timeout_s: float = 60.0
) -> FigureReading:
    """OCR the region image of `figure` and, when it is a pasted screenshot, read its controls too."""
    if figure.image is None:
        return FigureReading([], [])
    gray = np.array(figure.image.convert("L"))
    blank_text_layer(gray, figure)
    screen = gray.copy()
    lettering = clear_strokes(gray)
    if lettering.glyphs < MIN_GLYPHS:
        log.debug("figure at %s: no lettering to read", [round(v) for v in figure.box])
        return FigureReading([], [])
    if may_be_screen(figure, screen, lettering):
        # A dialog on a white page of a notebook is neither dense nor grey: a lettered image is tried
        # as a screen, and kept as one only when it shows a form's worth of named controls.
        looks = _looks_like_window(screen, lettering)
        needed = MIN_SCREEN_CONTROLS if looks else MIN_FORM_CONTROLS
        reading = read_screenshot(figure, screen, lettering, languages, max_pixels, timeout_s, needed)
        if named_controls(reading.controls) >= needed and looks:
            return reading
        if named_controls(reading.controls) >= needed:
            # A form on white may be a drawing's labelled boxes too: its words stay those the drawing
            # reading gives (the figure reader's labels), its controls join the page's.
            return FigureReading(
                _drawing_reading(figure, screen, gray, lettering, languages, max_pixels, timeout_s),
                reading.controls,
            )
        # No dialog after all: a device's panel on a grey face (knobs ringed by outlines), a chart.
        log.debug("figure at %s: no controls, read as a drawing", [round(v) for v in figure.box])
    return FigureReading(
        _drawing_reading(figure, screen, gray, lettering, languages, max_pixels, timeout_s), []
    )


def _drawing_reading(
    figure: Figure,
    screen: np.ndarray,
    gray: np.ndarray,
    lettering: Lettering,
    languages: str,
    max_pixels: int,
    timeout_s: float,
) -> list[TextLine]:
    """A drawing's labels (`_drawing_lines`), and on a mid-tone backdrop those read once it is white too.

    `screen` is the region image before its strokes were cleared. Light lettering on the backdrop (a
    title on a blue bar) is read by the first reading and would be lost on white; dark lettering (the
    names of sample boxes on a blue panel) by the second: the readings are joined."""
    lines = _drawing_lines(figure, gray, lettering, languages, max_pixels, timeout_s)
    whitened = screen.copy()
    if not whiten_backdrop(whitened):
        return lines
    lettering = clear_strokes(whitened)
    if lettering.glyphs < MIN_GLYPHS:
        return lines
    log.debug("figure at %s: read again on a white backdrop", [round(v) for v in figure.box])
    return joined_readings(
        lines, _drawing_lines(figure, whitened, lettering, languages, max_pixels, timeout_s)
    )


def _drawing_lines(
    figure: Figure, gray: np.ndarray, lettering: Lettering, languages: str, max_pixels: int, timeout_s: float
) -> list[TextLine]:
    """A drawing's labels: read at the size its lettering suits, and larger where letters were lost."""
    size = (gray.shape[1], gray.shape[0])
    scale = ocr_scale(lettering, size, max_pixels)
    lines = _read_drawing(figure, gray, lettering, languages, timeout_s, scale)
    larger = ocr_scale(lettering, size, max_pixels, SPARSE_GLYPH_PX)
    read = sum(ch.isalnum() for line in lines for word in line.words for ch in word.text)
    if lettering.glyphs < DENSE_GLYPHS and larger > 1.1 * scale and read < READ_SHARE * lettering.glyphs:
        # Tesseract reads a lone label at one size and loses it at another ("SS14" at 15 px, "LM7805"
        # at 22 px): a drawing whose letters were not all read is read larger and the readings joined.
        # What was read is blanked first, so the second reading costs only what is left.
        rest = gray.copy()
        read_boxes = [word.bbox for line in lines for word in line.words]
        blank_text_layer(rest, dataclasses.replace(figure, text_boxes=read_boxes))
        lines = joined_readings(lines, _read_drawing(figure, rest, lettering, languages, timeout_s, larger))
    return lines


def _read_drawing(
    figure: Figure,
    gray: np.ndarray,
    lettering: Lettering,
    languages: str,
    timeout_s: float,
    scale: float,
) -> list[TextLine]:
    """OCR a drawing's image (strokes cleared) resized by `scale`: its labels in page pixels."""
    image = Image.fromarray(gray)
    if abs(scale - 1.0) > 0.05:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    # The scale is chosen here from the lettering, so OCR must not resize again.
    psm = SPARSE_TEXT if lettering.glyphs < DENSE_GLYPHS else OcrSettings.psm
    # A figure's strokes are cleared before OCR, frames with them: no boxed line is left for a
    # second pass to find, and the figure's OCR cost stays one tesseract run.
    settings = OcrSettings(
        languages=languages, upscale_below=0, timeout_s=timeout_s, psm=psm, reread_blanks=False
    )
    # On a rotated page the picture stands turned: OCR reads it upright, boxes are turned back.
    turns = (figure.rotation // 90) % 4
    upright = image.transpose(QUARTER_TURNS[turns]) if turns else image
    result = recognize(upright.convert("RGB"), settings)
    if psm == SPARSE_TEXT and not any(label_words(line) for line in result.lines):
        # Sparse mode, and page layout analysis too, skip lone numbers among outlines (the callouts of
        # an exploded view, all its lettering): read as one block, they come out one a line.
        block = OcrSettings(
            languages=languages,
            upscale_below=0,
            timeout_s=timeout_s,
            psm=UNIFORM_BLOCK,
            reread_blanks=False,
        )
        result = recognize(upright.convert("RGB"), block)
    place = FigurePlace(figure, image.width / gray.shape[1], turns, image.size)
    return place.labels(result.lines)


def _sure_letters(line: TextLine) -> float:
    """Letters and digits of a line read with conviction, weighted by how surely."""
    return sum(sum(ch.isalnum() for ch in word.text) * word.confidence / 100.0 for word in line.words)


def _overlap(a: BBox, b: BBox) -> bool:
    """Whether two boxes share a third of the smaller one's area."""
    smaller = min(bbox_area(a), bbox_area(b))
    return smaller > 0 and bbox_intersection(a, b) >= smaller / 3


def joined_readings(first: Sequence[TextLine], second: Sequence[TextLine]) -> list[TextLine]:
    """Two OCR readings of one figure as one: every line of `first`, a line of `second` where `first`
    read nothing, and a line of `second` in place of the one line of `first` it covers when it reads
    more letters surely ("SS14" for "ss1")."""
    joined = list(first)
    for line in second:
        covered = [index for index, kept in enumerate(joined) if _overlap(kept.bbox, line.bbox)]
        if not covered:
            joined.append(line)
        elif len(covered) == 1 and _sure_letters(line) > _sure_letters(joined[covered[0]]):
            joined[covered[0]] = line
    return joined


MIN_SCREEN_CONTROLS = 2
"""Named controls a picture read as a screen must show to be one; a panel's knobs read better as a drawing."""
MIN_FORM_CONTROLS = 3
"""...and one neither dense with lettering nor on a window's grey (a dialog page on white): a diagram's
labels may pair as "Label: value" once or twice, a form names more."""
_NAME_WORD = re.compile(r"[^\W\d_]{3,}")


def named_controls(controls: Sequence[Control]) -> int:
    """How many controls a dialog would name for its user: a label with a word in it and a value that is
    no other label, or an option (radio button, check box) whose text is a phrase. A device panel read as
    a screen still yields a few: a number taken for a label ("44100: MIDI:"), a knob's ring taken for a
    list's selected row with no label at all, a lamp's one-word legend ("POWER") taken for a check box."""
    return sum(
        1
        for control in controls
        if (_NAME_WORD.search(control.label) and not control.value.rstrip().endswith(":"))
        or (control.kind in ("radio", "checkbox") and len(_NAME_WORD.findall(control.value)) >= 2)
        # A group of options read as a list with its chosen item marked ("Justification, ✓ Align left").
        or (control.kind == "list" and MENU_CHECK in control.value and _NAME_WORD.search(control.value))
    )


def chosen_options(controls: Sequence[Control], lines: Sequence[TextLine] = ()) -> list[Control]:
    """`controls` with each framed group of options that was read as a list with its chosen item marked
    ("Justification, Align right, ✓ Align left") as the radio buttons it is: the frame's title, which
    its border carries above the first option, is their group, and the marked item the one on.

    On a pasted dialog a group box of radio buttons looks like an open menu (a frame, a column of
    rows, a mark in the gutter of one); a user asks "which justification is selected". Each option is
    boxed by the line of `lines` (page pixels) inside the group that reads it, else by the group.
    """
    found: list[Control] = []
    for control in controls:
        items = [item.strip() for item in re.split(r",\s|\s\|\s", control.value)]
        marked = [item.startswith(MENU_CHECK.strip()) for item in items]
        if control.kind != "list" or sum(marked) != 1 or marked[0] or len(items) < 3:
            found.append(control)
            continue
        group = items[0]
        for item, on in zip(items[1:], marked[1:], strict=True):
            text = item.removeprefix(MENU_CHECK.strip()).strip()
            box = _line_box(text, control.value_bbox, lines) or control.value_bbox
            found.append(Control("radio", control.label, control.label_bbox, text, box, on, group))
    return found


def _line_box(text: str, inside: BBox, lines: Sequence[TextLine]) -> BBox | None:
    """The box of the words of a line within `inside` that read `text` (letters and digits alike)."""
    wanted = _letters_of(text)
    for line in lines:
        words = [word for word in line.words if _overlap(word.bbox, inside)]
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                if _letters_of(" ".join(word.text for word in words[start:end])) == wanted:
                    return union_bbox([word.bbox for word in words[start:end]])
    return None


def _letters_of(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


SCREEN_GLYPH_PX = 10.0
"""Median height of letter-like specks a pasted screenshot is scaled to: a screen's lettering is small
and crisp, and tesseract reads it more fully a little under the size that suits a drawing's labels."""


SCREEN_GLYPHS = 60
"""Letter-like specks from which an image on a window's grey is a dialog (a small one, two fields and
two buttons, holds ~90; one with no controls is read as a drawing after all)."""
WINDOW_GREY = (200, 246)
"""Grey levels of a window's background in the common toolkits' themes (paper is whiter)."""
WINDOW_SHARE = 0.4
"""Share of the image a window's background fills at least."""


SCREEN_FLATNESS = 0.5
"""Share of a screen's neighbouring pixels of one level: flat fills between crisp strokes (0.8-0.97 on
dialogs pasted into manuals, enlarged or not); a photo's grain, or noise (0.08), is not flat."""


def flat_share(gray: np.ndarray) -> float:
    """Share of horizontally neighbouring pixels whose grey levels differ by at most 2."""
    if gray.shape[1] < 2:
        return 0.0
    levels = gray.astype(np.int16)
    return float((np.abs(levels[:, 1:] - levels[:, :-1]) <= 2).mean())


def is_screenshot(figure: Figure, gray: np.ndarray, lettering: Lettering) -> bool:
    """Whether a figure is a pasted screenshot (or a table or panel pasted as an image): an embedded
    image dense with lettering, or lettered and mostly of one window grey (a small dialog).
    Its frames are fields and its bars selections: they stay for OCR."""
    return may_be_screen(figure, gray, lettering) and _looks_like_window(gray, lettering)


def may_be_screen(figure: Figure, gray: np.ndarray, lettering: Lettering) -> bool:
    """Whether a figure can be a screen at all: an embedded image, lettered enough, of flat fills."""
    lettered = figure.kind == "image" and lettering.glyphs >= SCREEN_GLYPHS
    return lettered and flat_share(gray) >= SCREEN_FLATNESS


def _looks_like_window(gray: np.ndarray, lettering: Lettering) -> bool:
    """Of a figure that `may_be_screen`: dense with lettering, or mostly of one window grey."""
    if lettering.glyphs >= DENSE_GLYPHS:
        return True
    levels = np.bincount(gray.ravel(), minlength=256)
    mode = int(levels.argmax())
    background = levels[max(0, mode - 3) : mode + 4].sum() / max(1, gray.size)
    return WINDOW_GREY[0] <= mode <= WINDOW_GREY[1] and background >= WINDOW_SHARE


@dataclass(frozen=True)
class FigurePlace:
    """Where the image OCR read stands on the page: its scale against the region and its turn."""

    figure: Figure
    resize: float
    """OCR image pixels per region-image pixel."""
    turns: int
    size: tuple[int, int]
    """The OCR image's size before it was turned upright."""

    def box(self, box: BBox) -> BBox:
        """A box of the upright OCR image, in page pixels."""
        factor = 1.0 / (self.figure.scale * self.resize)
        x, y = self.figure.box[0], self.figure.box[1]
        left, top, right, bottom = turned_back(box, self.turns, self.size)
        return (x + left * factor, y + top * factor, x + right * factor, y + bottom * factor)

    def labels(self, lines: Sequence[TextLine]) -> list[TextLine]:
        """The OCR lines' words read surely enough to index (`label_words`), boxed in page pixels."""
        factor = 1.0 / (self.figure.scale * self.resize)
        placed: list[TextLine] = []
        for line in lines:
            words = [
                Word(word.text, self.box(word.bbox), word.confidence, (word.bbox[3] - word.bbox[1]) * factor)
                for word in label_words(line)
            ]
            if words:
                placed.append(TextLine(words, line.block))
        return placed

    def control(self, control: Control) -> Control:
        """A control read on the OCR image, boxed in page pixels."""
        label_box = None if control.label_bbox is None else self.box(control.label_bbox)
        return dataclasses.replace(control, label_bbox=label_box, value_bbox=self.box(control.value_bbox))


def read_screenshot(
    figure: Figure,
    gray: np.ndarray,
    lettering: Lettering,
    languages: str,
    max_pixels: int,
    timeout_s: float,
    needed: int = 0,
) -> FigureReading:
    """OCR a pasted screenshot as a screen, not as a drawing, and read its controls.

    Its frames are not cleared (a field's frame says which words are its value, and clearing a
    screen's boxes loses the words inside them). It is read twice, and the readings joined
    (`joined_screen_readings`):

    - as a screenshot file is read (`screen_file_scale`): at the image's own pixels, which the page
      may show shrunk or enlarged, with the page-reading OCR that upscales small lettering and reads
      boxed words the layout skipped. A shot pasted at reduced scale rendered at the page's
      resolution is a blurred enlargement whose frames and bars `indexer.controls` misjudges; at
      its own pixels it is the screen its program drew;
    - in sparse mode at a screen's lettering size (a dialog's labels and values stand in columns
      that block analysis may join across).

    The controls found (the selected row of a list, a drop-down's value, "Label: value", the state
    of radio buttons and check boxes) are what `indexer.controls` finds on a screenshot file, boxed
    on the page. With fewer than `needed` named controls (`named_controls`) at its own pixels and
    no look of a screen (`is_screenshot`), the picture is no screen and the second reading is saved.
    """
    half = timeout_s / 2
    own = _read_screen(
        figure,
        gray,
        screen_file_scale(figure, (gray.shape[1], gray.shape[0]), max_pixels),
        OcrSettings(languages=languages, timeout_s=half),
    )
    if needed > MIN_SCREEN_CONTROLS and named_controls(own.controls) < needed:
        return own
    sparse = _read_screen(
        figure,
        gray,
        ocr_scale(lettering, (gray.shape[1], gray.shape[0]), max_pixels, target=SCREEN_GLYPH_PX),
        OcrSettings(
            languages=languages, upscale_below=0, timeout_s=half, psm=SPARSE_TEXT, reread_blanks=False
        ),
    )
    reading = joined_screen_readings(own, sparse)
    log.debug(
        "screenshot figure at %s: %d controls (%d at its own pixels, %d sparse)",
        [round(v) for v in figure.box],
        len(reading.controls),
        len(own.controls),
        len(sparse.controls),
    )
    return reading


SCREEN_FILE_SIDE = 1600
"""Longest side below which the page-reading OCR enlarges an image (`OcrSettings.upscale_below`)."""


def screen_file_scale(figure: Figure, size: tuple[int, int], max_pixels: int) -> float:
    """Factor from the region image to the pasted image's own pixels (never above 1: the region was
    rendered at least that fine unless capped, and OCR enlarges small lettering itself), within the
    pixel limit once OCR has enlarged it."""
    scale = 1.0
    if figure.native_scale is not None and figure.scale > 0:
        scale = min(1.0, figure.native_scale / figure.scale)
    longest = max(size) * scale
    enlarged = 2.0 if 0 < longest < SCREEN_FILE_SIDE else 1.0
    pixels = size[0] * size[1] * (scale * enlarged) ** 2
    if pixels > max_pixels:
        scale *= float(np.sqrt(max_pixels / pixels))
    return scale


def _read_screen(figure: Figure, gray: np.ndarray, scale: float, settings: OcrSettings) -> FigureReading:
    """OCR a screenshot's region image resized by `scale` with `settings`: lines and controls on the page."""
    size = (gray.shape[1], gray.shape[0])
    image = Image.fromarray(gray)
    if abs(scale - 1.0) > 0.05:
        image = image.resize(
            (max(1, round(size[0] * scale)), max(1, round(size[1] * scale))), Image.Resampling.LANCZOS
        )
    turns = (figure.rotation // 90) % 4
    upright = (image.transpose(QUARTER_TURNS[turns]) if turns else image).convert("RGB")
    result = recognize(upright, settings)
    place = FigurePlace(figure, image.width / size[0], turns, image.size)
    controls: list[Control] = []
    try:
        # Labels lost beside their check boxes are read again here and join the lines.
        controls = detect_controls(upright, result.lines)
    except AssistantError as error:
        log.warning("figure at %s: its controls were left unread (%s)", [round(v) for v in figure.box], error)
    return FigureReading(place.labels(result.lines), [place.control(control) for control in controls])


def _control_key(control: Control) -> str:
    """What names a control across two readings: its label and, for an option, its text (letters only)."""
    named = control.label if control.kind not in ("radio", "checkbox") else f"{control.label} {control.value}"
    return "".join(ch for ch in named.casefold() if ch.isalnum())


def value_certainty(control: Control, lines: Sequence[TextLine]) -> float:
    """How surely a reading read a control's value: the mean confidence of its words where the value
    stands (0 when none was read surely enough to be kept, `label_words`)."""
    found = [
        word.confidence for line in lines for word in line.words if _overlap(word.bbox, control.value_bbox)
    ]
    return sum(found) / len(found) if found else 0.0


SURER_BY = 5.0
"""Confidence points by which the second reading of a value must be surer to replace the first's."""


def surer_value(control: Control, own: Sequence[TextLine], other: Sequence[TextLine]) -> Control:
    """`control` with its value's text as the other reading read it where the value stands, when that
    reading read it surer ("5%" read sparse where the screen's own pixels gave "Yo"); options keep theirs."""
    if control.kind in ("radio", "checkbox", "tabs"):
        return control
    words = sorted(
        (word for line in other for word in line.words if _overlap(word.bbox, control.value_bbox)),
        key=lambda word: word.bbox[0],
    )
    if not words:
        return control
    text = " ".join(word.text for word in words)
    surer = sum(word.confidence for word in words) / len(words) > value_certainty(control, own) + SURER_BY
    return dataclasses.replace(control, value=text) if surer and text != control.value else control


def joined_screen_readings(first: FigureReading, second: FigureReading) -> FigureReading:
    """Two readings of one screenshot as one: every control of `first`, and a control of `second` that
    `first` lacks: one not named alike and not standing where one of `first` does (value or label).
    Where both read one control and disagree on its value, the surer reading's value stays ("vim"
    read sparse, "мт" at the screen's own pixels). Lines are joined as `joined_readings` joins them."""
    controls = [surer_value(control, first.lines, second.lines) for control in first.controls]
    for control in second.controls:
        key = _control_key(control)
        own = [box for box in (control.value_bbox, control.label_bbox) if box is not None]
        same = [
            index
            for index, kept in enumerate(controls)
            if _control_key(kept) == key
            or any(_overlap(a, b) for a in own for b in (kept.value_bbox, kept.label_bbox) if b is not None)
        ]
        if not same:
            controls.append(surer_value(control, second.lines, first.lines))
            continue
        kept = controls[same[0]]
        if (
            len(same) == 1
            and key == _control_key(kept)
            and control.value != kept.value
            and value_certainty(control, second.lines) > value_certainty(kept, first.lines) + SURER_BY
        ):
            controls[same[0]] = control
    return FigureReading(joined_readings(first.lines, second.lines), controls)


QUARTER_TURNS = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}
"""Counter-clockwise quarter turns that stand upright a picture of a page rotated clockwise."""


def read_figures(page: PageContent, languages: str, max_pixels: int, time_limit_s: float) -> PageContent:
    """OCR every figure of a text page (fills their `lines`, drops their images).

    The text layer is the page's substance and stays whatever happens here: a figure OCR cannot
    read (tesseract missing, failing, or needing more CPU than its share of `time_limit_s`) is left
    without words, with a warning, rather than costing the page. The shares are CPU seconds, so the
    same figures are read at any load (indexer.budget); only a machine so busy that the page's
    wall-clock time nears `time_limit_s` (the reader's watchdog) leaves the remaining ones unread.
    """
    wanted = figure_languages(languages, page.lines)
    timeout = min(MAX_FIGURE_OCR_S, time_limit_s / (len(page.figures) + 1))
    started = time.monotonic()
    for figure in page.figures:
        if time.monotonic() - started > WATCHDOG_SHARE * time_limit_s:
            log.warning("page %d: a figure was left unread (the page's time is nearly spent)", page.number)
            figure.image = None
            continue
        try:
            reading = read_figure_controls(figure, wanted, max_pixels, timeout)
            read_in = wanted
            russian = cyrillic_first(languages)
            if russian != wanted and reads_russian_in_latin(reading):
                # A Russian screenshot pasted into a page written in English: read in Latin letters first.
                again = read_figure_controls(figure, russian, max_pixels, timeout)
                if _figure_letters(again) > _figure_letters(reading):
                    reading, read_in = again, russian
            figure.lines = reading.lines
            # A pasted screenshot's controls are the page's, as a screenshot file's are its own.
            page.controls.extend(chosen_options(reading.controls, reading.lines))
            # diagrams hook: frames re-read, and what the lines between labels join (indexer.diagrams).
            figure.lines, figure.relations = read_diagram(figure, read_in, timeout)
        except AssistantError as error:
            log.warning("page %d: a figure was left unread (%s)", page.number, error)
        except Exception:
            log.exception("page %d: a figure was left unread by an unexpected error", page.number)
        figure.image = None
    return page


def _figure_letters(reading: FigureReading) -> float:
    """Letters a figure's reading holds surely (`sure_letters`)."""
    return sure_letters([word for line in reading.lines for word in line.words])


def words_inside(box: BBox, lines: Sequence[TextLine]) -> list[BBox]:
    """Boxes of the text-layer words that overlap `box`."""
    return [word.bbox for line in lines for word in line.words if bbox_intersection(word.bbox, box) > 0]
