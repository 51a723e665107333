"""Fuzzing ingest: a few hundred mutated PDFs and images give typed errors or whole documents, nothing else.

The mutants come from small real files (fpdf2 PDFs, Pillow PNG/JPEG/WebP/TIFF) with a fixed seed:
byte flips, truncation, duplicated and deleted chunks, and edits of what a reader trusts (page count,
page size, /UserUnit, stream lengths, image sizes, deep nesting, page tree loops). They are added in
batches to one workspace. Each file has the reader's time limits, so a hang fails as a typed error.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fpdf import FPDF
from sqlalchemy import select

from assistant import Assistant
from indexer.catalog import PageRow
from indexer.errors import DocumentError, IndexingFailed
from indexer.workspace import Workspace
from tests.conftest import FONT, text_image
from tests.indexer.consistency import inconsistencies
from tests.indexer.hostile_files import HELVETICA, page_pdf, text_content

if TYPE_CHECKING:
    from conftest import Maker

SEED = 20261129
MUTANTS = 300
BATCH = 30
LIMITS = {
    "dpi": 72.0,
    "ocr_workers": 1,
    "max_pages": 40,
    "max_page_pixels": 1_500_000,
    "reader_page_timeout_s": 30.0,
    "reader_file_timeout_s": 60.0,
}


def small_pdf(compress: bool) -> bytes:
    """Two small pages of text (an embedded DejaVu subset), the second with a picture of text on it."""
    pdf = FPDF(format=(120, 80))
    pdf.set_compression(compress)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 7, "Filter care\nRinse the filter every month. Фильтр промывайте раз в месяц.")
    pdf.add_page()
    pdf.image(text_image(["Dust bag"], size=30, width=300), x=10, y=10, w=60)
    return bytes(pdf.output())


def seeds() -> dict[str, bytes]:
    found = {
        "text.pdf": small_pdf(compress=True),
        "plain.pdf": small_pdf(compress=False),
        "raw.pdf": page_pdf(
            text_content("Empty the dust container after use", 20, 100, 12),
            media_box=b"[0 0 300 200]",
            resources=HELVETICA,
        ),
    }
    picture = text_image(["Brush speed"], size=24, width=240)
    for name, options in {
        "shot.png": {"format": "PNG"},
        "shot.jpg": {"format": "JPEG", "quality": 85},
        "shot.webp": {"format": "WEBP", "lossless": True},
        "shot.tiff": {"format": "TIFF", "compression": "tiff_deflate"},
    }.items():
        buffer = io.BytesIO()
        picture.save(buffer, **options)
        found[name] = buffer.getvalue()
    buffer = io.BytesIO()
    picture.save(buffer, format="TIFF", save_all=True, append_images=[picture.rotate(180)])
    found["frames.tiff"] = buffer.getvalue()
    return found


# -- mutations ---------------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(1, len(data) - 1)]


def duplicate(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 4096)]
    at = rng.randrange(len(data))
    return data[:at] + chunk * rng.randint(1, 20) + data[at:]


def delete(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 2048) :]


def huge(rng: random.Random) -> bytes:
    return str(rng.choice([0, -1, 2**31 - 1, 2**31, 2**63, 10**12, 14400, 99999999])).encode()


def pdf_edit(rng: random.Random, data: bytes) -> bytes:
    """Change what a PDF reader trusts: counts, sizes, lengths, structure."""
    edits: list[Callable[[bytes], bytes]] = [
        lambda d: re.sub(rb"/Count \d+", b"/Count " + huge(rng), d),
        lambda d: re.sub(
            rb"/MediaBox ?\[[^\]]*\]",
            b"/MediaBox [0 0 %s %s]" % (huge(rng), rng.choice([b"1e9", b"-842", b"0", b"14400", b"nan"])),
            d,
        ),
        lambda d: d.replace(b"/Type /Page ", b"/Type /Page /UserUnit %s " % huge(rng), 1),
        lambda d: re.sub(rb"/Length \d+", b"/Length " + huge(rng), d, count=rng.randint(1, 3)),
        lambda d: re.sub(rb"/(Width|Height) \d+", rb"/\1 " + huge(rng), d),
        lambda d: re.sub(rb"/Kids \[[^\]]*\]", b"/Kids [2 0 R 2 0 R]", d),  # the page tree contains itself
        lambda d: d.replace(b"/Resources", b"/Nested " + b"[" * 20000 + b"]" * 20000 + b" /Resources", 1),
        lambda d: d.replace(b"stream\n", b"stream\n" + b"q " * rng.randint(100, 50000), 1),
        lambda d: re.sub(rb"startxref\s+\d+", b"startxref\n" + huge(rng), d),
        lambda d: re.sub(rb"/Rotate \d+|/Type /Page ", b"/Type /Page /Rotate 45 ", d, count=1),
    ]
    return rng.choice(edits)(data)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def image_edit(rng: random.Random, data: bytes) -> bytes:
    """Change an image header's sizes or frame structure (with valid checksums where there are any)."""
    if data.startswith(b"\x89PNG"):
        width, height = rng.choice([(0, 10), (2**31 - 1, 1), (70000, 70000), (1, 100000), (9000, 9000)])
        body = struct.pack(">II", width, height) + data[24:29]
        return data[:8] + png_chunk(b"IHDR", body) + data[33:]
    if data[:2] in (b"II", b"MM"):
        # The first directory's entry count, or the offset of the next directory.
        order = "<" if data[:2] == b"II" else ">"
        (first,) = struct.unpack(order + "I", data[4:8])
        if first + 2 <= len(data) and rng.random() < 0.5:
            return data[:first] + struct.pack(order + "H", rng.choice([0, 1, 0xFFFF])) + data[first + 2 :]
        return data[:4] + struct.pack(order + "I", rng.choice([0, 4, len(data) + 100, 8])) + data[8:]
    if data.startswith(b"\xff\xd8"):
        sof = data.find(b"\xff\xc0")
        if sof > 0:
            return (
                data[: sof + 5]
                + struct.pack(">HH", *rng.choice([(0, 0), (65535, 65535), (1, 65535)]))
                + data[sof + 9 :]
            )
    return flip(rng, data)


def mutate(rng: random.Random, name: str, data: bytes) -> bytes:
    structural = pdf_edit if name.endswith(".pdf") else image_edit
    mutations: list[Mutation] = [flip, truncate, duplicate, delete, structural, structural]
    for _ in range(rng.choice([1, 1, 1, 2])):
        data = rng.choice(mutations)(rng, data) or data[:1]
    return data


# -- the test ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_mutated_files_give_typed_errors_or_whole_documents(make: Maker, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    originals = seeds()
    names = sorted(originals)
    files: list[Path] = []
    for number in range(MUTANTS):
        name = rng.choice(names)
        path = make.root / f"{number:03d}-{name}"
        path.write_bytes(mutate(rng, name, originals[name]))
        files.append(path)
    root = tmp_path / "ws"
    added = failed = 0
    with Assistant(root, background_enrichment=False, **LIMITS) as assistant:
        for start in range(0, len(files), BATCH):
            batch = files[start : start + BATCH]
            # Nothing but the report comes back: no exception escapes, whatever the files hold.
            report = assistant.add_report(batch)
            assert len(report.added) + len(report.unchanged) + len(report.failures) == len(batch)
            for failure in report.failures:
                assert isinstance(failure, DocumentError)
                assert failure.path in {str(path) for path in batch}
                # IndexingFailed means a bug of ours (an exception nobody expected): the fuzz must find none.
                assert not isinstance(failure, IndexingFailed), str(failure)
            added += len(report.added)
            failed += len(report.failures)
    # The seeds survive many mutations and fail many others: both paths were exercised.
    assert added > MUTANTS // 10 and failed > MUTANTS // 10, (added, failed)
    with closing(Workspace(root)) as workspace:
        assert inconsistencies(workspace) == []
        with workspace.session() as session:
            sizes = session.execute(select(PageRow.width, PageRow.height)).all()
        assert sizes and all(width * height <= LIMITS["max_page_pixels"] for width, height in sizes)
        assert all(document.page_count <= LIMITS["max_pages"] for document in workspace.documents())
