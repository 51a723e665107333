"""The `local` index store: FAISS and FTS5 files in the workspace directory, one writer per OS file lock."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.dense import AnnSettings, DenseIndex
from indexer.errors import WorkspaceDamaged
from indexer.lexical import LexicalIndex
from indexer.storage import storage_errors, writable
from indexer.stores.base import IndexStore, WriterBusy, folder_bytes

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
CATALOG_FILE = "catalog.sqlite"
MARKER_FILE = "ingest.inprogress"
"""Present while a write that can leave index entries behind is under way; a killed writer leaves it."""
LOCK_FILE = "write.lock"
# Everything a writer writes in place; a workspace where any of them is not writable is read-only.
WRITTEN = (
    CONFIG_FILE,
    CATALOG_FILE,
    f"{CATALOG_FILE}-wal",
    f"{CATALOG_FILE}-shm",
    "lexical.sqlite",
    "lexical.sqlite-wal",
    "lexical.sqlite-shm",
    LOCK_FILE,
    "originals",
    "pages",
    "visual",
)


class LocalStore(IndexStore):
    """Everything in the workspace directory: the laptop and one-server default."""

    name = "local"

    @property
    def files(self) -> Path:
        return self.root

    def catalog_url(self) -> tuple[str, Path | None]:
        if self.settings.database_url:
            return self.settings.database_url, None
        own = self.root / CATALOG_FILE
        return f"sqlite:///{own}", own

    def writable(self) -> bool:
        return writable(self.root, WRITTEN)

    def refuse_a_lost_catalog(self) -> None:
        """An existing workspace whose own catalog vanished would otherwise open as an empty one,
        and `check --repair` would then delete every original as an orphan."""
        if self.settings.database_url or (self.root / CATALOG_FILE).exists():
            return
        if any((self.root / name).exists() for name in ("dense.faiss", "lexical.sqlite", "originals")):
            raise WorkspaceDamaged(
                f"{self.root / CATALOG_FILE} is missing while the workspace holds indexes and originals; "
                "restore it from a backup, or add the originals to a new workspace"
            )

    def vector_index(self, name: str, dim: int, fresh: bool = False) -> DenseIndex:
        # past `ann_threshold` vectors the file holds an inverted file instead of exact codes
        ann = AnnSettings.of(self.settings, name)
        return DenseIndex(self.root / f"{name}.faiss", dim, load=not fresh, ann=ann)

    def lexical_index(self, read_only: bool) -> LexicalIndex:
        return LexicalIndex(self.root / "lexical.sqlite", read_only=read_only)

    @contextmanager
    def writer_lock(self, wait: bool) -> Iterator[None]:
        path = self.root / LOCK_FILE
        with storage_errors(path, f"run `python -m assistant check {self.root} --repair`"):
            handle = path.open("a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise WriterBusy(f"another process is writing to {self.root}") from None
                log.info("waiting for another process writing to %s", self.root)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    def mark_unfinished(self) -> None:
        (self.root / MARKER_FILE).touch()

    def clear_unfinished(self) -> None:
        (self.root / MARKER_FILE).unlink(missing_ok=True)

    def left_unfinished(self) -> bool:
        return (self.root / MARKER_FILE).exists()

    def disk_usage(self) -> int:
        """A SQLite log (-wal) holds real data and counts; its shared-memory index (-shm) is a fixed
        32 KiB scratch mapping and does not."""
        total = 0
        for path in self.root.iterdir():
            name = path.name
            counted = name.split(".")[0] in ("catalog", "lexical", "dense", "deep") and not name.endswith(
                "-shm"
            )
            if counted and path.is_file():
                total += path.stat().st_size
        return total + folder_bytes(self.root / "visual")

    def compact_catalog(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            return
        with engine.connect() as connection:
            # In WAL mode VACUUM writes the compacted copy into the log: the checkpoint after it moves
            # that copy into the file and truncates the log (before it, the log would hold a second
            # copy of the whole catalog).
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def leftovers(self) -> list[Path]:
        return sorted(self.root.glob("*.tmp")) + super().leftovers()
