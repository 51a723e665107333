"""From one file to pages, passages and tile geometry (pure CPU work, nothing stored yet)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from indexer.controls import detect_controls
from indexer.errors import EmptyDocument
from indexer.images import read_image_pages
from indexer.layout import build_passages
from indexer.marks import detect_marks, erase_marks
from indexer.ocr import OcrSettings, recognize
from indexer.pdf import read_pdf
from indexer.records import PageContent, PassageDraft
from indexer.settings import IndexSettings
from indexer.sniff import sniff_media_type
from omnifusion.slicing import TileBox, plan_slices

log = logging.getLogger(__name__)

SUFFIX_BY_TYPE = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/tiff": ".tiff",
}


@dataclass
class ExtractedPage:
    content: PageContent
    passages: list[PassageDraft]
    tiles: tuple[TileBox, ...]


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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ocr_page(page: PageContent, image: Image.Image, settings: IndexSettings) -> PageContent:
    """Find red marks, erase them, OCR the rest, read the controls.

    Fills `lines`, `marks`, `controls` and `ocr_confidence`.
    """
    detection = detect_marks(image)
    clean = erase_marks(image, detection.mask)
    result = recognize(clean, OcrSettings(languages=settings.ocr_languages))
    page.lines = result.lines
    page.marks = detection.marks
    page.controls = detect_controls(clean, result.lines)
    page.ocr_confidence = result.mean_confidence
    page.text_source = "ocr" if result.lines else "none"
    return page


def _raw_pages(path: Path, media_type: str, settings: IndexSettings) -> Iterator[PageContent]:
    if media_type == "application/pdf":
        yield from read_pdf(path, settings.dpi)
        return
    for number, image in enumerate(read_image_pages(path, settings.max_image_pixels), start=1):
        yield PageContent(number, image.width, image.height, 72.0, "none", image=image)


def extract_document(
    path: Path,
    settings: IndexSettings,
    media_type: str | None = None,
    sha256: str | None = None,
    on_page: Callable[[int], None] | None = None,
) -> ExtractedDocument:
    """Read every page of `path`; pages without a usable text layer are OCRed in parallel."""
    media_type = media_type or sniff_media_type(path)
    document = ExtractedDocument(path, sha256 or file_sha256(path), media_type, path.stat().st_size)
    pages = list(_raw_pages(path, media_type, settings))
    if not pages:
        raise EmptyDocument(path)
    needs_ocr = [page for page in pages if page.text_source == "none" and page.image is not None]
    if needs_ocr:
        workers = max(1, min(settings.ocr_workers, len(needs_ocr)))
        with ThreadPoolExecutor(workers) as pool:
            # tesseract runs as a subprocess, so threads give real parallelism here.
            list(pool.map(lambda page: ocr_page(page, page.image, settings), needs_ocr))
    section = ""
    for page in pages:
        passages, section = build_passages(page, section)
        plan = plan_slices(page.width, page.height, settings.tile_size, settings.max_tiles)
        document.pages.append(ExtractedPage(page, passages, plan.tiles))
        if on_page is not None:
            on_page(page.number)
    if not any(page.passages for page in document.pages):
        log.warning("%s: no text found on any page (it stays findable by the visual channel only)", path.name)
    return document
