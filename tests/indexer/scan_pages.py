"""Simulated scans of real text: a page drawn with a real font, then turned, greyed, lit unevenly, JPEG'd.

Each word's box is known where it was drawn and where it lands on the scan, so a test can ask
whether OCR found the word and boxed it where the user sees it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

Box = tuple[float, float, float, float]

ENGLISH = [
    "Descaling the coffee machine",
    "Fill the water tank with fresh water and add",
    "one sachet of descaling powder. Place a large",
    "container under the spout and press the STEAM",
    "button for three seconds. The pump stops after",
    "about twelve minutes; rinse the tank twice.",
    "Never use vinegar: it damages the seals.",
]
RUSSIAN = [
    "Удаление накипи в кофемашине",
    "Наполните резервуар свежей водой и добавьте",
    "один пакетик средства от накипи. Поставьте",
    "большую ёмкость под носик и удерживайте",
    "кнопку ПАР три секунды. Насос остановится",
    "примерно через двенадцать минут; промойте",
    "резервуар дважды. Не используйте уксус.",
]


@dataclass
class Scan:
    image: Image.Image
    words: list[tuple[str, Box]]
    """Each drawn word and its box on the scan (around the word as it was turned)."""

    def box_of(self, word: str) -> Box:
        """The box of the drawn `word` (punctuation at its edges aside)."""
        return next(box for text, box in self.words if text.strip(".,;:") == word.strip(".,;:"))


Words = list[tuple[str, Box]]


def text_page(lines: list[str], size: int = 30, font_path: str = SERIF) -> tuple[Image.Image, Words]:
    """A white A4-ish page (about 200 DPI) with `lines` in a real font; each word with its drawn box."""
    font = ImageFont.truetype(font_path, size)
    page = Image.new("L", (1500, 120 + len(lines) * size * 2 + 200), 255)
    draw = ImageDraw.Draw(page)
    words: list[tuple[str, Box]] = []
    for row, line in enumerate(lines):
        x, y = 120.0, 120.0 + row * size * 2
        for word in line.split():
            left, top, right, bottom = draw.textbbox((x, y), word, font=font)
            draw.text((x, y), word, font=font, fill=15)
            words.append((word, (float(left), float(top), float(right), float(bottom))))
            x = right + font.getlength(" ")
    # Boxes tight around the ink, as OCR boxes a word (textbbox also holds the line's ascent).
    pixels = np.asarray(page)
    tight = []
    for text, (left, top, right, bottom) in words:
        ys, xs = np.nonzero(pixels[int(top) : int(bottom) + 1, int(left) : int(right) + 1] < 128)
        tight.append((text, (left + xs.min(), top + ys.min(), left + xs.max() + 1, top + ys.max() + 1)))
    return page, tight


def _turned_box(box: Box, angle: float, size: tuple[int, int], turned_size: tuple[int, int]) -> Box:
    """Where `box` lands once its image is turned `angle` degrees counter-clockwise (PIL, expanded)."""
    theta = math.radians(angle)
    cx, cy = size[0] / 2, size[1] / 2
    tx, ty = turned_size[0] / 2, turned_size[1] / 2
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(tx + dx * math.cos(theta) + dy * math.sin(theta))
        ys.append(ty - dx * math.sin(theta) + dy * math.cos(theta))
    return (min(xs), min(ys), max(xs), max(ys))


def scanned(lines: list[str], angle: float = 0.0, quarter: int = 0, seed: int = 0, quality: int = 60) -> Scan:
    """`lines` printed, then scanned `angle` degrees askew (plus `quarter` turns, counter-clockwise),
    on grey paper lit from one side, with sensor noise and JPEG compression."""
    page, words = text_page(lines)
    total = angle + quarter
    turned = page.rotate(total, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    boxes = [(text, _turned_box(box, total, page.size, turned.size)) for text, box in words]
    rng = np.random.default_rng(seed)
    pixels = np.asarray(turned, dtype=np.float32) / 255.0
    height, width = pixels.shape
    # Grey paper, brighter on one side (a lamp or a window), ink never quite black.
    light = np.linspace(0.62, 0.9, width)[None, :] * np.linspace(0.92, 1.0, height)[:, None]
    scan = 30 + pixels * (light * 255 - 30)
    scan += rng.normal(0, 9, scan.shape)
    buffer = io.BytesIO()
    Image.fromarray(scan.clip(0, 255).astype(np.uint8)).convert("RGB").save(
        buffer, format="JPEG", quality=quality
    )
    buffer.seek(0)
    return Scan(Image.open(buffer).convert("RGB"), boxes)


def iou(a: Box, b: Box) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
