"""Type detection reads the first bytes of a file; its name never decides."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from indexer.errors import MissingFile, UnsupportedFileType
from indexer.sniff import sniff_media_type

if TYPE_CHECKING:
    from conftest import Maker


def encoded(format: str, **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format=format, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("format", "expected"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("TIFF", "image/tiff")],
)
def test_images_are_recognised_whatever_their_name(make: Maker, format: str, expected: str) -> None:
    path = make.raw(f"scan.{format.lower()}.pdf", encoded(format))
    assert sniff_media_type(path) == expected


def test_big_endian_tiff_is_recognised(make: Maker) -> None:
    path = make.raw("motorola.bin", b"MM\x00*" + b"\x00" * 64)
    assert sniff_media_type(path) == "image/tiff"


def test_pdf_is_recognised_without_suffix_and_after_leading_junk(make: Maker) -> None:
    manual = make.manual("manual")
    assert sniff_media_type(manual) == "application/pdf"
    # Some mail gateways prepend a line; readers accept a header within the first KiB.
    shifted = make.raw("mailed.pdf", b"X-Junk: 1\r\n" * 20 + manual.read_bytes())
    assert sniff_media_type(shifted) == "application/pdf"


def test_png_named_pdf_is_indexed_as_png(make: Maker, tmp_path: Path) -> None:
    from assistant import Assistant

    disguised = make.raw(
        "manual.pdf", make.picture("real.png", ["Replace the dust bag", "every 4 weeks"]).read_bytes()
    )
    with Assistant(tmp_path / "ws") as assistant:
        [record] = assistant.add([disguised])
        assert record.media_type == "image/png"
        assert record.filename == "manual.pdf"
        assert assistant.search("dust bag")[0].document.id == record.id


def test_docx_is_unsupported_and_says_what_it_looks_like(make: Maker) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    path = make.raw("notes.docx", buffer.getvalue())
    with pytest.raises(UnsupportedFileType) as caught:
        sniff_media_type(path)
    assert "'notes.docx'" in str(caught.value)
    assert "ZIP" in str(caught.value)
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"Just some notes\n", "plain text"),
        (b"GIF89a" + b"\x00" * 20, "GIF"),
        (b"<html><body>manual</body></html>", "HTML"),
        (b"", "empty"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x44\xac\x00\x00", "binary"),
        (bytes(range(128, 256)), "binary"),
    ],
)
def test_unsupported_content_is_described(make: Maker, data: bytes, looks_like: str) -> None:
    path = make.raw("thing.pdf", data)
    with pytest.raises(UnsupportedFileType, match=looks_like):
        sniff_media_type(path)


def test_missing_path_is_a_typed_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFile) as caught:
        sniff_media_type(tmp_path / "gone.png")
    assert "'gone.png'" in str(caught.value)
    assert "check the path" in str(caught.value)
