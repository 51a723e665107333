"""Typed errors a user can hit while adding files, each naming the file and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar


class AssistantError(Exception):
    """Base of every error this project raises on purpose; front doors catch it once.

    `exit_code` is what the CLI exits with (distinct per class of trouble, so scripts can react);
    `http_status` is what the REST service answers with.
    """

    exit_code: ClassVar[int] = 2
    http_status: ClassVar[int] = 400


class WorkspaceError(AssistantError):
    """The workspace directory or its configuration cannot be used."""

    exit_code: ClassVar[int] = 8
    http_status: ClassVar[int] = 500


class NoWorkspace(WorkspaceError):
    """A read command named a path that holds no workspace (a typo, usually): nothing is created."""

    exit_code: ClassVar[int] = 4
    http_status: ClassVar[int] = 404

    def __init__(self, root: str | Path) -> None:
        self.root = str(root)
        super().__init__(
            f"no workspace at {root}; check the path, or create one with "
            f"`python -m assistant add {root} FILE...`"
        )


class ReadOnlyWorkspace(WorkspaceError):
    """A write (add, delete, compact, repair) was asked of a workspace this process cannot write."""

    exit_code: ClassVar[int] = 8
    http_status: ClassVar[int] = 409


class WorkspaceDamaged(WorkspaceError):
    """A catalog, index or configuration file is unreadable; `python -m assistant check --repair` mends it."""

    exit_code: ClassVar[int] = 8


class CatalogUnavailable(WorkspaceError):
    """The catalog database cannot be reached (bad URL, wrong password, server down)."""

    exit_code: ClassVar[int] = 7
    http_status: ClassVar[int] = 503


class StorageFull(WorkspaceError):
    """The disk holding the workspace is full; nothing already stored was lost."""

    exit_code: ClassVar[int] = 9
    http_status: ClassVar[int] = 507


class InsecureExposure(AssistantError):
    """A front door (REST or UI) was asked to listen beyond this machine with no protection."""

    exit_code: ClassVar[int] = 10

    def __init__(self, host: str, door: str, risk: str, remedy: str) -> None:
        self.host = host
        super().__init__(
            f"refusing to start the {door} on {host or '(all interfaces)'} {risk}: anyone who can reach "
            f"this port could read, add and delete every document. {remedy}, listen on 127.0.0.1, "
            "or accept the risk with --insecure (ASSISTANT_INSECURE=1)"
        )


class InvalidRequest(AssistantError):
    """A question, `k`, box or other argument is out of bounds; `field` names it (as REST reports it)."""

    exit_code: ClassVar[int] = 5
    http_status: ClassVar[int] = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class UnknownDocument(AssistantError):
    """A document id or filename the workspace does not hold."""

    exit_code: ClassVar[int] = 6
    http_status: ClassVar[int] = 404

    def __init__(self, missing: Sequence[int | str]) -> None:
        self.missing = sorted(str(item) for item in missing)
        super().__init__(
            f"no document(s) {', '.join(self.missing)} in this workspace; "
            "list the documents to see their ids and filenames"
        )


class DocumentError(AssistantError):
    """One input file cannot be indexed; `path` names it."""

    http_status: ClassVar[int] = 422

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{Path(path).name!r}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other arguments than `args` holds; this keeps every one of them picklable,
        # so the child process that reads untrusted files can hand its typed errors back.
        return (_rebuild_document_error, (type(self), self.path, self.reason, dict(self.__dict__)))


def _rebuild_document_error(
    cls: type[DocumentError], path: str, reason: str, attributes: dict[str, object]
) -> DocumentError:
    error = cls.__new__(cls)
    DocumentError.__init__(error, path, reason)
    error.__dict__.update(attributes)
    return error


class MissingFile(DocumentError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(path, f"no such file ({path}); check the path and try again")


class UnreadableFile(DocumentError):
    def __init__(self, path: str | Path, detail: str) -> None:
        super().__init__(path, f"cannot be read ({detail}); check that it is a file you may read")


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


class PageTooLarge(DocumentError):
    """A page whose rendered size is absurd even at the lowest resolution (a render bomb)."""

    def __init__(self, path: str | Path, page: int, detail: str) -> None:
        self.page = page
        super().__init__(path, f"page {page} {detail}; it looks like a render bomb, not a real page")


class TooManyPages(DocumentError):
    """More pages or frames than the workspace's `max_pages` limit allows for one file."""

    def __init__(self, path: str | Path, count: int, limit: int) -> None:
        super().__init__(
            path,
            f"has {count} pages or frames, over the limit of {limit}; split the file "
            "or raise the workspace's max_pages setting",
        )


class IndexingFailed(DocumentError):
    """An unexpected failure (a bug, not the file's fault as far as we can tell) while indexing one file.

    The other files of the same call are indexed anyway; the traceback is in the log.
    """

    http_status: ClassVar[int] = 500

    def __init__(self, path: str | Path, detail: str) -> None:
        super().__init__(
            path,
            f"could not be indexed because of an unexpected error ({detail}); the other files were "
            "not affected; try again, and report it with the log if it persists",
        )


class ResourceLimitExceeded(DocumentError):
    """Reading the file needed more memory or time than one file is allowed (a decompression bomb)."""

    def __init__(self, path: str | Path, detail: str) -> None:
        super().__init__(path, f"could not be read within the limits for one file ({detail})")


class IngestFailed(AssistantError):
    """Raised by `add` after every good file was indexed, naming each file that was not."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 422

    def __init__(self, failures: Sequence[DocumentError], added: Sequence[object] = ()) -> None:
        self.failures = list(failures)
        self.added = list(added)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(
            f"{len(self.failures)} file(s) could not be indexed "
            f"({len(self.added)} other file(s) were):\n{lines}"
        )
