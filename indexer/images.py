"""Raster inputs (PNG, JPEG, WebP, TIFF incl. multi-page) opened safely as page images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageSequence

from indexer.errors import CorruptFile, EmptyDocument, ImageTooLarge, ImageTooSmall

MIN_IMAGE_SIDE = 16
DEFAULT_MAX_IMAGE_PIXELS = 60_000_000

# Our own limit (checked from the header, before any pixel is decoded) is the guard: Pillow's
# fixed one would override a user's raised `max_image_pixels` and hide the real size in errors.
Image.MAX_IMAGE_PIXELS = None


def read_image_pages(
    path: Path, max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS, min_side: int = MIN_IMAGE_SIDE
) -> Iterator[Image.Image]:
    """Yield each frame of the image at `path` as RGB, after checking its size from the header.

    The size check happens before any pixel is decoded, so a decompression bomb costs nothing.
    """
    try:
        image = Image.open(path)
    except (OSError, SyntaxError, ValueError) as error:
        raise CorruptFile(path, f"the image cannot be decoded: {error}") from error
    with image:
        frames = 0
        for frame in ImageSequence.Iterator(image):
            width, height = frame.size
            if width * height > max_pixels:
                raise ImageTooLarge(path, width, height, max_pixels)
            if min(width, height) < min_side:
                raise ImageTooSmall(path, width, height, min_side)
            try:
                rgb = _to_rgb(frame)
            except (OSError, SyntaxError, ValueError) as error:
                raise CorruptFile(path, f"frame {frames + 1} cannot be decoded: {error}") from error
            frames += 1
            yield rgb
        if frames == 0:
            raise EmptyDocument(path, "the image has no frames")


def _to_rgb(frame: Image.Image) -> Image.Image:
    frame.load()
    if frame.mode in ("RGBA", "LA") or (frame.mode == "P" and "transparency" in frame.info):
        # Screenshots with alpha: flatten on white, as a viewer shows them.
        rgba = frame.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return frame.convert("RGB")
