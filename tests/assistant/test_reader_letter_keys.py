"""One-letter commands and options of a man page ("the s command", «параметр R»): the question names the
key beside the noun that says what it is, in the key's own case, and the item of that key answers; the
default one command offers beside another's; a path set apart under a sentence with no colon.

Material: two invented man pages (tests/data/PROVENANCE.md): quillsort(1) printed by groff (EN, one-key
commands p and P) and lintel(8) printed from groff's HTML by chromium (RU, options r and R, and an
option t whose description was left in English).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import indexed_manuals, page_views, read

from assistant import Assistant
from assistant.questions import kind_evidence, profile_question
from assistant.spans import (
    contents_lines,
    definition_spans,
    question_names_letter,
    runs_into_code,
    unsaid_action,
)

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    ("question", "letter", "named"),
    [
        ("What does the s command do?", "s", True),
        ("Which key is command p?", "p", True),
        ("Что делает параметр t?", "t", True),
        ("Чем параметр R отличается от r?", "R", True),
        # The other key of the pair is named bare, as the thing compared with: no key of its own.
        ("Чем параметр R отличается от r?", "r", False),
        ("What does the S command do?", "s", False),
        ("Press 'q' to leave.", "q", True),
        # An article or a preposition before the noun is no key.
        ("Is there a command to shuffle?", "a", False),
        ("Is a command for grouping there?", "a", False),
        ("Как работать с параметром t?", "с", False),
        ("What does option -s do?", "s", False),
    ],
)
def test_a_question_names_a_one_letter_key_beside_its_noun(question: str, letter: str, named: bool) -> None:
    assert question_names_letter(question, letter) is named


@pytest.fixture(scope="module")
def manuals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("letters")
    yield from indexed_manuals(root, [DATA / "quillsort.1.en.pdf", DATA / "lintel.8.ru.pdf"])


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What does the s command do in quillsort?", "Shuffle the entries into descending amount order"),
        ("What does the P command do in quillsort?", "Print every entry of the ledger"),
        ("What does the p command do in quillsort?", "Print the current entry"),
        # The key of a pair the question asks about, not the other one it compares it with.
        ("Чем параметр R у lintel отличается от r?", "события без отметки времени не учитываются"),
        # An option whose description the translation left in English, asked about in Russian.
        (
            "Что делает параметр t у lintel (его описание в русской странице осталось на английском)?",
            "Trim the event list at the given hour(s)",
        ),
    ],
)
def test_the_item_of_the_named_letter_answers(manuals: Assistant, question: str, answer: str) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    assert answer in reading.answer.text.replace("\n", " ")


def test_a_letter_the_page_does_not_list_is_not_found(manuals: Assistant) -> None:
    reading = read(manuals, "What does the y command do in quillsort?")
    assert not reading.answer.found, reading.answer.text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The default size is the current size.", "current"),
        ("The default size is equal to the size of the terminal's own font.", "equal"),
        ("The default size is a quarter of the screen.", "quarter"),
    ],
)
def test_a_value_word_after_an_article_is_the_value(text: str, value: str) -> None:
    profile = profile_question("What is the default size offered?")
    assert kind_evidence(profile.asks, text, profile).item == value


def test_the_default_of_the_asked_command_not_of_its_neighbour(manuals: Assistant) -> None:
    reading = read(manuals, "In quillsort, when I zoom the ledger, what is the default size offered?")
    assert reading.answer.found, reading.why
    assert "The default size is the current size." in reading.answer.text.replace("\n", " ")


@pytest.mark.parametrize(
    ("sentence", "line", "runs"),
    [
        ("Colours can be switched off by an empty file", "/etc/quill.d/quillsort.off", True),
        ("The ledger is kept in a plain file", "ledger-convert --to csv ledger.txt", True),
        ("The ledger is kept in a plain file.", "/etc/quill.d/quillsort.off", False),
        ("Colours can be switched off by an empty file", "and for every quill tool", False),
    ],
)
def test_a_sentence_with_no_stop_runs_into_the_code_line_under_it(
    sentence: str, line: str, runs: bool
) -> None:
    assert runs_into_code(sentence, line) is runs


def test_the_path_under_an_unstopped_sentence_answers(manuals: Assistant) -> None:
    reading = read(manuals, "Which file do I create to switch off colours only for quillsort?")
    assert reading.answer.found, reading.why
    assert "/etc/quill.d/quillsort.off" in reading.answer.text


def test_an_items_second_paragraph_is_part_of_its_definition() -> None:
    view = page_views(DATA / "quillsort.1.en.pdf")[0]
    font = next(span for span in definition_spans(view) if span.term == "f")
    assert "The size may be followed by a unit suffix" in font.text
    zoom = next(span for span in definition_spans(view) if span.term == "z")
    assert "suffix" not in zoom.text


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Какая переменная окружения включает отладочный вывод quillsort?", "QUILLSORT_TRACE"),
        ("Какие суффиксы размера понимает quillsort при выборе шрифта?", "pt for points"),
    ],
)
def test_a_russian_question_about_the_english_page(manuals: Assistant, question: str, answer: str) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    assert answer in reading.answer.text
    assert reading.answer.citations[0].document.filename == "quillsort.1.en.pdf"


@pytest.mark.parametrize(
    ("question", "answer", "document"),
    [
        ("Как выглядит синтаксис вызова lintel?", "lintel [ параметр … ] [ журнал … ]", "lintel.8.ru.pdf"),
        ("What is the synopsis of quillsort?", "quillsort [options] ledger", "quillsort.1.en.pdf"),
    ],
)
def test_how_a_program_is_called_is_its_synopsis_line(
    manuals: Assistant, question: str, answer: str, document: str
) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    # groff's PDF sets the heading as the term over the line: "SYNOPSIS / quillsort [options] ledger".
    assert reading.answer.text.split("\n")[-1] == answer
    assert reading.answer.citations[0].document.filename == document


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Что такое формат отчёта в lintel?", "Формат отчёта это короткое текстовое описание журнала"),
        ("What is the ledger format of quillsort?", "The ledger format is a plain text layout"),
    ],
)
def test_what_a_section_names_is_said_by_its_opening_sentence(
    manuals: Assistant, question: str, answer: str
) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    assert answer in reading.answer.text


@pytest.mark.parametrize(
    ("text", "contents"),
    [
        ("ИМЯ\nСИНТАКСИС", True),
        ("NAME\nSEE ALSO", True),
        ("СМ. ТАКЖЕ\nФОРМАТ ОТЧЁТА", True),
        ("NAME", False),
        ("CFG_DEBUG=all\nenables debug output.", False),
        ("ESC\nTAB", True),
    ],
)
def test_a_list_of_section_names_is_contents(text: str, contents: bool) -> None:
    assert contents_lines(text) is contents


def test_prose_that_never_says_the_doing_does_not_answer_how_to(manuals: Assistant) -> None:
    # The page tells what the ledger format is and how to group entries; nothing converts a ledger.
    reading = read(manuals, "How do I convert a quillsort ledger to a spreadsheet without losing entries?")
    assert not reading.answer.found, reading.answer.text


def test_the_item_that_says_the_doing_answers_how_to(manuals: Assistant) -> None:
    reading = read(manuals, "How do I group the entries that share a payee in quillsort?")
    assert reading.answer.found, reading.why
    assert "Group the entries that share a payee" in reading.answer.text


def test_across_languages_the_doing_is_said_in_the_other_language(manuals: Assistant) -> None:
    # "отменить" is "undo": the item that says it answers, not the one that keeps an undo buffer.
    reading = read(manuals, "Как отменить последнюю команду перестановки в quillsort?")
    assert reading.answer.found, reading.why
    assert reading.answer.text.startswith("u Undo the last reordering command")


def test_a_command_line_in_the_text_shows_the_doing() -> None:
    view = page_views(DATA / "quillsort.1.en.pdf")[0]
    group = next(span for span in definition_spans(view) if span.term == "g")
    question = profile_question("How do I merge two ledgers with quillsort?")
    said = frozenset({"quillsort", "ledger"})
    assert unsaid_action(question, group, said) == ("the doing: merg",)
    shown = dataclasses.replace(
        group, text="Ledgers are joined like cat:\n$ quillsort --join a.ledger b.ledger"
    )
    assert unsaid_action(question, shown, said) == ()
