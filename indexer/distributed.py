"""Ingest on a Ray cluster: workers read (pages, OCR, layout) and embed; the workspace's one writer stores.

    with ray_connection("local", workers=2):
        report = workspace.add(files, progress, reader=RayReading)

Each file is read by a task on a worker (a long PDF as several tasks of `RANGE_PAGES` pages), inside
the same confined reader child as a local `add` (`indexer.reader`), from a copy of its bytes the driver
put in Ray's object store: workers need no shared file system and never touch the workspace. Their
pages come back to the driver, which carries section headings across page ranges and then sends the
passages out again to be embedded (every configured text embedder, the deep one included), a few
hundred at a time. Finished documents are handed to `Workspace.add` in the order of the files, which
stores and publishes them exactly as it stores what its own reader read: same progress events, same
bad-file report. A worker that dies is retried once on another (Ray's `max_retries`), then the file
fails with a typed error naming it; nothing of it is stored.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import (
    AssistantError,
    DocumentError,
    IndexingFailed,
    ResourceLimitExceeded,
    TooManyPages,
    _rebuild_document_error,
)
from indexer.pipeline import ExtractedDocument, ExtractedPage
from indexer.reader import DocumentReader, Outcome, OutcomeReader, Unchanged, identify
from indexer.settings import IndexSettings

log = logging.getLogger(__name__)

RANGE_PAGES = 16
"""Pages of a PDF read by one task: a long manual spreads over the cluster, a short one is one task."""
EMBED_BATCH = 256
"""Passages embedded by one task."""
RETRIES = 1
"""How often a task whose worker died is run again (on another worker) before its file fails."""
FILES_PER_CPU = 2
"""Files in flight per CPU of the cluster: enough to keep every worker busy while the writer stores,
few enough that the object store holds only a window of the files, not all of them."""
REACH_TIMEOUT_S = 10.0
"""How long the head node may take to accept a connection before `--ray ADDRESS` is refused."""
THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Each task has one CPU: native thread pools inside it would only fight the other tasks."""


class RayClusterError(AssistantError):
    """`--ray ADDRESS` names no Ray cluster this machine can reach."""


@contextmanager
def ray_connection(address: str, workers: int | None = None) -> Iterator[None]:
    """Join the Ray cluster at `address` ('auto', 'ray://host:port', host:port) for the duration, or
    start a one-machine Ray with `workers` CPUs for 'local'. A session already open is used as it is.

    The workers get this process's ASSISTANT_* settings (and one native thread per task).
    """
    try:
        import ray
    except ImportError as error:
        raise RayClusterError(
            f"--ray {address} needs Ray on this machine: pip install 'omnifusion-assistant[ray]'"
        ) from error

    started_here = not ray.is_initialized()
    if started_here:
        _check_reachable(address)
        options: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
        if address == "local":
            options["num_cpus"] = max(workers or os.cpu_count() or 1, 1)
        env = {name: value for name, value in os.environ.items() if name.startswith("ASSISTANT_")}
        try:
            ray.init(runtime_env={"env_vars": {**THREAD_LIMITS, **env}}, **options)
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


def _check_reachable(address: str) -> None:
    """Fail in seconds when `host:port` does not answer: Ray itself retries for many minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # 'auto', 'local': Ray looks the cluster up (or starts one) itself
    try:
        socket.create_connection((host, int(port)), timeout=REACH_TIMEOUT_S).close()
    except OSError as error:
        raise RayClusterError(
            f"cannot start or reach a Ray cluster at {address!r} ({error.strerror or error}); start one "
            "with `ray start --head`, pass its address, or use 'local' for a one-machine Ray"
        ) from error


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


def count_pages(data: bytes, origin: str, settings: IndexSettings) -> int | DocumentError:
    """How many pages a PDF has, or why it cannot be read (pdfium runs on a worker, never in the driver)."""
    from indexer.pdf import open_pdf

    with _copy_of(data, origin) as path:
        try:
            document = open_pdf(path)
        except DocumentError as error:
            return _named(error, path, origin)
        count = len(document)
        document.close()
    if count > settings.max_pages:
        return TooManyPages(origin, count, settings.max_pages)
    return count


def read_part(
    data: bytes, origin: str, settings: IndexSettings, pages: tuple[int, int] | None, spool: bool
) -> Part | DocumentError:
    """Read the file (or only its pages `pages`, 1-based, inclusive) in the confined reader child."""
    with _copy_of(data, origin) as path:
        if pages is not None:
            try:
                _keep_pages(path, *pages)
            except Exception as error:  # pdfium opened it a moment ago: this is not the file's fault
                log.exception("cutting pages %d-%d out of %s failed", *pages, origin)
                return IndexingFailed(origin, f"pages {pages[0]}-{pages[1]} could not be cut out ({error})")
        with DocumentReader([path], settings, known=lambda _: False, spool=spool) as reader:
            outcome = next(iter(reader))
            if isinstance(outcome, DocumentError):
                return _named(outcome, path, origin)
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
def _copy_of(data: bytes, origin: str) -> Iterator[Path]:
    """The file's bytes in a private temporary folder, under its own name (errors then name it)."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-ray-"))
    try:
        path = folder / (Path(origin).name or "document")
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _named(error: DocumentError, copy: Path, origin: str) -> DocumentError:
    """The error as if the driver's file had been read: its path, not the worker's temporary copy."""
    attributes = {**error.__dict__, "path": origin, "reason": error.reason.replace(str(copy), origin)}
    return _rebuild_document_error(type(error), origin, attributes["reason"], attributes)


def _keep_pages(path: Path, first: int, last: int) -> None:
    """Rewrite the PDF at `path` with only its pages first..last (text layer and images as they were)."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(path))
    target = pdfium.PdfDocument.new()
    part = path.with_suffix(".part.pdf")
    try:
        target.import_pages(source, list(range(first - 1, last)))
        target.save(str(part))
    finally:
        target.close()
        source.close()
    os.replace(part, path)


# -- the driver ------------------------------------------------------------------------------------


def page_ranges(count: int, size: int) -> list[tuple[int, int]]:
    """1-based inclusive page ranges of at most `size` pages covering 1..count."""
    return [(first, min(first + size - 1, count)) for first in range(1, count + 1, size)]


def text_embedders(settings: IndexSettings) -> dict[str, str]:
    """Index name -> embedder spec of every text channel the workspace fills (deep only when it is on)."""
    found = {"dense": settings.embedder}
    if settings.deep_embedder.lower() not in ("", "off", "none"):
        found["deep"] = settings.deep_embedder
    return found


class RayReading(OutcomeReader):
    """Reads and embeds the files on the Ray cluster, several at a time: `Workspace.add`'s other reader.

    Replaces `indexer.reader.DocumentReader` in `Workspace.add(..., reader=RayReading)` under the
    same contract (`OutcomeReader`). Needs a Ray session (`ray_connection`).
    """

    def __init__(
        self,
        files: Sequence[Path],
        settings: IndexSettings,
        known: Callable[[str], bool],
        spool: bool = False,
        range_pages: int = RANGE_PAGES,
    ) -> None:
        import ray

        if not ray.is_initialized():
            raise RayClusterError("no Ray session: open one with `ray_connection(address)` first")
        super().__init__(files, settings, known, spool)
        self._spool = spool
        self._range_pages = max(range_pages, 1)
        self._embedders = text_embedders(settings)
        cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)
        self._window = FILES_PER_CPU * cpus
        self._pool = ThreadPoolExecutor(self._window, thread_name_prefix="ray-file")
        self._running: deque[Future[Outcome]] = deque()
        self._closed = threading.Event()
        self._count = 0
        self._remote = _remote_tasks()
        self._top_up()

    def ready(self, timeout: float) -> bool:
        if not self._running:
            return True
        done, _ = wait_for([self._running[0]], timeout)
        return bool(done)

    def _take(self) -> Outcome | None:
        if not self._running:
            return None
        outcome = self._running.popleft().result()
        self._top_up()
        return outcome

    def _stop(self) -> None:
        self._closed.set()
        self._files.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _top_up(self) -> None:
        while self._files and len(self._running) < self._window:
            path = self._files.popleft()
            self._count += 1
            self._running.append(self._pool.submit(self._outcome, path, self._count))

    def _outcome(self, path: Path, number: int) -> Outcome:
        """One file from its bytes to its embedded pages (in a driver thread that waits on the tasks)."""
        try:
            media_type, sha, size = identify(path)
            if self._known(sha):
                return Unchanged(path, sha)
            return self._read_and_embed(path, media_type, sha, size, number)
        except DocumentError as error:
            return error
        except Exception as error:
            if self._closed.is_set():
                return IndexingFailed(path, "ingest was stopped")
            import ray.exceptions

            if isinstance(error, ray.exceptions.RayTaskError):
                cause = error.cause if isinstance(error.cause, BaseException) else error
                log.error("a Ray task for %s failed: %s", path, error)
                return IndexingFailed(path, f"{type(cause).__name__}: {cause}")
            if isinstance(error, ray.exceptions.RayError):
                return ResourceLimitExceeded(
                    path,
                    f"the Ray worker reading it was lost twice ({type(error).__name__}): the file needs "
                    f"more memory than a worker has, or the cluster is failing",
                )
            raise

    def _read_and_embed(self, path: Path, media_type: str, sha: str, size: int, number: int) -> Outcome:
        import ray

        remote = self._remote
        data = ray.put(path.read_bytes())
        origin, settings = str(path), self._settings
        ranges: list[tuple[int, int] | None] = [None]
        if media_type == "application/pdf":
            count = ray.get(remote["count"].remote(data, origin, settings))
            if isinstance(count, DocumentError):
                return count
            if count > self._range_pages:
                ranges = list(page_ranges(count, self._range_pages))
        parts = ray.get([remote["read"].remote(data, origin, settings, r, self._spool) for r in ranges])
        del data
        for part in parts:
            if isinstance(part, DocumentError):
                return part
        document = EmbeddedDocument(path, sha, media_type, size)
        for part in parts:
            _carry_section(document.pages, part.pages)
            document.pages.extend(part.pages)
            self._spool_images(part, number)
        if any(isinstance(r, tuple) for r in ranges):
            log.info("%s: %d pages read in %d ranges", path.name, len(document.pages), len(ranges))
        document.completed()
        self._embed(document)
        return document

    def _embed(self, document: EmbeddedDocument) -> None:
        import ray

        from indexer.workspace import index_text  # the workspace imports this module

        texts = [index_text(draft) for page in document.pages for draft in page.passages]
        batches = [texts[start : start + EMBED_BATCH] for start in range(0, len(texts), EMBED_BATCH)]
        pending = {
            name: [self._remote["embed"].remote(spec, batch) for batch in batches]
            for name, spec in self._embedders.items()
        }
        for name, refs in pending.items():
            found = ray.get(refs)
            document.vectors[name] = np.vstack(found) if found else np.zeros((0, 0), dtype=np.float32)

    def _spool_images(self, part: Part, number: int) -> None:
        if self._spool_root is None or not part.images:
            return
        folder = self._spool_root / str(number)
        folder.mkdir(exist_ok=True)
        for page in part.pages:
            image = part.images.get(page.content.number)
            if image is not None:
                page.image_path = folder / f"{page.content.number}.png"
                page.image_path.write_bytes(image)


def _carry_section(before: list[ExtractedPage], pages: list[ExtractedPage]) -> None:
    """Give the passages at the top of a page range the heading in force at the end of the range before.

    A range is read on its own, so its first pages know no heading until they meet one; read in one
    piece, they would have had the last heading of the pages before them.
    """
    carried = next((d.section for page in reversed(before) for d in reversed(page.passages) if d.section), "")
    if not carried:
        return
    for page in pages:
        for position, draft in enumerate(page.passages):
            if draft.section:
                return
            page.passages[position] = replace(draft, section=carried)


_TASKS: dict[str, Any] = {}
_TASKS_LOCK = threading.Lock()


def _remote_tasks() -> dict[str, Any]:
    """The Ray remote versions of the tasks (made once: Ray exports each function to the cluster once)."""
    import ray

    with _TASKS_LOCK:
        if not _TASKS:
            one_cpu = ray.remote(num_cpus=1, max_retries=RETRIES)
            _TASKS.update(count=one_cpu(count_pages), read=one_cpu(read_part), embed=one_cpu(embed))
        return _TASKS
