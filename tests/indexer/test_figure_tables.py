"""Tables and dialogs pasted into a manual as pictures: cells named by row and column, options by group.

The material is invented (tests/data/PROVENANCE.md): a "Greenhouse Sensor Board" status page made in
HTML with coloured cells and underlined links, shot with chromium headless, and a Russian Tk export
dialog shot under Xvfb, both pasted into an English manual printed to PDF with chromium. The manual's
pages are in English, so its figures are first read in English alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.controls import MENU_CHECK
from indexer.diagrams import column_zones, figure_table, split_at_gutters, table_lines
from indexer.figures import (
    FigureReading,
    chosen_options,
    cyrillic_first,
    named_controls,
    reads_russian_in_latin,
)
from indexer.pipeline import ExtractedPage, extract_pages
from indexer.records import Control, TextLine, Word
from indexer.settings import IndexSettings

DATA = Path(__file__).resolve().parent.parent / "data"
MANUAL = DATA / "figures_status_board_dialog.en.pdf"


def placed(text: str, x: float, y: float, height: float = 20.0) -> list[Word]:
    """Words of `text` laid out from (x, y), 12 px a letter."""
    words, left = [], x
    for part in text.split():
        words.append(Word(part, (left, y, left + 12 * len(part), y + height), 90.0))
        left += 12 * (len(part) + 1)
    return words


@pytest.fixture(scope="module")
def manual_pages() -> Iterator[list[ExtractedPage]]:
    yield list(extract_pages(MANUAL, IndexSettings(), "application/pdf"))


def figure_text(page: ExtractedPage) -> str:
    return "\n".join(p.text for p in page.passages if p.kind == "figure")


def test_a_pasted_status_page_gives_its_cells_named_by_row_and_column(
    manual_pages: list[ExtractedPage],
) -> None:
    # Three machines under coloured headers: the table has three rows only, two of its headers stand
    # closer than words of one phrase ("Soil Temp", "Light Level"), and its link cells are underlined.
    lines = figure_text(manual_pages[0]).splitlines()
    assert "Seed room › Pump State: RUNNING" in lines
    # The values as read (OCR may or may not keep the space before a unit).
    said = {line.replace(" °", "°") for line in lines}
    assert "North bay › Soil Temp: 18.7°C" in said
    assert "Seed room › Soil Temp: 22.4°C" in said
    assert any(line.startswith("Cold frame › Light Level: 1260 ") for line in lines)
    # No cell is named by a header cut in two or glued to its neighbour.
    cells = [line for line in lines if " › " in line]
    assert not any("Temp Light" in line or "Level Pump" in line or "Sensor H" in line for line in cells)


def test_a_russian_dialog_pasted_on_an_english_page_is_read_in_cyrillic(
    manual_pages: list[ExtractedPage],
) -> None:
    # English alone reads it "Coxpanutb ucxoguei" (Latin look-alikes); it is read again Russian first.
    text = figure_text(manual_pages[1])
    assert "Сохранить исходный размер и обрезать поля" in text
    assert "Область печати" in text


def test_latin_look_alikes_of_russian_words_ask_for_a_cyrillic_reading() -> None:
    garbled = [TextLine(placed("Coptuposka KomnoHeHTOB no X-koopgunate", 0, 0))]
    garbled.append(TextLine(placed("He 3akpbiBaTb OKHO", 0, 40)))
    english = [
        TextLine(placed("Sort components by X position", 0, 0)),
        TextLine(placed("Keep window open", 0, 40)),
    ]
    assert reads_russian_in_latin(FigureReading(garbled, []))
    assert not reads_russian_in_latin(FigureReading(english, []))
    assert cyrillic_first("eng+rus") == "rus+eng"
    assert cyrillic_first("eng") == "eng"


def test_a_group_box_read_as_a_list_with_a_marked_item_is_its_radio_buttons() -> None:
    box = (10.0, 10.0, 200.0, 120.0)
    value = f"Justification, Align right, Align bottom, {MENU_CHECK}Align left, Align top"
    lines = [TextLine(placed("Align left", 30, 70))]
    options = chosen_options([Control("list", "", None, value, box)], lines)
    assert [(o.kind, o.group, o.value, o.on) for o in options] == [
        ("radio", "Justification", "Align right", False),
        ("radio", "Justification", "Align bottom", False),
        ("radio", "Justification", "Align left", True),
        ("radio", "Justification", "Align top", False),
    ]
    # The chosen option is boxed by its own words, not by the whole group.
    assert options[2].value_bbox == (30.0, 70.0, 30.0 + 12 * 10, 90.0)
    # A group of options counts as named controls of a screen; a list nothing marks is left a list.
    assert named_controls([Control("list", "", None, value, box)]) == 1
    plain = Control("list", "", None, "Open, Save, Close", box)
    assert chosen_options([plain]) == [plain]


def test_two_headers_close_together_are_cut_where_the_columns_under_them_part() -> None:
    header = placed("UPS Load", 300, 10) + placed("UPS Temp", 410, 10)  # 14 px apart: one phrase
    below = [placed("6.2 %", 320, 50) + placed("35.1 °C", 425, 50), placed("11.4 %", 320, 90)]
    parts = split_at_gutters(header, below, 20.0)
    assert [" ".join(w.text for w in part) for part in parts] == ["UPS Load", "UPS Temp"]
    # Words of one header over one column's values stay together.
    assert len(split_at_gutters(placed("Battery Chg", 100, 10), [placed("100.0 %", 110, 50)], 20.0)) == 1


def test_three_evenly_spaced_rows_make_a_table_and_its_columns_come_from_the_gutters() -> None:
    words = placed("Host", 20, 10) + placed("Load", 200, 10) + placed("Temp", 330, 10)
    for row, (host, load, temp) in enumerate(
        [("alpha", "12 %", "31 °C"), ("beta", "40 %", "29 °C"), ("gamma", "7 %", "35 °C")]
    ):
        y = 50 + 35 * row
        words += placed(host, 20, y) + placed(load, 200, y) + placed(temp, 330, y)
    table = figure_table(words)
    assert table is not None
    assert "beta › Temp: 29 °C" in [line.text for line in table_lines(table)]
    zones = column_zones(table, words, 20.0)
    # One zone per column, each holding its header and values and no other column's.
    assert len(zones) == 3
    assert zones[0][0] <= 20 and 20 + 12 * 5 <= zones[0][1] <= 200
    assert zones[1][0] <= 200 and 200 + 12 * 4 <= zones[1][1] <= 330 and zones[2][0] <= 330
