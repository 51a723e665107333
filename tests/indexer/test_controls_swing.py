"""Controls of Java Swing (Metal) windows: a property table, combo boxes, an open menu with accelerators.

The shots are of the project's own Swing program (tests/data/SwingShots.java), English and Russian.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from indexer.controls import detect_controls, flat_rectangle, phrases, property_rows, text_height
from indexer.ocr import recognize
from indexer.records import Control, TextLine, Word
from tests.indexer.test_controls import DATA, controls_of


def fields(name: str) -> dict[str, Control]:
    return {c.label: c for c in controls_of(name) if c.kind in ("field", "dropdown")}


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        (
            "swing_en_aquarium_table.png",
            {"Pump Speed": "40", "Light Mode": "Dawn", "Sensor Count": "5", "Tank Name": "REEF"},
        ),
        (
            "swing_ru_aquarium_table.png",
            {"Скорость насоса": "40", "Режим света": "Рассвет", "Число датчиков": "5", "Нагреватель": "Выкл"},
        ),
    ],
)
def test_a_property_tables_rows_read_as_name_and_value(name: str, rows: dict[str, str]) -> None:
    found = fields(name)
    for label, value in rows.items():
        assert found[label].value == value
        # The value's box is the value cell's, right of the column rule, not the name's.
        assert found[label].value_bbox[0] > found[label].label_bbox[2]  # type: ignore[index]


def pasted_tk_dialog() -> tuple[Image.Image, list[TextLine]]:
    # A real Tk dialog (tests/data/tk_scanner_settings.py) as a manual's figure reading sees it: pasted
    # 150 mm wide into a PDF page, rendered and shrunk to the shot's own pixels. Three combo boxes
    # stand one under the other, each as wide as the next, with a Reset button right of each.
    with Image.open(DATA / "tk_ru_scanner_settings_pasted.png") as image:
        pasted = image.convert("RGB")
    return pasted, recognize(pasted).lines


def test_stacked_combo_boxes_with_buttons_beside_them_are_no_property_table() -> None:
    # Their frames' sides line up into a column rule as a table's does; the window's ground between
    # the fields is no row line of a table, so each value stays its label's (no "Canon: Reset").
    image, lines = pasted_tk_dialog()
    height = text_height([w for line in lines for w in line.words])
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    assert property_rows(gray, phrases(lines, height, gray), height) == []
    assert all(c.value != "Сброс" for c in detect_controls(image, lines))


def test_stacked_combo_boxes_are_no_open_menu_parted_by_separators() -> None:
    # The second field's white, flood-filled, is a flat bordered rectangle like a menu's; the field
    # under it lines up with it as a menu's next section would, but the ground between them runs
    # out past their sides: the rectangle stops at the field's own frame.
    image, lines = pasted_tk_dialog()
    height = text_height([w for line in lines for w in line.words])
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    second = next(w for line in lines for w in line.words if w.text == "серого")
    seed = (round((second.bbox[1] + second.bbox[3]) / 2), round(second.bbox[2] + 0.5 * height))
    box = flat_rectangle(gray, *seed, height)
    assert box is None or box[3] - box[1] < 2.5 * height
    assert all(c.group != "Меню" for c in detect_controls(image, lines))


def test_a_property_table_under_an_open_menu_still_reads_by_rows() -> None:
    found = fields("swing_en_aquarium_menu.png")
    assert found["Light Mode"].value == "Dawn"
    assert found["Pump Speed"].value == "40"


@pytest.mark.parametrize(
    ("name", "label", "value"),
    [
        # A combo box right after a label with no colon, its frame's side inside the number's OCR box.
        ("swing_en_aquarium_options.png", "Refresh interval", "15"),
        # A combo box whose value OCR lost: read again inside its frame.
        ("swing_en_aquarium_options.png", "Alarm sound", "Whistle"),
    ],
)
def test_a_swing_combo_box_holds_the_value_of_its_label(name: str, label: str, value: str) -> None:
    assert fields(name)[label].value == value


def test_swing_radio_buttons_and_check_boxes_keep_their_state() -> None:
    controls = controls_of("swing_ru_aquarium_options.png")
    states = {c.value: c.on for c in controls if c.kind in ("radio", "checkbox")}
    assert states["Фаренгейт"] is True
    assert states["Цельсий"] is False
    assert states["Ночная подсветка"] is True
    assert states["Отправлять отчёты"] is False


@pytest.mark.parametrize(
    ("name", "items"),
    [
        (
            "swing_en_aquarium_menu.png",
            ["Feed Fish (Ctrl-F)", "Clean Filter (Ctrl-L)", "Check Water", "Measure Oxygen (Ctrl-M)"],
        ),
        ("swing_ru_aquarium_menu.png", ["Очистить фильтр (Ctrl-L)", "Проверить воду"]),
    ],
)
def test_an_open_swing_menu_pairs_each_item_with_its_accelerator(name: str, items: list[str]) -> None:
    """Its first section holds one item before a separator, and Swing writes "Ctrl-F" with a hyphen."""
    menus = [c for c in controls_of(name) if c.kind == "list"]
    assert len(menus) == 1
    listed = menus[0].value.split(", ")
    for item in items:
        assert item in listed


def test_a_word_boxed_upside_down_at_the_pictures_edge_leaves_the_screens_reading_as_it_was() -> None:
    """A word re-read from a crop clipped at the picture's bottom comes back with its top below its
    bottom: the dialog's controls are read as without it (it broke a whole manual's indexing)."""
    with Image.open(DATA / "swing_en_aquarium_options.png") as image:
        rgb = image.convert("RGB")
    lines = recognize(rgb).lines
    # The button's caption read as its first word alone, then the clipped word beside it.
    first = lines[-1].words[0]
    lines[-1] = TextLine([first], lines[-1].block)
    plain = detect_controls(rgb, lines)
    _, y0, x1, y1 = first.bbox
    clipped = Word("edge", (x1 + 4, y1 + 4, x1 + 30, y1), 90.0, y1 - y0)
    lines[-1] = TextLine([first, clipped], lines[-1].block)
    assert detect_controls(rgb, lines) == plain
