"""Cited rectangles drawn on page images, as PNG bytes for the REST service and the UI."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from indexer.errors import AssistantError
from indexer.records import BBox

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


class BoxError(AssistantError):
    """A box parameter is not four numbers x0,y0,x1,y1."""


def parse_box(text: str) -> BBox:
    """'x0,y0,x1,y1' in page-image pixels to a box; `BoxError` says what is wrong."""
    parts = text.replace(";", ",").split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 4 or values[2] < values[0] or values[3] < values[1]:
        raise BoxError(f"box {text!r} must be four numbers x0,y0,x1,y1 with x0 <= x1 and y0 <= y1")
    return (values[0], values[1], values[2], values[3])


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
    """The page with each box lightly filled and outlined in dashes, scaled down to `max_width` if given."""
    with Image.open(page_image) as opened:
        page = opened.convert("RGBA")
    scale = 1.0
    if max_width is not None and 0 < max_width < page.width:
        # Scale first, then draw: an outline drawn at full size would blur away in a thumbnail.
        scale = max_width / page.width
        page = page.resize((max_width, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, page.width // 300)
    for box in boxes:
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
