"""The Streamlit page (AppTest) with an answering model and in a conversation: follow-ups in the thread,
which model wrote an answer, and what a failing model looks like."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from tests.assistant.generators.model_scripts import ModelServer

from .conftest import EN_ANSWER_WORDS, EN_QUESTION, FOLLOW_UPS, FrontFiles, write_follow_up_manuals
from .model_server import cites, closed_port_url, model_server
from .test_ui import EN, RU, _app, _ask, answers, notices, shown


@pytest.fixture(scope="module")
def follow_up_manuals(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_follow_up_manuals(tmp_path_factory.mktemp("manuals"))


@pytest.fixture(scope="module")
def scripted() -> Iterator[ModelServer]:
    with model_server() as server:
        yield server


def _workspace(tmp_path: Path, files: list[Path]) -> Path:
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add(files)
    return tmp_path / "ws"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_follow_up_in_the_thread_is_answered_from_the_manual_it_follows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, follow_up_manuals: list[Path], language: str
) -> None:
    question, words, follow_up, follow_up_words, manual = FOLLOW_UPS[language]
    app = _app(monkeypatch, _workspace(tmp_path, follow_up_manuals))
    _ask(app, question)
    assert words in answers(app)[0] and follow_up_words not in answers(app)[0]
    _ask(app, follow_up)
    assert follow_up_words in answers(app)[-1]
    page = RU.page if language == "ru" else EN.page
    assert f"{manual}, {page.format(page=2)}" in shown(app)
    # After clearing the history, the same follow-up has nothing to follow.
    app.button(key="clear-history").click().run()
    app.button(key="confirm-clear").click().run()
    _ask(app, follow_up)
    assert follow_up_words not in answers(app)[-1]


def test_a_models_answer_says_which_model_wrote_it_and_the_thread_is_its_history(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles, scripted: ModelServer
) -> None:
    workspace = _workspace(tmp_path, [front_files.coffee])
    monkeypatch.setenv("ASSISTANT_GENERATOR", "openai")
    monkeypatch.setenv("ASSISTANT_GENERATOR_URL", scripted.url)
    monkeypatch.setenv("ASSISTANT_GENERATOR_FALLBACK", "none")
    monkeypatch.setenv("ASSISTANT_GENERATOR_MAX_IMAGES", "1")
    app = _app(monkeypatch, workspace)
    scripted.script(cites(EN_ANSWER_WORDS, "Descale the machine", " every three months"))
    _ask(app, EN_QUESTION)
    assert answers(app) == ["Descale the machine every three months."]
    texts = shown(app)
    assert any("written by the openai model" in text for text in texts)
    assert "coffee-machine.pdf, page 2" in texts and app.subheader[0].value == EN.sources

    scripted.script(cites("orange descaling light", "Sooner, when the orange light turns on"))
    _ask(app, "And when should I do it sooner?")
    assert answers(app)[-1] == "Sooner, when the orange light turns on."
    messages = scripted.chats[0].body["messages"]
    assert [m["content"] for m in messages[1:3]] == [EN_QUESTION, "Descale the machine every three months."]


def test_a_dead_model_is_explained_in_the_pages_language_or_stood_in_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, front_files: FrontFiles
) -> None:
    workspace = _workspace(tmp_path, [front_files.coffee])
    monkeypatch.setenv("ASSISTANT_GENERATOR", "openai")
    monkeypatch.setenv("ASSISTANT_GENERATOR_URL", closed_port_url())
    monkeypatch.setenv("ASSISTANT_GENERATOR_RETRIES", "0")
    monkeypatch.setenv("ASSISTANT_GENERATOR_FALLBACK", "none")
    app = _app(monkeypatch, workspace)
    app.sidebar.radio(key="language").set_value("ru").run()
    _ask(app, EN_QUESTION)
    [error] = notices(app, "error")
    assert error.startswith(RU.reasons["GeneratorUnavailable"].split("(")[0]) and "127.0.0.1" in error
    assert answers(app) == []  # no half answer is left standing

    # With the fallback (the default), the reader answers and the page says so.
    monkeypatch.delenv("ASSISTANT_GENERATOR_FALLBACK")
    other = _app(monkeypatch, _workspace(tmp_path / "other", [front_files.coffee]))
    _ask(other, EN_QUESTION)
    assert EN_ANSWER_WORDS in answers(other)[0]
    assert EN.fallback in shown(other)
