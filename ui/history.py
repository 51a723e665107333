"""The questions asked in the UI and their answers, kept per workspace across reloads and restarts."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the store itself needs nothing past the standard library
    from assistant import Answer

log = logging.getLogger(__name__)

HISTORY_FILE = "ui-history.sqlite"
KEPT_TURNS = 500
"""Older questions are dropped: the history is a working memory, not an archive."""
FORMAT = 1
"""Version of the JSON a turn is stored as; rows of another version are skipped, not misread."""
BUSY_TIMEOUT_S = 10.0
DAMAGED = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
TABLE = "CREATE TABLE IF NOT EXISTS turns (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)"


@dataclass(frozen=True)
class CitedBox:
    """What the page shows of one citation, independent of the catalog (the document may be gone)."""

    document_id: int
    filename: str
    sha256: str
    """Tells the cited document from a later one that happens to get the same id."""
    page: int
    bbox: tuple[float, float, float, float]
    quote: str
    score: float


@dataclass(frozen=True)
class Turn:
    """One question asked in the UI, what came back and how long it took."""

    question: str
    text: str
    found: bool
    language: str
    seconds: float
    citations: tuple[CitedBox, ...] = ()
    documents: tuple[str, ...] = ()
    """Names of the documents the question was limited to; empty when it searched all of them."""
    asked_at: float = field(default_factory=time.time)
    generator: str = ""
    """Which backend answered (`Answer.generator`); empty in turns kept before it was recorded."""

    @classmethod
    def from_answer(
        cls, question: str, answer: Answer, seconds: float, documents: Sequence[str] = ()
    ) -> Turn:
        citations = tuple(
            CitedBox(c.document.id, c.document.filename, c.document.sha256, c.page, c.bbox, c.quote, c.score)
            for c in answer.citations
        )
        return cls(
            question,
            answer.text,
            answer.found,
            answer.language,
            seconds,
            citations,
            tuple(documents),
            generator=answer.generator,
        )

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Turn:
        data: dict[str, Any] = json.loads(text)
        if data.pop("format", None) != FORMAT:
            raise ValueError("a turn stored in another format")
        citations = []
        for cited in data.pop("citations"):
            x0, y0, x1, y1 = (float(value) for value in cited["bbox"])
            cited["bbox"] = (x0, y0, x1, y1)
            citations.append(CitedBox(**cited))
        return cls(citations=tuple(citations), documents=tuple(data.pop("documents")), **data)


class History(Protocol):
    """Where the page keeps its questions: the workspace's file, or one browser tab."""

    def recent(self, limit: int) -> list[Turn]: ...

    def count(self) -> int: ...

    def add(self, turn: Turn) -> None: ...

    def clear(self) -> None: ...


class TabHistory:
    """The questions of one browser tab, for a workspace whose history cannot be written."""

    def __init__(self, turns: list[Turn]) -> None:
        self.turns = turns

    def recent(self, limit: int) -> list[Turn]:
        return self.turns[-limit:] if limit > 0 else []

    def count(self) -> int:
        return len(self.turns)

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        del self.turns[:-KEPT_TURNS]

    def clear(self) -> None:
        self.turns.clear()


class HistoryStore:
    """Turns in a SQLite file in the workspace: atomic, and shared by every browser session and process.

    Opening it writes (it creates the table under a write lock), so a workspace that cannot be
    written is found out here, with `sqlite3.Error` or `OSError`, before anyone asks a question.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._writing():
            pass

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: Streamlit sessions are threads, and other processes share the file.
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as connection:
            # A no-op while the table is there; remakes it if someone deleted the file to start afresh.
            connection.execute(TABLE)
            yield connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A transaction that holds SQLite's write lock from its start: all of it lands, or none."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def recent(self, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first; a row that cannot be read is skipped (and logged)."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT id, body FROM turns ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        turns = []
        for row_id, body in reversed(rows):
            try:
                turns.append(Turn.from_json(body))
            except (ValueError, TypeError, KeyError) as error:
                log.warning("UI history %s: skipping turn %d (%s)", self.path, row_id, error)
        return turns

    def count(self) -> int:
        with self._connection() as connection:
            return int(connection.execute("SELECT count(*) FROM turns").fetchone()[0])

    def add(self, turn: Turn) -> None:
        with self._writing() as connection:
            cursor = connection.execute("INSERT INTO turns (body) VALUES (?)", (turn.to_json(),))
            newest = int(cursor.lastrowid or 0)
            connection.execute("DELETE FROM turns WHERE id <= ?", (newest - KEPT_TURNS,))

    def clear(self) -> None:
        with self._writing() as connection:
            connection.execute("DELETE FROM turns")


def open_history(workspace: Path) -> tuple[HistoryStore | None, str]:
    """The workspace's history store, or None and the reason why it cannot be written.

    A damaged history file is set aside (renamed, not deleted) and a new one started: losing the
    list of past questions must not cost the page its memory from now on.
    """
    path = workspace / HISTORY_FILE
    try:
        try:
            return HistoryStore(path), ""
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorname", "") not in DAMAGED:
                raise
            aside = path.with_name(f"{HISTORY_FILE}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            log.warning("UI history %s is damaged (%s); moved to %s, starting a new one", path, error, aside)
            path.replace(aside)
            return HistoryStore(path), ""
    except (sqlite3.Error, OSError) as error:
        log.warning("UI history in %s cannot be written (%s); keeping it per browser tab", workspace, error)
        return None, str(error)
