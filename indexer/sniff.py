"""Tell a file's type from its first bytes, never from its name."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from indexer.errors import MissingFile, UnsupportedFileType

MediaType = Literal["application/pdf", "image/png", "image/jpeg", "image/webp", "image/tiff"]

_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"WEBP", 8, "image/webp"),
]

# What an unsupported file most likely is, to make the error message useful.
_KNOWN_OTHERS: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP container such as .docx/.xlsx/.odt"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<", "HTML or XML"),
]

SUPPORTED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"}


def sniff_media_type(path: Path, head: bytes | None = None) -> str:
    """Return the media type of `path` from its magic bytes, or raise a typed error."""
    if head is None:
        if not path.is_file():
            raise MissingFile(path)
        with path.open("rb") as handle:
            head = handle.read(2048)
    # The PDF spec allows junk before the header; readers accept it within the first KiB.
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    for signature, offset, media_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if media_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return media_type
    raise UnsupportedFileType(path, describe_unknown(head))


def describe_unknown(head: bytes) -> str:
    if not head:
        return "an empty file"
    for signature, description in _KNOWN_OTHERS:
        if head.startswith(signature):
            return description
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "plain text"
