"""Figures on text pages: labels that are pixels or outlines become figure passages with boxes and captions.

The manual generated here has a real text layer on every page and three kinds of pictures: a raster
control panel with English and Russian labels, a vector drawing whose labels are glyph outlines (no
text layer), and a pasted screenshot. Where each label was drawn is known, so the boxes can be checked.
"""

from __future__ import annotations

import logging
import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.drawing import DeviceGray, PaintedPath
from fpdf.enums import PathPaintRule
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from indexer import figures
from indexer.figures import (
    DENSE_GLYPHS,
    QUARTER_TURNS,
    FigureLimits,
    Lettering,
    PlacedImage,
    Region,
    caption_of,
    clear_strokes,
    drawing_clusters,
    figure_languages,
    figure_regions,
    is_screenshot,
    joined_readings,
    label_words,
    merge_boxes,
    named_controls,
    read_figure_controls,
    render_dpi,
    turned_back,
)
from indexer.layout import figure_labels
from indexer.layout import figure_passages as figure_passages_of
from indexer.ocr import recognize
from indexer.pdf import read_pdf, render_pdf_page
from indexer.pipeline import ExtractedPage, extract_pages
from indexer.records import (
    BBox,
    Control,
    Figure,
    PassageDraft,
    PassageRecord,
    TextLine,
    Word,
    bbox_intersection,
)
from indexer.settings import IndexSettings
from tests.conftest import FONT, SETTINGS_EN, draw_screenshot, font
from tests.indexer.hostile_files import HELVETICA, page_pdf, stream, text_content

if TYPE_CHECKING:
    from conftest import Maker

    from assistant import Assistant

DPI = 150.0
MM = DPI / 25.4
"""Page pixels per millimetre at the DPI pages are indexed at."""

KNOBS = ["POWER", "SUCTION", "TIMER"]
SOCKETS = ["ЗАРЯДКА 12 В", "ШЛАНГ"]
PANEL_CAPTION = "Figure 1. Top panel of the vacuum cleaner"
PARTS = ["1 Пылесборник", "2 Фильтр HEPA", "3 Двигатель"]
PARTS_CAPTION = "Рис. 2. Составные части пылесоса"
SCREEN_CAPTION = "Figure 3. Preferences window of the app"


@dataclass
class FigureManual:
    """The generated manual and where (page pixels at 150 DPI) each label of its figures was drawn."""

    path: Path
    labels: dict[str, tuple[int, BBox]]
    """label -> (page number, box)."""
    overlay: str
    """A text-layer word printed over the panel picture."""


# -- drawing the manual ------------------------------------------------------------------------


def panel_image() -> tuple[Image.Image, dict[str, BBox]]:
    """A light control panel: three knobs with English names, two sockets with Russian ones."""
    image = Image.new("RGB", (1400, 520), (226, 226, 222))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 1392, 512), radius=30, outline=(90, 90, 90), width=6)
    boxes: dict[str, BBox] = {}
    label_font = font(34)
    for index, name in enumerate(KNOBS):
        cx = 170 + index * 260
        draw.ellipse((cx - 70, 90, cx + 70, 230), fill=(60, 60, 60))
        draw.line((cx, 100, cx, 150), fill=(240, 240, 240), width=8)
        left, top, right, bottom = draw.textbbox((cx, 290), name, font=label_font, anchor="mt")
        draw.text((cx, 290), name, font=label_font, fill=(15, 15, 15), anchor="mt")
        boxes[name] = (left, top, right, bottom)
    for index, name in enumerate(SOCKETS):
        cx = 960 + index * 270
        draw.rounded_rectangle((cx - 60, 110, cx + 60, 210), radius=14, fill=(30, 30, 30))
        draw.ellipse((cx - 22, 138, cx + 22, 182), fill=(200, 170, 40))
        left, top, right, bottom = draw.textbbox((cx, 290), name, font=label_font, anchor="mt")
        draw.text((cx, 290), name, font=label_font, fill=(15, 15, 15), anchor="mt")
        boxes[name] = (left, top, right, bottom)
    return image, boxes


class OutlinePen(BasePen):  # type: ignore[misc]
    """Draws a glyph's outline into an fpdf2 path: text as curves, with no text layer (as CAD exports do)."""

    def __init__(self, glyphs: object, path: PaintedPath, x: float, y: float, scale: float) -> None:
        super().__init__(glyphs)
        self.path, self.x, self.y, self.scale = path, x, y, scale

    def at(self, point: tuple[float, float]) -> tuple[float, float]:
        return self.x + point[0] * self.scale, self.y - point[1] * self.scale

    def _moveTo(self, point: tuple[float, float]) -> None:  # noqa: N802 (fontTools' pen API)
        self.path.move_to(*self.at(point))

    def _lineTo(self, point: tuple[float, float]) -> None:  # noqa: N802 (fontTools' pen API)
        self.path.line_to(*self.at(point))

    def _curveToOne(self, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> None:  # noqa: N802 (fontTools' pen API)
        self.path.curve_to(*self.at(a), *self.at(b), *self.at(c))

    def _qCurveToOne(self, a: tuple[float, float], b: tuple[float, float]) -> None:  # noqa: N802 (fontTools' pen API)
        self.path.quadratic_curve_to(*self.at(a), *self.at(b))

    def _closePath(self) -> None:  # noqa: N802 (fontTools' pen API)
        self.path.close()


def outlined_text(pdf: FPDF, text: str, x: float, baseline: float, size: float) -> BBox:
    """`text` as filled glyph outlines, a path per glyph, at `x`, `baseline` (mm); its box in page pixels."""
    outlines = TTFont(str(FONT))
    glyphs, cmap = outlines.getGlyphSet(), outlines.getBestCmap()
    scale = size / outlines["head"].unitsPerEm
    start = x
    for char in text:
        glyph = glyphs[cmap[ord(char)]]
        if not char.isspace():
            with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
                path.style.fill_color = DeviceGray(0.05)
                path.style.stroke_color = None
                glyph.draw(OutlinePen(glyphs, path, x, baseline, scale))
        x += glyph.width * scale
    return (start * MM, (baseline - 0.75 * size) * MM, x * MM, (baseline + 0.22 * size) * MM)


def placed(box: BBox, left: float, top: float, mm_per_pixel: float) -> BBox:
    """A box in a picture's pixels as page pixels, the picture placed at (`left`, `top`) mm."""
    factor = mm_per_pixel * MM
    return (
        left * MM + box[0] * factor,
        top * MM + box[1] * factor,
        left * MM + box[2] * factor,
        top * MM + box[3] * factor,
    )


def write_figure_manual(path: Path) -> FigureManual:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    labels: dict[str, tuple[int, BBox]] = {}

    # Page 1: a bilingual page with a raster picture of the control panel.
    pdf.add_page()
    pdf.set_font("DejaVu", size=20)
    pdf.cell(0, 12, "Control panel / Панель управления", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(
        0,
        6,
        "The top panel carries three knobs and two sockets, shown in figure 1.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0,
        6,
        "На верхней панели три ручки и два гнезда, они показаны на рисунке 1.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    image, boxes = panel_image()
    left, top, width = 15.0, 60.0, 180.0
    pdf.image(image, x=left, y=top, w=width)
    for name, box in boxes.items():
        labels[name] = (1, placed(box, left, top, width / image.width))
    overlay = "Topview"
    pdf.set_xy(left + 4, top + 3)
    pdf.set_font("DejaVu", size=9)
    pdf.cell(30, 5, overlay)
    pdf.set_xy(left, top + image.height * width / image.width + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, PANEL_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(
        0,
        6,
        "Turn the knobs clockwise to raise the setting. Plug the charger into its socket.",
        new_x="LMARGIN",
        new_y="NEXT",
    )

    # Page 2: a Russian page with a vector drawing whose labels are outlines, not text.
    pdf.add_page()
    pdf.set_font("DejaVu", size=20)
    pdf.cell(0, 12, "Разборка пылесоса", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(
        0,
        6,
        "Пылесос разбирается на три части, они показаны на рисунке 2 с номерами.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_line_width(0.6)
    for index, name in enumerate(PARTS):
        y = 60 + index * 38
        pdf.rect(20, y, 50, 26)
        pdf.ellipse(36, y + 4, 18, 18)
        pdf.line(70, y + 13, 100, y + 13)
        pdf.line(100, y + 13, 108, y + 9)
        labels[name] = (2, outlined_text(pdf, name, 110, y + 12, 6.0))
    pdf.set_xy(20, 180)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, PARTS_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "Фильтр промывают раз в месяц и сушат сутки.", new_x="LMARGIN", new_y="NEXT")

    # Page 3: an English page with a screenshot of the app pasted in.
    pdf.add_page()
    pdf.set_font("DejaVu", size=20)
    pdf.cell(0, 12, "App settings", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(
        0,
        6,
        "The app shows the settings of the cleaner in its Preferences window.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    screen, screen_boxes, _ = draw_screenshot(SETTINGS_EN)
    left, top, width = 20.0, 50.0, 150.0
    pdf.image(screen, x=left, y=top, w=width)
    for name, box in screen_boxes.items():
        labels[name] = (3, placed(box, left, top, width / screen.width))
    pdf.set_xy(left, top + screen.height * width / screen.width + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, SCREEN_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return FigureManual(path, labels, overlay)


def write_text_manual_with_icons(path: Path) -> Path:
    """Text pages whose only pictures are small icons next to notes (nothing there for OCR)."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    icon = Image.new("RGB", (48, 48), "white")
    ImageDraw.Draw(icon).ellipse((4, 4, 44, 44), fill=(220, 160, 0))
    ImageDraw.Draw(icon).text((18, 8), "!", font=font(28), fill="black")
    for page in range(3):
        pdf.add_page()
        pdf.set_font("DejaVu", size=11)
        for note in range(6):
            y = 30 + note * 20
            pdf.image(icon, x=15, y=y, w=8)
            pdf.set_xy(26, y)
            pdf.multi_cell(
                0,
                6,
                f"Note {page}.{note}: empty the dust container after every use.",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    pdf.output(str(path))
    return path


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> FigureManual:
    return write_figure_manual(tmp_path_factory.mktemp("figures") / "vacuum-figures.pdf")


@pytest.fixture(scope="module")
def pages(manual: FigureManual) -> list[ExtractedPage]:
    return list(extract_pages(manual.path, IndexSettings(), "application/pdf"))


def figure_passages(page: ExtractedPage) -> list[PassageDraft]:
    return [p for p in page.passages if p.kind == "figure"]


def label_span(passages: Sequence[PassageDraft | PassageRecord], label: str) -> BBox:
    """Box of the passage line that holds `label` (the line may hold a little more, e.g. a number)."""
    for passage in passages:
        for span in passage.spans:
            if label.lower() in passage.text[span.start : span.end].lower():
                return span.bbox
    lines = [p.text for p in passages]
    raise AssertionError(f"{label!r} is in no figure passage line: {lines}")


def overlaps(a: BBox, b: BBox, share: float = 0.5) -> bool:
    """True when at least `share` of the smaller box lies in the other."""
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return bbox_intersection(a, b) >= share * smaller


# -- the three kinds of figures ----------------------------------------------------------------


def test_labels_of_a_raster_figure_become_figure_passages_where_they_stand(
    manual: FigureManual, pages: list[ExtractedPage]
) -> None:
    passages = figure_passages(pages[0])
    assert passages, "the control panel picture gave no figure passages"
    for name in KNOBS + SOCKETS:
        number, box = manual.labels[name]
        assert number == 1
        found = label_span(passages, name)
        assert overlaps(found, box), f"{name!r} is at {box}, its passage line at {found}"
    assert {p.section for p in passages} == {PANEL_CAPTION}
    # Each knob's name is a label of its own, not one line "POWER SUCTION TIMER".
    lines = [p.text[s.start : s.end] for p in passages for s in p.spans]
    assert "SUCTION" in lines
    assert all(p.lang in ("en", "ru", "und") for p in passages)


def test_words_of_the_text_layer_are_not_read_again_from_the_picture(
    manual: FigureManual, pages: list[ExtractedPage]
) -> None:
    figure_text = " ".join(p.text for p in figure_passages(pages[0]))
    text = " ".join(p.text for p in pages[0].passages if p.kind != "figure")
    assert manual.overlay in text
    assert manual.overlay.lower() not in figure_text.lower()
    # The caption is the figure's section, not one of its labels.
    assert PANEL_CAPTION not in figure_text


def test_labels_drawn_as_outlines_are_read_from_the_page_raster(
    manual: FigureManual, pages: list[ExtractedPage]
) -> None:
    page = pages[1]
    assert not any(name.split(maxsplit=1)[1] in line for name in PARTS for line in _text_layer(page)), (
        "the outlined labels must not be in the text layer"
    )
    passages = figure_passages(page)
    assert {p.section for p in passages} == {PARTS_CAPTION}
    for name in PARTS:
        number, box = manual.labels[name]
        found = label_span(passages, name.split(maxsplit=1)[1])
        assert number == 2 and overlaps(found, box), f"{name!r} is at {box}, its passage line at {found}"
    assert any(p.lang == "ru" for p in passages)


def test_a_pasted_screenshot_is_read_line_by_line(manual: FigureManual, pages: list[ExtractedPage]) -> None:
    passages = figure_passages(pages[2])
    assert {p.section for p in passages} == {SCREEN_CAPTION}
    for name in SETTINGS_EN:
        number, box = manual.labels[name]
        found = label_span(passages, name)
        assert number == 3 and overlaps(found, box), f"{name!r} is at {box}, its passage line at {found}"


def test_figure_passages_stand_where_the_figure_is_in_reading_order(pages: list[ExtractedPage]) -> None:
    kinds = [(p.kind, p.text.split("\n")[0]) for p in pages[0].passages]
    first_figure = next(i for i, (kind, _) in enumerate(kinds) if kind == "figure")
    after = [text for kind, text in kinds[first_figure:] if kind != "figure"]
    before = [text for kind, text in kinds[:first_figure]]
    assert any("three knobs" in text for text in before)
    assert any(text.startswith(PANEL_CAPTION) for text in after)


def _text_layer(page: ExtractedPage) -> list[str]:
    return [p.text for p in page.passages if p.kind != "figure"]


# -- what stays as it was ----------------------------------------------------------------------


@pytest.fixture
def tesseract_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `tesseract` first on PATH that logs each call and runs the real one: counts OCR runs."""
    real = os.popen("command -v tesseract").read().strip()
    assert real, "tesseract is needed for these tests"
    folder = tmp_path / "bin"
    folder.mkdir()
    log_file = tmp_path / "tesseract-calls.log"
    probe = folder / "tesseract"
    probe.write_text(f'#!/bin/sh\necho "$@" >> "{log_file}"\nexec "{real}" "$@"\n')
    probe.chmod(probe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    log_file.touch()
    return log_file


def test_a_text_pdf_without_figures_gains_no_figure_passages_and_runs_no_ocr(
    make: Maker, tmp_path: Path, tesseract_calls: Path
) -> None:
    for path in (make.manual("vacuum.pdf"), write_text_manual_with_icons(tmp_path / "notes.pdf")):
        extracted = list(extract_pages(path, IndexSettings(), "application/pdf"))
        assert extracted and all(page.content.text_source == "pdf" for page in extracted)
        assert not [p for page in extracted for p in page.passages if p.kind == "figure"]
    assert tesseract_calls.read_text() == ""
    # The probe does see OCR when there is a figure to read.
    one = tmp_path / "one-figure.pdf"
    _single_figure_pdf(one)
    extracted = list(extract_pages(one, IndexSettings(), "application/pdf"))
    assert tesseract_calls.read_text().count("\n") == 1
    assert [p for page in extracted for p in page.passages if p.kind == "figure"]


def _single_figure_pdf(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "The dock has one switch, shown below.", new_x="LMARGIN", new_y="NEXT")
    image = Image.new("RGB", (900, 300), "white")
    ImageDraw.Draw(image).text((60, 120), "ECO MODE", font=font(48), fill="black")
    pdf.image(image, x=20, y=40, w=120)
    pdf.output(str(path))


def test_figure_ocr_can_be_turned_off(manual: FigureManual, tesseract_calls: Path) -> None:
    settings = IndexSettings(figure_ocr=False)
    extracted = list(extract_pages(manual.path, settings, "application/pdf"))
    assert not [p for page in extracted for p in page.passages if p.kind == "figure"]
    assert tesseract_calls.read_text() == ""
    assert any("three knobs" in p.text for p in extracted[0].passages)


def test_without_tesseract_the_text_layer_is_still_indexed(
    manual: FigureManual, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract anywhere
    with caplog.at_level(logging.WARNING):
        extracted = list(extract_pages(manual.path, IndexSettings(), "application/pdf"))
    assert [page.content.number for page in extracted] == [1, 2, 3]
    assert not [p for page in extracted for p in page.passages if p.kind == "figure"]
    assert any("three knobs" in p.text for p in extracted[0].passages)
    assert "figure was left unread" in caplog.text and "tesseract" in caplog.text


def test_a_defect_in_reading_one_figure_costs_that_figure_not_the_manual(
    manual: FigureManual, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error inside a figure's reading (a bug: it once left a whole 17-page guide out of
    the index) is logged with its traceback and leaves that figure without words; the pages are indexed."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("min() arg is an empty sequence")

    monkeypatch.setattr(figures, "read_diagram", broken)
    with caplog.at_level(logging.WARNING):
        extracted = list(extract_pages(manual.path, IndexSettings(), "application/pdf"))
    assert [page.content.number for page in extracted] == [1, 2, 3]
    assert any("three knobs" in p.text for p in extracted[0].passages)
    assert "left unread by an unexpected error" in caplog.text and "ValueError" in caplog.text


def test_a_rotated_page_keeps_each_label_box_on_its_label(manual: FigureManual, tmp_path: Path) -> None:
    reader = PdfReader(manual.path)
    writer = PdfWriter()
    writer.add_page(reader.pages[0])
    writer.pages[0].rotate(90)
    rotated = tmp_path / "rotated.pdf"
    with rotated.open("wb") as handle:
        writer.write(handle)
    [page] = list(extract_pages(rotated, IndexSettings(), "application/pdf"))
    assert page.content.width > page.content.height
    box = label_span(figure_passages(page), "SUCTION")
    image = render_pdf_page(rotated, 1, page.content.dpi)
    pad = 6
    crop = image.crop((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad))
    # Turned back upright, the cut-out reads as the label it claims to be.
    assert "SUCTION" in " ".join(line.text for line in recognize(crop.rotate(90, expand=True)).lines)


def test_a_picture_inside_a_form_xobject_is_placed_by_the_forms_matrix(tmp_path: Path) -> None:
    """Producers wrap drawings in form XObjects; the picture's box must account for their matrix."""
    image = Image.new("L", (800, 400), 255)
    ImageDraw.Draw(image).text((80, 160), "MAX FILL", font=font(60), fill=0)
    pixels = zlib.compress(image.tobytes())
    image_dict = b"/Type /XObject /Subtype /Image /Width 800 /Height 400 /ColorSpace /DeviceGray "
    image_dict += b"/BitsPerComponent 8 /Filter /FlateDecode"
    form_dict = (
        b"/Type /XObject /Subtype /Form /BBox [0 0 800 400] /Resources << /XObject << /Im1 5 0 R >> >>"
    )
    text = text_content("Fill the tank up to the mark shown in the picture below.", 40, 780, 11)
    content = text + b" q 0.5 0 0 0.5 100 300 cm /Fm1 Do Q"
    resources = HELVETICA[:-2] + b" /XObject << /Fm1 6 0 R >> >>"
    form_content = b"q 800 0 0 400 0 0 cm /Im1 Do Q"
    path = tmp_path / "form.pdf"
    path.write_bytes(
        page_pdf(
            content, resources=resources, extra=[stream(pixels, image_dict), stream(form_content, form_dict)]
        )
    )
    [page] = list(read_pdf(path, DPI, figures=FigureLimits()))
    [figure] = page.figures
    # The form draws the 800 x 400 image at half size from (100, 300) pt: 400 x 200 pt.
    expected = (100 * DPI / 72, (842 - 500) * DPI / 72, 500 * DPI / 72, (842 - 300) * DPI / 72)
    assert figure.box == pytest.approx(expected, abs=2)
    assert figure.image is not None and figure.image.width >= 400 * DPI / 72 - 2


# -- answering from a figure -------------------------------------------------------------------


@pytest.fixture(scope="module")
def figure_library(manual: FigureManual, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    from assistant import Assistant
    from tests.conftest import COFFEE_EN, VACUUM_EN, VACUUM_RU, write_manual

    root = tmp_path_factory.mktemp("figure-library")
    others = [
        write_manual(root / "vacuum_en.pdf", VACUUM_EN),
        write_manual(root / "vacuum_ru.pdf", VACUUM_RU),
        write_manual(root / "coffee_en.pdf", COFFEE_EN),
    ]
    assistant = Assistant(root / "ws", background_enrichment=False)
    assistant.add([manual.path, *others])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Which knob on the top panel sets the suction power?", "SUCTION"),
        ("Какое напряжение у гнезда зарядки на верхней панели?", "ЗАРЯДКА 12 В"),
        ("Какой фильтр стоит в пылесосе, судя по рисунку 2?", "2 Фильтр HEPA"),
        ("What suction power is set in the Preferences window of the app?", "Suction power: High"),
        ("Which knob of the top panel sits between POWER and TIMER?", "SUCTION"),
        ("Что за гнездо на верхней панели между ручкой TIMER и гнездом ШЛАНГ?", "ЗАРЯДКА 12 В"),
    ],
)
def test_a_question_about_a_label_is_answered_with_the_labels_box(
    figure_library: Assistant, manual: FigureManual, question: str, label: str
) -> None:
    number, box = manual.labels[label]
    hits = figure_library.search(question, k=3)
    assert (hits[0].document.filename, hits[0].page) == (manual.path.name, number)
    answer = figure_library.ask(question)
    assert answer.found, question
    citation = answer.citations[0]
    assert (citation.document.filename, citation.page) == (manual.path.name, number)
    # A numbered part is named by its name, a setting ("Suction power: High") by its value.
    key = label.split()[-1] if label[0].isdigit() else label.split(":")[-1].strip()
    assert key.lower() in answer.text.lower()
    assert overlaps(citation.bbox, box), f"{label!r} is at {box}, the answer cites {citation.bbox}"


def test_a_question_about_the_text_beside_a_figure_is_answered_from_the_text(
    figure_library: Assistant, manual: FigureManual
) -> None:
    answer = figure_library.ask("How are the knobs of the top panel turned to raise the setting?")
    assert answer.found
    assert "clockwise" in answer.text
    assert answer.citations[0].page == 1


def test_stored_figure_passages_keep_their_kind_caption_and_boxes(
    figure_library: Assistant, manual: FigureManual
) -> None:
    workspace = figure_library.workspace
    document = next(d for d in figure_library.documents() if d.filename == manual.path.name)
    stored = [p for p in workspace.page_passages(document.id, 1) if p.kind == "figure"]
    assert stored and {p.section for p in stored} == {PANEL_CAPTION}
    assert overlaps(label_span(stored, "SUCTION"), manual.labels["SUCTION"][1])


# -- geometry: pure functions ------------------------------------------------------------------


boxes = st.tuples(st.floats(0, 900), st.floats(0, 900), st.floats(1, 300), st.floats(1, 300)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)


@given(st.lists(boxes, max_size=25), st.floats(0, 20))
def test_merged_boxes_cover_every_box_and_stay_apart(given_boxes: list[BBox], gap: float) -> None:
    merged = merge_boxes(given_boxes, gap)
    for box in given_boxes:
        assert any(m[0] <= box[0] and m[1] <= box[1] and m[2] >= box[2] and m[3] >= box[3] for m in merged)
    for i, a in enumerate(merged):
        for b in merged[i + 1 :]:
            apart = a[0] - gap > b[2] or b[0] - gap > a[2] or a[1] - gap > b[3] or b[1] - gap > a[3]
            assert apart, (a, b)


def test_property_tests_measure_no_time() -> None:
    # Under load the default 200 ms per example failed the property above on a correct run.
    assert settings().deadline is None


def test_rectangles_around_text_are_not_a_drawing_but_shapes_are() -> None:
    width, height, cell = 1240.0, 1754.0, 15.0
    code_box = [((100.0, 200.0 + i * 40, 1100.0, 230.0 + i * 40), False) for i in range(10)]
    assert drawing_clusters(code_box, width, height, cell, 6) == []
    arrows = [((200.0 + i * 30, 900.0, 230.0 + i * 30, 960.0), True) for i in range(8)]
    [cluster] = drawing_clusters(code_box + arrows, width, height, cell, 6)
    assert cluster[0] <= 200 and cluster[2] >= 440 and cluster[1] <= 900 and cluster[3] >= 960
    page_frame = [((10.0, 10.0, 1230.0, 1740.0), True)]
    assert drawing_clusters(page_frame * 8, width, height, cell, 6) == []


def test_icons_text_boxes_and_the_page_limit_decide_which_pictures_are_read() -> None:
    size = (1240, 1754)
    limits = FigureLimits(max_per_page=2)
    icon = PlacedImage((100, 100, 140, 140), (48, 48))
    photos = [PlacedImage((100, 200 + i * 400, 1100, 500 + i * 400), (1600, 480)) for i in range(3)]
    small = PlacedImage((100, 1500, 200, 1560), (2000, 1200))
    regions = figure_regions([icon, small, *photos], [], [], size, DPI, limits)
    assert [r.box for r in regions] == [photos[0].box, photos[1].box]
    assert all(r.kind == "image" and DPI <= r.dpi <= limits.max_dpi for r in regions)
    # A scanned page with its OCR layer: the picture is covered by text-layer words.
    scan = PlacedImage((0, 0, 1240, 1754), (2480, 3508))
    words = [
        (50.0 + x * 100, 50.0 + y * 30, 140.0 + x * 100, 75.0 + y * 30) for x in range(11) for y in range(55)
    ]
    assert figure_regions([scan], [], words, size, DPI, limits) == []


def test_render_resolution_is_lowered_to_the_pixel_limit() -> None:
    region = Region("image", (0, 0, 1500, 1500), 300.0)
    assert render_dpi(region, DPI, 100_000_000) == 300.0
    lowered = render_dpi(region, DPI, 4_000_000)
    assert (1500 / DPI * lowered) ** 2 == pytest.approx(4_000_000, rel=0.01)


def line_at(text: str, x: float, y: float, size: float = 20.0) -> TextLine:
    words, cursor = [], x
    for token in text.split():
        words.append(Word(token, (cursor, y, cursor + 10 * len(token), y + size), 95.0, size))
        cursor += 10 * len(token) + 8
    return TextLine(words)


def test_captions_are_found_under_or_over_the_figure() -> None:
    figure = (100.0, 200.0, 900.0, 700.0)
    lines = [
        line_at("Some text above the picture that runs on and on", 100, 150),
        line_at("Рис. 4. Схема подключения", 100, 720),
        line_at("continued caption", 100, 742),
        line_at("Body text far below", 100, 900),
    ]
    assert caption_of(figure, lines) == "Рис. 4. Схема подключения continued caption"
    above = [line_at("Table 2: Error codes", 100, 170), line_at("Body text below", 100, 760)]
    assert caption_of(figure, above) == "Table 2: Error codes"
    plain = [line_at("Front view", 120, 708), line_at("Body text far below it", 100, 900)]
    assert caption_of(figure, plain) == "Front view"
    beside = [line_at("Figure 9. Elsewhere", 1000, 400)]
    assert caption_of(figure, beside) == ""
    assert caption_of(figure, [line_at("Body text far below", 100, 900)]) == ""


def test_labels_split_at_wide_gaps_and_stacked_callouts_join() -> None:
    row = TextLine(
        [
            Word("POWER", (100, 300, 200, 320), 95, 20),
            Word("SUCTION", (400, 300, 540, 320), 95, 20),
            Word("Brush", (800, 300, 880, 320), 95, 20),
            Word("speed", (890, 300, 970, 320), 95, 20),
        ]
    )
    callout = [line_at("SSH", 500, 600), line_at("connection", 470, 626)]
    labels = [line.text for line in figure_labels([row, *callout])]
    assert labels == ["POWER", "SUCTION", "Brush speed", "SSH connection"]
    # An evenly spaced list stays a list of labels.
    items = [line_at(name, 100, 100 + i * 26) for i, name in enumerate(["Open", "Save", "Print", "Close"])]
    assert [line.text for line in figure_labels(items)] == ["Open", "Save", "Print", "Close"]


def test_a_figure_of_numbers_alone_gives_no_passage_but_numbered_parts_do() -> None:
    ticks = [line_at("0 20 40 60", 100, 700), line_at("100", 60, 300)]
    assert figure_passages_of(Figure("drawing", (50, 250, 900, 740), lines=ticks)) == []
    parts = [line_at("1", 100, 300), line_at("2 Filter", 100, 400)]
    (passage,) = figure_passages_of(Figure("drawing", (50, 250, 900, 740), "Fig. 2 Parts", lines=parts))
    assert passage.kind == "figure" and passage.section == "Fig. 2 Parts" and "2 Filter" in passage.text
    # Callouts whose legend is in the text are kept, to be pointed at; a scale's ticks are not.
    callouts = [line_at(str(n), 700, 200 + 120 * n) for n in (1, 2, 4)]
    (passage,) = figure_passages_of(Figure("drawing", (50, 250, 900, 740), "Fig. 3", lines=callouts))
    assert passage.text.split() == ["1", "2", "4"]
    scale = [line_at(str(n), 60, 700 - 6 * n) for n in (0, 20, 40, 60)]
    assert figure_passages_of(Figure("drawing", (50, 250, 900, 740), lines=scale)) == []
    assert figure_passages_of(Figure("drawing", (50, 250, 900, 740), lines=callouts[:1] * 2)) == []


def test_ocr_noise_is_dropped_but_words_and_callout_numbers_stay() -> None:
    def word(text: str, confidence: float) -> Word:
        return Word(text, (0, 0, 10, 10), confidence, 10)

    line = TextLine(
        [word("3", 91), word("|", 90), word("Filter", 93), word("Ш", 40), word("a", 90), word("bag", 88)]
    )
    assert [w.text for w in label_words(line)] == ["3", "Filter", "a", "bag"]
    assert label_words(TextLine([word("7", 55), word("~=", 90), word("ill", 45)])) == []


def test_figures_are_read_in_the_pages_script() -> None:
    english = [line_at("Plug the charger into the socket", 0, 0)]
    russian = [line_at("Подключите зарядное устройство", 0, 0)]
    assert figure_languages("eng+rus", english) == "eng"
    assert figure_languages("eng+rus", russian) == "eng+rus"
    assert figure_languages("rus", english) == "rus"
    assert figure_languages("eng", russian) == "eng"


# -- hostile pages: neither time nor memory may grow with what a page piles up ------------------


def test_thousands_of_tiny_images_and_a_wall_of_pictures_cost_a_bounded_number_of_ocr_runs(
    tmp_path: Path, tesseract_calls: Path
) -> None:
    path = tmp_path / "hostile-images.pdf"
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    # Page 1: 3000 placements of a 16 px icon (one image object each, as a PDF of bullets has).
    pdf.add_page()
    pdf.multi_cell(0, 6, "Bullets everywhere: the page is text with icons.", new_x="LMARGIN", new_y="NEXT")
    icon = Image.new("L", (16, 16), 255)
    ImageDraw.Draw(icon).ellipse((2, 2, 14, 14), fill=0)
    for index in range(3000):
        pdf.image(icon, x=10 + (index % 60) * 3.2, y=30 + (index // 60) * 4.5, w=2.5)
    # Page 2: 72 pictures large enough to hold labels, tiled over each other.
    pdf.add_page()
    pdf.multi_cell(0, 6, "A wall of photos: each could hold a label.", new_x="LMARGIN", new_y="NEXT")
    tile = Image.new("L", (300, 150), 255)
    ImageDraw.Draw(tile).text((20, 50), "TILE", font=font(40), fill=0)
    for index in range(72):
        pdf.image(tile, x=10 + (index % 6) * 25, y=30 + (index // 6) * 20, w=60)
    pdf.output(str(path))

    settings = IndexSettings()
    extracted = list(extract_pages(path, settings, "application/pdf"))
    assert [page.content.text_source for page in extracted] == ["pdf", "pdf"]
    assert not [p for p in extracted[0].passages if p.kind == "figure"]
    assert any("Bullets everywhere" in p.text for p in extracted[0].passages)
    # Overlapping pictures are one figure; however many there are, a page gets its few OCR runs.
    calls = tesseract_calls.read_text().count("\n")
    assert 1 <= calls <= settings.max_figures_per_page
    assert any("TILE" in p.text for p in extracted[1].passages if p.kind == "figure")


def test_a_huge_image_is_rendered_for_ocr_within_the_pixel_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge-image.pdf"
    picture = Image.new("L", (6000, 4000), 255)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((200, 200, 5800, 3800), outline=0, width=40)
    draw.text((1200, 1800), "FILTER LOCK", font=font(160), fill=0)
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The lock of the filter, drawn large.", new_x="LMARGIN", new_y="NEXT")
    pdf.image(picture, x=10, y=30, w=190)
    pdf.output(str(path))

    limits = FigureLimits(max_pixels=1_500_000)
    (page,) = list(read_pdf(path, DPI, figures=limits))
    (figure,) = page.figures
    assert figure.image is not None
    assert figure.image.width * figure.image.height <= limits.max_pixels
    # The picture's own 6000 px are not needed to read a label this size.
    extracted = list(extract_pages(path, IndexSettings(), "application/pdf"))
    figure_text = " ".join(p.text for p in extracted[0].passages if p.kind == "figure")
    assert "FILTER LOCK" in figure_text


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_a_box_read_on_the_upright_picture_is_turned_back_onto_the_page(turns: int) -> None:
    picture = Image.new("L", (100, 50), 255)
    picture.paste(0, (10, 5, 30, 15))
    upright = picture.transpose(QUARTER_TURNS[turns]) if turns else picture
    ys, xs = np.nonzero(np.array(upright) == 0)
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    assert turned_back(box, turns, picture.size) == (10, 5, 30, 15)


# -- a pasted screenshot's controls ------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[1] / "data"


def write_screenshot_manual(path: Path, shot: Path, heading: str, caption: str) -> BBox:
    """A manual page with a real dialog screenshot pasted 150 mm wide under its heading and over its
    caption; returns where the screenshot stands on the page (pixels at `DPI`)."""
    with Image.open(shot) as image:
        screen = image.convert("RGB")
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, heading)
    left, top, width = 20.0, 40.0, 150.0
    pdf.image(screen, x=left, y=top, w=width)
    pdf.set_xy(10, top + width * screen.height / screen.width + 6)
    pdf.cell(0, 6, caption)
    pdf.output(str(path))
    return placed((0, 0, screen.width, screen.height), left, top, width / screen.width)


@pytest.mark.parametrize(
    ("shot", "heading", "caption", "settings"),
    [
        (
            "tk_en_scanner_settings.png",
            "3. Scanning. Open the settings window before the first scan.",
            "Figure 3.1. The scanner settings window",
            {"Colour mode": "Grayscale", "Paper source": "Flatbed"},
        ),
        (
            "tk_ru_scanner_settings.png",
            "3. Сканирование. Перед первым сканированием откройте окно параметров.",
            "Рисунок 3.1. Окно параметров сканера",
            {"Цветовой режим": "Оттенки серого", "Источник бумаги": "Планшет"},
        ),
    ],
)
def test_a_pasted_dialog_screenshot_gives_its_settings_as_controls_boxed_on_the_page(
    tmp_path: Path, shot: str, heading: str, caption: str, settings: dict[str, str]
) -> None:
    # A real Tk dialog (tests/data/tk_scanner_settings.py, shot under Xvfb) pasted into a text page:
    # its drop-downs' values are read as a screenshot file's would be, each boxed where it stands.
    path = tmp_path / "scanner.pdf"
    where = write_screenshot_manual(path, DATA / shot, heading, caption)
    [page] = extract_pages(path, IndexSettings(), "application/pdf")
    controls = {p.text: p for p in page.passages if p.kind == "control"}
    with Image.open(DATA / shot) as image:
        screen = image.convert("RGB")
    # Where each value's first word stands in the screenshot itself, carried onto the page.
    drawn = {word.text: word.bbox for line in recognize(screen).lines for word in line.words}
    scale = (where[2] - where[0]) / screen.width
    for label, value in settings.items():
        passage = controls.get(f"{label}: {value}")
        assert passage is not None, f"{label}: {value} not among {sorted(controls)}"
        label_box, value_box = (span.bbox for span in passage.spans)
        assert overlaps(value_box, where, share=0.99) and overlaps(label_box, where, share=0.99)
        x0, y0, x1, y1 = next(box for text, box in drawn.items() if value.split()[0] in text)
        first = (where[0] + x0 * scale, where[1] + y0 * scale, where[0] + x1 * scale, where[1] + y1 * scale)
        assert overlaps(value_box, first), f"{value!r} is at {first}, its control says {value_box}"
        assert label_box[2] <= value_box[0] and abs(label_box[1] - value_box[1]) < 0.5 * (
            value_box[3] - value_box[1]
        )
    # The screenshot's words still make its figure passage, under its caption.
    [figure] = [p for p in page.passages if p.kind == "figure"]
    assert figure.section.startswith(caption.split(".")[0])
    assert all(value.split()[0] in figure.text for value in settings.values())


def test_a_line_drawing_and_a_photo_are_not_read_as_screens() -> None:
    drawing = np.full((400, 600), 255, dtype=np.uint8)
    photo = np.random.default_rng(3).integers(0, 255, (400, 600), dtype=np.uint8)
    dialog = np.full((400, 600), 236, dtype=np.uint8)
    image = Figure("image", (0, 0, 600, 400))
    lettered = Lettering(180, 9.0)
    assert not is_screenshot(image, drawing, lettered)  # labels on paper white: a drawing's
    assert not is_screenshot(image, photo, lettered)
    assert is_screenshot(image, dialog, lettered)  # a window's grey around its words
    assert not is_screenshot(image, dialog, Lettering(12, 9.0))  # a blank panel, a logo
    assert not is_screenshot(Figure("drawing", (0, 0, 600, 400)), dialog, lettered)
    assert is_screenshot(image, drawing, Lettering(DENSE_GLYPHS, 9.0))  # a page of screen text


def test_a_one_digit_amount_with_its_unit_is_a_value_not_a_stroke() -> None:
    line = TextLine(
        [
            Word("Reserved", (0, 0, 80, 14), 95.0),
            Word("blocks:", (86, 0, 150, 14), 94.0),
            Word("5%", (200, 0, 222, 14), 88.0),
            Word("7", (260, 0, 268, 14), 70.0),  # a stroke read as a digit, not surely
        ]
    )
    assert [word.text for word in label_words(line)] == ["Reserved", "blocks:", "5%"]


def test_a_device_panel_on_a_grey_face_gives_its_labels_and_no_controls() -> None:
    # A synthesizer-like panel: many knobs ringed by outlines, each named under it, on a window grey.
    names = ["CUTOFF", "RESON", "DRIVE", "ATTACK", "DECAY", "SUSTAIN", "RELEASE", "DAMPING", "WIDTH", "MIX"]
    names += ["TREMOLO", "PORTAMENTO", "DETUNE", "FEEDBACK", "OVERDRIVE"]
    image = Image.new("RGB", (1500, 610), (214, 214, 214))
    draw = ImageDraw.Draw(image)
    for index, name in enumerate(names):
        cx, cy = 80 + (index % 5) * 300, 90 + (index // 5) * 190
        draw.ellipse((cx - 45, cy - 45, cx + 45, cy + 45), outline=(40, 40, 40), width=3)
        draw.line((cx, cy, cx + 30, cy - 30), fill=(40, 40, 40), width=4)
        draw.text((cx, cy + 60), name, font=font(26), fill=(20, 20, 20), anchor="mt")
    figure = Figure("image", (0, 0, 1500, 610), image=image.convert("L"))
    gray = np.array(figure.image)
    assert is_screenshot(figure, gray, clear_strokes(gray.copy()))  # lettered, on a window's grey
    reading = read_figure_controls(figure, "eng", FigureLimits().max_pixels)
    assert reading.controls == []
    read = {word.text for line in reading.lines for word in line.words}
    assert len(read & set(names)) >= 12, read


def test_a_panels_junk_controls_do_not_make_it_a_dialog() -> None:
    # What a synthesizer panel on a window grey gave the control reader (heldout's amsynth page lost
    # its knob names RESON and DAMPING to the screen reading): a sample rate taken for a label of the
    # next label, and a knob's ring taken for a list's selected row that nothing names.
    box = (0.0, 0.0, 10.0, 10.0)
    junk = [
        Control("field", "44100", box, "MIDI:", box),
        Control("list", "", None, "FUT", box, on=True),
    ]
    assert named_controls(junk) == 0
    dialog = [
        Control("dropdown", "Ink Set:", box, "Photo Black", box),
        Control("field", "Разрешение:", box, "300 dpi", box),
        Control("list", "", None, "Photo R2400", box, on=True),
    ]
    assert named_controls(dialog) == 2


# -- product drawings: bold lettering, lone labels, key combinations ---------------------------------

BOLD_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def wiring_drawing() -> Image.Image:
    """A serial adapter's wiring drawn as a low-resolution picture: heavy bold lettering (titles, a
    note under the drawing) over coloured lines between two connectors' pins."""
    image = Image.new("RGB", (1000, 420), "white")
    draw = ImageDraw.Draw(image)
    heavy = ImageFont.truetype(str(BOLD_FONT), 38)
    draw.text((40, 10), "PLC SIDE", font=heavy, fill="black")
    draw.text((600, 10), "MODEM DB 25", font=heavy, fill="black")
    for index, (left, signal, right, colour) in enumerate(
        [("2", "TX", "3", (200, 0, 0)), ("3", "RX", "2", (0, 150, 0)), ("7", "GND", "7", (0, 0, 200))]
    ):
        y = 110 + index * 70
        draw.text((40, y - 10), left, font=font(18), fill="black")
        draw.line((70, y, 900, y), fill=colour, width=3)
        draw.text((420, y - 28), signal, font=font(18), fill=colour)
        draw.text((920, y - 10), right, font=font(18), fill="black")
    draw.text((40, 340), "Bridge pins 4 and 5 on the modem end", font=heavy, fill="black")
    # Drawn small and enlarged, as old web pictures were: heavy strokes, letters nearly touching.
    return image.resize((500, 210), Image.Resampling.BILINEAR).resize((1000, 420), Image.Resampling.BILINEAR)


def test_heavy_bold_lettering_of_a_drawing_is_read(tmp_path: Path) -> None:
    # Bold letters close together look like a dark field to the light-on-dark detection; turned
    # over as one, the note under the drawing was lost.
    path = tmp_path / "plc-cable.pdf"
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "Wire the programming cable as drawn below.", new_x="LMARGIN", new_y="NEXT")
    pdf.image(wiring_drawing(), x=20, y=40, w=150)
    pdf.output(str(path))
    [page] = list(extract_pages(path, IndexSettings(), "application/pdf"))
    text = " ".join(passage.text for passage in figure_passages(page))
    assert "Bridge pins 4 and 5" in text, text
    assert "MODEM" in text


def test_two_readings_of_a_drawing_are_joined_line_by_line() -> None:
    def line(text: str, box: BBox, confidence: float) -> TextLine:
        return TextLine([Word(text, box, confidence)])

    first = [line("U2", (10, 10, 40, 30), 95), line("ss1", (10, 40, 60, 60), 62)]
    second = [
        line("LM7805", (100, 10, 180, 30), 90),
        line("SS14", (10, 40, 62, 60), 88),
        line("U2", (11, 10, 40, 30), 90),
    ]
    joined = [item.text for item in joined_readings(first, second)]
    # A label only the second reading found is added, a surer reading of the same label replaces it,
    # and a label both read is kept once.
    assert joined == ["U2", "SS14", "LM7805"]


@pytest.mark.parametrize(
    ("text", "confidence", "kept"),
    [("Ctrl+Q", 59.0, True), ("Ctrl+Shift+M", 45.0, True), ("Ctrl+Q", 30.0, False), ("Cr+Q", 59.0, False)],
)
def test_a_menus_key_combination_is_kept_though_tesseract_doubts_its_plus(
    text: str, confidence: float, kept: bool
) -> None:
    words = label_words(TextLine([Word(text, (0, 0, 60, 12), confidence)]))
    assert bool(words) is kept
