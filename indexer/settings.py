"""How a workspace indexes: resolution, OCR, embedder, tiles, limits (stored in its config.json)."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import WorkspaceDamaged, WorkspaceError
from indexer.pagesize import DEFAULT_MAX_PAGE_PIXELS

ENV_PREFIX = "ASSISTANT_"


@dataclass
class IndexSettings:
    dpi: float = 150.0
    embedder: str = "use"
    # A slower, stronger embedder filled in after ingest (in the background or by `enrich`):
    # multilingual-e5 carries cross-lingual questions that the fast one misses. "" turns it off.
    deep_embedder: str = "e5"
    ocr_languages: str = "eng+rus"
    ocr_workers: int = 2
    # OCR of the pictures on text pages (labelled drawings, pasted screenshots; see indexer.figures):
    # off, pages with a text layer are read from it alone. At most this many pictures a page are read.
    figure_ocr: bool = True
    max_figures_per_page: int = 4
    # Limits for one input file, against render and decompression bombs (each refusal names the file):
    # decoded size of an image file or of an image inside a PDF,
    max_image_pixels: int = 60_000_000
    # pages of a PDF or frames of an image (counted before anything is decoded),
    max_pages: int = 1000
    # pixels of a page image (a larger page is indexed at a lower DPI, or scaled down, to fit),
    max_page_pixels: int = DEFAULT_MAX_PAGE_PIXELS
    # memory (address space) of the child process that reads each file, and how long it may take
    # for one page and for the whole file before it is stopped.
    reader_memory_mb: int = 768
    reader_page_timeout_s: float = 300.0
    reader_file_timeout_s: float = 3600.0
    tile_size: int = 336
    max_tiles: int = 24
    database_url: str = ""
    # Where the index lives: "local" (FAISS and FTS5 files in the workspace, one writer per machine) or
    # "postgres" (catalog, pgvector and lexical rows in the database at `database_url`, originals and
    # page images in `shared_store`: any number of replicas on any machines serve one corpus).
    index_backend: str = "local"
    shared_store: str = ""
    # pgvector HNSW: candidates per search (recall against latency; at least k), and the graph's
    # degree and build effort (fixed when the first vectors arrive).
    pg_ef_search: int = 100
    pg_hnsw_m: int = 16
    pg_hnsw_ef_construction: int = 64
    # OmniFusion visual channel (omnifusion.retrieval.VisualConfig as a dict); off when empty.
    visual: dict[str, Any] = field(default_factory=dict)
    commit_every: int = 25
    # Vector search: exact up to `ann_threshold` passages, then an inverted file (IVF, fp16 codes) that
    # searches the `ann_nprobe` lists nearest to the question and is trained again (in the background,
    # or by `compact`) once the corpus has grown `ann_retrain_factor`-fold. 0 keeps it exact.
    ann_threshold: int = 200_000
    ann_nprobe: int = 384
    # The deep channel's own nprobe: its e5 vectors gather less tightly than the dense channel's, so
    # fewer lists reach the same recall (0.96 recall@10 at 128 on 1M passages), and the deep search
    # lies on the longest path of a question (after the e5 embedding).
    ann_deep_nprobe: int = 128
    ann_retrain_factor: float = 2.0


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, dict):
        return json.loads(value)
    return value


def answering_setting(name: str) -> bool:
    """Whether `name` is a setting of the answer generator (`assistant.generators.GeneratorSettings`):
    config.json holds those beside the index's, and the assistant checks them itself."""
    return name == "generator" or name.startswith("generator_")


def merge_settings(cls: type[Any], stored: dict[str, Any], overrides: dict[str, Any]) -> Any:
    """Defaults < the workspace's config.json < ASSISTANT_* environment < explicit arguments."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    unknown = {name for name in stored if name not in names and not answering_setting(name)}
    if unknown:
        raise WorkspaceError(f"config.json has unknown setting(s) {sorted(unknown)}; known: {sorted(names)}")
    values.update((name, value) for name, value in stored.items() if name in names)
    defaults = cls()
    for name in names:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None and env != "":
            try:
                values[name] = _coerce(env, getattr(defaults, name))
            except ValueError as error:
                raise WorkspaceError(f"environment {ENV_PREFIX + name.upper()}={env!r}: {error}") from error
    for name, value in overrides.items():
        if name not in names:
            raise WorkspaceError(f"unknown setting {name!r}; known: {sorted(names)}")
        if value is not None:
            values[name] = value
    return cls(**values)


def read_config_file(path: Path) -> dict[str, Any]:
    """The stored settings ({} when there are none yet); an unreadable file is `WorkspaceDamaged`."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WorkspaceDamaged(f"{path} is not valid JSON ({error}); fix or delete it") from error
    except OSError as error:
        raise WorkspaceError(f"cannot read {path} ({error.strerror}); check its permissions") from error
    if not isinstance(data, dict):
        raise WorkspaceDamaged(f"{path} must hold a JSON object of settings; fix or delete it")
    return data
