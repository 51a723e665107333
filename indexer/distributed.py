"""Ingest on a Ray cluster: workers read (pages, OCR, layout) and embed; the workspace's one writer stores.

    with ray_connection("local", workers=2):
        report = workspace.add(files, progress, reader=RayReading(workers=2))

Each file is read by a task on a worker (a long PDF as several tasks of `RANGE_PAGES` pages), inside
the same confined reader child as a local `add` (`indexer.reader`), from a copy of its bytes the driver
put in Ray's object store: workers need no shared file system and never touch the workspace. Their
passages come back to the driver, which carries section headings across page ranges and then sends
the passages out again to be embedded (every configured text embedder, the deep one included), a few
hundred at a time. Finished documents are handed to `Workspace.add` in the order of the files, which
stores and publishes them exactly as it stores what its own reader read: same progress events, same
bad-file report. A worker that dies is retried once on another (Ray's `max_retries`), then the file
fails with a typed error naming it; nothing of it is stored.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import AssistantError, DocumentError, IndexingFailed, TooManyPages, _rebuild_document_error
from indexer.pipeline import ExtractedDocument, ExtractedPage, display_name
from indexer.reader import DocumentReader, Outcome, Unchanged, identify
from indexer.settings import IndexSettings

log = logging.getLogger(__name__)

RANGE_PAGES = 16
"""Pages of a PDF read by one task: a long manual spreads over the cluster, a short one is one task."""
EMBED_BATCH = 256
"""Passages embedded by one task."""
RETRIES = 1
"""How often a task whose worker died is run again (on another worker) before its file fails."""
THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Each task has one CPU: native thread pools inside it would only fight the other tasks."""


class RayClusterError(AssistantError):
    """`--ray ADDRESS` names no Ray cluster this machine can reach."""


@contextmanager
def ray_connection(address: str, workers: int | None = None) -> Iterator[None]:
    """Join the Ray cluster at `address` ('auto', 'ray://host:port', host:port) for the duration, or
    start a one-machine Ray with `workers` CPUs for 'local'. A session already open is used as it is."""
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
        if address == "local":
            options["num_cpus"] = max(workers or os.cpu_count() or 1, 1)
        try:
            ray.init(runtime_env={"env_vars": THREAD_LIMITS}, **options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise RayClusterError(
                f"cannot start or reach a Ray cluster at {address!r} ({error}); start one with "
                "`ray start --head`, pass its address, or use 'local' for a one-machine Ray"
            ) from error
    try:
        yield
    finally:
        if started_here:  # a cluster the caller connected to stays connected
            ray.shutdown()


@dataclass
class EmbeddedDocument(ExtractedDocument):
    """A document read and embedded elsewhere: its passage vectors come with it, in passage order."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    """By index name: "dense" (the workspace's embedder) and "deep" when that channel is on."""


@dataclass
class Part:
    """What one task read: pages (numbered within the file) and, for the visual channel, their PNGs."""

    pages: list[ExtractedPage]
    images: dict[int, bytes] = field(default_factory=dict)


# -- the tasks (run on the workers) ----------------------------------------------------------------


def count_pages(data: bytes, name: str, settings: IndexSettings) -> int | DocumentError:
    """How many pages a PDF has, or why it cannot be read (pdfium runs on a worker, never in the driver)."""
    from indexer.pdf import open_pdf

    with _copy_of(data, name) as path:
        try:
            document = open_pdf(path)
        except DocumentError as error:
            return error
        count = len(document)
        document.close()
    if count > settings.max_pages:
        return TooManyPages(path, count, settings.max_pages)
    return count


def read_part(
    data: bytes, name: str, settings: IndexSettings, pages: tuple[int, int] | None, spool: bool
) -> Part | DocumentError:
    """Read the file (or only its pages `pages`, 1-based, inclusive) in the confined reader child."""
    with _copy_of(data, name) as path:
        if pages is not None:
            _keep_pages(path, *pages)
        with DocumentReader([path], settings, known=lambda _: False, spool=spool) as reader:
            outcome = next(iter(reader))
            if isinstance(outcome, DocumentError):
                return outcome
            assert isinstance(outcome, ExtractedDocument)
            offset = pages[0] - 1 if pages is not None else 0
            part = Part(outcome.pages)
            for page in part.pages:
                page.content.number += offset
                if page.image_path is not None:
                    part.images[page.content.number] = page.image_path.read_bytes()
                    page.image_path = None
            return part


def embed(spec: str, texts: list[str]) -> np.ndarray:
    """Passage vectors of `texts` with the embedder `spec` (loaded once per worker process)."""
    from indexer.embedders import load_embedder

    return load_embedder(spec).embed_passages(texts)


@contextmanager
def _copy_of(data: bytes, name: str) -> Iterator[Path]:
    """The file's bytes in a private temporary folder, under its own name (errors then name it)."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-ray-"))
    try:
        path = folder / (Path(name).name or "document")
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _keep_pages(path: Path, first: int, last: int) -> None:
    """Rewrite the PDF at `path` with only its pages first..last (text layer and images as they were)."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(path))
    target = pdfium.PdfDocument.new()
    try:
        target.import_pages(source, list(range(first - 1, last)))
        part = path.with_suffix(".part.pdf")
        target.save(str(part))
    finally:
        target.close()
        source.close()
    os.replace(part, path)
