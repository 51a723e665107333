"""The citation highlight (UI thumbnails and the REST page image): never taken for an annotation mark."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from assistant.highlight import draw_boxes
from indexer.marks import detect_marks, red_mask

RED = (220, 24, 24)
LINE = (100, 100, 420, 130)


def _page(path: Path, annotated: bool = False, dark: bool = False) -> Path:
    image = Image.new("RGB", (1240, 700), (30, 30, 30) if dark else "white")
    draw = ImageDraw.Draw(image)
    draw.text((110, 110), "Descale the machine every three months", fill="white" if dark else "black")
    if annotated:  # what a screenshot's author draws: a red box round a button
        draw.rectangle((600, 300, 900, 380), outline=RED, width=5)
    image.save(path)
    return path


def _drawn(page: Path, width: int | None = None) -> Image.Image:
    return Image.open(io.BytesIO(draw_boxes(page, [LINE], width))).convert("RGB")


def _blue(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return np.asarray((blue > 150) & (blue - red > 40) & (blue - green > 20))


def test_the_highlight_has_no_red_the_annotation_detector_would_see(tmp_path: Path) -> None:
    for dark in (False, True):
        for width in (None, 260):
            highlighted = _drawn(_page(tmp_path / f"page-{dark}.png", dark=dark), width)
            assert int(red_mask(highlighted).sum()) == 0
            assert detect_marks(highlighted).marks == []
            assert int(_blue(highlighted).sum()) > 200


def test_a_real_red_mark_stays_the_only_mark(tmp_path: Path) -> None:
    page = _page(tmp_path / "annotated.png", annotated=True)
    before = detect_marks(Image.open(page).convert("RGB")).marks
    after = detect_marks(_drawn(page)).marks
    assert len(before) == 1 and after == before


def test_the_outline_is_dashed_on_a_white_halo(tmp_path: Path) -> None:
    highlighted = _drawn(_page(tmp_path / "page.png"))
    blue = _blue(highlighted)
    rows = np.flatnonzero(blue.any(axis=1))
    top = int(rows.min())
    # Along the top edge the outline alternates blue dashes and light gaps.
    edge = blue[top + 1, LINE[0] : LINE[2]].astype(np.int8)
    assert int(np.abs(np.diff(edge)).sum()) >= 8
    # The inside keeps the text readable: a light, translucent fill, not an opaque block.
    inside = np.asarray(highlighted, dtype=np.int16)[LINE[1] + 12, LINE[0] + 200 : LINE[0] + 260]
    assert inside.min(axis=1).max() > 150 and (inside[:, 2] > inside[:, 0]).all()
