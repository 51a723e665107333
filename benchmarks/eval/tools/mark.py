"""Draw a red rectangle, ellipse or arrow around one UI label in a screenshot, located by tesseract word boxes.

Usage: python benchmarks/eval/tools/mark.py SRC.png DST.png rect|ellipse|arrow "label words" [--pad N]
The label is matched as a run of consecutive OCR words (case-insensitive, punctuation ignored).
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

RED = (230, 20, 20)


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def locate(image: Path, label: str) -> tuple[int, int, int, int]:
    """Box (x0, y0, x1, y1) of the first run of OCR words equal to `label`."""
    tsv = subprocess.run(
        ["tesseract", str(image), "-", "-l", "eng+rus", "--psm", "11", "tsv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    words = []
    for row in tsv[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[11].strip() and _norm(cells[11]):
            left, top, width, height = (int(v) for v in cells[6:10])
            words.append((_norm(cells[11]), (left, top, left + width, top + height)))
    wanted = [_norm(w) for w in label.split() if _norm(w)]
    for start in range(len(words) - len(wanted) + 1):
        run = words[start : start + len(wanted)]
        if [w for w, _ in run] == wanted:
            boxes = [b for _, b in run]
            return (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
    raise SystemExit(f"{image}: label {label!r} not found by OCR")


def draw(src: Path, dst: Path, shape: str, box: tuple[int, int, int, int], pad: int) -> None:
    image = Image.open(src).convert("RGB")
    canvas = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    if shape == "rect":
        canvas.rectangle((x0, y0, x1, y1), outline=RED, width=3)
    elif shape == "ellipse":
        canvas.ellipse((x0 - pad, y0 - pad, x1 + pad, y1 + pad), outline=RED, width=3)
    else:
        # Arrow from below-right towards the middle of the label's right edge; the head touches the label.
        tip = (x1 + 2, (y0 + y1) // 2)
        tail = (min(tip[0] + 90, image.width - 4), min(tip[1] + 60, image.height - 4))
        canvas.line((tail, tip), fill=RED, width=4)
        angle = math.atan2(tail[1] - tip[1], tail[0] - tip[0])
        head = [
            tip,
            (tip[0] + 16 * math.cos(angle + 0.45), tip[1] + 16 * math.sin(angle + 0.45)),
            (tip[0] + 16 * math.cos(angle - 0.45), tip[1] + 16 * math.sin(angle - 0.45)),
        ]
        canvas.polygon(head, fill=RED)
    image.save(dst, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("shape", choices=["rect", "ellipse", "arrow"])
    parser.add_argument("label")
    parser.add_argument("--pad", type=int, default=5)
    args = parser.parse_args()
    box = locate(args.src, args.label)
    draw(args.src, args.dst, args.shape, box, args.pad)
    print(f"{args.dst}: {args.shape} at {box}")


if __name__ == "__main__":
    main()
