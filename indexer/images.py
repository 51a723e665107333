"""Raster inputs (PNG, JPEG, WebP, TIFF incl. multi-page) opened safely as page images."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from indexer.errors import (
    CorruptFile,
    EmptyDocument,
    ImageTooLarge,
    ImageTooSmall,
    PageTooLarge,
    TooManyPages,
)
from indexer.pagesize import DEFAULT_MAX_PAGE_PIXELS, fitted_size

log = logging.getLogger(__name__)

MIN_IMAGE_SIDE = 16
DEFAULT_MAX_IMAGE_PIXELS = 60_000_000
DEFAULT_MAX_PAGES = 1000

# Our own limit (checked from the header, before any pixel is decoded) is the guard: Pillow's
# fixed one would override a user's raised `max_image_pixels` and hide the real size in errors.
Image.MAX_IMAGE_PIXELS = None


def read_image_pages(
    path: Path,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    min_side: int = MIN_IMAGE_SIDE,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_page_pixels: int = DEFAULT_MAX_PAGE_PIXELS,
) -> Iterator[Image.Image]:
    """Yield each frame of the image at `path` as RGB, one at a time, after checking it from the header.

    The frame count and each frame's size are checked before any pixel is decoded, so a
    decompression bomb or a TIFF of thousands of frames costs nothing. A frame larger than
    `max_page_pixels` is scaled down to fit (the page is indexed, cited and shown at that size).
    """
    try:
        image = Image.open(path)
    except MemoryError:
        raise
    except Exception as error:
        # Pillow's decoders fail on damaged headers with any exception type (struct.error,
        # IndexError, ZeroDivisionError...); all of them mean "this file cannot be read".
        raise CorruptFile(path, f"the image cannot be decoded: {_describe(error)}") from error
    with image:
        count = _frame_count(path, image)
        if count > max_pages:
            raise TooManyPages(path, count, max_pages)
        yielded = 0
        for index in range(count):
            try:
                image.seek(index)
            except EOFError:
                # The header promised more frames than the file holds: index what is there.
                log.warning("%s: only %d of %d frames could be read", path.name, index, count)
                break
            except MemoryError:
                raise
            except Exception as error:
                raise CorruptFile(path, f"frame {index + 1} cannot be read: {_describe(error)}") from error
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(path, width, height, max_pixels)
            if min(width, height) < min_side:
                raise ImageTooSmall(path, width, height, min_side)
            target = fitted_size(width, height, max_page_pixels)
            if min(target) < min_side:
                raise PageTooLarge(
                    path, index + 1, f"is {width}x{height} px, too elongated to read as a page"
                )
            try:
                rgb = _to_rgb(image)
            except MemoryError:
                raise
            except Exception as error:
                raise CorruptFile(path, f"frame {index + 1} cannot be decoded: {_describe(error)}") from error
            if rgb.size != target:
                rgb = rgb.resize(target, Image.Resampling.LANCZOS)
            yielded += 1
            yield rgb
        if yielded == 0:
            raise EmptyDocument(path, "the image has no frames")


def image_page(
    path: Path,
    number: int,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    max_page_pixels: int = DEFAULT_MAX_PAGE_PIXELS,
) -> Image.Image:
    """Frame `number` (1-based) of the image at `path`, at the size it was indexed at."""
    # The stored file passed the frame limit when it was added; only the frames up to `number` are decoded.
    frames = read_image_pages(path, max_pixels, max_pages=sys.maxsize, max_page_pixels=max_page_pixels)
    for index, frame in enumerate(frames, start=1):
        if index == number:
            return frame
    raise ValueError(f"frame {number} is out of range in {path.name}")


def _frame_count(path: Path, image: Image.Image) -> int:
    try:
        return int(getattr(image, "n_frames", 1))
    except MemoryError:
        raise
    except Exception as error:
        raise CorruptFile(path, f"its frames cannot be counted: {_describe(error)}") from error


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _to_rgb(frame: Image.Image) -> Image.Image:
    frame.load()
    if frame.mode in ("RGBA", "LA") or (frame.mode == "P" and "transparency" in frame.info):
        # Screenshots with alpha: flatten on white, as a viewer shows them.
        rgba = frame.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return frame.convert("RGB")
