"""PDF pages through pypdfium2: page images at a chosen DPI and the text layer with word boxes."""

from __future__ import annotations

import ctypes
import logging
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from indexer.errors import CorruptFile, EmptyDocument, EncryptedDocument, MissingFile
from indexer.records import PageContent, TextLine, Word

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 12
"""A page with fewer letters/digits than this in its text layer is treated as an image (scan)."""


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open a PDF or raise the typed error that tells the user what is wrong with it."""
    if not path.is_file():
        raise MissingFile(path)
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        message = str(error)
        # Checked first: pdfium sets no error of its own for an empty page tree, so `message` then
        # holds the previous failure's (e.g. "Incorrect password" from the file before).
        if _declares_no_pages(path):
            # pdfium refuses a well-formed PDF whose page tree is empty; say so rather than "damaged".
            raise EmptyDocument(path, "the PDF has zero pages") from error
        if "password" in message.lower():
            raise EncryptedDocument(path) from error
        raise CorruptFile(path, message) from error
    if len(document) == 0:
        document.close()
        raise EmptyDocument(path, "the PDF has zero pages")
    return document


def _declares_no_pages(path: Path) -> bool:
    data = path.read_bytes()[-1_000_000:]
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)
    return bool(counts) and all(int(a or b or b"0") == 0 for a, b in counts) and b"%%EOF" in data[-2048:]


def render_page(page: pdfium.PdfPage, dpi: float) -> Image.Image:
    """Render one page to an RGB image at `dpi`."""
    bitmap = page.render(scale=dpi / 72.0)
    return bitmap.to_pil().convert("RGB")


def render_pdf_page(path: Path, number: int, dpi: float) -> Image.Image:
    """Render page `number` (1-based) of the PDF at `path`."""
    document = open_pdf(path)
    try:
        if not 1 <= number <= len(document):
            raise ValueError(f"page {number} is out of range 1..{len(document)} in {path.name}")
        return render_page(document[number - 1], dpi)
    finally:
        document.close()


def read_pdf(path: Path, dpi: float) -> Iterator[PageContent]:
    """Yield each page's size and text-layer lines (pixels at `dpi`); pages without text get an image.

    Pages whose text layer is empty or unusable come back with `text_source="none"` and a rendered
    `image`, so the caller can OCR them.
    """
    document = open_pdf(path)
    try:
        for index in range(len(document)):
            try:
                page = document[index]
                yield _read_page(page, index + 1, dpi)
            except pdfium.PdfiumError as error:
                raise CorruptFile(path, f"page {index + 1}: {error}") from error
    finally:
        document.close()


def _read_page(page: pdfium.PdfPage, number: int, dpi: float) -> PageContent:
    width_pt, height_pt = page.get_size()
    scale = dpi / 72.0
    # The same rounding pdfium's renderer uses, so boxes and cached page images agree to the pixel.
    width, height = math.ceil(width_pt * scale), math.ceil(height_pt * scale)
    rotation = page.get_rotation()
    textpage = page.get_textpage()
    try:
        lines = _text_lines(textpage, width_pt, height_pt, rotation, scale)
    finally:
        textpage.close()
    usable = sum(ch.isalnum() for line in lines for word in line.words for ch in word.text)
    if usable < MIN_TEXT_CHARS:
        return PageContent(number, width, height, dpi, "none", image=render_page(page, dpi))
    return PageContent(number, width, height, dpi, "pdf", lines=lines)


def _to_pixels(
    box: tuple[float, float, float, float], width_pt: float, height_pt: float, rotation: int, scale: float
) -> tuple[float, float, float, float]:
    """Map a PDF-space box (left, bottom, right, top) to top-left-origin pixels of the rendered page."""
    left, bottom, right, top = box
    if rotation == 90:
        # Rendered width is the unrotated height.
        x0, y0, x1, y1 = bottom, left, top, right
    elif rotation == 180:
        x0, y0, x1, y1 = width_pt - right, bottom, width_pt - left, top
    elif rotation == 270:
        # The page size is the rotated one here: its width runs along the unrotated height.
        x0, y0, x1, y1 = width_pt - top, height_pt - right, width_pt - bottom, height_pt - left
    else:
        x0, y0, x1, y1 = left, height_pt - top, right, height_pt - bottom
    return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)


def _text_lines(
    textpage: pdfium.PdfTextPage, width_pt: float, height_pt: float, rotation: int, scale: float
) -> list[TextLine]:
    """Group the text layer's characters into words and lines, keeping pdfium's reading order."""
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    lines: list[TextLine] = []
    words: list[Word] = []
    chars: list[str] = []
    box: list[float] = []
    size = 0.0
    baseline: float | None = None

    def flush_word() -> None:
        nonlocal chars, box
        if chars:
            text = "".join(chars)
            bbox = _to_pixels((box[0], box[1], box[2], box[3]), width_pt, height_pt, rotation, scale)
            words.append(Word(text, bbox, 100.0, size * scale))
        chars, box = [], []

    def flush_line() -> None:
        nonlocal words
        flush_word()
        if words:
            lines.append(TextLine(words))
        words = []

    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        char = chr(code) if code else ""
        if char in ("\r", "\n"):
            flush_line()
            baseline = None
            continue
        if not char or char.isspace() or char in "\x00\ufffe\x02":
            flush_word()
            continue
        pdfium_c.FPDFText_GetCharBox(raw, index, left, right, bottom, top)
        pdfium_c.FPDFText_GetCharOrigin(raw, index, origin_x, origin_y)
        x0, x1, b, t = left.value, right.value, bottom.value, top.value
        size = pdfium_c.FPDFText_GetFontSize(raw, index) or (t - b) or 10.0
        # A baseline jump starts a new line even where pdfium generated no line break.
        if baseline is not None and abs(origin_y.value - baseline) > 0.6 * size:
            flush_line()
        baseline = origin_y.value
        # Words are separated by the text layer's spaces; only a wide gap splits without one.
        if chars and box and x0 - box[2] > 0.8 * size:
            flush_word()
        if pdfium_c.FPDFText_IsHyphen(raw, index):
            char = "-"
        box = [min(box[0], x0), min(box[1], b), max(box[2], x1), max(box[3], t)] if box else [x0, b, x1, t]
        chars.append(char)
    flush_line()
    return lines
