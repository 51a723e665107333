"""Evaluate retrieval and answers on a questions.jsonl file: Recall@1/@5, MRR, answer accuracy by language."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.batch import QuestionFileError
from assistant.generators.base import Answer
from assistant.generators.extractive import ExtractiveGenerator
from assistant.limits import checked_question
from assistant.retrieval import PageHit
from assistant.sdk import Assistant
from indexer.errors import InvalidRequest

REQUIRED_FIELDS = ("id", "question", "doc", "pages")
UNANSWERABLE = "unanswerable"
"""The `kind` of a question the documents do not answer; it is written with
`"answers": [], "pages": [], "doc": ""` and is right only when the answer is "not found"."""


@dataclass
class QuestionResult:
    id: str
    lang: str
    kind: str
    rank: int | None
    """1-based rank of the first page that states the answer (None: not in the top 10, or unanswerable)."""
    answer: str
    found: bool
    correct: bool
    """Answerable: found, citing an expected page, with an expected answer in its text.
    Unanswerable: not found."""
    latency_ms: float
    top_pages: list[str] = field(default_factory=list)
    answerable: bool = True
    why: str = ""
    """The extractive reader's reason: which gate passed, or why none did (empty for other backends)."""


def is_unanswerable(item: dict[str, Any]) -> bool:
    return item.get("kind") == UNANSWERABLE or item.get("answers") == []


def _checked(item: Any, path: Path, number: int) -> dict[str, Any]:
    """The question as read, or `QuestionFileError` naming the line and what is wrong with it."""
    if not isinstance(item, dict):
        raise QuestionFileError(path, "each line must be a JSON object", number)
    missing = [name for name in REQUIRED_FIELDS if name not in item]
    if missing:
        raise QuestionFileError(path, f"missing field(s) {missing}", number)
    try:
        checked_question(item["question"])
    except InvalidRequest as error:
        raise QuestionFileError(path, str(error), number) from error
    pages, answers = item["pages"], item.get("answers")
    if not isinstance(pages, list) or not all(
        isinstance(page, int) and not isinstance(page, bool) and page >= 1 for page in pages
    ):
        raise QuestionFileError(
            path, f"pages must be a list of page numbers (1, 2, ...), not {pages!r}", number
        )
    if answers is not None and (
        not isinstance(answers, list) or not all(isinstance(a, str) for a in answers)
    ):
        raise QuestionFileError(path, f"answers must be a list of texts, not {answers!r}", number)
    if not isinstance(item["doc"], str):
        raise QuestionFileError(path, f"doc must be a file name, not {item['doc']!r}", number)
    if is_unanswerable(item):
        if pages or answers or item["doc"]:
            raise QuestionFileError(
                path,
                'an unanswerable question has "answers": [], "pages": [], "doc": "" '
                f'(and "kind": "{UNANSWERABLE}"); this one names an answer, a page or a document',
                number,
            )
    elif not pages or not item["doc"]:
        raise QuestionFileError(
            path,
            f'name the document and page(s) that answer it, or mark it "kind": "{UNANSWERABLE}" '
            'with "answers": []',
            number,
        )
    return item


def load_questions(path: Path) -> list[dict[str, Any]]:
    """The questions of a .jsonl file; `QuestionFileError` names the file (and line) of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        where = "" if str(path) == path.name else f" at {path}"
        raise QuestionFileError(path, f"no such file{where}; check the path") from error
    except UnicodeDecodeError as error:
        raise QuestionFileError(path, "is not UTF-8 text; save it as UTF-8") from error
    except OSError as error:
        raise QuestionFileError(path, f"cannot be read ({error.strerror}); check the path") from error
    questions = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _checked(json.loads(line), path, number)
        except json.JSONDecodeError as error:
            raise QuestionFileError(path, f"not JSON ({error.msg})", number) from error
        identifier = str(item["id"])
        if identifier in seen:
            raise QuestionFileError(
                path, f"id {identifier!r} was already used on line {seen[identifier]}", number
            )
        seen[identifier] = number
        questions.append(item)
    if not questions:
        raise QuestionFileError(path, "holds no questions (one JSON object per line)")
    return questions


def evaluate(assistant: Assistant, questions: list[dict[str, Any]], depth: int = 10) -> list[QuestionResult]:
    results = []
    for item in questions:
        started = time.perf_counter()
        hits = assistant.search(item["question"], k=depth)
        question = item["question"].strip()
        generator = assistant.generator
        if isinstance(generator, ExtractiveGenerator):
            # the extractive reader says why it answered (which gate passed) or why it did not
            reading = generator.read(question, hits)
            answer, why = reading.answer, reading.why
        else:
            answer, why = generator.answer(question, hits), ""
        result = score_answer(item, answer, hits, (time.perf_counter() - started) * 1000)
        result.why = why
        results.append(result)
    return results


def score_answer(
    item: dict[str, Any], answer: Answer, hits: list[PageHit], latency_ms: float
) -> QuestionResult:
    """Correct = found, citing one of the expected pages and stating one of the expected strings;
    for an unanswerable question (no expected answers), correct = "not found"."""
    top = [(hit.document.filename, hit.page) for hit in hits]
    answerable = not is_unanswerable(item)
    if answerable:
        expected = {(Path(item["doc"]).name, int(page)) for page in item["pages"]}
        rank = next((i for i, key in enumerate(top, start=1) if key in expected), None)
        answers = [a.lower() for a in item.get("answers", [])]
        cited = {(c.document.filename, c.page) for c in answer.citations}
        correct = answer.found and bool(cited & expected) and any(a in answer.text.lower() for a in answers)
    else:
        rank, correct = None, not answer.found
    return QuestionResult(
        id=str(item["id"]),
        lang=str(item.get("lang", "und")),
        kind=str(item.get("kind", "")),
        rank=rank,
        answer=answer.text,
        found=answer.found,
        correct=correct,
        latency_ms=round(latency_ms, 1),
        top_pages=[f"{name}#{page}" for name, page in top[:5]],
        answerable=answerable,
    )


def summarize(results: list[QuestionResult]) -> dict[str, dict[str, Any]]:
    """Figures per group (all, each language, each kind, unanswerable).

    Recall@1/@5 and MRR are over the group's answerable questions (None when it has none);
    answer accuracy is over all of them, an unanswerable question counting as right when
    the answer was "not found".
    """
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for result in results:
        groups["all"].append(result)
        groups[f"lang={result.lang}"].append(result)
        if not result.answerable:
            groups[UNANSWERABLE].append(result)
        elif result.kind:
            groups[f"kind={result.kind}"].append(result)
    summary = {}
    for name, items in sorted(groups.items()):
        n = len(items)
        ranked = [r for r in items if r.answerable]

        def share(count: float, of: int) -> float | None:
            return round(count / of, 3) if of else None

        summary[name] = {
            "n": n,
            "answerable": len(ranked),
            "recall@1": share(sum(r.rank == 1 for r in ranked), len(ranked)),
            "recall@5": share(sum(r.rank is not None and r.rank <= 5 for r in ranked), len(ranked)),
            "mrr": share(sum(1 / r.rank for r in ranked if r.rank), len(ranked)),
            "answer_accuracy": share(sum(r.correct for r in items), n),
            "p50_ms": sorted(r.latency_ms for r in items)[n // 2],
        }
    return summary
