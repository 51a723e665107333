"""Core benchmarks: ingest speed, quality vs the LangChain baseline, latency at 100k passages, disk, RSS.

    .venv/bin/python benchmarks/core_bench.py [--corpus ../shared/corpus] [--passages 100000]

Prints a markdown report and writes it to benchmarks/results/core.md (docs/BENCHMARKS.md quotes it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import evaluate, load_questions, summarize  # noqa: E402
from indexer.pipeline import ExtractedDocument, ExtractedPage  # noqa: E402
from indexer.records import LineSpan, PageContent, PassageDraft  # noqa: E402
from indexer.workspace import index_text  # noqa: E402


def timed_add(workspace: Path, files: list[Path]) -> tuple[float, int]:
    """Seconds until the files are searchable (fast channels); the deep channel is timed apart."""
    with Assistant(workspace, background_enrichment=False) as assistant:
        started = time.perf_counter()
        documents = assistant.add(files)
        return time.perf_counter() - started, sum(d.page_count for d in documents)


def timed_enrich(workspace: Path) -> dict[str, float]:
    with Assistant(workspace, background_enrichment=False) as assistant:
        started = time.perf_counter()
        count = assistant.enrich()
        seconds = time.perf_counter() - started
        pages = assistant.workspace.counts()["pages"]
    return {"passages": count, "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 2)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def distractor_paragraphs(limit: int) -> list[str]:
    """Real technical English prose that answers none of the corpus questions: the docstrings of
    the Python packages installed beside the assistant (numpy, sqlalchemy, transformers, ...)."""
    import ast
    import sysconfig

    paragraphs: list[str] = []
    for path in sorted(Path(sysconfig.get_paths()["purelib"]).rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef | ast.Module):
                doc = ast.get_docstring(node)
                if doc:
                    for block in doc.split("\n\n"):
                        block = " ".join(block.split())
                        if 60 <= len(block) <= 700:
                            paragraphs.append(block)
        if len(paragraphs) >= limit:
            break
    return paragraphs


def synthesize(assistant: Assistant, target: int, seed: int = 7) -> int:
    """Add synthetic documents of real distractor prose until the workspace holds `target` passages."""
    workspace = assistant.workspace
    rng = random.Random(seed)
    paragraphs = distractor_paragraphs(target)
    rng.shuffle(paragraphs)
    have = workspace.counts()["passages"]
    made = 0
    batch: list[int] = []
    # A growth that was stopped goes on where it stopped (new names, further paragraphs).
    number = sum(1 for document in assistant.documents() if document.filename.startswith("synthetic-"))
    cursor = number * 50 * 14
    with workspace.writing():
        while have + made < target:
            number += 1
            pages = []
            for page_number in range(1, 51):
                drafts = []
                for _ in range(14):
                    text = paragraphs[cursor % len(paragraphs)]
                    cursor += 1
                    box = (100.0, 100.0, 1100.0, 160.0)
                    drafts.append(PassageDraft(text, box, "text", "en", "", [LineSpan(0, len(text), box)]))
                content = PageContent(page_number, 1240, 1754, 150.0, "pdf")
                pages.append(ExtractedPage(content, drafts, ()))
            sha = f"{number:064x}"
            document = ExtractedDocument(Path(f"synthetic-{number}.pdf"), sha, "application/pdf", 0, pages)
            document_id, passages = workspace._insert(document, Path("/dev/null"))
            workspace.lexical.add((pid, index_text(d, document.path.name)) for pid, d in passages)
            vectors = workspace.embedder.embed_passages([index_text(d) for _, d in passages])
            ids = np.array([pid for pid, _ in passages], dtype=np.int64)
            workspace.dense.add(ids, vectors)
            if workspace.deep is not None:
                # Stand-ins of the deep index's width: e5 at 100k passages would take an hour here,
                # and search cost depends only on the count and width of the vectors.
                stand_in = vectors[:, : workspace.deep.dim]
                workspace.deep.add(ids, stand_in / np.linalg.norm(stand_in, axis=1, keepdims=True))
            batch.append(document_id)
            made += len(passages)
            if len(batch) >= 20:
                workspace._publish(batch)
        workspace._publish(batch)
        if workspace.deep is not None:
            workspace.deep.save()
    return made


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    docs = sorted((corpus / "docs").iterdir())
    questions = load_questions(corpus / "questions.jsonl")
    scratch = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    report: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"

    pdfs = [d for d in docs if d.suffix == ".pdf"]
    images = [d for d in docs if d.suffix != ".pdf"]
    seconds, pages = timed_add(scratch / "pdf", pdfs)
    report["ingest_pdf"] = {
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 2),
    }
    seconds, pages = timed_add(scratch / "ocr", images)
    report["ingest_ocr"] = {
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 2),
    }

    report["enrich_pdf"] = timed_enrich(scratch / "pdf")
    workspace = scratch / "corpus"
    seconds, pages = timed_add(workspace, docs)
    report["ingest_all"] = {"pages": pages, "seconds": round(seconds, 2)}
    report["enrich_all"] = timed_enrich(workspace)
    with Assistant(workspace, background_enrichment=False) as assistant:
        results = evaluate(assistant, questions)
        report["quality"] = summarize(results)
        report["per_question"] = [r.__dict__ for r in results]
        counts = assistant.workspace.counts()
        report["disk"] = {
            "pages": counts["pages"],
            "passages": counts["passages"],
            "index_bytes": assistant.workspace.disk_usage(),
            "bytes_per_page": round(assistant.workspace.disk_usage() / counts["pages"]),
        }
    if not args.skip_baseline:
        from benchmarks.baseline_langchain import run as run_baseline

        report["baseline"] = run_baseline(docs, questions)

    # One-shot CLI on an existing workspace: process start, imports, model load, answer.
    walls = []
    for item in questions[:5]:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "ask", str(workspace), item["question"], "--json"],
            capture_output=True,
            check=False,
            cwd=ROOT,
        )
        walls.append(time.perf_counter() - started)
    report["cli_ask_wall_s"] = {"p50": round(statistics.median(walls), 2), "max": round(max(walls), 2)}

    # Scale: the same corpus plus synthetic passages up to the target, then warm latency.
    with Assistant(workspace, background_enrichment=False) as assistant:
        started = time.perf_counter()
        made = synthesize(assistant, args.passages)
        report["synthesized"] = {"passages": made, "seconds": round(time.perf_counter() - started, 1)}
    with Assistant(workspace, background_enrichment=False) as assistant:
        for item in questions[:3]:
            assistant.ask(item["question"])  # warm: models loaded, caches filled
        search_ms, ask_ms = [], []
        for _ in range(3):
            for item in questions:
                started = time.perf_counter()
                assistant.search(item["question"])
                search_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                assistant.ask(item["question"])
                ask_ms.append((time.perf_counter() - started) * 1000)
        scaled = summarize(evaluate(assistant, questions))
        counts = assistant.workspace.counts()
        report["scale"] = {
            "passages": counts["passages"],
            "pages": counts["pages"],
            "search_p50_ms": round(percentile(search_ms, 0.5), 1),
            "search_p95_ms": round(percentile(search_ms, 0.95), 1),
            "ask_p50_ms": round(percentile(ask_ms, 0.5), 1),
            "ask_p95_ms": round(percentile(ask_ms, 0.95), 1),
            "recall@1": scaled["all"]["recall@1"],
            "recall@5": scaled["all"]["recall@5"],
            "index_bytes": assistant.workspace.disk_usage(),
            "bytes_per_page": round(assistant.workspace.disk_usage() / counts["pages"]),
        }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    shutil.rmtree(scratch, ignore_errors=True)

    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "core.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    markdown = render(report)
    (out / "core.md").write_text(markdown)
    print(markdown)
    return 0


def render(report: dict[str, Any]) -> str:
    q = report["quality"]
    lines = [
        f"Measured {report['date']} on {report['machine']} with `.venv/bin/python benchmarks/core_bench.py`.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| ingest, text-layer PDFs (dense vectors included) | {report['ingest_pdf']['pages_per_s']} pages/s "
        f"({report['ingest_pdf']['pages']} pages in {report['ingest_pdf']['seconds']} s) | >= 5 pages/s |",
        f"| deep (e5) channel, filled after ingest, text-layer PDFs | {report['enrich_pdf']['pages_per_s']} pages/s "
        f"({report['enrich_pdf']['passages']} passages in {report['enrich_pdf']['seconds']} s) | background |",
        f"| ingest, screenshots with OCR | {report['ingest_ocr']['pages_per_s']} pages/s "
        f"({report['ingest_ocr']['pages']} in {report['ingest_ocr']['seconds']} s) | >= 0.5 page/s |",
        f"| warm search p50 / p95, {report['scale']['passages']:,} passages | {report['scale']['search_p50_ms']} / "
        f"{report['scale']['search_p95_ms']} ms | p50 <= 50 ms |",
        f"| warm extractive ask p50 / p95, same workspace | {report['scale']['ask_p50_ms']} / "
        f"{report['scale']['ask_p95_ms']} ms | p50 <= 300 ms |",
        f"| one-shot `python -m assistant ask` (wall, p50 / max of 5) | {report['cli_ask_wall_s']['p50']} / "
        f"{report['cli_ask_wall_s']['max']} s | <= 3 s |",
        f"| catalog + indexes per page, corpus ({report['disk']['pages']} pages) | "
        f"{report['disk']['bytes_per_page']:,} bytes | tracked |",
        f"| catalog + indexes per page at scale ({report['scale']['pages']:,} pages) | "
        f"{report['scale']['bytes_per_page']:,} bytes | tracked |",
        f"| peak RSS of the benchmark process | {report['peak_rss_mb']} MB | tracked |",
        f"| recall at scale (corpus questions among {report['scale']['passages']:,} passages) | "
        f"R@1 {report['scale']['recall@1']}, R@5 {report['scale']['recall@5']} | |",
        "",
        "Quality on the corpus questions (`python -m assistant eval`), all 16 documents indexed together:",
        "",
        "| group | n | Recall@1 | Recall@5 | MRR | answer accuracy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in q.items():
        lines.append(
            f"| {name} | {row['n']} | {row['recall@1']} | {row['recall@5']} | {row['mrr']} | "
            f"{row['answer_accuracy']} |"
        )
    if "baseline" in report:
        b = report["baseline"]
        lines += [
            "",
            "Side by side, same run, same questions:",
            "",
            "| pipeline | Recall@1 | Recall@5 | MRR | answer* | index time | query p50 |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| this assistant | {q['all']['recall@1']} | {q['all']['recall@5']} | {q['all']['mrr']} | "
            f"{q['all']['answer_accuracy']} | {report['ingest_all']['seconds']} s searchable "
            f"(+{report['enrich_all']['seconds']} s deep channel) | {q['all']['p50_ms']} ms (ask) |",
            f"| LangChain PyPDFLoader + splitter(1000,150) + FAISS + e5 | {b['recall@1']} | {b['recall@5']} | "
            f"{b['mrr']} | {b['answer_accuracy']} | {b['index_s']} s | {b['p50_ms']} ms (search) |",
            "",
            "\\* assistant: the generated answer cites an expected page and contains an expected string; "
            "baseline: its top chunk contains an expected string (an upper bound for any extractive reader).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
