"""When an appointment of a terminal agenda's day panel starts and ends, asked in either language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from assistant import Assistant
from assistant.generators.schedules import asks_time_range

DATA = Path(__file__).parents[1] / "data"
SHOTS = ("tui_agenda_en.png", "tui_agenda_ru.png")


@pytest.fixture(scope="module")
def agenda(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    assistant = Assistant(tmp_path_factory.mktemp("agenda") / "workspace", background_enrichment=False)
    assistant.add([DATA / name for name in SHOTS])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "times", "shot", "item"),
    [
        # The title's own words.
        ("What time does the lunch with the print shop owner start and end?", ("13:20", "14:35"), 0, 1),
        ("Во сколько начинается и заканчивается встреча с архитектором склада?", ("15:10", "16:45"), 1, 1),
        # Across languages: the screen of the language the question names, the title by its meaning.
        (
            "In my Russian-language agenda, what time does the accounting meeting about the report start "
            "and end?",
            ("09:25", "10:40"),
            1,
            0,
        ),
        (
            "Во сколько начинается и заканчивается инструктаж по технике безопасности на складе в "
            "английской версии?",
            ("11:45", "12:15"),
            0,
            0,
        ),
    ],
)
def test_the_time_line_over_the_named_title_answers(
    agenda: Assistant, question: str, times: tuple[str, str], shot: int, item: int
) -> None:
    result = agenda.ask(question)
    assert result.found and result.text.startswith(f"{times[0]}–{times[1]}"), result.text
    citation = result.citations[0]
    assert citation.document.filename == SHOTS[shot]
    # Boxed on the time line: the script draws the n-th appointment's times on row 4 + 3n (14 rows).
    height = Image.open(DATA / SHOTS[shot]).height / 14
    _, y0, _, y1 = citation.bbox
    assert (3 + 3 * item) * height - 2 <= y0 and y1 <= (4 + 3 * item) * height + 2, citation.bbox


def test_an_appointment_the_panel_does_not_show_is_not_answered_with_another(agenda: Assistant) -> None:
    result = agenda.ask("What time does the dentist appointment start and end?")
    assert not any(time in result.text for time in ("09:25", "11:45", "13:20", "15:10")), result.text


def test_what_asks_for_a_time_range() -> None:
    assert asks_time_range("What time does the supply meeting start and end?")
    assert asks_time_range("Во сколько начинается и заканчивается планёрка?")
    assert not asks_time_range("What time does the supply meeting start?")
    assert not asks_time_range("Во сколько забрать посылку?")
