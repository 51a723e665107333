"""Scanned and photographed pages turned upright, deskewed and flattened for OCR; boxes mapped back.

A scanner or a phone gives a page a little turned (0.5-3 degrees), sometimes upside down or on its
side, on grey paper with uneven light and JPEG noise. Tesseract reads such a page worse (a tilted
line breaks into pieces) and, worse for a citation, its word boxes are the boxes of the turned
text. So the page is read straightened (`Straightening`) and every box is turned back into the
pixels of the page as the user sees it (`Straightening.to_original`).

Skew is measured by projection profiles of the ink at reduced resolution (text lines make sharp
peaks in the row sums only when they lie level); a screenshot's axis-aligned text peaks at zero and
is left as it is. The background is flattened only on pages that look scanned (`looks_scanned`):
a screenshot's flat colours need no help and must read exactly as before.
"""

from __future__ import annotations

import io
import logging
import math
import re
import subprocess
from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.budget import run_on_cpu_budget

log = logging.getLogger(__name__)

MAX_SKEW = 6.0
"""Degrees either way searched for a skew: a scan or a photo of a page held by hand, not a diagonal."""
MIN_SKEW = 0.3
"""Below this the lines of text stay within a few pixels over a word's width: left as it is."""
SKEW_GAIN = 1.15
"""How much sharper the best angle's profile must be than the level one's before a page is turned."""
PROFILE_SIDE = 1200
"""Longest side (px) the ink is measured at: enough to resolve 0.1 degree over a page's width."""
MIN_INK_POINTS = 400
"""Fewer ink pixels than this (at the reduced size) are too little text to tell a skew from."""
WHITE = 250
"""Grey levels from this up are white paper or a screen's white: no grain to measure there."""
MIN_TONED_SHARE = 0.05
NOISE_LEVELS = 3
SCANNED_NOISY_SHARE = 0.4
"""Share of noisy pixels off white from which a page is a scan: screens of the eval sets stay
under 0.27 (letter edges, icons, photos in dialogs), JPEG scans of grey paper reach 0.6."""
MIN_FILLED_SHARE = 0.01
"""Share of the page inside toned areas (5x5 toned around) from which their grain is measured."""
FLAT_FILL_NOISE = 0.2
"""Noisy share inside toned areas under which they are flat fills: a screen, whatever its letters do.
Grey paper stays grainy inside (0.3-0.4); a terminal's dense anti-aliased letters on white make 0.5
of the toned pixels noisy at their edges while its filled rows and strokes stay under 0.1."""


@dataclass(frozen=True)
class Straightening:
    """How the page was turned for OCR: `angle` degrees counter-clockwise about its centre, the
    canvas grown to hold it (`size` before, `turned_size` after)."""

    angle: float
    size: tuple[int, int]
    turned_size: tuple[int, int]

    @property
    def identity(self) -> bool:
        return self.angle % 360 == 0

    def to_original(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box in the turned image's pixels as the box around it in the original page's pixels."""
        if self.identity:
            return box
        x0, y0, x1, y1 = box
        theta = math.radians(self.angle)
        cos, sin = math.cos(theta), math.sin(theta)
        cx, cy = self.size[0] / 2, self.size[1] / 2
        tx, ty = self.turned_size[0] / 2, self.turned_size[1] / 2
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            dx, dy = x - tx, y - ty
            # The inverse of PIL's counter-clockwise turn in y-down pixels.
            xs.append(cx + dx * cos - dy * sin)
            ys.append(cy + dx * sin + dy * cos)
        width, height = self.size
        return (
            max(0.0, min(xs)),
            max(0.0, min(ys)),
            min(float(width), max(xs)),
            min(float(height), max(ys)),
        )

    def to_turned(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box in the original page's pixels as the box around it in the turned image's pixels."""
        if self.identity:
            return box
        back = Straightening(-self.angle, self.turned_size, self.size)
        return back.to_original(box)


def turned(image: Image.Image, angle: float) -> tuple[Image.Image, Straightening]:
    """`image` turned `angle` degrees counter-clockwise (white where the turn uncovers the canvas)."""
    if angle % 360 == 0:
        return image, Straightening(0.0, image.size, image.size)
    quarter = angle % 90 == 0
    result = image.rotate(
        angle,
        resample=Image.Resampling.NEAREST if quarter else Image.Resampling.BICUBIC,
        expand=True,
        fillcolor=(255, 255, 255) if image.mode == "RGB" else 255,
    )
    return result, Straightening(angle, image.size, result.size)


def looks_scanned(gray: np.ndarray) -> bool:
    """A page from a scanner or camera (grain and noise on its paper), not a rendered screen.

    Measured where the page is not white (a scan placed on a white PDF page counts by its own
    area): a pixel that differs from the median of its neighbours by a few levels is noise. On a
    screen only the edges of letters and pictures do; on a scan the whole grey sheet does.
    """
    sample = gray[::2, ::2].astype(np.int16)
    if sample.size == 0:
        return False
    residual = np.abs(sample - ndi.median_filter(sample, size=3))
    toned = sample < WHITE
    if toned.mean() < MIN_TONED_SHARE:
        return False
    # Inside the toned areas, away from the edges of letters: paper has grain there, a screen's fills do not.
    filled = ndi.binary_erosion(toned, structure=np.ones((5, 5), dtype=bool))
    if (
        filled.mean() >= MIN_FILLED_SHARE
        and float((residual[filled] >= NOISE_LEVELS).mean()) < FLAT_FILL_NOISE
    ):
        return False
    return float((residual[toned] >= NOISE_LEVELS).mean()) >= SCANNED_NOISY_SHARE


def flattened(gray: np.ndarray) -> np.ndarray:
    """The page divided by its own background: grey paper and uneven light become white, ink stays dark.

    The background is the brightest level around each point over a window wider than a letter's
    stroke (measured at a quarter of the size, then smoothed), so the ink does not darken it.
    """
    # Means of 4x4 blocks, not every 4th pixel: averaging takes the sensor noise out of the
    # maximum below, which would otherwise take the brightest speck for the paper.
    height, width = (gray.shape[0] // 4) * 4, (gray.shape[1] // 4) * 4
    if height == 0 or width == 0:
        return gray.astype(np.float32)
    small = gray[:height, :width].astype(np.float32).reshape(height // 4, 4, width // 4, 4).mean(axis=(1, 3))
    background = ndi.maximum_filter(small, size=11)
    background = ndi.gaussian_filter(background, sigma=4)
    zoom = (gray.shape[0] / small.shape[0], gray.shape[1] / small.shape[1])
    background = ndi.zoom(background, zoom, order=1)[: gray.shape[0], : gray.shape[1]]
    if background.shape != gray.shape:
        background = np.pad(
            background,
            ((0, gray.shape[0] - background.shape[0]), (0, gray.shape[1] - background.shape[1])),
            mode="edge",
        )
    # A light median takes the JPEG speckle off the paper before tesseract's own thresholding.
    smoothed = ndi.median_filter(gray.astype(np.float32), size=3)
    return (smoothed / np.maximum(background, 1.0) * 255.0).clip(0, 255)


def _ink_points(gray: np.ndarray) -> np.ndarray:
    """Coordinates (x, y) of dark ink at reduced resolution, for measuring the lines' slope."""
    step = max(1, math.ceil(max(gray.shape) / PROFILE_SIDE))
    small = gray[::step, ::step].astype(np.float32)
    paper = float(np.percentile(small, 90))
    ink_level = float(np.percentile(small, 2))
    if paper - ink_level < 30:
        return np.empty((0, 2))
    ys, xs = np.nonzero(small < (paper + ink_level) / 2)
    return np.column_stack((xs, ys)).astype(np.float64)


def _sharpness(points: np.ndarray, angle: float) -> float:
    """How peaked the row profile of `points` is once they are turned `angle` degrees counter-clockwise."""
    theta = math.radians(angle)
    # y of each point after a counter-clockwise turn in y-down pixels.
    rows = -points[:, 0] * math.sin(theta) + points[:, 1] * math.cos(theta)
    counts = np.bincount((rows - rows.min()).astype(np.int64))
    return float(np.sum(np.diff(counts.astype(np.float64)) ** 2))


def estimate_skew(gray: np.ndarray) -> float:
    """Degrees to turn the page counter-clockwise so that its text lines lie level (0: leave it).

    A coarse search over +-`MAX_SKEW`, then a fine one around the best; the page is only turned
    when the best profile is clearly sharper than the level one (`SKEW_GAIN`), so a screen whose
    text is level but holds a slanted drawing stays as it is.
    """
    points = _ink_points(gray)
    if len(points) < MIN_INK_POINTS:
        return 0.0
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    scores = [_sharpness(points, a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    scores = [_sharpness(points, a) for a in fine]
    best = float(fine[int(np.argmax(scores))])
    level = _sharpness(points, 0.0)
    if abs(best) < MIN_SKEW or max(scores) < SKEW_GAIN * level:
        return 0.0
    return round(best, 2)


_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")
MIN_OSD_CONFIDENCE = 1.5
"""Tesseract's orientation confidence under which its guess is no better than chance."""


def detect_orientation(image: Image.Image, tesseract: str, timeout_s: float) -> int:
    """Degrees (0, 90, 180, 270) to turn the page counter-clockwise so its text stands upright.

    Tesseract's orientation and script detection (`--psm 0`); 0 when it is unsure or fails (a page
    too sparse to judge is read as it is).
    """
    buffer = io.BytesIO()
    gray = image.convert("L")
    scale = min(1.0, 2000 / max(gray.size))
    if scale < 1.0:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    gray.save(buffer, format="PNG", compress_level=1)
    try:
        completed = run_on_cpu_budget(
            [tesseract, "stdin", "stdout", "--psm", "0"], buffer.getvalue(), timeout_s
        )
    except subprocess.TimeoutExpired:
        log.warning("orientation detection timed out; the page is read as it stands")
        return 0
    report = completed.stdout.decode("utf-8", "replace") + completed.stderr.decode("utf-8", "replace")
    rotate, confidence = _OSD_ROTATE.search(report), _OSD_CONFIDENCE.search(report)
    if completed.returncode != 0 or rotate is None or confidence is None:
        log.debug("orientation detection gave no answer: %s", report[-300:])
        return 0
    if float(confidence.group(1)) < MIN_OSD_CONFIDENCE:
        return 0
    # Tesseract's "Rotate" is clockwise; PIL turns counter-clockwise.
    return (360 - int(rotate.group(1))) % 360
