"""Evaluation on a questions.jsonl: Recall@1/@5, MRR and answer accuracy, per language and overall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.batch import QuestionFileError
from assistant.evaluation import QuestionResult, evaluate, load_questions, summarize

if TYPE_CHECKING:
    from conftest import Library

QUESTIONS = [
    {"id": "en-1", "lang": "en", "kind": "manual", "question": "How often should I replace the dust bag?",
     "doc": "vacuum_en.pdf", "pages": [2], "answers": ["4 weeks"]},
    {"id": "en-2", "lang": "en", "kind": "manual", "question": "What does a whistling noise mean?",
     "doc": "vacuum_en.pdf", "pages": [3], "answers": ["hose is blocked"]},
    {"id": "en-3", "lang": "en", "kind": "screenshot", "question": "What is the pairing code?",
     "doc": "network.png", "pages": [1], "answers": ["4711"]},
    {"id": "en-4", "lang": "en", "kind": "annotated", "question": "Which item does the red arrow point at?",
     "doc": "network.png", "pages": [1], "answers": ["Pairing code"]},
    {"id": "ru-1", "lang": "ru", "kind": "manual", "question": "Как часто менять мешок пылесборника?",
     "doc": "vacuum_ru.pdf", "pages": [2], "answers": ["4 недели"]},
    {"id": "ru-2", "lang": "ru", "kind": "manual", "question": "Как часто промывать выходной фильтр?",
     "doc": "vacuum_ru.pdf", "pages": [2], "answers": ["раз в месяц"]},
    {"id": "ru-3", "lang": "ru", "kind": "screenshot", "question": "Какая мощность всасывания?",
     "doc": "settings_ru.png", "pages": [1], "answers": ["Высокая"]},
    {"id": "ru-4", "lang": "ru", "kind": "crosslingual", "question": "Что делать, если шланг засорился?",
     "doc": "vacuum_en.pdf", "pages": [3], "answers": ["remove the blockage"]},
]  # fmt: skip


def write_jsonl(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n\n", encoding="utf-8"
    )
    return path


def test_the_report_gives_recall_and_accuracy_per_language(library: Library, tmp_path: Path) -> None:
    questions = load_questions(write_jsonl(tmp_path / "questions.jsonl", QUESTIONS))
    assert [q["id"] for q in questions] == [q["id"] for q in QUESTIONS]
    results = evaluate(library.assistant, questions)
    by_id = {result.id: result for result in results}
    assert by_id["en-1"].rank == 1 and by_id["en-1"].correct
    assert by_id["ru-1"].rank == 1 and by_id["ru-1"].correct
    assert by_id["en-1"].top_pages[0] == "vacuum_en.pdf#2"
    summary = summarize(results)
    assert {"all", "lang=en", "lang=ru", "kind=manual", "kind=crosslingual"} <= set(summary)
    assert summary["lang=en"]["n"] == 4 and summary["lang=ru"]["n"] == 4 and summary["all"]["n"] == 8
    for name in ("all", "lang=en", "lang=ru"):
        figures = summary[name]
        assert figures["recall@1"] >= 0.75, (name, figures)
        assert figures["recall@5"] == 1.0, (name, figures)
        assert figures["recall@1"] <= figures["mrr"] <= figures["recall@5"]
        assert figures["answer_accuracy"] >= 0.7, (name, figures)
        assert figures["p50_ms"] > 0
    assert summary["lang=en"]["answer_accuracy"] == 1.0


def result(rank: int | None, correct: bool, lang: str = "en") -> QuestionResult:
    return QuestionResult("q", lang, "manual", rank, "", correct, correct, 10.0)


def unanswerable(found: bool, lang: str = "en") -> QuestionResult:
    return QuestionResult("u", lang, "unanswerable", None, "", found, not found, 10.0, answerable=False)


MARS = {"id": "none-1", "lang": "en", "kind": "unanswerable", "doc": "", "pages": [], "answers": [],
        "question": "What is the boiling point of liquid nitrogen on Mars?"}  # fmt: skip


def test_summary_figures_are_computed_as_defined() -> None:
    results = [result(1, True), result(2, True), result(6, False), result(None, False, "ru")]
    figures = summarize(results)["all"]
    assert figures["recall@1"] == 0.25
    assert figures["recall@5"] == 0.5
    assert figures["mrr"] == round((1 + 1 / 2 + 1 / 6) / 4, 3)
    assert figures["answer_accuracy"] == 0.5
    assert summarize(results)["lang=ru"]["recall@5"] == 0.0


def test_unanswerable_questions_count_in_answer_accuracy_only() -> None:
    results = [result(1, True), result(None, False), unanswerable(found=False), unanswerable(found=True)]
    summary = summarize(results)
    figures = summary["all"]
    assert (figures["n"], figures["answerable"]) == (4, 2)
    assert figures["recall@1"] == 0.5 and figures["recall@5"] == 0.5 and figures["mrr"] == 0.5
    assert figures["answer_accuracy"] == 0.5  # one answerable right, one refusal right, of four
    group = summary["unanswerable"]
    assert (group["n"], group["answerable"], group["answer_accuracy"]) == (2, 0, 0.5)
    assert group["recall@1"] is None and group["recall@5"] is None and group["mrr"] is None
    assert "kind=unanswerable" not in summary and summary["kind=manual"]["n"] == 2


def test_an_unanswerable_question_is_right_when_nothing_is_found(library: Library, tmp_path: Path) -> None:
    questions = load_questions(write_jsonl(tmp_path / "questions.jsonl", [QUESTIONS[0], MARS]))
    by_id = {r.id: r for r in evaluate(library.assistant, questions)}
    mars = by_id["none-1"]
    assert (mars.answerable, mars.found, mars.correct, mars.rank) == (False, False, True, None)
    assert by_id["en-1"].answerable and by_id["en-1"].correct
    # Each result says why the reader answered or did not.
    assert mars.why.startswith("not found") and by_id["en-1"].why.startswith("found: ")
    summary = summarize(list(by_id.values()))
    assert summary["all"]["answer_accuracy"] == 1.0 and summary["all"]["recall@1"] == 1.0
    assert summary["unanswerable"]["n"] == 1


def test_empty_answers_alone_mark_a_question_unanswerable(tmp_path: Path) -> None:
    line = {"id": "u", "question": "Who designed the Moon?", "doc": "", "pages": [], "answers": []}
    [question] = load_questions(write_jsonl(tmp_path / "questions.jsonl", [line]))
    assert question["id"] == "u"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"id": "x", "question": "?", "doc": "a.pdf"}',
            "questions.jsonl, line 2: missing field(s) ['pages']",
        ),
        ("{not json", "questions.jsonl, line 2: not JSON"),
        ("[1, 2]", "line 2: each line must be a JSON object"),
        ('{"id": "x", "question": " ", "doc": "a.pdf", "pages": [1]}', "line 2: question: is empty"),
        ('{"id": "x", "question": "?", "doc": "a.pdf", "pages": ["2"]}', "line 2: pages must be a list"),
        ('{"id": "x", "question": "?", "doc": "a.pdf", "pages": [0]}', "line 2: pages must be a list"),
        ('{"id": "x", "question": "?", "doc": "a.pdf", "pages": [1], "answers": "4"}', "answers must be"),
        ('{"id": "x", "question": "?", "doc": "", "pages": [1], "answers": ["4"]}', "name the document"),
        (
            '{"id": "x", "question": "?", "doc": "a.pdf", "pages": [], "kind": "unanswerable"}',
            'line 2: an unanswerable question has "answers": [], "pages": [], "doc": ""',
        ),
        ('{"id": "x", "question": "?", "doc": "", "pages": [3], "answers": []}', "an unanswerable question"),
        (
            '{"id": "en-1", "question": "?", "doc": "a.pdf", "pages": [1]}',
            "'en-1' was already used on line 1",
        ),
    ],
)
def test_a_broken_questions_file_names_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(QUESTIONS[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    assert message in str(caught.value)


def test_a_missing_or_empty_questions_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match=r"questions\.jsonl: no such file at .*; check the path"):
        load_questions(tmp_path / "questions.jsonl")
    with pytest.raises(QuestionFileError, match="holds no questions"):
        load_questions(write_jsonl(tmp_path / "empty.jsonl", []))
    (tmp_path / "latin1.jsonl").write_bytes('{"id": "é"}'.encode("latin-1"))
    with pytest.raises(QuestionFileError, match="not UTF-8"):
        load_questions(tmp_path / "latin1.jsonl")
