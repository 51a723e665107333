"""`Assistant`: the one facade over workspace, retrieval and answering that every front door uses."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.answering import Answer, AnswerDelta, AnswerSettings
from assistant.concurrency import one_native_thread_per_request
from assistant.conversation import Turn
from assistant.generators import (
    Generator,
    GeneratorConfigError,
    GeneratorError,
    GeneratorSettings,
    make_generator,
    stream_in_conversation,
)
from assistant.limits import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, checked_k, checked_question
from assistant.payloads import UnknownDocumentError, resolve_documents
from assistant.retrieval import FusionWeights, PageHit, Retriever
from indexer.errors import IngestFailed, InvalidRequest
from indexer.records import DocumentRecord
from indexer.settings import answering_setting, read_config_file
from indexer.workspace import CONFIG_FILE, AddReport, ProgressCallback, Workspace

log = logging.getLogger(__name__)

DocumentFilter = Collection[int | str] | int | str | None
"""Documents a question may be answered from: ids, filenames, or a mix (None: every document)."""
History = Sequence[Turn | Answer]
"""The earlier turns of a conversation, oldest first: `Turn`s, or the `Answer`s `ask` returned."""
LARGEST_ID = 2**63 - 1
"""Catalog ids are signed 64-bit; a larger number names no document (and must not reach the database)."""


class Assistant:
    """Ask questions about the manuals and screenshots in one workspace directory.

    >>> a = Assistant("./ws")                    # created if missing
    >>> a.add(["manual.pdf", "screen.png"])       # idempotent by content hash
    >>> a.ask("How often do I change the dust bag?").text

    Keyword settings are the index's (`dpi`, `embedder`, ...) and the answer generator's
    (`generator="openai"`, `generator_url=...`, see `GeneratorSettings`); each is also an
    `ASSISTANT_*` variable and a key of the workspace's config.json (argument > environment >
    config.json > default). A new workspace records the generator settings it was created with in
    its config.json, all but `generator_api_key`: secrets stay in the environment.
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
        """`create=False` refuses a path that holds no workspace (`NoWorkspace`) instead of making one.

        Unusable generator settings raise `GeneratorConfigError` naming the variable, before anything
        is created.
        """
        # Questions are small products: native thread pools only fight each other (and the channels
        # this class runs side by side) on the few cores of a laptop. See assistant.concurrency.
        one_native_thread_per_request()
        names = set(GeneratorSettings.names())
        chosen = {name: settings.pop(name) for name in list(settings) if name in names}
        self.generator_settings = _generator_settings(Path(workspace).expanduser(), chosen)
        self.workspace = Workspace(
            workspace, create=create, answer_config=_recorded(self.generator_settings), **settings
        )
        self.background_enrichment = background_enrichment
        self.retriever = Retriever(self.workspace, weights)
        self._generator: Generator | None = None
        self._generator_lock = threading.Lock()
        self._answer_settings = answer_settings

    @property
    def generator(self) -> Generator:
        """The configured answer generator, built on first use (a model backend loads or connects then)."""
        with self._generator_lock:
            if self._generator is None:
                workspace = self.workspace
                self._generator = make_generator(
                    self.generator_settings,
                    embedder=workspace.embedder,
                    page_passages=workspace.page_passages,
                    term_weights=workspace.lexical.idf,
                    page_image=workspace.page_image,
                    answer_settings=self._answer_settings,
                )
                log.info("answering with the %s generator", self._generator.name)
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
        self,
        paths: Sequence[str | Path] | str | Path,
        progress: ProgressCallback | None = None,
        ray: str | None = None,
        ray_workers: int | None = None,
    ) -> AddReport:
        """Like `add`, but returns failures in the report instead of raising.

        `ray` ('auto', an address, or 'local' for a one-machine Ray of `ray_workers` CPUs) reads and
        embeds the files on that Ray cluster; this process still stores them (`indexer.distributed`).
        """
        if isinstance(paths, str | Path):
            paths = [paths]
        if ray:
            from indexer.distributed import RayReading, ray_connection

            with ray_connection(ray, ray_workers):
                report = self.workspace.add(list(paths), progress, reader=RayReading)
        else:
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

    def ask(
        self, question: str, k: int = 5, documents: DocumentFilter = None, history: History = ()
    ) -> Answer:
        """The answer with its citations, or `found=False`; raises like `search` on bad arguments.

        `history` is the conversation so far (earlier `Answer`s or `Turn`s, oldest first): a follow-up
        such as "and how do I turn it off?" is resolved against it. `Answer.generator` names the
        backend that answered. A model that fails raises a `GeneratorError` when no fallback is set.
        """
        final: Answer | None = None
        for item in self.ask_stream(question, k, documents, history):
            if isinstance(item, Answer):
                final = item
        if final is None:  # a backend that broke the streaming contract
            raise GeneratorError(f"the {self.generator.name} generator ended without an answer")
        return final

    def ask_stream(
        self, question: str, k: int = 5, documents: DocumentFilter = None, history: History = ()
    ) -> Iterator[AnswerDelta | Answer]:
        """`AnswerDelta`s as the answer is written, then the final `Answer` (authoritative: it may say
        "not found" after deltas were shown, when the model's reply cites nothing valid).

        The arguments are checked, and the generator built, when this is called; retrieval and the
        model run as the iterator is consumed. Closing the iterator early stops the model's reply.
        """
        text = checked_question(question)
        depth = checked_k(k)
        scope = self._document_ids(documents)
        turns = _checked_history(history)
        generator = self.generator
        return stream_in_conversation(generator, self.retriever.search, text, turns, depth, scope)

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
        with self._generator_lock:
            generator, self._generator = self._generator, None
        if generator is not None:
            generator.close()
        self.workspace.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _generator_settings(root: Path, chosen: Mapping[str, Any]) -> GeneratorSettings:
    """Arguments > environment > the workspace's config.json > defaults; the file's generator keys
    are checked here, since the index settings leave them to the assistant."""
    config = root / CONFIG_FILE
    stored = read_config_file(config)
    known = set(GeneratorSettings.names())
    unknown = sorted(name for name in stored if answering_setting(name) and name not in known)
    if unknown:
        raise GeneratorConfigError(
            f"{config} has unknown generator setting(s) {unknown}; known: {sorted(known)}"
        )
    try:
        return GeneratorSettings.load(stored, **chosen)
    except GeneratorConfigError as error:
        if not any(answering_setting(name) for name in stored):
            raise
        raise GeneratorConfigError(f"{error} (also read from {config})") from error


def _recorded(settings: GeneratorSettings) -> dict[str, Any]:
    """What a new workspace's config.json keeps of the generator settings: those that differ from the
    defaults (so later defaults still reach it), never the API key."""
    defaults = GeneratorSettings()
    return {
        field.name: getattr(settings, field.name)
        for field in dataclasses.fields(settings)
        if field.name != "generator_api_key"
        and getattr(settings, field.name) != getattr(defaults, field.name)
    }


def _checked_history(history: History) -> list[Turn]:
    """The last `MAX_HISTORY_TURNS` turns as `Turn`s; `InvalidRequest` names the first bad one."""
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise InvalidRequest("history", "must be a list of earlier turns (Turn or Answer), oldest first")
    turns: list[Turn] = []
    start = max(0, len(history) - MAX_HISTORY_TURNS)
    for index in range(start, len(history)):
        item = history[index]
        where = f"history[{index}]"
        if isinstance(item, Answer):
            item = Turn.from_answer(item)
        if not isinstance(item, Turn):
            raise InvalidRequest(where, f"must be a Turn or an Answer, not {type(item).__name__}")
        for name in ("question", "answer"):
            value = getattr(item, name)
            if not isinstance(value, str):
                raise InvalidRequest(f"{where}.{name}", f"must be text, not {type(value).__name__}")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise InvalidRequest(
                    f"{where}.{name}",
                    f"holds an invalid character at position {error.start} (a lone surrogate)",
                ) from error
        if len(item.question) > MAX_QUESTION_CHARS:
            raise InvalidRequest(
                f"{where}.question",
                f"is {len(item.question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}",
            )
        for document in item.documents:
            if isinstance(document, bool) or not isinstance(document, int) or not 1 <= document <= LARGEST_ID:
                raise InvalidRequest(f"{where}.documents", f"must hold document ids, not {document!r}")
        turns.append(item)
    return turns
