"""Values of product drawings and program menus: a part's type beside its line or designator, a cable's
wire gauge in its notes, a menu item's key combination, a dimension's length.

Each figure is invented here (PIL with a real font, pasted into a text PDF), unlike the manuals the
mechanism was first needed for: an RS-485 adapter cable, a 5 V regulator schematic, a Russian text
editor's "Правка" menu and a label's drawing with dimensions. The manual is indexed for real (pdfium,
tesseract) and asked through the assistant, so each value has to come out of the picture's pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.figures import (
    CAPACITANCE,
    CONNECTOR,
    GAIN,
    GAUGE,
    LENGTH,
    NUMBER_VALUE,
    PART_NUMBER,
    RESISTANCE,
    SHORTCUT,
    asked_value_shape,
    hardware_value,
    spelled_keys,
)
from assistant.questions import answer_kind
from tests.assistant.generators.figure_manuals import (
    FigurePage,
    assert_value_answer,
    figure_manual,
    figure_text,
)
from tests.conftest import font


def cable_image() -> Image.Image:
    """An adapter cable: pins of two connectors joined by lines, each line named by its signal, a
    Schottky diode drawn on one line with its type printed under it, and a note under the drawing."""
    image = Image.new("RGB", (1400, 820), "white")
    draw = ImageDraw.Draw(image)
    draw.text((80, 30), "USB end", font=font(30), fill="black")
    draw.text((1130, 30), "Terminal block", font=font(30), fill="black")
    lines = [("1", "Shield", "4"), ("2", "DATA+", "1"), ("3", "DATA-", "2"), ("5", "Common", "3")]
    for index, (left, signal, right) in enumerate(lines):
        y = 150 + index * 130
        draw.text((90, y - 18), left, font=font(30), fill="black")
        draw.line((140, y, 1180, y), fill="black", width=3)
        draw.text((520, y - 44), signal, font=font(28), fill="black")
        draw.text((1210, y - 18), right, font=font(30), fill="black")
    # The diode sits on the DATA- line (y = 410), its type under its symbol.
    draw.polygon([(300, 390), (300, 430), (335, 410)], outline="black", fill="black")
    draw.line((337, 388, 337, 432), fill="black", width=4)
    draw.text((250, 450), "BAT54", font=font(26), fill="black")
    draw.text((120, 700), "Cable: shielded 24AWG 3 conductor, max 2 m", font=font(28), fill="black")
    return image


def schematic_image() -> Image.Image:
    """A regulator schematic: parts as boxes and zigzags, each with its designator and under it its
    type or value, joined by wires."""
    image = Image.new("RGB", (1400, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.line((60, 200, 1340, 200), fill="black", width=3)
    draw.line((60, 560, 1340, 560), fill="black", width=3)
    draw.text((40, 150), "+12V", font=font(28), fill="black")
    draw.text((1270, 150), "+5V", font=font(28), fill="black")
    # U2: the regulator box on the top wire.
    draw.rectangle((560, 150, 800, 260), outline="black", width=3, fill="white")
    draw.text((600, 290), "U2", font=font(30), fill="black")
    draw.text((600, 330), "LM7805", font=font(28), fill="black")
    draw.line((760, 260, 760, 560), fill="black", width=3)
    # C3 at the input, D2 at the output, each from the top wire to the bottom one.
    for x, designator, value in ((260, "C3", "100nF"), (1080, "D2", "SS14")):
        draw.line((x, 200, x, 360), fill="black", width=3)
        draw.rectangle((x - 30, 360, x + 30, 420), outline="black", width=3)
        draw.line((x, 420, x, 560), fill="black", width=3)
        draw.text((x + 60, 360), designator, font=font(30), fill="black")
        draw.text((x + 60, 400), value, font=font(28), fill="black")
    return image


MENU = [("Отменить", "Ctrl+Z"), ("Вырезать", "Ctrl+X"), ("Вставить", "Ctrl+V"), ("Найти", "Ctrl+F")]


def menu_image() -> Image.Image:
    """A text editor's "Правка" menu as a screenshot: each item with its key combination at the right."""
    image = Image.new("RGB", (620, 60 + 52 * len(MENU)), (239, 239, 239))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 620, 40), fill=(250, 250, 250))
    draw.text((14, 8), "Файл   Правка   Вид", font=font(20), fill="black")
    for index, (item, keys) in enumerate(MENU):
        y = 60 + index * 52
        draw.text((60, y), item, font=font(21), fill="black")
        draw.text((470, y), keys, font=font(21), fill="black")
    return image


def bracket_image() -> Image.Image:
    """A mounting bracket's drawing: its outline, a row of slots with the slot's label and its pitch
    under it, and the axes named at the edges."""
    image = Image.new("RGB", (1300, 620), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 1200, 500), outline="black", width=4)
    for x in range(200, 1100, 150):
        draw.rounded_rectangle((x, 180, x + 60, 240), radius=12, outline="black", width=3)
    draw.text((200, 270), "Mounting slot, repeated", font=font(28), fill="black")
    draw.text((200, 315), "12mm", font=font(28), fill="black")
    draw.line((100, 560, 1200, 560), fill="black", width=2)
    draw.text((1210, 540), "X axis", font=font(26), fill="black")
    draw.text((20, 40), "Y axis", font=font(26), fill="black")
    return image


def write_manual(path: Path) -> Path:
    pages: list[FigurePage] = [
        (
            "4.2 RS-485 adapter cable",
            "The adapter joins the converter's USB end to the terminal block of the bus. Build it as drawn; "
            "the diode keeps the bus from feeding the converter when it is unplugged.",
            cable_image(),
            "Figure 4.2. Wiring of the adapter cable",
        ),
        (
            "5.1 Power supply",
            "The board runs from a 12 V adapter; the regulator brings it down to 5 V for the logic. "
            "Parts are listed on the schematic itself.",
            schematic_image(),
            "Figure 5.1. Power supply schematic",
        ),
        (
            "2.3 Меню «Правка»",
            "Команды правки собраны в одном меню. У каждой команды есть сочетание клавиш, оно показано "
            "справа от её названия.",
            menu_image(),
            "Рисунок 2.3. Меню «Правка» редактора",
        ),
        (
            "6.1 Mounting",
            "Fix the bracket to the wall with M4 screws through its slots before the adapter is clipped on.",
            bracket_image(),
            "Figure 6.1. The wall bracket",
        ),
    ]
    return figure_manual(path, pages)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("figure-hardware")
    manual = write_manual(folder / "bus-adapter-guide.en.pdf")
    assistant = Assistant(folder / "ws", background_enrichment=False)
    assistant.add([manual])
    yield assistant
    assistant.close()


def test_the_drawings_labels_are_read(assistant: Assistant) -> None:
    # Without them every answer below fails for a reason other than the one it tests.
    assert "BAT54" in figure_text(assistant, 1)
    assert "LM7805" in figure_text(assistant, 2)
    assert "Ctrl+F" in figure_text(assistant, 3).replace("Ctri", "Ctrl")


@pytest.mark.parametrize(
    ("question", "page", "value", "others"),
    [
        # A part's type printed under its symbol, which sits on the line the question names.
        ("Which diode is fitted on the DATA- line of the adapter cable?", 1, "BAT54", ()),
        # A designator's type printed under it.
        ("Which regulator chip is U2 on the power supply schematic?", 2, "LM7805", ("SS14", "100nF")),
        ("Which diode is D2 in the power supply schematic?", 2, "SS14", ("LM7805",)),
        # The cable's wire gauge, said once in the note under the drawing.
        ("What wire gauge does the adapter cable drawing specify?", 1, "24AWG", ()),
        # A menu item's key combination at the right end of its row, asked in Russian.
        ("Какое сочетание клавиш у команды «Найти» в меню «Правка»?", 3, "Ctrl+F", ("Ctrl+Z", "Ctrl+X")),
        ("Which keyboard shortcut does Вырезать have in the Правка menu?", 3, "Ctrl+X", ("Ctrl+F",)),
        # The figure's one length, under the label holding part of what the question names.
        (
            "What pitch along the X and Y axes is given for the slot in the wall bracket figure?",
            4,
            "12mm",
            (),
        ),
    ],
)
def test_a_drawings_value_is_answered_from_beside_what_it_belongs_to(
    assistant: Assistant, question: str, page: int, value: str, others: tuple[str, ...]
) -> None:
    answer = assistant.ask(question)
    assert_value_answer(answer, value, others, page)
    assert value.lower() in spelled_keys(answer.citations[0].quote).lower()


def test_a_count_of_parts_is_not_answered_with_a_parts_type(assistant: Assistant) -> None:
    # "How many diodes": a count; the drawing's one part type is no answer to it.
    answer = assistant.ask("How many diodes does the adapter cable drawing need?")
    assert "BAT54" not in answer.text


def test_a_line_with_no_part_on_it_is_not_given_anothers(assistant: Assistant) -> None:
    # Nothing is drawn on the Shield line: the diode of the DATA- line is not its answer.
    answer = assistant.ask("Which diode is fitted on the Shield line of the adapter cable?")
    assert "BAT54" not in answer.text


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("Which diode sits on the line?", PART_NUMBER),
        ("Какая микросхема стоит на плате?", PART_NUMBER),
        ("What gain does the amplifier stage have?", GAIN),
        ("Какого сечения провода в кабеле?", GAUGE),
        ("Какой шаг по осям задан?", LENGTH),
        ("What is the keyboard shortcut for Save?", SHORTCUT),
        ("How many diodes are on the board?", NUMBER_VALUE),
        # A designator's letters say the kind of part, and so the value's shape.
        ("What is the value of C202?", CAPACITANCE),
        ("Какое значение у R12 на схеме?", RESISTANCE),
        ("Which logic IC is U201?", PART_NUMBER),
        ("Какой разъём используется для шины CAN?", CONNECTOR),
        # The noun asked for first decides: a chip's type, though a connector is named too.
        ("Which chip drives the USB connector?", PART_NUMBER),
        ("Which connector does the chip drive?", CONNECTOR),
    ],
)
def test_the_asked_value_shape_follows_the_question(question: str, shape: object) -> None:
    assert asked_value_shape(question, answer_kind(question)) is shape


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1N4148 diode", ["1N4148"]),
        ("BAT54", ["BAT54"]),
        ("U13 XC2C64A", ["XC2C64A"]),  # a designator is where a part is, not what it is
        ("3.3V 50mA", []),  # amounts with their units
        ("02 (C9338W)", ["C9338W"]),
    ],
)
def test_a_part_type_is_told_from_a_designator_and_an_amount(text: str, values: list[str]) -> None:
    found = [m[0] for m in PART_NUMBER.finditer(text) if hardware_value(PART_NUMBER, m[0])]
    assert found == values


def test_ocr_misreadings_of_a_key_name_are_spelled_right() -> None:
    assert [m[0] for m in SHORTCUT.finditer("Закрыть Ctri+Q")] == ["Ctri+Q"]
    assert spelled_keys("Закрыть Ctri+Q") == "Закрыть Ctrl+Q"
    assert [m[0] for m in GAIN.finditer("U13 ~11 dB, 0-47 dB")] == ["~11 dB", "0-47 dB"]
    assert [m[0] for m in GAUGE.finditer("PVC 22AWG 6 / AWG 28 pair")] == ["22AWG", "AWG 28"]
