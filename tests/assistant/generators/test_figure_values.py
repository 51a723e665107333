"""Values read off figures: an address beside a host name, a number in a dashboard row, a name in a label.

The manual is drawn here (PIL with a real font, pasted into a text PDF), indexed for real (pdfium,
tesseract) and asked through the assistant: the value has to come out of the picture's pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.figures import MIN_LABEL_QUALITY, label_quality
from tests.conftest import FONT, font

NETWORK_CAPTION = "Figure 2.1. The office network"
PANEL_CAPTION = "Рисунок 3.2. Панель состояния сервера"
PANEL_ROWS = [("Active users", "42"), ("Queued jobs", "7"), ("Open sessions", "315"), ("Uptime", "3 days")]


def network_image() -> Image.Image:
    """A diagram: a gateway with its address written under its name, a relay whose label holds its name."""
    image = Image.new("RGB", (1200, 560), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 420, 200), outline="black", width=3)
    draw.text((90, 80), "Gateway", font=font(30), fill="black")
    draw.text((90, 130), "gw.example.net", font=font(28), fill="black")
    draw.text((90, 215), "10.20.30.1", font=font(28), fill="black")
    draw.line((420, 130, 720, 130), fill="black", width=3)
    draw.rectangle((720, 60, 1140, 200), outline="black", width=3)
    draw.text((750, 80), "Mail relay", font=font(30), fill="black")
    draw.text((750, 330), "RELAY mx2.example.org", font=font(28), fill="black")
    draw.line((930, 200, 930, 320), fill="black", width=3)
    draw.text((90, 420), "Printer room", font=font(28), fill="black")
    return image


def panel_image() -> Image.Image:
    """A status dashboard: a label on the left of each row, its value in a column on the right."""
    image = Image.new("RGB", (1000, 420), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1000, 60), fill=(210, 220, 240))
    draw.text((30, 14), "Server status", font=font(28), fill="black")
    for index, (label, value) in enumerate(PANEL_ROWS):
        y = 100 + index * 70
        draw.text((40, y), label, font=font(26), fill="black")
        draw.text((520, y), value, font=font(26), fill="black")
        draw.line((30, y + 50, 970, y + 50), fill=(200, 200, 200), width=1)
    return image


EXPLODED_CAPTION = "Figure 4.1. Exploded view of the coffee grinder"
LEGEND = [("1", "Hopper lid"), ("2", "Burr ring"), ("3", "Drive motor")]


def exploded_image() -> Image.Image:
    """An exploded view: parts drawn as shapes, a callout number in a circle beside each, and a
    legend ("2. Burr ring") under the drawing."""
    image = Image.new("RGB", (1100, 760), "white")
    draw = ImageDraw.Draw(image)
    for index, (number, _) in enumerate(LEGEND):
        top = 40 + index * 140
        draw.rectangle((300, top, 700, top + 90), outline="black", width=3)
        draw.line((700, top + 45, 800, top + 45), fill="black", width=2)
        draw.ellipse((800, top + 15, 860, top + 75), outline="black", width=3)
        draw.text((818, top + 22), number, font=font(34), fill="black")
    for index, (number, name) in enumerate(LEGEND):
        draw.text((120, 500 + index * 70), f"{number}. {name}", font=font(32), fill="black")
    return image


def write_manual(path: Path) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=18)
    pdf.cell(0, 12, "2.1 Network layout", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    prose = (
        "The office network has a gateway towards the provider, a mail relay for outgoing messages and "
        "a printer room. Every host is given a name in the example.net zone; the relay also answers "
        "for the organisation's second domain. Figure 2.1 shows how they are joined."
    )
    pdf.multi_cell(0, 6, prose, new_x="LMARGIN", new_y="NEXT")
    image = network_image()
    pdf.image(image, x=15, y=60, w=180)
    pdf.set_xy(15, 60 + image.height * 180 / image.width + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, NETWORK_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "Ask the administrator before a host is added to the network.", new_x="LMARGIN")

    pdf.add_page()
    pdf.set_font("DejaVu", size=18)
    pdf.cell(0, 12, "3.2 Панель состояния", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    prose_ru = (
        "Панель состояния показывает, сколько пользователей работает с сервером, сколько заданий ждёт "
        "своей очереди и как давно сервер запущен. Обновляется она раз в минуту. Для работы без "
        "графики есть консольный аналог панели: программа srvstat-cli."
    )
    pdf.multi_cell(0, 6, prose_ru, new_x="LMARGIN", new_y="NEXT")
    panel = panel_image()
    pdf.image(panel, x=20, y=50, w=160)
    pdf.set_xy(20, 50 + panel.height * 160 / panel.width + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, PANEL_CAPTION, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.set_font("DejaVu", size=18)
    pdf.cell(0, 12, "4.1 Taking the grinder apart", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(
        0,
        6,
        "Unplug the grinder before it is taken apart. The parts come off in the order shown.",
        new_x="LMARGIN",
    )
    exploded = exploded_image()
    pdf.image(exploded, x=20, y=50, w=160)
    pdf.set_xy(20, 50 + exploded.height * 160 / exploded.width + 3)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, EXPLODED_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("figure-values")
    manual = write_manual(folder / "network-guide.en.pdf")
    assistant = Assistant(folder / "ws", background_enrichment=False)
    assistant.add([manual])
    yield assistant
    assistant.close()


def _figure_passages(assistant: Assistant, page: int) -> str:
    [document] = assistant.documents()
    passages = assistant.workspace.page_passages(document.id, page)
    return "\n".join(passage.text for passage in passages if passage.kind == "figure")


def test_the_drawing_is_read_by_ocr(assistant: Assistant) -> None:
    # Without tesseract the figure has no words and every answer below fails.
    assert "10.20.30.1" in _figure_passages(assistant, 1)
    assert "315" in _figure_passages(assistant, 2)


@pytest.mark.parametrize(
    ("question", "value", "others"),
    [
        # An address written under the host name it belongs to.
        ("In Figure 2.1, which IP address does the gateway gw.example.net have?", "10.20.30.1", ()),
        # A dotted name in the label of what qualifies the asked noun ("the relay host name"), though
        # the label holds none of the question's other words.
        (
            "Which relay host name does the office network announce to other mail servers in Figure 2.1?",
            "mx2.example.org",
            ("10.20.30.1",),
        ),
        # A dashboard row: the label on the left, its number in the next column.
        ("How many sessions are open according to the server status panel in Рисунок 3.2?", "315", ("42",)),
        # The same, asked in Russian of an English screenshot on a Russian page.
        ("Сколько пользователей активно по данным панели на рисунке 3.2?", "42", ("315",)),
    ],
)
def test_a_value_is_answered_from_beside_the_label_that_names_it(
    assistant: Assistant, question: str, value: str, others: tuple[str, ...]
) -> None:
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert value in answer.text
    assert not any(other in answer.text for other in others), answer.text
    citation = answer.citations[0]
    assert citation.page == (1 if "2.1" in question else 2)
    assert value in citation.quote


def test_a_value_of_a_label_the_question_does_not_name_is_not_given(assistant: Assistant) -> None:
    # The printer room has no address in the drawing: the gateway's is not its answer.
    answer = assistant.ask("In Figure 2.1, which IP address does the printer room have?")
    assert "10.20.30.1" not in answer.text


def test_a_label_holding_one_of_a_cross_lingual_questions_words_does_not_outbid_the_text(
    assistant: Assistant,
) -> None:
    # The Russian page says the console counterpart's name in prose; the screenshot's "Server status"
    # holds two of the English question's words and none of the rest, which the page says in Russian.
    answer = assistant.ask("What is the console counterpart of the server status panel called?")
    assert answer.text.strip() != "Server status"
    assert not (answer.citations and answer.citations[0].quote.strip() == "Server status")


@pytest.mark.parametrize(
    ("label", "read"),
    [
        ("Running processes", True),
        ("ЗАРЯДКА 12 В", True),
        ("EHLO mail.example.org", True),
        ("i adduser", True),  # a package list's flag and a program's name
        ("tshark", True),
        ("wiht ths fiel", False),  # strokes and blur read as letters
        ("Сеrvеr status", False),  # Cyrillic look-alikes inside a Latin word
        ("ч Network", False),  # a pictogram read as a letter of the other script
    ],
)
def test_a_label_ocr_misread_cannot_answer(label: str, read: bool) -> None:
    assert (label_quality(label) >= MIN_LABEL_QUALITY) is read


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("In Figure 4.1, which part is callout 2?", "Burr ring"),
        ("Какая деталь обозначена цифрой 3 на рисунке 4.1?", "Drive motor"),
    ],
)
def test_a_numbered_callout_is_answered_with_its_name(assistant: Assistant, question: str, part: str) -> None:
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert part in answer.text
    assert not any(name in answer.text for _, name in LEGEND if name != part)
    assert answer.citations[0].page == 3


def test_the_number_of_a_part_named_in_a_legend_drawn_in_the_figure(assistant: Assistant) -> None:
    answer = assistant.ask("Which number is the drive motor in Figure 4.1?")
    assert answer.found, answer.text
    assert answer.text.startswith("3"), answer.text
    assert answer.citations[0].page == 3
