"""From one file to pages, passages and tile geometry (pure CPU work, nothing stored yet)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from indexer.controls import detect_controls
from indexer.errors import EmptyDocument
from indexer.figures import FigureLimits, read_figures
from indexer.images import image_page, read_image_pages
from indexer.layout import build_passages, place_figures
from indexer.marks import detect_marks, erase_marks, reread_marked
from indexer.ocr import OcrSettings, read_straightened, repair_path_segments, word_counts
from indexer.pdf import read_pdf, render_pdf_page
from indexer.records import Mark, PageContent, PassageDraft
from indexer.scans import Straightening
from indexer.settings import IndexSettings
from indexer.sniff import sniff_media_type
from indexer.textscreen import read_screen
from omnifusion.slicing import TileBox, plan_slices

log = logging.getLogger(__name__)

SUFFIX_BY_TYPE = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/tiff": ".tiff",
}

BLANK_SPREAD = 16
"""A page whose every channel varies less than this carries no ink: nothing for OCR to read."""


@dataclass
class ExtractedPage:
    """One page ready for the catalog: its size and DPI, passages and tiles (lines and pixels dropped).

    `image_path` is the page image spooled to disk when the visual channel needs it.
    """

    content: PageContent
    passages: list[PassageDraft]
    tiles: tuple[TileBox, ...]
    image_path: Path | None = None


@dataclass
class ExtractedDocument:
    path: Path
    sha256: str
    media_type: str
    size_bytes: int
    pages: list[ExtractedPage] = field(default_factory=list)

    @property
    def languages(self) -> str:
        found = {p.lang for page in self.pages for p in page.passages if p.lang != "und"}
        return ",".join(sorted(found))

    def completed(self) -> ExtractedDocument:
        """The document once every page is in: refused if it has none, a warning if no page has text."""
        if not self.pages:
            raise EmptyDocument(self.path)
        if not any(page.passages for page in self.pages):
            log.warning(
                "%s: no text found on any page (it stays findable by the visual channel only)", self.path.name
            )
        return self


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path: Path) -> str:
    """The file's name as text every database takes: bytes that are not UTF-8 become U+FFFD."""
    try:
        raw = path.name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def is_blank(image: Image.Image) -> bool:
    """True when the page has no ink at all (a blank scan side, an empty page)."""
    extrema = image.getextrema()
    channels = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(high - low < BLANK_SPREAD for low, high in channels)  # type: ignore[operator]


def ocr_page(page: PageContent, image: Image.Image, settings: IndexSettings) -> PageContent:
    """Find red marks, erase them, OCR the rest, read the controls.

    Fills `lines`, `marks`, `controls` and `ocr_confidence`. A scan read turned (level or upright)
    keeps them in the turned page's pixels, with `straightening` saying how to turn them back.
    """
    if is_blank(image):
        page.text_source = "none"
        return page
    detection = detect_marks(image)
    clean = erase_marks(image, detection.mask)
    ocr_settings = OcrSettings(languages=settings.ocr_languages)
    result, turn, straight = read_straightened(clean, ocr_settings)
    page.lines = result.lines
    page.marks = [Mark(m.shape, turn.to_turned(m.bbox), turn.to_turned(m.target)) for m in detection.marks]
    reread_marked(straight, page.marks, result.lines, settings.ocr_languages)
    screen = read_screen(straight, [w for line in result.lines for w in line.words], ocr_settings)
    if screen is not None:
        # A terminal's screen is read again from its cells: its frames and colours garble the first
        # reading, and its controls are characters, not the pixels `detect_controls` looks for.
        page.lines, page.controls = screen
    else:
        page.controls = detect_controls(straight, result.lines)
    page.ocr_confidence = result.mean_confidence
    page.text_source = "ocr" if result.lines else "none"
    page.straightening = None if turn.identity else turn
    return page


def turned_back(passages: list[PassageDraft], turn: Straightening) -> list[PassageDraft]:
    """Passages laid out on a straightened scan, boxed on the page as the user sees it."""
    return [
        dataclasses.replace(
            passage,
            bbox=turn.to_original(passage.bbox),
            spans=[dataclasses.replace(span, bbox=turn.to_original(span.bbox)) for span in passage.spans],
        )
        for passage in passages
    ]


def figure_limits(settings: IndexSettings) -> FigureLimits | None:
    """Which pictures of text pages are OCRed under `settings` (None: none)."""
    if not settings.figure_ocr or settings.max_figures_per_page <= 0:
        return None
    return FigureLimits(
        max_per_page=settings.max_figures_per_page,
        max_pixels=min(FigureLimits.max_pixels, settings.max_page_pixels),
    )


def _raw_pages(
    path: Path, media_type: str, settings: IndexSettings, render_all: bool
) -> Iterator[PageContent]:
    if media_type == "application/pdf":
        yield from read_pdf(
            path,
            settings.dpi,
            max_pages=settings.max_pages,
            max_page_pixels=settings.max_page_pixels,
            max_image_pixels=settings.max_image_pixels,
            render_all=render_all,
            figures=figure_limits(settings),
        )
        return
    frames = read_image_pages(
        path,
        settings.max_image_pixels,
        max_pages=settings.max_pages,
        max_page_pixels=settings.max_page_pixels,
    )
    for number, image in enumerate(frames, start=1):
        yield PageContent(number, image.width, image.height, 72.0, "none", image=image)


def extract_pages(
    path: Path, settings: IndexSettings, media_type: str, spool: Path | None = None
) -> Iterator[ExtractedPage]:
    """Yield the file's pages in order, one at a time: read, OCRed where needed, cut into passages.

    Pages stream through: OCR runs on at most `ocr_workers` pages at once, and a page's image is
    dropped as soon as it has been OCRed, so memory does not grow with the page count. With a
    `spool` folder every page image is saved there (PNG) for the visual channel.
    """
    workers = max(1, settings.ocr_workers)
    # Pages OCR in parallel only while their pixels add up to one largest page: mark detection and
    # tesseract need memory in proportion, and the reader's memory is capped.
    budget = settings.max_page_pixels
    # tesseract runs as a subprocess, so threads give real parallelism here.
    pool = ThreadPoolExecutor(workers, thread_name_prefix="ocr")
    window: deque[tuple[PageContent, Future[PageContent] | None, Path | None, int]] = deque()
    section = ""
    limits = figure_limits(settings)
    # The document's words so far: a scanned page's paths are checked against them.
    seen: Counter[str] = Counter()

    def busy() -> tuple[int, int]:
        """OCR jobs in the window and their pixels."""
        jobs = [pixels for _, job, _, pixels in window if job is not None]
        return len(jobs), sum(jobs)

    def finish() -> ExtractedPage:
        nonlocal section
        page, job, image_path, _ = window.popleft()
        if job is not None:
            job.result()
        page.image = None
        seen.update(word_counts(page.lines))
        if page.text_source == "ocr":
            repair_path_segments(page.lines, seen)
        opening = section
        passages, section = build_passages(page, section)
        if page.figures:
            passages = place_figures(passages, page.figures, opening)
        if page.straightening is not None:
            passages = turned_back(passages, page.straightening)
        # What the catalog needs is in the passages now; lines and marks would only weigh on memory.
        page.lines, page.marks, page.figures = [], [], []
        plan = plan_slices(page.width, page.height, settings.tile_size, settings.max_tiles)
        return ExtractedPage(page, passages, plan.tiles, image_path)

    try:
        for page in _raw_pages(path, media_type, settings, render_all=spool is not None):
            image_path = None
            if spool is not None and page.image is not None:
                image_path = spool / f"{page.number}.png"
                page.image.save(image_path, format="PNG", compress_level=1)
            job = None
            pixels = 0
            if page.text_source == "none" and page.image is not None:
                pixels = page.width * page.height
            elif page.figures:
                pixels = sum(f.image.width * f.image.height for f in page.figures if f.image is not None)
            if pixels:
                while window and (busy()[0] >= workers or busy()[1] + pixels > budget):
                    yield finish()
            if page.text_source == "none" and page.image is not None:
                job = pool.submit(ocr_page, page, page.image, settings)
            else:
                page.image = None
                if page.figures and limits is not None:
                    # A text page's pictures: their words are pixels (labels of a drawing, a screenshot).
                    job = pool.submit(
                        read_figures,
                        page,
                        settings.ocr_languages,
                        limits.max_pixels,
                        settings.reader_page_timeout_s,
                    )
            window.append((page, job, image_path, pixels))
            # Passages are built in page order (a section heading carries over to the next page).
            while window and (window[0][1] is None or window[0][1].done()):
                yield finish()
        while window:
            yield finish()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def extract_document(
    path: Path,
    settings: IndexSettings,
    media_type: str | None = None,
    sha256: str | None = None,
    on_page: Callable[[int], None] | None = None,
    spool: Path | None = None,
) -> ExtractedDocument:
    """Read every page of `path` in this process (see `indexer.reader` for the confined way)."""
    media_type = media_type or sniff_media_type(path)
    document = ExtractedDocument(path, sha256 or file_sha256(path), media_type, path.stat().st_size)
    for page in extract_pages(path, settings, media_type, spool):
        document.pages.append(page)
        if on_page is not None:
            on_page(page.content.number)
    return document.completed()


def indexed_page_image(
    path: Path, media_type: str, number: int, size: tuple[int, int], dpi: float, settings: IndexSettings
) -> Image.Image:
    """Page `number` of a stored original as indexed (`size` px at `dpi`): citation boxes are in its pixels.

    PDFs render at the DPI the page was indexed at, which is lower than the workspace's for a page
    too large for `max_page_pixels`; image frames are scaled as they were when indexed.
    """
    if media_type == "application/pdf":
        return render_pdf_page(path, number, dpi)
    image = image_page(path, number, settings.max_image_pixels, max_page_pixels=settings.max_image_pixels)
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)
