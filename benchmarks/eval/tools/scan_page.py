"""Turn pages of a PDF into a 'scanned' image-only PDF: grey, slightly rotated, blurred and noisy, no text layer.

Usage: python scan_page.py IN.pdf OUT.pdf PAGE[,PAGE...] [--dpi 150] [--angle 0.8] [--seed 7]
Each page is rendered with pdftoppm, turned by --angle degrees (alternating sign page by page, as a sheet
laid on a flatbed never sits straight), given paper-grey background, Gaussian noise and a light blur,
then saved as JPEG inside a PDF of the page's size (Pillow), so OCR is the only way to its words.
"""

from __future__ import annotations

import argparse
import io
import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter


def scanned(page: Image.Image, angle: float, rng: random.Random) -> Image.Image:
    grey = page.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    # paper is never white and toner never black: squeeze the range, then add sensor noise
    grey = grey.point(lambda v: 28 + v * (236 - 28) // 255)
    grey = ImageChops.add(grey, Image.effect_noise(grey.size, 10), scale=1.0, offset=-128)
    blurred = grey.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    blurred.save(buffer, "JPEG", quality=int(rng.uniform(45, 55)))
    return Image.open(io.BytesIO(buffer.getvalue()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("pages")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--angle", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, number in enumerate(int(p) for p in args.pages.split(",")):
            stem = Path(tmp) / f"p{number}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(args.dpi),
                    "-f",
                    str(number),
                    "-l",
                    str(number),
                    "-png",
                    "-singlefile",
                    str(args.source),
                    str(stem),
                ],
                check=True,
            )
            angle = args.angle if index % 2 == 0 else -args.angle * 0.6
            images.append(scanned(Image.open(f"{stem}.png"), angle, rng))
    images[0].save(args.out, "PDF", resolution=args.dpi, save_all=True, append_images=images[1:])


if __name__ == "__main__":
    main()
