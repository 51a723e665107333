"""One workspace directory: originals, catalog, FAISS and lexical indexes, kept consistent together."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from indexer.catalog import DocumentRow, PageRow, PassageRow, TileRow, open_catalog
from indexer.dense import DenseIndex
from indexer.embedders import TextEmbedder, load_embedder
from indexer.errors import (
    AssistantError,
    DocumentError,
    IndexingFailed,
    WorkspaceError,
)
from indexer.lexical import LexicalIndex
from indexer.pipeline import SUFFIX_BY_TYPE, ExtractedDocument, display_name, indexed_page_image
from indexer.reader import DocumentReader, Outcome, Unchanged
from indexer.records import DocumentRecord, LineSpan, PassageDraft, PassageRecord
from indexer.settings import IndexSettings, merge_settings, read_config_file

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
# These are fixed when a workspace is created: changing them would mix incompatible vectors.
FROZEN_SETTINGS = ("embedder", "deep_embedder")
ENRICH_CHUNK = 64
ENRICH_SAVE_EVERY_S = 20.0
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


def filename_words(filename: str) -> str:
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
"""(event, path, index, total): event is 'start', 'done' or 'failed'."""


class Workspace:
    """Files in, searchable passages out. Many readers, one writer (an OS file lock)."""

    def __init__(self, root: str | Path, **overrides: Any) -> None:
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(f"{self.root} exists and is not a directory; choose another workspace path")
        self.root.mkdir(parents=True, exist_ok=True)
        stored = read_config_file(self.root / CONFIG_FILE)
        for name in FROZEN_SETTINGS:
            if name in stored and overrides.get(name) not in (None, stored[name]):
                raise WorkspaceError(
                    f"workspace {self.root} was built with {name}={stored[name]!r}; "
                    f"use a new workspace for {name}={overrides[name]!r}"
                )
        self.settings: IndexSettings = merge_settings(IndexSettings, stored, overrides)
        if not stored:
            self._write_config()
        self.originals = self.root / "originals"
        self.page_cache = self.root / "pages"
        url = self.settings.database_url or f"sqlite:///{self.root / 'catalog.sqlite'}"
        self.engine, self._sessions = open_catalog(url)
        self.lexical = LexicalIndex(self.root / "lexical.sqlite")
        self._embedder: TextEmbedder | None = None
        self._dense: DenseIndex | None = None
        self._deep: DenseIndex | None = None
        self._enrichment: threading.Thread | None = None
        self._stop_enrichment = threading.Event()
        self._visual: Any = None
        self._thread_lock = threading.RLock()
        self._write_depth = 0
        if (self.root / "ingest.inprogress").exists():
            with self.writing():
                pass

    # -- configuration -------------------------------------------------------------------------

    def _write_config(self) -> None:
        data = asdict(self.settings)
        data.pop("database_url", None)  # secrets and hosts stay in the environment
        temporary = self.root / (CONFIG_FILE + ".tmp")
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.root / CONFIG_FILE)

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    @property
    def dense(self) -> DenseIndex:
        if self._dense is None:
            self._dense = DenseIndex(self.root / "dense.faiss", self.embedder.dim)
        return self._dense

    @property
    def deep_enabled(self) -> bool:
        return self.settings.deep_embedder.lower() not in ("", "off", "none")

    @property
    def deep_embedder(self) -> TextEmbedder | None:
        return load_embedder(self.settings.deep_embedder) if self.deep_enabled else None

    @property
    def deep(self) -> DenseIndex | None:
        """The second dense index (deep embedder), filled after ingest; None when turned off."""
        if not self.deep_enabled:
            return None
        if self._deep is None:
            embedder = self.deep_embedder
            assert embedder is not None
            self._deep = DenseIndex(self.root / "deep.faiss", embedder.dim)
        return self._deep

    @property
    def visual(self) -> Any:
        """The OmniFusion visual page index, or None when the workspace has none configured."""
        if not self.settings.visual:
            return None
        if self._visual is None:
            from omnifusion.retrieval import VisualConfig, VisualPageIndex

            config = VisualConfig.from_dict(self.settings.visual)
            self._visual = VisualPageIndex.open(self.root / "visual", config)
        return self._visual

    def session(self) -> Session:
        return self._sessions()

    # -- the single writer ---------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the workspace's write lock; the first holder after a crash repairs the indexes.

        Re-entrant within a thread (only the outermost holder takes the OS lock); other threads
        and other processes wait.
        """
        with self._thread_lock:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            handle = (self.root / "write.lock").open("a+")
            try:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    log.info("waiting for another process writing to %s", self.root)
                    fcntl.flock(handle, fcntl.LOCK_EX)
                self._write_depth = 1
                self._repair()
                yield
            finally:
                self._write_depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

    def _repair(self) -> None:
        """Undo half-finished work of a killed writer: nothing pending survives, indexes match the catalog."""
        marker = self.root / "ingest.inprogress"
        with self.session() as session:
            broken = session.scalars(select(DocumentRow).where(DocumentRow.status != "ready")).all()
            if not broken and not marker.exists():
                return
            log.warning(
                "repairing %s after an interrupted write (%d unfinished document(s))", self.root, len(broken)
            )
            for row in broken:
                ids = session.scalars(select(PassageRow.id).where(PassageRow.document_id == row.id)).all()
                self._drop_from_indexes(list(ids), [p.id for p in row.pages])
                self._remove_files(row)
                session.delete(row)
            session.commit()
            ready = set(
                session.scalars(
                    select(PassageRow.id).join(DocumentRow).where(DocumentRow.status == "ready")
                ).all()
            )
        in_dense = set(self.dense.ids().tolist())
        stale = sorted(in_dense - ready)
        if stale:
            self.dense.remove(stale)
        missing = sorted(ready - in_dense)
        if missing:
            self._embed_into_dense(self._passages_by_id(missing, only_ready=True).values())
        self.dense.save()
        if self.deep is not None:
            stale = sorted(set(self.deep.ids().tolist()) - ready)
            if stale:
                self.deep.remove(stale)
                self.deep.save()
        in_lexical = self.lexical.ids()
        if in_lexical - ready:
            self.lexical.remove(sorted(in_lexical - ready))
        if ready - in_lexical:
            records = self._passages_by_id(sorted(ready - in_lexical), only_ready=True).values()
            self.lexical.add((r.id, index_text(r, r.document.filename)) for r in records)
        if self.visual is not None:
            # The pages dropped above leave the visual index on disk too, not only in this process.
            with self.session() as session:
                pages = set(
                    session.scalars(select(PageRow.id).join(DocumentRow).where(DocumentRow.status == "ready"))
                )
            self.visual.remove_pages(sorted(self.visual.page_ids() - pages))
            self.visual.save()
        marker.unlink(missing_ok=True)

    def _drop_from_indexes(self, passage_ids: list[int], page_ids: list[int]) -> None:
        self.dense.remove(passage_ids)
        self.lexical.remove(passage_ids)
        if self.deep is not None:
            self.deep.remove(passage_ids)
        if self.visual is not None and page_ids:
            self.visual.remove_pages(page_ids)

    def _remove_files(self, row: DocumentRow) -> None:
        Path(row.stored_path).unlink(missing_ok=True)
        shutil.rmtree(self.page_cache / str(row.id), ignore_errors=True)

    # -- adding --------------------------------------------------------------------------------

    def add(self, paths: Sequence[str | Path], progress: ProgressCallback | None = None) -> AddReport:
        """Index every good file; bad ones are reported in `AddReport.failures`, never half-stored.

        Files are read (pages, text layer, OCR) in a confined child process, one file ahead and
        without the write lock; the lock is taken only to store, index and publish, and given back
        whenever the next file is not ready within a moment, so a slow file never holds up other
        writers. Whatever goes wrong with one file is that file's failure, never the others'.
        """
        report = AddReport()
        files = [Path(p).expanduser() for p in paths]
        batch: list[int] = []
        hold = _WriteHold(self, batch)
        with DocumentReader(
            files,
            self.settings,
            known=lambda sha: self._ready_record(sha) is not None,
            spool=self.visual is not None,
        ) as reader:
            outcomes = iter(reader)
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
                        len(batch) >= self.settings.commit_every or not reader.ready(PUBLISH_GRACE_S)
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
            known = self._ready_record(outcome.sha256)
            if known is None:
                raise IndexingFailed(path, "another writer deleted its document while it was being added")
            return known, False
        try:
            # The slow part stays outside the write lock too.
            vectors = self.embedder.embed_passages(
                [index_text(draft) for page in outcome.pages for draft in page.passages]
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
                return _document_record(existing), False
        document_id: int | None = None
        stored: Path | None = None
        try:
            stored = self._store_original(path, outcome)
            document_id, passages = self._insert(outcome, stored)
            self.lexical.add((pid, index_text(draft, display_name(path))) for pid, draft in passages)
            self.dense.add(np.array([pid for pid, _ in passages], dtype=np.int64), vectors)
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
                self._drop_from_indexes(ids, [page.id for page in row.pages])
                self._remove_files(row)
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
                stored_path=str(stored),
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

    def _publish(self, batch: list[int]) -> None:
        """Make a batch visible: vectors reach the disk first, then the catalog flips to ready."""
        if not batch:
            return
        self.dense.save()
        if self.visual is not None:
            self.visual.save()
        with self.session() as session, session.begin():
            session.execute(update(DocumentRow).where(DocumentRow.id.in_(batch)).values(status="ready"))
        log.info("published %d document(s)", len(batch))
        batch.clear()

    def _embed_into_dense(self, records: Iterable[PassageRecord]) -> None:
        items = list(records)
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            vectors = self.embedder.embed_passages([index_text(r) for r in chunk])
            self.dense.add(np.array([r.id for r in chunk], dtype=np.int64), vectors)

    # -- deleting ------------------------------------------------------------------------------

    def delete(self, document_id: int) -> bool:
        """Remove a document everywhere; False if there was no such document."""
        with self.writing():
            with self.session() as session, session.begin():
                row = session.get(DocumentRow, document_id)
                if row is None:
                    return False
                # Hidden from readers at once; a crash from here on is finished by _repair.
                row.status = "deleting"
            with self.session() as session:
                ids = list(
                    session.scalars(select(PassageRow.id).where(PassageRow.document_id == document_id))
                )
                page_ids = list(session.scalars(select(PageRow.id).where(PageRow.document_id == document_id)))
            self._drop_from_indexes(ids, page_ids)
            self.dense.save()
            if self.deep is not None:
                self.deep.save()
            if self.visual is not None:
                self.visual.save()
            with self.session() as session, session.begin():
                row = session.get(DocumentRow, document_id)
                if row is not None:
                    self._remove_files(row)
                    session.execute(delete(TileRow).where(TileRow.page_id.in_(page_ids)))
                    session.execute(delete(PassageRow).where(PassageRow.document_id == document_id))
                    session.execute(delete(PageRow).where(PageRow.document_id == document_id))
                    session.delete(row)
        return True

    def compact(self) -> dict[str, int]:
        """Give the space of deleted documents back to the file system; returns bytes before/after."""
        with self.writing():
            before = self.disk_usage()
            self.lexical.optimize()
            self.dense.save()
            if self.engine.dialect.name == "sqlite":
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    connection.exec_driver_sql("VACUUM")
            after = self.disk_usage()
        return {"before": before, "after": after}

    def disk_usage(self) -> int:
        """Bytes of catalog and indexes (originals and cached page images not counted)."""
        total = 0
        for path in self.root.iterdir():
            if path.is_file() and path.name.split(".")[0] in ("catalog", "lexical", "dense"):
                total += path.stat().st_size
        visual = self.root / "visual"
        if visual.is_dir():
            total += sum(p.stat().st_size for p in visual.rglob("*") if p.is_file())
        return total

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
        return self._passages_by_id(passage_ids, only_ready=True)

    def _passages_by_id(self, passage_ids: Sequence[int], only_ready: bool) -> dict[int, PassageRecord]:
        if not passage_ids:
            return {}
        result: dict[int, PassageRecord] = {}
        # Plain column rows, not ORM objects: this runs on every question for ~150 passages.
        columns = (
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
        )
        rows: list[Any] = []
        with self.session() as session:
            for start in range(0, len(passage_ids), 900):
                chunk = [int(i) for i in passage_ids[start : start + 900]]
                query = (
                    select(*columns)
                    .join(PageRow, PassageRow.page_id == PageRow.id)
                    .where(PassageRow.id.in_(chunk))
                )
                if only_ready:
                    query = query.join(DocumentRow, PassageRow.document_id == DocumentRow.id).where(
                        DocumentRow.status == "ready"
                    )
                rows.extend(session.execute(query).all())
            wanted = {row[1] for row in rows}
            documents = {
                row.id: _document_record(row)
                for row in session.scalars(select(DocumentRow).where(DocumentRow.id.in_(wanted)))
            }
        for pid, doc_id, kind, lang, section, text, x0, y0, x1, y1, spans, number, width, height in rows:
            result[pid] = PassageRecord(
                id=pid,
                document=documents[doc_id],
                page=number,
                page_width=width,
                page_height=height,
                kind=kind,
                lang=lang,
                section=section,
                text=text,
                bbox=(x0, y0, x1, y1),
                spans=[LineSpan(int(s[0]), int(s[1]), (s[2], s[3], s[4], s[5])) for s in spans],
            )
        return result

    def page_passages(self, document_id: int, page_number: int) -> list[PassageRecord]:
        with self.session() as session:
            ids = session.scalars(
                select(PassageRow.id)
                .join(PageRow, PassageRow.page_id == PageRow.id)
                .where(PageRow.document_id == document_id, PageRow.number == page_number)
                .order_by(PassageRow.ordinal)
            ).all()
        found = self.passages(list(ids))
        return [found[i] for i in ids if i in found]

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
        """A PNG of the page as indexed (citation boxes are in its pixels), rendered once and cached."""
        with self.session() as session:
            row = session.get(DocumentRow, document_id)
            if row is None or row.status != "ready":
                raise WorkspaceError(f"no document with id {document_id} in {self.root}")
            if not 1 <= page_number <= row.page_count:
                raise WorkspaceError(f"{row.filename} has pages 1..{row.page_count}, not {page_number}")
            stored, media_type = Path(row.stored_path), row.media_type
            page = session.scalars(
                select(PageRow).where(PageRow.document_id == document_id, PageRow.number == page_number)
            ).one()
            size, dpi = (page.width, page.height), page.dpi
        target = self.page_cache / str(document_id) / f"{page_number}.png"
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        # At the size and DPI the page was indexed at (a large page may have a lower DPI than the
        # workspace's): citation boxes are in these pixels.
        image = indexed_page_image(stored, media_type, page_number, size, dpi, self.settings)
        temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        image.save(temporary, format="PNG", compress_level=1)
        os.replace(temporary, target)
        return target

    def refresh(self) -> None:
        """Pick up what another process wrote since this one loaded the indexes."""
        if self._dense is not None:
            self._dense.refresh()
        if self._deep is not None:
            self._deep.refresh()

    # -- the deep channel, filled after ingest -------------------------------------------------

    def pending_enrichment(self) -> list[int]:
        """Ids of ready passages that the deep index does not hold yet."""
        if self.deep is None:
            return []
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
        uploads and deletes are never held up. Safe to interrupt: vectors are saved atomically
        every few seconds, and a restart continues where it stopped.
        """
        deep, embedder = self.deep, self.deep_embedder
        if deep is None or embedder is None:
            return 0
        pending = self.pending_enrichment()
        done = 0
        last_save = time.monotonic()
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
                if unsaved and time.monotonic() - last_save > ENRICH_SAVE_EVERY_S:
                    deep.save()
                    unsaved, last_save = False, time.monotonic()
            done += len(records)
            if progress is not None:
                progress(done, len(pending))
        if unsaved:
            with self.writing():
                deep.save()
        return done

    def start_enrichment(self) -> None:
        """Fill the deep index in a background thread (one at a time; a no-op when it is off)."""
        if self.deep is None or (self._enrichment is not None and self._enrichment.is_alive()):
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
        self.engine.dispose()


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
        self.marker = workspace.root / "ingest.inprogress"
        self._stack: ExitStack | None = None

    @property
    def held(self) -> bool:
        return self._stack is not None

    def take(self) -> None:
        if self._stack is None:
            stack = ExitStack()
            stack.enter_context(self.workspace.writing())
            self._stack = stack
            self.marker.touch()
            # Other writers may have published while the lock was free (everything of ours was
            # published before we let go, so what is on disk is newer): start from their indexes.
            self.workspace.refresh()

    def release(self) -> None:
        """Publish the batch (the documents become visible), then let other writers in."""
        if self._stack is None:
            return
        try:
            self.workspace._publish(self.batch)
            self.marker.unlink(missing_ok=True)
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


def _document_record(row: DocumentRow) -> DocumentRecord:
    return DocumentRecord(
        id=row.id,
        filename=row.filename,
        sha256=row.sha256,
        media_type=row.media_type,
        page_count=row.page_count,
        size_bytes=row.size_bytes,
        languages=row.languages,
        added_at=row.added_at.isoformat() if row.added_at else "",
    )
