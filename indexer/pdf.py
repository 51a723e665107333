"""PDF pages through pypdfium2: page images at a chosen DPI and the text layer with word boxes."""

from __future__ import annotations

import ctypes
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from indexer.errors import (
    CorruptFile,
    EmptyDocument,
    EncryptedDocument,
    MissingFile,
    PageTooLarge,
    TooManyPages,
)
from indexer.figures import FigureLimits, PlacedImage, caption_of, figure_regions, render_dpi, words_inside
from indexer.images import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_PAGES
from indexer.pagesize import (
    DEFAULT_MAX_PAGE_PIXELS,
    MIN_RENDER_DPI,
    fitted_dpi,
    is_render_bomb,
    page_pixels,
)
from indexer.records import Figure, PageContent, TextLine, TextSource, Word

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
    with path.open("rb") as handle:
        # Only the tail, where writers put the page tree: the file may be hundreds of megabytes.
        handle.seek(max(0, path.stat().st_size - 1_000_000))
        data = handle.read()
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)
    return bool(counts) and all(int(a or b or b"0") == 0 for a, b in counts) and b"%%EOF" in data[-2048:]


def render_page(page: pdfium.PdfPage, dpi: float) -> Image.Image:
    """Render one page to an RGB image at `dpi`."""
    bitmap = page.render(scale=dpi / 72.0)
    return bitmap.to_pil().convert("RGB")


def render_pdf_page(path: Path, number: int, dpi: float) -> Image.Image:
    """Render page `number` (1-based) of the PDF at `path` at `dpi` (the DPI it was indexed at)."""
    document = open_pdf(path)
    try:
        if not 1 <= number <= len(document):
            raise ValueError(f"page {number} is out of range 1..{len(document)} in {path.name}")
        return render_page(document[number - 1], dpi)
    finally:
        document.close()


def read_pdf(
    path: Path,
    dpi: float,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_page_pixels: int = DEFAULT_MAX_PAGE_PIXELS,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    render_all: bool = False,
    figures: FigureLimits | None = None,
) -> Iterator[PageContent]:
    """Yield each page's size and text-layer lines (pixels at the page's DPI), one page at a time.

    Pages whose text layer is empty or unusable (and every page when `render_all`) come back with a
    rendered `image`; those without a usable text layer have `text_source="none"`, so the caller
    can OCR them. A page larger than `max_page_pixels` at `dpi` is indexed at the lower DPI at
    which it fits (its `dpi` says which). The page count is checked before any page is read.
    With `figures`, a text page's pictures that may hold labels come back rendered in its `figures`.
    """
    document = open_pdf(path)
    try:
        count = len(document)
        if count > max_pages:
            raise TooManyPages(path, count, max_pages)
        for index in range(count):
            try:
                page = document[index]
                try:
                    yield _read_page(
                        page, path, index + 1, dpi, max_page_pixels, max_image_pixels, render_all, figures
                    )
                finally:
                    page.close()
            except pdfium.PdfiumError as error:
                raise CorruptFile(path, f"page {index + 1}: {error}") from error
    finally:
        document.close()


def _read_page(
    page: pdfium.PdfPage,
    path: Path,
    number: int,
    dpi: float,
    max_page_pixels: int,
    max_image_pixels: int,
    render_all: bool,
    figures: FigureLimits | None,
) -> PageContent:
    width_pt, height_pt = page.get_size()
    if not (width_pt > 0 and height_pt > 0 and math.isfinite(width_pt * height_pt)):
        raise CorruptFile(path, f"page {number} has no usable size ({width_pt} x {height_pt} pt)")
    dpi = fitted_dpi(width_pt, height_pt, dpi, max_page_pixels)
    if is_render_bomb(dpi):
        raise PageTooLarge(
            path,
            number,
            f"is {width_pt / 72 * 0.0254:.1f} x {height_pt / 72 * 0.0254:.1f} m "
            f"({width_pt:.0f} x {height_pt:.0f} pt): even at {MIN_RENDER_DPI:.0f} DPI its image "
            f"would be over the {max_page_pixels / 1e6:.0f} Mpx limit (max_page_pixels)",
        )
    scale = dpi / 72.0
    # The same rounding pdfium's renderer uses, so boxes and cached page images agree to the pixel.
    width, height = page_pixels(width_pt, height_pt, dpi)
    rotation = page.get_rotation()
    textpage = page.get_textpage()
    try:
        lines = _text_lines(textpage, width_pt, height_pt, rotation, scale)
    finally:
        textpage.close()
    usable = sum(ch.isalnum() for line in lines for word in line.words for ch in word.text)
    source: TextSource = "pdf" if usable >= MIN_TEXT_CHARS else "none"
    # Every page, not only those rendered now: the page image of a text page is rendered later,
    # to show a citation, and must be safe to render then.
    objects = _survey_objects(page, path, number, max_image_pixels, boxes=figures is not None)
    # A page without a single object is blank: nothing for OCR to read, no need to render it.
    image = render_page(page, dpi) if render_all or (source == "none" and objects.count) else None
    found: list[Figure] = []
    if figures is not None and source == "pdf" and (objects.images or objects.paths):
        geometry = (width_pt, height_pt, rotation, dpi)
        found = _page_figures(page, objects, lines, geometry, (width, height), figures)
    return PageContent(
        number, width, height, dpi, source, lines=lines if source == "pdf" else [], image=image, figures=found
    )


MAX_OBJECTS_CHECKED = 200_000
"""Page objects looked at for oversized images; a page with more is left to the reader's memory limit."""

RECTANGLE_SEGMENTS = 5
PdfBox = tuple[float, float, float, float]
"""(left, bottom, right, top) in PDF points, page space."""
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class PageObjects:
    """What a page is drawn with: its object count, and (when asked for) its images and paths."""

    count: int = 0
    images: list[tuple[PdfBox, tuple[int, int]]] = field(default_factory=list)
    """Each image's box and its own size in pixels."""
    paths: list[tuple[PdfBox, bool]] = field(default_factory=list)
    """Each path's box, and whether it is shaped (a line, a curve, a polygon) rather than a rectangle."""


def _survey_objects(
    page: pdfium.PdfPage, path: Path, number: int, max_pixels: int, boxes: bool = False
) -> PageObjects:
    """Refuse a page whose embedded images are larger than an image file may be; count its objects.

    pdfium decodes an image with a soft mask at full size whatever the page's resolution, so a
    30000 x 30000 px mask in a 1 MB file needs a gigabyte; the header says so for free. With `boxes`,
    where each image and path object is drawn is collected too (for figures), in page space: objects
    inside a form XObject are placed by the form's matrix.
    """
    width, height = ctypes.c_uint(), ctypes.c_uint()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    matrix = pdfium_c.FS_MATRIX()
    survey = PageObjects()
    budget = MAX_OBJECTS_CHECKED

    def bounds(obj: Any, placed: Matrix) -> PdfBox | None:
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            return None
        box = (left.value, bottom.value, right.value, top.value)
        return box if placed == IDENTITY else _transformed(box, placed)

    def visit(container: Any, form: bool, depth: int, placed: Matrix) -> None:
        nonlocal budget
        count = (pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects)(container)
        get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
        for index in range(max(0, count)):
            budget -= 1
            if budget < 0:
                return
            obj = get(container, index)
            if not obj:
                continue
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                known = pdfium_c.FPDFImageObj_GetImagePixelSize(obj, width, height)
                if known and width.value * height.value > max_pixels:
                    raise PageTooLarge(
                        path,
                        number,
                        f"holds a {width.value}x{height.value} px image "
                        f"({width.value * height.value / 1e6:.0f} Mpx), over the "
                        f"{max_pixels / 1e6:.0f} Mpx limit for images (max_image_pixels)",
                    )
                if boxes and known and (box := bounds(obj, placed)) is not None:
                    survey.images.append((box, (width.value, height.value)))
            elif kind == pdfium_c.FPDF_PAGEOBJ_PATH and boxes:
                if (box := bounds(obj, placed)) is not None:
                    # A rectangle (`re`: five segments) shades or frames text; drawings have shapes.
                    survey.paths.append((box, pdfium_c.FPDFPath_CountSegments(obj) != RECTANGLE_SEGMENTS))
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 8:
                inner = placed
                if boxes and pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
                    own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                    inner = _compose(own, placed)
                visit(obj, True, depth + 1, inner)

    visit(page.raw, False, 0, IDENTITY)
    survey.count = MAX_OBJECTS_CHECKED - budget
    return survey


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner`, then `outer` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _transformed(box: PdfBox, m: Matrix) -> PdfBox:
    """Bounds of `box` mapped by `m`."""
    corners = [(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs = [m[0] * x + m[2] * y + m[4] for x, y in corners]
    ys = [m[1] * x + m[3] * y + m[5] for x, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _page_figures(
    page: pdfium.PdfPage,
    objects: PageObjects,
    lines: list[TextLine],
    geometry: tuple[float, float, int, float],
    size: tuple[int, int],
    limits: FigureLimits,
) -> list[Figure]:
    """The pictures of a text page worth OCR, each rendered on its own (`geometry`: width and height in
    points, rotation, DPI of the page image)."""
    width_pt, height_pt, rotation, dpi = geometry
    scale = dpi / 72.0
    images = [
        PlacedImage(_to_pixels(box, width_pt, height_pt, rotation, scale), pixels)
        for box, pixels in objects.images
    ]
    paths = [(_to_pixels(box, width_pt, height_pt, rotation, scale), shaped) for box, shaped in objects.paths]
    text_boxes = [word.bbox for line in lines for word in line.words]
    figures = []
    for region in figure_regions(images, paths, text_boxes, size, dpi, limits):
        x0, y0, x1, y1 = region.box
        crop = (x0 / scale, height_pt - y1 / scale, width_pt - x1 / scale, y0 / scale)
        resolution = render_dpi(region, dpi, limits.max_pixels)
        image = page.render(scale=resolution / 72.0, crop=crop, grayscale=True).to_pil()
        figures.append(
            Figure(
                region.kind,
                region.box,
                caption=caption_of(region.box, lines),
                scale=image.width / max(1e-6, x1 - x0),
                image=image,
                text_boxes=words_inside(region.box, lines),
                rotation=rotation,
                native_scale=None if region.native_dpi is None else region.native_dpi / dpi,
            )
        )
    return figures


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

    index = -1
    while index + 1 < count:
        index += 1
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        if 0xD800 <= code <= 0xDFFF:
            # pdfium gives UTF-16 code units: a character outside the Basic Multilingual Plane (emoji,
            # mathematical letters) is two of them, with the same box. A lone half is dropped.
            low = pdfium_c.FPDFText_GetUnicode(raw, index + 1) if index + 1 < count else 0
            if code > 0xDBFF or not 0xDC00 <= low <= 0xDFFF:
                continue
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            index += 1
        char = chr(code) if code else ""
        if char in ("\r", "\n"):
            flush_line()
            baseline = None
            continue
        if char == "\x02" and pdfium_c.FPDFText_IsHyphen(raw, index):
            # groff's soft hyphen at a line's end ("op" / "tion"): kept as "-" for the layout to mend.
            char = "-"
        elif not char or char.isspace() or char in "\x00\ufffe\x02":
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
