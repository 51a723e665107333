"""Evaluate retrieval and answers on a questions.jsonl file: Recall@1/@5, MRR, answer accuracy by language."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.generators.base import Answer
from assistant.retrieval import PageHit
from assistant.sdk import Assistant
from indexer.errors import AssistantError

REQUIRED_FIELDS = ("id", "question", "doc", "pages")


@dataclass
class QuestionResult:
    id: str
    lang: str
    kind: str
    rank: int | None
    """1-based rank of the first page that states the answer (None when not in the top 10)."""
    answer: str
    found: bool
    correct: bool
    latency_ms: float
    top_pages: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssistantError(f"{path.name} line {number}: not JSON ({error})") from error
        missing = [name for name in REQUIRED_FIELDS if name not in item]
        if missing:
            raise AssistantError(f"{path.name} line {number}: missing field(s) {missing}")
        questions.append(item)
    return questions


def evaluate(assistant: Assistant, questions: list[dict[str, Any]], depth: int = 10) -> list[QuestionResult]:
    results = []
    for item in questions:
        started = time.perf_counter()
        hits = assistant.search(item["question"], k=depth)
        answer = assistant.generator.answer(item["question"], hits)
        results.append(score_answer(item, answer, hits, (time.perf_counter() - started) * 1000))
    return results


def score_answer(
    item: dict[str, Any], answer: Answer, hits: list[PageHit], latency_ms: float
) -> QuestionResult:
    """Correct = found, citing one of the expected pages, and stating one of the expected strings."""
    expected = {(Path(item["doc"]).name, int(page)) for page in item["pages"]}
    top = [(hit.document.filename, hit.page) for hit in hits]
    rank = next((i for i, key in enumerate(top, start=1) if key in expected), None)
    answers = [a.lower() for a in item.get("answers", [])]
    cited = {(c.document.filename, c.page) for c in answer.citations}
    correct = answer.found and bool(cited & expected) and any(a in answer.text.lower() for a in answers)
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
    )


def summarize(results: list[QuestionResult]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for result in results:
        groups["all"].append(result)
        groups[f"lang={result.lang}"].append(result)
        if result.kind:
            groups[f"kind={result.kind}"].append(result)
    summary = {}
    for name, items in sorted(groups.items()):
        n = len(items)
        summary[name] = {
            "n": n,
            "recall@1": round(sum(r.rank == 1 for r in items) / n, 3),
            "recall@5": round(sum(r.rank is not None and r.rank <= 5 for r in items) / n, 3),
            "mrr": round(sum(1 / r.rank for r in items if r.rank) / n, 3),
            "answer_accuracy": round(sum(r.correct for r in items) / n, 3),
            "p50_ms": sorted(r.latency_ms for r in items)[n // 2],
        }
    return summary
