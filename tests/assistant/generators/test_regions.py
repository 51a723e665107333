"""Set-of-mark evidence: numbered regions, crops that cover them, labels drawn where they are, the budget."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from assistant.generators.regions import MARK_COLOR, EvidenceImage, Region, evidence_images, select_regions
from assistant.retrieval import Evidence, PageHit
from indexer.records import DocumentRecord, LineSpan, PassageRecord

if TYPE_CHECKING:
    from conftest import Library

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGE = (1240, 1754)  # A4 at 150 DPI
DOCUMENT = DocumentRecord(1, "manual.pdf", "0" * 64, "application/pdf", 3, 1000, "en", "2026-01-01")
LINES = {
    "top": ((100, 120, 900, 160), "Press the Wi-Fi key for five seconds to reset the network."),
    "middle": ((100, 820, 1000, 860), "The paper tray holds up to 250 sheets of A4 paper."),
    "bottom": ((140, 1600, 1100, 1640), "The warranty covers manufacturing defects for two years."),
}


def page_with_lines() -> Image.Image:
    image = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 28)
    for box, text in LINES.values():
        draw.text((box[0], box[1]), text, fill="black", font=font)
    return image


def passage(number: int, key: str, page: int = 1) -> PassageRecord:
    box, text = LINES[key]
    return PassageRecord(
        number, DOCUMENT, page, *PAGE, "text", "en", "", text, box, [LineSpan(0, len(text), box)]
    )


def hits(*keys: str) -> list[PageHit]:
    evidence = [Evidence(passage(i, key), 1.0 / i) for i, key in enumerate(keys, start=1)]
    return [PageHit(DOCUMENT, 1, 1.0, evidence)]


def inside(inner: tuple[float, ...], outer: tuple[float, ...], slack: float = 0.5) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def mark_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    pixels = np.asarray(image.crop(box).convert("RGB")).reshape(-1, 3).astype(int)
    return float((np.abs(pixels - np.array(MARK_COLOR)).sum(axis=1) < 30).mean())


def read_label(image: EvidenceImage, number: int) -> str:
    """What tesseract reads in the magenta tag just above the region's outline."""
    x0, y0, _, _ = image.labels[number]
    above = np.asarray(
        image.image.crop((max(0, x0 - 4), max(0, y0 - 60), x0 + 80, y0)).convert("RGB")
    ).astype(int)
    magenta = np.abs(above - np.array(MARK_COLOR)).sum(axis=2) < 60
    ys, xs = np.nonzero(magenta)
    assert len(ys), f"no tag drawn above region {number}"
    tag = above[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    # White digits on the magenta tag -> black on white, with a margin, as tesseract likes them.
    digits = np.where(tag.min(axis=2) > 180, 0, 255).astype("uint8")
    digits = np.pad(digits, 20, constant_values=255)
    picture = Image.fromarray(digits).resize((digits.shape[1] * 3, digits.shape[0] * 3))
    done = subprocess.run(
        ["tesseract", "-", "-", "--psm", "7", "-c", "tessedit_char_whitelist=0123456789"],
        input=_png(picture),
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def _png(image: Image.Image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_regions_are_numbered_in_page_rank_order_without_repeats() -> None:
    page_one = hits("top", "middle")[0]
    repeated = PageHit(
        DOCUMENT,
        2,
        0.5,
        [Evidence(passage(9, "top", page=2), 0.2), Evidence(passage(10, "bottom", page=2), 0.1)],
    )
    regions = select_regions([page_one, repeated], limit=8)
    assert [(r.number, r.page, r.passage.id) for r in regions] == [(1, 1, 1), (2, 1, 2), (3, 2, 10)]
    assert select_regions([page_one, repeated], limit=1)[0].number == 1
    assert regions[0].label().startswith("[1] (manual.pdf, page 1) Press the Wi-Fi key")


def test_crops_cover_the_regions_and_outline_them_where_they_are() -> None:
    regions = select_regions(hits("top", "middle", "bottom"))
    images = evidence_images(regions, lambda d, p: page_with_lines(), max_images=3, max_pixels=3 * 400_000)
    covered = {n for image in images for n in image.labels}
    assert covered == {1, 2, 3}
    for image in images:
        for number, outline in image.labels.items():
            region = regions[number - 1]
            assert inside(region.bbox, image.box)  # the crop holds the whole passage
            # The outline, mapped back to the page, surrounds the passage's box (a few pixels of margin).
            x0, y0 = image.to_page(outline[:2])
            x1, y1 = image.to_page(outline[2:])
            assert inside(region.bbox, (x0, y0, x1, y1), slack=1)
            assert (x1 - x0) < (region.bbox[2] - region.bbox[0]) + 40
            # Magenta is drawn on the outline's edge, and the text inside stays readable (not painted over).
            edge = (outline[0], outline[1], outline[2], outline[1] + 2)
            assert mark_share(image.image, edge) > 0.8
            interior = (outline[0] + 6, outline[1] + 6, outline[2] - 6, outline[3] - 6)
            assert mark_share(image.image, interior) < 0.05


def test_the_drawn_numbers_read_as_the_region_numbers() -> None:
    regions = select_regions(hits("top", "middle", "bottom"))
    images = evidence_images(regions, lambda d, p: page_with_lines(), max_images=3, max_pixels=3 * 600_000)
    read = {number: read_label(image, number) for image in images for number in image.labels}
    assert read == {1: "1", 2: "2", 3: "3"}


@pytest.mark.parametrize(
    ("max_images", "max_pixels"), [(1, 200_000), (2, 300_000), (3, 1_000_000), (1, 5_000_000)]
)
def test_the_image_budget_holds(max_images: int, max_pixels: int) -> None:
    regions = select_regions(hits("top", "middle", "bottom"))
    images = evidence_images(regions, lambda d, p: page_with_lines(), max_images, max_pixels)
    assert 1 <= len(images) <= max_images
    assert sum(image.pixels for image in images) <= max_pixels
    assert 1 in {n for image in images for n in image.labels}  # the best region is always shown
    for image in images:
        assert image.scale <= 1.0  # never blown up: upscaling adds no detail


def test_far_apart_regions_get_their_own_crops_when_one_would_be_too_small() -> None:
    regions = select_regions(hits("top", "bottom"))
    tight = evidence_images(regions, lambda d, p: page_with_lines(), max_images=2, max_pixels=2 * 150_000)
    assert len(tight) == 2 and [sorted(i.labels) for i in tight] == [[1], [2]]
    roomy = evidence_images(regions, lambda d, p: page_with_lines(), max_images=2, max_pixels=4_000_000)
    assert len(roomy) == 1 and sorted(roomy[0].labels) == [1, 2]


def test_a_missing_page_image_leaves_the_regions_as_text() -> None:
    def missing(document: int, page: int) -> Image.Image:
        raise FileNotFoundError("gone")

    assert evidence_images(select_regions(hits("top")), missing) == []


def test_real_pages_of_the_library(library: Library) -> None:
    question = "How often should I replace the dust bag?"
    regions = select_regions(library.assistant.search(question))
    images = evidence_images(regions, library.assistant.page_image, max_images=2, max_pixels=1_000_000)
    assert images and sum(i.pixels for i in images) <= 1_000_000
    by_number = {r.number: r for r in regions}
    for image in images:
        page_size = Image.open(library.assistant.page_image(image.document.id, image.page)).size
        assert (
            0 <= image.box[0] < image.box[2] <= page_size[0]
            and 0 <= image.box[1] < image.box[3] <= page_size[1]
        )
        for number in image.labels:
            assert by_number[number].page == image.page
    first = next(i for i in images if 1 in i.labels)
    assert inside(by_number[1].bbox, first.box)
    assert isinstance(regions[0], Region)
