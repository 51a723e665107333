"""`Assistant`: the one facade over workspace, retrieval and answering that every front door uses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.answering import Answer, AnswerSettings, ExtractiveGenerator
from assistant.concurrency import one_native_thread_per_request
from assistant.retrieval import FusionWeights, PageHit, Retriever
from indexer.errors import IngestFailed
from indexer.records import DocumentRecord
from indexer.workspace import AddReport, ProgressCallback, Workspace

log = logging.getLogger(__name__)


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

    def enrich(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Fill the deep (cross-lingual) index now; returns how many passages were embedded."""
        return self.workspace.enrich(progress)

    def wait_for_enrichment(self, timeout: float | None = None) -> bool:
        """Wait for the background enrichment started by `add`; True when it has finished."""
        return self.workspace.wait_for_enrichment(timeout)

    def search(self, question: str, k: int = 5, documents: Collection[int] | None = None) -> list[PageHit]:
        return self.retriever.search(question, k, documents)

    def ask(self, question: str, k: int = 5, documents: Collection[int] | None = None) -> Answer:
        hits = self.search(question, k, documents)
        return self.generator.answer(question, hits)

    def delete(self, document_id: int) -> bool:
        return self.workspace.delete(document_id)

    def documents(self) -> list[DocumentRecord]:
        return self.workspace.documents()

    def compact(self) -> dict[str, int]:
        return self.workspace.compact()

    def page_image(self, document_id: int, page: int) -> Path:
        return self.workspace.page_image(document_id, page)

    def close(self) -> None:
        self.workspace.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
