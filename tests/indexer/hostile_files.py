"""Tiny files that ask a reader for far too much (render and decompression bombs), generated on the fly.

Each one is a few hundred bytes to about a megabyte, so none is ever committed. Shared by the bomb
and fuzz tests and by benchmarks/ingest_rss.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

HELVETICA = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF of the given objects (1 0 obj is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def page_pdf(
    content: bytes = b"",
    media_box: bytes = b"[0 0 595 842]",
    page_entries: bytes = b"",
    resources: bytes = b"<< >>",
    content_filter: bytes = b"",
    extra: Sequence[bytes] = (),
) -> bytes:
    """One page; objects 5.. are `extra` (images, masks) for `resources` to name."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents 4 0 R /Resources %s %s >>"
            % (media_box, resources, page_entries),
            stream(content, content_filter),
            *extra,
        ]
    )


def text_content(text: str, x: float, y: float, size: float) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET" % (size, x, y, text.encode("latin-1"))


def deflate_repeated(chunk: bytes, times: int) -> bytes:
    """zlib data that inflates to `chunk` repeated `times` times, made without compressing all of it.

    A full flush ends the block with no reference to what came before, so the compressed block can be
    repeated as is; only the checksum has to see every byte.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(times):
        checksum = zlib.adler32(chunk, checksum)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    return b"\x78\xda" + block * times + final + checksum.to_bytes(4, "big")


def huge_page(path: Path, side_pt: float = 14400, text: str = "Giant poster: replace the filter") -> Path:
    """A page of `side_pt` square (14400 pt = 5 m, the largest the PDF spec allows), a few hundred bytes.

    At 150 DPI its image would be 30000 x 30000 px, 3.6 GB. Without `text` it has no text layer but
    a diagonal stroke, so a reader renders it to OCR it.
    """
    if text:
        content = text_content(text, side_pt / 20, side_pt / 2, side_pt / 30)
    else:
        content = b"20 w 100 100 m %g %g l S" % (side_pt - 100, side_pt - 100)
    path.write_bytes(page_pdf(content, b"[0 0 %g %g]" % (side_pt, side_pt), resources=HELVETICA))
    return path


def user_unit_page(path: Path, unit: float = 75_000, text: str = "Replace the filter every month") -> Path:
    """A 14400 pt page that also declares /UserUnit: each unit `unit` / 72 inch (a 15 km page)."""
    content = text_content(text, 700, 7200, 480) if text else b"20 w 100 100 m 14300 14300 l S"
    path.write_bytes(
        page_pdf(content, b"[0 0 14400 14400]", page_entries=b"/UserUnit %g" % unit, resources=HELVETICA)
    )
    return path


def blank_pages(path: Path, count: int = 300) -> Path:
    """`count` blank A4 pages sharing one empty content stream: under 100 bytes a page."""
    kids = b" ".join(b"%d 0 R" % (4 + index) for index in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        stream(b""),
        *(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>" for _ in range(count)),
    ]
    path.write_bytes(raw_pdf(objects))
    return path


def flate_content_bomb(path: Path, inflated_mb: int = 1024) -> Path:
    """A page whose content stream is ~1 MB of Flate that inflates to `inflated_mb` MB of spaces."""
    data = deflate_repeated(b" " * (1 << 20), inflated_mb)
    path.write_bytes(page_pdf(data, content_filter=b"/Filter /FlateDecode"))
    return path


def soft_mask_bomb(path: Path, side: int = 30_000) -> Path:
    """A page drawing one `side` x `side` px grey image with a soft mask of the same size.

    pdfium decodes the mask at full size whatever the output resolution: 0.9 GB for 30000 px.
    """
    data = deflate_repeated(b"\x80" * (1 << 20), side * side // (1 << 20) + 1)
    image = b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8"
    image %= (side, side)
    extra = [
        stream(data, image + b" /Filter /FlateDecode /SMask 6 0 R"),
        stream(data, image + b" /Filter /FlateDecode"),
    ]
    path.write_bytes(
        page_pdf(b"q 595 0 0 842 0 0 cm /Im1 Do Q", resources=b"<< /XObject << /Im1 5 0 R >> >>", extra=extra)
    )
    return path


def many_frames_tiff(path: Path, frames: int = 2000, side: int = 32) -> Path:
    """A TIFF of `frames` tiny frames, each with a stroke on it (so OCR would look at every one)."""
    images = []
    for index in range(frames):
        image = Image.new("L", (side, side), 255)
        ImageDraw.Draw(image).line((4, 4 + index % (side - 8), side - 4, side // 2), fill=0, width=2)
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_deflate")
    return path
