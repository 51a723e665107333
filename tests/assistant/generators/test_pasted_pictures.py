"""Pictures pasted into a manual that say what its prose does not: a plot's axis labels (one of them
running up the picture), the account a mail program's window has open, the figure a number names.

A fan maker's English manual and a Russian workshop handbook are written (fpdf, a real font) with
plots and a mail window drawn (PIL) and pasted in, indexed for real (pdfium, tesseract) and asked
through the assistant, in English and Russian.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.pasted import asked_address
from assistant.generators.plots import asked_axis, is_tick
from assistant.retrieval import numbered_figure
from tests.conftest import FONT, font


def plot_image(x_label: str, y_label: str, title: str, dark: bool = False) -> Image.Image:
    """A plotting program's window: a title bar, a grid with tick numbers on both axes, a curve, the
    horizontal axis's label under its numbers and the vertical one's running up beside them."""
    ink, paper = ("white", (0, 0, 0)) if dark else ("black", "white")
    image = Image.new("RGB", (900, 640), paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 900, 34), fill=(225, 225, 225))
    draw.text((12, 6), title, fill="black", font=font(20))
    for step in range(6):
        y = 70 + step * 90
        draw.line((170, y, 870, y), fill=(128, 128, 128), width=1)
        draw.text((100, y - 11), f"{(5 - step) * 40}", fill=ink, font=font(20))
    for step in range(8):
        x = 170 + step * 100
        draw.line((x, 70, x, 520), fill=(128, 128, 128), width=1)
        draw.text((x - 10, 530), f"{step * 500}", fill=ink, font=font(20), anchor="ma")
    draw.line([(170 + i * 10, 520 - int(450 * (1 - 0.97**i))) for i in range(70)], fill=(0, 170, 0), width=4)
    draw.text((430, 575), x_label, fill=ink, font=font(24))
    label = Image.new("RGB", (320, 34), paper)
    ImageDraw.Draw(label).text((6, 3), y_label, fill=ink, font=font(24))
    image.paste(label.transpose(Image.Transpose.ROTATE_90), (28, 140))
    return image


def mail_window(account: str, other: str) -> Image.Image:
    """A mail program's window: its open account in the title, the folder tree and the status bar;
    one message from another address in the list."""
    image = Image.new("RGB", (1000, 560), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1000, 40), fill=(60, 60, 70))
    draw.text((14, 8), f"{account} - Sylpheed", fill="white", font=font(22))
    draw.text((14, 52), "File   Edit   View   Message   Tools   Help", fill="black", font=font(20))
    draw.rectangle((0, 90, 300, 520), fill="white", outline=(150, 150, 150))
    for row, folder in enumerate([account, "Inbox", "Sent", "Drafts", "Trash"]):
        draw.text((14 + (0 if row == 0 else 24), 104 + row * 36), folder, fill="black", font=font(20))
    draw.rectangle((310, 90, 990, 520), fill="white", outline=(150, 150, 150))
    draw.text((324, 104), "Subject          From", fill="black", font=font(20))
    draw.text((324, 140), f"Order shipped    {other}", fill="black", font=font(20))
    draw.text((14, 530), f"Connected: {account}", fill="black", font=font(18))
    return image


def write_manual(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))

    def page(heading: str, prose: str, image: Image.Image, caption: str) -> None:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, prose, new_x="LMARGIN", new_y="NEXT")
        top = pdf.get_y() + 4
        pdf.image(image, x=20, y=top, w=170)
        pdf.set_xy(20, top + image.height * 170 / image.width + 3)
        pdf.set_font("DejaVu", size=10)
        pdf.cell(0, 6, caption, new_x="LMARGIN", new_y="NEXT")

    page(
        "7 Measuring the Breeze 40 fan",
        "Run the fan at each step of the controller for a minute before reading the meter. The viewer "
        "draws the measured curve in its window as soon as the run ends; Figure 7.2 shows a typical run.",
        plot_image("Fan speed, rpm", "Airflow, m3/h", "fanlog: run 12"),
        "Figure 7.2: The curve of a typical run",
    )
    page(
        "4 Почта мастерской",
        "Письма заказчиков приходят в общий почтовый ящик мастерской. Программа показывает открытую "
        "учётную запись в заголовке окна; у каждого мастера своя запись, как на рисунке 4.2.",
        mail_window("ivan.sokolov@masterok.example", "noreply@parts.example"),
        "Рисунок 4.2. Почта мастера",
    )
    page(
        "4.1 Общий ящик",
        "Общий ящик открывают все мастера по очереди, его письма разбирают каждое утро (рисунок 4.3).",
        mail_window("zakaz@masterok.example", "billing@bank.example"),
        "Рисунок 4.3. Общий почтовый ящик",
    )
    page(
        "5 Проверка нагрева",
        "Прибор записывает нагрев корпуса во время пробного запуска и рисует его график, как на рисунке 5.1.",
        plot_image("Время, с", "Температура, °C", "Запись 3", dark=True),
        "Рисунок 5.1. Нагрев корпуса",
    )
    pdf.output(str(path))


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("pasted-pictures")
    write_manual(folder / "workshop.pdf")
    with Assistant(folder / "ws", background_enrichment=False) as opened:
        opened.add([folder / "workshop.pdf"])
        yield opened


@pytest.mark.parametrize(
    ("question", "expected", "page"),
    [
        ("What is the label of the horizontal axis of the plot in Figure 7.2?", "Fan speed", 1),
        ("Which quantity is on the vertical axis of the fan curve plot?", "Airflow", 1),
        ("Какая подпись у вертикальной оси графика нагрева корпуса?", "Температура", 4),
        ("Что отложено по горизонтальной оси на рисунке 5.1?", "Время", 4),
    ],
)
def test_an_axis_is_answered_with_the_label_beyond_its_tick_numbers(
    assistant: Assistant, question: str, expected: str, page: int
) -> None:
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert expected in answer.text, answer.text
    assert answer.citations[0].page == page


@pytest.mark.parametrize(
    ("question", "account", "page"),
    [
        ("Какая учётная запись открыта в почтовой программе на рисунке 4.2?", "ivan.sokolov@masterok", 2),
        ("Какая учётная запись открыта на рисунке 4.3?", "zakaz@masterok", 3),
        ("Which e-mail account is open in the mail window of Figure 4.3?", "zakaz@masterok", 3),
    ],
)
def test_the_account_a_pasted_window_has_open_is_its_address_in_the_figure_the_question_numbers(
    assistant: Assistant, question: str, account: str, page: int
) -> None:
    answer = assistant.ask(question)
    assert answer.found, answer.text
    assert account in answer.text, answer.text
    assert "parts.example" not in answer.text and "bank.example" not in answer.text
    assert answer.citations[0].page == page


def test_questions_are_told_by_their_axis_address_and_numbered_figure() -> None:
    assert asked_axis("What is the label of the plot's horizontal axis?") == "horizontal"
    assert asked_axis("Какая подпись стоит у вертикальной оси графика?") == "vertical"
    assert asked_axis("Что отложено по оси абсцисс?") == "horizontal"
    assert asked_axis("What is plotted on the y-axis?") == "vertical"
    # no axis, or both: not this reader's question
    assert asked_axis("Which axis does the stepper motor drive?") is None
    assert asked_axis("What do the horizontal axis and the vertical axis show?") is None
    assert numbered_figure("Какая учётная запись открыта на рисунке 13.10?") == "13.10"
    assert numbered_figure("Figure 5. Wiring") == "5"
    assert numbered_figure("Fig. 2-3 shows the wiring") == "2-3"
    assert numbered_figure("Which account is open?") is None
    assert asked_address("Какая учётная запись открыта в Thunderbird?") is not None
    assert asked_address("Which mail client does the handbook recommend?") is None
    assert asked_address("What is the e-mail address of the open account?") is not None
    assert asked_address("Which button opens the account settings?") is None
    # tick numbers as OCR reads them beside a grid line; words and versions are none
    assert all(is_tick(t) for t in ("500.0}", "300.0)", "-40", "2,5", "1e-3"))
    assert not any(is_tick(t) for t in ("Drain", "1.2.3", "v2"))
