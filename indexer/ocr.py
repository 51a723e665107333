"""Tesseract OCR (English + Russian) into lines of words with boxes and confidences."""

from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.errors import AssistantError
from indexer.records import TextLine, Word

log = logging.getLogger(__name__)

MIN_WORD_CONFIDENCE = 30.0
"""Words tesseract is less sure of than this are mostly noise from icons and borders."""


class OcrUnavailable(AssistantError):
    """Tesseract (or one of its language packs) is not installed."""


@dataclass(frozen=True)
class OcrSettings:
    languages: str = "eng+rus"
    # UI text is often 11-13 px high; tesseract reads best near 30 px, so small images are upscaled.
    upscale_below: int = 1600
    timeout_s: float = 120.0


@dataclass
class OcrResult:
    lines: list[TextLine]
    mean_confidence: float | None


def tesseract_path() -> str:
    found = shutil.which("tesseract")
    if not found:
        raise OcrUnavailable(
            "tesseract is not installed: run scripts/setup.sh, or "
            "`apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus`"
        )
    return found


def recognize(image: Image.Image, settings: OcrSettings | None = None) -> OcrResult:
    """OCR `image` (both its dark-on-light text and light-on-dark fields, e.g. selected widgets).

    Boxes come back in the image's own pixel coordinates.
    """
    settings = settings or OcrSettings()
    return _run_tesseract(_flip_inverted_regions(image), settings)


def _run_tesseract(image: Image.Image, settings: OcrSettings) -> OcrResult:
    scale = 1.0
    longest = max(image.size)
    if longest < settings.upscale_below:
        scale = 2.0 if longest * 2 <= settings.upscale_below * 1.5 else settings.upscale_below / longest
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    # One thread per tesseract: the indexer already runs pages in parallel on the machine's cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [tesseract_path(), "stdin", "stdout", "-l", settings.languages, "--psm", "3", "tsv"]
    try:
        completed = subprocess.run(
            command,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=settings.timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssistantError(f"tesseract took longer than {settings.timeout_s:.0f} s on one page") from error
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in message or "Error opening data file" in message:
            raise OcrUnavailable(
                f"tesseract lacks language data for {settings.languages!r}: "
                "`apt-get install tesseract-ocr-eng tesseract-ocr-rus`"
            )
        raise AssistantError(f"tesseract failed: {message[-500:]}")
    return parse_tsv(completed.stdout.decode("utf-8", "replace"), scale)


def parse_tsv(tsv: str, scale: float = 1.0) -> OcrResult:
    """Turn tesseract's TSV into lines; coordinates are divided by `scale` to undo upscaling."""
    grouped: dict[tuple[int, int, int, int], list[Word]] = {}
    confidences: list[float] = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        confidence = float(row.get("conf") or -1)
        if not text or confidence < 0:
            continue
        confidences.append(confidence)
        if confidence < MIN_WORD_CONFIDENCE and not any(ch.isalnum() for ch in text):
            continue
        if confidence < MIN_WORD_CONFIDENCE / 2:
            continue
        left, top = float(row["left"]) / scale, float(row["top"]) / scale
        width, height = float(row["width"]) / scale, float(row["height"]) / scale
        key = (int(row["page_num"]), int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        grouped.setdefault(key, []).append(
            Word(text, (left, top, left + width, top + height), confidence, height)
        )
    lines: list[TextLine] = []
    block_ids: dict[tuple[int, int, int], int] = {}
    for key, words in grouped.items():
        block = block_ids.setdefault(key[:3], len(block_ids))
        lines.append(TextLine(words, block=block))
    mean = sum(confidences) / len(confidences) if confidences else None
    return OcrResult(lines, mean)


def _inverted_regions(gray: np.ndarray) -> list[tuple[slice, slice]]:
    """Rectangles where text is light on a dark or saturated background (tesseract skips those)."""
    # A median ignores the thin strokes of text, leaving the colour of the field behind it.
    background = (
        ndi.median_filter(gray[::2, ::2], size=5)
        .repeat(2, axis=0)
        .repeat(2, axis=1)[: gray.shape[0], : gray.shape[1]]
    )
    labels, _ = ndi.label(background < 150)
    regions = []
    for rows, cols in ndi.find_objects(labels):
        height, width = rows.stop - rows.start, cols.stop - cols.start
        # Text fields and selected list rows: one line high, a few characters wide.
        if 10 <= height <= 60 and width >= 24 and float(gray[rows, cols].std()) > 25:
            regions.append((rows, cols))
    return regions


def _flip_inverted_regions(image: Image.Image) -> Image.Image:
    """Turn light-on-dark fields into dark-on-light in place, so one OCR pass reads the whole screen.

    Keeping the fields in place (rather than OCRing them apart) keeps "Opacity:" and its value on
    one line.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    regions = _inverted_regions(gray)
    if not regions:
        return image
    flipped = gray.copy()
    for rows, cols in regions:
        crop = 255 - gray[rows, cols]
        # Stretch so the inverted field becomes white paper, as tesseract expects.
        low, high = float(crop.min()), float(np.percentile(crop, 90))
        flipped[rows, cols] = (crop - low) * (255.0 / max(1.0, high - low))
    return Image.fromarray(flipped.clip(0, 255).astype(np.uint8))
