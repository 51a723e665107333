"""What following other processes costs: the per-search publication check, a reload, deep-index saves.

    .venv/bin/python benchmarks/integrity_bench.py [--passages 100000] [--workspace DIR] [--enrich 320]

Builds (or reuses, with --workspace) a workspace of synthetic passages as core_bench does, then measures
warm search with and without the catalog check that lets a reader follow other processes, the cost
of reloading after another process published, the deep index's save time, and the overhead of saving
the deep index during enrichment (ENRICH_SAVE_RATIO) against saving it only at the end. Prints a
markdown report and writes it to benchmarks/results/integrity.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from benchmarks.core_bench import distractor_paragraphs, synthesize  # noqa: E402
from indexer import workspace as workspace_module  # noqa: E402
from indexer.workspace import Workspace  # noqa: E402

QUESTIONS = [
    "How often should I replace the dust bag?",
    "What does a whistling noise mean?",
    "How do I descale the coffee machine?",
    "Как часто менять мешок пылесборника?",
    "Что делать, если пылесос не включается?",
    "How long does the battery take to charge?",
    "Where is the serial number?",
    "Как включить автоотключение?",
    "What is the default brush speed?",
    "How do I reset the network settings?",
]


def timed_searches(assistant: Assistant, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            assistant.search(question)
            times.append((time.perf_counter() - started) * 1000)
    return times


def search_cost(workspace: Path, rounds: int) -> dict[str, float]:
    """Warm search p50 with the publication check (as shipped) and with it skipped, interleaved."""
    with Assistant(workspace, background_enrichment=False) as assistant:
        timed_searches(assistant, 1)  # warm: models, indexes, caches
        following: list[float] = []
        blind: list[float] = []
        shipped = assistant.workspace.refresh
        for _ in range(rounds):
            following += timed_searches(assistant, 1)
            assistant.workspace.refresh = lambda: None  # type: ignore[method-assign]
            blind += timed_searches(assistant, 1)
            assistant.workspace.refresh = shipped  # type: ignore[method-assign]
        checks = []
        for _ in range(2000):
            started = time.perf_counter()
            assistant.workspace.refresh()
            checks.append((time.perf_counter() - started) * 1e6)
        # Another process publishes the dense and deep indexes: the next search reloads both.
        reloads = []
        with Workspace(workspace) as other:
            for _ in range(3):
                saved = other.save_indexes(["dense", "deep"])
                with other.publishing(saved):
                    pass
                started = time.perf_counter()
                assistant.search(QUESTIONS[0])
                reloads.append((time.perf_counter() - started) * 1000)
        counts = assistant.workspace.counts()
    return {
        "passages": counts["passages"],
        "search_p50_ms": round(statistics.median(following), 1),
        "search_p95_ms": round(sorted(following)[int(0.95 * len(following))], 1),
        "blind_p50_ms": round(statistics.median(blind), 1),
        "check_us": round(statistics.median(checks), 1),
        "search_after_publish_ms": round(statistics.median(reloads), 1),
    }


def deep_save_cost(workspace: Path) -> dict[str, float]:
    with Workspace(workspace) as opened, opened.writing():
        deep = opened.deep
        assert deep is not None
        took = [opened._save_deep() for _ in range(3)]
        return {"deep_vectors": len(deep), "deep_save_s": round(statistics.median(took), 3)}


def enrichment_overhead(workspace: Path, passages: int) -> dict[str, float]:
    """Enrich `passages` new real passages twice: saving as shipped, and only at the end."""
    paragraphs = distractor_paragraphs(passages + 1000)[1000 : 1000 + passages]
    result: dict[str, float] = {}
    for label, ratio in (("shipped", workspace_module.ENRICH_SAVE_RATIO), ("end_only", float("inf"))):
        copy = Path(tempfile.mkdtemp(prefix="integrity-enrich-")) / "ws"
        shutil.copytree(workspace, copy)
        with Assistant(copy, background_enrichment=False) as assistant:
            _add_text_passages(assistant.workspace, paragraphs)
            workspace_module.ENRICH_SAVE_RATIO = ratio
            started = time.perf_counter()
            done = assistant.enrich()
            result[f"enrich_{label}_s"] = round(time.perf_counter() - started, 1)
            result["enriched"] = done
        workspace_module.ENRICH_SAVE_RATIO = 10.0
        shutil.rmtree(copy.parent, ignore_errors=True)
    result["overhead_pct"] = round(100 * (result["enrich_shipped_s"] / result["enrich_end_only_s"] - 1), 1)
    return result


def _add_text_passages(workspace: Workspace, paragraphs: list[str]) -> None:
    """Catalog rows, lexical and dense entries for `paragraphs`, without the deep vectors."""
    import numpy as np

    from indexer.pipeline import ExtractedDocument, ExtractedPage
    from indexer.records import LineSpan, PageContent, PassageDraft
    from indexer.workspace import index_text

    box = (100.0, 100.0, 1100.0, 160.0)
    drafts = [PassageDraft(text, box, "text", "en", "", [LineSpan(0, len(text), box)]) for text in paragraphs]
    page = ExtractedPage(PageContent(1, 1240, 1754, 150.0, "pdf"), drafts, ())
    document = ExtractedDocument(Path("extra.pdf"), "f" * 64, "application/pdf", 0, [page])
    with workspace.writing():
        document_id, passages = workspace._insert(document, Path("/dev/null"))
        workspace.lexical.add((pid, index_text(d, "extra.pdf")) for pid, d in passages)
        vectors = workspace.embedder.embed_passages([index_text(d) for _, d in passages])
        workspace.dense.add(np.array([pid for pid, _ in passages], dtype=np.int64), vectors)
        workspace._publish([document_id])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--workspace", help="reuse this workspace (a copy is measured)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--enrich", type=int, default=320, help="passages to enrich for the overhead")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="integrity-bench-"))
    workspace = scratch / "ws"
    report: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.workspace:
        shutil.copytree(args.workspace, workspace)
    else:
        with Assistant(workspace, background_enrichment=False) as assistant:
            started = time.perf_counter()
            synthesize(assistant, args.passages)
            report["built_s"] = round(time.perf_counter() - started, 1)
    report.update(search_cost(workspace, args.rounds))
    report.update(deep_save_cost(workspace))
    if args.enrich:
        report.update(enrichment_overhead(workspace, args.enrich))
    shutil.rmtree(scratch, ignore_errors=True)
    markdown = render(report)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "integrity.md").write_text(markdown)
    print(markdown)
    return 0


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Measured {report['date']} on {report['machine']} with `.venv/bin/python benchmarks/integrity_bench.py`.",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| warm search p50 / p95, {report['passages']:,} passages, following other processes | "
        f"{report['search_p50_ms']} / {report['search_p95_ms']} ms |",
        f"| the same with the publication check skipped | {report['blind_p50_ms']} ms |",
        f"| the publication check alone (one catalog query) | {report['check_us']} µs |",
        f"| first search after another process published dense + deep (reloads both) | "
        f"{report['search_after_publish_ms']} ms |",
        f"| saving and publishing the deep index ({report['deep_vectors']:,} vectors) | {report['deep_save_s']} s |",
    ]
    if "overhead_pct" in report:
        lines.append(
            f"| enriching {report['enriched']} passages: saves as shipped / one save at the end | "
            f"{report['enrich_shipped_s']} / {report['enrich_end_only_s']} s ({report['overhead_pct']:+} %) |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
