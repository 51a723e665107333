"""Typed errors a user can hit while adding files, each naming the file and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class AssistantError(Exception):
    """Base of every error this project raises on purpose; front doors catch it once."""


class WorkspaceError(AssistantError):
    """The workspace directory or its configuration cannot be used."""


class DocumentError(AssistantError):
    """One input file cannot be indexed; `path` names it."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{Path(path).name!r}: {message}")


class MissingFile(DocumentError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(path, f"no such file ({path}); check the path and try again")


class UnsupportedFileType(DocumentError):
    def __init__(self, path: str | Path, detected: str) -> None:
        super().__init__(
            path,
            f"is not a PDF or an image (looks like {detected}); convert it to PDF, PNG, JPEG, WebP or TIFF",
        )


class CorruptFile(DocumentError):
    def __init__(self, path: str | Path, detail: str) -> None:
        super().__init__(path, f"is damaged or truncated ({detail}); re-export or re-download it")


class EncryptedDocument(DocumentError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "is password-protected; save an unencrypted copy and add that")


class EmptyDocument(DocumentError):
    def __init__(self, path: str | Path, detail: str = "it has no pages") -> None:
        super().__init__(path, f"cannot be indexed: {detail}")


class ImageTooSmall(DocumentError):
    def __init__(self, path: str | Path, width: int, height: int, minimum: int) -> None:
        super().__init__(
            path,
            f"is only {width}x{height} px; images need at least {minimum}x{minimum} px to hold readable text",
        )


class ImageTooLarge(DocumentError):
    def __init__(self, path: str | Path, width: int, height: int, limit: int) -> None:
        super().__init__(
            path,
            f"is {width}x{height} px ({width * height / 1e6:.0f} Mpx), over the {limit / 1e6:.0f} Mpx limit "
            "that guards against decompression bombs; downscale it or raise max_image_pixels",
        )


class IngestFailed(AssistantError):
    """Raised by `add` after every good file was indexed, naming each file that was not."""

    def __init__(self, failures: Sequence[DocumentError], added: Sequence[object] = ()) -> None:
        self.failures = list(failures)
        self.added = list(added)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(
            f"{len(self.failures)} file(s) could not be indexed "
            f"({len(self.added)} other file(s) were):\n{lines}"
        )
