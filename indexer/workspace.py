"""One workspace directory: originals, catalog, FAISS and lexical indexes, kept consistent together."""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from indexer.catalog import (
    DocumentRow,
    PageRow,
    PassageRow,
    TileRow,
    bump_generations,
    open_catalog,
    read_generations,
)
from indexer.dense import AnnSettings, DenseIndex
from indexer.distributed import EmbeddedDocument
from indexer.embedders import TextEmbedder, load_embedder
from indexer.errors import (
    AssistantError,
    DocumentError,
    IndexingFailed,
    NoWorkspace,
    ReadOnlyWorkspace,
    WorkspaceDamaged,
    WorkspaceError,
)
from indexer.lexical import LexicalIndex
from indexer.pipeline import SUFFIX_BY_TYPE, ExtractedDocument, display_name, indexed_page_image
from indexer.reader import DocumentReader, Outcome, OutcomeReader, Unchanged
from indexer.records import DocumentRecord, LineSpan, PassageDraft, PassageRecord
from indexer.settings import ENV_PREFIX, IndexSettings, merge_settings, read_config_file
from indexer.storage import storage_errors
from indexer.stores import IndexStore, LexicalChannel, VectorChannel, WriterBusy, open_store
from indexer.stores.local import (  # noqa: F401 (named here by callers and tests)
    CATALOG_FILE,
    CONFIG_FILE,
    LOCK_FILE,
    MARKER_FILE,
    WRITTEN,
)

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

# These are fixed when a workspace is created: changing them would mix incompatible vectors.
FROZEN_SETTINGS = ("embedder", "deep_embedder")
# Smallest sane value of numeric settings; other numbers must not be negative.
SETTING_MINIMUM = {
    "dpi": 1.0,
    "ocr_workers": 1,
    "max_image_pixels": 1,
    "max_pages": 1,
    "max_page_pixels": 1,
    "reader_memory_mb": 1,
    "reader_page_timeout_s": 0.001,
    "reader_file_timeout_s": 0.001,
    "tile_size": 1,
    "commit_every": 1,
    "pg_ef_search": 1,
    "pg_hnsw_m": 2,
    "pg_hnsw_ef_construction": 4,
    "ann_nprobe": 1,
    "ann_deep_nprobe": 1,
    "ann_retrain_factor": 1.0,
}
ENRICH_CHUNK = 64
ENRICH_SAVE_RATIO = 10.0
"""The deep index is saved after its first chunk, then once the time since the last save exceeds this
many times that save's duration: a killed enrichment loses about a chunk, saving costs under ~10%."""
PUBLISH_GRACE_S = 1.0
"""How long `add` keeps the write lock waiting for the next file before it publishes and lets go."""


def index_text(passage: PassageDraft | PassageRecord, filename: str = "") -> str:
    """What the retrieval channels see: the section heading gives a passage its topic.

    For the lexical channel the file's name is added too: people name files after the product
    ("dyson-v8-manual.pdf", "gimp_prefs.png") and ask about the product by that name.
    """
    text = passage.text
    if passage.section and passage.section != passage.text:
        text = f"{passage.section}\n{text}"
    if filename:
        text = f"{filename_words(filename)}\n{text}"
    return text


@lru_cache(maxsize=4096)
def filename_words(filename: str) -> str:
    # Cached: the rerank and the lexical coverage ask it for every passage they read.
    stem = Path(filename).stem
    return re.sub(r"[\W_]+", " ", stem).strip()


@dataclass
class AddReport:
    added: list[DocumentRecord] = field(default_factory=list)
    unchanged: list[DocumentRecord] = field(default_factory=list)
    failures: list[DocumentError] = field(default_factory=list)

    @property
    def documents(self) -> list[DocumentRecord]:
        return self.added + self.unchanged


ProgressCallback = Callable[[str, Path, int, int], None]
ReaderFactory = Callable[..., OutcomeReader]
"""Makes what reads the files for `add`: `DocumentReader`, or `indexer.distributed.RayReading` (same call)."""
"""(event, path, index, total): event is 'start', 'done' or 'failed'."""


class Workspace:
    """Files in, searchable passages out. Many readers, one writer (an OS file lock, or the database's).

    Several processes may open one workspace (the REST service, the UI, the CLI): each keeps its
    indexes in memory and follows the others through the catalog's publication counts
    (`index_generations`): a writer reloads what another one published before it writes, a reader
    before it searches. A workspace this process cannot write is opened read-only: reads work,
    writes raise `ReadOnlyWorkspace`, and nothing is written next to its files.

    Where the indexes live is the index store's business (`indexer.stores`, chosen by the
    `index_backend` setting): files in this directory (`local`), or one PostgreSQL database and a
    shared store for originals and page images (`postgres`), which replicas on other machines share.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        create: bool = True,
        answer_config: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> None:
        """Open the workspace at `root`; `create=False` (read commands) refuses a path that holds none.

        `answer_config` (the answer generator's settings) is written to a new workspace's config.json
        beside the index settings. A failed opening leaves nothing behind: no directory, no
        configuration, no catalog.
        """
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(f"{self.root} exists and is not a directory; choose another workspace path")
        config_path = self.root / CONFIG_FILE
        exists = config_path.is_file()
        # A replica of a shared (postgres) index reads it with no directory of its own.
        stateless = not exists and not create
        if stateless and _backend(overrides) != "postgres":
            raise NoWorkspace(self.root)
        stored = read_config_file(config_path)
        for name in FROZEN_SETTINGS:
            if name in stored and overrides.get(name) not in (None, stored[name]):
                raise WorkspaceError(
                    f"workspace {self.root} was built with {name}={stored[name]!r}; "
                    f"use a new workspace for {name}={overrides[name]!r}"
                )
        self.settings: IndexSettings = _settings(config_path, stored, overrides)
        recorded_backend = stored.get("index_backend", "local") if exists else self.settings.index_backend
        if recorded_backend != self.settings.index_backend:
            raise WorkspaceError(
                f"workspace {self.root} uses the {recorded_backend!r} index backend, not "
                f"{self.settings.index_backend!r}; use a new workspace directory for the other one"
            )
        self.store: IndexStore = open_store(self.root, self.settings)
        if stateless and not self.store.holds_a_corpus():
            raise NoWorkspace(self.root)
        self.read_only = exists and not self.store.writable()
        self.originals = self.store.files / "originals"
        self.page_cache = self.store.files / "pages" if not self.read_only else _reader_page_cache()
        self._embedder: TextEmbedder | None = None
        self._deep_unsaved = False  # deep vectors a Ray ingest stored, saved when their batch is published
        self._dense: VectorChannel | None = None
        self._deep: VectorChannel | None = None
        self._visual: Any = None
        self._enrichment: threading.Thread | None = None
        self._stop_enrichment = threading.Event()
        self._thread_lock = threading.RLock()
        self._write_depth = 0
        # Guards what this process holds in memory against reloads: see `refresh`.
        self._state_lock = threading.RLock()
        self._loaded: dict[str, int] = {}  # index name -> publication count its memory reflects
        undo = _creation_undo(self.root) if not exists else None
        try:
            if exists:
                self._refuse_a_lost_catalog()
            elif not stateless:
                with storage_errors(self.root, self.repair_advice):
                    self.root.mkdir(parents=True, exist_ok=True)
            url, own = self.store.catalog_url()
            self.engine, self._sessions = open_catalog(url, self.read_only, own)
            try:
                self.store.attach(self.engine, self.read_only)
                self.store.reconcile(self.settings, FROZEN_SETTINGS, _chosen(overrides))
            except BaseException:
                self.engine.dispose()
                raise
            if not stored and not self.read_only and not stateless:
                self._write_config(answer_config or {})
        except BaseException:
            if undo is not None:
                undo()
            raise
        self.lexical: LexicalChannel = self.store.lexical_index(self.read_only)
        self._recover_abandoned_work()

    # -- configuration -------------------------------------------------------------------------

    def _write_config(self, answer_config: Mapping[str, Any]) -> None:
        data = {**asdict(self.settings), **answer_config}
        # Secrets and hosts stay in the environment.
        for secret in ("database_url", "generator_api_key"):
            data.pop(secret, None)
        temporary = self.root / (CONFIG_FILE + ".tmp")
        with storage_errors(self.root / CONFIG_FILE, "delete it to start from the defaults"):
            temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.root / CONFIG_FILE)

    @property
    def repair_advice(self) -> str:
        return f"run `python -m assistant check {self.root} --repair`"

    def _refuse_a_lost_catalog(self) -> None:
        self.store.refuse_a_lost_catalog()

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    @property
    def dense(self) -> VectorChannel:
        if self._dense is None:
            dim = self.embedder.dim
            with self._state_lock:
                if self._dense is None:
                    self._dense = self._tracked("dense", lambda: self.store.vector_index("dense", dim))
        return self._dense

    @property
    def ann(self) -> AnnSettings:
        return AnnSettings.of(self.settings)

    @property
    def deep_enabled(self) -> bool:
        return self.settings.deep_embedder.lower() not in ("", "off", "none")

    @property
    def deep_embedder(self) -> TextEmbedder | None:
        return load_embedder(self.settings.deep_embedder) if self.deep_enabled else None

    @property
    def deep(self) -> VectorChannel | None:
        """The second dense index (deep embedder), filled after ingest; None when turned off."""
        if not self.deep_enabled:
            return None
        if self._deep is None:
            embedder = self.deep_embedder
            assert embedder is not None
            with self._state_lock:
                if self._deep is None:
                    self._deep = self._tracked("deep", lambda: self.store.vector_index("deep", embedder.dim))
        return self._deep

    @property
    def visual(self) -> Any:
        """The OmniFusion visual page index, or None when the workspace has none configured."""
        if not self.settings.visual:
            return None
        if self._visual is None:
            with self._state_lock:
                if self._visual is None:
                    self._visual = self._tracked("visual", self._open_visual)
        return self._visual

    def _open_visual(self) -> Any:
        from omnifusion.retrieval import VisualConfig, VisualPageIndex

        config = VisualConfig.from_dict(self.settings.visual)
        return self._reopened_visual(VisualPageIndex(self.store.files / "visual", config))

    def _reopened_visual(self, index: Any) -> Any:
        from omnifusion.retrieval import INDEX_FILE
        from omnifusion.runtime import OmniFusionError

        try:
            return index.reopened()
        except OmniFusionError as error:
            damaged = index.directory / INDEX_FILE
            raise WorkspaceDamaged(f"{damaged}: {error}; {self.repair_advice}") from error

    def _tracked(self, name: str, load: Callable[[], Any]) -> Any:
        """Load an index, remembering the publication count it reflects (read first: files are
        replaced before their count moves, so the file is at least that new)."""
        generation = read_generations(self.engine).get(name, 0)
        index = load()
        self._loaded[name] = generation
        return index

    def session(self) -> Session:
        return self._sessions()

    # -- following other processes -------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the index files another process published since this one read them.

        One small catalog query when nothing changed (it runs before every search). A reload
        replaces what this process holds in memory, so it never runs in the middle of this
        process's own write: that writer reloaded when it took the lock, and no other process can
        publish until it lets go. An index file that cannot be read raises `WorkspaceDamaged`.
        """
        self._reload_stale(only_changed=True, raise_damage=True)

    def reload_all(self) -> None:
        """Read every loaded index file again, whatever the counts say (before comparing them with the
        catalog). One that cannot be read is dropped from memory: its next use raises the error."""
        self._reload_stale(only_changed=False, raise_damage=False)

    def _reload_stale(self, only_changed: bool, raise_damage: bool) -> None:
        loaded = dict(self._loaded)
        if not loaded:
            return
        if only_changed:
            current = read_generations(self.engine)
            if all(current.get(name, 0) == generation for name, generation in loaded.items()):
                return
        with self._state_lock:
            current = read_generations(self.engine)
            for name, generation in list(self._loaded.items()):
                if only_changed and current.get(name, 0) == generation:
                    continue
                log.info("%s: reloading the %s index", self.root, name)
                try:
                    self._reload(name)
                except WorkspaceDamaged:
                    # Forgotten, so that every later use (not only this one) says what is wrong.
                    setattr(self, f"_{name}", None)
                    del self._loaded[name]
                    if raise_damage:
                        raise
                    continue
                self._loaded[name] = current.get(name, 0)
            self.lexical.forget_count()

    def _reload(self, name: str) -> None:
        if name == "dense" and self._dense is not None:
            self._dense.reload()
        elif name == "deep" and self._deep is not None:
            self._deep.reload()
        elif name == "visual" and self._visual is not None:
            self._visual = self._reopened_visual(self._visual)

    @contextmanager
    def publishing(self, names: Iterable[str]) -> Iterator[Session]:
        """A catalog transaction that also counts one more publication of the named index files.

        Call it after saving those files: once it commits, every other process reloads them.
        """
        names = list(names)
        with self._state_lock, self.session() as session:
            with session.begin():
                yield session
                generations = bump_generations(session, names) if names else {}
            self._loaded.update({name: value for name, value in generations.items() if name in self._loaded})

    def rebuild_due(self) -> list[str]:
        """The indexes whose structure no longer suits their size (see `DenseIndex.rebuild_due` and
        `LexicalIndex.postings_due`)."""
        # pgvector's HNSW grows by itself: only the local FAISS files change structure
        due = [
            name
            for name in ("dense", "deep")
            if isinstance(index := getattr(self, name), DenseIndex) and index.rebuild_due()
        ]
        if isinstance(self.lexical, LexicalIndex) and self.lexical.postings_due():
            due.append("lexical")
        return due

    def rebuild_indexes(self, stop: threading.Event | None = None) -> list[str]:
        """Turn the vector indexes that are due approximate, train them again, or back to exact, and
        build the lexical channel's posting lists of common words when they are due.

        The heavy part (k-means, filling the new structure) runs without the write lock, beside
        searches and writes; only the swap, the save and the publication take it. Returns the names
        of the indexes rebuilt.
        """
        done = []
        for name in self.rebuild_due():
            if name == "lexical":
                assert isinstance(self.lexical, LexicalIndex)
                # Written inside the write lock, which orders it after any writer's rows.
                if self.lexical.build_postings(stop, holding=self.writing):
                    done.append(name)
                continue
            index: DenseIndex = getattr(self, name)

            def publish(name: str = name) -> None:
                with self.publishing(self.save_indexes([name])):
                    pass

            if index.rebuild(stop, holding=self.writing, then=publish):
                done.append(name)
        return done

    def save_indexes(self, names: Iterable[str]) -> list[str]:
        """Save the named index files that this workspace has; returns the names saved."""
        saved = []
        for name in names:
            index = getattr(self, name)  # the property: loaded on first use
            if index is not None:
                if name == "visual":
                    index.directory.mkdir(parents=True, exist_ok=True)
                index.save()
                saved.append(name)
        return saved

    # -- the single writer ---------------------------------------------------------------------

    @contextmanager
    def writing(self, recover: bool = True, wait: bool = True) -> Iterator[None]:
        """Hold the workspace's write lock; the first holder after a crash repairs the indexes.

        Re-entrant within a thread (only the outermost holder takes the OS lock); other threads
        and other processes wait (or, with `wait=False`, `WriterBusy` is raised). On entry the
        indexes another process published are reloaded, so this writer never saves over them.
        Storage failures inside (a full disk...) leave as the project's typed errors.

        The invariant recovery relies on: a document's rows are inserted and published (or
        deleted) within one hold of this lock, so non-ready rows seen by the next holder, or while
        the lock is free, were left by a writer that died.
        """
        if self.read_only:
            raise ReadOnlyWorkspace(
                f"{self.root} is read-only for this process (a read-only mount, or files owned by "
                "another user): it can be searched but not changed; write as its owner, or on a copy"
            )
        with self._thread_lock:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            with self.store.writer_lock(wait):
                try:
                    self._write_depth = 1
                    with storage_errors(self.root, self.repair_advice):
                        # A damaged file is only forgotten here: `check --repair` must get the lock.
                        self._reload_stale(only_changed=True, raise_damage=False)
                        if recover:
                            self._recover()
                        yield
                finally:
                    self._write_depth = 0

    def unfinished(self) -> bool:
        """Whether a writer left work behind (or is doing it now, if it holds the lock)."""
        if self.store.left_unfinished():
            return True
        with self.session() as session:
            return (
                session.scalar(select(DocumentRow.id).where(DocumentRow.status != "ready").limit(1))
                is not None
            )

    def _recover_abandoned_work(self) -> None:
        """Finish what a killed writer left, at once, if no writer is alive (readers never wait)."""
        if self.read_only or not self.unfinished():
            return
        try:
            with self.writing(wait=False):
                pass
        except WriterBusy:
            log.info("%s: a writer is at work; its unfinished documents stay hidden", self.root)
        except AssistantError as error:
            # Opening still works (unfinished documents stay hidden from readers); the next write
            # tries again, and a damaged file is named by the searches that need it.
            log.warning("%s: could not finish an interrupted write: %s", self.root, error)

    def _recover(self) -> None:
        """Undo half-finished work of a killed writer: nothing pending survives, indexes match the catalog."""
        if not self.unfinished():
            return
        from indexer.check import diagnose, mend

        log.warning("%s: repairing after an interrupted write", self.root)
        report = diagnose(self)
        for action in mend(self, report):
            log.warning("%s: %s", self.root, action)

    def start_afresh(self, name: str) -> None:
        """Replace an index that cannot be read with an empty one (saved, and refilled, by the caller)."""
        with self._state_lock:
            generation = read_generations(self.engine).get(name, 0)
            if name == "dense":
                self._dense = self.store.vector_index("dense", self.embedder.dim, fresh=True)
            elif name == "deep":
                embedder = self.deep_embedder
                assert embedder is not None
                self._deep = self.store.vector_index("deep", embedder.dim, fresh=True)
            elif name == "visual":
                from omnifusion.retrieval import VisualConfig, VisualPageIndex

                config = VisualConfig.from_dict(self.settings.visual)
                self._visual = VisualPageIndex(self.store.files / "visual", config)
            elif name == "lexical":
                self.lexical.reset()
                return
            self._loaded[name] = generation

    def original_path(self, stored_path: str) -> Path:
        """Where an original lives: the catalog stores it relative to the store's files (the workspace,
        or the shared store); older absolute paths still resolve as they are."""
        return self.store.files / stored_path

    def _stored_name(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.store.files).as_posix()
        except ValueError:
            return str(path)

    def drop_from_indexes(self, passage_ids: list[int], page_ids: list[int]) -> None:
        self.dense.remove(passage_ids)
        self.lexical.remove(passage_ids)
        if self.deep is not None:
            self.deep.remove(passage_ids)
        if self.visual is not None and page_ids:
            self.visual.remove_pages(page_ids)

    def remove_files(self, stored_path: str, document_id: int) -> None:
        self.original_path(stored_path).unlink(missing_ok=True)
        shutil.rmtree(self.store.files / "pages" / str(document_id), ignore_errors=True)

    # -- adding --------------------------------------------------------------------------------

    def add(
        self,
        paths: Sequence[str | Path],
        progress: ProgressCallback | None = None,
        reader: ReaderFactory = DocumentReader,
    ) -> AddReport:
        """Index every good file; bad ones are reported in `AddReport.failures`, never half-stored.

        Files are read (pages, text layer, OCR) in a confined child process, one file ahead and
        without the write lock; the lock is taken only to store, index and publish, and given back
        whenever the next file is not ready within a moment, so a slow file never holds up other
        writers. Whatever goes wrong with one file is that file's failure, never the others'.
        `reader=RayReading` reads and embeds them on a Ray cluster instead; this process still stores.
        """
        report = AddReport()
        files = [Path(p).expanduser() for p in paths]
        batch: list[int] = []
        hold = _WriteHold(self, batch)
        with reader(
            files,
            self.settings,
            known=lambda sha: self._ready_record(sha) is not None,
            spool=self.visual is not None,
        ) as reading:
            outcomes = iter(reading)
            try:
                for index, path in enumerate(files):
                    if progress:
                        progress("start", path, index, len(files))
                    event = "done"
                    try:
                        record, is_new = self._add_one(path, next(outcomes), batch, hold)
                        (report.added if is_new else report.unchanged).append(record)
                    except DocumentError as error:
                        log.warning("skipped %s", error)
                        report.failures.append(error)
                        event = "failed"
                    if hold.held and (
                        len(batch) >= self.settings.commit_every or not reading.ready(PUBLISH_GRACE_S)
                    ):
                        hold.release()
                    if progress:
                        progress(event, path, index, len(files))
                hold.release()
            except BaseException as error:
                hold.abandon(error)
                raise
        return report

    def _ready_record(self, sha256: str) -> DocumentRecord | None:
        with self.session() as session:
            row = session.scalars(
                select(DocumentRow).where(DocumentRow.sha256 == sha256, DocumentRow.status == "ready")
            ).first()
            return _document_record(row) if row is not None else None

    def _add_one(
        self, path: Path, outcome: Outcome, batch: list[int], hold: _WriteHold
    ) -> tuple[DocumentRecord, bool]:
        """Store one file's outcome; any failure is this file's `DocumentError`, and nothing of it stays."""
        if isinstance(outcome, DocumentError):
            raise outcome
        if isinstance(outcome, Unchanged):
            with self.session() as session:
                row = session.scalars(
                    select(DocumentRow).where(
                        DocumentRow.sha256 == outcome.sha256, DocumentRow.status == "ready"
                    )
                ).first()
                if row is None:
                    raise IndexingFailed(path, "another writer deleted its document while it was being added")
                stored_path, known = row.stored_path, _document_record(row)
            if not self.original_path(stored_path).exists():
                hold.take()
                self._restore_original(stored_path, path)
            return known, False
        try:
            # The slow part stays outside the write lock too (or was done on a Ray worker).
            vectors = (
                outcome.vectors["dense"]
                if isinstance(outcome, EmbeddedDocument)
                else self.embedder.embed_passages(
                    [index_text(draft) for page in outcome.pages for draft in page.passages]
                )
            )
        except Exception as error:
            if not _one_files_failure(error):
                raise
            log.exception("embedding the passages of %s failed", path)
            raise IndexingFailed(path, f"{type(error).__name__}: {error}") from error
        hold.take()
        with self.session() as session:
            existing = session.scalars(
                select(DocumentRow).where(DocumentRow.sha256 == outcome.sha256)
            ).first()
            if existing is not None and (existing.status == "ready" or existing.id in batch):
                self._restore_original(existing.stored_path, path)
                return _document_record(existing), False
        document_id: int | None = None
        stored: Path | None = None
        try:
            stored = self._store_original(path, outcome)
            document_id, passages = self._insert(outcome, stored)
            self.lexical.add((pid, index_text(draft, display_name(path))) for pid, draft in passages)
            self.dense.add(np.array([pid for pid, _ in passages], dtype=np.int64), vectors)
            if isinstance(outcome, EmbeddedDocument):
                self._add_deep(outcome, [pid for pid, _ in passages])
            if self.visual is not None:
                self._add_visual(document_id, outcome)
            with self.session() as session:
                row = session.get(DocumentRow, document_id)
                assert row is not None
                record = _document_record(row)
        except Exception as error:
            self._discard(document_id, stored)
            if isinstance(error, DocumentError) or not _one_files_failure(error):
                raise
            # A bug, or a store that failed on this file: the traceback goes to the log, the file is named.
            log.exception("indexing %s failed; it was left out, the other files are not affected", path)
            raise IndexingFailed(path, f"{type(error).__name__}: {error}") from error
        batch.append(document_id)
        return record, True

    def _add_deep(self, embedded: EmbeddedDocument, passage_ids: list[int]) -> None:
        """Deep vectors a Ray worker made: stored now and saved with the batch, so enrich has less to do."""
        vectors = embedded.vectors.get("deep")
        if vectors is not None and self.deep is not None and passage_ids:
            self.deep.add(np.array(passage_ids, dtype=np.int64), vectors)
            self._deep_unsaved = True

    def _discard(self, document_id: int | None, stored: Path | None) -> None:
        """Take back whatever one file had stored before it failed (under the write lock, unpublished)."""
        try:
            if document_id is None:
                if stored is not None:
                    stored.unlink(missing_ok=True)
                return
            with self.session() as session:
                row = session.get(DocumentRow, document_id)
                if row is None:
                    return
                ids = list(
                    session.scalars(select(PassageRow.id).where(PassageRow.document_id == document_id))
                )
                self.drop_from_indexes(ids, [page.id for page in row.pages])
                self.remove_files(row.stored_path, row.id)
                session.delete(row)
                session.commit()
        except Exception as error:
            # Still pending, so the next writer's repair finishes the job.
            log.warning(
                "could not take back the partly stored document %s (%s); the next write repairs it",
                document_id,
                error,
                exc_info=not isinstance(error, AssistantError),
            )

    def _add_visual(self, document_id: int, extracted: ExtractedDocument) -> None:
        from PIL import Image

        with self.session() as session:
            page_ids = dict(
                session.execute(
                    select(PageRow.number, PageRow.id).where(PageRow.document_id == document_id)
                ).all()
            )
        # One page image in memory at a time: the reader spooled them to disk.
        for page in extracted.pages:
            if page.image_path is None:
                continue
            with Image.open(page.image_path) as image:
                self.visual.add_pages([(page_ids[page.content.number], image.convert("RGB"))])

    def _store_original(self, path: Path, extracted: ExtractedDocument) -> Path:
        self.originals.mkdir(exist_ok=True)
        target = self.originals / f"{extracted.sha256}{SUFFIX_BY_TYPE[extracted.media_type]}"
        if not target.exists():
            temporary = target.with_suffix(".part")
            shutil.copyfile(path, temporary)
            os.replace(temporary, target)
        return target

    def _insert(
        self, extracted: ExtractedDocument, stored: Path
    ) -> tuple[int, list[tuple[int, PassageDraft]]]:
        """One transaction: the document (pending), its pages, passages and tiles."""
        with self.session() as session, session.begin():
            document = DocumentRow(
                sha256=extracted.sha256,
                filename=display_name(extracted.path),
                media_type=extracted.media_type,
                size_bytes=extracted.size_bytes,
                page_count=len(extracted.pages),
                stored_path=self._stored_name(stored),
                status="pending",
                languages=extracted.languages,
            )
            session.add(document)
            session.flush()
            page_rows = [
                {
                    "document_id": document.id,
                    "number": page.content.number,
                    "width": page.content.width,
                    "height": page.content.height,
                    "dpi": page.content.dpi,
                    "text_source": page.content.text_source,
                    "ocr_confidence": page.content.ocr_confidence,
                }
                for page in extracted.pages
            ]
            page_ids = list(
                session.scalars(
                    insert(PageRow).returning(PageRow.id, sort_by_parameter_order=True), page_rows
                )
            )
            passage_rows: list[dict[str, Any]] = []
            drafts: list[PassageDraft] = []
            tile_rows: list[dict[str, Any]] = []
            for page_id, page in zip(page_ids, extracted.pages, strict=True):
                for ordinal, draft in enumerate(page.passages):
                    passage_rows.append(
                        {
                            "page_id": page_id,
                            "document_id": document.id,
                            "ordinal": ordinal,
                            "kind": draft.kind,
                            "lang": draft.lang,
                            "section": draft.section,
                            "text": draft.text,
                            "x0": draft.bbox[0],
                            "y0": draft.bbox[1],
                            "x1": draft.bbox[2],
                            "y1": draft.bbox[3],
                            "spans": [[s.start, s.end, *(round(v, 1) for v in s.bbox)] for s in draft.spans],
                        }
                    )
                    drafts.append(draft)
                for tile in page.tiles:
                    tile_rows.append(
                        {
                            "page_id": page_id,
                            "ordinal": tile.index,
                            "row": tile.row,
                            "col": tile.col,
                            "x0": tile.box[0],
                            "y0": tile.box[1],
                            "x1": tile.box[2],
                            "y1": tile.box[3],
                        }
                    )
            passage_ids: list[int] = []
            if passage_rows:
                passage_ids = list(
                    session.scalars(
                        insert(PassageRow).returning(PassageRow.id, sort_by_parameter_order=True),
                        passage_rows,
                    )
                )
            if tile_rows:
                session.execute(insert(TileRow), tile_rows)
            document_id = document.id
        return document_id, list(zip(passage_ids, drafts, strict=True))

    def _restore_original(self, stored_path: str, path: Path) -> None:
        """Adding a file again brings back its original if it went missing (`check` suggests this)."""
        target = self.original_path(stored_path)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            shutil.copyfile(path, temporary)
            os.replace(temporary, target)
            log.warning("%s: restored the missing original %s from %s", self.root, stored_path, path)

    def _publish(self, batch: list[int]) -> None:
        """Make a batch visible: vectors reach the disk first, then the catalog flips to ready."""
        if not batch:
            return
        saved = self.save_indexes(["dense", "visual", *(["deep"] if self._deep_unsaved else [])])
        self._deep_unsaved = False
        with self.publishing(saved) as session:
            session.execute(update(DocumentRow).where(DocumentRow.id.in_(batch)).values(status="ready"))
        log.info("published %d document(s)", len(batch))
        batch.clear()

    def embed_into_dense(self, records: Iterable[PassageRecord]) -> None:
        items = list(records)
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            vectors = self.embedder.embed_passages([index_text(r) for r in chunk])
            self.dense.add(np.array([r.id for r in chunk], dtype=np.int64), vectors)

    # -- deleting ------------------------------------------------------------------------------

    def delete(self, document_id: int) -> bool:
        """Remove a document everywhere; False if there was no such document.

        The row is hidden first ('deleting'), the index files are saved without it, and only then
        does the row go, in the transaction that tells other processes to reload: a kill at any
        point leaves a hidden row that the next opening finishes deleting.
        """
        with self.writing():
            with self.session() as session, session.begin():
                row = session.get(DocumentRow, document_id)
                if row is None:
                    return False
                row.status = "deleting"
            with self.session() as session:
                ids = list(
                    session.scalars(select(PassageRow.id).where(PassageRow.document_id == document_id))
                )
                page_ids = list(session.scalars(select(PageRow.id).where(PageRow.document_id == document_id)))
            self.drop_from_indexes(ids, page_ids)
            saved = self.save_indexes(["dense", "deep", "visual"])
            with self.publishing(saved) as session:
                self.delete_rows(session, document_id)
        return True

    def delete_rows(self, session: Session, document_id: int) -> None:
        """Remove a document's files, then its rows (inside the caller's transaction)."""
        row = session.get(DocumentRow, document_id)
        if row is None:
            return
        self.remove_files(row.stored_path, row.id)
        pages = select(PageRow.id).where(PageRow.document_id == document_id)
        session.execute(delete(TileRow).where(TileRow.page_id.in_(pages)))
        session.execute(delete(PassageRow).where(PassageRow.document_id == document_id))
        session.execute(delete(PageRow).where(PageRow.document_id == document_id))
        session.delete(row)

    def compact(self) -> dict[str, int]:
        """Give the space of deleted documents back to the file system; returns bytes before/after."""
        with self.writing():
            before = self.disk_usage()
            self.rebuild_indexes()
            self.lexical.optimize()
            self.save_indexes(["dense", "deep"])
            self.store.compact_catalog(self.engine)
            after = self.disk_usage()
        return {"before": before, "after": after}

    def disk_usage(self) -> int:
        """Bytes on disk of the catalog and the indexes (originals and cached page images not counted)."""
        return self.store.disk_usage()

    # -- reading -------------------------------------------------------------------------------

    def documents(self) -> list[DocumentRecord]:
        with self.session() as session:
            rows = session.scalars(
                select(DocumentRow).where(DocumentRow.status == "ready").order_by(DocumentRow.id)
            )
            return [_document_record(row) for row in rows]

    def document(self, document_id: int) -> DocumentRecord | None:
        with self.session() as session:
            row = session.get(DocumentRow, document_id)
            return _document_record(row) if row is not None and row.status == "ready" else None

    def counts(self) -> dict[str, int]:
        with self.session() as session:
            ready = select(DocumentRow.id).where(DocumentRow.status == "ready")
            return {
                "documents": session.scalar(select(func.count()).select_from(ready.subquery())) or 0,
                "pages": session.scalar(select(func.count(PageRow.id)).where(PageRow.document_id.in_(ready)))
                or 0,
                "passages": session.scalar(
                    select(func.count(PassageRow.id)).where(PassageRow.document_id.in_(ready))
                )
                or 0,
            }

    def passages(self, passage_ids: Sequence[int]) -> dict[int, PassageRecord]:
        """Stored passages by id; ids of deleted or unfinished documents are left out."""
        if not passage_ids:
            return {}
        with self.session() as session:
            return self._read_passages(session, passage_ids)

    def _read_passages(self, session: Session, passage_ids: Sequence[int]) -> dict[int, PassageRecord]:
        # Plain SQL with the ids written in (integers, nothing to quote): at ~150 ids a question,
        # SQLAlchemy's rendering of an expanding IN cost more than SQLite's reading.
        connection = session.connection()
        prefix = _compiled(connection, "passages")
        rows: list[Any] = []
        for start in range(0, len(passage_ids), 900):
            listed = ",".join(str(int(i)) for i in passage_ids[start : start + 900])
            rows.extend(connection.exec_driver_sql(f"{prefix} WHERE passages.id IN ({listed})").all())
        # In id order whatever the plan: the same catalog read twice, or by two backends, gives one dict.
        rows.sort(key=lambda row: row[0])
        return _passage_records(rows, self._ready_documents(session, {row[1] for row in rows}))

    def pages_passages(
        self, keys: Sequence[tuple[int, int]], known: Mapping[int, PassageRecord] | None = None
    ) -> dict[tuple[int, int], list[PassageRecord]]:
        """Every passage of a few (document id, page number) pages in reading order.

        Passages already in `known` (the caller read them for this question) are not read again.
        """
        if not keys:
            return {}
        known = known or {}
        # One indexed lookup per page ((document_id, number) is unique): a row-value IN list would
        # make SQLite scan every passage (200 ms at 1M).
        pages = " OR ".join(
            f"(pages.document_id = {int(d)} AND pages.number = {int(n)})" for d, n in dict.fromkeys(keys)
        )
        with self.session() as session:
            placed = (
                session.connection()
                .exec_driver_sql(
                    "SELECT passages.id, pages.document_id, pages.number FROM passages "
                    f"JOIN pages ON passages.page_id = pages.id WHERE {pages} "
                    "ORDER BY pages.document_id, pages.number, passages.ordinal"
                )
                .all()
            )
            missing = [row[0] for row in placed if row[0] not in known]
            records = self._read_passages(session, missing) if missing else {}
        found: dict[tuple[int, int], list[PassageRecord]] = {}
        for passage_id, document_id, number in placed:
            record = known.get(passage_id) or records.get(passage_id)
            if record is not None:
                found.setdefault((document_id, number), []).append(record)
        return found

    def page_passages(self, document_id: int, page_number: int) -> list[PassageRecord]:
        return self.pages_passages([(document_id, page_number)]).get((document_id, page_number), [])

    @staticmethod
    def _ready_documents(session: Session, document_ids: set[int]) -> dict[int, DocumentRecord]:
        """The ready ones among these documents (read apart: joined to passages, the status index
        made SQLite walk every ready document's passages for each id asked for)."""
        if not document_ids:
            return {}
        # Plain SQL, as for the passages: SQLAlchemy's rendering of the IN cost 4x SQLite's read.
        connection = session.connection()
        listed = ",".join(str(int(i)) for i in sorted(document_ids))
        rows = connection.exec_driver_sql(
            f"{_compiled(connection, 'documents')} WHERE documents.id IN ({listed})"
        )
        return {row[0]: _document_record(row) for row in rows if row[-1] == "ready"}

    def page_ids(self, page_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """page id -> (document id, page number) for ready documents."""
        with self.session() as session:
            rows = session.execute(
                select(PageRow.id, PageRow.document_id, PageRow.number)
                .join(DocumentRow, PageRow.document_id == DocumentRow.id)
                .where(PageRow.id.in_(list(page_ids)), DocumentRow.status == "ready")
            ).all()
        return {row[0]: (row[1], row[2]) for row in rows}

    def tiles(self, document_id: int, page_number: int) -> list[tuple[int, int, tuple[int, int, int, int]]]:
        """(row, col, box) of a page's tiles; the global view has row = col = -1."""
        with self.session() as session:
            rows = session.execute(
                select(TileRow.row, TileRow.col, TileRow.x0, TileRow.y0, TileRow.x1, TileRow.y1)
                .join(PageRow, TileRow.page_id == PageRow.id)
                .where(PageRow.document_id == document_id, PageRow.number == page_number)
                .order_by(TileRow.ordinal)
            ).all()
        return [(r[0], r[1], (r[2], r[3], r[4], r[5])) for r in rows]

    def page_image(self, document_id: int, page_number: int) -> Path:
        """A PNG of the page as indexed (citation boxes are in its pixels), rendered once and cached.

        A read-only workspace keeps its renders in a per-user temporary folder instead of `pages/`.
        """
        with self.session() as session:
            row = session.get(DocumentRow, document_id)
            if row is None or row.status != "ready":
                raise WorkspaceError(f"no document with id {document_id} in {self.root}")
            if not 1 <= page_number <= row.page_count:
                raise WorkspaceError(f"{row.filename} has pages 1..{row.page_count}, not {page_number}")
            stored, media_type, filename, sha = row.stored_path, row.media_type, row.filename, row.sha256
            page = session.scalars(
                select(PageRow).where(PageRow.document_id == document_id, PageRow.number == page_number)
            ).one()
            size, dpi = (page.width, page.height), page.dpi
        if self.read_only:
            _private_folder(self.page_cache)
            target = self.page_cache / f"{sha}-{self.settings.dpi:g}" / f"{page_number}.png"
        else:
            target = self.page_cache / str(document_id) / f"{page_number}.png"
        if target.exists():
            return target
        original = self.original_path(stored)
        if not original.is_file():
            raise WorkspaceDamaged(
                f"the original of {filename!r} (#{document_id}) is missing from {self.root} ({stored}): "
                "its text stays searchable but its pages cannot be shown; add the file again to restore it"
            )
        image = self.render_page(original, media_type, page_number, size, dpi)
        with storage_errors(target, self.repair_advice):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            image.save(temporary, format="PNG", compress_level=1)
            os.replace(temporary, target)
        return target

    def render_page(
        self, original: Path, media_type: str, page_number: int, size: tuple[int, int], dpi: float
    ) -> Image.Image:
        """Page `page_number` of a stored original as indexed (`size` px at `dpi`): citation boxes are in
        its pixels. A page too large for `max_page_pixels` was indexed below the workspace's DPI."""
        try:
            return indexed_page_image(original, media_type, page_number, size, dpi, self.settings)
        except ValueError as error:
            raise WorkspaceDamaged(f"{original}: {error}; {self.repair_advice}") from error

    # -- the deep channel, filled after ingest -------------------------------------------------

    def pending_enrichment(self) -> list[int]:
        """Ids of ready passages that the deep index does not hold yet."""
        if self.deep is None:
            return []
        self.refresh()
        with self.session() as session:
            ready = set(
                session.scalars(
                    select(PassageRow.id).join(DocumentRow).where(DocumentRow.status == "ready")
                ).all()
            )
        return sorted(ready - set(self.deep.ids().tolist()))

    def enrich(
        self, progress: Callable[[int, int], None] | None = None, stop: threading.Event | None = None
    ) -> int:
        """Embed passages with the deep embedder until none is left (or `stop` is set); returns how many.

        The slow embedding runs without the write lock; only adding the vectors takes it, so
        uploads and deletes are never held up. Safe to interrupt: the vectors are saved after the
        first chunk and then as often as saving costs at most a tenth of the time (ENRICH_SAVE_RATIO),
        so a kill loses about one chunk, and a restart continues where it stopped. Then the vector
        indexes that outgrew their structure are rebuilt (`rebuild_indexes`).
        """
        deep, embedder = self.deep, self.deep_embedder
        if deep is None or embedder is None:
            self.rebuild_indexes(stop)
            return 0
        pending = self.pending_enrichment()
        done = 0
        saved_at, save_took = time.monotonic(), 0.0
        unsaved = False
        for start in range(0, len(pending), ENRICH_CHUNK):
            if stop is not None and stop.is_set():
                break
            records = list(self.passages(pending[start : start + ENRICH_CHUNK]).values())
            if not records:
                continue
            vectors = embedder.embed_passages([index_text(r) for r in records])
            with self.writing():
                # A document deleted meanwhile must not come back through its vectors.
                alive = self.passages([r.id for r in records])
                keep = [i for i, r in enumerate(records) if r.id in alive]
                if keep:
                    deep.remove([records[i].id for i in keep])
                    deep.add(np.array([records[i].id for i in keep], dtype=np.int64), vectors[keep])
                    unsaved = True
                if unsaved and time.monotonic() - saved_at >= ENRICH_SAVE_RATIO * save_took:
                    save_took = self._save_deep()
                    unsaved, saved_at = False, time.monotonic()
            done += len(records)
            if progress is not None:
                progress(done, len(pending))
        if unsaved:
            with self.writing():
                self._save_deep()
        if stop is None or not stop.is_set():
            self.rebuild_indexes(stop)
        return done

    def _save_deep(self) -> float:
        """Save and publish the deep index; returns how long that took."""
        started = time.monotonic()
        saved = self.save_indexes(["deep"])
        with self.publishing(saved):
            pass
        return time.monotonic() - started

    def start_enrichment(self) -> None:
        """Fill the deep index, then rebuild the vector indexes that are due, in a background thread
        (one at a time; a no-op when there is nothing to do)."""
        if self._enrichment is not None and self._enrichment.is_alive():
            return
        if self.deep is None and not self.rebuild_due():
            return
        self._stop_enrichment.clear()

        def run() -> None:
            try:
                count = self.enrich(stop=self._stop_enrichment)
                if count:
                    log.info("deep index: embedded %d passage(s)", count)
            except Exception:
                log.exception("background enrichment of %s failed; `enrich` can resume it", self.root)

        self._enrichment = threading.Thread(target=run, name="assistant-enrich", daemon=True)
        self._enrichment.start()

    def wait_for_enrichment(self, timeout: float | None = None) -> bool:
        """Block until the background enrichment ends; True if it did."""
        if self._enrichment is None:
            return True
        self._enrichment.join(timeout)
        return not self._enrichment.is_alive()

    def close(self) -> None:
        self._stop_enrichment.set()
        if self._enrichment is not None:
            self._enrichment.join(timeout=30)
        self.lexical.close()
        self.store.close()
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _one_files_failure(error: BaseException) -> bool:
    """Whether an unexpected error while storing one file is that file's alone.

    Not so for the workspace's own typed errors (a damaged index, an unreachable catalog) and for a
    full or read-only disk: every later file would fail the same way, so the whole `add` stops with
    that error and the files before it are kept.
    """
    pending: list[BaseException | None] = [error]
    seen: set[int] = set()
    while pending:
        cause = pending.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, AssistantError) and not isinstance(cause, DocumentError):
            return False
        if isinstance(cause, OSError) and cause.errno in STORAGE_ERRNOS:
            return False
        if "database or disk is full" in str(cause) or "No space left on device" in str(cause):
            return False
        pending.extend([getattr(cause, "orig", None), cause.__cause__])  # SQLAlchemy wraps in .orig
    return True


class _WriteHold:
    """The write lock across the files of one `add`: taken to store a file, given back after publishing."""

    def __init__(self, workspace: Workspace, batch: list[int]) -> None:
        self.workspace = workspace
        self.batch = batch
        self._stack: ExitStack | None = None

    @property
    def held(self) -> bool:
        return self._stack is not None

    def take(self) -> None:
        if self._stack is None:
            stack = ExitStack()
            stack.enter_context(self.workspace.writing())
            self._stack = stack
            self.workspace.store.mark_unfinished()

    def release(self) -> None:
        """Publish the batch (the documents become visible), then let other writers in."""
        if self._stack is None:
            return
        try:
            self.workspace._publish(self.batch)
            self.workspace.store.clear_unfinished()
        finally:
            self._stack.close()
            self._stack = None

    def abandon(self, error: BaseException) -> None:
        """On the way out of an interrupted `add`: publish whole documents if possible, keep the marker.

        The error goes through the lock's context as if raised inside it, so that what `writing`
        makes of storage failures (a typed error) applies here too.
        """
        if self._stack is None:
            return
        stack, self._stack = self._stack, None
        try:
            self.workspace._publish(self.batch)
        except Exception as failure:
            log.warning(
                "could not publish the files indexed before %s (%s); the next write repairs it",
                error,
                failure,
            )
        stack.__exit__(type(error), error, error.__traceback__)


_DOCUMENT_COLUMNS = (
    DocumentRow.id,
    DocumentRow.filename,
    DocumentRow.sha256,
    DocumentRow.media_type,
    DocumentRow.page_count,
    DocumentRow.size_bytes,
    DocumentRow.languages,
    DocumentRow.added_at,
    DocumentRow.status,
)

# Plain column rows, not ORM objects: searches read ~150 passages a question.
_PASSAGE_COLUMNS = select(
    PassageRow.id,
    PassageRow.document_id,
    PassageRow.kind,
    PassageRow.lang,
    PassageRow.section,
    PassageRow.text,
    PassageRow.x0,
    PassageRow.y0,
    PassageRow.x1,
    PassageRow.y1,
    PassageRow.spans,
    PageRow.number,
    PageRow.width,
    PageRow.height,
).join(PageRow, PassageRow.page_id == PageRow.id)


def _document_record(row: Any) -> DocumentRecord:
    """A document row, as an ORM object or a row of `_DOCUMENT_COLUMNS`."""
    return DocumentRecord(
        id=row.id,
        filename=row.filename,
        sha256=row.sha256,
        media_type=row.media_type,
        page_count=row.page_count,
        size_bytes=row.size_bytes,
        languages=row.languages,
        added_at=_timestamp(row.added_at),
    )


def _timestamp(value: datetime | str | None) -> str:
    """ISO 8601, from a datetime or from the text SQLite hands back to plain SQL ("2026-11-30 01:43:00")."""
    if not value:
        return ""
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).isoformat()


_COMPILED: dict[tuple[str, str], str] = {}


def _compiled(connection: Connection, rows: str) -> str:
    """The select of `_PASSAGE_COLUMNS` ("passages") or `_DOCUMENT_COLUMNS` ("documents") as the
    connection's dialect writes it, compiled once."""
    key = (rows, connection.dialect.name)
    if key not in _COMPILED:
        statement = _PASSAGE_COLUMNS if rows == "passages" else select(*_DOCUMENT_COLUMNS)
        _COMPILED[key] = str(statement.compile(dialect=connection.dialect))
    return _COMPILED[key]


def _passage_records(
    rows: Iterable[Any], documents: Mapping[int, DocumentRecord]
) -> dict[int, PassageRecord]:
    """Rows of `_PASSAGE_COLUMNS` as records; those of documents not in `documents` are left out."""
    result: dict[int, PassageRecord] = {}
    for pid, doc_id, kind, lang, section, text, x0, y0, x1, y1, spans, number, width, height in rows:
        document = documents.get(doc_id)
        if document is None:
            continue
        result[pid] = PassageRecord(
            id=pid,
            document=document,
            page=number,
            page_width=width,
            page_height=height,
            kind=kind,
            lang=lang,
            section=section,
            text=text,
            bbox=(x0, y0, x1, y1),
            # Read as plain SQL, SQLite hands JSON back as text and psycopg2 as lists.
            spans=[
                LineSpan(int(s[0]), int(s[1]), (s[2], s[3], s[4], s[5]))
                for s in (json.loads(spans) if isinstance(spans, str | bytes) else spans)
            ],
        )
    return result


def _backend(overrides: Mapping[str, Any]) -> str:
    """The index backend named by an argument or the environment (before any file is read)."""
    return str(overrides.get("index_backend") or os.environ.get(f"{ENV_PREFIX}INDEX_BACKEND") or "local")


def _chosen(overrides: Mapping[str, Any]) -> set[str]:
    """Settings set on purpose for this process: by an argument or an ASSISTANT_* variable."""
    given = {name for name, value in overrides.items() if value is not None}
    return given | {f.name for f in fields(IndexSettings) if os.environ.get(ENV_PREFIX + f.name.upper())}


def _setting_problem(name: str, value: Any, default: Any) -> str | None:
    """What is wrong with one setting's value, judged by the type of its default (None: nothing)."""
    minimum = SETTING_MINIMUM.get(name, 0)
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
        return None if value >= minimum else f"must be at least {minimum}"
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return "must be a number"
        return None if value >= minimum else f"must be at least {minimum:g}"
    if isinstance(default, str):
        return None if isinstance(value, str) else "must be a string"
    if isinstance(default, dict):
        return None if isinstance(value, dict) else "must be a JSON object"
    return None


def _settings(config_path: Path, stored: dict[str, Any], overrides: dict[str, Any]) -> IndexSettings:
    """Merged and checked settings: a bad value in config.json is `WorkspaceDamaged` naming the file,
    one from the environment or an argument is `WorkspaceError` naming the setting."""
    defaults = IndexSettings()
    known = {f.name for f in fields(IndexSettings)}
    for name, value in stored.items():
        problem = _setting_problem(name, value, getattr(defaults, name)) if name in known else None
        if problem:
            raise WorkspaceDamaged(
                f"{config_path}: setting {name!r} {problem}, not {value!r}; fix it there "
                f"(or remove the line to use the default, {getattr(defaults, name)!r})"
            )
    settings: IndexSettings = merge_settings(IndexSettings, stored, overrides)
    for name in known:
        value = getattr(settings, name)
        problem = _setting_problem(name, value, getattr(defaults, name))
        if problem:
            raise WorkspaceError(
                f"setting {name!r} {problem}, not {value!r} (from the environment or an argument)"
            )
    if isinstance(settings.dpi, int):
        settings.dpi = float(settings.dpi)
    if settings.visual:
        from omnifusion.retrieval import VisualConfig
        from omnifusion.runtime import OmniFusionError

        try:
            VisualConfig.from_dict(settings.visual)
        except (OmniFusionError, TypeError, ValueError) as error:
            origin = str(config_path) if "visual" in stored and "visual" not in overrides else "the settings"
            raise WorkspaceDamaged(
                f"{origin}: the 'visual' setting is not usable ({error}); fix it"
            ) from error
    return settings


def _creation_undo(root: Path) -> Callable[[], None]:
    """A function that removes what opening a new workspace at `root` creates, for a failed opening."""
    if root.exists():
        before = set(root.iterdir())

        def undo() -> None:
            for entry in set(root.iterdir()) - before:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

        return undo
    top = root  # the outermost folder that `mkdir(parents=True)` will create
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return lambda: shutil.rmtree(top, ignore_errors=True)


def _reader_page_cache() -> Path:
    """Where page renders of workspaces this user may only read go: a private folder in /tmp."""
    return Path(tempfile.gettempdir()) / f"omnifusion-assistant-{os.getuid()}" / "pages"


def _private_folder(folder: Path) -> None:
    """Create `folder` (in a 0700 parent of this user's own); refuse one another user could have planted."""
    base = folder.parent
    base.mkdir(mode=0o700, exist_ok=True)
    info = base.lstat()
    if base.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise WorkspaceError(
            f"{base} belongs to another user or is open to others; remove it (it is only a cache)"
        )
    folder.mkdir(exist_ok=True)
