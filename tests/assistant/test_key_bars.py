"""A text program's key bars: what a key combo does and which key does something, in English and Russian,
with the keys in reverse video or in a colour of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.generators.keybars import asked_key, key_pairs
from indexer.records import DocumentRecord, PassageRecord

DATA = Path(__file__).parents[1] / "data"
SHOTS = ("tui_keybar_en.png", "tui_keybar_ru.png", "tui_keybar_colour_ru.png")


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    assistant = Assistant(tmp_path_factory.mktemp("keybars") / "workspace", background_enrichment=False)
    assistant.add([DATA / name for name in SHOTS])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "answer", "shots"),
    [
        ("What does ^D do in the seedlist editor's key bar?", "Duplicate", {SHOTS[0]}),
        ("Which key combo undoes the last change in seedlist?", "M-U", {SHOTS[0]}),
        ("Which key sorts the keys?", "M-K", {SHOTS[0]}),
        ("Что делает ^L в нижних строках seedlist?", "Метка", {SHOTS[1], SHOTS[2]}),
        ("Какая клавиша делает резервную копию («Резерв») в seedlist?", "^B", {SHOTS[1], SHOTS[2]}),
        ("Какая команда закреплена за ^S в seedlist?", "Сохранить", {SHOTS[1], SHOTS[2]}),
        # The key that starts a bar's row is no OCR debris to drop from the line.
        ("What does ^G do in seedlist?", "Help", {SHOTS[0]}),
        ("Что делает ^Q в seedlist?", "Выход", {SHOTS[1], SHOTS[2]}),
    ],
)
def test_the_key_bar_pairs_the_key_with_its_command(
    bars: Assistant, question: str, answer: str, shots: set[str]
) -> None:
    result = bars.ask(question)
    assert result.found and result.text == answer, result.text
    citation = result.citations[0]
    assert citation.document.filename in shots
    # Boxed on the key bars: the two bottom rows of the 12-row screen.
    row = citation.page_height / 12
    assert citation.bbox[1] >= 9.5 * row, citation.bbox


def test_a_key_the_bars_do_not_hold_is_not_answered_with_another(bars: Assistant) -> None:
    result = bars.ask("What does ^Z do in the seedlist key bar?")
    assert result.text not in {"Duplicate", "Save", "Help", "Quit", "Undo"}, result.text


def test_keys_named_in_questions_are_written_as_bars_write_them() -> None:
    assert asked_key("What does Ctrl+R do?") == "^R"
    assert asked_key("Что делает ^x?") == "^X"
    assert asked_key("What does M-r do?") == "M-R"
    assert asked_key("Which key saves?") is None


def test_ocr_readings_of_a_bar_give_its_pairs() -> None:
    text = "Help M-C Case Sens “R Replace\n^Р Older ^T Go To Line\n“G (F1) Display this help text"
    document = DocumentRecord(1, "bar.png", "0" * 64, "image/png", 1, 100, "en", "2026-01-01")
    passage = PassageRecord(1, document, 1, 640, 420, "text", "en", "", text, (0, 0, 640, 60), [])
    pairs = [(p.key, p.name) for p in key_pairs(passage)]
    assert pairs == [
        ("M-C", "Case Sens"),
        ("^R", "Replace"),
        ("^P", "Older"),
        ("^T", "Go To Line"),
        ("^G", "Display this help text"),
    ]
