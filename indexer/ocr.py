"""Tesseract OCR (English + Russian) into lines of words with boxes and confidences."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import logging
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer import scans
from indexer.budget import run_on_cpu_budget
from indexer.errors import AssistantError
from indexer.language import STOPWORDS
from indexer.records import BBox, TextLine, Word, bboxes_overlap, turned_back, union_bbox

log = logging.getLogger(__name__)

MIN_WORD_CONFIDENCE = 30.0
"""Words tesseract is less sure of than this are mostly noise from icons and borders."""


class OcrUnavailable(AssistantError):
    """Tesseract (or one of its language packs) is not installed."""


@dataclass(frozen=True)
class OcrSettings:
    languages: str = "eng+rus"
    # UI text is often 11-13 px high; tesseract reads best near 30 px, so small images are upscaled.
    upscale_below: int = 1600
    timeout_s: float = 120.0
    # tesseract's page segmentation: 3 reads pages and screens as blocks of lines; 11 (sparse text)
    # finds labels scattered among the strokes of a drawing, which 3 takes for part of a picture.
    psm: str = "3"
    reread_blanks: bool = True
    """Read again, in one batch, the boxed lines the page layout left blank (`read_blanks`)."""
    read_sideways: bool = True
    """Read the lines that run up or down the image (a plot's vertical axis label, `read_sideways`)."""
    straighten: bool = False
    """A whole page (not a figure's crop): deskew it, turn it upright and flatten a scan's paper
    before reading; boxes still come back in the page's own pixels (`read_straightened`)."""


@dataclass
class OcrResult:
    lines: list[TextLine]
    mean_confidence: float | None
    blanks: list[BBox] = field(default_factory=list)
    """Regions tesseract's layout took for pictures and left unread (boxes in the image's pixels)."""


def tesseract_path() -> str:
    found = shutil.which("tesseract")
    if not found:
        raise OcrUnavailable(
            "tesseract is not installed: run scripts/setup.sh, or "
            "`apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus`"
        )
    return found


def recognize(image: Image.Image, settings: OcrSettings | None = None) -> OcrResult:
    """OCR `image` (both its dark-on-light text and light-on-dark fields, e.g. selected widgets).

    Boxes come back in the image's own pixel coordinates. Boxed text the layout analysis skipped (a
    drop-down's value, a window's title bar) is read on its own (`read_blanks`). With both English
    and Russian enabled, words whose script is in doubt are read again in English alone
    (`settle_scripts`).
    """
    settings = settings or OcrSettings()
    if settings.straighten:
        result, turn, _ = read_straightened(image, settings)
        return in_original(result, turn)
    return _recognize_upright(image, settings)


def _recognize_upright(image: Image.Image, settings: OcrSettings) -> OcrResult:
    prepared = _flip_inverted_regions(image)
    result = _run_tesseract(prepared, settings)
    if settings.reread_blanks:
        read_blanks(prepared, result, settings)
    languages = set(settings.languages.split("+"))
    if {"eng", "rus"} <= languages:
        settle_scripts(prepared, result.lines, settings)
    settle_letter_case(prepared, result.lines)
    if settings.read_sideways:
        # After the settling: a turned line is read upright on its own, and re-reading its column's
        # box as it stands would only garble it.
        read_sideways(prepared, result, settings)
    # Unsure path-shaped words (`parse_tsv`) were kept for that settling only: those it did not
    # settle are an icon's strokes ("иАИщ2щ2_я2«БР]//") as often as a path.
    for line in result.lines:
        line.words = [w for w in line.words if w.confidence >= MIN_WORD_CONFIDENCE / 2]
    result.lines = [line for line in result.lines if line.words]
    return result


# --- scanned pages ------------------------------------------------------------------------------

POOR_CONFIDENCE = 70.0
"""A page tesseract reads with a lower mean confidence may be upside down or on its side."""
MIN_READABLE_WORDS = 5
ORIENTATION_GAIN = 1.2
"""How much more confident text a turned reading must find before the page is taken as turned."""
SIDEWAYS_GAIN = 0.9
"""...and how much it may lose when the first reading found the words standing on their side."""


def reading_quality(result: OcrResult) -> float:
    """How much text a reading found, weighted by its confidence: letters of words read with conviction."""
    return sum(
        sum(ch.isalnum() for ch in w.text) * w.confidence / 100.0
        for line in result.lines
        for w in line.words
        if w.confidence >= 60
    )


def reads_poorly(result: OcrResult) -> bool:
    """Too few words, or words read unsurely: what a page turned on its side or upside down gives."""
    words = [w for line in result.lines for w in line.words if any(ch.isalnum() for ch in w.text)]
    return len(words) < MIN_READABLE_WORDS or (result.mean_confidence or 0.0) < POOR_CONFIDENCE


def reads_sideways(result: OcrResult) -> bool:
    """Most longer words boxed taller than wide: tesseract read lines running up or down the page.

    It does read a page on its side, word by word, but its boxes then stand upright and the layout
    would take each column of words for a line.
    """
    long_words = [w for line in result.lines for w in line.words if sum(ch.isalnum() for ch in w.text) >= 4]
    standing = sum(1 for w in long_words if w.bbox[3] - w.bbox[1] > w.bbox[2] - w.bbox[0])
    return len(long_words) >= MIN_READABLE_WORDS and standing > len(long_words) / 2


def read_straightened(
    image: Image.Image, settings: OcrSettings
) -> tuple[OcrResult, scans.Straightening, Image.Image]:
    """OCR a whole page that may be a scan or a photo: flattened, deskewed and, when it reads poorly,
    turned upright by tesseract's orientation detection.

    Returns the reading with its boxes in the pixels of the straightened page (so that lines and
    rows are level for the layout), how the page was turned (`Straightening.to_original` maps a
    box back onto the page as the user sees it) and the straightened page itself. A screenshot
    (flat colours, level text) comes back untouched: the same image, no turn.
    Orientation detection costs a tesseract run, so it runs only on a page that reads poorly or
    sideways, and its turn is kept only when the page then reads clearly better.
    """
    upright_settings = dataclasses.replace(settings, straighten=False)
    gray = np.asarray(image.convert("L"))
    scanned = scans.looks_scanned(gray)
    page = Image.fromarray(scans.flattened(gray).astype(np.uint8)).convert("RGB") if scanned else image
    skew = scans.estimate_skew(np.asarray(page.convert("L")) if scanned else gray)
    straight, turn = scans.turned(page, skew)
    result = _recognize_upright(straight, upright_settings)
    sideways = reads_sideways(result)
    if sideways or reads_poorly(result):
        quarter = scans.detect_orientation(straight, tesseract_path(), settings.timeout_s)
        if quarter:
            quartered, _ = scans.turned(page, quarter)
            resettled = quarter + scans.estimate_skew(np.asarray(quartered.convert("L")))
            other_image, other_turn = scans.turned(page, resettled)
            other = _recognize_upright(other_image, upright_settings)
            # Words read on their side may be right, but their lines are not: upright wins unless worse.
            gain = SIDEWAYS_GAIN if sideways else ORIENTATION_GAIN
            if reading_quality(other) > gain * reading_quality(result):
                result, turn, straight = other, other_turn, other_image
    if not turn.identity:
        log.debug("OCR read the page turned %.2f degrees", turn.angle)
    return result, turn, straight


def in_original(result: OcrResult, turn: scans.Straightening) -> OcrResult:
    """`result`'s boxes (in place) turned back from the straightened page onto the original one."""
    if turn.identity:
        return result
    for line in result.lines:
        for word in line.words:
            word.bbox = turn.to_original(word.bbox)
    result.blanks = [turn.to_original(box) for box in result.blanks]
    return result


def _run_tesseract(image: Image.Image, settings: OcrSettings) -> OcrResult:
    scale = 1.0
    longest = max(image.size)
    if longest < settings.upscale_below:
        scale = 2.0 if longest * 2 <= settings.upscale_below * 1.5 else settings.upscale_below / longest
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    tsv = _tesseract_tsv(image, settings.languages, settings.psm, settings.timeout_s)
    return parse_tsv(tsv, scale)


def read_uniform(image: Image.Image, settings: OcrSettings) -> OcrResult:
    """OCR `image` as one uniform block of rows (a terminal screen cleaned of its frames), nothing more."""
    return _run_tesseract(image, dataclasses.replace(settings, psm="6"))


# --- boxed text the layout skipped ------------------------------------------------------------
#
# Tesseract's page layout (psm 3) takes a framed box with one line of text in it for a picture and
# returns it as an empty word: GIMP's drop-downs ("Line style: [Solid ▾]") and the light title bar
# of a dark window come back without their words. Such regions, when they are a line or a few high,
# are read again in one batch (`read_boxes`, single-block mode), and the words found there that
# no word of the first pass covers join the page as lines of their own.

BLANK_MIN_HEIGHT = 0.8
"""A blank region lower than this many text heights is a rule or a frame's edge, not a line of text."""
BLANK_MAX_HEIGHT = 6.0
"""...and one higher than this is a real picture (a photo, the image thumbnail)."""
BLANK_MIN_CONFIDENCE = 50.0
FRAME_DEBRIS = "‘’'`|"
"""What the edges of a (dotted) frame around boxed text read as, at the ends of its words."""
MAX_BLANKS = 24


def blank_regions(result: OcrResult) -> list[BBox]:
    """The regions of `result.blanks` that may hold a line of text, measured in its typical word height."""
    heights = [w.bbox[3] - w.bbox[1] for line in result.lines for w in line.words if len(w.text) > 1]
    if not heights:
        return []
    unit = float(np.median(heights))
    kept = []
    for box in result.blanks:
        width, height = box[2] - box[0], box[3] - box[1]
        if BLANK_MIN_HEIGHT * unit <= height <= BLANK_MAX_HEIGHT * unit and width >= 1.5 * unit:
            kept.append(box)
    return kept[:MAX_BLANKS]


def read_blanks(image: Image.Image, result: OcrResult, settings: OcrSettings) -> int:
    """Read the text of the regions the first pass left blank into `result.lines`; the words added."""
    regions = blank_regions(result)
    if not regions:
        return 0
    unit = float(np.median([w.bbox[3] - w.bbox[1] for line in result.lines for w in line.words]))
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    regions = [band for region in regions for band in _bands(gray, region)]
    known = [w.bbox for line in result.lines for w in line.words]
    next_block = max((line.block for line in result.lines), default=-1) + 1
    added = 0
    for words in read_boxes(image, regions, settings.languages, settings, framed=True):
        fresh = [
            w
            for w in words
            if w.confidence >= BLANK_MIN_CONFIDENCE
            and any(ch.isalnum() for ch in w.text)
            # An icon read as a letter or two is taller than the page's words, or read unsurely.
            and w.bbox[3] - w.bbox[1] <= 1.6 * unit
            and (sum(ch.isalnum() for ch in w.text) > 2 or w.confidence >= 80)
            and not any(bboxes_overlap(w.bbox, box) for box in known)
        ]
        for row in _rows(fresh):
            row = [dataclasses.replace(w, text=w.text.strip(FRAME_DEBRIS) or w.text) for w in row]
            # A dotted frame's right edge reads as a colon after the boxed value ("necessary:").
            row[-1] = dataclasses.replace(row[-1], text=row[-1].text.rstrip(":") or row[-1].text)
            result.lines.append(TextLine(row, block=next_block))
            known.extend(w.bbox for w in row)
            added += len(row)
        next_block += 1
    if added:
        result.lines.sort(key=lambda line: (line.bbox[1], line.bbox[0]))
    return added


# --- lines on their side -----------------------------------------------------------------------
#
# A plot's vertical axis label ("Drain current", «Ток стока»), a sidebar's tab or a table's turned
# column heading runs up (or down) the image: tesseract reads lines left to right and skips it. Ink
# the first pass did not read that stands in a narrow column about one line of text wide is such a
# line: each is cut out, turned both ways and read in one batch; the surer reading that makes words
# is kept, its words boxed where they stand (taller than wide, as a sideways line is).

SIDEWAYS_INK = 110
"""Grey level below which a pixel of the prepared (dark text on light) image is ink."""
SIDEWAYS_WIDTH = (0.6, 1.9)
"""A sideways line's width in the image's typical word heights: one line of letters."""
SIDEWAYS_LENGTH = 3.0
"""...and its length at least this many times its width (a word or two of letters)."""
SIDEWAYS_FILL = (0.12, 0.65)
"""Share of a candidate's box that is ink: letters, neither a hairline nor a solid bar."""
SIDEWAYS_MIN_CONFIDENCE = 60.0
MAX_SIDEWAYS = 6


def sideways_candidates(ink: np.ndarray, unit: float) -> list[BBox]:
    """Boxes of columns of unread ink shaped like one line of text on its side, in `unit` word heights.

    `ink` is the image's ink with the words already read blanked out. Letters of a turned line stand
    one above the other with gaps less than a letter apart: closing those gaps joins a line's letters
    (and its words) into one narrow, long component.
    """
    reach = max(1, round(0.6 * unit))
    joined = ndi.binary_dilation(ink, structure=np.ones((2 * reach + 1, 3), dtype=bool))
    labels, _ = ndi.label(joined)
    found = []
    for index, where in enumerate(ndi.find_objects(labels), start=1):
        if where is None:
            continue
        rows, cols = where
        own = ink[rows, cols] & (labels[rows, cols] == index)
        inked_rows = np.flatnonzero(own.any(axis=1))
        inked_cols = np.flatnonzero(own.any(axis=0))
        if inked_rows.size == 0:
            continue
        top, bottom = rows.start + int(inked_rows[0]), rows.start + int(inked_rows[-1]) + 1
        left, right = cols.start + int(inked_cols[0]), cols.start + int(inked_cols[-1]) + 1
        width, height = right - left, bottom - top
        fill = float(own.sum()) / max(1, width * height)
        if (
            SIDEWAYS_WIDTH[0] * unit <= width <= SIDEWAYS_WIDTH[1] * unit
            and height >= SIDEWAYS_LENGTH * width
            and SIDEWAYS_FILL[0] <= fill <= SIDEWAYS_FILL[1]
        ):
            found.append((float(left), float(top), float(right), float(bottom)))
    found.sort(key=lambda box: box[3] - box[1], reverse=True)
    return found[:MAX_SIDEWAYS]


SIDEWAYS_WORD_CONFIDENCE = 80.0
SIDEWAYS_LETTERS = 4


def sideways_words(words: list[Word]) -> bool:
    """Whether a turned reading made words, not the strokes of a curve or a column of tick numbers read
    on their side ("o<6", "JUS.UN:"): letters most of what was read, and one word of three letters or
    more read surely, among four letters at least ("Drain current", «Ток стока»)."""
    text = "".join(w.text for w in words)
    letters = sum(ch.isalpha() for ch in text)
    sure_word = any(
        w.confidence >= SIDEWAYS_WORD_CONFIDENCE and sum(ch.isalpha() for ch in w.text) >= 3 for w in words
    )
    return sure_word and letters >= SIDEWAYS_LETTERS and letters >= 0.75 * max(1, len(text))


def _turned_box(box: BBox, crop: BBox, clockwise: bool) -> BBox:
    """A box read on the crop turned upright, mapped back onto the image (`crop`: where it was cut).
    A line that ran upwards was turned clockwise (three counter-clockwise quarter turns), one that ran
    downwards counter-clockwise (one)."""
    x0, y0, x1, y1 = turned_back(box, 3 if clockwise else 1, (crop[2] - crop[0], crop[3] - crop[1]))
    return (crop[0] + x0, crop[1] + y0, crop[0] + x1, crop[1] + y1)


def read_sideways(image: Image.Image, result: OcrResult, settings: OcrSettings) -> int:
    """Read the lines running up or down `image` that `result` has not read into its lines.

    Returns the number of lines added."""
    heights = [w.bbox[3] - w.bbox[1] for line in result.lines for w in line.words if len(w.text) > 1]
    if not heights:
        return 0
    unit = float(np.median(heights))
    gray = np.asarray(image.convert("L"))
    read = np.zeros(gray.shape, dtype=bool)
    for line in result.lines:
        for word in line.words:
            if _standing(word):
                continue  # tesseract's own try at a turned line ("ediea 912040795"): read again
            x0, y0, x1, y1 = (round(v) for v in word.bbox)
            read[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = True
    # Dark letters on light paper, and light ones on a dark plot or theme the preparation left as it was:
    # the background of either polarity is one wide component, never a narrow column.
    candidates = sideways_candidates((gray < SIDEWAYS_INK) & ~read, unit)
    candidates += sideways_candidates((gray > 255 - SIDEWAYS_INK) & ~read, unit)
    candidates = sorted(candidates, key=lambda box: box[3] - box[1], reverse=True)[:MAX_SIDEWAYS]
    if not candidates:
        return 0
    pad = max(3.0, 0.3 * unit)
    crops: list[BBox] = [
        (
            float(round(max(0.0, x0 - pad))),
            float(round(max(0.0, y0 - pad))),
            float(round(min(float(image.width), x1 + pad))),
            float(round(min(float(image.height), y1 + pad))),
        )
        for x0, y0, x1, y1 in candidates
    ]
    gray_image = image.convert("L")
    pictures = []
    for crop in crops:
        paper = _as_paper(gray_image.crop(crop))
        paper = paper.resize(
            (paper.width * REREAD_SCALE, paper.height * REREAD_SCALE), Image.Resampling.LANCZOS
        )
        pictures += [paper.transpose(Image.Transpose.ROTATE_270), paper.transpose(Image.Transpose.ROTATE_90)]
    readings = [
        [
            dataclasses.replace(
                w,
                bbox=(
                    w.bbox[0] / REREAD_SCALE,
                    w.bbox[1] / REREAD_SCALE,
                    w.bbox[2] / REREAD_SCALE,
                    w.bbox[3] / REREAD_SCALE,
                ),
            )
            for w in words
        ]
        for words in read_pictures(pictures, settings.languages, settings)
    ]
    next_block = max((line.block for line in result.lines), default=-1) + 1
    added = 0
    for index, crop in enumerate(crops):
        options = [readings[2 * index], readings[2 * index + 1]]
        best, clockwise = max(
            zip(options, (True, False), strict=True), key=lambda option: sure_letters(option[0])
        )
        words = [
            Word(w.text, _turned_box(w.bbox, crop, clockwise), w.confidence, w.font_size)
            for w in best
            if w.confidence >= SIDEWAYS_MIN_CONFIDENCE and sum(ch.isalnum() for ch in w.text) >= 2
        ]
        if not sideways_words(words):
            continue
        tried = [
            w for line in result.lines for w in line.words if _standing(w) and bboxes_overlap(w.bbox, crop)
        ]
        if tried and sure_letters(tried) > sure_letters(words):
            words = tried  # tesseract read the turned line itself, word by word: only their order is lost
        # Upright order along the line: up the image when it ran upwards, down when downwards. The
        # line is kept as one word boxed on its column: its words stand one above the other, and the
        # page layout, which joins words side by side into lines, would make each a line of its own.
        words.sort(key=lambda w: -w.bbox[3] if clockwise else w.bbox[1])
        line_word = Word(
            " ".join(w.text for w in words),
            union_bbox([w.bbox for w in words]),
            min(w.confidence for w in words),
            max(w.font_size for w in words),
        )
        log.debug("OCR sideways line at %s: %r", [round(v) for v in crop], line_word.text)
        for line in result.lines:
            line.words = [w for w in line.words if not any(w is other for other in tried)]
        result.lines = [line for line in result.lines if line.words]
        result.lines.append(TextLine([line_word], block=next_block))
        next_block += 1
        added += 1
    return added


def _standing(word: Word) -> bool:
    """A word of two letters or more boxed taller than wide: read from a line on its side."""
    return (
        sum(ch.isalnum() for ch in word.text) >= 2
        and word.bbox[3] - word.bbox[1] > word.bbox[2] - word.bbox[0]
    )


def sure_letters(words: list[Word]) -> float:
    """Letters and digits read with conviction, weighted by how surely."""
    return sum(sum(ch.isalnum() for ch in w.text) * w.confidence / 100.0 for w in words)


BAND_STEP = 40.0
"""Grey levels between the backgrounds of two stacked bands (a light title bar over a dark window)."""


def _bands(gray: np.ndarray, region: BBox) -> list[BBox]:
    """`region` cut where its background changes from one row to the next: each band is read with its
    own polarity (white text on a grey title bar, light text on a dark window below it)."""
    x0, y0, x1, y1 = (round(v) for v in region)
    crop = gray[max(0, y0) : y1, max(0, x0) : x1]
    if crop.shape[0] < 2 or crop.shape[1] < 2:
        return [region]
    backgrounds = np.median(crop, axis=1)
    # A step between neighbouring rows, not a drift: a title bar's gradient stays one band.
    cuts = [0]
    for row in range(1, len(backgrounds)):
        if abs(float(backgrounds[row]) - float(backgrounds[row - 1])) >= BAND_STEP:
            cuts.append(row)
    cuts.append(len(backgrounds))
    # `read_boxes` pads each box by 3 px: the bands are drawn in by as much, so that no crop takes
    # in a strip of its neighbour's background (or of the black beyond the image's edge).
    top, left, right = max(0, y0), max(0, x0) + 3.0, min(gray.shape[1], x1) - 3.0
    bands = [
        (left, float(top + start + 3), right, float(top + stop - 3))
        for start, stop in itertools.pairwise(cuts)
        if stop - start >= 9
    ]
    return bands or [region]


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into rows (their vertical centres within half a word's height), left to right."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        centre = (word.bbox[1] + word.bbox[3]) / 2
        if rows:
            last = rows[-1][-1]
            if abs(centre - (last.bbox[1] + last.bbox[3]) / 2) <= 0.5 * (last.bbox[3] - last.bbox[1]):
                rows[-1].append(word)
                continue
        rows.append([word])
    return [sorted(row, key=lambda w: w.bbox[0]) for row in rows]


def _tesseract_tsv(image: Image.Image, languages: str, psm: str, timeout_s: float) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    command = [tesseract_path(), "stdin", "stdout", "-l", languages, "--psm", psm, "tsv"]
    try:
        # CPU seconds, not wall-clock ones: a busy machine reads the same words as an idle one.
        completed = run_on_cpu_budget(command, buffer.getvalue(), timeout_s)
    except subprocess.TimeoutExpired as error:
        raise AssistantError(f"tesseract needed more than {timeout_s:.0f} s of CPU on one page") from error
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in message or "Error opening data file" in message:
            raise OcrUnavailable(
                f"tesseract lacks language data for {languages!r}: "
                "`apt-get install tesseract-ocr-eng tesseract-ocr-rus`"
            )
        raise AssistantError(f"tesseract failed: {message[-500:]}")
    return completed.stdout.decode("utf-8", "replace")


# --- words in the other script ------------------------------------------------------------------
#
# With eng+rus, tesseract reads Latin capitals inside Russian UI text as Cyrillic look-alikes
# ("FDF" -> "ЕОЕ", "DPI" -> "ОР!", "RGB-профиль" -> "ВСВ-профиль") and, on an English screen, now and
# then a whole word ("Transparency" -> "Тгапзрагепсу"). Such words are read once more, in English
# alone, all in one small extra tesseract call, and the English reading replaces them when it is
# the better one.

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC_CAPITALS = re.compile(r"[А-ЯЁ]{2,}")
_ONLY_CYRILLIC_SHAPES = frozenset("БГДЖЗИЙЛПФЦЧШЩЪЫЬЭЮЯбгджзийлпфцчшщъыьэюя")
"""Letters no Latin letter looks like: a confident word made of them is Russian."""
_SEGMENT = re.compile(r"([-/])")
MAX_REREAD_WORDS = 120
REREAD_SCALE = 3
READ_MARGIN = 3
"""Pixels of ground `read_boxes` keeps round each region it reads: tesseract loses letters at the edge."""


def mostly_latin(words: list[Word]) -> bool:
    """An English screen: most of its words are in Latin letters."""
    latin = sum(1 for w in words if _LATIN.search(w.text) and not _CYRILLIC.search(w.text))
    cyrillic = sum(1 for w in words if _CYRILLIC.search(w.text))
    return latin >= 0.6 * max(1, latin + cyrillic)


def suspicious_words(words: list[Word], among_russian: list[Word] | None = None) -> list[Word]:
    """Words OCR may have put in the wrong script.

    Cyrillic capitals in a row (an acronym: Latin ones are far more common in UI text), Cyrillic
    mixed with Latin letters or digits in one token ("1СС-профиль", "А4"), and any Cyrillic word
    of two letters or more on a screen whose words are mostly Latin, unless it stands among
    Russian words on its own line (`among_russian`: a Russian menu bar in an English window).
    """
    latin_screen = mostly_latin(words)
    found = []
    for word in words:
        text = word.text
        if not _CYRILLIC.search(text):
            continue
        letters = sum(ch.isalpha() for ch in text)
        mixed = bool(_LATIN.search(text) or any(ch.isdigit() for ch in text))
        local = among_russian is not None and any(word is w for w in among_russian)
        if _CYRILLIC_CAPITALS.search(text) or mixed or (latin_screen and letters >= 2 and not local):
            found.append(word)
    return found[:MAX_REREAD_WORDS]


def choose_reading(
    word: Word, english: list[tuple[str, float]], latin_screen: bool = False, latin_phrase: bool = False
) -> str | None:
    """The English reading of `word` when it is the better one, else None (keep the word as read).

    `english` is what tesseract read in English alone: (text, confidence) per word found;
    `latin_screen` says the screen around the word is English (`mostly_latin`); `latin_phrase` that
    the words of its own phrase are (`cyrillic_in_latin_phrases`).
    """
    # A field's edge read as a word of its own ("|") is no part of the reading.
    english = [(t, c) for t, c in english if _alnum(t)]
    if not english:
        return None
    text = " ".join(t for t, _ in english).strip()
    confidence = min(c for _, c in english)
    if not _LATIN.search(text) or _CYRILLIC.search(text) or not text.isascii():
        return None
    original = word.text
    # "ВСВ-профиль" -> "RGB-npodunb": take the English capitals, keep the Russian word beside them.
    ours, theirs = _SEGMENT.split(original), _SEGMENT.split(text)
    if len(ours) > 1 and len(ours) == len(theirs) and any(_lowercase_russian(part) for part in ours):
        merged = []
        changed = False
        for mine, other in zip(ours, theirs, strict=True):
            if _CYRILLIC.search(mine) and not _lowercase_russian(mine) and _same_shape(mine, other):
                merged.append(other)
                changed = True
            else:
                merged.append(mine)
        return "".join(merged) if changed else None
    if abs(_alnum(original) - _alnum(text)) > 1:
        return None
    if latin_phrase and english_word_for(word, text, confidence, latin_screen):
        return _balanced(text)
    # A letter no Latin one looks like, read with confidence, makes a Russian word ("ГОСТ", "МБ").
    if distinctly_russian(original) and word.confidence >= 90 and not latin_screen:
        return None
    if confidence >= 80 or confidence >= word.confidence + 15:
        return _balanced(text)
    return None


def distinctly_russian(text: str) -> bool:
    """Whether `text` holds a letter no Latin one looks like ("МБ", "ГОСТ"): read surely, it is Russian."""
    return any(ch in _ONLY_CYRILLIC_SHAPES for ch in text)


LATIN_PHRASE_CONFIDENCE = 50.0
"""Inside an English phrase, an English reading this sure replaces a Cyrillic word in capitals."""
UNSURE_RUSSIAN = 80.0
"""Below this confidence a Cyrillic word in small letters on an English picture is a doubted reading."""


def english_word_for(word: Word, english: str, confidence: float, latin_screen: bool = False) -> bool:
    """Whether `english` is a better reading of a Cyrillic `word` that sits in an English phrase.

    Its phrase is the evidence: tesseract reads a capital Latin word there as look-alike capitals
    ("Off" -> "ОЙ", 95 sure), so a word in capitals takes any plain English reading of some
    confidence; a word in small letters a reading surer than its own, or, on a picture whose words
    are English (`latin_screen`: a program's window pasted into a Russian manual, read with eng+rus),
    any plain one when tesseract doubted the Russian reading ("Check Mail" -> "Check май.", 70).
    """
    plain = english.strip(".,:;!?\"'()").isalpha() and not garbled(english)
    if not plain or confidence < LATIN_PHRASE_CONFIDENCE:
        return False
    letters = [ch for ch in word.text if ch.isalpha()]
    capitals = len(letters) >= 2 and all(ch.isupper() for ch in letters)
    doubted = latin_screen and word.confidence < UNSURE_RUSSIAN
    return capitals or doubted or confidence >= word.confidence


PHRASE_GAP = 1.2
"""Words further apart than this many word heights are not one phrase (a label and its field's value)."""


def phrases(line: TextLine) -> list[list[Word]]:
    """`line` cut where the space between two words is wider than a space: label, value, next column."""
    cut: list[list[Word]] = []
    for word in line.words:
        if cut:
            last = cut[-1][-1]
            height = max(last.bbox[3] - last.bbox[1], word.bbox[3] - word.bbox[1], 1.0)
            if word.bbox[0] - last.bbox[2] <= PHRASE_GAP * height:
                cut[-1].append(word)
                continue
        cut.append([word])
    return cut


def _latin_word(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isascii() for ch in letters)


def _cyrillic_word(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(_CYRILLIC.match(ch) for ch in letters)


def cyrillic_in_latin_phrases(lines: list[TextLine], latin_screen: bool = False) -> list[Word]:
    """Cyrillic words alone in a phrase of English words ("ОЙ to the workshop"), on any screen.

    A Russian screen holds English values (a default message, a file name, a program's own menu),
    and tesseract reads their capitals as Cyrillic look-alikes; the word's own phrase, not the
    screen, says which script it is in. Two English words at least must stand in that phrase, one
    on a screen whose words are mostly English (`latin_screen`: a toolbar's "Check Mail", two words).
    """
    least = 1 if latin_screen else 2
    found = []
    for line in lines:
        for phrase in phrases(line):
            cyrillic = [w for w in phrase if _CYRILLIC.search(w.text)]
            latin = [w for w in phrase if _latin_word(w.text)]
            if len(cyrillic) == 1 and len(latin) >= least and _cyrillic_word(cyrillic[0].text):
                found.append(cyrillic[0])
    return found[:MAX_REREAD_WORDS]


def latin_between_russian(lines: list[TextLine]) -> list[Word]:
    """Words of Latin look-alike letters whose neighbours on their line are Russian words, on any screen.

    A Russian menu bar or sentence inside an English window ("Настройка OKHO Помощь", "He уд..."):
    tesseract reads small Cyrillic к, н, о as Latin capitals; its Russian reading settles them
    (`choose_russian_reading`).
    """
    found = [
        word
        for line, index, word, letters in _lettered_words(lines)
        if len(letters) == _alnum(word.text)
        and all(ch in _CYRILLIC_LOOKING_LATIN for ch in letters)
        and _between_russian_words(line, index)
    ]
    return found[:MAX_REREAD_WORDS]


def _lettered_words(lines: list[TextLine]) -> Iterator[tuple[TextLine, int, Word, list[str]]]:
    """Each word of two letters or more with its line, its place in the line and its letters."""
    for line in lines:
        for index, word in enumerate(line.words):
            letters = [ch for ch in word.text if ch.isalpha()]
            if len(letters) >= 2:
                yield line, index, word, letters


def _between_russian_words(line: TextLine, index: int) -> bool:
    """Whether the word at `index` has Russian words for neighbours on its line (one at a line's end)."""
    beside = line.words[max(0, index - 1) : index] + line.words[index + 1 : index + 2]
    return bool(beside) and all(_cyrillic_word(w.text) for w in beside)


def words_among_russian(lines: list[TextLine]) -> list[Word]:
    """Cyrillic words whose neighbours on their line are Russian words too: Russian by their context."""
    return [
        word
        for line in lines
        for index, word in enumerate(line.words)
        if _cyrillic_word(word.text) and _between_russian_words(line, index)
    ]


_CYRILLIC_LOOKING_LATIN = frozenset("aeopcxyunmkbtrBEHKMOPCTXAy")
"""Latin letters whose shapes tesseract also gives to Cyrillic ones ("Версия" -> "Bepcua")."""


def latin_lookalikes(words: list[Word]) -> list[Word]:
    """On a Russian screen, Latin words spelled only with letters that look Cyrillic ("Bepcua")."""
    if mostly_latin(words):
        return []
    found = []
    for word in words:
        letters = [ch for ch in word.text if ch.isalpha()]
        if (
            len(letters) >= 3
            and all(ch.isascii() for ch in letters)
            and all(ch in _CYRILLIC_LOOKING_LATIN for ch in letters)
            and not word.text.isupper()
        ):
            found.append(word)
    return found[:MAX_REREAD_WORDS]


def choose_russian_reading(
    word: Word, russian: list[tuple[str, float]], between_russian: bool = False
) -> str | None:
    """The Russian reading of a Latin-looking word when tesseract is clearly surer of it.

    A short Russian function word ("по", "на", "не") read confidently is taken as it is: such
    words are what Russian UI text is full of, and English ones of two letters never sit among them.
    With Russian words on both sides (`between_russian`), a word in Latin capitals that Russian
    reads in small letters ("OKHO" / "Окно") is a Russian word: small к, н, о look like Latin
    capitals, while a real acronym ("OK", "MB") stays capitals in either script.
    """
    if len(russian) != 1:
        return None
    text, confidence = russian[0]
    if _LATIN.search(text) or not _CYRILLIC.search(text) or abs(_alnum(text) - _alnum(word.text)) > 1:
        return None
    if confidence >= 85 and text.lower() in STOPWORDS and len(text) <= 3:
        return text
    if (
        between_russian
        and confidence >= 75
        and _alnum(text) == _alnum(word.text)
        and text.isalpha()
        and not text.isupper()
        and (word.text.isupper() or confidence >= 90)
    ):
        return text
    return text if confidence >= 85 and confidence >= word.confidence + 5 else None


def settle_scripts(image: Image.Image, lines: list[TextLine], settings: OcrSettings) -> None:
    """Read the words of doubtful script again in the other language; keep the better reading (in place)."""
    every_word = [w for line in lines for w in line.words]
    latin_screen = mostly_latin(every_word)
    shaped = segmented_words(every_word)
    in_phrase = cyrillic_in_latin_phrases(lines, latin_screen)
    cyrillic = _distinct(suspicious_words(every_word, words_among_russian(lines)) + in_phrase, shaped)
    between = latin_between_russian(lines)
    latin = _distinct(latin_lookalikes(every_word) + latin_among_russian(lines) + between, shaped)
    # One English and one Russian batch for all words in doubt: path-shaped ones go in both.
    english_readings = _read_again(image, cyrillic + shaped, "eng", settings)
    russian_readings = _read_again(image, latin + shaped, "rus", settings)
    for word, english, russian in zip(
        shaped, english_readings[len(cyrillic) :], russian_readings[len(latin) :], strict=True
    ):
        better = merge_segments(word.text, english, russian)
        log.debug("OCR segments: %r read as %r / %r, kept %r", word.text, english, russian, better)
        if better is not None:
            word.text = better
            # Settled by two readings: as sure as the surer of them, so figure OCR does not drop it.
            word.confidence = max([word.confidence, MIN_WORD_CONFIDENCE, *(c for _, c in english + russian)])
    for word, english in zip(cyrillic, english_readings, strict=False):
        log.debug("OCR script: %r (%.0f) read in English as %r", word.text, word.confidence, english)
        better = choose_reading(word, english, latin_screen, any(word is w for w in in_phrase))
        if better is not None:
            word.text = better
    for word, russian in zip(latin, russian_readings, strict=False):
        log.debug("OCR script: %r (%.0f) read in Russian as %r", word.text, word.confidence, russian)
        better = choose_russian_reading(word, russian, any(word is w for w in between))
        if better is not None:
            word.text = better


def _distinct(words: list[Word], settled_apart: list[Word]) -> list[Word]:
    """`words` without repeats and without those settled segment by segment, in their order."""
    kept: list[Word] = []
    for word in words:
        if all(word is not other for other in kept + settled_apart):
            kept.append(word)
    return kept[:MAX_REREAD_WORDS]


# --- the case of letters in format strings and identifiers --------------------------------------
#
# In "%d.%m %H:%M" every letter's case is the meaning (month or minute), and no dictionary helps
# tesseract there: it read the small "m" as "M". A letter whose two cases differ mostly in height
# ("m"/"M", "s"/"S", "p"/"P") is measured in the image instead: its top against the capitals' line
# that the token's digits, "%" signs and tall letters draw.

_FORMAT_TOKEN = re.compile(r"%[A-Za-z]|[A-Za-z]_|_[A-Za-z]|\$[A-Za-z]|[{=][A-Za-z]")
"""A format specifier ("%m") or an identifier's joints ("LC_TIME", "$HOME", "ATTRS{product}")."""
CASE_BY_HEIGHT = frozenset("cmopsuvwxyzCMOPSUVWXYZ")
"""Letters whose small form has no ascender and a capital of much the same shape (or "m", often confused)."""
_CAPITAL_HEIGHT = frozenset("0123456789%#$&@ABDEFGHKLNQRT")
"""Characters that reach the capitals' line whatever was misread around them (small letters' ascenders
reach higher: "d" stands a pixel or two above "%" and "Y" at UI sizes)."""
SMALL_LETTER_RATIO = 0.88
"""A letter this much lower than the capitals is a small one (x-height is 0.7-0.8 of the capitals')."""


_CYRILLIC_TWINS = "аеорсхутАВЕКМНОРСТХУ"
_SPECIFIER_TWINS = str.maketrans(_CYRILLIC_TWINS, "aeopcxymABEKMHOPCTXY")
"""Cyrillic letters drawn like Latin ones (and "т", Russian's reading of a small "m"): after a "%" only
the Latin letter means anything."""
_CYRILLIC_SPECIFIER = re.compile(f"%([{_CYRILLIC_TWINS}])")
_TWIN_LETTERS = frozenset(_CYRILLIC_TWINS)


def latin_twin(text: str) -> str | None:
    """The Latin spelling of a word OCR read in Cyrillic letters that all have Latin twins ("схх" for a
    ".cxx" extension), None when a letter has none (a Russian word) or the word has no Cyrillic letter.

    Such a word looks the same in both scripts, so its pixels cannot tell them apart: what it stands
    among (an English dialog) decides it.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or not any(_CYRILLIC.match(ch) for ch in letters):
        return None
    if not all(ch.isascii() or ch in _TWIN_LETTERS for ch in letters):
        return None
    return text.translate(_SPECIFIER_TWINS)


def latin_specifiers(text: str) -> str:
    """`text` with a format specifier read in a Cyrillic look-alike ("%а %е", eng+rus) in Latin."""
    return _CYRILLIC_SPECIFIER.sub(lambda m: "%" + m.group(1).translate(_SPECIFIER_TWINS), text)


def settle_letter_case(image: Image.Image, lines: list[TextLine]) -> int:
    """Set the case of height-told letters in format strings and identifiers by the image; the changes.

    Format specifiers read in Cyrillic look-alikes are put back in Latin first (`latin_specifiers`).
    """
    gray: np.ndarray | None = None
    changed = 0
    for line in lines:
        for word in line.words:
            word.text = latin_specifiers(word.text)
            if not _FORMAT_TOKEN.search(word.text) or not word.text.isascii():
                continue
            if gray is None:
                gray = np.asarray(image.convert("L"), dtype=np.float32)
            glyphs = glyph_extents(gray, word.bbox)
            fixed = cased_by_height(word.text, glyphs)
            if fixed is not None and fixed != word.text:
                log.debug("OCR case: %r read as %r by its letters' heights", word.text, fixed)
                word.text = fixed
                changed += 1
    return changed


def glyph_extents(gray: np.ndarray, box: BBox) -> list[tuple[int, int]]:
    """The (top, bottom) rows of each glyph in `box`, left to right: ink columns with space between."""
    x0, y0, x1, y1 = (round(v) for v in box)
    pad = max(2, round(0.3 * (y1 - y0)))
    crop = gray[max(0, y0 - pad) : y1 + pad, max(0, x0 - 1) : x1 + 1]
    if crop.size == 0:
        return []
    background, ink = float(np.median(crop)), float(crop.min())
    if background - ink < 40:
        # Light text on a dark field: the ink is the brighter extreme.
        ink = float(crop.max())
        if ink - background < 40:
            return []
    mask = crop < (background + ink) / 2 if ink < background else crop > (background + ink) / 2
    columns = mask.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], columns.astype(np.int8), [0]))))
    extents = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        rows = np.flatnonzero(mask[:, start:stop].any(axis=1))
        extents.append((int(rows[0]), int(rows[-1])))
    return extents


def cased_by_height(text: str, glyphs: list[tuple[int, int]]) -> str | None:
    """`text` with the case of its height-told letters set by `glyphs` (one per character), else None.

    None when the glyphs cannot be matched to the characters one to one (letters touching, a quote
    drawn as two marks) or nothing in the token marks the capitals' height.
    """
    characters = text.replace(" ", "")
    if len(glyphs) != len(characters):
        return None
    tall = [top for ch, (top, _) in zip(characters, glyphs, strict=True) if ch in _CAPITAL_HEIGHT]
    bottoms = [bottom for ch, (_, bottom) in zip(characters, glyphs, strict=True) if ch in _CAPITAL_HEIGHT]
    if not tall:
        return None
    # Medians: one misread character among them ("%4" for "%d") must not move the lines.
    cap_top, baseline = float(np.median(tall)), float(np.median(bottoms))
    cap_height = baseline - cap_top + 1
    if cap_height < 5:
        return None
    letters = list(characters)
    for index, (ch, (top, _)) in enumerate(zip(characters, glyphs, strict=True)):
        if ch in CASE_BY_HEIGHT:
            small = (baseline - top + 1) < SMALL_LETTER_RATIO * cap_height
            letters[index] = ch.lower() if small else ch.upper()
    fixed = iter(letters)
    return "".join(ch if ch == " " else next(fixed) for ch in text)


# --- paths, file names and identifiers, decided segment by segment -------------------------------
#
# A token such as "/tmp/вывод.ps" or "USB-накопитель" mixes the scripts inside itself: eng+rus reads
# it all in one ("/тр/вывод.р$", "USB-HakonuTenb"), and neither language alone reads all of it. Such
# tokens are read once in English and once in Russian (in the batches above), both readings are cut
# at the separators, and each segment takes the reading that makes a word of its script.

_RUN = re.compile(r"[^\W_]+")
_PATH = re.compile(r"[/\\~]|^-{1,2}[^\W\d_]|\w=\w|\w\.[A-Za-zА-Яа-я$#]{1,4}$")
_PATH_WORDS = (
    "tmp usr home etc var opt bin sbin lib mnt media dev proc srv root local share doc docs src "
    "ps pdf txt png jpg jpeg gif svg tif tiff bmp html htm xml json csv log conf cfg ini zip gz tar "
    "deb rpm exe dll py sh md odt ods docx xls xlsx ppt pptx mp3 mp4 avi iso img dpi px pt "
    "usb dvd cd hdmi wifi ppd cups lpr"
)
PATH_WORDS = frozenset(_PATH_WORDS.split())
"""Segments of paths and names that are Latin whatever the screen's language (a closed set)."""


# --- a path's letter lost, restored from the document's other words -----------------------------
#
# A scan loses a thin letter beside a slash ("/usr/lib/locale" read "/usr/lib/ocale"): no dictionary
# holds path names, but the document does, since a manual names its paths and commands again and
# again ("locale-archive", "locale(7)"). A path's segment that the document never writes otherwise
# and that one thin letter makes into a word it writes at least twice is taken for that word.

THIN_LETTERS = "lIi1tfj"
"""Narrow glyphs a scan's blur merges into a slash or a neighbour, so OCR drops them."""
MIN_SEEN_ELSEWHERE = 2


def word_counts(lines: list[TextLine]) -> Counter[str]:
    """How often each run of letters and digits is written in `lines` (case kept)."""
    return Counter(run for line in lines for word in line.words for run in _RUN.findall(word.text))


def repair_path_segments(lines: list[TextLine], seen: Counter[str]) -> int:
    """Restore in place the thin letter a path's segment lost, by the words `seen` in the document.

    `seen` counts the document's words so far, these lines' own included; returns the words changed.
    """
    changed = 0
    for line in lines:
        for word in line.words:
            if not path_shaped(word.text):
                continue
            repaired = _RUN.sub(lambda run: _restored(run.group(), seen), word.text)
            if repaired != word.text:
                log.debug("OCR path: %r restored as %r by the document's words", word.text, repaired)
                word.text = repaired
                changed += 1
    return changed


def _restored(segment: str, seen: Counter[str]) -> str:
    """`segment` with the one thin letter that makes it a word the document writes elsewhere."""
    if len(segment) < 3 or seen[segment] > 1 or not segment.isalpha():
        return segment
    candidates = {segment[:i] + thin + segment[i:] for i in range(len(segment) + 1) for thin in THIN_LETTERS}
    known = [word for word in candidates if seen[word] >= MIN_SEEN_ELSEWHERE]
    return known[0] if len(known) == 1 else segment


def path_shaped(text: str) -> bool:
    """A file path, option or identifier: slashes, `~/`, `--option`, `key=value`, a file extension."""
    return sum(ch.isalnum() for ch in text) >= 3 and bool(_PATH.search(text))


def segmented_words(words: list[Word]) -> list[Word]:
    """Words to settle segment by segment: path-shaped or hyphenated ones whose script is in doubt.

    A path read wholly in Latin letters with confidence ("/usr/share/doc/readme.txt") is left alone,
    so an English screen costs nothing more.
    """
    found = []
    for word in words:
        text = word.text
        mixed = bool(_CYRILLIC.search(text)) and bool(_LATIN.search(text) or any(c in text for c in "$#"))
        shaped = path_shaped(text) or (len(_RUN.findall(text)) > 1 and "-" in text)
        if shaped and (_CYRILLIC.search(text) or mixed or word.confidence < 85 or garbled(text)):
            found.append(word)
    return found[:MAX_REREAD_WORDS]


def garbled(run: str) -> bool:
    """Latin letters that read a Russian word ("BbIBOA", "uBaH", "HakonuTenb"): case changing inside."""
    letters = [ch for ch in run if ch.isalpha()]
    if len(letters) < 3 or not all(ch.isascii() for ch in letters):
        return False
    inner = "".join(letters[1:])
    return not (inner.islower() or "".join(letters).isupper()) or bool(re.search(r"[a-z][A-Z]", run))


def _runs_of(readings: list[tuple[str, float]]) -> tuple[str, list[str]]:
    text = "".join(t for t, _ in readings)
    return text, _RUN.findall(text)


def merge_segments(
    original: str, english: list[tuple[str, float]], russian: list[tuple[str, float]]
) -> str | None:
    """`original` rebuilt from its English and Russian readings, one segment at a time; None to keep it.

    The separators come from the English reading ("~", "/" and "." read as themselves there; Russian
    reads "~" as a dash). A segment takes the English reading when it is a path word or a name
    (letters of one case, digits), the Russian one when it is a Russian word and the English one
    reads like a Russian word in Latin letters.
    """
    english_text, english_runs = _runs_of(english)
    _, russian_runs = _runs_of(russian)
    # Russian alone loses a Latin head ("C:\\Users" -> "СУзегз"): the readings are paired from the end,
    # where a path's own names are, and the English head is kept as read.
    lost = len(english_runs) - len(russian_runs)
    if not russian_runs or not 0 <= lost <= 2:
        return None
    agreed = set(_RUN.findall(original))
    # Both models' confidences: a Latin identifier ("LC_NUMERIC", 90) that Russian reads as look-alike
    # capitals only with no conviction at all ("МОМЕЕС", 0) stays Latin.
    english_surer = min(c for _, c in english) >= min(c for _, c in russian) + ENGLISH_SURER_BY
    chosen = english_runs[:lost] + [
        _segment(e, r, r in agreed, english_surer)
        for e, r in zip(english_runs[lost:], russian_runs, strict=True)
    ]
    pieces = _RUN.split(english_text)
    # Between two segments only separators: the rest is a Russian letter's strokes ("ж" read as ">x").
    inner = [re.sub(r"[^/\\.:~_=+\-()\[\] \"']", "", piece) or piece for piece in pieces[1:-1]]
    pieces = [pieces[0], *inner, pieces[-1]]
    merged = pieces[0] + "".join(run + piece for run, piece in zip(chosen, pieces[1:], strict=True))
    # Stray marks at the ends are the field's frame, not the name; quotes that pair up are the text's.
    merged = merged.strip("|‘’`>")
    for quote in "\"'":
        if merged.count(quote) % 2:
            merged = merged.strip(quote)
    return merged if merged != original and merged else None


ENGLISH_SURER_BY = 30.0
"""How much surer the English reading of a path must be than the Russian one to keep Latin capitals."""


def _segment(english: str, russian: str, agreed: bool = False, english_surer: bool = False) -> str:
    """One segment's reading: `agreed` says the eng+rus reading gave the Russian one too;
    `english_surer` that English read the whole token with far more conviction than Russian."""
    cyrillic_word = (
        len(russian) >= 2
        and all(_CYRILLIC.match(ch) for ch in russian if ch.isalpha())
        and russian.isalpha()
        and (russian.islower() or russian.istitle() or russian.isupper())
    )
    if english.lower() in PATH_WORDS or _acronym(english, russian):
        return english
    if english_surer and not agreed and english.isascii() and english.isalnum() and not garbled(english):
        return english
    # The two readings of one segment are about as long ("BbIBOA" / "вывод"); "A" / "РОЕИА" are not.
    cyrillic_word = cyrillic_word and abs(len(english) - len(russian)) <= max(1, len(russian) // 3)
    if cyrillic_word and (
        agreed or garbled(english) or not english.isalnum() or (len(russian) >= 3 and english.isupper())
    ):
        return russian
    if english.isascii() and english.isalnum():
        return english
    return russian if cyrillic_word else english


def _acronym(english: str, russian: str) -> bool:
    """A short all-capital Latin reading whose Russian one is capitals too ("RGB" / "ВСВ", "CMYK" /
    "СМУК"): a Latin name in Russian text, as the mixed reading's look-alikes hide it."""
    return (
        english.isascii()
        and english.isalpha()
        and english.isupper()
        and len(english) <= 5
        and russian.isupper()
    )


def latin_among_russian(lines: list[TextLine]) -> list[Word]:
    """On a Russian screen, Latin words inside Russian phrases that may be Russian words misread.

    A short word of look-alike letters ("по" read as "no", "на" as "ha") or a word tesseract was
    unsure of ("Цвет" read as "user", 78) with a Russian word beside it. Acronyms and words with
    digits ("OK", "PNG", "Adam7") are names, kept as read.
    """
    if mostly_latin([w for line in lines for w in line.words]):
        return []
    found = []
    for line, index, word, letters in _lettered_words(lines):
        if (
            not all(ch.isascii() for ch in letters)
            or word.text.isupper()
            or any(ch.isdigit() for ch in word.text)
        ):
            continue
        beside = line.words[max(0, index - 1) : index] + line.words[index + 1 : index + 2]
        if not any(_CYRILLIC.search(w.text) and _alnum(w.text) >= 3 for w in beside):
            continue
        lookalike = all(ch in _CYRILLIC_LOOKING_LATIN for ch in letters)
        if (lookalike and len(letters) <= 3) or word.confidence < 85:
            found.append(word)
    return found[:MAX_REREAD_WORDS]


def read_boxes(
    image: Image.Image,
    boxes: list[BBox],
    languages: str,
    settings: OcrSettings | None = None,
    framed: bool | list[bool] = False,
) -> list[list[Word]]:
    """OCR each box of `image` on its own, in `languages`: the words found in each, in page pixels.

    The crops go in one strip, one a row with white space between, so a page costs one more
    tesseract start however many boxes it has. `framed` boxes (all, or those flagged per box) hold
    their text inside a drawn frame, whose lines are whitened first (`without_frame`).
    """
    if not boxes:
        return []
    settings = settings or OcrSettings()
    gray = image.convert("L")
    crops = []
    flags = framed if isinstance(framed, list) else [framed] * len(boxes)
    for (x0, y0, x1, y1), flag in zip(boxes, flags, strict=True):
        crop = gray.crop(
            (
                int(x0) - READ_MARGIN,
                int(y0) - READ_MARGIN,
                int(x1) + READ_MARGIN + 1,
                int(y1) + READ_MARGIN + 1,
            )
        )
        crop = _as_paper(crop, flag)
        size = (crop.width * REREAD_SCALE, crop.height * REREAD_SCALE)
        crops.append(crop.resize(size, Image.Resampling.LANCZOS))
    found: list[list[Word]] = []
    for (x0, y0, _, _), words in zip(boxes, read_pictures(crops, languages, settings), strict=True):
        ox, oy = int(x0) - READ_MARGIN, int(y0) - READ_MARGIN
        found.append(
            [
                dataclasses.replace(
                    w,
                    bbox=(
                        ox + w.bbox[0] / REREAD_SCALE,
                        oy + w.bbox[1] / REREAD_SCALE,
                        ox + w.bbox[2] / REREAD_SCALE,
                        oy + w.bbox[3] / REREAD_SCALE,
                    ),
                    font_size=w.font_size / REREAD_SCALE,
                )
                for w in words
            ]
        )
    return found


def read_pictures(
    pictures: list[Image.Image], languages: str, settings: OcrSettings | None = None
) -> list[list[Word]]:
    """OCR each picture on its own, in `languages`: the words found in each, boxed in its own pixels.

    The pictures go in one strip, one a row with white space between, so they cost one tesseract start.
    """
    if not pictures:
        return []
    settings = settings or OcrSettings()
    gap = 30
    crops = [picture.convert("L") for picture in pictures]
    width = max(c.width for c in crops) + 2 * gap
    strip = Image.new("L", (width, sum(c.height + gap for c in crops) + gap), 255)
    rows = []
    top = gap
    for crop in crops:
        strip.paste(crop, (gap, top))
        rows.append((top, top + crop.height))
        top += crop.height + gap
    tsv = _tesseract_tsv(strip, languages, "6", settings.timeout_s)
    found: list[list[Word]] = [[] for _ in crops]
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row["conf"]) < 0:
            continue
        left, top_px = float(row["left"]), float(row["top"])
        width_px, height_px = float(row["width"]), float(row["height"])
        centre = top_px + height_px / 2
        for index, (start, end) in enumerate(rows):
            if start - gap / 2 <= centre <= end + gap / 2:
                x0, y0 = left - gap, top_px - start
                bbox = (x0, y0, x0 + width_px, y0 + height_px)
                found[index].append(Word(text, bbox, float(row["conf"]), height_px))
                break
    return found


SHADOW_CONTRAST = 30.0
"""Grey levels below the background that make light text outlined (a shadow), not plain."""


def _as_paper(crop: Image.Image, framed: bool = False) -> Image.Image:
    """Dark ink on white paper, as tesseract reads best: light text (on a dark theme, or white on a
    grey title bar) is inverted and the crop's background (its median) stretched to white, so it
    matches the strip around it. The text is the extreme farther from the background."""
    pixels = np.asarray(crop, dtype=np.float32)
    if pixels.size == 0:
        return crop
    median = float(np.median(pixels))
    # Percentiles, not extremes: a frame's one-pixel edge must not count as the text's outline.
    lighter = float(pixels.max()) - median
    darker = median - float(np.percentile(pixels, 3))
    if lighter > darker:
        if darker >= SHADOW_CONTRAST:
            # White letters with a dark outline (a window manager's title): inverted they would be
            # hollow, so only the letters' own light pixels are kept, as ink.
            ink_mask = pixels > median + 0.5 * lighter
            letters = np.where(ink_mask, 0.0, 255.0)
            return Image.fromarray((without_frame(letters) if framed else letters).astype(np.uint8))
        pixels = 255.0 - pixels
    paper, ink = float(np.median(pixels)), float(pixels.min())
    if paper - ink < 8:
        return crop
    stretched = ((pixels - ink) * (255.0 / (paper - ink))).clip(0, 255)
    return Image.fromarray((without_frame(stretched) if framed else stretched).astype(np.uint8))


def without_frame(paper: np.ndarray) -> np.ndarray:
    """`paper` (dark ink on white) with the lines of a frame around its text whitened.

    A field's or drop-down's outline, solid or dotted (a focus frame), runs along the crop's edges;
    tesseract reads it as letters glued to the text ("'Solid") or loses the text's confidence to it.
    A row near the top or bottom that is inked along half its width or more, and a column near a side
    inked along nearly all its height (a letter's stroke never spans the crop's padding), is a line.
    """
    cleaned = paper.copy()
    inked = paper < 128
    height, width = paper.shape
    for row in [*range(0, round(0.35 * height)), *range(round(0.65 * height), height)]:
        if _longest_run(inked[row]) >= 0.6 * width or _dotted(inked[row]):
            cleaned[row, :] = 255
    margin = max(2, round(0.15 * width))
    for column in [*range(0, margin), *range(width - margin, width)]:
        if inked[:, column].mean() >= 0.85 or _dotted(inked[:, column]):
            cleaned[:, column] = 255
    return cleaned


def _runs(line: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True along a 1-d boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], line.astype(np.int8), [0]))))
    return np.asarray(edges[1::2] - edges[::2])


def _longest_run(line: np.ndarray) -> int:
    runs = _runs(line)
    return int(runs.max()) if runs.size else 0


def _dotted(line: np.ndarray) -> bool:
    """A dotted line: many dots of a pixel or two along it, where a letter's stroke is one long run."""
    runs, gaps = _runs(line), _runs(~line)
    inner_gaps = gaps[1:-1] if not line[0] else gaps[:-1]
    inked = np.flatnonzero(line)
    return (
        runs.size >= 6
        and int(runs.max()) <= 2
        and inner_gaps.size > 0
        and int(inner_gaps.max()) <= 3
        and inked[-1] - inked[0] >= 0.6 * line.size
    )


def _read_again(
    image: Image.Image, words: list[Word], language: str, settings: OcrSettings
) -> list[list[tuple[str, float]]]:
    """Each word's crop OCRed in `language` alone: (text, confidence) of what was read, per word."""
    found = read_boxes(image, [w.bbox for w in words], language, settings)
    return [[(w.text, w.confidence) for w in words_found] for words_found in found]


def _lowercase_russian(part: str) -> bool:
    return len(part) >= 3 and all(_CYRILLIC.match(ch) and ch.islower() for ch in part if ch.isalpha())


def _same_shape(mine: str, other: str) -> bool:
    """An acronym read in the other script: as many characters, all capitals or digits."""
    core = other.strip(":;,.")
    return (
        len(core) == len(mine.strip(":;,."))
        and core.isascii()
        and core.replace("-", "").isalnum()
        and core.upper() == core
    )


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _balanced(text: str) -> str:
    """Drop a bracket tesseract saw at a word's edge ("Find)") when its partner is missing."""
    if text.endswith(")") and "(" not in text:
        text = text[:-1]
    if text.startswith("(") and ")" not in text:
        text = text[1:]
    return text


def parse_tsv(tsv: str, scale: float = 1.0) -> OcrResult:
    """Turn tesseract's TSV into lines; coordinates are divided by `scale` to undo upscaling."""
    grouped: dict[tuple[int, int, int, int], list[Word]] = {}
    confidences: list[float] = []
    blanks: list[BBox] = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        confidence = float(row.get("conf") or -1)
        if not text and confidence >= 0:
            left, top = float(row["left"]) / scale, float(row["top"]) / scale
            blanks.append((left, top, left + float(row["width"]) / scale, top + float(row["height"]) / scale))
            continue
        if not text or confidence < 0:
            continue
        confidences.append(confidence)
        if confidence < MIN_WORD_CONFIDENCE and not any(ch.isalnum() for ch in text):
            continue
        # A path tesseract could not settle between its two scripts ("Ктр/вывод.р$", 0) is kept:
        # `settle_scripts` reads it again segment by segment.
        if confidence < MIN_WORD_CONFIDENCE / 2 and not path_shaped(text):
            continue
        left, top = float(row["left"]) / scale, float(row["top"]) / scale
        width, height = float(row["width"]) / scale, float(row["height"]) / scale
        key = (int(row["page_num"]), int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        grouped.setdefault(key, []).append(
            Word(text, (left, top, left + width, top + height), confidence, height)
        )
    lines: list[TextLine] = []
    block_ids: dict[tuple[int, int, int], int] = {}
    for key, words in grouped.items():
        block = block_ids.setdefault(key[:3], len(block_ids))
        lines.append(TextLine(words, block=block))
    mean = sum(confidences) / len(confidences) if confidences else None
    return OcrResult(lines, mean, blanks)


FIELD_FILL = 0.78
"""Share of a light-on-dark region still dark once its text is filtered away (its median): a field is full."""


def _inverted_regions(gray: np.ndarray) -> list[tuple[slice, slice]]:
    """Rectangles where text is light on a dark or saturated background (tesseract skips those)."""
    # A median ignores the thin strokes of text, leaving the colour of the field behind it.
    background = (
        ndi.median_filter(gray[::2, ::2], size=5)
        .repeat(2, axis=0)
        .repeat(2, axis=1)[: gray.shape[0], : gray.shape[1]]
    )
    labels, _ = ndi.label(background < 150)
    regions = []
    for rows, cols in ndi.find_objects(labels):
        height, width = rows.stop - rows.start, cols.stop - cols.start
        # Text fields, selected list rows and open menu titles: one line high, a few characters wide,
        # and filled: the median of bold lettering (a drawing's title, a connector's name) is dark too,
        # but paper shows between its letters. Measured on the median, where a field's light text is
        # gone: fields and highlighted menu titles 0.78-0.95, bold lettering 0.61-0.76.
        field = gray[rows, cols]
        filled = float((background[rows, cols] < 150).mean()) >= FIELD_FILL
        if 10 <= height <= 60 and width >= 24 and float(field.std()) > 25 and filled:
            regions.append((rows, cols))
    return regions


def _flip_inverted_regions(image: Image.Image) -> Image.Image:
    """Turn light-on-dark fields into dark-on-light in place, so one OCR pass reads the whole screen.

    Keeping the fields in place (rather than OCRing them apart) keeps "Opacity:" and its value on
    one line.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    regions = _inverted_regions(gray)
    if not regions:
        return image
    flipped = gray.copy()
    for rows, cols in regions:
        crop = 255 - gray[rows, cols]
        # Stretch so the inverted field becomes white paper, as tesseract expects.
        low, high = float(crop.min()), float(np.percentile(crop, 90))
        flipped[rows, cols] = (crop - low) * (255.0 / max(1.0, high - low))
    return Image.fromarray(flipped.clip(0, 255).astype(np.uint8))
