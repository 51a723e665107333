"""The reader on screenshots of web-style settings pages: a side menu's tinted item, names it must not give.

The pages are invented (tests/data/web_settings.py, shot with headless chromium): a side menu whose
chosen item stands on a pale pill, a card with a folder, a toggle and a drop-down.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.questions import PATH, asked_kind_words, kind_evidence, profile_question

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def settings_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workspace = tmp_path_factory.mktemp("web_settings")
    with Assistant(workspace, background_enrichment=False) as assistant:
        assistant.add([DATA / "web_en_storage.png", DATA / "web_ru_storage.png"])
        yield assistant


@pytest.mark.parametrize(
    ("question", "item", "screen"),
    [
        ("Which item of the left menu is highlighted in the Settings page?", "Storage", "web_en_storage.png"),
        ("Какой пункт бокового меню выделен на странице «Настройки»?", "Хранилище", "web_ru_storage.png"),
    ],
)
def test_the_highlighted_side_menu_item_is_the_answer(
    settings_pages: Assistant, question: str, item: str, screen: str
) -> None:
    answer = settings_pages.ask(question)
    assert answer.found and answer.text == item
    citation = answer.citations[0]
    assert citation.document.filename == screen
    # The box is the item's own row in the side menu (x < 240 px, the pill's row 137-177).
    _, y0, x1, y1 = citation.bbox
    assert x1 < 240 and y0 >= 137 and y1 <= 177


@pytest.mark.parametrize(
    "question",
    [
        "Which mail server is set in the storage settings?",
        "Which cloud provider stores the photo archive?",
        "Which backup server keeps the archive folder?",
    ],
)
def test_a_name_of_another_kind_of_thing_is_not_an_answer(settings_pages: Assistant, question: str) -> None:
    # The pages name a folder, a level and menu items, never a mail server or a cloud provider: the lines
    # that hold the question's other words ("storage", "archive") name no thing of the asked-for kind.
    answer = settings_pages.ask(question)
    assert not answer.found, answer.text


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Which proxy server is configured in my browser?", {"proxi"}),
        ("Какой облачный провайдер хранит копии?", {"облачн"}),
        # The noun alone says the kind; an option or a maker names no kind besides.
        ("Which company makes the scanner?", set()),
        ("Which option keeps newer files?", set()),
        ("How many days are the backups kept?", set()),
    ],
)
def test_the_words_that_say_which_kind_of_thing_is_asked(question: str, words: set[str]) -> None:
    assert asked_kind_words(question) == words


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("Keep thumbnails after export", ""),
        ("Сохранять миниатюры после экспорта", ""),
        ("Archive folder /var/spool/photo-archive", "/var/spool/photo-archive"),
    ],
)
def test_a_line_of_a_screen_holds_a_path_only_where_one_is_written(line: str, path: str) -> None:
    # A toggle's label is a value of a screen for a word question, never the folder a path question asks.
    for question in ("Where are the exported thumbnails stored?", "Где хранятся миниатюры после экспорта?"):
        profile = profile_question(question)
        assert profile.asks == PATH
        evidence = kind_evidence(profile.asks, line, profile, ui_label=True)
        assert bool(evidence) == bool(path) and path in str(evidence), question


def test_the_folder_of_a_card_row_answers_where_files_are_kept(settings_pages: Assistant) -> None:
    answer = settings_pages.ask("Where are the archived photos stored?")
    assert answer.found and "/var/spool/photo-archive" in answer.text
