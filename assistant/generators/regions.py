"""Set-of-mark evidence: numbered regions of the top pages, and crops of the pages with the numbers drawn.

A model never gives coordinates here. It sees each evidence passage as a numbered region, outlined
and labelled on a crop of its page and listed with the same number as text, and answers with the
numbers it used; citations are then built from our own boxes.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from assistant.retrieval import PageHit
from indexer.records import BBox, DocumentRecord, PassageRecord
from omnifusion.slicing import DEFAULT_TILE_SIZE, plan_slices, tiles_covering

log = logging.getLogger(__name__)

PageImage = Callable[[int, int], "Path | Image.Image"]
"""(document id, page number) -> the page image the passages' boxes are measured on (or its path)."""

MARK_COLOR = (230, 0, 126)
"""Outline and label colour: a magenta that manuals and UI screenshots rarely use."""
LABEL_TEXT_COLOR = (255, 255, 255)
MAX_REGION_CHARS = 600
JPEG_QUALITY = 90
PAGE_CACHE_BYTES = 256 * 1024 * 1024
"""Decoded page images kept in memory (about 40 A4 pages at 150 DPI)."""
MAX_ZOOM_OUT = 2.0
"""Regions of one page share a crop unless that crop would be shrunk more than this to fit the budget."""
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class Region:
    """One numbered piece of evidence: a passage of a retrieved page."""

    number: int
    hit: PageHit
    passage: PassageRecord
    score: float

    @property
    def document(self) -> DocumentRecord:
        return self.passage.document

    @property
    def page(self) -> int:
        return self.passage.page

    @property
    def bbox(self) -> BBox:
        return self.passage.bbox

    def label(self) -> str:
        """The region as the prompt lists it: number, where it is, what it says."""
        text = " ".join(self.passage.text.split())
        if len(text) > MAX_REGION_CHARS:
            text = text[:MAX_REGION_CHARS].rsplit(" ", 1)[0] + " …"
        section = self.passage.section.strip()
        where = f"{self.document.filename}, page {self.page}"
        if section and section not in text:
            where += f", {' '.join(section.split())[:80]}"
        return f"[{self.number}] ({where}) {text}"


def select_regions(
    hits: Sequence[PageHit], limit: int = 8, pages: int = 3, per_page: int = 4
) -> list[Region]:
    """The evidence of the top `pages` pages, best passages first, numbered from 1 in page rank order."""
    regions: list[Region] = []
    seen: set[tuple[int, str]] = set()
    for hit in hits[:pages]:
        taken = 0
        for evidence in hit.passages:
            if len(regions) >= limit or taken >= per_page:
                break
            passage = evidence.passage
            key = (passage.document.id, " ".join(passage.text.split()))
            if not key[1] or key in seen:
                continue
            seen.add(key)
            regions.append(Region(len(regions) + 1, hit, passage, evidence.score))
            taken += 1
    return regions


@dataclass
class EvidenceImage:
    """A crop of one page with its regions outlined and numbered, scaled to fit the image budget.

    `box` is the crop's rectangle in page pixels; `scale` maps page pixels to image pixels;
    `labels` holds, per region number, where its outline was drawn in image pixels.
    """

    image: Image.Image
    document: DocumentRecord
    page: int
    box: Rect
    scale: float
    labels: dict[int, Rect] = field(default_factory=dict)

    @property
    def pixels(self) -> int:
        return self.image.width * self.image.height

    def to_page(self, point: tuple[float, float]) -> tuple[float, float]:
        """An image pixel back in page pixels."""
        return (self.box[0] + point[0] / self.scale, self.box[1] + point[1] / self.scale)

    def jpeg(self) -> bytes:
        """The image as sent: JPEG at high quality without chroma subsampling, so thin magenta
        outlines and small print survive; several times faster to encode than PNG, and smaller."""
        buffer = io.BytesIO()
        self.image.save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
        return buffer.getvalue()

    def data_uri(self) -> str:
        return "data:image/jpeg;base64," + base64.b64encode(self.jpeg()).decode("ascii")


def evidence_images(
    regions: Sequence[Region],
    page_image: PageImage,
    max_images: int = 2,
    max_pixels: int = 1_600_000,
    tile_size: int = DEFAULT_TILE_SIZE,
) -> list[EvidenceImage]:
    """Crops that cover the regions, best regions first, at most `max_images` of them and
    `max_pixels` in all. Crops are cut along the anyres tiles that cover the regions' boxes, so a
    region is shown with the lines around it; regions left out of the budget stay text-only."""
    if not regions:
        return []
    share = max(1, max_pixels // max_images)
    pages: dict[tuple[int, int], list[Region]] = {}
    for region in regions:
        pages.setdefault((region.document.id, region.page), []).append(region)
    crops: list[tuple[int, tuple[int, int], Rect]] = []  # (best region number, page key, rectangle)
    sizes: dict[tuple[int, int], tuple[int, int]] = {}
    images: dict[tuple[int, int], Image.Image] = {}
    for key, members in pages.items():
        try:
            image = _open(page_image(*key))
        except Exception as error:  # a page image that cannot be had leaves its regions text-only
            log.warning("no page image for document %s page %s (%s): its regions go as text", *key, error)
            continue
        images[key] = image
        sizes[key] = image.size
        for rect, numbers in _page_crops(members, image.size, share, tile_size):
            crops.append((min(numbers), key, rect))
    crops.sort(key=lambda crop: crop[0])
    chosen = crops[:max_images]
    share = max(1, max_pixels // max(1, len(chosen)))
    out = []
    for _, key, rect in chosen:
        members = pages[key]
        out.append(_draw(images[key], key, rect, members, share))
    return out


def _open(source: Path | Image.Image) -> Image.Image:
    if isinstance(source, Image.Image):
        return source.convert("RGB")
    return _PAGES.get(Path(source))


class _DecodedPages:
    """Page images decoded once, the most recently used kept up to a byte budget: follow-up and
    neighbouring questions come back to the same pages, and decoding an A4 PNG costs more than all
    the rest of a prompt. Callers only crop what they get."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._pages: OrderedDict[tuple[str, int, int], Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path) -> Image.Image:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)  # a re-rendered file is read again
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        with self._lock:
            self._pages[key] = image
            while (
                len(self._pages) > 1
                and sum(i.width * i.height * 3 for i in self._pages.values()) > self.budget
            ):
                self._pages.popitem(last=False)
        return image


_PAGES = _DecodedPages(PAGE_CACHE_BYTES)


def _covering_rect(box: BBox, size: tuple[int, int], tile_size: int) -> Rect:
    """The union of the anyres tiles (in page pixels) that the box touches."""
    width, height = size
    plan = _plan(width, height, tile_size)
    clipped = (
        min(max(box[0], 0.0), width),
        min(max(box[1], 0.0), height),
        min(max(box[2], 0.0), width),
        min(max(box[3], 0.0), height),
    )
    try:
        tiles = tiles_covering(plan, clipped)
    except ValueError:
        tiles = []
    if not tiles:
        return (0, 0, width, height)
    return (
        min(t.box[0] for t in tiles),
        min(t.box[1] for t in tiles),
        max(t.box[2] for t in tiles),
        max(t.box[3] for t in tiles),
    )


@lru_cache(maxsize=64)
def _plan(width: int, height: int, tile_size: int):  # type: ignore[no-untyped-def]
    return plan_slices(width, height, tile_size)


def _area(rect: Rect) -> int:
    return max(0, rect[2] - rect[0]) * max(0, rect[3] - rect[1])


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _page_crops(
    members: Sequence[Region], size: tuple[int, int], share: int, tile_size: int
) -> list[tuple[Rect, list[int]]]:
    """Rectangles of one page, each the tiles of some of its regions, merged while the merged crop
    need not be shrunk more than MAX_ZOOM_OUT to fit one image's share of the budget."""
    groups = [(_covering_rect(r.bbox, size, tile_size), [r.number]) for r in members]
    limit = share * MAX_ZOOM_OUT**2
    merged = True
    while merged and len(groups) > 1:
        merged = False
        best: tuple[int, int, int] | None = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                area = _area(_union(groups[i][0], groups[j][0]))
                if area <= limit and (best is None or area < best[0]):
                    best = (area, i, j)
        if best is not None:
            _, i, j = best
            groups[i] = (_union(groups[i][0], groups[j][0]), sorted(groups[i][1] + groups[j][1]))
            del groups[j]
            merged = True
    return groups


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if _FONT.is_file():
        return ImageFont.truetype(str(_FONT), size)
    return ImageFont.load_default(size)


def _draw(
    page: Image.Image, key: tuple[int, int], rect: Rect, members: Sequence[Region], share: int
) -> EvidenceImage:
    crop = page.crop(rect)
    scale = min(1.0, math.sqrt(share / max(1, _area(rect))))
    if scale < 1.0:
        target = (max(1, math.floor(crop.width * scale)), max(1, math.floor(crop.height * scale)))
        while target[0] * target[1] > share:  # floor rounding can still leave a pixel row too many
            target = (max(1, target[0] - 1), max(1, target[1] - 1))
        # Box-reduce most of the way, then a bilinear step: close to Lanczos for text, far cheaper.
        crop = crop.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    # The true factor per axis after rounding, so outlines land on the lines they mean.
    sx, sy = crop.width / max(1, rect[2] - rect[0]), crop.height / max(1, rect[3] - rect[1])
    draw = ImageDraw.Draw(crop)
    font_size = max(12, min(28, round(min(crop.size) / 22)))
    font = _font(font_size)
    line = max(2, font_size // 8)
    labels: dict[int, Rect] = {}
    document = members[0].document
    for region in members:
        x0, y0, x1, y1 = region.bbox
        if x1 <= rect[0] or y1 <= rect[1] or x0 >= rect[2] or y0 >= rect[3]:
            continue
        outline = (
            max(0, round((x0 - rect[0]) * sx) - line),
            max(0, round((y0 - rect[1]) * sy) - line),
            min(crop.width - 1, round((x1 - rect[0]) * sx) + line),
            min(crop.height - 1, round((y1 - rect[1]) * sy) + line),
        )
        draw.rectangle(outline, outline=MARK_COLOR, width=line)
        text = str(region.number)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tag_w, tag_h = right - left + 2 * line + 2, bottom - top + 2 * line + 2
        # The tag sits just above the outline's top-left corner, or inside it at the crop's edge.
        tag_x = min(outline[0], crop.width - tag_w)
        tag_y = outline[1] - tag_h if outline[1] - tag_h >= 0 else outline[1]
        draw.rectangle((tag_x, tag_y, tag_x + tag_w, tag_y + tag_h), fill=MARK_COLOR)
        draw.text((tag_x + line + 1 - left, tag_y + line + 1 - top), text, fill=LABEL_TEXT_COLOR, font=font)
        labels[region.number] = outline
    return EvidenceImage(crop, document, key[1], rect, (sx + sy) / 2, labels)
