"""Lexical BM25 channel: stemmed English/Russian tokens in SQLite FTS5, one row per passage."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from indexer.language import search_tokens

MAX_QUERY_TERMS = 32


class LexicalIndex:
    """BM25 over pre-stemmed text (FTS5 does the ranking; PyStemmer does both languages' stemming).

    It lives in its own SQLite file even when the catalog is PostgreSQL, so it is always local,
    transactional and crash-safe.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._count: tuple[int, float] | None = None
        with self._connect() as connection:
            connection.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms "
                "USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')"
            )
            connection.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocabulary USING fts5vocab(passage_terms, 'row')"
            )

    def _connect(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    def add(self, entries: Iterable[tuple[int, str]]) -> None:
        self._count = None
        rows = [(passage_id, " ".join(search_tokens(text))) for passage_id, text in entries]
        with self._connect() as connection:
            connection.executemany("INSERT OR REPLACE INTO passage_terms(rowid, terms) VALUES (?, ?)", rows)

    def remove(self, passage_ids: Iterable[int]) -> None:
        self._count = None
        with self._connect() as connection:
            connection.executemany(
                "DELETE FROM passage_terms WHERE rowid = ?", [(int(i),) for i in passage_ids]
            )

    def ids(self) -> set[int]:
        return {row[0] for row in self._connect().execute("SELECT rowid FROM passage_terms")}

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT count(*) FROM passage_terms").fetchone()[0])

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
        rows = self._connect().execute(
            "SELECT rowid, bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
            "ORDER BY bm25(passage_terms) LIMIT ?",
            (match, k),
        )
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25-style inverse document frequency of stemmed terms (unknown terms count as rare)."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        connection = self._connect()
        total = self._document_count() or 1
        marks = ",".join("?" * len(wanted))
        found = dict(
            connection.execute(f"SELECT term, doc FROM passage_vocabulary WHERE term IN ({marks})", wanted)
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
        connection = self._connect()
        with connection:
            connection.execute("INSERT INTO passage_terms(passage_terms) VALUES ('optimize')")
        connection.execute("VACUUM")
        # In WAL mode VACUUM writes the compacted copy into the log; only a checkpoint puts it
        # in the main file and truncates the log, so the disk really gets the space back.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
