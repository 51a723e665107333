"""Lexical BM25 channel: stemmed English/Russian tokens in SQLite FTS5, one row per passage."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.language import search_tokens
from indexer.storage import sqlite_read_only_uri, storage_errors

MAX_QUERY_TERMS = 32


class LexicalIndex:
    """BM25 over pre-stemmed text (FTS5 does the ranking; PyStemmer does both languages' stemming).

    It lives in its own SQLite file even when the catalog is PostgreSQL, so it is always local,
    transactional and crash-safe.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """Nothing is read or written until first use; `read_only` never writes a byte next to `path`."""
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        self._count: tuple[int, float] | None = None
        self._epoch = 0  # bumped by `reset`: every thread's connection then opens the new file

    def _open(self) -> tuple[sqlite3.Connection, str]:
        if self.read_only:
            if not self.path.exists():  # a workspace that never indexed a passage
                target = ":memory:"
                connection = sqlite3.connect(target, check_same_thread=False)
                self._create(connection)
            else:
                target = sqlite_read_only_uri(self.path)
                connection = sqlite3.connect(target, uri=True, timeout=30, check_same_thread=False)
            return connection, target
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        with connection:
            self._create(connection)
        return connection, str(self.path)

    @staticmethod
    def _create(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms "
            "USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')"
        )
        connection.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocabulary USING fts5vocab(passage_terms, 'row')"
        )

    def _connect(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._local.epoch != self._epoch:
            connection.close()
            connection = None
        # A reader follows a live writer's log only through `mode=ro`: switch when one appears.
        if (
            connection is not None
            and self.read_only
            and self.path.exists()
            and self._local.target != sqlite_read_only_uri(self.path)
        ):
            connection.close()
            connection = None
        if connection is None:
            connection, self._local.target = self._open()
            self._local.connection, self._local.epoch = connection, self._epoch
        return connection

    @contextmanager
    def _guarded(self) -> Iterator[sqlite3.Connection]:
        """The thread's connection; a damaged file, a full disk or a read-only one raise typed errors."""
        with storage_errors(
            self.path, f"run `python -m assistant check {self.path.parent} --repair` to rebuild it"
        ):
            yield self._connect()

    def reset(self) -> None:
        """Start over with an empty index file (the old one is unreadable); callers then refill it."""
        self.close()
        self._epoch += 1
        self._count = None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def add(self, entries: Iterable[tuple[int, str]]) -> None:
        self._count = None
        rows = [(passage_id, " ".join(search_tokens(text))) for passage_id, text in entries]
        with self._guarded() as connection, connection:
            connection.executemany("INSERT OR REPLACE INTO passage_terms(rowid, terms) VALUES (?, ?)", rows)

    def remove(self, passage_ids: Iterable[int]) -> None:
        self._count = None
        with self._guarded() as connection, connection:
            connection.executemany(
                "DELETE FROM passage_terms WHERE rowid = ?", [(int(i),) for i in passage_ids]
            )

    def ids(self) -> set[int]:
        with self._guarded() as connection:
            return {row[0] for row in connection.execute("SELECT rowid FROM passage_terms")}

    def __len__(self) -> int:
        with self._guarded() as connection:
            return int(connection.execute("SELECT count(*) FROM passage_terms").fetchone()[0])

    def _document_count(self) -> int:
        """Row count for IDF, cached for a minute: counting an FTS5 table scans it (12 ms at 100k)."""
        now = time.monotonic()
        if self._count is None or now - self._count[1] > 60.0:
            self._count = (len(self), now)
        return self._count[0]

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better) for the question's content words."""
        terms = list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))[:MAX_QUERY_TERMS]
        if not terms:
            return []
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        with self._guarded() as connection:
            rows = connection.execute(
                "SELECT rowid, bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
                "ORDER BY bm25(passage_terms) LIMIT ?",
                (match, k),
            ).fetchall()
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25-style inverse document frequency of stemmed terms (unknown terms count as rare)."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        total = self._document_count() or 1
        marks = ",".join("?" * len(wanted))
        with self._guarded() as connection:
            found = dict(
                connection.execute(
                    f"SELECT term, doc FROM passage_vocabulary WHERE term IN ({marks})", wanted
                ).fetchall()
            )
        idf = {}
        for term in wanted:
            frequency = found.get(term, 0)
            # The cached total may predate another process's additions: never let it fall below
            # a term's own frequency (that would make common words look rare, or IDF negative).
            documents = max(total, frequency)
            idf[term] = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
        return idf

    def optimize(self) -> None:
        """Merge FTS5 segments and give freed pages back to the file system."""
        with self._guarded() as connection:
            with connection:
                connection.execute("INSERT INTO passage_terms(passage_terms) VALUES ('optimize')")
            connection.execute("VACUUM")
            # In WAL mode VACUUM writes the compacted copy into the log; only a checkpoint puts it
            # in the main file and truncates the log, so the disk really gets the space back.
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        """What SQLite's own check finds wrong with the file ("" when it is sound)."""
        with self._guarded() as connection:
            verdict = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
        return "" if verdict == ["ok"] else f"{self.path}: {'; '.join(verdict[:3])}"

    def forget_count(self) -> None:
        """Another process changed the index: count its rows afresh for IDF."""
        self._count = None

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
