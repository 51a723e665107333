"""Dense passage vectors in FAISS, keyed by passage id, saved atomically."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import faiss
import numpy as np

from indexer.errors import WorkspaceDamaged
from indexer.storage import storage_errors

log = logging.getLogger(__name__)


class DenseIndex:
    """Inner-product FAISS index with id mapping; one file, replaced atomically on save.

    A file that cannot be read raises `WorkspaceDamaged`; `check --repair` rebuilds it from the catalog.
    """

    def __init__(self, path: Path, dim: int, load: bool = True) -> None:
        """`load=False` starts empty whatever the file holds (a rebuild replaces it on save)."""
        self.path = path
        self.dim = dim
        self._lock = threading.RLock()
        self._saving = threading.Lock()  # searches wait only for the copy, not for the disk
        self._index: faiss.Index = self._new()
        if load and path.exists():
            self._index = self._read()

    def _new(self) -> faiss.Index:
        # Half-precision codes: half the memory and disk of float32 and ~40% faster exhaustive search
        # (memory-bound), with inner products that differ from float32 by ~1e-3 on unit vectors.
        quantizer = faiss.IndexScalarQuantizer(
            self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        return faiss.IndexIDMap2(quantizer)

    def _read(self) -> faiss.Index:
        repair = f"run `python -m assistant check {self.path.parent} --repair` to rebuild it from the catalog"
        try:
            index = faiss.read_index(str(self.path))
        except RuntimeError as error:
            # FAISS's message is a C++ assertion; its last clause says what went wrong.
            detail = str(error).strip().splitlines()[-1].split("failed: ")[-1]
            raise WorkspaceDamaged(f"{self.path} is damaged or truncated ({detail}); {repair}") from error
        if index.d != self.dim or not hasattr(faiss.downcast_index(index), "id_map"):
            raise WorkspaceDamaged(
                f"{self.path} holds {index.d}-d vectors but the embedder gives {self.dim}-d; {repair}"
            )
        return index

    def reload(self) -> None:
        """Read the file again in place (another process published a newer one); empty if it is gone."""
        index = self._read() if self.path.exists() else self._new()
        with self._lock:
            self._index = index

    def clear(self) -> None:
        """Forget every vector (the file is replaced on the next save)."""
        with self._lock:
            self._index = self._new()

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: list[int] | np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        with self._lock:
            selector = faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))
            return int(self._index.remove_ids(selector))

    def ids(self) -> np.ndarray:
        with self._lock:
            id_map = faiss.downcast_index(self._index).id_map  # type: ignore[attr-defined]
            return faiss.vector_to_array(id_map).astype(np.int64)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        with self._lock:
            if self._index.ntotal == 0:
                return []
            scores, ids = self._index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def similarities(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product of `query` with the stored vectors of `ids` (ids it does not hold are left out).

        The reader weighs every passage of a few pages this way without embedding them again.
        """
        if not ids:
            return {}
        held, vectors = [], []
        with self._lock:
            for passage_id in ids:
                try:
                    vectors.append(self._index.reconstruct(int(passage_id)))
                except RuntimeError:  # not held (deleted, or not embedded yet)
                    continue
                held.append(passage_id)
        if not held:
            return {}
        scores = np.vstack(vectors) @ np.asarray(query, dtype=np.float32)
        return {int(i): float(s) for i, s in zip(held, scores, strict=True)}

    def save(self) -> None:
        """Write to a temporary file, fsync, then rename over the old one: never a torn index.

        Written from Python rather than by FAISS so that a full disk is an OSError with its errno
        (`StorageFull` at the front door), and the old file is left as it was.
        """
        with self._saving, storage_errors(self.path, "run `python -m assistant check --repair`"):
            with self._lock:
                data = faiss.serialize_index(self._index)
            temporary = self.path.with_suffix(self.path.suffix + ".tmp")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with temporary.open("wb") as handle:
                    handle.write(data.data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
