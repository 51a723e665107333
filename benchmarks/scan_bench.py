"""OCR of simulated scans before and after straightening: words read, boxes on the page, seconds a page.

Each scan is real text (English or Russian, DejaVu Serif, about 200 DPI) turned by a known angle,
on grey unevenly lit paper with noise and JPEG (tests/indexer/scan_pages.py). "before" reads the
page as it stands (what the indexer did), "after" straightens it first (`OcrSettings.straighten`).
Word accuracy: the share of drawn words read exactly (edge punctuation aside). Box IoU: for words
drawn once on the page and read, the overlap of the read box with where the word is on the scan.
A crisp screenshot is timed too: straightening must cost it next to nothing and change nothing.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python benchmarks/scan_bench.py
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw

from indexer.ocr import OcrResult, OcrSettings, recognize
from tests.conftest import font
from tests.indexer.scan_pages import ENGLISH, RUSSIAN, Scan, iou, scanned

RESULTS = Path(__file__).resolve().parent / "results"
CASES = [
    ("en", 0.0, 0),
    ("en", 0.7, 0),
    ("ru", -1.5, 0),
    ("en", 2.5, 0),
    ("ru", -3.0, 0),
    ("en", 0.5, 180),
    ("ru", -1.0, 90),
    ("en", 1.0, 270),
]


def _bare(text: str) -> str:
    return text.strip(".,;:")


def measure(scan: Scan, result: OcrResult) -> tuple[float, float]:
    read = [w for line in result.lines for w in line.words]
    texts = {_bare(w.text) for w in read}
    accuracy = sum(_bare(text) in texts for text, _ in scan.words) / len(scan.words)
    drawn = Counter(_bare(text) for text, _ in scan.words)
    overlaps = []
    for word in read:
        text = _bare(word.text)
        if drawn.get(text) == 1:
            overlaps.append(iou(word.bbox, scan.box_of(text)))
    return accuracy, statistics.fmean(overlaps) if overlaps else 0.0


def timed(image: Image.Image, settings: OcrSettings) -> tuple[OcrResult, float]:
    start = time.perf_counter()
    result = recognize(image, settings)
    return result, time.perf_counter() - start


def screenshot() -> Image.Image:
    image = Image.new("RGB", (900, 420), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(
        ["Print range", "All pages", "Pages: 1-5", "Copies: 2", "Collate", "Cancel  OK"]
    ):
        draw.text((40, 30 + row * 60), text, font=font(18), fill=(20, 20, 20))
    return image


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "scans.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for language, angle, quarter in CASES:
        scan = scanned(ENGLISH if language == "en" else RUSSIAN, angle=angle, quarter=quarter, seed=11)
        row: dict[str, Any] = {"language": language, "angle": angle, "quarter": quarter}
        for label, settings in (("before", OcrSettings()), ("after", OcrSettings(straighten=True))):
            result, seconds = timed(scan.image, settings)
            accuracy, overlap = measure(scan, result)
            row[label] = {
                "word_accuracy": round(accuracy, 3),
                "box_iou": round(overlap, 3),
                "seconds": round(seconds, 2),
            }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    shot = screenshot()
    before, before_s = timed(shot, OcrSettings())
    after, after_s = timed(shot, OcrSettings(straighten=True))
    same = [(w.text, w.bbox) for line in before.lines for w in line.words] == [
        (w.text, w.bbox) for line in after.lines for w in line.words
    ]
    report = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "scans": rows,
        "screenshot": {"before_s": round(before_s, 2), "after_s": round(after_s, 2), "identical": same},
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Scanned pages: OCR before and after straightening",
        "",
        "`PYTHONPATH=$PWD nice -n 10 .venv/bin/python benchmarks/scan_bench.py` (2 shared cores, loaded).",
        "Simulated scans: grey paper lit from one side, noise, JPEG q60, ~200 DPI, DejaVu Serif 30 px.",
        "",
        "| lang | skew ° | turned ° | words before | words after | box IoU before | box IoU after | s before | s after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["scans"]:
        b, a = row["before"], row["after"]
        lines.append(
            f"| {row['language']} | {row['angle']} | {row['quarter']} | {b['word_accuracy']:.2f} | "
            f"{a['word_accuracy']:.2f} | {b['box_iou']:.2f} | {a['box_iou']:.2f} | {b['seconds']} | {a['seconds']} |"
        )
    before = statistics.fmean(r["before"]["word_accuracy"] for r in report["scans"])
    after = statistics.fmean(r["after"]["word_accuracy"] for r in report["scans"])
    shot = report["screenshot"]
    lines += [
        "",
        f"Mean word accuracy: {before:.2f} before, {after:.2f} after.",
        f"Crisp screenshot: {shot['before_s']} s before, {shot['after_s']} s after; "
        f"words and boxes identical: {shot['identical']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
