"""Raster inputs as page images: every frame, flattened to RGB, sizes checked before decoding."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from indexer.errors import CorruptFile, ImageTooLarge, ImageTooSmall, PageTooLarge, TooManyPages
from indexer.images import read_image_pages
from tests.conftest import text_image
from tests.indexer.hostile_files import many_frames_tiff

if TYPE_CHECKING:
    from conftest import Corpus, Maker


def test_multi_page_tiff_gives_one_page_per_frame(corpus: Corpus) -> None:
    pages = list(read_image_pages(corpus.tiff))
    assert len(pages) == 2
    assert all(page.mode == "RGB" and page.size == (1100, 280) for page in pages)
    assert pages[0].tobytes() != pages[1].tobytes()


@pytest.mark.parametrize("name", ["jpeg", "webp"])
def test_jpeg_and_webp_are_single_rgb_pages(corpus: Corpus, name: str) -> None:
    [page] = read_image_pages(getattr(corpus, name))
    assert page.mode == "RGB"
    with Image.open(getattr(corpus, name)) as original:
        assert page.size == original.size


def test_transparent_screenshot_is_flattened_on_white(make: Maker) -> None:
    image = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (10, 10, 20, 20))
    path = make.root / "alpha.png"
    image.save(path)
    [page] = read_image_pages(path)
    assert page.getpixel((0, 0)) == (255, 255, 255)
    assert page.getpixel((15, 15)) == (200, 0, 0)


def test_paletted_image_with_transparency_is_flattened(make: Maker) -> None:
    image = Image.new("P", (32, 32), 0)
    image.putpalette([0, 0, 0, 10, 120, 10] + [0] * 762)
    image.paste(1, (0, 0, 16, 32))
    path = make.root / "palette.png"
    image.save(path, transparency=0)
    [page] = read_image_pages(path)
    assert page.getpixel((24, 5)) == (255, 255, 255)
    assert page.getpixel((4, 5)) == (10, 120, 10)


def test_one_pixel_image_is_too_small(make: Maker) -> None:
    path = make.root / "dot.png"
    Image.new("RGB", (1, 1), "white").save(path)
    with pytest.raises(ImageTooSmall, match=r"'dot\.png': is only 1x1 px; images need at least 16x16"):
        list(read_image_pages(path))


def test_bomb_is_refused_from_its_header_without_decoding(make: Maker) -> None:
    path = make.header_only_png("bomb.png", 20_000, 20_000)
    assert path.stat().st_size < 200
    with pytest.raises(ImageTooLarge, match=r"'bomb\.png'.*decompression bombs"):
        list(read_image_pages(path))


def test_bomb_message_states_the_real_size(make: Maker) -> None:
    path = make.header_only_png("bomb.png", 20_000, 20_000)
    with pytest.raises(ImageTooLarge, match=r"20000x20000 px \(400 Mpx\), over the 60 Mpx limit"):
        list(read_image_pages(path))


def test_image_over_the_configured_limit_is_refused(make: Maker) -> None:
    path = make.picture("scan.png", ["Replace the dust bag"])
    with pytest.raises(ImageTooLarge, match=r"'scan\.png': is 1100x200 px"):
        list(read_image_pages(path, max_pixels=100_000))


def test_raising_the_limit_lets_a_big_image_through(make: Maker) -> None:
    path = make.header_only_png("poster.png", 10_000, 10_000)
    # Past the size check the (deliberately truncated) pixel data is what fails.
    with pytest.raises(CorruptFile):
        list(read_image_pages(path, max_pixels=200_000_000))


def test_truncated_png_is_corrupt(make: Maker) -> None:
    data = make.picture("whole.png", ["Dust container", "Empty it after use"]).read_bytes()
    path = make.raw("half.png", data[: len(data) // 2])
    with pytest.raises(CorruptFile, match=r"'half\.png': is damaged or truncated"):
        list(read_image_pages(path))


def test_a_tiff_of_thousands_of_frames_is_refused_from_its_header(make: Maker) -> None:
    path = many_frames_tiff(make.root / "frames.tiff", frames=2000)
    with pytest.raises(
        TooManyPages, match=r"'frames\.tiff': has 2000 pages or frames, over the limit of 1000"
    ):
        next(read_image_pages(path))
    assert len(list(read_image_pages(path, max_pages=2000))) == 2000


def test_an_animation_claiming_a_million_frames_is_refused_before_decoding(make: Maker) -> None:
    path = make.root / "anim.png"
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("white", "black")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    data = bytearray(path.read_bytes())
    actl = data.index(b"acTL")
    data[actl + 4 : actl + 8] = (1_000_000).to_bytes(4, "big")
    data[actl + 12 : actl + 16] = zlib.crc32(bytes(data[actl : actl + 12])).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    with pytest.raises(TooManyPages, match=r"has 1000000 pages or frames"):
        next(read_image_pages(path))


def test_a_frame_larger_than_a_page_may_be_is_scaled_down_keeping_its_shape(make: Maker) -> None:
    path = make.root / "wide.png"
    Image.new("RGB", (3000, 2000), "white").save(path)
    [page] = read_image_pages(path, max_page_pixels=1_500_000)
    assert page.size == (1500, 1000)


def test_a_ribbon_too_thin_to_scale_down_is_refused(make: Maker) -> None:
    path = make.root / "ribbon.png"
    Image.new("L", (400_000, 20), 255).save(path)
    with pytest.raises(PageTooLarge, match=r"'ribbon\.png': page 1 is 400000x20 px, too elongated"):
        list(read_image_pages(path))


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("tiff", lambda data: data[:8] + b"\xff" * 6 + data[14:]),  # the first directory is garbage
        (
            "tiff",
            lambda data: data[:4] + (len(data) * 4).to_bytes(4, "little") + data[8:],
        ),  # points past the end
        ("png", lambda data: data[:16] + b"\x00\x00\x00\x00" + data[20:]),  # zero width
        ("webp", lambda data: data[:30] + b"\xff" * 8 + data[38:]),
        ("jpeg", lambda data: data[:2] + b"\xff\xc0\x00\x11\x08\xff\xff" + data[9:]),
    ],
)
def test_damaged_headers_are_corrupt_files_whatever_pillow_raises(
    make: Maker, name: str, damage: Callable[[bytes], bytes]
) -> None:
    path = make.root / f"damaged.{name}"
    text_image(["Dust container"]).save(path, format={"jpeg": "JPEG"}.get(name, name.upper()))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises((CorruptFile, ImageTooSmall, ImageTooLarge)) as caught:
        list(read_image_pages(path))
    assert caught.value.path == str(path)
