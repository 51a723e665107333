"""The Streamlit page through AppTest: upload, delete, ask in EN/RU, filter, history, text shown as text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant import Assistant
from assistant.limits import MAX_QUESTION_CHARS
from indexer.errors import AssistantError, PageTooLarge, ReadOnlyWorkspace, UnknownDocument
from ui.history import HISTORY_FILE, HistoryStore
from ui.strings import STRINGS, explain

from .conftest import (
    EN_ANSWER_WORDS,
    EN_QUESTION,
    ROOT,
    RU_ANSWER_WORDS,
    RU_QUESTION,
    UNANSWERABLE,
    FrontFiles,
    write_manual,
)

APP = str(ROOT / "ui" / "app.py")
EN, RU = STRINGS["en"], STRINGS["ru"]
HOSTILE_QUESTION = "How do I reset the router password?"
"""Answered by the hostile manual's line that holds a Markdown image and a Markdown link."""


def hostile_manual(folder: Path, port: int) -> Path:
    """A real PDF whose text holds Markdown and HTML that load from 127.0.0.1:`port`, under a Markdown name.

    The name's URL has no slashes ("http:127.0.0.1:PORT"), as a file name cannot hold one; browsers
    read it as http://127.0.0.1:PORT/ all the same.
    """
    url = f"http://127.0.0.1:{port}"
    pages = [
        (
            "Router setup",
            f"To reset the router password open ![p]({url}/pixel.png) the "
            f"[Support portal]({url}/portal) and press Reset. "
            f"Write to <img src={url}/tag.png> **support** if it fails.",
        ),
        ("Lights", "The green light means the router is online; amber means no connection."),
    ]
    name = f"![logo](http:127.0.0.1:{port}) [Support portal](http:127.0.0.1:{port}).pdf"
    return write_manual(folder / name, "Router R-1", pages)


def _app(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> AppTest:
    monkeypatch.setenv("ASSISTANT_WORKSPACE", str(workspace))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception
    return app


def _coffee_workspace(tmp_path: Path, front_files: FrontFiles) -> Path:
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([front_files.coffee])
    return tmp_path / "ws"


def _ask(app: AppTest, question: str) -> None:
    app.chat_input(key="question").set_value(question).run()
    assert not app.exception


def _click(app: AppTest, key: str) -> None:
    app.button(key=key).click().run()
    assert not app.exception


def _html_text(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def shown(app: AppTest) -> list[str]:
    """Every piece of text the page shows, whatever element shows it (style blocks left out)."""
    texts = []
    for node in app._tree:
        kind = getattr(node, "type", "")
        if kind == "html":
            body = node.proto.body
            if not body.lstrip().startswith("<style"):
                texts.append(_html_text(body))
        elif kind in ("text", "markdown", "caption", "title", "header", "subheader", "alert"):
            texts.append(node.value if kind != "alert" else node.proto.body)
        elif kind in (
            "button",
            "multiselect",
            "file_uploader",
            "radio",
            "chat_input",
            "expandable",
            "popover",
        ):
            proto = node.proto
            texts.extend(
                str(getattr(proto, name)) for name in ("label", "placeholder", "help") if hasattr(proto, name)
            )
            if kind == "expandable":
                texts.append(proto.expandable.label)
            if kind == "popover":
                texts.append(proto.popover.label)
    return [t for t in texts if t]


def styled(app: AppTest, css_class: str) -> list[str]:
    """The text of the page's own HTML elements of one style (doc-quote, doc-question...)."""
    pattern = re.compile(rf'class="[^"]*\b{css_class}\b')
    return [_html_text(node.proto.body) for node in app.get("html") if pattern.search(node.proto.body)]


def notices(app: AppTest, kind: str) -> list[str]:
    """The text of the page's coloured notices of one kind (success, info, warning, error)."""
    return styled(app, f"doc-{kind}")


def answers(app: AppTest) -> list[str]:
    """The answer each assistant message gives (its first notice), oldest first."""
    found = []
    for message in app.chat_message:
        bodies = [n.proto.body for n in message if getattr(n, "type", "") == "html"]
        found += [_html_text(b) for b in bodies if "doc-notice" in b][: message.name == "assistant"]
    return found


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, indexed_workspace: Path) -> Iterator[AppTest]:
    # The workspace is shared by the front-door tests: each UI test starts with no questions asked.
    HistoryStore(indexed_workspace / HISTORY_FILE).clear()
    yield _app(monkeypatch, indexed_workspace)


def test_english_answer_with_cited_thumbnail_and_quote(app: AppTest) -> None:
    _ask(app, EN_QUESTION)
    assert EN_ANSWER_WORDS in answers(app)[0]
    texts = shown(app)
    assert "coffee-machine.pdf, page 2" in texts
    assert any(EN_ANSWER_WORDS in quote for quote in styled(app, "doc-quote"))
    # A thumbnail with the box, and the enlarged page inside the "Enlarge" popover.
    assert len(app.get("image")) >= 2
    popovers = app.get("popover")
    assert popovers and popovers[0].children
    assert app.subheader[0].value == "Sources"
    assert [m.name for m in app.chat_message] == ["user", "assistant"]


@pytest.mark.parametrize(
    ("language", "question", "words"),
    [("en", UNANSWERABLE, "Not found"), ("ru", "Какая температура кипения азота на Марсе?", "Не найдено")],
)
def test_not_found_is_said_once_in_the_questions_language(
    app: AppTest, language: str, question: str, words: str
) -> None:
    _ask(app, question)
    assert not notices(app, "success")
    page = "\n".join(shown(app))
    assert page.count(words) == 1, page
    assert len(notices(app, "warning")) == 1 and words in notices(app, "warning")[0]
    assert "not found" not in page.lower().replace(words.lower(), "", 1)
    assert not app.get("image")


def test_russian_switch_translates_the_whole_page(app: AppTest) -> None:
    _ask(app, EN_QUESTION)
    app.sidebar.radio(key="language").set_value("ru").run()
    assert app.title[0].value == "Помощник по документам"
    assert app.chat_input(key="question").proto.placeholder == RU.question_placeholder
    uploader = app.sidebar.get("file_uploader")[0]
    assert uploader.proto.label == RU.upload_label and uploader.proto.help == RU.upload_help
    assert app.button(key="index").label == RU.index_button
    assert app.multiselect(key="filter").label == RU.filter_label
    assert app.multiselect(key="filter").proto.placeholder == RU.filter_placeholder
    assert app.button(key="clear-history").label == RU.clear_history
    # No word of the English page is left, except in the English answer (it follows its question).
    english_page_words = {value for value in vars(EN).values() if isinstance(value, str) and "{" not in value}
    leftovers = [t for t in shown(app) if t in english_page_words and t not in (EN.sources, EN.enlarge)]
    assert not leftovers, leftovers
    assert app.subheader[0].value == "Sources"  # the English answer's own heading

    _ask(app, RU_QUESTION)
    assert RU_ANSWER_WORDS in answers(app)[-1]
    assert app.subheader[0].value == "Источники"
    assert "пылесос.pdf, страница 1" in shown(app)


def test_page_css_puts_streamlits_own_words_into_the_chosen_language(app: AppTest) -> None:
    def style() -> str:
        return next(n.proto.body for n in app.get("html") if n.proto.body.startswith("<style"))

    limit = st.get_option("server.maxUploadSize")
    assert f'content: "{EN.upload_limit.format(size=f"{limit} MB")}"' in style()
    app.sidebar.radio(key="language").set_value("ru").run()
    css = style()
    for words in (RU.upload_button, RU.upload_drop, RU.select_all, RU.no_results):
        assert f'content: "{words}"' in css
    assert f'content: "{RU.upload_limit.format(size=f"{limit} МБ")}"' in css
    assert "Choose files" not in css


def test_questions_form_a_thread_kept_across_reloads_and_restarts(
    monkeypatch: pytest.MonkeyPatch, app: AppTest, indexed_workspace: Path
) -> None:
    _ask(app, EN_QUESTION)
    _ask(app, RU_QUESTION)
    _ask(app, UNANSWERABLE)
    questions = styled(app, "doc-question")
    assert questions == [EN_QUESTION, RU_QUESTION, UNANSWERABLE]
    # Older answers keep their sources, folded away; the latest shows them open.
    assert [e.label for e in app.expander] == ["Sources (1)", "Источники (1)"]

    reloaded = _app(monkeypatch, indexed_workspace)  # a new browser session: the page was reloaded
    assert [n for n in shown(reloaded) if n in (EN_QUESTION, RU_QUESTION, UNANSWERABLE)] == questions
    assert RU_ANSWER_WORDS in answers(reloaded)[1]

    st.cache_resource.clear()  # what a server restart forgets
    restarted = _app(monkeypatch, indexed_workspace)
    assert [n for n in shown(restarted) if n in questions] == questions
    assert "3 question(s) kept for this workspace." in shown(restarted)


def test_clearing_the_history_asks_first(app: AppTest, indexed_workspace: Path) -> None:
    _ask(app, EN_QUESTION)
    _click(app, "clear-history")
    assert EN.clear_confirm.format(count=1) in notices(app, "warning")
    _click(app, "cancel-clear")
    assert HistoryStore(indexed_workspace / HISTORY_FILE).count() == 1
    assert EN_QUESTION in shown(app)

    _click(app, "clear-history")
    _click(app, "confirm-clear")
    assert HistoryStore(indexed_workspace / HISTORY_FILE).count() == 0
    assert EN_QUESTION not in shown(app)
    assert EN.cleared in notices(app, "info")
    assert "clear-history" not in [b.key for b in app.button]


def test_a_question_can_be_limited_to_chosen_documents(app: AppTest, indexed_workspace: Path) -> None:
    with Assistant(indexed_workspace) as assistant:
        ids = {d.filename: d.id for d in assistant.documents()}
    assert sorted(app.multiselect(key="filter").options) == ["coffee-machine.pdf", "пылесос.pdf"]
    _ask(app, EN_QUESTION)
    assert EN_ANSWER_WORDS in answers(app)[-1]

    app.multiselect(key="filter").select(ids["пылесос.pdf"]).run()
    _ask(app, EN_QUESTION)
    # The coffee machine manual answers this; limited to the vacuum cleaner's, nothing cites it.
    latest = app.chat_message[-1]
    cited = [_html_text(n.proto.body) for n in latest if getattr(n, "type", "") == "html"]
    assert not any("coffee-machine.pdf" in t for t in cited), cited
    assert "In: пылесос.pdf" in shown(app)


def test_upload_delete_with_confirmation_and_plain_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    app = _app(monkeypatch, tmp_path / "ws")
    assert EN.no_documents in shown(app)
    uploads = [
        (path.name, path.read_bytes(), "application/octet-stream")
        for path in (front_files.broken, front_files.coffee, front_files.text)
    ]
    app.sidebar.get("file_uploader")[0].set_value(uploads)
    _click(app, "index")
    assert notices(app, "success") == ["Indexed 1 file(s): coffee-machine.pdf"]
    errors = notices(app, "error")
    assert any(e.startswith("Not indexed: broken.pdf: is damaged") for e in errors), errors
    assert any(e.startswith("Not indexed: notes.txt: is not a PDF or an image") for e in errors), errors
    assert "coffee-machine.pdf · 3 p." in shown(app)

    _ask(app, EN_QUESTION)
    assert EN_ANSWER_WORDS in answers(app)[-1]
    document_id = Assistant(tmp_path / "ws").documents()[0].id

    _click(app, f"delete-{document_id}")
    assert EN.delete_confirm.format(name="coffee-machine.pdf") in notices(app, "warning")
    _click(app, f"cancel-delete-{document_id}")
    assert [d.id for d in Assistant(tmp_path / "ws").documents()] == [document_id]
    assert not notices(app, "warning")

    _click(app, f"delete-{document_id}")
    _click(app, f"confirm-delete-{document_id}")
    assert notices(app, "info") == ["Deleted coffee-machine.pdf"]
    assert EN.no_documents in shown(app)
    # The old answer stays in view; its page is gone, which the citation says instead of failing.
    assert EN.document_gone.format(name="coffee-machine.pdf", page=2) in shown(app)


def test_russian_page_explains_bad_files_in_russian(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    app = _app(monkeypatch, tmp_path / "ws")
    app.sidebar.radio(key="language").set_value("ru").run()
    uploads = [(p.name, p.read_bytes(), "application/pdf") for p in (front_files.broken, front_files.text)]
    app.sidebar.get("file_uploader")[0].set_value(uploads)
    _click(app, "index")
    assert sorted(notices(app, "error")) == [
        f"Не проиндексирован: broken.pdf: {RU.reasons['CorruptFile']}",
        f"Не проиндексирован: notes.txt: {RU.reasons['UnsupportedFileType']}",
    ]


def test_hostile_upload_names_are_stored_safely(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    app = _app(monkeypatch, tmp_path / "ws")
    data = front_files.coffee.read_bytes()
    vacuum = front_files.vacuum.read_bytes()
    long_name = "руководство-" * 30 + ".pdf"  # over 255 bytes in UTF-8
    notes = front_files.text.read_bytes()
    uploads = [
        ("..", data, "application/pdf"),
        (long_name, vacuum, "application/pdf"),
        ("C:\\fakepath\\no\x00tes.pdf", notes, "application/pdf"),
    ]
    app.sidebar.get("file_uploader")[0].set_value(uploads)
    _click(app, "index")
    names = sorted(d.filename for d in Assistant(tmp_path / "ws").documents())
    assert names[0] == "upload-1"
    assert names[1].endswith(".pdf") and names[1].startswith("руководство-")
    assert len(names[1].encode()) <= 200
    (error,) = notices(app, "error")
    assert error.startswith("Not indexed: notes.pdf: is not a PDF or an image")


def test_markdown_in_documents_and_file_names_is_shown_as_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = "127.0.0.1:9"
    manual = hostile_manual(tmp_path, 9)
    app = _app(monkeypatch, tmp_path / "ws")
    app.sidebar.get("file_uploader")[0].set_value([(manual.name, manual.read_bytes(), "application/pdf")])
    _click(app, "index")
    _ask(app, HOSTILE_QUESTION)
    assert "Reset" in answers(app)[-1]
    with Assistant(tmp_path / "ws") as assistant:
        (document,) = assistant.documents()
    app.multiselect(key="filter").select(document.id).run()
    _ask(app, HOSTILE_QUESTION)

    # The name, the answer and the quote are on the page, word for word...
    texts = shown(app)
    assert f"{manual.name} · 2 p." in texts
    assert f"{manual.name}, page 1" in texts
    assert any(f"![p](http://{marker}/pixel.png)" in t for t in texts)
    # ...but only in elements that show text as text: never in one Streamlit reads as Markdown.
    plain_kinds = {"html", "text", "multiselect"}
    for node in app._tree:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in plain_kinds or proto is None:
            continue
        assert marker not in str(proto), (kind, str(proto)[:300])
    for node in app.get("html"):
        assert "<img" not in node.proto.body and "<a " not in node.proto.body


def test_history_is_kept_in_the_tab_when_the_workspace_cannot_take_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    workspace = _coffee_workspace(tmp_path, front_files)
    (workspace / HISTORY_FILE).mkdir()  # SQLite cannot open it: as with a read-only workspace
    app = _app(monkeypatch, workspace)
    assert any(n.startswith("Questions are kept in this browser tab only") for n in notices(app, "info"))
    _ask(app, EN_QUESTION)
    _ask(app, UNANSWERABLE)
    assert [t for t in shown(app) if t in (EN_QUESTION, UNANSWERABLE)] == [EN_QUESTION, UNANSWERABLE]
    assert EN_ANSWER_WORDS in answers(app)[0]


def test_empty_and_overlong_questions(app: AppTest, indexed_workspace: Path) -> None:
    _ask(app, "   ")
    assert notices(app, "info")[-1] == EN.empty_question
    assert HistoryStore(indexed_workspace / HISTORY_FILE).count() == 0
    # Longer than the limit: the input stops at the limit, and what fits is asked, not refused with a trace.
    _ask(app, "How often should I descale the machine " * 200)
    (turn,) = HistoryStore(indexed_workspace / HISTORY_FILE).recent(5)
    assert len(turn.question) <= MAX_QUESTION_CHARS


def test_missing_workspace_setting_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_WORKSPACE", raising=False)
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    assert "ASSISTANT_WORKSPACE" in notices(app, "error")[0]


def test_a_history_file_removed_while_running_starts_afresh(app: AppTest, indexed_workspace: Path) -> None:
    _ask(app, EN_QUESTION)
    (indexed_workspace / HISTORY_FILE).unlink()
    app.run()
    assert not app.exception and EN_QUESTION not in shown(app)
    _ask(app, RU_QUESTION)
    assert [t.question for t in HistoryStore(indexed_workspace / HISTORY_FILE).recent(5)] == [RU_QUESTION]


def test_a_history_that_breaks_while_running_moves_to_the_tab(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    workspace = _coffee_workspace(tmp_path, front_files)
    app = _app(monkeypatch, workspace)
    _ask(app, EN_QUESTION)
    (workspace / HISTORY_FILE).unlink()
    (workspace / HISTORY_FILE).mkdir()  # what SQLite now finds there cannot be opened
    app.run()
    assert not app.exception
    assert any(n.startswith("Questions are kept in this browser tab only") for n in notices(app, "info"))
    _ask(app, UNANSWERABLE)
    assert styled(app, "doc-question") == [UNANSWERABLE]


def test_errors_are_worded_in_the_chosen_language() -> None:
    too_large = PageTooLarge("/tmp/bomb.pdf", 3, "is 14400 pt wide")
    assert explain(too_large, EN) == too_large.reason
    assert explain(too_large, RU) == RU.reasons["PageTooLarge"].format(page=3)
    assert explain(ReadOnlyWorkspace("read-only"), RU) == RU.reasons["ReadOnlyWorkspace"]
    assert explain(UnknownDocument([7]), EN) == str(UnknownDocument([7]))
    # An error the Russian page has no words for still says what happened, marked as an error.
    assert explain(AssistantError("disk on fire"), RU) == "Ошибка: disk on fire"
