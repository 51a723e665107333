"""The reader on screenshots of a text file shown in a terminal with line numbers in a gutter.

The screens are invented (tests/data/curses_line_viewer.py, shot in xterm): notes scrolled to line 41,
each line after its number, English ones with a "[alarms]" block of `key = value` lines, Russian ones
with a phone line. The line that answers is the one that says the question's words with the value, read
without its line number, the file's title or its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.questions import profile_question
from assistant.spans import gutter_numbers, labelled_value, rejoined_names

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workspace = tmp_path_factory.mktemp("text_screens")
    with Assistant(workspace, background_enrichment=False) as assistant:
        assistant.add([DATA / "viewer_notes_en.png", DATA / "viewer_notes_ru.png"])
        yield assistant


@pytest.mark.parametrize(
    ("question", "expected", "screen"),
    [
        ("Which invoice number is given in the dock tasks shown in the viewer?", "7342", "en"),
        ("Which model of the Toyota pallet truck is named in the dock tasks?", "BT20", "en"),
        ("Which courier needs a pass according to the dock tasks?", "Tomas Varga", "en"),
        ("What mail address is set in the [alarms] section?", "dock-two@yard-east.example", "en"),
        ("What log path is configured in the [alarms] section?", "/srv/dock2/logs/gate.log", "en"),
        ("Какой номер накладной указан в задачах смены, открытых в просмотрщике?", "5817", "ru"),
        ("Какого экспедитора нужно встретить согласно задачам смены?", "Анну Соколову", "ru"),
        ("Какая модель штабелёра Jungheinrich указана в задачах смены?", "EJC14", "ru"),
    ],
)
def test_the_line_that_states_the_fact_is_the_answer(
    notes: Assistant, question: str, expected: str, screen: str
) -> None:
    answer = notes.ask(question)
    assert answer.found, answer.text
    assert expected in answer.text
    # Read without the gutter's numbers (41-52) and without the title line or a neighbour.
    assert not re.search(r"(^|\n)\s*\d{2}\s", answer.text), answer.text
    assert len(answer.text.splitlines()) <= 2
    citation = answer.citations[0]
    assert citation.document.filename == f"viewer_notes_{screen}.png"
    # One line is ~14 px high; the "[alarms]" heading and its line at most 4 rows.
    _, y0, _, y1 = citation.bbox
    assert y1 - y0 < 60


def test_a_question_the_notes_do_not_answer_is_not_found(notes: Assistant) -> None:
    # The notes name a mail address and a log path, never a cloud provider.
    answer = notes.ask("Which cloud provider stores the dock logs?")
    assert not answer.found, answer.text


# The lines as OCR read tests/data/viewer_notes_ru.png (title bar and key bar included).
READ_RU = [
    "41 Смена 3 задачи на пятницу",
    "42 Старший: Игорь Мельников",
    "44 1. Проверить ворота D-4 0-7 до 11:30.",
    "45 2. Оплатить поставку «Тарапак», накладная Ik 5817.",
    "46 3. Штабелёр Jungheinrich EJC14: заменить аккумулятор.",
    "47 4. Встретить экспедитора Анну Соколову в 9:00.",
    "48 5. Утилизировать плёнку: 6 рулонов.",
    "49",
    "50 Телефон охраны: +7 495 210-33-18",
    "а Quit Find g Goto",
]


def test_the_gutter_is_told_from_the_list_numbers_and_the_title_is_the_first_line() -> None:
    gutter = gutter_numbers(READ_RU, [12.0] * (len(READ_RU) - 1) + [4.0], 14.0)
    assert gutter.widths == [2] * 9 + [0]
    assert gutter.title == 0
    # OCR glued "47" to "4." of the list: the number due between 46 and 48 is told from the rest.
    glued = [*READ_RU[:5], "474. Встретить экспедитора", *READ_RU[6:]]
    assert gutter_numbers(glued, [12.0] * len(glued), 14.0).widths[5] == 2
    # A numbered list alone is no gutter.
    assert not any(gutter_numbers(["1 apple", "2 pear", "3 plum"], [12.0] * 3, 14.0).widths)
    # A title bar above the text column is no title.
    assert gutter_numbers(["view: notes", *READ_RU[1:]], [12.0] * len(READ_RU), 14.0).title is None


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("log /srv/dock2/logs/gate. log", "log /srv/dock2/logs/gate.log"),
        ("GNU viewer dock-notes. txt", "GNU viewer dock-notes.txt"),
        ("Scrap the crates. then call", "Scrap the crates. then call"),
    ],
)
def test_file_names_split_at_their_extension_are_joined(text: str, joined: str) -> None:
    assert rejoined_names(text) == joined


@pytest.mark.parametrize(
    ("question", "line", "value"),
    [
        ("Which invoice number is given?", "2. Pay the freight bill of Nordline, invoice No 7342.", "7342"),
        ("Какой номер накладной указан?", "2. Оплатить поставку «Тарапак», накладная Ik 5817.", "5817"),
        ("Which invoice number is given?", "4. Pass for the courier Tomas Varga on 14.03.", None),
    ],
)
def test_a_value_after_the_question_word_is_labelled(question: str, line: str, value: str | None) -> None:
    found = labelled_value(profile_question(question), line)
    assert (found[1] if found else None) == value


def test_a_word_that_names_the_document_labels_no_value() -> None:
    # "viewer" names the screenshot and "dock.txt" the file shown: the title bar's version is no fact.
    question = profile_question("In the viewer screenshot of dock.txt, what does the status bar say?")
    assert labelled_value(question, "GNU viewer 2.1 dock.txt", frozenset({"viewer"})) is None
    assert labelled_value(question, "dock.txt 2.1", frozenset()) is None
