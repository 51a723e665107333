"""The UI's question history: a SQLite file in the workspace, shared by processes, safe when it cannot be."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant
from ui import history
from ui.history import HISTORY_FILE, CitedBox, HistoryStore, TabHistory, Turn, open_history

from .conftest import EN_ANSWER_WORDS, EN_QUESTION, ROOT, UNANSWERABLE

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _turn(number: int, writer: str = "test") -> Turn:
    return Turn(
        f"question {number} from {writer}", f"answer {number}", True, "en", 0.5, asked_at=1e9 + number
    )


def test_an_answer_round_trips_through_the_file(tmp_path: Path, indexed_workspace: Path) -> None:
    with Assistant(indexed_workspace) as assistant:
        answer = assistant.ask(EN_QUESTION)
        documents = assistant.documents()
    turn = Turn.from_answer(EN_QUESTION, answer, 1.25, [documents[0].filename])
    assert turn.citations and EN_ANSWER_WORDS in turn.citations[0].quote
    store = HistoryStore(tmp_path / HISTORY_FILE)
    store.add(turn)
    store.add(_turn(2))
    # A second store on the same file: another browser session, or the UI after a restart.
    again, second = HistoryStore(tmp_path / HISTORY_FILE).recent(10)
    assert again == turn and second == _turn(2)
    assert isinstance(again.citations[0], CitedBox) and again.citations[0].sha256 == documents[0].sha256
    assert store.recent(1) == [second]


def test_two_processes_asking_at_once_lose_no_question(tmp_path: Path) -> None:
    path = tmp_path / HISTORY_FILE
    HistoryStore(path)
    writer = textwrap.dedent(
        f"""
        import sys
        from ui.history import HistoryStore, Turn
        store = HistoryStore(__import__("pathlib").Path({str(path)!r}))
        for number in range(60):
            store.add(Turn(f"question {{number}} from {{sys.argv[1]}}", "a", True, "en", 0.1))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    processes = [subprocess.Popen([sys.executable, "-c", writer, name], env=env) for name in ("a", "b")]
    assert [p.wait(timeout=300) for p in processes] == [0, 0]
    questions = [t.question for t in HistoryStore(path).recent(1000)]
    assert len(questions) == 120
    for name in ("a", "b"):
        mine = [q for q in questions if q.endswith(f"from {name}")]
        assert mine == [f"question {n} from {name}" for n in range(60)]  # each in its own order


def test_only_the_newest_turns_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "KEPT_TURNS", 5)
    store = HistoryStore(tmp_path / HISTORY_FILE)
    for number in range(12):
        store.add(_turn(number))
    assert store.count() == 5
    assert [t.question for t in store.recent(10)] == [f"question {n} from test" for n in range(7, 12)]
    tab = TabHistory([])
    for number in range(12):
        tab.add(_turn(number))
    assert tab.recent(10) == store.recent(10)


def test_unreadable_rows_are_skipped_not_fatal(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / HISTORY_FILE)
    store.add(_turn(1))
    with sqlite3.connect(tmp_path / HISTORY_FILE) as connection:
        connection.execute("INSERT INTO turns (body) VALUES ('{\"format\": 99}'), ('not json'), ('{}')")
    store.add(_turn(2))
    assert store.recent(10) == [_turn(1), _turn(2)]


def test_clear_empties_it_for_everyone(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / HISTORY_FILE)
    store.add(_turn(1))
    other = HistoryStore(tmp_path / HISTORY_FILE)
    store.clear()
    assert other.count() == 0 and other.recent(5) == []


def test_a_damaged_file_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    garbage = b"this is not a database " * 100
    (tmp_path / HISTORY_FILE).write_bytes(garbage)
    store, reason = open_history(tmp_path)
    assert store is not None and reason == ""
    store.add(_turn(1))
    assert store.recent(5) == [_turn(1)]
    (aside,) = tmp_path.glob(f"{HISTORY_FILE}.damaged-*")
    assert aside.read_bytes() == garbage


@pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="needs /usr/bin/python3 to run as another user")
@pytest.mark.parametrize("existing", [False, True], ids=["no-history-yet", "history-from-before"])
def test_a_read_only_workspace_gives_no_store_and_says_why(tmp_path: Path, existing: bool) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    if existing:
        HistoryStore(workspace / HISTORY_FILE).add(_turn(1))
    tmp_path.chmod(0o755)
    workspace.chmod(0o555)
    # Root writes anywhere: the check runs as an unprivileged user, with only the standard library.
    check = textwrap.dedent(
        f"""
        import importlib.util, pathlib, sys
        spec = importlib.util.spec_from_file_location("history", {str(ROOT / "ui" / "history.py")!r})
        module = importlib.util.module_from_spec(spec)
        sys.modules["history"] = module
        spec.loader.exec_module(module)
        store, reason = module.open_history(pathlib.Path({str(workspace)!r}))
        print(store is None, reason)
        """
    )
    user = 65534 if os.geteuid() == 0 else None
    result = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", check], user=user, capture_output=True, text=True, timeout=60, check=True
    )
    refused, _, reason = result.stdout.strip().partition(" ")
    assert refused == "True", result
    assert "readonly" in reason or "unable to open" in reason, reason
    if existing:
        assert HistoryStore(workspace / HISTORY_FILE).recent(5) == [_turn(1)]  # left as it was


def test_turns_of_questions_not_found_keep_their_language(tmp_path: Path, indexed_workspace: Path) -> None:
    with Assistant(indexed_workspace) as assistant:
        answer = assistant.ask(UNANSWERABLE)
    store = HistoryStore(tmp_path / HISTORY_FILE)
    store.add(Turn.from_answer(UNANSWERABLE, answer, 0.3))
    (turn,) = store.recent(1)
    assert not turn.found and turn.language == "en" and turn.citations == () and turn.text == answer.text
