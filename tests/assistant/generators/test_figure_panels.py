"""Product-manual figures: a control panel whose labels the text explains, and an exploded view whose
legend is a list in the text under it, in English and Russian.

The panels and parts are drawn (PIL, a real font) and pasted into a text PDF, indexed for real (pdfium,
tesseract) and asked through the assistant: the answer is the control's label, cited where the label
stands on the figure, or the part the legend names for a callout number.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.base import Answer
from assistant.generators.figures import legend_line_entries
from tests.conftest import FONT, font

PAGE_MM = (210.0, 297.0)
PANEL_AT = (20.0, 60.0, 170.0)
"""Where each figure is placed on its page: left and top edge and width, in millimetres."""


def panel_image(labels: list[tuple[str, str]]) -> Image.Image:
    """A control panel seen from above: each control (a round knob or a square button) with its label
    under it, joined to it by a short leader line."""
    image = Image.new("RGB", (1400, 520), (235, 235, 235))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 20, 1380, 500), radius=40, outline="black", width=4)
    for index, (shape, label) in enumerate(labels):
        x = 200 + index * 340
        if shape == "knob":
            draw.ellipse((x - 90, 70, x + 90, 250), outline="black", width=6)
            draw.line((x, 90, x, 160), fill="black", width=8)
        else:
            draw.rectangle((x - 70, 100, x + 70, 220), outline="black", width=6)
        draw.line((x, 260, x, 330), fill="black", width=3)
        draw.text((x, 390), label, font=font(44), fill="black", anchor="mm")
    return image


def exploded_image(parts: int) -> Image.Image:
    """An exploded view: parts drawn as shapes one above the other, a callout number beside each on
    the end of a leader line; the names are in the legend under the figure, not in the drawing."""
    image = Image.new("RGB", (1200, 200 + parts * 170), "white")
    draw = ImageDraw.Draw(image)
    for index in range(parts):
        top = 60 + index * 170
        draw.rectangle((300 + index * 30, top, 760 - index * 30, top + 100), outline="black", width=4)
        draw.line((760 - index * 30, top + 50, 930, top + 50), fill="black", width=3)
        draw.text((950, top + 20), str(index + 1), font=font(60), fill="black")
    return image


def place_figure(pdf: FPDF, image: Image.Image, caption: str) -> float:
    """Paste the figure, write its caption under it; the y (mm) where the caption ends."""
    x, y, width = PANEL_AT
    pdf.image(image, x=x, y=y, w=width)
    bottom = y + image.height * width / image.width
    pdf.set_xy(x, bottom + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, caption, new_x="LMARGIN", new_y="NEXT")
    return bottom


def write_manual(path: Path) -> dict[int, Image.Image]:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    figures: dict[int, Image.Image] = {}

    def page(heading: str, prose: str, image: Image.Image, caption: str, legend: list[str]) -> None:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, prose, new_x="LMARGIN", new_y="NEXT")
        place_figure(pdf, image, caption)
        pdf.set_font("DejaVu", size=11)
        for line in legend:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        figures[pdf.page_no()] = image

    page(
        "2 The top panel of the Zephyra V5",
        "The controls on top of the cleaner are shown in Figure 2.1. Turn the SUCTION knob to adjust "
        "the airflow through the hose. Press the BRUSH button to start the rotating floor brush. The "
        "TIMER knob switches the cleaner off after a chosen time.",
        panel_image([("knob", "SUCTION"), ("button", "BRUSH"), ("knob", "TIMER")]),
        "Figure 2.1. Top panel",
        [],
    )
    page(
        "3 Передняя панель обогревателя «Теплон-2»",
        "Органы управления показаны на рисунке 3.1. Кнопка СВЕТ включает подсветку шкалы. Ручкой "
        "НАГРЕВ задают температуру воздуха. Кнопка ТАЙМЕР выключает прибор через заданное время.",
        panel_image([("button", "СВЕТ"), ("knob", "НАГРЕВ"), ("button", "ТАЙМЕР")]),
        "Рисунок 3.1. Передняя панель",
        [],
    )
    page(
        "4 Taking the Zephyra V5 apart",
        "Unplug the cleaner before it is taken apart. The parts come off in the order of Figure 4.1.",
        exploded_image(4),
        "Figure 4.1. Exploded view of the cleaner",
        ["1 Hose clamp", "2 Dust container", "3 Filter cartridge", "4 Motor housing"],
    )
    page(
        "5 Разборка обогревателя «Теплон-2»",
        "Перед разборкой выньте вилку из розетки. Детали снимают в порядке, показанном на рисунке 5.1.",
        exploded_image(3),
        "Рисунок 5.1. Детали обогревателя",
        ["1 Защитная решётка 2 Вентилятор 3 Нагревательный элемент"],
    )
    pdf.output(str(path))
    return figures


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, dict[int, Image.Image]]]:
    folder = tmp_path_factory.mktemp("figure-panels")
    figures = write_manual(folder / "zephyra-manual.pdf")
    assistant = Assistant(folder / "ws", background_enrichment=False)
    assistant.add([folder / "zephyra-manual.pdf"])
    yield assistant, figures
    assistant.close()


def cited_on_figure(answer: Answer, figures: dict[int, Image.Image]) -> bool:
    """Whether the answer's first citation is a box inside the figure of its page."""
    citation = answer.citations[0]
    image = figures[citation.page]
    x, y, width = PANEL_AT
    left, top = x / PAGE_MM[0], y / PAGE_MM[1]
    right, bottom = (x + width) / PAGE_MM[0], (y + image.height * width / image.width) / PAGE_MM[1]
    x0, y0, x1, y1 = citation.bbox
    cx, cy = (x0 + x1) / 2 / citation.page_width, (y0 + y1) / 2 / citation.page_height
    return left <= cx <= right and top <= cy <= bottom


@pytest.mark.parametrize(
    ("question", "label", "others"),
    [
        # The label holds none of the asked words; the manual's sentence about it holds them all.
        ("Which knob on the top panel adjusts the airflow?", "SUCTION", ("BRUSH", "TIMER")),
        ("Which button starts the rotating floor brush?", "BRUSH", ("SUCTION", "TIMER")),
        ("Какая кнопка включает подсветку?", "СВЕТ", ("НАГРЕВ", "ТАЙМЕР")),
        ("Какой ручкой задают температуру воздуха?", "НАГРЕВ", ("СВЕТ", "ТАЙМЕР")),
    ],
)
def test_a_control_is_answered_with_its_label_where_it_stands_on_the_panel(
    manual: tuple[Assistant, dict[int, Image.Image]], question: str, label: str, others: tuple[str, ...]
) -> None:
    assistant, figures = manual
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert label in answer.text, answer.text
    assert not any(other in answer.text for other in others), answer.text
    assert label in answer.citations[0].quote
    assert cited_on_figure(answer, figures), answer.citations[0]


@pytest.mark.parametrize(
    ("question", "part", "page"),
    [
        ("What is part 3 in the exploded view of the cleaner?", "Filter cartridge", 3),
        ("Что обозначено цифрой 2 на рисунке 5.1?", "Вентилятор", 4),
    ],
)
def test_a_callout_number_is_answered_with_the_name_its_legend_gives(
    manual: tuple[Assistant, dict[int, Image.Image]], question: str, part: str, page: int
) -> None:
    assistant, figures = manual
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert part in answer.text, answer.text
    assert answer.citations[0].page == page
    # The number is pointed at where it stands on the drawing, not on the legend line.
    assert cited_on_figure(answer, figures), answer.citations[0]


@pytest.mark.parametrize(
    ("question", "number", "page"),
    [
        ("Which number is the dust container in Figure 4.1?", "2", 3),
        ("Какой цифрой на рисунке 5.1 обозначен нагревательный элемент?", "3", 4),
    ],
)
def test_the_number_of_a_named_part_is_answered_from_the_legend(
    manual: tuple[Assistant, dict[int, Image.Image]], question: str, number: str, page: int
) -> None:
    assistant, figures = manual
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert answer.text.startswith(number), answer.text
    assert answer.citations[0].page == page
    assert cited_on_figure(answer, figures), answer.citations[0]


@pytest.mark.parametrize(
    ("line", "entries"),
    [
        ("1 Hose clamp", [("1", "Hose clamp")]),
        ("1 Power switch 2 Dust container", [("1", "Power switch"), ("2", "Dust container")]),
        ("3. Filter cartridge;", [("3", "Filter cartridge")]),
        ("2 — Пылесборник 3 — Фильтр", [("2", "Пылесборник"), ("3", "Фильтр")]),
        # Prose with a number in it, and a numbered step, are no legend.
        ("Press 2 times to lock the lid", []),
        ("1. Unplug the cleaner before it is taken apart and cleaned.", []),
    ],
)
def test_a_legend_line_is_read_as_numbered_names_and_nothing_else_is(
    line: str, entries: list[tuple[str, str]]
) -> None:
    found = legend_line_entries(line, None, (0.0, 0.0, 100.0, 10.0))  # type: ignore[arg-type]
    assert [(entry.number, entry.name) for entry in found] == entries
