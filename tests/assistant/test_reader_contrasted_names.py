"""A question that asks about one quoted name and sets it against another ("unlike the 'Restore' button")
is answered by a span that names the asked one, not by the other one's sentence.

Material: an invented help page of a note editor in English and Russian printed by chromium
(tests/data/PROVENANCE.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import indexed_manuals, read

from assistant import Assistant
from assistant.questions import contrasted_names, unsaid_contrasted_name

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def help_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    pages = [DATA / "lumen_help.en.pdf", DATA / "lumen_help.ru.pdf"]
    yield from indexed_manuals(tmp_path_factory.mktemp("contrasted"), pages)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What does the button 'Restore this page' do, unlike the button 'Restore'?", ("Restore this page",)),
        (
            "Что делает «Восстановить на этой странице» (в отличие от кнопки «Восстановить»)?",
            ("Восстановить на этой странице",),
        ),
        ("Which 'Save' entry is not the 'Save as' one?", ("Save",)),
        ("What does the button 'Restore' do?", ()),
    ],
)
def test_the_name_asked_about_is_told_from_the_contrasted_one(question: str, asked: tuple[str, ...]) -> None:
    assert contrasted_names(question) == asked


def test_a_span_of_the_other_name_misses_the_asked_one() -> None:
    question = "What does the button 'Restore this page' do, unlike the button 'Restore'?"
    assert unsaid_contrasted_name(question, "The button 'Restore'\nresets every setting on every page.")
    assert not unsaid_contrasted_name(question, "The button 'Restore this\npage' resets only this page.")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        (
            "What does the button 'Restore this page' in the preferences dialog do, unlike the button "
            "'Restore'?",
            "resets only the settings of the page that is shown",
        ),
        (
            "Что делает кнопка 'Восстановить на этой странице' в диалоге параметров "
            "(в отличие от кнопки 'Восстановить')?",
            "возвращает только параметры показанной страницы",
        ),
    ],
)
def test_the_asked_buttons_sentence_answers(help_pages: Assistant, question: str, said: str) -> None:
    answer = read(help_pages, question).answer
    assert answer.found
    assert said in " ".join(answer.text.split())
