"""When the reader answers from a figure's labels: pure parts of `assistant.generators.figures`.

The end-to-end cases (a generated manual with a panel, a drawing and a screenshot, asked in English and
Russian) are in tests/indexer/test_figures.py.
"""

from __future__ import annotations

import pytest

from assistant.generators.figures import (
    BETWEEN,
    NUMBER_TOKEN,
    SELECTION_QUESTION,
    asks_about_figure,
    beside_segment,
    continues,
    names_elsewhere,
)

CAPTIONS = [
    "Figure 6.2. synaptic package manager",
    "Рисунок 9.1. Порядок загрузки компьютера с Linux и systemd",
]


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("Which knob on the top panel sets the suction power?", True),
        ("Как подписана стрелка от Unstable к Testing на рисунке 1.3?", True),
        ("In the synaptic window, how many packages are listed?", True),  # a caption's word
        ("Что стоит между загрузчиком и initramfs при загрузке с systemd?", True),
        ("How often should the filter be rinsed?", False),
        ("Which option makes tar keep newer files?", False),
    ],
)
def test_a_question_speaks_of_a_figure_by_its_words_or_its_captions(question: str, about: bool) -> None:
    assert asks_about_figure(question, CAPTIONS, "handbook apt en") is about


def test_a_heading_standing_in_for_a_caption_needs_two_of_the_questions_words() -> None:
    # A screenshot with no caption takes the heading above it ("Managing packages"): a question
    # about the prose of that section shares one of its words, and is not about the screenshot.
    headings = ["Managing packages"]
    assert not asks_about_figure("What does purging a package remove besides it?", headings, "apt guide")
    assert asks_about_figure("How many packages does the managing window list?", headings, "apt guide")


@pytest.mark.parametrize(
    "question",
    [
        "What is written on the arrow from Unstable to Testing?",
        "Как подписана стрелка от Unstable к Testing?",
        "What stands between the loader and the kernel?",
    ],
)
def test_questions_about_what_joins_two_labels(question: str) -> None:
    assert BETWEEN.search(question)


def test_the_documents_own_name_does_not_make_a_question_about_its_figure() -> None:
    # "synaptic" names the manual, so it says nothing of the figure whose caption repeats it.
    assert not asks_about_figure("Does synaptic need root?", CAPTIONS[:1], "synaptic guide en")


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("aptitude 0.8.13 debian", True),
        ("Installed Packages (1590)", True),
        ("Y2K-compliant", False),
        ("i386", False),
    ],
)
def test_a_number_label_holds_a_number_of_its_own(label: str, number: bool) -> None:
    assert bool(NUMBER_TOKEN.search(label)) is number


def test_questions_about_what_is_selected_are_left_to_the_screenshot_reader() -> None:
    assert SELECTION_QUESTION.search("Which package is selected in the list?")
    assert SELECTION_QUESTION.search("Какой пакет выбран в списке?")
    assert not SELECTION_QUESTION.search("Which knob sets the suction power?")


def test_a_label_written_over_two_lines_is_one_label() -> None:
    # "Tank is emptied" / "by the float valve": the second line goes on with the first.
    assert continues((100, 200, 300, 220), "by the float valve", (104, 224, 290, 244))
    # A new label: capitalised, or far below, or in another column.
    assert not continues((100, 200, 300, 220), "Float valve", (104, 224, 290, 244))
    assert not continues((100, 200, 300, 220), "by the float valve", (104, 260, 290, 280))
    assert not continues((100, 200, 300, 220), "by the float valve", (400, 224, 590, 244))


def test_an_arrows_label_stands_beside_the_middle_of_the_arrow() -> None:
    top, bottom = (260.0, 560.0), (258.0, 900.0)
    assert beside_segment((420.0, 740.0), top, bottom)  # written to the right of a vertical arrow
    assert not beside_segment((260.0, 1200.0), top, bottom)  # past one end
    assert not beside_segment((900.0, 740.0), top, bottom)  # another column of the drawing


@pytest.mark.parametrize(
    ("question", "label", "elsewhere"),
    [
        # The caption names the program whose version the label shows: the label answers.
        ("Which version does the screenshot of Lumenview show?", "Lumenview 2.4.1", set()),
        # The question asks for the version of something the figure never names: the number beside the
        # caption's name is not it, whatever the label's words share with the question.
        ("Which OpenGL version does the Lumenview demo require?", "xa Lumenview Zoom 10.0", {"opengl"}),
        ("Какую версию OpenGL требует демонстрация Lumenview?", "xa Lumenview Zoom 10.0", {"opengl"}),
        # The document's own name may name it ("glimmer-x11-manual.pdf").
        ("Which X11 version does the About box show?", "About 3.2", set()),
        ("Which GTK3 version does the About box show?", "About 3.2", {"gtk3"}),
    ],
)
def test_a_figure_label_holds_the_names_the_question_asks_about(
    question: str, label: str, elsewhere: set[str]
) -> None:
    captions = ["Figure 3. The Lumenview window"]
    assert names_elsewhere(question, label, captions, "glimmer x11 manual en") == elsewhere
