"""Storage trouble (a full disk, a damaged file, a read-only mount) turned into the project's typed errors."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.errors import AssistantError, ReadOnlyWorkspace, StorageFull, WorkspaceDamaged

# SQLite's primary result codes (https://sqlite.org/rescode.html), as Python 3.11 exposes them.
_SQLITE_PERM = 3
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_PG_FULL = {"53100", "53200"}  # disk_full, out_of_memory: the server ran out of room


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (SQLAlchemy's `.orig`) and what it was raised from (not mere context)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend([getattr(current, "orig", None), current.__cause__])


def _sqlite_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _no_room(place: Path | None) -> bool:
    """Whether the file system holding `place` has (next to) no free space left."""
    if place is None:
        return False
    folder = place
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 256 * 1024


def is_disk_full(error: BaseException, place: Path | None = None) -> bool:
    """ENOSPC in any of its disguises; SQLite's plain "disk I/O error" counts when `place` has no room
    (it says no more when it cannot grow its shared-memory file)."""
    for cause in _causes(error):
        if _sqlite_code(cause) == _SQLITE_IOERR and _no_room(place):
            return True
        if isinstance(cause, OSError) and cause.errno in _FULL_ERRNOS:
            return True
        if _sqlite_code(cause) == _SQLITE_FULL or "database or disk is full" in str(cause):
            return True
        if getattr(cause, "pgcode", None) in _PG_FULL:
            return True
        # FAISS reports C-level write failures as RuntimeError text ending in strerror.
        if isinstance(cause, RuntimeError) and "No space left on device" in str(cause):
            return True
    return False


def is_read_only(error: BaseException) -> bool:
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno in _READ_ONLY_ERRNOS:
            return True
        if _sqlite_code(cause) in (_SQLITE_READONLY, _SQLITE_PERM):
            return True
    return False


def is_damaged(error: BaseException) -> bool:
    """A file that is there but is not what it should be (garbage, truncated, malformed)."""
    return any(_sqlite_code(cause) in (_SQLITE_CORRUPT, _SQLITE_NOTADB) for cause in _causes(error))


def cannot_open(error: BaseException) -> bool:
    return any(_sqlite_code(cause) == _SQLITE_CANTOPEN for cause in _causes(error))


def first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def typed_failure(error: BaseException, place: Path, repair: str) -> AssistantError | None:
    """The typed error for a storage failure at `place`, or None when `error` is something else.

    `repair` is the advice for a damaged file (what the user should run or restore).
    """
    if isinstance(error, AssistantError):
        return None
    if is_disk_full(error, place):
        return StorageFull(
            f"no space left on the disk holding {place} ({first_line(error)}); free some space and "
            "try again: what was stored before is intact"
        )
    if is_read_only(error):
        return ReadOnlyWorkspace(
            f"cannot write {place} ({first_line(error)}): this process may only read the workspace; "
            "run writes as the user who owns it, or on a writable copy"
        )
    if is_damaged(error):
        return WorkspaceDamaged(f"{place} is damaged ({first_line(error)}); {repair}")
    return None


@contextmanager
def storage_errors(place: Path, repair: str) -> Iterator[None]:
    """Re-raise storage failures inside the block as the project's typed errors."""
    try:
        yield
    except Exception as error:
        typed = typed_failure(error, place, repair)
        if typed is None:
            raise
        raise typed from error


# -- read-only opening -----------------------------------------------------------------------------


def sqlite_read_only_uri(path: Path) -> str:
    """A URI that reads `path` without writing anything next to it.

    While a write-ahead log is there (a writer is connected, or one was killed), `mode=ro` reads it
    through the shared-memory index. Without one, `mode=ro` would have to create that index, which a
    read-only directory forbids; `immutable=1` then reads the file as it is, with no locks at all.
    """
    quoted = path.as_posix().replace("?", "%3f").replace("#", "%23")
    if Path(f"{path}-wal").exists():
        return f"file:{quoted}?mode=ro"
    return f"file:{quoted}?mode=ro&immutable=1"


def writable(root: Path, names: tuple[str, ...]) -> bool:
    """Whether this process may write the directory and every one of `names` that exists in it.

    `os.access` answers for this process's user and also says no on a read-only mount (EROFS).
    """
    if not os.access(root, os.W_OK | os.X_OK):
        return False
    return all(os.access(root / name, os.W_OK) for name in names if (root / name).exists())
