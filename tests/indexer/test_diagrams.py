"""Diagrams: the labels that a figure's lines and arrows join become relation lines of its passages.

The diagrams here are drawn for the test (a water-supply block diagram in Russian, an audio chain in
English): framed and free labels, solid, dotted and plain lines, arrowheads at one end. Where each
label and line was drawn is known, so the relations can be checked exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from indexer.diagrams import (
    MAX_ANALYSIS_PIXELS,
    Link,
    diagram_links,
    figure_table,
    read_diagram,
    relation_lines,
    table_lines,
)
from indexer.pipeline import extract_pages
from indexer.records import Figure, TextLine, Word
from indexer.settings import IndexSettings

if TYPE_CHECKING:
    from assistant import Assistant

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SIZE = 28


@dataclass
class Drawing:
    image: Image.Image
    words: list[Word]

    def box(
        self, x: int, y: int, lines: list[str], framed: bool = True, wavy: bool = False
    ) -> tuple[int, int, int, int]:
        """Draw `lines` centred at (x, y), in a frame unless `framed` is False; the frame's box."""
        draw = ImageDraw.Draw(self.image)
        font = ImageFont.truetype(str(FONT), SIZE)
        widths = [draw.textlength(line, font=font) for line in lines]
        w, h = max(widths) + 50, len(lines) * (SIZE + 12) + 36
        frame = (int(x - w / 2), int(y - h / 2), int(x + w / 2), int(y + h / 2))
        if framed:
            draw.rectangle(frame, outline=0, width=5)
        top = y - len(lines) * (SIZE + 12) / 2
        for line, width in zip(lines, widths, strict=True):
            left = x - width / 2
            for word in line.split():
                bbox = draw.textbbox((left, top), word, font=font)
                draw.text((left, top), word, font=font, fill=0)
                self.words.append(Word(word, tuple(float(v) for v in bbox)))  # type: ignore[arg-type]
                left += draw.textlength(word + " ", font=font)
            top += SIZE + 12
        return frame

    def arrow(
        self, start: tuple[float, float], end: tuple[float, float], dotted: bool = False, head: bool = True
    ) -> None:
        draw = ImageDraw.Draw(self.image)
        length = math.dist(start, end)
        ux, uy = (end[0] - start[0]) / length, (end[1] - start[1]) / length
        stop = (end[0] - ux * 30, end[1] - uy * 30) if head else end
        if dotted:
            steps = int(math.dist(start, stop) // 16) + 1
            for i in range(steps):
                a = (start[0] + ux * 16 * i, start[1] + uy * 16 * i)
                b = (a[0] + ux * 8, a[1] + uy * 8)
                if math.dist(start, b) > math.dist(start, stop):
                    b = stop
                draw.line([a, b], fill=0, width=5)
        else:
            draw.line([start, stop], fill=0, width=5)
        if head:
            px, py = -uy, ux
            base = (end[0] - ux * 34, end[1] - uy * 34)
            draw.polygon(
                [end, (base[0] + px * 16, base[1] + py * 16), (base[0] - px * 16, base[1] - py * 16)], fill=0
            )


def water_supply() -> Drawing:
    """Скважина → Насос → Фильтр → Бойлер; Бойлер → Кран (dotted); Датчик — Насос (no arrowhead)."""
    drawing = Drawing(Image.new("L", (1100, 800), 255), [])
    well = drawing.box(150, 120, ["Скважина"])
    pump = drawing.box(550, 120, ["Насос", "модель 40"])
    sensor = drawing.box(950, 120, ["Датчик"], framed=False)
    filt = drawing.box(550, 420, ["Фильтр"])
    tank = drawing.box(150, 420, ["Бойлер"])
    tap = drawing.box(150, 700, ["Кран"])
    drawing.arrow((well[2], 120), (pump[0], 120))
    drawing.arrow((550, pump[3]), (550, filt[1]))
    drawing.arrow((filt[0], 420), (tank[2], 420))
    drawing.arrow((150, tank[3]), (150, tap[1]), dotted=True)
    drawing.arrow((sensor[0] + 8, 120), (pump[2], 120), head=False)
    return drawing


def names(words: tuple[Word, ...]) -> str:
    return " ".join(word.text for word in words)


def test_arrows_between_frames_become_directed_links_and_a_plain_line_an_undirected_one() -> None:
    drawing = water_supply()
    gray = np.asarray(drawing.image)
    nodes, links = diagram_links(gray, drawing.words)
    found = {
        (names(nodes[link.source].words), names(nodes[link.target].words), link.directed) for link in links
    }
    directed = {(a, b) for a, b, d in found if d}
    assert directed == {
        ("Скважина", "Насос модель 40"),
        ("Насос модель 40", "Фильтр"),
        ("Фильтр", "Бойлер"),
        ("Бойлер", "Кран"),  # dotted: its dashes are one connector
    }
    plain = {frozenset((a, b)) for a, b, d in found if not d}
    assert plain == {frozenset(("Насос модель 40", "Датчик"))}


def test_the_words_of_one_frame_are_one_node() -> None:
    drawing = water_supply()
    nodes, _ = diagram_links(np.asarray(drawing.image), drawing.words)
    assert "Насос модель 40" in {names(node.words) for node in nodes}


def test_a_label_alone_on_the_page_with_no_lines_links_nothing() -> None:
    drawing = Drawing(Image.new("L", (600, 300), 255), [])
    drawing.box(150, 150, ["Input"])
    drawing.box(450, 150, ["Output"])
    assert diagram_links(np.asarray(drawing.image), drawing.words)[1] == []


def test_relation_lines_say_each_link_once() -> None:
    drawing = water_supply()
    nodes, links = diagram_links(np.asarray(drawing.image), drawing.words)
    texts = sorted(line.text for line in relation_lines(nodes, links))
    assert texts == sorted(
        [
            "Скважина → Насос модель 40",
            "Насос модель 40 → Фильтр",
            "Насос модель 40 — Датчик",
            "Фильтр → Бойлер",
            "Бойлер → Кран",
        ]
    )


def test_two_arrows_into_one_frame_are_listed_together() -> None:
    drawing = Drawing(Image.new("L", (1000, 600), 255), [])
    tuner = drawing.box(200, 100, ["Tuner"])
    player = drawing.box(800, 100, ["Player"])
    mixer = drawing.box(500, 450, ["Mixer"])
    drawing.arrow(((tuner[0] + tuner[2]) / 2, tuner[3]), (mixer[0] + 20, mixer[1]))
    drawing.arrow(((player[0] + player[2]) / 2, player[3]), (mixer[2] - 20, mixer[1]))
    nodes, links = diagram_links(np.asarray(drawing.image), drawing.words)
    # The group says it; "Tuner → Mixer" alone would hide Player from a question naming Tuner.
    assert [line.text for line in relation_lines(nodes, links)] == ["Mixer ← Tuner, Player"]
    assert all(isinstance(link, Link) and link.directed for link in links)


@pytest.fixture(scope="module")
def diagram_manual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manual page with the water-supply diagram as an embedded image under a Russian caption; one
    frame holds a line OCR of the whole drawing tends to lose beside a wavy border."""
    folder = tmp_path_factory.mktemp("diagrams")
    drawing = water_supply()
    picture = folder / "scheme.png"
    drawing.image.save(picture)
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Схема водоснабжения дома. Насос подаёт воду из скважины через фильтр в бак.")
    pdf.image(str(picture), x=20, y=40, w=150)
    pdf.set_xy(20, 40 + 150 * 800 / 1100 + 4)
    pdf.cell(0, 6, "Рисунок 3. Схема подачи воды")
    path = folder / "water.pdf"
    pdf.output(str(path))
    return path


def test_an_embedded_diagram_gains_relation_lines_in_its_figure_passage(diagram_manual: Path) -> None:
    pages = list(extract_pages(diagram_manual, IndexSettings(), "application/pdf"))
    figure = [p for p in pages[0].passages if p.kind == "figure"]
    assert figure and figure[0].section.startswith("Рисунок 3")
    lines = [p.text[s.start : s.end] for p in figure for s in p.spans]
    assert any(line.startswith("Фильтр → Бойлер") for line in lines), lines
    assert any(line.startswith("Скважина → Насос") for line in lines), lines
    # The relation line is cited where its labels stand: inside the figure, around both frames.
    span = next(s for p in figure for s in p.spans if p.text[s.start : s.end].startswith("Фильтр → Бойлер"))
    page_width = pages[0].content.width
    assert span.bbox[2] - span.bbox[0] > 0.2 * page_width


# -- tables drawn as pictures --------------------------------------------------------------------


def placed(text: str, x: float, y: float, height: float = 20.0) -> list[Word]:
    """Words of `text` laid out from (x, y), 12 px a letter."""
    words, left = [], x
    for part in text.split():
        words.append(Word(part, (left, y, left + 12 * len(part), y + height)))
        left += 12 * (len(part) + 1)
    return words


def test_a_pinout_table_gives_one_line_per_cell_named_by_row_and_column() -> None:
    words = placed("Pin", 20, 10) + placed("Signal", 200, 10) + placed("Direction", 400, 10)
    pins = [("1", "DCD", "in"), ("2", "RXD", "in"), ("3", "TXD", "out"), ("4", "DTR", "out")]
    for row, (pin, signal, direction) in enumerate(pins):
        y = 50 + 35 * row
        words += placed(pin, 30, y) + placed(signal, 210, y) + placed(direction, 420, y)
    words += placed("Figure 4 shows the DB9 connector seen from the front", 20, 400)  # not a row of it
    table = figure_table(words)
    assert table is not None
    texts = [line.text for line in table_lines(table)]
    assert "3 › Signal: TXD" in texts and "2 › Direction: in" in texts
    assert len(texts) == 8
    # The cell's words keep their boxes, so an answer cites the cell itself.
    line = next(line for line in table_lines(table) if line.text == "3 › Signal: TXD")
    assert line.words[-1].bbox == placed("TXD", 210, 120)[0].bbox


def test_a_row_of_tabs_over_a_form_is_no_table() -> None:
    # A dialog: its tabs look like headers and its fields stand under some of them, unevenly.
    words = placed("General", 20, 10) + placed("Display", 200, 10) + placed("Editor", 380, 10)
    words += placed("Files", 560, 10) + placed("Terminal", 740, 10)
    for y, text in [(60, "Startup path"), (100, "Project files"), (190, "Default encoding"), (220, "Line")]:
        words += placed(text, 20, y) + placed("on", 210, y)
    assert figure_table(words) is None


def test_words_without_a_header_row_make_no_table() -> None:
    words = placed("Name: Backup", 20, 10) + placed("Schedule: daily at 02:00", 20, 50)
    words += placed("Keep: 7 copies", 20, 90) + placed("OK Cancel", 300, 130)
    assert figure_table(words) is None


COLOURS = [
    ("Чёрный", (0, 0, 0), (255, 255, 255), "0", "1"),
    ("Коричневый", (110, 50, 40), (255, 255, 255), "1", "10"),
    ("Красный", (230, 20, 20), (255, 255, 255), "2", "100"),
    ("Жёлтый", (250, 240, 20), (0, 0, 0), "4", "10к"),
    ("Зелёный", (40, 190, 40), (0, 0, 0), "5", "100к"),
    ("Синий", (90, 90, 250), (255, 255, 255), "6", "1М"),
    ("Фиолетовый", (200, 100, 240), (0, 0, 0), "7", "10М"),
]


@pytest.fixture(scope="module")
def colour_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manual page whose colour chart is a picture: a header row on white over rows of coloured
    cells, white lettering on the dark ones and black on the light ones (as a calculator's screen)."""
    folder = tmp_path_factory.mktemp("chart")
    image = Image.new("RGB", (900, 80 + 44 * len(COLOURS)), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 24)
    for x, header in [(40, "Цвет"), (330, "Цифра"), (560, "Множитель")]:
        draw.text((x, 20), header, font=font, fill=(0, 0, 0))
    for row, (name, colour, ink, digit, factor) in enumerate(COLOURS):
        top = 70 + 44 * row
        for x0, x1, text in [(30, 290, name), (320, 480, digit), (550, 800, factor)]:
            draw.rectangle((x0, top, x1, top + 40), fill=colour)
            draw.text((x0 + 12, top + 6), text, font=font, fill=ink)
    picture = folder / "chart.png"
    image.save(picture)
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Цветовая маркировка резисторов. Полосы читают слева направо.")
    pdf.image(str(picture), x=20, y=40, w=160)
    pdf.set_xy(20, 40 + 160 * image.height / image.width + 4)
    pdf.cell(0, 6, "Рисунок 5. Таблица цветовой маркировки")
    path = folder / "chart.pdf"
    pdf.output(str(path))
    return path


def test_a_colour_chart_picture_gains_a_line_per_cell(colour_chart: Path) -> None:
    pages = list(extract_pages(colour_chart, IndexSettings(), "application/pdf"))
    lines = [p.text[s.start : s.end] for p in pages[0].passages if p.kind == "figure" for s in p.spans]
    assert "Фиолетовый › Цифра: 7" in lines, lines
    assert "Жёлтый › Множитель: 10к" in lines, lines
    # Lettering in white on the dark rows is read too, not only black on the light ones.
    assert "Коричневый › Цифра: 1" in lines, lines
    assert "Синий › Цифра: 6" in lines, lines


# -- answering from them ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diagram_library(
    diagram_manual: Path, colour_chart: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    from assistant import Assistant
    from tests.conftest import COFFEE_EN, VACUUM_RU, write_manual

    root = tmp_path_factory.mktemp("diagram-library")
    others = [
        write_manual(root / "vacuum_ru.pdf", VACUUM_RU),
        write_manual(root / "coffee_en.pdf", COFFEE_EN),
    ]
    assistant = Assistant(root / "ws", background_enrichment=False)
    assistant.add([diagram_manual, colour_chart, *others])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "document", "said"),
    [
        ("Куда насос подаёт воду на рисунке 3?", "water.pdf", "Фильтр"),
        ("С чем соединён фильтр на схеме подачи воды?", "water.pdf", "Бойлер"),
        (
            "Какой множитель у жёлтой полосы, судя по таблице цветовой маркировки? Цвет Жёлтый",
            "chart.pdf",
            "10к",
        ),
    ],
)
def test_a_question_naming_a_node_or_a_cell_is_answered_by_its_line(
    diagram_library: Assistant, question: str, document: str, said: str
) -> None:
    answer = diagram_library.ask(question)
    assert answer.found, question
    assert said in answer.text, answer.text
    citation = answer.citations[0]
    assert citation.document.filename == document


def test_a_question_about_the_prose_beside_a_diagram_is_answered_from_the_prose(
    diagram_library: Assistant,
) -> None:
    answer = diagram_library.ask("Что делает насос в доме?")
    assert answer.found
    assert "→" not in answer.text


def test_a_large_figure_is_looked_at_smaller_and_its_relations_keep_page_boxes() -> None:
    drawing = water_supply()
    big = drawing.image.resize((drawing.image.width * 2, drawing.image.height * 2))
    assert big.width * big.height > MAX_ANALYSIS_PIXELS
    # The figure stands at (100, 50) on the page, its image at 2 image pixels per page pixel.
    words = [
        Word(w.text, (100 + w.bbox[0], 50 + w.bbox[1], 100 + w.bbox[2], 50 + w.bbox[3]))
        for w in drawing.words
    ]
    figure = Figure("image", (100, 50, 1200, 850), scale=2.0, image=big, lines=[TextLine([w]) for w in words])
    _, relations = read_diagram(figure, "rus+eng", 30.0)
    line = next(line for line in relations if line.text == "Фильтр → Бойлер")
    filter_box = next(w.bbox for w in words if w.text == "Фильтр")
    assert line.words[0].bbox == pytest.approx(filter_box, abs=3)


def test_a_row_read_only_under_columns_left_out_does_not_break_the_table() -> None:
    # A pinout drawing whose note row stands under two headers that head nothing else: those columns
    # are left out, and the row with them (it had crashed the figure's reading).
    words = (
        placed("Pin", 20, 10)
        + placed("Signal", 200, 10)
        + placed("Colour", 400, 10)
        + placed("Note", 600, 10)
    )
    rows = [("1", "DCD"), ("2", "RXD"), ("3", "TXD"), ("4", "DTR")]
    for row, (pin, signal) in enumerate(rows[:2]):
        words += placed(pin, 30, 50 + 35 * row) + placed(signal, 210, 50 + 35 * row)
    words += placed("red", 410, 120) + placed("spare", 610, 120)
    for row, (pin, signal) in enumerate(rows[2:], start=3):
        words += placed(pin, 30, 50 + 35 * row) + placed(signal, 210, 50 + 35 * row)
    table = figure_table(words)
    assert table is not None
    texts = [line.text for line in table_lines(table)]
    assert "3 › Signal: TXD" in texts
    assert not any("red" in text or "spare" in text for text in texts)
