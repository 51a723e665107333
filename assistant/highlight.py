"""Cited rectangles drawn on page images, as PNG bytes for the REST service and the UI."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from indexer.errors import InvalidRequest
from indexer.records import BBox

MAX_BOXES = 50
"""Boxes drawn on one page image: a citation has one; more than this is a request built to cost time."""
# Screenshots carry their authors' own marks (red boxes, circles, arrows, yellow highlights): a citation
# must never be mistaken for one of them, so it is blue, translucent and dashed, on a white halo that
# keeps the dashes visible on dark screenshots too.
FILL = (0, 120, 255, 56)
OUTLINE = (0, 84, 214, 255)
HALO = (255, 255, 255, 220)
DASH = 3
"""Dash length, in line widths."""
GAP = 2
"""Gap between dashes, in line widths."""


class BoxError(InvalidRequest):
    """A box is not four finite numbers x0,y0,x1,y1, lies off the page, or too many boxes were asked for."""


def parse_box(text: str, field: str = "box") -> BBox:
    """'x0,y0,x1,y1' in page-image pixels to a box; `BoxError` names `field` and says what is wrong."""
    parts = text.replace(";", ",").split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if (
        len(values) != 4
        or not all(math.isfinite(value) for value in values)
        or values[2] < values[0]
        or values[3] < values[1]
    ):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise BoxError(field, f"{shown!r} must be four numbers x0,y0,x1,y1 with x0 <= x1 and y0 <= y1")
    return (values[0], values[1], values[2], values[3])


def clip_box(box: BBox, size: tuple[int, int]) -> BBox | None:
    """The part of `box` on a page of `size` (width, height) pixels; None when it misses the page."""
    width, height = size
    x0, y0, x1, y1 = box
    if x0 > width or y0 > height or x1 < 0 or y1 < 0:
        return None
    return (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))


def page_boxes(texts: Sequence[str], size: tuple[int, int], field: str = "box") -> list[BBox]:
    """Boxes given as text, clipped to the page; `BoxError` names the one that is malformed or off the page.

    Clipping is what keeps drawing cheap: an outline around `0,0,1e10,1e10` used to take PIL half a
    minute per box while holding the GIL, which stalled every other request of the service.
    """
    if len(texts) > MAX_BOXES:
        raise BoxError(field, f"{len(texts)} boxes were given; at most {MAX_BOXES} are drawn on one page")
    boxes: list[BBox] = []
    for number, text in enumerate(texts):
        name = f"{field}[{number}]"
        box = parse_box(text, name)
        clipped = clip_box(box, size)
        if clipped is None:
            corners = ",".join(f"{value:g}" for value in box)
            raise BoxError(name, f"{corners} lies outside the {size[0]}x{size[1]} page")
        boxes.append(clipped)
    return boxes


def page_size(page_image: Path) -> tuple[int, int]:
    """Width and height of a page image, read from its header (the pixels are not decoded)."""
    with Image.open(page_image) as opened:
        return opened.size


def _dashes(start: float, end: float, width: int) -> list[tuple[float, float]]:
    """(from, to) of each dash along one edge; the edge always ends in a dash, so corners are drawn."""
    dash, step = DASH * width, (DASH + GAP) * width
    spans = []
    position = start
    while position < end:
        spans.append((position, min(position + dash, end)))
        position += step
    if spans and spans[-1][1] < end:
        spans.append((max(start, end - dash), end))
    return spans


def _dashed_rectangle(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], width: int) -> None:
    x0, y0, x1, y1 = box
    for a, b in _dashes(x0, x1, width):
        draw.line((a, y0, b, y0), fill=OUTLINE, width=width)
        draw.line((a, y1, b, y1), fill=OUTLINE, width=width)
    for a, b in _dashes(y0, y1, width):
        draw.line((x0, a, x0, b), fill=OUTLINE, width=width)
        draw.line((x1, a, x1, b), fill=OUTLINE, width=width)


def draw_boxes(page_image: Path, boxes: Sequence[BBox], max_width: int | None = None) -> bytes:
    """The page with each box lightly filled and outlined in dashes, scaled down to `max_width` if given.

    Boxes are clipped to the page (one that misses it is not drawn), so the work is bounded by the
    page's size whatever the coordinates.
    """
    with Image.open(page_image) as opened:
        page = opened.convert("RGBA")
    on_page = [clipped for clipped in (clip_box(box, page.size) for box in boxes) if clipped is not None]
    scale = 1.0
    if max_width is not None and 0 < max_width < page.width:
        # Scale first, then draw: an outline drawn at full size would blur away in a thumbnail.
        scale = max_width / page.width
        page = page.resize((max_width, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, page.width // 300)
    for box in on_page:
        x0, y0, x1, y1 = (value * scale for value in box)
        pad = 2 * width
        outer = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        # The dashes are centred on the edge; the halo reaches one pixel past them on both sides.
        grow = width // 2 + 1
        halo = (outer[0] - grow, outer[1] - grow, outer[2] + grow, outer[3] + grow)
        draw.rectangle(halo, fill=FILL, outline=HALO, width=width + 2)
        _dashed_rectangle(draw, outer, width)
    image = Image.alpha_composite(page, overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
