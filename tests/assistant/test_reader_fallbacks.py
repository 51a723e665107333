"""What a man page says holds when an option or keyword is not given, a keyword's own description, and
answers quoted from wrapped prose.

Material: two invented man pages (tests/data/PROVENANCE.md): frobscan(1) printed by groff (EN) and
tints.conf(5) printed from groff's HTML by chromium (RU).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import indexed_manuals, page_views, read

from assistant import Assistant
from assistant.questions import asks_fallback, kind_evidence, profile_question, states_fallback
from assistant.spans import definition_spans, names_the_key, unwrapped, without_cut_sentence

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    ("question", "fallback"),
    [
        ("What layout does frobscan use when --layout is not given?", True),
        ("How many sheets with --sheet-count not given?", True),
        ("Какой цвет используется, если цвет BROKEN не задан?", True),
        ("Из какой переменной берётся лоток, если он не указан?", True),
        ("What is the default layout?", False),
        ("Какой цвет задаёт ключевое слово BROKEN?", False),
    ],
)
def test_a_question_that_asks_what_holds_when_nothing_is_given(question: str, fallback: bool) -> None:
    assert asks_fallback(question) is fallback


@pytest.mark.parametrize(
    ("text", "fallback"),
    [
        ("If --layout is not given, the sheets are arranged as a strip.", True),
        (
            "If not given, frobscan keeps pulling sheets until the feeder reports that its tray is empty.",
            True,
        ),
        ("the tray used when no --tray option is given.", True),
        ("Если этот цвет не задан, то tintview будет использовать вместо него цвет SOCKET.", True),
        ("Задаёт цвет, используемый для сокетов.", False),
        ("sets the number of sheets to pull from the feeder.", False),
    ],
)
def test_a_sentence_that_states_the_fallback(text: str, fallback: bool) -> None:
    assert states_fallback(text) is fallback


def test_wrapped_prose_is_joined_and_structure_kept() -> None:
    assert unwrapped("пароль группы. Если это поле пустое, то пароль не\nнужен.") == (
        "пароль группы. Если это поле пустое, то пароль не нужен."
    )
    # A term's own line, a command block after its introduction and list items keep their lines.
    term = "--layout=style\nchooses how the sheets of one batch are arranged in the output"
    assert unwrapped(term) == term
    block = "To build and install it, run the following commands in order\ncd /tmp/build\nmake install"
    assert unwrapped(block) == block
    items = "The feeder reports three states, each on its own line\n- empty\n- jammed"
    assert unwrapped(items) == items


def test_a_transport_protocol_beside_a_number_makes_it_a_port() -> None:
    text = "Clients reach the daemon by opening up FROBPORT (default: TCP 4711) on the firewall."
    for question in (
        "What is the default TCP port of FROBPORT?",
        "Какой TCP-порт по умолчанию у FROBPORT нужно открыть на брандмауэре?",
    ):
        profile = profile_question(question)
        assert kind_evidence(profile.asks, text, profile).item == "4711"


def test_a_word_groff_hyphenates_across_a_line_end_is_one_word() -> None:
    """groff marks the hyphen with pdfium's soft-hyphen code: the layout mends "op-" / "tion", and a
    definition read line by line keeps the mended word."""
    view = page_views(DATA / "frobscan.1.en.pdf")[0]
    layout = next(span for span in definition_spans(view) if span.term.startswith("--layout"))
    assert "the --target-file option. style can be" in layout.text.replace("\n", " ")
    assert "op\ntion" not in layout.text and "op tion" not in layout.text


@pytest.fixture(scope="module")
def manuals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("fallbacks")
    yield from indexed_manuals(root, [DATA / "frobscan.1.en.pdf", DATA / "tints.5.ru.pdf"])


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # The sentence of the option's item that says what holds without it, not the item's first line.
        (
            "What layout does frobscan use when --layout is not given?",
            "If --layout is not given, the sheets are arranged as a strip.",
        ),
        # No number on the page: what happens without the count answers "how many".
        (
            "How many sheets does frobscan pull with --sheet-count not given?",
            "If not given, frobscan keeps pulling sheets until the feeder reports that its tray is empty.",
        ),
        # The item of the keyword the question names, not its neighbour that says the same words.
        (
            "Какой цвет использует tintview для ссылок на удалённые каталоги, если цвет BROKEN не задан?",
            "Если этот цвет не задан, то tintview будет использовать вместо него цвет SOCKET.",
        ),
        (
            "Какой цвет используется для исчезнувших файлов (VANISHED), если он не задан?",
            "Если этот цвет не задан, то tintview будет использовать вместо него цвет PLAIN.",
        ),
    ],
)
def test_the_fallback_is_answered_by_the_named_items_sentence(
    manuals: Assistant, question: str, answer: str
) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    assert reading.answer.text == answer


def test_across_languages_the_option_item_names_the_variable_that_stands_in(manuals: Assistant) -> None:
    reading = read(manuals, "Из какой переменной окружения frobscan берёт лоток, если он не указан?")
    assert reading.answer.found, reading.why
    assert "FROBSCAN_TRAY" in reading.answer.text
    assert reading.answer.citations[0].document.filename == "frobscan.1.en.pdf"


def test_a_keyword_the_question_names_is_answered_by_its_description(manuals: Assistant) -> None:
    reading = read(manuals, "Для каких файлов задаёт цвет ключевое слово BROKEN?")
    assert reading.answer.found, reading.why
    assert reading.answer.text.startswith("BROKEN цвет")
    assert "ссылок, указывающих на удалённые каталоги" in reading.answer.text


def test_an_answer_from_wrapped_prose_reads_as_one_sentence(manuals: Assistant) -> None:
    reading = read(manuals, "Что означает пустое поле яркости в файле tints.conf?")
    assert reading.answer.found, reading.why
    assert "Если это поле пустое, то яркость не меняется." in reading.answer.text


@pytest.mark.parametrize(
    ("question", "answer", "document"),
    [
        (
            "What is frobscan?",
            "frobscan - read sheets from an imaginary document feeder",
            "frobscan.1.en.pdf",
        ),
        (
            "Что такое tints.conf согласно его странице руководства?",
            "tints.conf - файл настройки цветов программы просмотра каталогов tintview",
            "tints.5.ru.pdf",
        ),
    ],
)
def test_what_a_man_page_is_about_is_answered_by_its_name_line(
    manuals: Assistant, question: str, answer: str, document: str
) -> None:
    reading = read(manuals, question)
    assert reading.answer.found, reading.why
    assert answer in reading.answer.text
    assert (reading.answer.citations[0].document.filename, reading.answer.citations[0].page) == (document, 1)


def test_a_window_ends_with_its_last_whole_sentence() -> None:
    view = page_views(DATA / "frobscan.1.en.pdf")[0]
    tray = next(span for span in definition_spans(view) if span.term.startswith("--tray"))
    # The window an answer's size cuts in the middle of the item's last sentence.
    cut = tray.text.index("either") - len(" set ")
    window = dataclasses.replace(tray, end=tray.start + cut, text=tray.text[:cut])
    assert window.text.endswith("If this variable is not")
    assert without_cut_sentence(window).text.endswith("environment\nvariable FROBSCAN_TRAY.")
    # ... unless the cut sentence holds the asked-for item.
    assert without_cut_sentence(window, "this variable") is window
    assert without_cut_sentence(tray) is tray
    # An example the last sentence introduces is no cut sentence.
    example = dataclasses.replace(
        tray, text=f"{tray.text}\nExample:\nfrobscan --tray=lower", end=tray.end + 33
    )
    assert without_cut_sentence(example) is example


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Для каких файлов задаёт цвет ключевое слово BROKEN?", True),
        ("Какой цвет используется, если цвет BROKEN не задан?", True),
        # A number of something the keyword's name says is no question about the keyword itself.
        ("Сколько цветов задаёт BROKEN для удалённых каталогов?", False),
        ("Для каких файлов задаёт цвет ключевое слово SOCKET?", False),
    ],
)
def test_the_item_of_a_keyword_is_the_named_key_of_questions_about_the_keyword(
    question: str, named: bool
) -> None:
    view = page_views(DATA / "tints.5.ru.pdf")[0]
    broken = next(span for span in definition_spans(view) if span.term.startswith("BROKEN"))
    assert names_the_key(profile_question(question), broken) is named
