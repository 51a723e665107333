"""Dense passage vectors in FAISS, keyed by passage id, saved atomically; exact search, or IVF past a size."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from indexer.errors import WorkspaceDamaged
from indexer.storage import storage_errors

log = logging.getLogger(__name__)

LISTS_PER_ROOT = 2.0
"""An approximate index of n vectors has about 2·√n inverted lists (2,000 at 1M): training and adding
cost n·lists, a search lists + nprobe·n/lists, both small at this balance."""
MIN_POINTS_PER_LIST = 39
"""FAISS's k-means wants at least this many training vectors per centroid."""
TRAINING_POINTS_PER_LIST = 64
"""Training sample per list: enough for stable centroids, and it keeps k-means to seconds at 1M."""
ID_TABLE: int = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]  # (not in FAISS's stubs)
"""An IVF's map from passage id to its place in a list (any ids, unlike the array kind)."""
COPY_CHUNK = 65_536
"""Vectors moved from the old structure to the new one at a time (float32 for FAISS only per chunk)."""


@dataclass(frozen=True)
class AnnSettings:
    """When the index turns approximate (IVF over fp16 codes) and how hard it then searches.

    Below `threshold` vectors the index is exact. Past it, `rebuild` trains an inverted-file index
    with about 2·√n lists and searches the `nprobe` lists nearest to the question; it trains again
    once the index has grown `retrain_factor`-fold since (and goes back to exact once it has shrunk
    that much below the threshold). `threshold` 0 keeps it exact at any size.
    """

    threshold: int = 200_000
    nprobe: int = 384
    retrain_factor: float = 2.0

    @classmethod
    def of(cls, settings: Any, channel: str = "dense") -> AnnSettings:
        """From a workspace's `IndexSettings` (its `ann_*` fields); the deep channel has its own nprobe."""
        nprobe = settings.ann_deep_nprobe if channel == "deep" else settings.ann_nprobe
        return cls(settings.ann_threshold, nprobe, settings.ann_retrain_factor)


def lists_for(count: int) -> int:
    """Inverted lists for an approximate index of `count` vectors (≈ 2·√count, ≥ 39 vectors each)."""
    return max(1, min(round(LISTS_PER_ROOT * math.sqrt(count)), count // MIN_POINTS_PER_LIST))


def trained_size(lists: int) -> int:
    """The size an index of `lists` lists was (about) trained at: the inverse of `lists_for`."""
    return max(round((lists / LISTS_PER_ROOT) ** 2), MIN_POINTS_PER_LIST * lists)


class DenseIndex:
    """Inner-product FAISS index with id mapping; one file, replaced atomically on save.

    Exact (`IndexIDMap2` over fp16 codes) below `AnnSettings.threshold` vectors, an inverted file
    (`IndexIVFScalarQuantizer`, fp16, the passage ids stored in its lists) past it. Either kind is
    read from the file as it was saved; `rebuild` moves between them. A file that cannot be read
    raises `WorkspaceDamaged`; `check --repair` rebuilds it from the catalog.
    """

    def __init__(self, path: Path, dim: int, load: bool = True, ann: AnnSettings | None = None) -> None:
        """`load=False` starts empty whatever the file holds (a rebuild replaces it on save)."""
        self.path = path
        self.dim = dim
        self.ann = ann or AnnSettings()
        self._lock = threading.RLock()
        self._saving = threading.Lock()  # searches wait only for the copy, not for the disk
        self._index: faiss.Index = self._exact()
        # Bumped whenever the vectors are replaced wholesale (reload, clear): a rebuild copied from
        # an older state must not be installed over them.
        self._epoch = 0
        # (ids, vectors) added, or (ids, None) removed, while a rebuild is under way: replayed onto it.
        self._journal: list[tuple[np.ndarray, np.ndarray | None]] | None = None
        if load and path.exists():
            self._index = self._read()

    def _exact(self) -> faiss.Index:
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
        if index.d != self.dim:
            raise WorkspaceDamaged(
                f"{self.path} holds {index.d}-d vectors but the embedder gives {self.dim}-d; {repair}"
            )
        kind = faiss.downcast_index(index)
        if isinstance(kind, faiss.IndexIVFScalarQuantizer) and not kind.by_residual:
            # The downcast wrapper must own the C++ index, or it dies with the one read_index returned.
            index.this.disown()  # type: ignore[attr-defined]
            kind.this.own(True)  # type: ignore[attr-defined]
            kind.nprobe = self.ann.nprobe
            if kind.direct_map.type != ID_TABLE:
                kind.set_direct_map_type(ID_TABLE)
            return kind
        if not hasattr(kind, "id_map"):
            raise WorkspaceDamaged(f"{self.path} is not an index of passage vectors; {repair}")
        return index

    def reload(self) -> None:
        """Read the file again in place (another process published a newer one); empty if it is gone."""
        index = self._read() if self.path.exists() else self._exact()
        with self._lock:
            self._index = index
            self._epoch += 1

    def clear(self) -> None:
        """Forget every vector (the file is replaced on the next save)."""
        with self._lock:
            self._index = self._exact()
            self._epoch += 1

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def approximate(self) -> bool:
        """Whether searches go through the inverted file (True) or look at every vector (False)."""
        return isinstance(self._index, faiss.IndexIVF)

    @property
    def lists(self) -> int:
        """Inverted lists of the approximate index (0 when exact)."""
        index = self._index
        return int(index.nlist) if isinstance(index, faiss.IndexIVF) else 0

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            self._index.add_with_ids(vectors, ids)
            if self._journal is not None:
                self._journal.append((ids.copy(), vectors.copy()))

    def remove(self, ids: list[int] | np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        ids = np.asarray(ids, dtype=np.int64)
        with self._lock:
            removed = _remove(self._index, ids)
            if self._journal is not None:
                self._journal.append((ids.copy(), None))
            return removed

    def ids(self) -> np.ndarray:
        with self._lock:
            index = self._index
            if isinstance(index, faiss.IndexIVF):
                return np.concatenate([ids for ids, _ in _inverted_lists(index)] or [np.zeros(0, np.int64)])
            mapped: Any = faiss.downcast_index(index)
            return faiss.vector_to_array(mapped.id_map).astype(np.int64)

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

    # -- exact or approximate ------------------------------------------------------------------

    def rebuild_due(self) -> bool:
        """Whether the index should change shape: turn approximate, be trained again, or turn exact."""
        count, ann = len(self), self.ann
        if not self.approximate:
            return 0 < ann.threshold <= count
        if ann.threshold <= 0 or count < ann.threshold / ann.retrain_factor:
            return True
        # Trained again when it has grown by the factor, if that changes the lists at all.
        return count >= ann.retrain_factor * trained_size(self.lists) and lists_for(count) != self.lists

    def rebuild(
        self,
        stop: threading.Event | None = None,
        holding: Callable[[], AbstractContextManager[Any]] = nullcontext,
        then: Callable[[], None] = lambda: None,
    ) -> bool:
        """Put the vectors in the structure that suits their count, if it is due; True when that was done.

        The new structure is built from a copy of the fp16 codes without holding the index: searches,
        additions and removals go on meanwhile and are replayed onto it. Only the swap happens inside
        `holding()` (the workspace's write lock), followed there by `then()` (save and publish).
        Nothing changes when `stop` is set on the way, when another rebuild is under way, or when the
        vectors were replaced meanwhile (another process's file reloaded). k-means on 64 vectors a list
        and assigning every vector to its list take about a minute at 1M vectors on 2 cores.
        """
        with self._lock:
            if self._journal is not None or not self.rebuild_due():
                return False
            self._journal = []
            epoch = self._epoch
            chunks = _codes(self._index, self.dim)
        try:
            index = self._rebuilt(chunks, stop)
            if index is None:
                return False
            with holding():
                with self._lock:
                    if epoch != self._epoch:
                        log.info(
                            "%s: a rebuild was dropped: the index was reloaded meanwhile", self.path.name
                        )
                        return False
                    for ids, vectors in self._journal or []:
                        if vectors is not None:
                            index.add_with_ids(vectors, ids)
                        else:
                            _remove(index, ids)
                    self._index = index
                    self._journal = None
                then()
            return True
        finally:
            with self._lock:
                self._journal = None

    def _rebuilt(
        self, chunks: list[tuple[np.ndarray, np.ndarray]], stop: threading.Event | None
    ) -> faiss.Index | None:
        started = time.monotonic()
        count = sum(len(ids) for ids, _ in chunks)
        lists = lists_for(count) if 0 < self.ann.threshold <= count else 0
        index = self._trained(chunks, count, lists) if lists else self._exact()
        while chunks:
            if stop is not None and stop.is_set():
                return None
            ids, codes = chunks.pop(0)  # freed as it goes: the copy never doubles in memory
            index.add_with_ids(codes.astype(np.float32), ids)
        log.info(
            "%s: %d vectors rebuilt as %s in %.1f s",
            self.path.name,
            count,
            f"an inverted file of {lists} lists" if lists else "an exact index",
            time.monotonic() - started,
        )
        return index

    def _trained(self, chunks: list[tuple[np.ndarray, np.ndarray]], count: int, lists: int) -> faiss.Index:
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, self.dim, lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT, False
        )
        index.own_fields = True
        quantizer.this.disown()  # type: ignore[attr-defined]
        # Rows at fixed random positions: the same vectors give the same lists (reproducible runs).
        wanted = min(count, TRAINING_POINTS_PER_LIST * lists)
        rows = np.sort(np.random.default_rng(0).choice(count, size=wanted, replace=False))
        ends = np.cumsum([len(ids) for ids, _ in chunks])
        sample = np.empty((wanted, self.dim), dtype=np.float32)
        for number, (_, codes) in enumerate(chunks):
            low, high = np.searchsorted(rows, [ends[number] - len(codes), ends[number]])
            sample[low:high] = codes[rows[low:high] - (ends[number] - len(codes))]
        index.cp.max_points_per_centroid = TRAINING_POINTS_PER_LIST  # no second sampling inside FAISS
        index.train(sample)
        index.nprobe = self.ann.nprobe
        # Passage id -> its place in a list, so that `similarities` reads a passage's vector (the
        # reader's rerank) and removals go straight to it instead of scanning every list.
        index.set_direct_map_type(ID_TABLE)
        return index

    # -- the file ------------------------------------------------------------------------------

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


def _remove(index: faiss.Index, ids: np.ndarray) -> int:
    """Remove `ids` (those held) from an index of either kind; returns how many were removed."""
    if isinstance(index, faiss.IndexIVF):
        # The IVF's id table only takes an explicit array (`ids` outlives the selector here).
        return int(index.remove_ids(faiss.IDSelectorArray(ids)))
    return int(index.remove_ids(faiss.IDSelectorBatch(ids)))


def _inverted_lists(index: faiss.IndexIVF) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ids, raw codes) of every non-empty list, copied out of FAISS."""
    lists: Any = index.invlists
    found = []
    for number in range(index.nlist):
        size = lists.list_size(number)
        if size:
            ids = faiss.rev_swig_ptr(lists.get_ids(number), size).copy()
            codes = faiss.rev_swig_ptr(lists.get_codes(number), size * index.code_size).copy()
            found.append((ids.astype(np.int64), codes))
    return found


def _codes(index: faiss.Index, dim: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every (ids, fp16 vectors) of an index of either kind, copied in chunks (the caller holds the lock)."""
    if isinstance(index, faiss.IndexIVF):
        return [(ids, codes.view(np.float16).reshape(-1, dim)) for ids, codes in _inverted_lists(index)]
    id_map: Any = faiss.downcast_index(index)
    ids = faiss.vector_to_array(id_map.id_map).astype(np.int64)
    if not len(ids):
        return []
    inner: Any = faiss.downcast_index(id_map.index)
    stored = inner.codes
    # A view of FAISS's own buffer, copied a chunk at a time: each copy can be freed on its own.
    codes = faiss.rev_swig_ptr(stored.data(), stored.size()).view(np.float16).reshape(-1, dim)
    return [
        (ids[start : start + COPY_CHUNK], codes[start : start + COPY_CHUNK].copy())
        for start in range(0, len(ids), COPY_CHUNK)
    ]
