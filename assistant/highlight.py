"""Cited rectangles drawn on page images, as PNG bytes for the REST service and the UI."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from indexer.errors import AssistantError
from indexer.records import BBox

OUTLINE = (220, 30, 30, 255)
FILL = (255, 214, 0, 70)


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


def draw_boxes(page_image: Path, boxes: Sequence[BBox], max_width: int | None = None) -> bytes:
    """The page with each box outlined and lightly filled, scaled down to `max_width` if given."""
    with Image.open(page_image) as opened:
        page = opened.convert("RGBA")
    scale = 1.0
    if max_width is not None and 0 < max_width < page.width:
        # Scale first, then draw: an outline drawn at full size would blur away in a thumbnail.
        scale = max_width / page.width
        page = page.resize((max_width, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(3, page.width // 250)
    for box in boxes:
        x0, y0, x1, y1 = (value * scale for value in box)
        pad = width
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=FILL, outline=OUTLINE, width=width)
    image = Image.alpha_composite(page, overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
