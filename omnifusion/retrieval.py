"""The visual retrieval channel: page images -> vectors in FAISS, text queries -> ranked page ids."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from omnifusion.runtime import JsonConfig, ModelDirectoryError, OmniFusionError, local_directory
from omnifusion.slicing import DEFAULT_MAX_TILES, plan_slices, slice_image

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

INDEX_FILE = "visual_index.npz"
VISUAL_KINDS = ("clip", "retriever")
STORAGE = ("fp16", "fp32")


@dataclass(frozen=True)
class VisualConfig(JsonConfig):
    """Settings of the visual channel, as they appear in the assistant's config file.

    kind: ``"clip"`` (CLIP's joint image-text space; ``path`` is a CLIP directory with both towers) or
    ``"retriever"`` (a head trained by ``python -m omnifusion train-retriever``; ``path`` is its output).
    max_tiles: anyres tile budget per page (the global view is always encoded too; 0 = global view only).
    token_pool: late interaction only, mean-pool ``token_pool`` x ``token_pool`` patch blocks per view.
    candidates: nearest vectors fetched per query vector before exact page-level MaxSim re-scoring.
    storage: vectors kept as ``fp16`` (half the memory) or ``fp32`` in the FAISS index.
    encoder_path: retriever only, the vision tower's directory when it moved since training.
    """

    what: ClassVar[str] = "visual"

    kind: str
    path: str
    device: str = "cpu"
    dtype: str = "float32"
    batch_size: int = 8
    max_tiles: int = DEFAULT_MAX_TILES
    token_pool: int = 1
    candidates: int = 256
    storage: str = "fp16"
    encoder_path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in VISUAL_KINDS:
            raise OmniFusionError(f"visual kind must be 'clip' or 'retriever', got {self.kind!r}")
        if self.storage not in STORAGE:
            raise OmniFusionError(f"visual storage must be 'fp16' or 'fp32', got {self.storage!r}")
        if self.batch_size < 1 or self.max_tiles < 0 or self.token_pool < 1 or self.candidates < 1:
            raise OmniFusionError("batch_size, token_pool and candidates must be >= 1, max_tiles >= 0")


class PageEmbedder(Protocol):
    """Turns pages and queries into unit vectors of one space; ``name`` identifies that space."""

    name: str
    dim: int

    def embed_page(self, image: Image.Image) -> np.ndarray:
        """A page image -> its vectors (n_vectors, dim), float32, unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A query -> its vectors (n_query_vectors, dim), float32, unit length."""
        ...


def model_fingerprint(directory: Path, names: Sequence[str]) -> str:
    """Identifies a model by content, not path, so moving its directory keeps the index valid.

    Hashes each named file's size and first and last megabyte: enough to tell checkpoints apart
    without reading gigabytes.
    """
    import hashlib

    digest = hashlib.sha256()
    for name in names:
        for path in sorted(directory.glob(name)):
            size = path.stat().st_size
            digest.update(f"{path.name}:{size}".encode())
            with path.open("rb") as handle:
                digest.update(handle.read(1 << 20))
                handle.seek(max(0, size - (1 << 20)))
                digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


def page_views(image: Image.Image, tile_size: int, max_tiles: int) -> list[Image.Image]:
    """The global view, then the anyres tiles (none when ``max_tiles`` is 0)."""
    plan = plan_slices(image.width, image.height, tile_size, max(1, max_tiles))
    views = slice_image(image.convert("RGB"), plan)
    return views[:1] if max_tiles == 0 else views


class ClipEmbedder:
    """CLIP's own joint space: each view's pooled image embedding vs the text embedding of the query.

    Weak on text-heavy pages (CLIP reads little text), but needs no training.
    """

    def __init__(self, config: VisualConfig) -> None:
        import torch
        from transformers import AutoConfig, AutoTokenizer, CLIPModel

        from omnifusion.encoders import normalization_for
        from omnifusion.runtime import resolve_device, resolve_dtype

        directory = local_directory(config.path, "the CLIP directory of the visual channel")
        clip_config = AutoConfig.from_pretrained(directory, local_files_only=True)
        if clip_config.model_type != "clip":
            raise OmniFusionError(
                f"{directory} holds a {clip_config.model_type!r} model; visual kind 'clip' needs a full CLIP "
                "(vision and text towers). For a vision tower alone, train a head: kind 'retriever'"
            )
        self._torch = torch
        self.config = config
        model: Any = CLIPModel.from_pretrained(
            directory, local_files_only=True, dtype=resolve_dtype(config.dtype)
        )
        self.model = model.to(resolve_device(config.device)).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        size = int(clip_config.vision_config.image_size)
        self.normalization = normalization_for("clip", directory, size)
        self.max_text = int(clip_config.text_config.max_position_embeddings)
        self.dim = int(clip_config.projection_dim)
        weights = model_fingerprint(directory, ["config.json", "*.safetensors", "*.bin"])
        self.name = f"clip:{weights}:{self.dim}:tiles{config.max_tiles}"

    @staticmethod
    def _features(output: Any) -> Any:
        # transformers 4 returns the projected tensor, 5 a model output whose pooler_output holds it
        return output if hasattr(output, "dim") else output.pooler_output

    def _unit(self, vectors: Any) -> np.ndarray:
        array = vectors.float().cpu().numpy()
        return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)

    def embed_page(self, image: Image.Image) -> np.ndarray:
        views = page_views(image, self.normalization.size, self.config.max_tiles)
        chunks = []
        with self._torch.no_grad():
            for start in range(0, len(views), self.config.batch_size):
                pixels = self.normalization(views[start : start + self.config.batch_size])
                pixels = pixels.to(device=self.model.device, dtype=self.model.dtype)
                chunks.append(self._unit(self._features(self.model.get_image_features(pixel_values=pixels))))
        return np.concatenate(chunks)

    def embed_query(self, text: str) -> np.ndarray:
        encoded = self.tokenizer([text], truncation=True, max_length=self.max_text, return_tensors="pt")
        with self._torch.no_grad():
            output = self.model.get_text_features(
                input_ids=encoded["input_ids"].to(self.model.device),
                attention_mask=encoded["attention_mask"].to(self.model.device),
            )
        return self._unit(self._features(output))


class RetrieverEmbedder:
    """A trained retrieval head on the OmniFusion tower + adapter (single vector or late interaction)."""

    def __init__(self, config: VisualConfig) -> None:
        import torch

        from omnifusion.retriever import load_retriever

        self._torch = torch
        self.config = config
        self.retriever = load_retriever(config.path, config.device, config.dtype, config.encoder_path)
        head = self.retriever.config
        self.dim = head.dim
        pool = config.token_pool if head.mode == "late" else 1
        weights = model_fingerprint(Path(config.path), ["retriever.json", "*.safetensors"])
        self.name = f"retriever:{weights}:{head.mode}:{head.dim}:pool{pool}:tiles{config.max_tiles}"

    def embed_page(self, image: Image.Image) -> np.ndarray:
        retriever = self.retriever
        views = page_views(image, retriever.encoder.image_size, self.config.max_tiles)
        with self._torch.no_grad():
            tokens = retriever.adapted_tokens(views, self.config.batch_size)
            vectors = retriever.embed_page_tokens(tokens.unsqueeze(0))[0]
            vectors = retriever.pool_tokens(vectors, self.config.token_pool)
        return vectors.float().cpu().numpy()

    def embed_query(self, text: str) -> np.ndarray:
        retriever = self.retriever
        with self._torch.no_grad():
            vectors, mask = retriever.embed_queries(retriever.tokenize([text]))
        return vectors[0][mask[0].bool()].float().cpu().numpy()


def make_embedder(config: VisualConfig) -> PageEmbedder:
    """Load the configured model; a directory that transformers cannot read becomes a ModelDirectoryError."""
    try:
        return ClipEmbedder(config) if config.kind == "clip" else RetrieverEmbedder(config)
    except OmniFusionError:
        raise
    except (OSError, ValueError, KeyError) as error:
        raise ModelDirectoryError(
            f"cannot load the visual {config.kind} model from {config.path}: {error}"
        ) from error


def new_vector_index(dim: int, storage: str = "fp16") -> Any:
    """An empty FAISS inner-product index with external ids (vector id -> page via id ranges).

    fp16 scalar quantisation halves memory at a cosine error near 1e-3, well below ranking noise.
    """
    import faiss

    if storage not in STORAGE:
        raise OmniFusionError(f"visual storage must be 'fp16' or 'fp32', got {storage!r}")
    flat: Any
    if storage == "fp16":
        flat = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        flat = faiss.IndexFlatIP(dim)
    return faiss.IndexIDMap2(flat)


def maxsim_score(query: np.ndarray, page: np.ndarray) -> float:
    """Page-level late-interaction score, shared by every index kind.

    query (q, dim), page (n, dim), unit vectors -> mean over query vectors of the best page vector's
    cosine: in [-1, 1] whatever the query length, so it fuses with other channels. With one query
    vector it is the best view's cosine (CLIP) or the page vector's (single-vector retriever).
    """
    return float((query @ page.T).max(axis=1).mean())


class VisualPageIndex:
    """Page vectors in FAISS with a vector-to-page map; search is FAISS candidates + exact MaxSim.

    Stored in one file, ``visual_index.npz``, in ``directory``; the embedding model is loaded on the
    first ``add_pages`` or ``search``.
    """

    def __init__(self, directory: Path, config: VisualConfig, embedder: PageEmbedder | None = None) -> None:
        """Use :meth:`open`; ``embedder`` replaces the configured model (benchmarks, other towers)."""
        self.directory = directory
        self.config = config
        self._embedder = embedder
        self._index: Any = None  # faiss.IndexIDMap2, created with the first vectors
        self._space: str | None = None  # the embedder name the stored vectors come from
        self._ranges: dict[int, tuple[int, int]] = {}  # page id -> (first vector id, vector count)
        self._next_id = 0

    @classmethod
    def open(cls, directory: Path, config: VisualConfig) -> VisualPageIndex:
        """Open the index in ``directory``, creating an empty one if there is none."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        index = cls(directory, config)
        if (directory / INDEX_FILE).is_file():
            index._load()
        return index

    def reopened(self) -> VisualPageIndex:
        """A fresh index over what the file holds now (another process saved it), sharing the loaded model.

        A new object rather than an update in place: a search running on this one keeps a consistent
        view (its vectors and its page map) until it ends. Nothing is created on disk.
        """
        index = type(self)(self.directory, self.config, self._embedder)
        if (self.directory / INDEX_FILE).is_file():
            index._load()
        return index

    # ---- state on disk ---------------------------------------------------------------------------

    def _load(self) -> None:
        import faiss

        path = self.directory / INDEX_FILE
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(str(stored["meta"]))
                pages, firsts, counts = stored["page_ids"], stored["first_ids"], stored["counts"]
                blob = stored["faiss"]
        except (OSError, ValueError, KeyError) as error:
            raise OmniFusionError(
                f"{path} is damaged ({error}); delete it and add the pages again"
            ) from error
        self._space = meta["space"]
        self._next_id = int(meta["next_id"])
        self._ranges = {int(p): (int(f), int(c)) for p, f, c in zip(pages, firsts, counts, strict=True)}
        self._index = faiss.deserialize_index(blob) if blob.size else None

    def save(self) -> None:
        """Write the index atomically: a temp file in the same folder, fsync, then os.replace."""
        import faiss

        pages = np.array(sorted(self._ranges), dtype=np.int64)
        firsts = np.array([self._ranges[p][0] for p in pages], dtype=np.int64)
        counts = np.array([self._ranges[p][1] for p in pages], dtype=np.int64)
        blob = faiss.serialize_index(self._index) if self._index is not None else np.zeros(0, dtype=np.uint8)
        meta = json.dumps({"space": self._space, "next_id": self._next_id, "config": self.config.to_dict()})
        handle, temp = tempfile.mkstemp(prefix=".visual_index-", suffix=".npz", dir=self.directory)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out, meta=np.array(meta), page_ids=pages, first_ids=firsts, counts=counts, faiss=blob
                )
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.directory / INDEX_FILE)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        directory_handle = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory_handle)  # make the rename itself durable
        finally:
            os.close(directory_handle)

    # ---- pages -----------------------------------------------------------------------------------

    @property
    def embedder(self) -> PageEmbedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.config)
        return self._embedder

    def _check_space(self, embedder: PageEmbedder) -> None:
        if self._space is not None and self._space != embedder.name and self._ranges:
            raise OmniFusionError(
                f"the visual index in {self.directory} was built with {self._space}, the configured model is "
                f"{embedder.name}: delete {INDEX_FILE} there and add the pages again"
            )

    def add_pages(self, pages: Sequence[tuple[int, Image.Image]]) -> None:
        """Embed and add pages (page id, page image); a page id already present is replaced."""
        if not pages:
            return
        embedder = self.embedder
        self._check_space(embedder)
        for page_id, image in pages:
            vectors = np.ascontiguousarray(embedder.embed_page(image), dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[1] != embedder.dim or not len(vectors):
                raise OmniFusionError(f"page {page_id}: the embedder gave vectors of shape {vectors.shape}")
            if self._index is None:
                self._index = new_vector_index(embedder.dim, self.config.storage)
            self.remove_pages([page_id])
            ids = np.arange(self._next_id, self._next_id + len(vectors), dtype=np.int64)
            self._index.add_with_ids(vectors, ids)
            self._ranges[int(page_id)] = (self._next_id, len(vectors))
            self._next_id += len(vectors)
        self._space = embedder.name
        logger.info("visual index: %d pages, %d vectors", len(self._ranges), self.n_vectors)

    def remove_pages(self, page_ids: Iterable[int]) -> None:
        """Drop pages and their vectors; unknown page ids are ignored."""
        import faiss

        for page_id in page_ids:
            span = self._ranges.pop(int(page_id), None)
            if span is not None and self._index is not None:
                first, count = span
                self._index.remove_ids(faiss.IDSelectorRange(first, first + count))

    def page_ids(self) -> set[int]:
        return set(self._ranges)

    @property
    def n_vectors(self) -> int:
        return int(self._index.ntotal) if self._index is not None else 0

    def _stored_matrix(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Zero-copy views of the stored vectors (ntotal, dim) and their ids (ntotal,), in storage order.

        Both index kinds keep raw fp16 / fp32 codes and remove ids in place without reordering, so a
        page's vectors stay contiguous; reading them here avoids a hash lookup per vector.
        """
        import faiss

        inner: Any = faiss.downcast_index(self._index.index)
        if self.n_vectors == 0 or not hasattr(inner, "codes"):
            return None
        # the stored kind decides, not the config: an fp16 index may be reopened with storage "fp32"
        dtype = {2: np.float16, 4: np.float32}.get(inner.code_size // inner.d)
        if dtype is None:
            return None
        codes = faiss.rev_swig_ptr(inner.codes.data(), inner.codes.size())
        matrix = codes.view(dtype).reshape(self.n_vectors, -1)
        ids = faiss.rev_swig_ptr(self._index.id_map.data(), self._index.id_map.size())
        return matrix, ids

    def _page_vectors(self, page_id: int, stored: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        first, count = self._ranges[page_id]
        if stored is not None:
            matrix, ids = stored
            position = int(np.searchsorted(ids, first))
            if (
                position + count <= len(ids)
                and ids[position] == first
                and ids[position + count - 1] == first + count - 1
            ):
                return matrix[position : position + count].astype(np.float32)
        return np.asarray(self._index.reconstruct_batch(np.arange(first, first + count, dtype=np.int64)))

    def _shortlist(self, similarities: np.ndarray, owners: np.ndarray, size: int) -> list[int]:
        """Pages worth exact re-scoring, by an optimistic MaxSim from the FAISS hits alone.

        similarities and owners: (n_query_vectors, fetched). A page missing from a query vector's hits
        is credited with that vector's lowest fetched similarity (its true best is no higher).
        """
        floor = similarities.min(axis=1)
        best: dict[int, np.ndarray] = {}
        for row in range(similarities.shape[0]):
            for page, similarity in zip(owners[row], similarities[row], strict=True):
                if page < 0:
                    continue
                page_best = best.setdefault(int(page), floor.copy())
                page_best[row] = max(page_best[row], similarity)
        ranked = sorted(best, key=lambda page: (-float(best[page].sum()), page))
        return ranked[:size]

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best pages for ``query`` as (page_id, score), best first; score in [-1, 1]."""
        if k < 1:
            raise OmniFusionError(f"k must be at least 1, got {k}")
        if not query.strip() or not self._ranges:
            return []
        embedder = self.embedder
        self._check_space(embedder)
        vectors = np.ascontiguousarray(embedder.embed_query(query), dtype=np.float32)
        fetch = min(self.n_vectors, max(self.config.candidates, 8 * k))
        similarities, hits = self._index.search(vectors, fetch)
        owners = self._owners(hits.ravel()).reshape(hits.shape)
        shortlist = self._shortlist(similarities, owners, max(4 * k, 32))
        stored = self._stored_matrix()
        scored = [(page, maxsim_score(vectors, self._page_vectors(page, stored))) for page in shortlist]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:k]

    def _owners(self, vector_ids: np.ndarray) -> np.ndarray:
        """Page id of each vector id (-1 for none), via the sorted first ids of the pages' id ranges."""
        pages = np.array(sorted(self._ranges, key=lambda p: self._ranges[p][0]), dtype=np.int64)
        firsts = np.array([self._ranges[p][0] for p in pages], dtype=np.int64)
        counts = np.array([self._ranges[p][1] for p in pages], dtype=np.int64)
        slot = np.searchsorted(firsts, vector_ids, side="right") - 1
        valid = (vector_ids >= 0) & (slot >= 0)
        slot = np.clip(slot, 0, None)
        valid &= vector_ids < firsts[slot] + counts[slot]
        return np.where(valid, pages[slot], -1)
