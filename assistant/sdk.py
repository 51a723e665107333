"""`Assistant`: the one facade over workspace, retrieval and answering that every front door uses."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.answering import Answer, AnswerSettings, ExtractiveGenerator
from assistant.concurrency import one_native_thread_per_request
from assistant.limits import checked_k, checked_question
from assistant.payloads import UnknownDocumentError, resolve_documents
from assistant.retrieval import FusionWeights, PageHit, Retriever
from indexer.errors import IngestFailed, InvalidRequest
from indexer.records import DocumentRecord
from indexer.workspace import AddReport, ProgressCallback, Workspace

log = logging.getLogger(__name__)

DocumentFilter = Collection[int | str] | int | str | None
"""Documents a question may be answered from: ids, filenames, or a mix (None: every document)."""
LARGEST_ID = 2**63 - 1
"""Catalog ids are signed 64-bit; a larger number names no document (and must not reach the database)."""


class Assistant:
    """Ask questions about the manuals and screenshots in one workspace directory.

    >>> a = Assistant("./ws")                    # created if missing
    >>> a.add(["manual.pdf", "screen.png"])       # idempotent by content hash
    >>> a.ask("How often do I change the dust bag?").text
    """

    def __init__(
        self,
        workspace: str | Path,
        *,
        answer_settings: AnswerSettings | None = None,
        weights: FusionWeights | None = None,
        background_enrichment: bool = True,
        create: bool = True,
        **settings: Any,
    ) -> None:
        """`create=False` refuses a path that holds no workspace (`NoWorkspace`) instead of making one."""
        # Questions are small products: native thread pools only fight each other (and the channels
        # this class runs side by side) on the few cores of a laptop. See assistant.concurrency.
        one_native_thread_per_request()
        self.workspace = Workspace(workspace, create=create, **settings)
        self.background_enrichment = background_enrichment
        self.retriever = Retriever(self.workspace, weights)
        self._generator: ExtractiveGenerator | None = None
        self._answer_settings = answer_settings

    @property
    def generator(self) -> ExtractiveGenerator:
        if self._generator is None:
            self._generator = ExtractiveGenerator(
                self.workspace.embedder,
                self._answer_settings,
                self.workspace.page_passages,
                self.workspace.lexical.idf,
            )
        return self._generator

    def add(
        self, paths: Sequence[str | Path] | str | Path, progress: ProgressCallback | None = None
    ) -> list[DocumentRecord]:
        """Index the files; raises `IngestFailed` naming each bad file after indexing all good ones."""
        report = self.add_report(paths, progress)
        if report.failures:
            raise IngestFailed(report.failures, report.documents)
        return report.documents

    def add_report(
        self, paths: Sequence[str | Path] | str | Path, progress: ProgressCallback | None = None
    ) -> AddReport:
        """Like `add`, but returns failures in the report instead of raising."""
        if isinstance(paths, str | Path):
            paths = [paths]
        report = self.workspace.add(list(paths), progress)
        if self.background_enrichment and report.added:
            # Searchable now through the fast channels; the deep channel catches up meanwhile.
            self.workspace.start_enrichment()
        return report

    def enrich(
        self, progress: Callable[[int, int], None] | None = None, stop: threading.Event | None = None
    ) -> int:
        """Fill the deep (cross-lingual) index now; returns how many passages were embedded.

        Setting `stop` ends it after the current small batch with everything done so far saved;
        a later `enrich` continues from there.
        """
        return self.workspace.enrich(progress, stop)

    def pending_enrichment(self) -> int:
        """How many passages the deep index does not hold yet (0 when the deep channel is off)."""
        return len(self.workspace.pending_enrichment())

    def wait_for_enrichment(self, timeout: float | None = None) -> bool:
        """Wait for the background enrichment started by `add`; True when it has finished."""
        return self.workspace.wait_for_enrichment(timeout)

    def search(self, question: str, k: int = 5, documents: DocumentFilter = None) -> list[PageHit]:
        """The `k` best pages for the question, optionally only from `documents` (ids or filenames).

        Raises `InvalidRequest` (naming `question`, `k` or `documents`) for an empty or overlong
        question or a `k` outside 1..`MAX_K`, and `UnknownDocumentError` naming each document
        of the filter that the workspace does not hold.
        """
        text = checked_question(question)
        depth = checked_k(k)
        return self.retriever.search(text, depth, self._document_ids(documents))

    def ask(self, question: str, k: int = 5, documents: DocumentFilter = None) -> Answer:
        """The answer with its citations, or `found=False`; raises like `search` on bad arguments."""
        text = checked_question(question)
        return self.generator.answer(text, self.search(text, k, documents))

    def delete(self, document_id: int) -> DocumentRecord:
        """Remove the document everywhere and return its record.

        Raises `UnknownDocumentError` (an `UnknownDocument`) naming the id when the workspace
        does not hold it, like REST's 404: a typo must not look like a successful delete.
        """
        record = self.document(document_id)
        # Another process may have deleted it since the lookup; that is still "not here".
        if not self.workspace.delete(record.id):
            raise UnknownDocumentError([document_id])
        return record

    def document(self, document_id: int) -> DocumentRecord:
        """The record of one document; `UnknownDocumentError` naming the id if there is none."""
        if isinstance(document_id, bool) or not isinstance(document_id, int):
            raise InvalidRequest("document_id", f"must be a whole number, not {document_id!r}")
        record = self.workspace.document(document_id) if 1 <= document_id <= LARGEST_ID else None
        if record is None:
            raise UnknownDocumentError([document_id])
        return record

    def documents(self) -> list[DocumentRecord]:
        return self.workspace.documents()

    def compact(self) -> dict[str, int]:
        return self.workspace.compact()

    def page_image(self, document_id: int, page: int) -> Path:
        """A PNG of the page as indexed (citation boxes are in its pixels).

        `UnknownDocumentError` for a document the workspace does not hold; `WorkspaceError`
        for a page outside the document.
        """
        return self.workspace.page_image(self.document(document_id).id, page)

    def _document_ids(self, documents: DocumentFilter) -> set[int] | None:
        if documents is None:
            return None
        if isinstance(documents, int | str):
            documents = [documents]
        if not documents:
            raise InvalidRequest("documents", "is empty; pass None to search every document")
        return resolve_documents(documents, self.documents())

    def close(self) -> None:
        self.workspace.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
