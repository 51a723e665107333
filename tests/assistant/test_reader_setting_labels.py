"""A handbook lists a program's settings by the labels its window shows, each over what it sets: "which
setting ..." is answered by the label with its description, also when a screenshot of the window (its labels
in small type) stands on the same page; what a question sets aside ("(а не приёма)") counts against a span;
a file pattern ("*.urls") is a file type.

Material: invented handbooks of a download manager (Ripplet) in Russian and English, with a drawn dialog,
printed by chromium (tests/data/PROVENANCE.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import indexed_manuals, read

from assistant import Assistant
from assistant.questions import profile_question, set_aside
from assistant.spans import labels_a_setting

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def handbooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    pages = [DATA / "ripplet-handbook.ru.pdf", DATA / "ripplet-handbook.en.pdf"]
    yield from indexed_manuals(tmp_path_factory.mktemp("labels"), pages)


@pytest.mark.parametrize(
    ("question", "label"),
    [
        (
            "Какой параметр Ripplet задаёт максимальное число повторных подключений к серверу?",
            "Число повторов",
        ),
        ("Which Ripplet setting sets the maximum number of reconnections to the server?", "Retry count"),
        (
            "Какой параметр задаёт максимальную общую скорость передачи (а не приёма)?",
            "Предел скорости передачи",
        ),
        ("Which setting sets the maximum total send rate (not the receive rate)?", "Send cap"),
    ],
)
def test_the_settings_label_answers(handbooks: Assistant, question: str, label: str) -> None:
    answer = read(handbooks, question).answer
    assert answer.found
    assert answer.text.startswith(label)


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("Besides *.rpl and *.lst lists, which file type can File > Import List open?", "*.urls"),
        ("Какой тип файлов, кроме *.rpl и *.lst, открывает Файл → Импорт списка?", "*.urls"),
    ],
)
def test_a_file_pattern_names_the_file_type(handbooks: Assistant, question: str, pattern: str) -> None:
    _found_with(handbooks, question, pattern)


def _found_with(assistant: Assistant, question: str, said: str) -> None:
    answer = read(assistant, question).answer
    assert answer.found
    assert said in answer.text


def test_what_a_question_sets_aside() -> None:
    assert set_aside("Какой параметр задаёт максимальную скорость передачи (а не приёма)?") == {"прием"}
    assert set_aside("Which setting limits the upload rate, not the download rate?") == {"download"}
    assert not set_aside("Which file is not deleted?")
    assert not set_aside("Какой файл не удаляется?")


def test_a_label_is_a_few_words_opening_with_a_capital() -> None:
    assert labels_a_setting("Число повторов")
    assert labels_a_setting("Retry count")
    assert not labels_a_setting("DESCRIPTION")
    assert not labels_a_setting("Set the maximum total send rate.")
    assert not labels_a_setting("7")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Какое сочетание цветов по умолчанию у warncolor?", "colour"),
        ("Какое сочетание клавиш закрывает окно?", "key"),
        ("Как называется аварийный файл, куда tern пишет буфер?", "path"),
        ("Какая константа ut_kind обозначает «мёртвый процесс»?", "variable"),
    ],
)
def test_what_is_asked(question: str, asks: str) -> None:
    assert profile_question(question).asks == asks


@pytest.fixture(scope="module")
def man_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    pages = [DATA / "ternrc.5.en.pdf", DATA / "runlog.5.ru.pdf"]
    yield from indexed_manuals(tmp_path_factory.mktemp("man"), pages)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # A combination of colours asks for colours, not for a key combination.
        ("Какое сочетание цветов по умолчанию у warncolor согласно ternrc(5)?", "bold,yellow,blue"),
        # "a file named tern.save" names the file the Russian question asks for.
        ("Как называется аварийный файл, в который tern пишет буфер без имени при SIGHUP?", "tern.save"),
        # The constant whose comment says the quoted phrase, not a sentence that names another constant.
        ("Какая константа r_kind в runlog(5) обозначает «служба остановлена»?", "SERVICE_DOWN"),
        ("Какая константа r_kind обозначает «аварийная остановка»?", "CRASH_MARK"),
    ],
)
def test_man_page_answers(man_pages: Assistant, question: str, said: str) -> None:
    _found_with(man_pages, question, said)


def test_widening_sets_nothing_aside() -> None:
    assert not set_aside("Как выполнить поиск во всех вкладках, а не только в текущей?")
    assert not set_aside("How do I search every tab, not only the current one?")
