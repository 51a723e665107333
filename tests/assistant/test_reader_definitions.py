"""The reader on "what is X" questions: the item whose term is X, the sentence that says what X is, and a
scanned man page's NAME line whose dash the page never had (as OCR loses it).

The pages are invented (tests/data/brackrc.5 printed by groff, brackrc.ru.5 through groff's HTML and chromium,
quillmap.ru.5 likewise, rendered and scanned by tests/data/scanned_page.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.questions import defined_word

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workspace = tmp_path_factory.mktemp("definitions")
    with Assistant(workspace, background_enrichment=False) as assistant:
        assistant.add([DATA / "brackrc.5.en.pdf", DATA / "brackrc.5.ru.pdf", DATA / "quillmap-scan.ru.pdf"])
        yield assistant


@pytest.mark.parametrize(
    ("question", "expected", "document"),
    [
        # The item of "set sidebar", not the item of "set sidecolor" that mentions the sidebar.
        ("What is the sidebar?", "Show a narrow column", "brackrc.5.en.pdf"),
        ('What is brack\'s "sidebar", according to brackrc(5)?', "Show a narrow column", "brackrc.5.en.pdf"),
        ("How does the brackrc manual define a ledger?", "plain text file", "brackrc.5.en.pdf"),
        ("Что такое журнал согласно brackrc(5)?", "простой текстовый файл", "brackrc.5.ru.pdf"),
        # The scan's NAME line has no dash; it is the line after the page's heading all the same.
        (
            "Что такое quillmap согласно отсканированной странице?",
            "сопоставление клавиш пера",
            "quillmap-scan.ru.pdf",
        ),
        ("Что такое файл /etc/quillmap?", "сопоставление клавиш пера", "quillmap-scan.ru.pdf"),
    ],
)
def test_the_definition_is_the_answer(pages: Assistant, question: str, expected: str, document: str) -> None:
    answer = pages.ask(question)
    assert answer.found and expected in answer.text, answer.text
    assert answer.citations[0].document.filename == document
    assert "sidecolor" not in answer.text


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ('What is frob\'s "ledger", according to frobrc(5)?', "ledger"),
        ("How does the guide define a vault?", "vault"),
        ("Что такое файл /etc/hosts?", "hosts"),
        ("What is the file /etc/quillmap?", "quillmap"),
        ("Что такое «ящик»?", "ящик"),
        ("How do I define a vault?", ""),
    ],
)
def test_the_word_a_definition_question_asks_about(question: str, word: str) -> None:
    assert defined_word(question) == word
