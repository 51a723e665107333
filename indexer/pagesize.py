"""How large a page image may be: the resolution a page is indexed at, as pure functions of sizes."""

from __future__ import annotations

import math

DEFAULT_MAX_PAGE_PIXELS = 12_000_000
"""An A1 drawing at 110 DPI, a 5K screenshot at 90%: big enough for every real page, small enough that
rendering, mark detection and OCR of two pages at once stay well inside the reader's memory."""

MAX_PAGE_SIDE = 20_000
"""Longest side of a page image; OCR and tiling need a page, not a ribbon."""

MIN_RENDER_DPI = 12.0
"""Below this even poster lettering is illegible: a page that needs less is a render bomb."""

POINTS_PER_INCH = 72.0


def fitted_dpi(width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
    """The resolution to index a PDF page at: `dpi`, or lower so that its image fits the limits.

    The image has at most `max_pixels` pixels and no side longer than `MAX_PAGE_SIDE`. The result may
    be below `MIN_RENDER_DPI`; `is_render_bomb` tells whether it is.
    """
    if width_pt <= 0 or height_pt <= 0 or dpi <= 0 or max_pixels <= 0:
        raise ValueError(f"sizes must be positive: {width_pt} x {height_pt} pt at {dpi} DPI, {max_pixels} px")

    def fits(candidate: float) -> bool:
        width, height = page_pixels(width_pt, height_pt, candidate)
        return width * height <= max_pixels and max(width, height) <= MAX_PAGE_SIDE

    if fits(dpi):
        return dpi
    # Each side is rounded up, so (w*s + 1) * (h*s + 1) <= max_pixels surely fits; w*h*s^2 = max_pixels
    # is as far as it can go. The best resolution lies between: bisect on the rounded sizes.
    area, perimeter, longest = width_pt * height_pt, width_pt + height_pt, max(width_pt, height_pt)
    low = (-perimeter + math.sqrt(perimeter**2 + 4 * area * max(0, max_pixels - 1))) / (2 * area)
    low = POINTS_PER_INCH * min(low, (MAX_PAGE_SIDE - 1) / longest) * (1 - 1e-9)
    high = min(dpi, POINTS_PER_INCH * min(math.sqrt(max_pixels / area), MAX_PAGE_SIDE / longest))
    if not fits(low):
        return low  # one pixel already overflows: a render bomb whichever way
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def page_pixels(width_pt: float, height_pt: float, dpi: float) -> tuple[int, int]:
    """Pixel size of a PDF page rendered at `dpi`, rounded up as pdfium rounds it."""
    scale = dpi / POINTS_PER_INCH
    return max(1, math.ceil(width_pt * scale)), max(1, math.ceil(height_pt * scale))


def is_render_bomb(dpi: float) -> bool:
    return dpi < MIN_RENDER_DPI


def fitted_size(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """Size to index a raster page at: its own, or scaled down (aspect kept) to fit the limits."""
    if width <= 0 or height <= 0 or max_pixels <= 0:
        raise ValueError(f"sizes must be positive: {width} x {height} px, {max_pixels} px")
    scale = min(1.0, math.sqrt(max_pixels / (width * height)), MAX_PAGE_SIDE / max(width, height))
    if scale >= 1.0:
        return width, height
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
