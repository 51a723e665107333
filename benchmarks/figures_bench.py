"""What figure OCR costs text-PDF ingest: pages/s with it off (the text layer alone) and on, same files.

    nice -n 10 .venv/bin/python benchmarks/figures_bench.py [--rounds 3] [--corpus ../shared/corpus]

Two sets of text-layer PDFs are ingested into fresh workspaces (catalog, BM25 and dense vectors, as
`Assistant.add` does; the deep channel is filled later and not timed), taking turns between
`figure_ocr=False` and `figure_ocr=True` so that a busy shared machine weighs on both alike:

- *plain manual*: a generated 60-page manual (English and Russian prose, headings, small note
  icons, too small to hold labels): the common case, which must stay as fast as before;
- *reference corpus PDFs*: the text PDFs of ../shared/corpus (R-intro's plots, the Russian aptitude
  guide's screenshots);
- *manuals with figures*: the manuals of the evaluation sets that hold screenshots and drawings (the
  Debian handbook chapters, the amsynth guide): each figure costs an OCR run.

Results: benchmarks/results/figures.json and figures.md (the fastest round of each set and mode).
figures.md also shows what the reader makes of the figure questions of the evaluation sets, from
`benchmarks/reader_eval.py --label figures` (benchmarks/results/reader_figures.json), beside the
reader before figures were read (reader_after.json, measured on main); `--render` rebuilds the page
from the JSON files without measuring again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from tests.conftest import FONT  # noqa: E402

FIGURE_MANUALS = [
    ROOT / "benchmarks/eval/dev/docs/handbook-apt.en.pdf",
    ROOT / "benchmarks/eval/dev/docs/handbook-services.ru.pdf",
    ROOT / "benchmarks/eval/heldout/docs/amsynth-guide.en.pdf",
    ROOT / "benchmarks/eval/heldout/docs/handbook-lifecycle.ru.pdf",
]
TEXT_PAGES = 60


def text_manual(path: Path) -> Path:
    """A plain manual of `TEXT_PAGES` pages: headings, prose in both languages, notes with small icons."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    icon = Image.new("RGB", (48, 48), "white")
    ImageDraw.Draw(icon).ellipse((4, 4, 44, 44), fill=(220, 160, 0))
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    for page in range(TEXT_PAGES):
        pdf.add_page()
        pdf.set_font("DejaVu", size=16)
        pdf.multi_cell(0, 10, f"{page + 1}. Maintenance / Обслуживание", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        for paragraph in range(5):
            pdf.multi_cell(
                0,
                6,
                f"Step {paragraph + 1}: empty the dust container, rinse filter {page}.{paragraph} under "
                "cold water and let it dry for a day before you put it back. Шаг: промойте фильтр "
                "холодной водой и высушите его за сутки, прежде чем ставить на место.",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.ln(2)
        pdf.image(icon, x=15, y=pdf.get_y() + 2, w=8)
        pdf.set_xy(26, pdf.get_y() + 2)
        pdf.multi_cell(0, 6, "Note: unplug the cleaner before service.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def timed_add(workspace: Path, files: list[Path], figure_ocr: bool) -> dict[str, Any]:
    with Assistant(workspace, background_enrichment=False, figure_ocr=figure_ocr) as assistant:
        started = time.perf_counter()
        documents = assistant.add(files)
        seconds = time.perf_counter() - started
        pages = sum(d.page_count for d in documents)
        figures = figure_passages(assistant)
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 2), **figures}


def figure_passages(assistant: Assistant) -> dict[str, int]:
    """Figure passages stored, and on how many pages."""
    from sqlalchemy import func, select

    from indexer.catalog import PassageRow

    with assistant.workspace.session() as session:
        count, pages = session.execute(
            select(func.count(), func.count(func.distinct(PassageRow.page_id))).where(
                PassageRow.kind == "figure"
            )
        ).one()
    return {"figure_passages": int(count), "figure_pages": int(pages)}


def render(report: dict[str, Any]) -> str:
    lines = [
        "# Figures in text PDFs: ingest speed with figure OCR off and on",
        "",
        f"{report['date']}, {report['machine']}, load average {report['load']} at the start. Command: "
        f"`nice -n 10 .venv/bin/python benchmarks/figures_bench.py --rounds {report['rounds']}` "
        "(fresh workspaces, `Assistant.add`: text layer, figure OCR, catalog, BM25, dense vectors; "
        "modes taken in turns, the fastest round of each shown; the first round also loads the embedder).",
        "",
        "| files | pages | figure OCR off | figure OCR on | pages with figure passages "
        "| extra time per such page |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, modes in report["sets"].items():
        off, on = (fastest(modes, mode) for mode in ("off", "on"))
        pages = on["figure_pages"]
        extra = f"{(on['seconds'] - off['seconds']) / pages:.2f} s" if pages else "–"
        lines.append(
            f"| {name} | {on['pages']} | {off['pages_per_s']} pages/s ({off['seconds']} s) "
            f"| {on['pages_per_s']} pages/s ({on['seconds']} s) "
            f"| {on['figure_pages']} ({on['figure_passages']} passages) | {extra} |"
        )
    lines += [
        "",
        "Files: *plain manual* is a generated 60-page manual (prose in both languages, small note "
        "icons, below the size that can hold labels); *reference corpus PDFs* are the text PDFs of "
        "../shared/corpus (R-intro's plots, the screenshots of the Russian aptitude guide); *manuals "
        "with figures* are " + ", ".join(f"`{p.name}`" for p in FIGURE_MANUALS) + " (screenshots, "
        "diagrams and a synthesizer panel: each figure read costs one tesseract run). *Extra time per "
        "such page* is the difference of the two fastest rounds over the pages that gained figure passages.",
    ]
    return "\n".join(lines + reader_lines()) + "\n"


def fastest(modes: dict[str, Any], mode: str) -> dict[str, Any]:
    """The fastest round of a mode: on a shared machine the others measure the neighbours' load."""
    result = dict(modes[mode])
    result["seconds"] = min(modes["all_seconds"][mode])
    result["pages_per_s"] = round(result["pages"] / result["seconds"], 2)
    return result


def corpus_line() -> str:
    path = RESULTS / "reader_figures_corpus.json"
    if not path.exists():
        return "not measured."
    summary = json.loads(path.read_text("utf-8"))["sets"]["corpus"]["summary"]["all"]
    return (
        f"R@1 {summary['recall@1']}, answers {summary['answer_accuracy']} "
        "(`reader_eval.py --label figures_corpus --sets corpus`)."
    )


def reader_lines() -> list[str]:
    """The figure questions of the evaluation sets, read with figures and (where measured) without."""
    path = RESULTS / "reader_figures.json"
    if not path.exists():
        return []
    now = json.loads(path.read_text("utf-8"))
    before_path = RESULTS / "reader_after.json"
    before = json.loads(before_path.read_text("utf-8"))["sets"] if before_path.exists() else {}
    lines = [
        "",
        "## The reader on figure questions",
        "",
        f"`benchmarks/reader_eval.py --label figures --sets dev heldout` ({now['date']}); *before* is "
        "`reader_after.json` (main at 22:01 UTC, before figures were read and before the screenshot "
        "controls were merged, so the *all answers* columns hold that work's gains too; heldout was not "
        "measured there). The corpus questions (no figure kind) score as on main: " + corpus_line(),
        "",
        "| set | figure questions | R@1 before | R@1 now | answers before | answers now | all answers before "
        "| all answers now |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in now["sets"].items():
        summary = result["summary"]
        figure = summary.get("kind=figure", {})
        old = before.get(name, {}).get("summary", {})
        old_figure = old.get("kind=figure", {})
        lines.append(
            f"| {name} | {figure.get('n', 0)} | {old_figure.get('recall@1', '–')} | {figure.get('recall@1')} "
            f"| {old_figure.get('answer_accuracy', '–')} | {figure.get('answer_accuracy')} "
            f"| {old.get('all', {}).get('answer_accuracy', '–')} | {summary['all']['answer_accuracy']} |"
        )
    lines += ["", "Each figure question, now:", ""]
    for result in now["sets"].values():
        for question in result["questions"]:
            if question["kind"] == "figure":
                answer = question["answer"].replace("\n", " ").replace("|", "/")[:70]
                verdict = "right" if question["correct"] else "wrong"
                lines.append(f'- {question["id"]} (page rank {question["rank"]}): {verdict}, "{answer}"')
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--render", action="store_true", help="rebuild figures.md from the JSON results")
    args = parser.parse_args()
    if args.render:
        measured = json.loads((RESULTS / "figures.json").read_text("utf-8"))
        (RESULTS / "figures.md").write_text(render(measured), "utf-8")
        return 0
    if not args.corpus.is_dir():
        args.corpus = Path("/work/shared/corpus")
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load": round(os.getloadavg()[0], 2),
        "rounds": args.rounds,
        "sets": {},
    }
    with tempfile.TemporaryDirectory(prefix="figures-bench-") as folder:
        scratch = Path(folder)
        sets = {
            "plain manual": [text_manual(scratch / "plain-manual.pdf")],
            "reference corpus PDFs": sorted((args.corpus / "docs").glob("*.pdf")),
            "manuals with figures": FIGURE_MANUALS,
        }
        for name, files in sets.items():
            runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
            for round_number in range(args.rounds):
                for mode in ("off", "on"):
                    workspace = scratch / f"ws-{len(report['sets'])}-{mode}-{round_number}"
                    runs[mode].append(timed_add(workspace, files, figure_ocr=mode == "on"))
                    print(name, mode, runs[mode][-1], file=sys.stderr)
            report["sets"][name] = {
                mode: sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
                for mode, results in runs.items()
            }
            report["sets"][name]["all_seconds"] = {
                mode: [r["seconds"] for r in results] for mode, results in runs.items()
            }
            report["sets"][name]["median_pages_per_s"] = {
                mode: statistics.median(r["pages_per_s"] for r in results) for mode, results in runs.items()
            }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "figures.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (RESULTS / "figures.md").write_text(render(report), "utf-8")
    print(render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
