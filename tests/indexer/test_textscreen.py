"""Text-mode screens read from their character cells: frames dropped, boxes' states, groups, fields, menus.

The screens are an invented archiver's curses dialogs (tests/data/curses_archiver.py) shot in xterm
with two fonts, English and Russian (see PROVENANCE.md); GUI screenshots must not be taken for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant import Assistant
from indexer import scans
from indexer.ocr import OcrSettings, recognize
from indexer.pipeline import extract_document
from indexer.records import Control
from indexer.settings import IndexSettings
from indexer.textscreen import bracket, cell_grid, frame_cell, read_screen

DATA = Path(__file__).resolve().parents[1] / "data"


def screen_of(name: str) -> tuple[list[str], list[Control]] | None:
    rgb = Image.open(DATA / name).convert("RGB")
    words = [w for line in recognize(rgb).lines for w in line.words]
    found = read_screen(rgb, words, OcrSettings())
    if found is None:
        return None
    lines, controls = found
    return [line.text for line in lines], controls


@pytest.mark.parametrize(
    ("name", "group", "chosen", "others"),
    [
        ("tui_backup_en.png", "Compression", "Fast deflate", ["Store only", "Maximum"]),
        ("tui_backup_ru.png", "Сжатие", "Быстрое сжатие", ["Только хранить", "Максимум"]),
    ],
)
def test_radio_group_state_and_frame_title(name: str, group: str, chosen: str, others: list[str]) -> None:
    found = screen_of(name)
    assert found is not None
    radios = {c.value: c for c in found[1] if c.kind == "radio"}
    assert set(radios) == {chosen, *others}
    assert radios[chosen].on is True
    assert all(radios[o].on is False for o in others)
    assert {c.label for c in radios.values()} == {group}


@pytest.mark.parametrize(
    ("name", "group", "off", "on"),
    [
        ("tui_backup_en.png", "Extras", "Split volumes", "Verify archive"),
        ("tui_backup_ru.png", "Дополнительно", "Делить на тома", "Проверять архив"),
    ],
)
def test_check_boxes_whose_closing_bracket_ocr_drops(name: str, group: str, off: str, on: str) -> None:
    # Tesseract reads "[x] Verify archive" as "[x Verify archive", "[ ] Split volumes" as "[ Split volumes".
    found = screen_of(name)
    assert found is not None
    boxes = {c.value: c for c in found[1] if c.kind == "checkbox"}
    assert boxes[off].on is False and boxes[off].label == group
    assert boxes[on].on is True
    # The Latin word of a Russian label stays Latin ("Журнал rsync").
    assert name.endswith("_en.png") or "Журнал rsync" in boxes


@pytest.mark.parametrize(
    ("name", "label"), [("tui_backup_en.png", "Target host"), ("tui_backup_ru.png", "Адрес сервера")]
)
def test_a_label_ending_in_a_colon_takes_the_field_under_it(name: str, label: str) -> None:
    found = screen_of(name)
    assert found is not None
    fields = {c.label: c.value for c in found[1] if c.kind == "field"}
    assert fields[label] == "vault7"


@pytest.mark.parametrize(
    ("name", "title", "items"),
    [
        ("tui_menu_en.png", "Tools", ["Schedule", "Filters", "Encryption", "Quotas", "Reset all"]),
        ("tui_menu_ru.png", "Сервис", ["Расписание", "Фильтры", "Шифрование", "Квоты", "Сбросить всё"]),
    ],
)
def test_a_pull_down_menu_keeps_its_items_in_order(name: str, title: str, items: list[str]) -> None:
    found = screen_of(name)
    assert found is not None
    [menu] = [c for c in found[1] if c.kind == "list"]
    assert menu.label == title
    positions = [menu.value.index(item) for item in items]
    assert positions == sorted(positions)
    assert " | " in menu.value.split(items[-2])[1]  # the line across the frame parts the last item off


def test_frames_leave_the_text_and_the_passages_say_the_state() -> None:
    [page] = extract_document(DATA / "tui_backup_en.png", IndexSettings()).pages
    text = "\n".join(p.text for p in page.passages if p.kind != "control")
    assert "Archiver settings" in text and "Target host" in text
    assert not any(ch in text for ch in "│┌┐└┘─гL—_{")
    said = [p.text for p in page.passages if p.kind == "control"]
    assert any("Compression: Fast deflate (selected)" in t for t in said)
    assert any("Extras: Split volumes (not ticked, disabled)" in t for t in said)


@pytest.mark.parametrize(
    "name", ["tk_en_run_command.png", "gtk3_ru_backup_prefs.png", "lo_en_pdf_options_tabs.png"]
)
def test_gui_screenshots_are_no_text_screens(name: str) -> None:
    rgb = Image.open(DATA / name).convert("RGB")
    words = [w for line in recognize(rgb).lines for w in line.words]
    assert cell_grid(rgb, words) is None or read_screen(rgb, words, OcrSettings()) is None


def test_line_characters_are_frames_and_brackets_and_letters_are_not() -> None:
    h, w = 19, 9
    vertical = np.zeros((h, w), bool)
    vertical[1:, 4:6] = True
    corner = np.zeros((h, w), bool)
    corner[9:11, 4:] = True
    corner[9:, 4:6] = True
    square = np.zeros((h, w), bool)
    square[3:17, 3:5] = True
    square[3, 3:7] = square[16, 3:7] = True
    letter_t = np.zeros((h, w), bool)
    letter_t[3:5, 1:8] = True
    letter_t[3:16, 4:6] = True
    assert frame_cell(vertical) and frame_cell(corner)
    assert not frame_cell(square) and not frame_cell(letter_t)
    assert bracket(square) == "["
    assert bracket(square[:, ::-1]) is None  # a closing bracket is read mirrored
    round_ = np.zeros((h, w), bool)
    for row, column in enumerate([6, 6, 5, 5, 4, 4, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6]):
        round_[row, column : column + 2] = True
    assert bracket(round_) == "("
    assert bracket(letter_t) is None


# An invented volume manager (tests/data/curses_volumes.py): dark letters on xterm's white under a
# window manager's title bar, a table with one row in reverse video, a box of "Label: GUID" lines.


def _page_text(name: str) -> tuple[str, list[str]]:
    [page] = extract_document(DATA / name, IndexSettings()).pages
    text = "\n".join(p.text for p in page.passages if p.kind != "control")
    return text, [p.text for p in page.passages if p.kind == "control"]


def test_a_light_terminal_under_a_title_bar_is_read_on_its_cells_with_its_guid_exact() -> None:
    # Dense letters on white are no grainy scan (flattening them garbled every number), and the few
    # colour edges leave the grid to the words' own positions.
    gray = np.asarray(Image.open(DATA / "tui_volumes_en.png").convert("L"))
    assert not scans.looks_scanned(gray)
    text, said = _page_text("tui_volumes_en.png")
    assert "Volume GUID: E8B0C41D-72A6-4F0E-9B18-0E6D1C8B3A2F" in said
    assert "Volume label: vault-main" in said
    # The table's rows, the one under the highlighted row too (OCR dropped its first word).
    assert "vol.pool4 100667392 2.3G Media cache" in text
    assert "vol.pool1 4096 512M Boot store" in text


def test_russian_terminal_keeps_its_words_and_reads_a_prompts_value_without_the_cursor() -> None:
    text, said = _page_text("tui_volumes_prompt_ru.png")
    assert "GUID тома: 5A1B80E3-9D04-4C8B-8E0B-B3C1E08D2F19" in said
    assert "Метка тома: scratch-fast" in said
    # The unfocused window's hollow cursor after the value is no "0".
    assert "Target size: 11,5G" in said
    assert "vol.pool1 4096" in text and "Загрузочный" in text and "Кэш медиа" in text


@pytest.mark.parametrize(
    ("name", "row", "button", "word", "button_word"),
    [
        (
            "tui_volumes_en.png",
            "vol.pool3 16781312 40G Archive vault",
            "Exit",
            "Highlighted",
            "Highlighted button",
        ),
        ("tui_volumes_ru.png", "vol.pool3 16781312 40G Архив", "Выйти", "Выделено", "Выделенная кнопка"),
    ],
)
def test_reverse_video_row_and_button_are_the_highlighted_items(
    name: str, row: str, button: str, word: str, button_word: str
) -> None:
    # The current row and the focused button are drawn in the screen's own colours swapped; the
    # other buttons of the row, in brackets too, are not highlighted. The bracketed one is a button.
    _, said = _page_text(name)
    highlighted = [text for text in said if text.startswith((f"{word}: ", f"{button_word}: "))]
    assert sorted(highlighted) == sorted([f"{word}: {row}", f"{button_word}: {button}"])


def test_a_frame_title_in_reverse_video_heads_its_box_and_is_no_highlighted_item() -> None:
    _, said = _page_text("tui_volumes_titled_en.png")
    assert "Details › Volume GUID: 5A1B80E3-9D04-4C8B-8E0B-B3C1E08D2F19" in said
    highlighted = sorted(text for text in said if text.startswith("Highlighted"))
    assert highlighted == ["Highlighted button: Exit", "Highlighted: vol.pool2 1052672 7.5G Scratch area"]


@pytest.mark.parametrize(
    ("question", "answer", "shot"),
    [
        ("Which button at the bottom of the screen is highlighted?", "Highlighted button: Exit", "en"),
        ("Which volume is highlighted in the table?", "Highlighted: vol.pool3", "en"),
        ("Какая кнопка внизу экрана выделена?", "Выделенная кнопка: Выйти", "ru"),
        ("Какой том выделен в таблице?", "Выделено: vol.pool3", "ru"),
    ],
)
def test_the_reader_tells_the_highlighted_button_from_the_highlighted_row(
    screens_assistant: Assistant, question: str, answer: str, shot: str
) -> None:
    # "Highlighted" / «выделен» speak of the screen's own highlight here, not of a red mark.
    reply = screens_assistant.ask(question)
    assert reply.found and reply.text.startswith(answer), reply.text
    assert reply.citations[0].document.filename == f"tui_volumes_{shot}.png"


@pytest.fixture(scope="module")
def screens_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with Assistant(tmp_path_factory.mktemp("tui") / "ws", background_enrichment=False) as assistant:
        assistant.add([DATA / "tui_volumes_en.png", DATA / "tui_volumes_ru.png"])
        yield assistant


@pytest.mark.parametrize(
    ("name", "bars"),
    [
        (
            "tui_keybar_en.png",
            [
                "^G Help ^S Save ^F Find M-U Undo ^E Export",
                "^Q Quit ^L Label Tray ^D Duplicate M-K Sort Keys ^B Backup",
            ],
        ),
        (
            "tui_keybar_ru.png",
            [
                "^G Справка ^S Сохранить ^F Найти M-U Отменить ^E Экспорт",
                "^Q Выход ^L Метка ^D Дубликат M-K Сортировка ^B Резерв",
            ],
        ),
        (
            "tui_keybar_colour_ru.png",
            [
                "^G Справка ^S Сохранить ^F Найти M-U Отменить ^E Экспорт",
                "^Q Выход ^L Метка ^D Дубликат M-K Сортировка ^B Резерв",
            ],
        ),
    ],
)
def test_a_screen_with_key_bars_is_read_from_its_cells_with_its_keys_in_latin(
    name: str, bars: list[str]
) -> None:
    # No frame on these screens: the key bars (keys in reverse video, or green beside cyan names) make
    # them a text program's; read with Russian, the first reading had "^б" for "^G" and lost "^Q".
    found = screen_of(name)
    assert found is not None
    assert found[0][-2:] == bars
