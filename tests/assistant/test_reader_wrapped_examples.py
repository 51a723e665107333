"""Man page examples whose sentence runs around the block it shows, values paired with "resp.", and how-to
questions that an example on the page cannot answer.

Material: an invented man page glimmer(1) in English (printed by groff) and in Russian (groff's HTML
printed by chromium), tests/data/PROVENANCE.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import indexed_manuals, page_views, passage_with, read

from assistant import Assistant
from assistant.questions import kind_evidence, profile_question
from assistant.spans import sentence_ends, sentence_ranges, unsaid_numbers, wrapped_block_spans

DATA = Path(__file__).parents[1] / "data"
ENGLISH = DATA / "glimmer.1.en.pdf"
RUSSIAN = DATA / "glimmer.1.ru.pdf"


@pytest.fixture(scope="module")
def manuals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    yield from indexed_manuals(tmp_path_factory.mktemp("wrapped"), [ENGLISH, RUSSIAN])


def test_a_sentence_runs_on_past_resp_and_other_inner_abbreviations() -> None:
    view = page_views(ENGLISH)[0]
    passage = passage_with(view, "The default values are")
    sentences = [passage.text[start:end] for start, end in sentence_ranges(passage)]
    assert any(sentence.endswith("The default values are 0.2 resp. 9.5.") for sentence in sentences)
    assert not any(sentence.rstrip().endswith("resp.") for sentence in sentences)
    text = "Нажмите клавишу, т. е. Ctrl. Потом отпустите её. Use a key, e.g. Ctrl. Then go."
    starts = [0, *(m.end() for m in sentence_ends(text))]
    assert [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)], strict=True)] == [
        "Нажмите клавишу, т. е. Ctrl.",
        "Потом отпустите её.",
        "Use a key, e.g. Ctrl.",
        "Then go.",
    ]


@pytest.mark.parametrize(
    ("path", "question", "value"),
    [
        (ENGLISH, "What are glimmer's default redraw delay and default poll delay?", "900 milliseconds"),
        (RUSSIAN, "Какая задержка опроса проектора у glimmer по умолчанию?", "900 миллисекундам"),
    ],
)
def test_milliseconds_are_a_time(path: Path, question: str, value: str) -> None:
    profile = profile_question(question)
    passage = passage_with(page_views(path)[0], "900")
    assert kind_evidence(profile.asks, passage.text, profile).item == value


@pytest.mark.parametrize(
    ("path", "opening", "block", "ending"),
    [
        (ENGLISH, "The lines", "pollDelay=2500", "will make the projector wait 2500 milliseconds"),
        (ENGLISH, "The command", "glimmer --dim holiday.png", 'opens "holiday.png" with the lamp dimmed'),
        (RUSSIAN, "Строки", "pollDelay=2500", "заставят проектор ждать 2500 миллисекунд"),
    ],
)
def test_the_block_a_sentence_runs_around_is_read_with_both_its_parts(
    path: Path, opening: str, block: str, ending: str
) -> None:
    spans = [span.text for view in page_views(path) for span in wrapped_block_spans(view)]
    assert any(text.startswith(opening) and block in text and ending in text for text in spans)
    # A heading between two lines and an option list's terms are no block inside a sentence.
    assert all(text.startswith(("The ", "Команда", "Строки")) for text in spans)


def test_an_option_list_has_no_wrapped_blocks() -> None:
    assert not [span for view in page_views(DATA / "cp.1.en.pdf") for span in wrapped_block_spans(view)]


@pytest.mark.parametrize(
    "question",
    [
        "Which lines in the glimmer configuration set the poll delay to 2500 milliseconds?",
        "Какие строки настроек glimmer задают задержку опроса 2500 миллисекунд?",
    ],
)
def test_which_lines_set_a_value_is_answered_by_the_example_lines(manuals: Assistant, question: str) -> None:
    answer = read(manuals, question).answer
    assert answer.found
    assert "[projector]\npollDelay=2500" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "How do I sign a PNG slide with a digital certificate in glimmer?",
        "Как подписать слайд PNG цифровым сертификатом в glimmer?",
    ],
)
def test_an_example_that_opens_a_file_does_not_answer_how_to_sign_it(
    manuals: Assistant, question: str
) -> None:
    reading = read(manuals, question)
    assert not reading.answer.found, reading.answer.text
    assert "the doing" in reading.why


@pytest.mark.parametrize(
    ("question", "command"),
    [
        ("How do I open a slide with the lamp dimmed?", "glimmer --dim holiday.png"),
        ("Как открыть слайд с приглушённой лампой?", "glimmer --dim holiday.png"),
    ],
)
def test_an_example_that_shows_the_doing_still_answers(
    manuals: Assistant, question: str, command: str
) -> None:
    answer = read(manuals, question).answer
    assert answer.found
    assert command in answer.text


@pytest.mark.parametrize(
    ("question", "unsaid"),
    [
        ("In the glimmer(1) page, which lines set the poll delay?", ()),
        ("Какие строки на странице lantern(5) задают задержку?", ()),
        ("Which lines of glimmer(1) set the delay for 5 projectors?", ("the number 5",)),
        ("Which lines set the delay for 5 projectors?", ("the number 5",)),
    ],
)
def test_a_man_pages_section_number_is_part_of_its_name(question: str, unsaid: tuple[str, ...]) -> None:
    assert unsaid_numbers(profile_question(question), frozenset()) == unsaid
