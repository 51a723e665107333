"""Index stores: where a workspace keeps its indexes and files (`local` or `postgres`), chosen by settings."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import WorkspaceError
from indexer.settings import IndexSettings
from indexer.stores.base import IndexStore, LexicalChannel, VectorChannel, WriterBusy

BACKENDS = ("local", "postgres")

__all__ = ["BACKENDS", "IndexStore", "LexicalChannel", "VectorChannel", "WriterBusy", "open_store"]


def open_store(root: Path, settings: IndexSettings) -> IndexStore:
    """The store `settings.index_backend` names (nothing is opened or connected yet)."""
    backend = settings.index_backend
    if backend == "local":
        from indexer.stores.local import LocalStore

        return LocalStore(root, settings)
    if backend == "postgres":
        try:
            from indexer.stores.postgres import PostgresStore
        except ImportError as error:
            raise WorkspaceError(
                f"the postgres index backend needs the postgres extra ({error.name} is missing): "
                "pip install 'omnifusion-assistant[postgres]'"
            ) from error
        return PostgresStore(root, settings)
    raise WorkspaceError(
        f"setting 'index_backend' must be one of {', '.join(BACKENDS)}, not {backend!r} "
        "(ASSISTANT_INDEX_BACKEND)"
    )
