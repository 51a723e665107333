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
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    # A line width that stays visible in a thumbnail of a 150-DPI page.
    width = max(3, page.width // 250)
    for x0, y0, x1, y1 in boxes:
        pad = width
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=FILL, outline=OUTLINE, width=width)
    image = Image.alpha_composite(page, overlay).convert("RGB")
    if max_width is not None and 0 < max_width < image.width:
        height = round(image.height * max_width / image.width)
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=3)
    return buffer.getvalue()
