"""Streamlit upload-and-ask page: add manuals and screenshots, ask in English or Russian, see cited boxes."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from assistant import Answer, Assistant, AssistantError, Citation
from assistant.concurrency import one_native_thread_per_request
from assistant.highlight import draw_boxes
from ui.strings import LANGUAGE_NAMES, STRINGS, Strings

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 260
HISTORY_THUMBNAIL_WIDTH = 160


@dataclass(frozen=True)
class Turn:
    """One question the user asked, what came back and how long it took."""

    question: str
    answer: Answer
    seconds: float


@st.cache_resource(show_spinner=False)
def open_assistant(workspace: str) -> Assistant:
    """One Assistant per workspace for every browser session (its readers are thread-safe)."""
    one_native_thread_per_request()  # sessions are threads: concurrent questions, one native thread each
    assistant = Assistant(workspace)
    assistant.search("warm up", 1)  # load the embedder and indexes before the first question
    return assistant


@st.cache_data(show_spinner=False, max_entries=512)
def marked_page(path: str, boxes: tuple[tuple[float, float, float, float], ...], width: int | None) -> bytes:
    return draw_boxes(Path(path), boxes, width)


def index_files(assistant: Assistant, files: list[object], text: Strings) -> None:
    """Index the uploaded files with a progress bar; the outcome is kept for the next rerun to show."""
    bar = st.progress(0.0, text=text.indexing.format(name="…", number=0, total=len(files)))
    with tempfile.TemporaryDirectory(prefix="ui-upload-") as scratch:
        paths = []
        for number, upload in enumerate(files):
            # One folder per file keeps the user's filename, which the document list and citations show.
            target = Path(scratch) / str(number) / Path(upload.name).name  # type: ignore[attr-defined]
            target.parent.mkdir()
            target.write_bytes(upload.getvalue())  # type: ignore[attr-defined]
            paths.append(target)

        def progress(event: str, path: Path, index: int, total: int) -> None:
            done = index + (0 if event == "start" else 1)
            bar.progress(
                done / total, text=text.indexing.format(name=path.name, number=index + 1, total=total)
            )

        report = assistant.add_report(paths, progress=progress)
    bar.empty()
    messages: list[tuple[str, str]] = []
    if report.added:
        names = ", ".join(d.filename for d in report.added)
        messages.append(("success", text.indexed.format(count=len(report.added), names=names)))
    if report.unchanged:
        messages.append(
            ("info", text.unchanged.format(names=", ".join(d.filename for d in report.unchanged)))
        )
    for failure in report.failures:
        messages.append(("error", text.failed.format(name=Path(failure.path).name, reason=failure.reason)))
    st.session_state.upload_messages = messages


def show_messages(key: str) -> None:
    for kind, message in st.session_state.get(key, []):
        getattr(st, kind)(message)


def sidebar(assistant: Assistant, text: Strings) -> None:
    with st.sidebar:
        st.header(text.upload_header)
        with st.form("upload", clear_on_submit=True):
            files = st.file_uploader(
                text.upload_label, accept_multiple_files=True, help=text.upload_help, key="files"
            )
            submitted = st.form_submit_button(text.index_button, key="index")
        if submitted and files:
            index_files(assistant, list(files), text)
        show_messages("upload_messages")

        st.header(text.documents_header)
        documents = assistant.documents()
        if not documents:
            st.caption(text.no_documents)
        for document in documents:
            name_column, button_column = st.columns([4, 2], vertical_alignment="center")
            name_column.markdown(f"**{document.filename}** · {text.pages.format(count=document.page_count)}")
            if button_column.button(text.delete, key=f"delete-{document.id}"):
                assistant.delete(document.id)
                st.session_state.upload_messages = [("info", text.deleted.format(name=document.filename))]
                st.rerun()


def show_citation(assistant: Assistant, citation: Citation, text: Strings, width: int, enlarge: bool) -> None:
    try:
        page = str(assistant.page_image(citation.document.id, citation.page))
    except AssistantError as error:  # the document was deleted since this answer was given
        st.caption(str(error))
        return
    label = f"{citation.document.filename}, {text.page.format(page=citation.page)}"
    image_column, quote_column = st.columns([2, 3])
    with image_column:
        st.image(marked_page(page, (citation.bbox,), width), caption=label)
        if enlarge:
            with st.popover(text.enlarge):
                st.image(marked_page(page, (citation.bbox,), None), caption=label)
    with quote_column:
        st.markdown(f"**{label}**")
        st.markdown("> " + citation.quote.replace("\n", "\n> "))


def show_answer(assistant: Assistant, turn: Turn, chrome: Strings, latest: bool) -> None:
    # The answer speaks the question's language, whatever the page's language switch says.
    text = STRINGS.get(turn.answer.language, chrome)
    if turn.answer.found:
        st.success(turn.answer.text)
    else:
        st.warning(f"**{text.not_found}.** {turn.answer.text}")
    st.caption(text.seconds.format(seconds=turn.seconds))
    if turn.answer.citations:
        if latest:
            st.subheader(text.sources)
        width = THUMBNAIL_WIDTH if latest else HISTORY_THUMBNAIL_WIDTH
        for citation in turn.answer.citations:
            show_citation(assistant, citation, text, width, enlarge=latest)


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
    workspace = os.environ.get("ASSISTANT_WORKSPACE", "")
    if not workspace:
        st.error(text.no_workspace)
        st.stop()
    try:
        assistant = open_assistant(workspace)
    except AssistantError as error:
        st.error(str(error))
        st.stop()

    st.title(text.title)
    st.caption(text.caption)
    history: list[Turn] = st.session_state.setdefault("history", [])
    try:
        sidebar(assistant, text)
        with st.form("ask"):
            question = st.text_input(
                text.question_label, placeholder=text.question_placeholder, key="question"
            )
            asked = st.form_submit_button(text.ask_button, type="primary", key="ask")
        if asked:
            if question.strip():
                started = time.perf_counter()
                answer = assistant.ask(question.strip())
                history.insert(0, Turn(question.strip(), answer, time.perf_counter() - started))
            else:
                st.info(text.empty_question)
        if history:
            st.header(text.answer_header)
            st.markdown(f"*{history[0].question}*")
            show_answer(assistant, history[0], text, latest=True)
        if len(history) > 1:
            st.header(text.history_header)
            for turn in history[1:]:
                with st.expander(turn.question):
                    show_answer(assistant, turn, text, latest=False)
    except AssistantError as error:  # the one place the page turns a typed error into a message
        log.warning("UI: %s", error)
        st.error(str(error))


main()
