"""Scanned pages (askew, upside down, on their side, grey and noisy) read and boxed on the page as seen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from indexer import scans
from indexer.ocr import OcrResult, OcrSettings, recognize
from indexer.pipeline import extract_document
from indexer.settings import IndexSettings
from tests.indexer.scan_pages import ENGLISH, RUSSIAN, Scan, iou, scanned, text_page

if TYPE_CHECKING:
    from conftest import Maker

PAGE = OcrSettings(straighten=True)
AS_IS = OcrSettings()


def _bare(text: str) -> str:
    return text.strip(".,;:")


def found_share(scan: Scan, result: OcrResult) -> float:
    """The share of the drawn words that OCR read (punctuation at a word's edge aside)."""
    read = {_bare(w.text) for line in result.lines for w in line.words}
    return sum(_bare(text) in read for text, _ in scan.words) / len(scan.words)


def box_read(result: OcrResult, word: str) -> tuple[float, float, float, float]:
    return next(w.bbox for line in result.lines for w in line.words if _bare(w.text) == word)


@pytest.mark.parametrize(
    ("lines", "angle", "word"),
    [(ENGLISH, 2.0, "vinegar"), (ENGLISH, -0.8, "Descaling"), (RUSSIAN, -1.5, "кофемашине")],
)
def test_a_scan_a_little_askew_is_read_and_its_words_boxed_on_the_page_as_seen(
    lines: list[str], angle: float, word: str
) -> None:
    scan = scanned(lines, angle=angle, seed=3)
    result = recognize(scan.image, PAGE)
    assert found_share(scan, result) >= 0.9
    # The box is where the word is on the scan the user looks at, not on the straightened copy.
    assert iou(box_read(result, word), scan.box_of(word)) >= 0.8


def test_reading_a_skewed_scan_as_it_is_loses_most_words() -> None:
    """What the straightening is for: the same scan read as it stands misses words."""
    scan = scanned(ENGLISH, angle=2.0, seed=3)
    assert found_share(scan, recognize(scan.image, AS_IS)) < 0.6


@pytest.mark.parametrize(("lines", "quarter", "word"), [(ENGLISH, 180, "vinegar"), (RUSSIAN, 90, "уксус")])
def test_a_page_scanned_upside_down_or_on_its_side_is_read_upright(
    lines: list[str], quarter: int, word: str
) -> None:
    scan = scanned(lines, angle=0.7, quarter=quarter, seed=5)
    assert found_share(scan, recognize(scan.image, AS_IS)) < 0.2
    result = recognize(scan.image, PAGE)
    assert found_share(scan, result) >= 0.9
    assert iou(box_read(result, word), scan.box_of(word)) >= 0.8


def test_skew_is_measured_both_ways_and_a_level_page_is_left_level() -> None:
    for angle in (-3.0, -0.6, 1.2, 2.5):
        gray = np.asarray(scanned(ENGLISH, angle=angle, seed=1).image.convert("L"))
        # The turn that levels the page undoes the scanner's.
        assert scans.estimate_skew(gray) == pytest.approx(-angle, abs=0.15)
    level = np.asarray(scanned(ENGLISH, angle=0.0, seed=1).image.convert("L"))
    assert scans.estimate_skew(level) == 0.0


def test_boxes_turned_back_land_where_they_started() -> None:
    page = Image.new("RGB", (900, 600), "white")
    for angle in (2.5, -1.0, 90, 180, 270, 92.0):
        turned, turn = scans.turned(page, angle)
        back = scans.Straightening(-angle, turned.size, page.size)
        box = (100.0, 200.0, 300.0, 240.0)
        there = back.to_original(box)
        # A box turned there and back again only grows by its own turned corners.
        returned = turn.to_original(there)
        assert returned[0] <= box[0] + 1 and returned[1] <= box[1] + 1
        assert returned[2] >= box[2] - 1 and returned[3] >= box[3] - 1
        assert iou(returned, box) >= (0.99 if angle % 90 == 0 else 0.5)


def test_screenshots_read_exactly_as_before(make: Maker) -> None:
    """Crisp, level UI text is neither flattened nor turned: the same words in the same boxes."""
    shot = make.screenshot("prefs.png", ["Suction power: High", "Auto shut-off after 30 minutes"])
    with Image.open(shot.path) as image:
        rgb = image.convert("RGB")
    assert not scans.looks_scanned(np.asarray(rgb.convert("L")))
    straightened, as_is = recognize(rgb, PAGE), recognize(rgb, AS_IS)
    assert [(w.text, w.bbox) for line in straightened.lines for w in line.words] == [
        (w.text, w.bbox) for line in as_is.lines for w in line.words
    ]


def test_grey_unevenly_lit_paper_is_flattened_to_white_with_the_ink_kept() -> None:
    gray = np.asarray(scanned(ENGLISH, angle=0.0, seed=2).image.convert("L")).astype(np.float32)
    assert scans.looks_scanned(gray)
    flat = scans.flattened(gray)
    width = gray.shape[1]
    left, right = flat[:, : width // 10], flat[:, -width // 10 :]
    # The dark side of the sheet and the lit one both come out as paper...
    assert np.percentile(left, 50) >= 235 and np.percentile(right, 50) >= 235
    assert np.percentile(gray[:, : width // 10], 50) < 180
    # ...and the letters stay dark.
    assert np.percentile(flat, 1) < 90


def test_a_phone_photo_of_a_page_is_searchable_and_cited_where_the_word_is(tmp_path: Path) -> None:
    scan = scanned(ENGLISH, angle=-2.2, seed=7)
    path = tmp_path / "photo.jpg"
    scan.image.save(path, quality=80)
    document = extract_document(path, IndexSettings())
    (page,) = document.pages
    passage = next(p for p in page.passages if "vinegar" in p.text)
    text = " ".join(p.text for p in page.passages)
    # Whole lines in reading order: the layout saw them level, although the photo is askew.
    assert "Fill the water tank with fresh water and add" in text and "descaling powder" in text
    x0, y0, x1, y1 = scan.box_of("vinegar:")
    px0, py0, px1, py1 = passage.bbox
    assert px0 <= x0 + 3 and py0 <= y0 + 3 and px1 >= x1 - 3 and py1 >= y1 - 3
    assert (px1 - px0) * (py1 - py0) <= 0.6 * page.content.width * page.content.height


def test_an_image_only_pdf_of_an_upside_down_russian_scan_is_searchable(tmp_path: Path) -> None:
    scan = scanned(RUSSIAN, angle=1.0, quarter=180, seed=9)
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(scan.image, x=0, y=0, w=210)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    document = extract_document(path, IndexSettings())
    text = " ".join(p.text for page in document.pages for p in page.passages)
    assert document.pages[0].content.text_source == "ocr"
    assert "средства от накипи" in text and "кофемашине" in text


def test_pages_with_too_little_to_judge_are_read_as_they_stand() -> None:
    """A blank sheet, a sliver, a page of one word: no skew, no turn, no failure."""
    blank = Image.new("RGB", (800, 1000), (200, 200, 200))
    assert scans.estimate_skew(np.asarray(blank.convert("L"))) == 0.0
    assert scans.detect_orientation(blank, "tesseract", 30.0) == 0
    assert recognize(blank, PAGE).lines == []
    sliver = Image.new("RGB", (3, 2), "white")
    assert scans.flattened(np.asarray(sliver.convert("L"))).shape == (2, 3)
    assert recognize(sliver, PAGE).lines == []


def test_a_clean_black_and_white_scan_is_deskewed_without_being_taken_for_grey_paper() -> None:
    page, _ = text_page(ENGLISH)
    tilted = page.rotate(-1.8, resample=Image.Resampling.NEAREST, expand=True, fillcolor=255)
    bilevel = np.asarray(tilted.point(lambda v: 255 if v > 128 else 0))
    assert not scans.looks_scanned(bilevel)
    assert scans.estimate_skew(bilevel) == pytest.approx(1.8, abs=0.15)


def test_a_page_photographed_on_its_side_reads_in_order_and_cites_lines_on_the_photo(tmp_path: Path) -> None:
    scan = scanned(RUSSIAN, angle=1.2, quarter=270, seed=4)
    path = tmp_path / "sideways.png"
    scan.image.save(path)
    (page,) = extract_document(path, IndexSettings()).pages
    text = " ".join(p.text for p in page.passages)
    assert "Наполните резервуар свежей водой и добавьте" in text
    passage = next(p for p in page.passages if "уксус" in p.text)
    # The line's span is boxed on the photo as stored (standing on its side): tall, not wide.
    span = next(s for s in passage.spans if "уксус" in passage.text[s.start : s.end])
    word = scan.box_of("уксус.")
    x0, y0, x1, y1 = span.bbox
    assert x0 <= word[0] + 3 and y0 <= word[1] + 3 and x1 >= word[2] - 3 and y1 >= word[3] - 3
    assert y1 - y0 > 3 * (x1 - x0)
