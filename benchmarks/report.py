"""Assemble docs/BENCHMARKS.md from the reports the benchmarks write under benchmarks/results/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

HEADER = """# Benchmarks

All figures were measured by the scripts in `benchmarks/` on this project's reference machine: a
2-core x86_64 VM with 24 GiB and no GPU, except the section "OmniFusion serving on a GPU", measured on
a lent NVIDIA H200 (`benchmarks/omnifusion_serve_gpu.sh`). The machine was often shared by several
engineers at once: each section names its date, its command and, where latency matters, the load
average it was taken at. `python benchmarks/report.py` rebuilds this page from `benchmarks/results/`.

Reading the core figures:
- *ingest* counts the time until a document is searchable (text layer or OCR, layout, passages,
  tile geometry, catalog, BM25 and USE dense vectors). The multilingual-e5 "deep" vectors that help
  cross-lingual questions are filled after that, in a background thread (SDK, UI, REST) or by
  `python -m assistant enrich`; their speed is shown apart.
- *at scale* is the corpus plus real distractor prose (docstrings of installed packages) up to
  100k passages; the deep index holds stand-in vectors of e5's width for the distractors (e5 would
  need about an hour for them here), which costs the same to search.
- *bytes per page* is catalog + FAISS (fp16) + FTS5 on disk; originals and page images not counted.
- the LangChain baseline is the plain pipeline from the core issue, run in the same process on the
  same questions.
"""


def section(title: str, name: str) -> str:
    path = RESULTS / name
    if not path.exists():
        return f"## {title}\n\nNot measured yet: run the benchmark that writes `{path.relative_to(ROOT)}`.\n"
    body = path.read_text(encoding="utf-8").strip()
    lines = body.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    text = "\n".join(lines).replace("\n## ", "\n### ")
    return f"## {title}\n\n{text.strip()}\n"


def main() -> None:
    parts = [
        HEADER,
        section("Core: ingest, retrieval, answers (`benchmarks/core_bench.py`)", "core.md"),
        section("CPU reader: answers per kind and language (`benchmarks/reader_eval.py`)", "reader.md"),
        section("CPU reader latency at 100k passages (`benchmarks/reader_latency.py`)", "reader_latency.md"),
        section("Front doors: batch, REST, UI (`benchmarks/front_bench.py`)", "front.md"),
        section("Several processes on one workspace (`benchmarks/integrity_bench.py`)", "integrity.md"),
        section("OmniFusion model (`benchmarks/omnifusion_bench.py`)", "omnifusion.md"),
        section("Answer generators (`benchmarks/generator_bench.py`)", "generators.md"),
        section(
            "Screenshots: controls, marks, mixed-script OCR (`benchmarks/screens_bench.py`)", "screens.md"
        ),
        section(
            "OmniFusion serving on a GPU (`benchmarks/omnifusion_serve_bench.py`)", "omnifusion_serve.md"
        ),
        section(
            "Shared index on PostgreSQL + pgvector: quality beside local, growth (`benchmarks/postgres_bench.py`)",
            "postgres.md",
        ),
        section("Search at scale and ingest on Ray (`benchmarks/scale_bench.py`)", "scale.md"),
        section(
            "Search at 1M: what was tried against the 60 ms target (`benchmarks/read_ahead_ab.py`)",
            "search_1m_ab.md",
        ),
        section("Figures in text PDFs: OCR cost and answers (`benchmarks/figures_bench.py`)", "figures.md"),
        section("Scanned pages: straightening before OCR (`benchmarks/scan_bench.py`)", "scans.md"),
        section(
            "Mixed-script words in Russian screens (`benchmarks/mixed_script_bench.py`)", "mixed_script.md"
        ),
        section("Ingest memory under bombs, with the limits (`benchmarks/ingest_rss.py`)", "ingest_rss.md"),
        section(
            "Ingest memory under bombs, before the limits (same script, `--code`)", "ingest_rss_before.md"
        ),
    ]
    (ROOT / "docs" / "BENCHMARKS.md").write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
