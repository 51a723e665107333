"""Streamlit upload-and-ask page: add manuals and screenshots, ask in English or Russian, see cited boxes.

Every string that comes from a user or a document (file names, questions, answers, quotes, error
messages that quote file names) is shown as text, never as Markdown: a PDF or a file name must not be
able to put a link or an image that the viewer's browser fetches into the page.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import streamlit as st

from assistant import Answer, Assistant, AssistantError
from assistant.answering import AnswerDelta
from assistant.concurrency import one_native_thread_per_request
from assistant.conversation import Turn as ConversationTurn
from assistant.generators import GeneratorError
from assistant.highlight import draw_boxes
from assistant.limits import MAX_QUESTION_CHARS, checked_question
from indexer.errors import InvalidRequest
from indexer.records import DocumentRecord
from ui.history import CitedBox, History, HistoryStore, TabHistory, Turn, open_history
from ui.page_style import notice_html, page_css, plain_html, reflowed
from ui.strings import LANGUAGE_NAMES, STRINGS, Strings, explain, failure_line

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 260
HISTORY_THUMBNAIL_WIDTH = 160
# Streamlit's "magic" would show a bare string on the page: these notes are comments, not docstrings.
SHOWN_TURNS = 20  # questions shown in the thread; older ones stay stored (up to the history's limit)
MAX_FILENAME_BYTES = 200
FALLBACK = "extractive (fallback"  # how Answer.generator begins when the model failed and the reader answered
Message = tuple[str, Callable[[Strings], str]]  # (notice kind, the words in a given language)


@st.cache_resource(show_spinner=False)
def open_assistant(workspace: str) -> Assistant:
    """One Assistant per workspace for every browser session (its readers are thread-safe)."""
    one_native_thread_per_request()  # sessions are threads: concurrent questions, one native thread each
    assistant = Assistant(workspace)
    assistant.search("warm up", 1)  # load the embedder and indexes before the first question
    return assistant


@st.cache_resource(show_spinner=False)
def workspace_history(root: str) -> tuple[History | None, str]:
    return open_history(Path(root))


@st.cache_data(show_spinner=False, max_entries=512)
def marked_page(path: str, boxes: tuple[tuple[float, float, float, float], ...], width: int | None) -> bytes:
    return draw_boxes(Path(path), boxes, width)


def notice(kind: str, message: str) -> None:
    st.html(notice_html(kind, message))


def plain(message: str, kind: str = "plain") -> None:
    st.html(plain_html(message, kind))


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def upload_name(name: str, number: int) -> str:
    """The browser's file name made safe to write: no folders, NUL, '..' or names too long to store."""
    name = name.encode("utf-8", "replace").decode("utf-8").replace("\x00", "").replace("\\", "/")
    name = Path(name).name
    if name in ("", ".", ".."):
        return f"upload-{number + 1}"
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) < 16:  # keep the extension: it tells people what the file is
            return _fit(stem, MAX_FILENAME_BYTES - len(suffix.encode("utf-8")) - 1) + "." + suffix
        return _fit(name, MAX_FILENAME_BYTES)
    return name


def index_files(assistant: Assistant, files: list[object], text: Strings) -> None:
    """Index the uploaded files with a progress bar; the outcome is kept for the next rerun to show."""
    bar = st.progress(0.0, text=text.indexing.format(number=1, total=len(files)))
    current = st.empty()
    with tempfile.TemporaryDirectory(prefix="ui-upload-") as scratch:
        paths = []
        for number, upload in enumerate(files):
            # One folder per file keeps the user's filename, which the document list and citations show.
            target = Path(scratch) / str(number) / upload_name(upload.name, number)  # type: ignore[attr-defined]
            target.parent.mkdir()
            target.write_bytes(upload.getvalue())  # type: ignore[attr-defined]
            paths.append(target)

        def progress(event: str, path: Path, index: int, total: int) -> None:
            done = index + (0 if event == "start" else 1)
            bar.progress(done / total, text=text.indexing.format(number=index + 1, total=total))
            current.html(plain_html(path.name, "muted"))

        report = assistant.add_report(paths, progress=progress)
    bar.empty()
    current.empty()
    messages: list[Message] = []
    if report.added:
        added = ", ".join(d.filename for d in report.added)
        count = len(report.added)
        messages.append(("success", lambda t: t.indexed.format(count=count, names=added)))
    if report.unchanged:
        unchanged = ", ".join(d.filename for d in report.unchanged)
        messages.append(("info", lambda t: t.unchanged.format(names=unchanged)))
    for failure in report.failures:
        messages.append(("error", partial(failure_line, failure)))
    st.session_state.upload_messages = messages


def show_messages(text: Strings) -> None:
    for kind, message in st.session_state.get("upload_messages", []):
        notice(kind, message(text))


# -- callbacks: they run before the next script run, so the page is drawn once, already changed ----------


def ask_to_delete(document_id: int) -> None:
    st.session_state.confirm_delete = document_id
    st.session_state.upload_messages = []


def delete_document(assistant: Assistant, document: DocumentRecord) -> None:
    st.session_state.confirm_delete = None
    try:
        assistant.delete(document.id)
    except AssistantError as error:
        log.warning("UI: deleting %s: %s", document.filename, error)
        failure = error
        st.session_state.upload_messages = [("error", lambda t: explain(failure, t))]
        return
    st.session_state.upload_messages = [("info", lambda t: t.deleted.format(name=document.filename))]


def set_state(name: str, value: object) -> None:
    st.session_state[name] = value


def clear_history(history: History) -> None:
    st.session_state.confirm_clear = False
    try:
        history.clear()
    except (sqlite3.Error, OSError) as error:
        log.warning("UI history cannot be cleared (%s)", error)
        reason = str(error)
        st.session_state.history_messages = [("error", lambda t: f"{t.error}: {reason}")]
        return
    st.session_state.history_messages = [("info", lambda t: t.cleared)]


# -- sidebar -------------------------------------------------------------------------------------------


def document_list(assistant: Assistant, documents: list[DocumentRecord], text: Strings) -> None:
    if not documents:
        plain(text.no_documents, "muted")
        return
    pending = st.session_state.get("confirm_delete")
    for document in documents:
        name_column, button_column = st.columns([3, 2], vertical_alignment="center")
        with name_column:
            plain(f"{document.filename} · {text.pages.format(count=document.page_count)}", "name")
        if pending != document.id:
            button_column.button(
                text.delete, key=f"delete-{document.id}", on_click=ask_to_delete, args=(document.id,)
            )
            continue
        notice("warning", text.delete_confirm.format(name=document.filename))
        yes, no = st.columns(2)
        yes.button(
            text.delete_yes,
            key=f"confirm-delete-{document.id}",
            type="primary",
            on_click=delete_document,
            args=(assistant, document),
        )
        no.button(
            text.cancel, key=f"cancel-delete-{document.id}", on_click=set_state, args=("confirm_delete", None)
        )


def history_controls(history: History, count: int, unwritable: str, text: Strings) -> None:
    plain(text.history_count.format(count=count) if count else text.history_empty, "muted")
    if unwritable:
        notice("info", text.history_session_only.format(reason=unwritable))
    for kind, message in st.session_state.pop("history_messages", []):
        notice(kind, message(text))
    if not count:
        return
    if not st.session_state.get("confirm_clear"):
        st.button(text.clear_history, key="clear-history", on_click=set_state, args=("confirm_clear", True))
        return
    notice("warning", text.clear_confirm.format(count=count))
    yes, no = st.columns(2)
    yes.button(text.clear_yes, key="confirm-clear", type="primary", on_click=clear_history, args=(history,))
    no.button(text.cancel, key="cancel-clear", on_click=set_state, args=("confirm_clear", False))


def page_history(assistant: Assistant) -> tuple[History, str, list[Turn], int]:
    """The history to use, why it is this tab's own (or ''), its last turns and how many it holds.

    The workspace's store when it can be used; this tab's own list when the workspace cannot be
    written, or when the store fails later (the file removed, the disk gone read-only).
    """
    store, reason = workspace_history(str(assistant.workspace.root))
    reason = st.session_state.get("history_unwritable", reason)
    if store is not None and not reason:
        try:
            return store, "", store.recent(SHOWN_TURNS), store.count()
        except sqlite3.Error as error:
            log.warning("UI history cannot be read (%s); keeping it in this tab", error)
            reason = st.session_state.history_unwritable = str(error)
    tab = TabHistory(st.session_state.setdefault("tab_turns", []))
    return tab, reason, tab.recent(SHOWN_TURNS), tab.count()


def sidebar(assistant: Assistant, text: Strings) -> list[DocumentRecord]:
    with st.sidebar:
        st.header(text.upload_header)
        with st.form("upload", clear_on_submit=True):
            files = st.file_uploader(
                text.upload_label, accept_multiple_files=True, help=text.upload_help, key="files"
            )
            submitted = st.form_submit_button(text.index_button, key="index")
        if submitted and files:
            index_files(assistant, list(files), text)
        show_messages(text)

        st.header(text.documents_header)
        documents = assistant.documents()
        document_list(assistant, documents, text)
    return documents


# -- questions and answers -----------------------------------------------------------------------------


def document_filter(documents: list[DocumentRecord], text: Strings) -> list[DocumentRecord]:
    """The documents the next question is limited to (none chosen: all of them)."""
    if not documents:
        return []
    by_id = {document.id: document for document in documents}
    # A document deleted since (here or in another tab) leaves the choice rather than break the widget.
    # Written only when it changes: writing a widget's state makes the browser redraw it (and close it).
    chosen_before = st.session_state.get("filter", [])
    if any(i not in by_id for i in chosen_before):
        st.session_state["filter"] = [i for i in chosen_before if i in by_id]
    names = Counter(document.filename for document in documents)

    def label(document_id: int) -> str:
        name = by_id[document_id].filename
        return name if names[name] == 1 else f"{name} (#{document_id})"

    chosen = st.multiselect(
        text.filter_label,
        list(by_id),
        format_func=label,
        placeholder=text.filter_placeholder,
        help=text.filter_help,
        key="filter",
    )
    return [by_id[i] for i in chosen]


def show_citation(
    assistant: Assistant, cited: CitedBox, documents: dict[int, DocumentRecord], text: Strings, latest: bool
) -> None:
    current = documents.get(cited.document_id)
    if current is None or (cited.sha256 and current.sha256 != cited.sha256):
        plain(text.document_gone.format(name=cited.filename, page=cited.page), "muted")
        return
    try:
        page = str(assistant.page_image(cited.document_id, cited.page))
    except AssistantError as error:
        notice("error", explain(error, text))
        return
    label = f"{cited.filename}, {text.page.format(page=cited.page)}"
    width = THUMBNAIL_WIDTH if latest else HISTORY_THUMBNAIL_WIDTH
    image_column, quote_column = st.columns([2, 3])
    with image_column:
        st.image(marked_page(page, (cited.bbox,), width))
        if latest:
            with st.popover(text.enlarge):
                plain(label, "name")
                st.image(marked_page(page, (cited.bbox,), None))
    with quote_column:
        plain(label, "name")
        plain(reflowed(cited.quote), "quote")


def show_answer(
    assistant: Assistant, turn: Turn, documents: dict[int, DocumentRecord], chrome: Strings, latest: bool
) -> None:
    # The answer speaks the question's language, whatever the page's language switch says.
    text = STRINGS.get(turn.language, chrome)
    # One message either way: the answer, or the answerer's own "not found" in the question's language.
    notice("success" if turn.found else "warning", reflowed(turn.text) or text.not_found)
    fallback = turn.generator.startswith(FALLBACK)
    if fallback:
        plain(text.fallback, "muted")
    if fallback or turn.generator in ("", "extractive"):
        plain(text.seconds.format(seconds=turn.seconds), "muted")
    else:  # say which model wrote it: its words are its own, the boxes are the documents'
        plain(text.seconds_by.format(seconds=turn.seconds, generator=turn.generator), "muted")
    show_sources(assistant, turn, documents, text, latest)


def show_sources(
    assistant: Assistant, turn: Turn, documents: dict[int, DocumentRecord], text: Strings, latest: bool
) -> None:
    if not turn.citations:
        return
    if latest:
        st.subheader(text.sources)
        for cited in turn.citations:
            show_citation(assistant, cited, documents, text, latest)
        return
    with st.expander(text.sources_count.format(count=len(turn.citations))):
        for cited in turn.citations:
            show_citation(assistant, cited, documents, text, latest)


def show_question(turn_question: str, limited_to: tuple[str, ...], text: Strings) -> None:
    with st.chat_message("user"):
        plain(turn_question, "question")
        if limited_to:
            plain(text.asked_in.format(names=", ".join(limited_to)), "muted")


def show_turn(
    assistant: Assistant, turn: Turn, documents: dict[int, DocumentRecord], chrome: Strings, latest: bool
) -> None:
    show_question(turn.question, turn.documents, STRINGS.get(turn.language, chrome))
    with st.chat_message("assistant"):
        show_answer(assistant, turn, documents, chrome, latest)


def question_problem(question: str, text: Strings) -> str:
    """What is wrong with the question, in the page's language; empty when it can be asked.

    The input box already stops at MAX_QUESTION_CHARS (Streamlit cuts longer values server-side too).
    """
    if not question.strip():
        return text.empty_question
    try:
        checked_question(question)
    except InvalidRequest as error:
        return text.question_invalid.format(reason=str(error))
    return ""


def conversation(turns: list[Turn], documents: dict[int, DocumentRecord]) -> list[ConversationTurn]:
    """The thread so far as the conversation a new question follows: a follow-up ("and how do I turn
    it off?") is answered from it. Cited documents deleted since (or replaced under the same id) drop out."""
    return [
        ConversationTurn(
            turn.question,
            turn.text,
            tuple(
                dict.fromkeys(
                    cited.document_id
                    for cited in turn.citations
                    if cited.document_id in documents
                    and (not cited.sha256 or documents[cited.document_id].sha256 == cited.sha256)
                )
            ),
            turn.found,
        )
        for turn in turns
    ]


def streamed_answer(items: Iterator[AnswerDelta | Answer], first: AnswerDelta | Answer | None) -> Answer:
    """Show the answer's text as it is written (as text, never Markdown), and return the final answer."""
    shown = st.empty()
    written = ""
    item: AnswerDelta | Answer | None = first
    try:
        while isinstance(item, AnswerDelta):
            written += item.text
            shown.html(notice_html("info", reflowed(written)))
            item = next(items, None)
    finally:
        # The final answer takes its place (it may differ: a reply citing nothing is "not found"),
        # and a failure half-way leaves no half answer standing above its error.
        shown.empty()
    if item is None:  # a backend that broke the streaming contract
        raise GeneratorError("the answer ended without its citations; ask again")
    return item


def ask(
    assistant: Assistant,
    history: History,
    question: str,
    chosen: list[DocumentRecord],
    documents: dict[int, DocumentRecord],
    text: Strings,
    before: list[Turn],
) -> bool:
    """Ask in the thread's conversation, stream the answer, show its sources and keep it; False when
    the question could not be asked."""
    problem = question_problem(question, text)
    if problem:
        notice("info", problem)
        return False
    question = question.strip()
    names = tuple(document.filename for document in chosen)
    show_question(question, names, text)
    with st.chat_message("assistant"):
        started = time.perf_counter()
        with st.spinner(text.thinking):  # until the first words: retrieval, and the model's start
            items = assistant.ask_stream(
                question,
                documents={d.id for d in chosen} or None,
                history=conversation(before, documents),
            )
            first = next(items, None)
        answer = streamed_answer(items, first)
        seconds = time.perf_counter() - started
        turn = Turn.from_answer(question, answer, seconds, names)
        try:
            history.add(turn)
        except (sqlite3.Error, OSError) as error:
            # The workspace stopped taking writes (disk full, remounted read-only): this tab keeps going.
            log.warning("UI history cannot be written (%s); keeping it in this tab", error)
            st.session_state.history_unwritable = str(error)
            TabHistory(st.session_state.setdefault("tab_turns", [])).add(turn)
        show_answer(assistant, turn, documents, text, latest=True)
    return True


def thread(
    assistant: Assistant,
    turns: list[Turn],
    total: int,
    documents: dict[int, DocumentRecord],
    text: Strings,
    asking: bool,
) -> None:
    hidden = total - len(turns)
    if hidden > 0:
        plain(text.history_hidden.format(count=hidden), "muted")
    for number, turn in enumerate(turns, start=1):
        show_turn(assistant, turn, documents, text, latest=number == len(turns) and not asking)


def main() -> None:
    st.set_page_config(page_title="Document assistant", page_icon="📄", layout="wide")
    language = st.sidebar.radio(
        "Language / Язык",
        list(LANGUAGE_NAMES),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key="language",
    )
    text = STRINGS[language]
    st.html(page_css(text, int(st.get_option("server.maxUploadSize"))))
    workspace = os.environ.get("ASSISTANT_WORKSPACE", "")
    if not workspace:
        notice("error", text.no_workspace)
        st.stop()
    try:
        assistant = open_assistant(workspace)
    except AssistantError as error:
        log.warning("UI: %s", error)
        notice("error", explain(error, text))
        st.stop()

    st.title(text.title)
    st.caption(text.caption)
    question = st.chat_input(text.question_placeholder, max_chars=MAX_QUESTION_CHARS, key="question")
    try:
        history, unwritable, turns, total = page_history(assistant)
        documents = sidebar(assistant, text)
        by_id = {document.id: document for document in documents}
        with st.sidebar:  # beside the thread, not above it: a long thread would scroll it away
            chosen = document_filter(documents, text)
        thread(assistant, turns, total, by_id, text, asking=question is not None)
        if question is not None and ask(assistant, history, question, chosen, by_id, text, turns):
            if isinstance(history, HistoryStore) and st.session_state.get("history_unwritable"):
                history, unwritable, _, total = page_history(assistant)  # it went to this tab instead
            else:
                total += 1
        with st.sidebar:  # drawn last, so that it counts the question just asked
            st.header(text.history_header)
            history_controls(history, total, unwritable, text)
    except AssistantError as error:  # the one place the page turns a typed error into a message
        log.warning("UI: %s", error)
        notice("error", explain(error, text))


main()
