"""Screenshots pasted into a manual at reduced scale: read as screenshot files are, boxed on the page.

The screens are real: galculator's preferences (GTK 3, a program no evaluation set shoots), English
"Numbers" page and Russian «Общие» page, shot under Xvfb (tests/data/PROVENANCE.md). A manual pastes
them 160 mm wide: about 90 screen pixels to the inch, so the page's 150 DPI rendering is a blurred
enlargement of the screen, and its notebook page is white, not a window's grey.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from indexer.figures import (
    FigureLimits,
    FigureReading,
    PlacedImage,
    figure_regions,
    joined_screen_readings,
    named_controls,
    screen_file_scale,
)
from indexer.pipeline import extract_pages
from indexer.records import BBox, Control, Figure, TextLine, Word, bbox_intersection
from indexer.settings import IndexSettings
from tests.conftest import FONT

DATA = Path(__file__).resolve().parent.parent / "data"
MM = 150.0 / 25.4
"""Page pixels per millimetre at the indexer's 150 DPI."""
LEFT, WIDTH = 25.0, 160.0


def write_pasted_manual(path: Path, shot: str, heading: str, before: str, caption: str) -> BBox:
    """A manual page: heading, a paragraph, the screenshot pasted `WIDTH` mm wide, its caption; returns
    where the screenshot stands (page pixels)."""
    with Image.open(DATA / shot) as image:
        screen = image.convert("RGB")
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, before, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 4
    height = WIDTH * screen.height / screen.width
    pdf.image(screen, x=LEFT, y=top, w=WIDTH)
    pdf.set_xy(10, top + height + 4)
    pdf.multi_cell(0, 6, caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return (LEFT * MM, top * MM, (LEFT + WIDTH) * MM, (top + height) * MM)


def inside(box: BBox | None, where: BBox) -> bool:
    return box is not None and bbox_intersection(box, where) >= 0.95 * (box[2] - box[0]) * (box[3] - box[1])


@pytest.mark.parametrize(
    ("shot", "heading", "before", "caption", "expected"),
    [
        (
            "galculator_en_numbers.png",
            "4.2 Number bases",
            "Open Edit > Preferences and choose the Numbers page to change the base the display uses.",
            "Figure 4.2: The Numbers page of the preferences",
            {"Configure number base: Decimal", "Decimal Settings › Separator block length: 3"},
        ),
        (
            "galculator_ru_general.png",
            "4.3 Общие настройки",
            "На странице «Общие» окна настроек задаются режим стека RPN и видимость строки меню.",
            "Рисунок 4.3: Страница «Общие» окна настроек",
            {
                "RPN › ограниченный размер стека (выбрано)",
                "RPN › неограниченный размер стека (не выбрано)",
                "Внешний вид › Показывать строку меню (отмечено, включено)",
            },
        ),
    ],
)
def test_a_screenshot_pasted_at_reduced_scale_gives_its_controls_boxed_where_it_stands(
    tmp_path: Path, shot: str, heading: str, before: str, caption: str, expected: set[str]
) -> None:
    # A dialog page on white, pasted at ~90 screen pixels to the inch: before, it was read as a
    # drawing (no controls at all); now its fields' values and its options' states are the page's.
    path = tmp_path / "manual.pdf"
    where = write_pasted_manual(path, shot, heading, before, caption)
    [page] = extract_pages(path, IndexSettings(), "application/pdf")
    controls = {p.text: p for p in page.passages if p.kind == "control"}
    assert expected <= set(controls), sorted(controls)
    for text in expected:
        assert all(inside(span.bbox, where) for span in controls[text].spans)
    # The page's own text is still its text, and the screen's words its figure passage.
    texts = " ".join(p.text for p in page.passages if p.kind != "control")
    assert before.split()[0] in texts and heading.split()[-1] in texts
    [figure] = [p for p in page.passages if p.kind == "figure"]
    assert figure.section.startswith(caption.split(":")[0])


def test_a_pasted_screen_is_read_at_its_own_pixels_enlarged_only_by_ocr() -> None:
    # Rendered at 150 DPI, an image of 90 pixels to the inch is read at 0.6 of the rendering: its own
    # pixels; an image finer than the rendering is not enlarged; the pixel limit caps both.
    figure = Figure("image", (0, 0, 1000, 800), scale=1.0, native_scale=0.6)
    assert screen_file_scale(figure, (1000, 800), 6_000_000) == pytest.approx(0.6)
    fine = Figure("image", (0, 0, 1000, 800), scale=1.0, native_scale=1.8)
    assert screen_file_scale(fine, (1000, 800), 6_000_000) == 1.0
    assert screen_file_scale(Figure("image", (0, 0, 1000, 800)), (1000, 800), 6_000_000) == 1.0
    capped = screen_file_scale(fine, (1000, 800), 1_000_000)
    assert (1000 * capped * 2) * (800 * capped * 2) <= 1_000_000 * 1.01


def test_a_regions_native_resolution_is_the_pasted_images_own() -> None:
    # 635 pixels drawn 7.08 inches wide on a page rendered at 150 DPI: 90 pixels to the inch.
    image = PlacedImage((85.0, 670.0, 85.0 + 7.08 * 150, 670.0 + 5.6 * 150), (635, 501))
    [region] = figure_regions([image], [], [], (1240, 1754), 150.0, FigureLimits())
    assert region.native_dpi == pytest.approx(89.7, abs=0.5)
    assert region.dpi == 150.0


def field(label: str, value: str, box: BBox) -> Control:
    return Control("field", label, (box[0] - 200, box[1], box[0] - 10, box[3]), value, box)


def test_two_readings_of_a_screen_join_without_doubling_a_control() -> None:
    own = FigureReading([], [field("Motor steps", "200", (300, 100, 400, 120))])
    sparse = FigureReading(
        [],
        [
            field("Motor steps", "5 Test", (300, 100, 500, 120)),  # the same control, misread
            field("Pitch", "20", (300, 150, 400, 170)),  # one the first reading lost
            field("Pltch", "2O", (302, 151, 398, 169)),  # ...and where it stands, named otherwise
        ],
    )
    joined = joined_screen_readings(own, sparse)
    assert [(c.label, c.value) for c in joined.controls] == [("Motor steps", "200"), ("Pitch", "20")]


def test_where_two_readings_disagree_on_a_value_the_surer_one_stays() -> None:
    # "vim" read surely in sparse mode, "мт" unsurely at the screen's own pixels (eng+rus).
    box = (300.0, 100.0, 360.0, 120.0)
    unsure = FigureReading([TextLine([Word("мт", box, 41.0)])], [field("Text editor", "мт", box)])
    sure = FigureReading([TextLine([Word("vim", box, 93.0)])], [field("Text editor", "vim", box)])
    assert [c.value for c in joined_screen_readings(unsure, sure).controls] == ["vim"]
    assert [c.value for c in joined_screen_readings(sure, unsure).controls] == ["vim"]


def test_a_value_only_one_reading_paired_is_read_as_the_surer_reading_read_it() -> None:
    # The screen's own pixels paired "Reserved blocks" with a misread "Yo"; the sparse reading found no
    # control there but read "5%" surely where the value stands.
    box = (300.0, 100.0, 340.0, 120.0)
    own = FigureReading([TextLine([Word("Yo", box, 52.0)])], [field("Reserved blocks", "Yo", box)])
    sparse = FigureReading([TextLine([Word("5%", box, 91.0)])], [])
    assert [c.value for c in joined_screen_readings(own, sparse).controls] == ["5%"]
    assert [c.value for c in joined_screen_readings(sparse, own).controls] == ["5%"]


def test_a_forms_options_count_as_named_controls_a_lamps_legend_does_not() -> None:
    options = [
        Control("radio", "", None, "Use AXIS Screen", (0, 0, 10, 10), on=True),
        Control("checkbox", "", None, "Запустить со значениями по умолчанию", (0, 20, 10, 30), on=False),
    ]
    legends = [
        Control("checkbox", "", None, "POWER", (0, 0, 10, 10), on=True),
        Control("radio", "", None, "LINK", (0, 20, 10, 30), on=False),
        Control("field", "44100", None, "MIDI:", (0, 40, 10, 50)),
    ]
    assert named_controls(options) == 2
    assert named_controls(legends) == 0


def test_a_photo_pasted_into_a_page_gives_no_controls(tmp_path: Path) -> None:
    # Noise with no lettering is no screen: tried neither as a screen nor as a drawing.
    photo = np.random.default_rng(5).integers(0, 255, (420, 560, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    path = tmp_path / "photo.pdf"
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The front of the device.", new_x="LMARGIN", new_y="NEXT")
    pdf.image(str(tmp_path / "photo.png"), x=LEFT, y=40, w=WIDTH)
    pdf.output(str(path))
    [page] = extract_pages(path, IndexSettings(), "application/pdf")
    assert not [p for p in page.passages if p.kind == "control"]
