"""Tesseract OCR (English + Russian) into lines of words with boxes and confidences."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.errors import AssistantError
from indexer.records import BBox, TextLine, Word

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


@dataclass
class OcrResult:
    lines: list[TextLine]
    mean_confidence: float | None


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

    Boxes come back in the image's own pixel coordinates. With both English and Russian enabled,
    words whose script is in doubt are read again in English alone (`settle_scripts`).
    """
    settings = settings or OcrSettings()
    prepared = _flip_inverted_regions(image)
    result = _run_tesseract(prepared, settings)
    languages = set(settings.languages.split("+"))
    if {"eng", "rus"} <= languages:
        settle_scripts(prepared, result.lines, settings)
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


def _tesseract_tsv(image: Image.Image, languages: str, psm: str, timeout_s: float) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    # One thread per tesseract: the indexer already runs pages in parallel on the machine's cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [tesseract_path(), "stdin", "stdout", "-l", languages, "--psm", psm, "tsv"]
    try:
        completed = subprocess.run(
            command,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssistantError(f"tesseract took longer than {timeout_s:.0f} s on one page") from error
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


def mostly_latin(words: list[Word]) -> bool:
    """An English screen: most of its words are in Latin letters."""
    latin = sum(1 for w in words if _LATIN.search(w.text) and not _CYRILLIC.search(w.text))
    cyrillic = sum(1 for w in words if _CYRILLIC.search(w.text))
    return latin >= 0.6 * max(1, latin + cyrillic)


def suspicious_words(words: list[Word]) -> list[Word]:
    """Words OCR may have put in the wrong script.

    Cyrillic capitals in a row (an acronym: Latin ones are far more common in UI text), Cyrillic
    mixed with Latin letters or digits in one token ("1СС-профиль", "А4"), and any Cyrillic word
    of two letters or more on a screen whose words are mostly Latin.
    """
    latin_screen = mostly_latin(words)
    found = []
    for word in words:
        text = word.text
        if not _CYRILLIC.search(text):
            continue
        letters = sum(ch.isalpha() for ch in text)
        mixed = bool(_LATIN.search(text) or any(ch.isdigit() for ch in text))
        if _CYRILLIC_CAPITALS.search(text) or mixed or (latin_screen and letters >= 2):
            found.append(word)
    return found[:MAX_REREAD_WORDS]


def choose_reading(word: Word, english: list[tuple[str, float]], latin_screen: bool = False) -> str | None:
    """The English reading of `word` when it is the better one, else None (keep the word as read).

    `english` is what tesseract read in English alone: (text, confidence) per word found;
    `latin_screen` says the screen around the word is English (`mostly_latin`).
    """
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
    # A letter no Latin one looks like, read with confidence, makes a Russian word ("ГОСТ", "МБ").
    distinctly_russian = any(ch in _ONLY_CYRILLIC_SHAPES for ch in original)
    if distinctly_russian and word.confidence >= 90 and not latin_screen:
        return None
    if confidence >= 80 or confidence >= word.confidence + 15:
        return _balanced(text)
    return None


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


def choose_russian_reading(word: Word, russian: list[tuple[str, float]]) -> str | None:
    """The Russian reading of a Latin-looking word when tesseract is clearly surer of it."""
    if len(russian) != 1:
        return None
    text, confidence = russian[0]
    if _LATIN.search(text) or not _CYRILLIC.search(text) or abs(_alnum(text) - _alnum(word.text)) > 1:
        return None
    return text if confidence >= 85 and confidence >= word.confidence + 5 else None


def settle_scripts(image: Image.Image, lines: list[TextLine], settings: OcrSettings) -> None:
    """Read the words of doubtful script again in the other language; keep the better reading (in place)."""
    every_word = [w for line in lines for w in line.words]
    latin_screen = mostly_latin(every_word)
    cyrillic = suspicious_words(every_word)
    for word, english in zip(cyrillic, _read_again(image, cyrillic, "eng", settings), strict=True):
        log.debug("OCR script: %r (%.0f) read in English as %r", word.text, word.confidence, english)
        better = choose_reading(word, english, latin_screen)
        if better is not None:
            word.text = better
    latin = latin_lookalikes(every_word)
    for word, russian in zip(latin, _read_again(image, latin, "rus", settings), strict=True):
        log.debug("OCR script: %r (%.0f) read in Russian as %r", word.text, word.confidence, russian)
        better = choose_russian_reading(word, russian)
        if better is not None:
            word.text = better


def read_boxes(
    image: Image.Image, boxes: list[BBox], languages: str, settings: OcrSettings | None = None
) -> list[list[Word]]:
    """OCR each box of `image` on its own, in `languages`: the words found in each, in page pixels.

    The crops go in one strip, one a row with white space between, so a page costs one more
    tesseract start however many boxes it has.
    """
    if not boxes:
        return []
    settings = settings or OcrSettings()
    gray = image.convert("L")
    crops = []
    for x0, y0, x1, y1 in boxes:
        crop = gray.crop((int(x0) - 3, int(y0) - 3, int(x1) + 4, int(y1) + 4))
        size = (crop.width * REREAD_SCALE, crop.height * REREAD_SCALE)
        crops.append(crop.resize(size, Image.Resampling.LANCZOS))
    gap = 30
    width = max(c.width for c in crops) + 2 * gap
    strip = Image.new("L", (width, sum(c.height + gap for c in crops) + gap), 255)
    rows = []
    top = gap
    for crop in crops:
        strip.paste(crop, (gap, top))
        rows.append((top, top + crop.height))
        top += crop.height + gap
    tsv = _tesseract_tsv(strip, languages, "6", settings.timeout_s)
    found: list[list[Word]] = [[] for _ in boxes]
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row["conf"]) < 0:
            continue
        left, top_px = float(row["left"]), float(row["top"])
        width_px, height_px = float(row["width"]), float(row["height"])
        centre = top_px + height_px / 2
        for index, (start, end) in enumerate(rows):
            if start - gap / 2 <= centre <= end + gap / 2:
                ox, oy = int(boxes[index][0]) - 3, int(boxes[index][1]) - 3
                x0 = ox + (left - gap) / REREAD_SCALE
                y0 = oy + (top_px - start) / REREAD_SCALE
                bbox = (x0, y0, x0 + width_px / REREAD_SCALE, y0 + height_px / REREAD_SCALE)
                found[index].append(Word(text, bbox, float(row["conf"]), height_px / REREAD_SCALE))
                break
    return found


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
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        confidence = float(row.get("conf") or -1)
        if not text or confidence < 0:
            continue
        confidences.append(confidence)
        if confidence < MIN_WORD_CONFIDENCE and not any(ch.isalnum() for ch in text):
            continue
        if confidence < MIN_WORD_CONFIDENCE / 2:
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
    return OcrResult(lines, mean)


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
        # Text fields and selected list rows: one line high, a few characters wide.
        if 10 <= height <= 60 and width >= 24 and float(gray[rows, cols].std()) > 25:
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
