"""Extractive answers: the answering sentence, cited by document, page and a box over its ink."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

from assistant.answering import NOT_FOUND_TEXT, Answer, Citation

if TYPE_CHECKING:
    from conftest import Library

ANSWERS = [
    ("How often should I replace the dust bag?", "every 4 weeks", "vacuum_en.pdf", 2),
    ("Как часто менять мешок пылесборника?", "каждые 4 недели", "vacuum_ru.pdf", 2),
    ("What does a whistling noise mean?", "the hose is blocked", "vacuum_en.pdf", 3),
    ("Как часто промывать выходной фильтр?", "раз в месяц", "vacuum_ru.pdf", 2),
    ("What voltage does the model VC-2000 need?", "230 V", "label.jpg", 1),
    ("When should the dust container be emptied?", "after use", "leaflet.tiff", 2),
    ("What is the pairing code?", "4711", "network.png", 1),
    ("How long does the charging station need to charge the battery?", "5 hours", "charger.pdf", 2),
    ("Which item does the red arrow point at?", "Pairing code", "network.png", 1),
]


def ink_share(library: Library, citation: Citation) -> float:
    path = library.assistant.page_image(citation.document.id, citation.page)
    with Image.open(path) as page:
        gray = np.asarray(page.convert("L"))
    x0, y0, x1, y1 = (round(v) for v in citation.bbox)
    return float((gray[y0:y1, x0:x1] < 128).mean())


def assert_cited(answer: Answer, fact: str, file: str, page: int) -> Citation:
    assert answer.found, answer.text
    assert fact.lower() in answer.text.lower()
    citation = answer.citations[0]
    assert (citation.document.filename, citation.page) == (file, page)
    assert citation.quote and citation.quote in answer.text
    x0, y0, x1, y1 = citation.bbox
    assert 0 <= x0 < x1 <= citation.page_width + 1 and 0 <= y0 < y1 <= citation.page_height + 1
    assert citation.score > 0
    return citation


@pytest.mark.parametrize(("question", "fact", "file", "page"), ANSWERS)
def test_answer_states_the_fact_and_cites_where_it_stands(
    library: Library, question: str, fact: str, file: str, page: int
) -> None:
    citation = assert_cited(library.assistant.ask(question), fact, file, page)
    # The box is drawn over the quoted text, not over blank paper.
    assert ink_share(library, citation) > 0.04


def test_the_citation_box_covers_the_quoted_line(library: Library) -> None:
    answer = library.assistant.ask("How often should I replace the dust bag?")
    citation = answer.citations[0]
    [passage] = [
        p for p in library.assistant.workspace.page_passages(citation.document.id, 2) if "dust bag" in p.text
    ]
    line = next(span.bbox for span in passage.spans if "every 4 weeks" in passage.text[span.start : span.end])
    assert citation.bbox[0] <= line[0] + 1 and citation.bbox[1] <= line[1] + 1
    assert citation.bbox[2] >= line[2] - 1 and citation.bbox[3] >= line[3] - 1
    # ...and not the whole page: the next paragraph ("Clean the exhaust filter") stays outside.
    below = next(
        p for p in library.assistant.workspace.page_passages(citation.document.id, 2) if "exhaust" in p.text
    )
    assert citation.bbox[3] <= below.bbox[1]


def test_screenshot_answer_boxes_the_label(library: Library) -> None:
    citation = library.assistant.ask("What is the pairing code?").citations[0]
    label = library.corpus.arrow.labels["Pairing code: 4711"]
    assert citation.bbox == pytest.approx(label, abs=5)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What is the boiling point of mercury?", "en"),
        ("Какая температура кипения ртути?", "ru"),
        ("Who won the football world cup in 1966?", "en"),
    ],
)
def test_questions_the_documents_cannot_answer_are_not_guessed(
    library: Library, question: str, language: str
) -> None:
    answer = library.assistant.ask(question)
    assert answer.found is False
    assert answer.citations == []
    assert answer.text == NOT_FOUND_TEXT[language]
    assert answer.language == language


def test_answers_come_only_from_the_chosen_documents(library: Library) -> None:
    english, coffee = (
        library.document_id(library.corpus.vacuum_en),
        library.document_id(library.corpus.coffee_en),
    )
    question = "How often should I replace the dust bag?"
    answer = library.assistant.ask(question, documents={english, coffee})
    assert answer.found and "every 4 weeks" in answer.text
    assert {c.document.id for c in answer.citations} <= {english, coffee}
    elsewhere = library.assistant.ask(question, documents={coffee})
    assert {c.document.id for c in elsewhere.citations} <= {coffee}
    assert "4 weeks" not in elsewhere.text


def test_russian_question_is_answered_from_the_english_manual(library: Library) -> None:
    assert_cited(
        library.assistant.ask("Что делать, если шланг засорился?"), "hose is blocked", "vacuum_en.pdf", 3
    )


@pytest.mark.parametrize(
    ("question", "label", "file"),
    [
        (
            "Which edge behavior option is circled in red in the Offset Layer dialog?",
            "Wrap around",
            "gimp_en_offset_layer_marked.png",
        ),
        (
            "Какой параметр выделен красной рамкой в настройках дисплея?",
            "Стиль клеток",
            "gimp_ru_prefs_display_marked.png",
        ),
    ],
)
def test_marked_label_is_answered_from_the_asked_about_screenshot(
    library: Library, question: str, label: str, file: str
) -> None:
    answer = library.assistant.ask(question)
    assert answer.found and answer.text.startswith(label)
    assert answer.citations[0].document.filename == file
