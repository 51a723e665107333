"""PDF pages through pypdfium2: sizes at the chosen DPI, text layer words where the ink is, typed errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from pypdf import PdfReader, PdfWriter

from indexer.errors import (
    CorruptFile,
    EmptyDocument,
    EncryptedDocument,
    MissingFile,
    PageTooLarge,
    TooManyPages,
)
from indexer.pdf import open_pdf, read_pdf, render_pdf_page
from indexer.records import BBox, PageContent
from tests.indexer.hostile_files import (
    blank_pages,
    deflate_repeated,
    huge_page,
    page_pdf,
    soft_mask_bomb,
    stream,
    text_content,
)

if TYPE_CHECKING:
    from conftest import Corpus, Maker

A4_POINTS = (595.28, 841.89)


def a4_pixels(dpi: float) -> tuple[float, float]:
    """The A4 sheet in pixels at `dpi`; a renderer may round either way, so compare within a pixel."""
    return (A4_POINTS[0] * dpi / 72, A4_POINTS[1] * dpi / 72)


def page_text(page: PageContent) -> str:
    return "\n".join(line.text for line in page.lines)


def find_word(page: PageContent, text: str) -> BBox:
    for line in page.lines:
        for word in line.words:
            if word.text == text:
                return word.bbox
    raise AssertionError(f"{text!r} not in the text layer of page {page.number}: {page_text(page)!r}")


def ink_share(path: Path, number: int, box: BBox, dpi: float = 150) -> float:
    """Share of dark pixels of the rendered page inside `box`."""
    gray = np.asarray(render_pdf_page(path, number, dpi).convert("L"))
    x0, y0, x1, y1 = (round(v) for v in box)
    crop = gray[max(0, y0) : y1, max(0, x0) : x1]
    return float((crop < 128).mean()) if crop.size else 0.0


def test_text_pages_come_with_their_words_in_reading_order(corpus: Corpus) -> None:
    pages = list(read_pdf(corpus.vacuum_en, dpi=150))
    assert [page.number for page in pages] == [1, 2, 3]
    assert all(page.text_source == "pdf" and page.image is None for page in pages)
    assert all((page.width, page.height) == pytest.approx(a4_pixels(150), abs=1) for page in pages)
    text = page_text(pages[1])
    assert text.startswith("Maintenance\nReplace the dust bag every 4 weeks.")
    assert "Clean the exhaust filter" in text


def test_russian_text_layer_keeps_words_apart(corpus: Corpus) -> None:
    maintenance = list(read_pdf(corpus.vacuum_ru, dpi=150))[1]
    words = [word.text for line in maintenance.lines for word in line.words]
    assert words[:8] == [
        "Обслуживание",
        "Меняйте",
        "мешок",
        "пылесборника",
        "каждые",
        "4",
        "недели.",
        "Переполненный",
    ]


def test_dpi_sets_the_pixel_grid_of_pages_and_boxes(corpus: Corpus) -> None:
    low, high = next(read_pdf(corpus.vacuum_en, dpi=72)), next(read_pdf(corpus.vacuum_en, dpi=144))
    assert (low.width, low.height) == pytest.approx(a4_pixels(72), abs=1)
    assert (high.width, high.height) == pytest.approx(a4_pixels(144), abs=1)
    low_box, high_box = find_word(low, "Children"), find_word(high, "Children")
    assert high_box == pytest.approx(tuple(2 * v for v in low_box), abs=0.5)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_word_boxes_land_on_the_ink_of_rotated_pages(make: Maker, corpus: Corpus, rotation: int) -> None:
    writer = PdfWriter(clone_from=corpus.vacuum_en)
    for page in writer.pages:
        page.rotate(rotation)
    path = make.root / f"rotated_{rotation}.pdf"
    writer.write(path)
    page = list(read_pdf(path, dpi=150))[1]
    expected = a4_pixels(150) if rotation in (0, 180) else a4_pixels(150)[::-1]
    assert (page.width, page.height) == pytest.approx(expected, abs=1)
    for word in ("Maintenance", "Replace", "weeks.", "hours."):
        box = find_word(page, word)
        assert 0 <= box[0] < box[2] <= page.width and 0 <= box[1] < box[3] <= page.height
        assert ink_share(path, 2, box) > 0.08, f"{word} box {box} is on blank paper"


def test_image_only_page_is_left_for_ocr(corpus: Corpus) -> None:
    text_page, scanned = read_pdf(corpus.mixed, dpi=150)
    assert text_page.text_source == "pdf" and "charging station" in page_text(text_page)
    assert scanned.text_source == "none" and scanned.lines == []
    assert scanned.image is not None
    # pdfium rounds the bitmap up where the page size rounds to nearest: at most one pixel apart.
    assert scanned.image.size == pytest.approx((scanned.width, scanned.height), abs=1)


def test_render_page_out_of_range_names_the_range(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match=r"page 4 is out of range 1\.\.3 in vacuum_en\.pdf"):
        render_pdf_page(corpus.vacuum_en, 4, 72)


def test_truncated_pdf_is_corrupt(make: Maker, corpus: Corpus) -> None:
    data = corpus.vacuum_en.read_bytes()
    path = make.raw("cut.pdf", data[: len(data) // 3])
    with pytest.raises(CorruptFile, match=r"'cut\.pdf': is damaged or truncated"):
        open_pdf(path)


def test_garbage_after_pdf_header_is_corrupt(make: Maker) -> None:
    path = make.raw("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(CorruptFile, match=r"'garbage\.pdf'.*re-export or re-download"):
        open_pdf(path)


def test_encrypted_pdf_asks_for_an_unencrypted_copy(make: Maker, corpus: Corpus) -> None:
    path = locked(make, corpus)
    assert PdfReader(path).is_encrypted
    with pytest.raises(
        EncryptedDocument, match=r"'locked\.pdf': is password-protected; save an unencrypted copy"
    ):
        open_pdf(path)


def locked(make: Maker, corpus: Corpus) -> Path:
    writer = PdfWriter(clone_from=corpus.vacuum_en)
    writer.encrypt("secret")
    path = make.root / "locked.pdf"
    writer.write(path)
    return path


def test_zero_page_pdf_says_it_has_no_pages(make: Maker) -> None:
    path = make.root / "blank.pdf"
    PdfWriter().write(path)
    assert len(PdfReader(path).pages) == 0
    with pytest.raises(EmptyDocument, match=r"'blank\.pdf'.*zero pages"):
        open_pdf(path)


def test_an_encrypted_pdf_does_not_make_the_next_empty_one_look_encrypted(
    make: Maker, corpus: Corpus
) -> None:
    # pdfium reports no error of its own for an empty page tree, so its last error is a stale one.
    with pytest.raises(EncryptedDocument):
        open_pdf(locked(make, corpus))
    blank = make.root / "blank.pdf"
    PdfWriter().write(blank)
    with pytest.raises(EmptyDocument, match=r"'blank\.pdf'.*zero pages"):
        open_pdf(blank)


def test_missing_pdf(tmp_path: Path) -> None:
    with pytest.raises(MissingFile, match=r"'nowhere\.pdf': no such file"):
        list(read_pdf(tmp_path / "nowhere.pdf", dpi=150))


# -- characters outside the Basic Multilingual Plane -------------------------------------------

OUTSIDE_BMP = "Press the 😀 button on the 𝔸𝕓𝕔 panel to start."


def outside_bmp_manual(make: Maker) -> Path:
    return make.manual("symbols.pdf", [("Symbols", ["Replace the filter every month.", OUTSIDE_BMP])])


def test_emoji_and_mathematical_letters_come_out_as_whole_characters(make: Maker) -> None:
    [page] = read_pdf(outside_bmp_manual(make), dpi=150)
    words = [word.text for line in page.lines for word in line.words]
    assert "😀" in words and "𝔸𝕓𝕔" in words
    assert OUTSIDE_BMP in page_text(page)
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in page_text(page))
    # One character, one box: the emoji's box sits on its line, between its neighbours.
    press, emoji, button = find_word(page, "Press"), find_word(page, "😀"), find_word(page, "button")
    assert press[2] < emoji[0] < emoji[2] < button[0]
    assert emoji[1] < button[3] and button[1] < emoji[3]


def test_lone_surrogates_in_a_text_layer_are_dropped(make: Maker) -> None:
    # A ToUnicode map that turns "A" and "B" into the two halves of an emoji: alone each is no character.
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CMapName /Halves def /CMapType 2 def\n"
        b"1 begincodespacerange <00> <FF> endcodespacerange\n"
        b"2 beginbfchar <41> <D83D> <42> <DE00> endbfchar\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 5 0 R >> >> >>"
    content = b"BT /F1 20 Tf 72 700 Td (Replace the filter A every month B, AB done) Tj ET"
    path = make.raw("halves.pdf", page_pdf(content, resources=font, extra=[stream(cmap)]))
    [page] = read_pdf(path, dpi=150)
    assert [word.text for line in page.lines for word in line.words] == [
        "Replace",
        "the",
        "filter",
        "every",
        "month",
        ",",
        "😀",
        "done",
    ]


# -- page size, page count and embedded image limits -------------------------------------------


def test_a_page_too_large_for_the_pixel_limit_is_read_at_a_lower_dpi(make: Maker) -> None:
    path = huge_page(make.root / "poster.pdf")
    [page] = read_pdf(path, dpi=150, max_page_pixels=8_000_000, render_all=True)
    assert page.dpi < 150 / 5
    assert page.width * page.height <= 8_000_000
    assert page.image is not None and page.image.size == (page.width, page.height)
    # Text boxes are in the pixels of that smaller page image, on its ink.
    box = find_word(page, "Giant")
    assert 0 <= box[0] < box[2] <= page.width and 0 <= box[1] < box[3] <= page.height
    gray = np.asarray(render_pdf_page(path, 1, page.dpi).convert("L"))
    assert gray.shape == (page.height, page.width)
    x0, y0, x1, y1 = (round(v) for v in box)
    assert (gray[y0:y1, x0:x1] < 128).mean() > 0.08


def test_a_page_kilometres_wide_is_refused_naming_file_and_page(make: Maker) -> None:
    path = make.raw("sheet.pdf", page_pdf(media_box=b"[0 0 4000000 4000000]"))
    with pytest.raises(PageTooLarge, match=r"'sheet\.pdf': page 1 is 1411\.1 x 1411\.1 m .*render bomb"):
        list(read_pdf(path, dpi=150))


def test_the_page_count_is_checked_before_any_page_is_read(make: Maker) -> None:
    path = blank_pages(make.root / "long.pdf", count=60)
    pages = read_pdf(path, dpi=150, max_pages=50)
    with pytest.raises(TooManyPages, match=r"'long\.pdf': has 60 pages or frames, over the limit of 50"):
        next(pages)
    assert len(list(read_pdf(path, dpi=150, max_pages=60))) == 60


def test_a_page_without_any_object_is_not_rendered_for_ocr(make: Maker) -> None:
    [blank] = read_pdf(blank_pages(make.root / "blank.pdf", count=1), dpi=150)
    assert (blank.text_source, blank.image, blank.lines) == ("none", None, [])
    [shown] = read_pdf(make.root / "blank.pdf", dpi=150, render_all=True)
    assert shown.image is not None and shown.image.getextrema() == ((255, 255),) * 3


def test_an_oversized_image_in_a_pdf_is_refused_before_it_is_decoded(make: Maker) -> None:
    path = soft_mask_bomb(make.root / "mask.pdf", side=9000)
    assert path.stat().st_size < 200_000
    with pytest.raises(PageTooLarge, match=r"'mask\.pdf': page 1 holds a 9000x9000 px image \(81 Mpx\)"):
        list(read_pdf(path, dpi=150))
    # Within a raised limit the same page renders (pdfium copes with this size).
    [page] = read_pdf(path, dpi=72, max_image_pixels=100_000_000)
    assert page.image is not None


def test_a_text_page_with_an_oversized_image_is_refused_too(make: Maker) -> None:
    # The page image of a text page is rendered later, for a citation; it must be safe then too.
    image = (
        b"/Type /XObject /Subtype /Image /Width 9000 /Height 9000 /ColorSpace /DeviceGray /BitsPerComponent 8"
    )
    data = deflate_repeated(b"\x80" * (1 << 20), 78)
    content = text_content("Replace the filter every month, then clean the brush.", 72, 700, 14)
    path = make.raw(
        "figure.pdf",
        page_pdf(
            content + b" q 100 0 0 100 72 400 cm /Im1 Do Q",
            resources=b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> "
            b"/XObject << /Im1 5 0 R >> >>",
            extra=[stream(data, image + b" /Filter /FlateDecode")],
        ),
    )
    with pytest.raises(PageTooLarge, match=r"'figure\.pdf': page 1 holds a 9000x9000 px image"):
        list(read_pdf(path, dpi=150))
