"""Drawings read by the structure of their labels: the member of a group a question leaves out ("besides
bass, middle and treble, which other knob..."), a connector's type written by the label of what it
serves, a schematic's value beside the designator the question names, and the file an arrow leads
to from the box the question names.

Each figure is invented here (PIL with a real font, pasted into a text PDF), unlike the manuals these
mechanisms were first needed for: a guitar amplifier's front panel, a Russian editor's menu drawn as a
picture, a controller board's edge with its connectors, an op-amp filter's schematic and a flow
diagram of nightly dumps. The manual is
indexed for real (pdfium, tesseract) and asked through the assistant, so every answer comes out of the
pictures' pixels.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.figures import (
    CONNECTOR,
    acronym_terms,
    listed_members,
    unbracketed,
    unit_of,
)
from tests.assistant.generators.figure_manuals import (
    FigurePage,
    assert_value_answer,
    figure_manual,
    figure_text,
)
from tests.conftest import font

PREAMP = ["GAIN", "BASS", "MIDDLE", "TREBLE"]
DELAY = ["TIME", "FEEDBACK", "MIX"]
MENU = ["Создать", "Открыть", "Сохранить", "Закрыть"]


def amplifier_image() -> Image.Image:
    """A guitar amplifier's front panel: two sections of knobs, each named above its row, every knob
    with its label under it; a wider gap parts the sections."""
    image = Image.new("RGB", (1700, 480), (40, 40, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 1680, 460), fill=(225, 220, 205), outline="black", width=4)
    draw.text((120, 60), "PREAMP", font=font(34), fill="black")
    draw.text((1080, 60), "DELAY", font=font(34), fill="black")
    for index, name in enumerate(PREAMP + DELAY):
        # The delay section starts two knob steps further on.
        x = 180 + index * 190 + (190 if index >= len(PREAMP) else 0)
        draw.ellipse((x - 60, 150, x + 60, 270), outline="black", width=6)
        draw.line((x, 165, x, 210), fill="black", width=6)
        draw.text((x, 320), name, font=font(30), fill="black", anchor="mm")
    return image


def menu_image() -> Image.Image:
    """An editor's «Файл» menu drawn as a picture: its title and the items under one another."""
    image = Image.new("RGB", (520, 110 + 70 * len(MENU)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 510, 80), fill=(220, 220, 220))
    draw.text((40, 25), "Файл", font=font(32), fill="black")
    draw.rectangle((30, 90, 500, 100 + 70 * len(MENU)), outline="black", width=3)
    for index, item in enumerate(MENU):
        draw.text((70, 110 + index * 70), item, font=font(32), fill="black")
    return image


CONNECTORS = [
    ("ETHERNET", "(RJ45)"),
    # The type written on the name's own line: the row's next name for the label before it.
    ("SERIAL DE-9", ""),
    ("JTAG", "(2x5 pin header)"),
    ("AUDIO", "(3.5 mm jack)"),
]


def board_image() -> Image.Image:
    """A controller board's edge seen from above: each connector's outline with what it serves
    written over it and its type in brackets under that (or after it on its line), the board's chip in
    the middle."""
    image = Image.new("RGB", (1700, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 230, 1640, 660), outline="black", width=4)
    for index, (serves, kind) in enumerate(CONNECTORS):
        x = 160 + index * 400
        draw.text((x, 40), serves, font=font(32), fill="black")
        draw.text((x, 90), kind, font=font(28), fill="black")
        draw.rectangle((x, 200, x + 200, 320), outline="black", width=4)
        for pin in range(5):
            draw.rectangle((x + 20 + pin * 36, 240, x + 40 + pin * 36, 280), fill="black")
    draw.rectangle((700, 420, 1000, 600), outline="black", width=4)
    draw.text((760, 490), "MCU", font=font(32), fill="black")
    return image


def filter_image() -> Image.Image:
    """An op-amp filter's schematic: each part's designator with its value or type under it; the
    dual op-amp is drawn as two units, U3A and U3B, its type printed under the first only."""
    image = Image.new("RGB", (1600, 760), "white")
    draw = ImageDraw.Draw(image)
    draw.line((60, 200, 1540, 200), fill="black", width=3)
    draw.line((60, 620, 1540, 620), fill="black", width=3)
    parts = [(200, "R15", "4k7"), (520, "C12", "4.7uF"), (1380, "R19", "22k")]
    for x, designator, value in parts:
        draw.line((x, 200, x, 340), fill="black", width=3)
        draw.rectangle((x - 25, 340, x + 25, 460), outline="black", width=3)
        draw.line((x, 460, x, 620), fill="black", width=3)
        draw.text((x + 50, 345), designator, font=font(34), fill="black")
        draw.text((x + 50, 395), value, font=font(28), fill="black")
    for x, unit, kind in ((800, "U3A", "LM358"), (1080, "U3B", "")):
        draw.polygon([(x, 280), (x, 440), (x + 140, 360)], outline="black", width=3)
        draw.text((x + 10, 460), unit, font=font(30), fill="black")
        if kind:
            draw.text((x + 10, 505), kind, font=font(28), fill="black")
    return image


DUMPS = [("Mail server", "mail.tar"), ("Web server", "site.tgz"), ("Printer queue", "spool.cfg")]


def dumps_image() -> Image.Image:
    """A flow diagram of nightly dumps: each service's box with an arrow to the document it is written
    to, the file's name inside the document's dog-eared outline."""
    image = Image.new("RGB", (1400, 900), "white")
    draw = ImageDraw.Draw(image)
    for index, (service, file) in enumerate(DUMPS):
        y = 120 + index * 270
        draw.rectangle((60, y, 360, y + 120), outline="black", width=4)
        draw.text((210, y + 60), service, font=font(34), fill="black", anchor="mm")
        draw.line((380, y + 60, 900, y + 60), fill="black", width=6)
        draw.polygon([(900, y + 40), (940, y + 60), (900, y + 80)], fill="black")
        outline = [(960, y - 10), (1260, y - 10), (1300, y + 30), (1300, y + 150), (960, y + 150)]
        draw.polygon(outline, outline="black", width=4)
        draw.text((1130, y + 70), file, font=font(34), fill="black", anchor="mm")
    return image


PAGES: list[FigurePage] = [
    (
        "3. Front panel",
        "Every knob works at once: turn it slowly while you play. The preamp shapes the tone, the delay "
        "repeats what you play a moment later.",
        amplifier_image(),
        "Figure 3. Front panel of the amplifier",
    ),
    (
        "4. Меню",
        "Команды работы с документами собраны в меню «Файл». Пункты, недоступные сейчас, показаны серым.",
        menu_image(),
        "Рисунок 4. Меню «Файл»",
    ),
    (
        "5. Connectors",
        "All connectors sit on one edge of the board, so the enclosure needs a single cut-out. Plug "
        "cables in only while the board is off.",
        board_image(),
        "Figure 5. Connectors of the controller board",
    ),
    (
        "6. Input filter",
        "The input is filtered before the converter samples it; the parts are named on the schematic.",
        filter_image(),
        "Figure 6. Input filter schematic",
    ),
    (
        "7. Резервное копирование",
        "Каждую ночь службы выгружают свои данные в файлы, которые затем переносятся на ленту.",
        dumps_image(),
        "Рисунок 7. Ночные выгрузки данных",
    ),
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("figure-groups")
    manual = figure_manual(folder / "amp-and-board-guide.pdf", PAGES, small_width=100)
    assistant = Assistant(folder / "ws", background_enrichment=False)
    assistant.add([manual])
    yield assistant
    assistant.close()


def test_the_drawings_labels_are_read(assistant: Assistant) -> None:
    # Without them every answer below fails for a reason other than the one it tests.
    assert all(name in figure_text(assistant, 1) for name in PREAMP + DELAY)
    assert all(item in figure_text(assistant, 2) for item in MENU)
    assert "RJ45" in figure_text(assistant, 3) and "SERIAL" in figure_text(assistant, 3)
    assert "LM358" in figure_text(assistant, 4) and "R15" in figure_text(assistant, 4)
    assert "Web server → site.tgz" in figure_text(assistant, 5)


@pytest.mark.parametrize(
    ("question", "page", "member"),
    [
        # The left-out knob stands at the far end of the row from the ones named.
        ("Besides bass, middle and treble, which other knob does the preamp section have?", 1, "GAIN"),
        # At the near end, with the other section's knobs a wider gap away on the other side.
        ("Apart from time and feedback, which knob does the delay section of the amplifier have?", 1, "MIX"),
        # Between two named ones.
        ("Which knob does the preamp have besides gain, bass and treble?", 1, "MIDDLE"),
        # A column of menu items, asked in Russian with the items quoted.
        ("Кроме «Создать», «Открыть» и «Сохранить», какой ещё пункт есть в меню «Файл»?", 2, "Закрыть"),
    ],
)
def test_the_member_a_question_leaves_out_of_a_group_is_answered(
    assistant: Assistant, question: str, page: int, member: str
) -> None:
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert answer.text == member
    assert answer.citations[0].page == page
    assert member in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "file"),
    [
        # The node named in the question's language or the other; the file at the arrow's other end.
        # Both servers' boxes say "server": the one whose every word the question says is named.
        ("В какой файл выгружается почтовый сервер?", "mail.tar"),
        ("Под каким именем файла сохраняется очередь принтера на рисунке?", "spool.cfg"),
        ("Which file name is the web server dumped under?", "site.tgz"),
        ("Which file are the printer queue's settings dumped to?", "spool.cfg"),
    ],
)
def test_the_file_an_arrow_leads_to_from_the_named_box_is_answered(
    assistant: Assistant, question: str, file: str
) -> None:
    answer = assistant.ask(question)
    assert answer.text == file
    assert answer.citations[0].page == 5
    others = [name for _, name in DUMPS if name != file]
    assert not any(other in answer.citations[0].quote for other in others)


def test_a_designator_the_figure_does_not_write_gets_no_other_parts_type(assistant: Assistant) -> None:
    # D7 is nowhere on the schematic: its one part type is the op-amp's, which no diode is.
    answer = assistant.ask("Which diode is D7 in the input filter schematic?")
    assert answer.text not in ("LM358", "U3A: LM358")


def test_a_long_list_of_members_is_passed_at_once(assistant: Assistant) -> None:
    # Every knob named, most of them many times over: no group is looked for among its placements.
    names = ", ".join((PREAMP + DELAY) * 3)
    answer = assistant.ask(f"Besides {names} and volume, which knob does the amplifier have?")
    assert answer.text not in PREAMP + DELAY


def test_members_of_two_groups_with_others_between_them_are_no_group(assistant: Assistant) -> None:
    # Gain and mix stand at the two ends of the panel: every knob between them is as likely.
    answer = assistant.ask("Besides gain and mix, which knob does the amplifier have?")
    assert answer.text not in PREAMP + DELAY


@pytest.mark.parametrize(
    ("question", "page", "value", "others"),
    [
        ("Which connector type does the controller board use for its serial port?", 3, "DE-9", ("RJ45",)),
        ("Какой разъём используется на плате для Ethernet?", 3, "RJ45", ("DE-9",)),
        ("What type of connector is used for JTAG on the controller board?", 3, "2x5 pin header", ("RJ45",)),
        # A designator's value under it, the kind of value told by its letter.
        ("What is the value of R15 in the input filter?", 4, "4k7", ("4.7uF", "22k")),
        # Tesseract loses the thin "C12" (read "c12" at 52%): the schematic's one capacitance answers.
        ("What is the value of C12 in the input filter schematic?", 4, "4.7uF", ("4k7", "22k")),
        # A chip drawn as units: its type, not the unit's designator.
        ("Which op-amp chip is U3 in the input filter schematic?", 4, "LM358", ("U3B",)),
    ],
)
def test_a_drawings_value_is_answered_by_the_label_it_belongs_to(
    assistant: Assistant, question: str, page: int, value: str, others: tuple[str, ...]
) -> None:
    assert_value_answer(assistant.ask(question), value, others, page)


@pytest.mark.parametrize(
    ("question", "members"),
    [
        ("Besides amount, size and stereo, which fourth knob does it have?", ["amount", "size", "stereo"]),
        ("Which button does the dialog have besides OK and Cancel?", ["OK", "Cancel"]),
        ("Помимо cups и slapd, какие пакеты показаны на рисунке?", ["cups", "slapd"]),
        (
            "Кроме ручек «Громкость», «Тембр» и «Баланс», какая ещё ручка есть?",
            ["ручек «Громкость", "Тембр", "Баланс"],
        ),
        # One member is no group; "besides" in another sense lists nothing.
        ("Besides the power switch, what is on the back?", []),
        ("What stands beside the door?", []),
    ],
)
def test_the_members_a_question_lists_are_read(question: str, members: list[str]) -> None:
    assert listed_members(question) == members


def test_connector_types_are_told_from_what_they_serve() -> None:
    text = "CAN-bus (RJ12) 6x Axis (RJ50) 4x8 GPIO (2x5pin header) RS485 USB-C DB-25 M12 power"
    assert [m[0] for m in CONNECTOR.finditer(text)] == [
        "RJ12",
        "RJ50",
        "2x5pin header",
        "USB-C",
        "DB-25",
        "M12",
    ]


def test_a_units_designator_is_no_answer_to_what_the_part_is() -> None:
    assert unit_of("U201B", {"u201"}) and unit_of("U201", {"u201"})
    assert not unit_of("74HC125", {"u201"}) and not unit_of("U2011", {"u201"})


def test_a_value_cut_out_of_a_long_label_closes_no_bracket_it_did_not_open() -> None:
    assert unbracketed("(2x13 pin header") == "2x13 pin header"
    assert unbracketed("header)") == "header"
    assert unbracketed("(RJ12)") == "(RJ12)"


def test_a_grammar_word_in_capitals_is_a_name() -> None:
    assert acronym_terms("Which connector serves the CAN bus and the OR gate?") == {"can", "or"}
    assert acronym_terms("Which connector can I use?") == set()
