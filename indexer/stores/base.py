"""The index-store interface: where a workspace keeps its vectors, lexical rows and files, and how writers
take turns. `local` keeps them in the workspace directory; `postgres` in one database and a shared store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

from indexer.errors import WorkspaceError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from indexer.settings import IndexSettings


class WriterBusy(WorkspaceError):
    """Another process holds the write lock (only raised when asked not to wait for it)."""


class VectorChannel(Protocol):
    """Passage vectors keyed by passage id, searched by inner product (`indexer.dense.DenseIndex` is one)."""

    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """`ids` (n,) int64, `vectors` (n, dim) float32; an id already held is replaced (postgres) or
        held twice (local: callers remove first)."""

    def remove(self, ids: list[int] | np.ndarray) -> int: ...

    def ids(self) -> np.ndarray:
        """Every id held, (n,) int64 (an id held twice appears twice)."""
        ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(passage id, inner product), best first, at most `k`."""
        ...

    def similarities(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product of `query` with the stored vectors of `ids` (ids not held are left out)."""
        ...

    def save(self) -> None:
        """Make what was added durable for other processes (a file rename; nothing for a database)."""

    def reload(self) -> None:
        """Another process published a newer state: read it."""

    def clear(self) -> None: ...


class LexicalChannel(Protocol):
    """BM25 over stemmed passage text (`indexer.lexical.LexicalIndex` is one)."""

    def __len__(self) -> int: ...

    def add(self, entries: Iterable[tuple[int, str]]) -> None: ...

    def remove(self, passage_ids: Iterable[int]) -> None: ...

    def ids(self) -> set[int]: ...

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better) for the question's content words."""
        ...

    def idf(self, terms: Iterable[str]) -> dict[str, float]: ...

    def optimize(self) -> None: ...

    def integrity(self) -> str:
        """What is wrong with the stored rows ("" when they are sound)."""
        ...

    def forget_count(self) -> None: ...

    def reset(self) -> None:
        """Start over empty (the stored rows cannot be trusted); callers refill it."""

    def close(self) -> None: ...


class IndexStore(ABC):
    """One workspace's storage: its catalog URL, its index channels, its files, its writers' lock.

    The workspace directory (`root`) always holds the workspace's config.json; `files` is where
    originals/, pages/ and visual/ live (the workspace itself, or a store every replica mounts).
    """

    name: ClassVar[str]

    def __init__(self, root: Path, settings: IndexSettings) -> None:
        self.root = root
        self.settings = settings

    @property
    @abstractmethod
    def files(self) -> Path:
        """The folder that holds originals/, pages/ and visual/."""

    @abstractmethod
    def catalog_url(self) -> tuple[str, Path | None]:
        """The catalog's URL, and the workspace's own catalog file when it is one (for messages)."""

    @abstractmethod
    def writable(self) -> bool:
        """Whether this process may write what a writer writes (a read-only mount says no)."""

    def refuse_a_lost_catalog(self) -> None:  # noqa: B027 (a hook: most stores need nothing here)
        """Raise `WorkspaceDamaged` when an existing workspace lost the one part that cannot be rebuilt."""

    def holds_a_corpus(self) -> bool:
        """Whether there is an index to read without a workspace directory (a replica of a shared one)."""
        return False

    def attach(self, engine: Engine, read_only: bool) -> None:  # noqa: B027 (a hook: most stores need nothing here)
        """Called once the catalog is open: set up what the store keeps beside it."""

    def reconcile(self, settings: IndexSettings, frozen: Iterable[str], chosen: set[str]) -> None:  # noqa: B027 (a hook: most stores need nothing here)
        """Settings the whole corpus shares: adopt the recorded ones, refuse a `chosen` one that differs."""

    @abstractmethod
    def vector_index(self, name: str, dim: int, fresh: bool = False) -> VectorChannel:
        """The `name` vector channel ("dense", "deep") of `dim`-d vectors; `fresh` starts it empty."""

    @abstractmethod
    def lexical_index(self, read_only: bool) -> LexicalChannel: ...

    @abstractmethod
    def writer_lock(self, wait: bool) -> AbstractContextManager[None]:
        """Held by one writer at a time (of every process and machine); `WriterBusy` when `wait` is False
        and another one holds it."""

    @abstractmethod
    def mark_unfinished(self) -> None:
        """Note that a write which can leave index entries behind is under way (a killed writer leaves it)."""

    @abstractmethod
    def clear_unfinished(self) -> None: ...

    @abstractmethod
    def left_unfinished(self) -> bool: ...

    @abstractmethod
    def disk_usage(self) -> int:
        """Bytes of the catalog and the indexes (originals and cached page images not counted)."""

    def compact_catalog(self, engine: Engine) -> None:  # noqa: B027 (a hook: most stores need nothing here)
        """Give the catalog's free space back (or make it reusable), after deletes."""

    def leftovers(self) -> list[Path]:
        """Temporary files of interrupted saves (written only under the write lock)."""
        visual = self.files / "visual"
        return sorted(visual.glob(".visual_index-*")) if visual.is_dir() else []

    def unbuilt_graphs(self) -> list[str]:
        """Vector channels whose ANN graph is missing, so that searches scan every vector: right answers,
        slow searches (a bulk load cut short). Stores that build their index with every save have none."""
        return []

    def build_graphs(self) -> dict[str, float]:
        """Build the missing ANN graphs (under the write lock); seconds per graph built."""
        return {}

    def close(self) -> None:  # noqa: B027 (a hook: most stores need nothing here)
        """Let go of whatever the store holds open."""


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
