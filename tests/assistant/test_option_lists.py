"""Questions about a text program's option list ("name = value" over "(description)"), EN and RU twins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from assistant import Assistant
from assistant.generators.optionlists import asked_noun, asks_for_value, identifier_key

DATA = Path(__file__).parents[1] / "data"
SHOTS = ("tui_options_en.png", "tui_options_ru.png")


@pytest.fixture(scope="module")
def fetcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    assistant = Assistant(tmp_path_factory.mktemp("options") / "workspace", background_enrichment=False)
    assistant.add([DATA / name for name in SHOTS])
    yield assistant
    assistant.close()


def _option_row(name: str, option: int) -> tuple[float, float]:
    """The pixel rows of the n-th option's own line: the script draws them 3 cells apart from row 4."""
    height = Image.open(DATA / name).height / 24  # xterm -geometry 84x24
    top = (4 + 3 * option) * height
    return top - height, top + height


@pytest.mark.parametrize(
    ("question", "value", "shot", "option"),
    [
        # Found by its description: the value on the option's line, not the description under it.
        ("Which day is the weekly digest sent on, according to my fetcher options?", "Tuesday", 0, 5),
        ("What folder are fetched messages filed in?", "Inbox/Arrivals", 0, 2),
        ("В какой день отправляется недельная сводка в моих параметрах загрузки?", "Пятница", 1, 5),
        # Named by its identifier, shown on both screenshots: the one in the question's language.
        ("What is fetch.interval set to?", "45", 0, 0),
        ("Какое значение задано для fetch.interval?", "35", 1, 0),
    ],
)
def test_the_value_on_the_option_line_answers(
    fetcher: Assistant, question: str, value: str, shot: int, option: int
) -> None:
    result = fetcher.ask(question)
    assert result.found and result.text == value, result.text
    citation = result.citations[0]
    assert citation.document.filename == SHOTS[shot]
    x0, y0, _, y1 = citation.bbox
    top, bottom = _option_row(SHOTS[shot], option)
    assert top <= y0 and y1 <= bottom, (citation.bbox, top, bottom)
    assert x0 > 120  # the value's cells, right of the option's name


def test_an_option_list_does_not_answer_what_its_screens_do_not_show(fetcher: Assistant) -> None:
    # "server" and "fetch" are on the keepcopy option's lines, "proxy" is on none.
    result = fetcher.ask("Which proxy server is set for fetching mail?")
    assert result.text not in ("yes", "нет"), result.text


def test_a_question_for_the_option_name_is_not_answered_with_its_value(fetcher: Assistant) -> None:
    assert fetcher.ask("Which option keeps the messages on the server after fetching?").text != "yes"


def test_what_a_question_asks_of_an_option() -> None:
    assert asks_for_value("Which day is set as the first day of the week?")
    assert asks_for_value("Какой текст показывает программа для пустого дня?")
    assert not asks_for_value("Which option turns on autosave?")
    assert not asks_for_value("Какой параметр отвечает за автосохранение?")
    assert not asks_for_value("What does fetch.keepcopy do?")
    assert not asks_for_value("Which option does the red arrow point at?")
    assert asked_noun("What command does it run for notifications?") == "command"
    assert asked_noun("Какая панель выбрана по умолчанию?") == "панел"
    assert identifier_key("fetch , interval") == identifier_key("fetch.interval") == "fetchinterval"
