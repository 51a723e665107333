"""Peak memory and time of ingest for render/decompression bombs and for a normal 100-page manual.

    .venv/bin/python benchmarks/ingest_rss.py [--corpus ../shared/corpus/docs] [--only NAME...]
    .venv/bin/python benchmarks/ingest_rss.py --code /work/main --cap-mb 3000 --output ingest_rss_before

Each case is one `Workspace.add(files)` in a fresh process (deep channel off, as after `add
--no-enrich`). Measured per case: the peak RSS of the largest single process of the ingest (the
process that adds, the reader child, tesseract), from wait4(), the peak of their sum, sampled from
/proc every 20 ms, and wall and CPU time. `--corpus` adds the reference corpus's text PDFs and
screenshots (the ingest speed that benchmarks/core_bench.py reports). `--code` runs another
checkout's code (the figures before the limits), under an address-space cap of `--cap-mb` so that a
bomb cannot take the machine. Writes benchmarks/results/<output>.md and .json (default ingest_rss).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from tests.indexer import hostile_files  # noqa: E402
from tests.indexer.memory_watch import TreeMemory, kill_tree  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

CHILD = """
import json, resource, sys, time
from indexer.workspace import Workspace
workspace = Workspace(sys.argv[1], deep_embedder="off")
started = time.perf_counter()
try:
    report = workspace.add(sys.argv[2:])
    outcome = {"added": [[d.filename, d.page_count] for d in report.added],
               "failed": [[type(f).__name__, str(f)] for f in report.failures]}
except BaseException as error:
    outcome = {"crashed": f"{type(error).__name__}: {str(error)[:300]}"}
outcome["seconds"] = round(time.perf_counter() - started, 2)
outcome["self_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
workspace.close()
print(json.dumps(outcome))
"""


def manual(path: Path, pages: int = 100) -> Path:
    """A 100-page product manual: a heading and five paragraphs of prose per page, English and Russian."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.multi_cell(0, 10, f"{number}. Maintenance of unit {number}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        for paragraph in range(5):
            text = (
                f"Step {number}.{paragraph}: switch the appliance off and unplug it before cleaning the "
                f"filter of unit {number}. Rinse it under running water and let it dry for {paragraph + 20} "
                "hours. Перед чисткой фильтра выключите прибор и выньте вилку из розетки. "
            ) * 2
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))
    return path


def scanned_manual(path: Path, pages: int = 10) -> Path:
    """Pages that are only pictures of text (OCR on every page)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 30)
    pdf = FPDF(format="A4")
    for number in range(1, pages + 1):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for line in range(12):
            draw.text((100, 120 + line * 110), f"Page {number}, step {line}: clean the brush roll", font=font)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210)
    pdf.output(str(path))
    return path


CASES: dict[str, tuple[str, Callable[[Path], list[Path]]]] = {
    "manual": ("normal manual, 100 text pages (fpdf2)", lambda d: [manual(d / "manual.pdf")]),
    "scanned": ("scanned manual, 10 image-only pages (OCR)", lambda d: [scanned_manual(d / "scanned.pdf")]),
    "huge_page": (
        "554-byte-class bomb: 14400 x 14400 pt page, no text layer",
        lambda d: [hostile_files.huge_page(d / "huge_page.pdf", text="")],
    ),
    "user_unit": (
        "14400 pt page with /UserUnit 75000, no text layer",
        lambda d: [hostile_files.user_unit_page(d / "user_unit.pdf", text="")],
    ),
    "blank_pages": ("300 blank pages", lambda d: [hostile_files.blank_pages(d / "blank_pages.pdf")]),
    "flate_bomb": (
        "Flate bomb: content stream of 1 GB",
        lambda d: [hostile_files.flate_content_bomb(d / "flate.pdf")],
    ),
    "soft_mask": (
        "30000 px image with a soft mask",
        lambda d: [hostile_files.soft_mask_bomb(d / "soft_mask.pdf")],
    ),
    "tiff_frames": (
        "TIFF of 2000 tiny frames",
        lambda d: [hostile_files.many_frames_tiff(d / "frames.tiff")],
    ),
}


def corpus_cases(corpus: Path) -> dict[str, tuple[str, Callable[[Path], list[Path]]]]:
    """The reference corpus's text PDFs and screenshots, as benchmarks/core_bench.py ingests them."""
    pdfs = sorted(corpus.glob("*.pdf"))
    screens = sorted(corpus.glob("*.png"))
    return {
        "corpus_pdfs": (f"reference corpus: {len(pdfs)} text PDFs", lambda d: pdfs),
        "corpus_screens": (f"reference corpus: {len(screens)} screenshots (OCR)", lambda d: screens),
    }


def reader_overhead(folder: Path, documents: int = 40, rounds: int = 3) -> dict[str, float]:
    """What reading through the confined child costs: small manuals read in this process, then through it."""
    from indexer.pipeline import extract_document
    from indexer.reader import DocumentReader
    from indexer.settings import IndexSettings

    files = [manual(folder / f"small-{number}.pdf", pages=3) for number in range(documents)]
    settings = IndexSettings()
    started = time.perf_counter()
    with DocumentReader(files[:1], settings, known=lambda sha: False) as reader:
        list(reader)  # a cold child: start, imports, one document
    cold = time.perf_counter() - started
    here, there = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for path in files:
            extract_document(path, settings)
        here.append(time.perf_counter() - started)
        started = time.perf_counter()
        with DocumentReader(files, settings, known=lambda sha: False) as reader:
            list(reader)
        there.append(time.perf_counter() - started)
    in_process, confined = sorted(here)[rounds // 2], sorted(there)[rounds // 2]
    return {
        "documents": documents,
        "in_process_s": round(in_process, 3),
        "reader_s": round(confined, 3),
        "per_document_ms": round(1000 * (confined - in_process) / documents, 1),
        "cold_start_s": round(cold, 2),
    }


def measure(paths: list[Path], code: Path, cap_mb: int | None, timeout: float) -> dict[str, Any]:
    """`run_case` in a process of its own, so that no measurement shares this process's rusage."""
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(code), str(cap_mb or 0), str(timeout)]
        + [str(p) for p in paths],
        capture_output=True,
        check=True,
    )
    row: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return row


def run_case(paths: list[Path], code: Path, cap_mb: int | None, timeout: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code), "ASSISTANT_DEEP_EMBEDDER": "off"}
    with tempfile.TemporaryDirectory(prefix="ingest-rss-") as scratch:

        def cap() -> None:
            if cap_mb:
                limit = cap_mb << 20
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(Path(scratch) / "ws"), *map(str, paths)],
            cwd=code,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=cap,
        )
        started = time.perf_counter()
        timed_out = False
        with TreeMemory(child.pid) as memory:
            try:
                out, _ = child.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_tree(child.pid)
                out, _ = child.communicate()
        wall = time.perf_counter() - started
        # communicate() reaped it already; the rusage of the whole tree is this process's children's.
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if timed_out:
        result: dict[str, Any] = {"crashed": f"still running after {timeout:g} s, stopped"}
    elif lines:
        result = json.loads(lines[-1])
    else:
        result = {"crashed": f"stopped ({_ended(child.returncode)})"}
    result.update(
        wall_s=round(wall, 1),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 1),
        peak_sum_mb=memory.peak >> 20,
        max_process_mb=round(usage.ru_maxrss / 1024),
    )
    return result


def _ended(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit {code}"


def outcome_text(result: dict[str, Any]) -> str:
    if "crashed" in result:
        return f"crashed: {str(result['crashed']).rstrip(': ')}"
    failed: list[list[str]] = result.get("failed") or []
    added: list[tuple[str, int]] = result.get("added") or []
    if added:
        pages = sum(int(pages) for _, pages in added)
        return f"indexed, {pages} page(s)" + (f"; {len(failed)} file(s) refused" if failed else "")
    if failed:
        kind, message = failed[0]
        reason = message.split(": ", 1)[-1].replace("could not be read within the limits for one file ", "")
        return f"refused: {kind}: {textwrap.shorten(reason, 150, placeholder=' …')}"
    return "nothing"


def pages_per_second(result: dict[str, Any]) -> str:
    added: list[tuple[str, int]] = result.get("added") or []
    pages = sum(int(pages) for _, pages in added)
    seconds = float(result.get("seconds") or 0)
    # A rate over one or two pages says nothing.
    return f"{pages / seconds:.1f}" if pages >= 10 and seconds else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code runs the ingest")
    parser.add_argument("--cap-mb", type=int, default=None, help="address-space cap for each case")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--corpus", type=Path, default=None, help="also ingest the reference corpus (docs/)")
    parser.add_argument("--output", default="ingest_rss", help="name of the report under benchmarks/results/")
    parser.add_argument("--rewrite", action="store_true", help="only write the .md again from the .json")
    parser.add_argument("--against", type=Path, default=None, help="checkout to compare ingest speed with")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs for --against")
    args = parser.parse_args()
    target = RESULTS / f"{args.output}.json"
    if args.rewrite:
        write_report(json.loads(target.read_text(encoding="utf-8")), args.output)
        return 0
    cases = {**CASES, **(corpus_cases(args.corpus) if args.corpus else {})}
    rows = {}
    interleaved: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ingest-rss-files-") as folder:
        for name in args.only or list(cases):
            title, build = cases[name]
            paths = build(Path(folder))
            # Each case in its own process, so one's memory peak cannot hide another's.
            rows[name] = measure(paths, args.code, args.cap_mb, args.timeout)
            rows[name]["file"] = title
            rows[name]["size_bytes"] = sum(path.stat().st_size for path in paths)
            print(name, rows[name], flush=True)
        if args.against:
            # The machine is shared: only runs taken in turns compare fairly.
            for name in ("manual", "corpus_pdfs"):
                if name not in cases:
                    continue
                paths = cases[name][1](Path(folder))
                ours, theirs = [], []
                for _ in range(args.rounds):
                    ours.append(float(measure(paths, args.code, None, args.timeout)["seconds"]))
                    theirs.append(float(measure(paths, args.against, None, args.timeout)["seconds"]))
                pages = sum(int(count) for _, count in rows[name]["added"]) if name in rows else 0
                interleaved[name] = {
                    "pages": pages,
                    "ours_s": sorted(ours)[len(ours) // 2],
                    "theirs_s": sorted(theirs)[len(theirs) // 2],
                }
                print(name, "interleaved", interleaved[name], flush=True)
    overhead = None
    if args.code.resolve() == ROOT and not args.only:
        with tempfile.TemporaryDirectory(prefix="ingest-rss-overhead-") as folder:
            overhead = reader_overhead(Path(folder))
        print("reader overhead", overhead, flush=True)
    commit = subprocess.run(
        ["git", "-C", str(args.code), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    flags = sys.argv[1:]
    report = {
        "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "code": ("this checkout" if args.code.resolve() == ROOT else str(args.code))
        + (f" at {commit}" if commit else ""),
        "command": " ".join([".venv/bin/python benchmarks/ingest_rss.py", *flags]),
        "cap_mb": args.cap_mb,
        "cases": rows,
        "reader_overhead": overhead,
        "against": str(args.against) if args.against else None,
        "interleaved": interleaved,
        "rounds": args.rounds,
    }
    target.write_text(json.dumps(report, indent=2), encoding="utf-8")
    write_report(report, args.output)
    return 0


def write_report(report: dict[str, Any], output: str) -> None:
    lines = [
        "# Ingest memory: bombs and a normal manual",
        "",
        f"Measured {report['measured']} on {report['machine']}, code of {report['code']}"
        + (f", each case's address space capped at {report['cap_mb']} MB" if report["cap_mb"] else "")
        + f", with `{report['command']}`.",
        "",
        "One `Workspace.add(files)` per fresh process (deep channel off). *largest process*: peak RSS of the "
        "largest single process of the ingest (wait4); *all processes*: peak of their summed RSS, sampled "
        "every 20 ms (the adding process, its reader child and tesseract); *time*: wall time of `add` "
        "(this machine is shared, so it varies with the load); *CPU time*: user + system seconds of all "
        "the processes, which the load changes less.",
        "",
        "| file | size | outcome | largest process | all processes | time | CPU time | pages/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in report["cases"].values():
        outcome = outcome_text(row)
        if report["cap_mb"] and "MemoryError" in outcome:
            outcome += f" (it asked for more than the {report['cap_mb']} MB cap)"
        lines.append(
            f"| {row['file']} | {_size(int(row['size_bytes']))} | {outcome} | "
            f"{row['max_process_mb']} MB | {row['peak_sum_mb']} MB | {row.get('seconds', row['wall_s'])} s | "
            f"{row['cpu_s']} s | {pages_per_second(row)} |"
        )
    for name, times in (report.get("interleaved") or {}).items():
        title = report["cases"][name]["file"]
        pages = times["pages"]
        lines += [
            "",
            f"Ingest speed, {title}, taken in turns with the code of {report['against']} (median of "
            f"{report['rounds']} rounds each): {pages / times['ours_s']:.1f} pages/s here ({times['ours_s']} s), "
            f"{pages / times['theirs_s']:.1f} pages/s before ({times['theirs_s']} s).",
        ]
    overhead = report.get("reader_overhead")
    if overhead:
        lines += [
            "",
            f"Cost of the confined reader: {overhead['documents']} three-page manuals are read in "
            f"{overhead['in_process_s']} s in process and {overhead['reader_s']} s through the (warm) reader "
            f"child, {overhead['per_document_ms']} ms more per document (median of 3 rounds); a cold child "
            f"(start, imports, first document) takes {overhead['cold_start_s']} s once per process, after "
            "which it is reused.",
        ]
    (RESULTS / f"{output}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} KB" if size >= 1e3 else f"{size} B"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        code, cap, timeout = Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(run_case([Path(p) for p in sys.argv[5:]], code, cap or None, timeout)))
        sys.exit(0)
    sys.exit(main())
