"""The Streamlit page through Streamlit's AppTest: upload, list, delete, ask in EN/RU, not found, history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant import Assistant

from .conftest import (
    EN_ANSWER_WORDS,
    EN_QUESTION,
    ROOT,
    RU_ANSWER_WORDS,
    RU_QUESTION,
    UNANSWERABLE,
    FrontFiles,
)

APP = str(ROOT / "ui" / "app.py")


def _app(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> AppTest:
    monkeypatch.setenv("ASSISTANT_WORKSPACE", str(workspace))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def _ask(app: AppTest, question: str) -> None:
    app.text_input(key="question").input(question)
    app.button(key="ask").click()
    app.run()
    assert not app.exception


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, indexed_workspace: Path) -> Iterator[AppTest]:
    yield _app(monkeypatch, indexed_workspace)


def test_english_answer_with_cited_thumbnail_and_quote(app: AppTest) -> None:
    _ask(app, EN_QUESTION)
    assert EN_ANSWER_WORDS in app.success[0].value
    markdown = [m.value for m in app.markdown]
    assert "**coffee-machine.pdf, page 2**" in markdown
    assert any(m.startswith("> ") and EN_ANSWER_WORDS in m for m in markdown)
    # A thumbnail with the box, and the enlarged page inside the "Enlarge" popover.
    assert len(app.get("image")) >= 2
    popovers = app.get("popover")
    assert popovers and popovers[0].children
    assert app.subheader[0].value == "Sources"


def test_not_found_is_shown_as_such(app: AppTest) -> None:
    _ask(app, UNANSWERABLE)
    assert not app.success
    assert "Not found in the documents" in app.warning[0].value
    assert not app.get("image")


def test_russian_switch_and_russian_answer(app: AppTest) -> None:
    app.sidebar.radio(key="language").set_value("ru").run()
    assert app.title[0].value == "Помощник по документам"
    assert app.button(key="ask").label == "Спросить"
    _ask(app, RU_QUESTION)
    assert RU_ANSWER_WORDS in app.success[0].value
    assert app.subheader[0].value == "Источники"
    assert any("пылесос.pdf, страница 1" in m.value for m in app.markdown)


def test_questions_are_kept_in_the_history(app: AppTest) -> None:
    _ask(app, EN_QUESTION)
    _ask(app, RU_QUESTION)
    _ask(app, UNANSWERABLE)
    assert [e.label for e in app.expander] == [RU_QUESTION, EN_QUESTION]
    assert "Not found" in app.warning[0].value
    assert any(RU_ANSWER_WORDS in s.value for s in app.success)


def test_empty_question_asks_for_one(app: AppTest) -> None:
    _ask(app, "   ")
    assert app.info[0].value == "Type a question first."


def test_upload_indexes_good_files_names_bad_ones_and_delete(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    app = _app(monkeypatch, tmp_path / "ws")
    assert "No documents yet" in app.sidebar.caption[0].value
    uploads = [
        (path.name, path.read_bytes(), "application/octet-stream")
        for path in (front_files.broken, front_files.coffee, front_files.text)
    ]
    app.sidebar.get("file_uploader")[0].set_value(uploads)
    app.button(key="index").click()
    app.run()
    assert not app.exception
    assert app.success[0].value == "Indexed 1 file(s): coffee-machine.pdf"
    errors = [e.value for e in app.error]
    assert any(e.startswith("Not indexed: broken.pdf") for e in errors)
    assert any(e.startswith("Not indexed: notes.txt") and "not a PDF or an image" in e for e in errors)
    assert any("**coffee-machine.pdf** · 3 p." in m.value for m in app.sidebar.markdown)

    _ask(app, EN_QUESTION)
    assert EN_ANSWER_WORDS in app.success[0].value
    document_id = Assistant(tmp_path / "ws").documents()[0].id
    app.button(key=f"delete-{document_id}").click()
    app.run()
    assert not app.exception
    assert app.info[0].value == "Deleted coffee-machine.pdf"
    assert "No documents yet" in app.sidebar.caption[0].value
    # The old answer stays in view; its page is gone, which the citation says instead of failing.
    assert any("no document" in c.value for c in app.caption)


def test_missing_workspace_setting_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_WORKSPACE", raising=False)
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    assert "ASSISTANT_WORKSPACE" in app.error[0].value
