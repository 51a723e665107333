"""Lexical BM25 channel: stemmed English/Russian tokens in SQLite FTS5, one row per passage."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.language import search_tokens
from indexer.storage import sqlite_read_only_uri, storage_errors

MAX_QUERY_TERMS = 32

SCORED_ROWS = 65_536
"""Most rows one question may have FTS5 rank: BM25 costs ~3 us a matching row, and at 1M passages an
OR over a question's common words matches up to 180k rows (0.5-1 s). Past it the rarest words pick the
rows. Smaller budgets were faster but lost answers: at 1M passages, 4,096 (and 16,384) moved the
fused top-5 pages of 25 (16) of 150 questions and lost 2 of 28 found pages; 65,536 moved none."""

RESCORED = 1024
"""Rows that the rarest words' ranking hands on to be scored with every word of the question."""

_FTS_TOKEN = re.compile(r"[^\W_]+")
"""A token as FTS5's unicode61 tokenizer cuts one (letters and digits; "_" and "." separate)."""

K1, B = 1.2, 0.75
"""FTS5's BM25 constants (`bm25()` with its defaults)."""


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
        self._frequencies: dict[str, int] = {}
        self._frequencies_of: bytes | None = None  # the index's version they were counted at
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
        self._frequencies_of = None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def add(self, entries: Iterable[tuple[int, str]]) -> None:
        self._frequencies_of = None
        rows = [(passage_id, " ".join(search_tokens(text))) for passage_id, text in entries]
        with self._guarded() as connection, connection:
            connection.executemany("INSERT OR REPLACE INTO passage_terms(rowid, terms) VALUES (?, ?)", rows)

    def remove(self, passage_ids: Iterable[int]) -> None:
        self._frequencies_of = None
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

    @staticmethod
    def _totals(connection: sqlite3.Connection) -> tuple[int, int]:
        """(rows, tokens) as FTS5 keeps them for BM25: its averages record, read in microseconds where
        `count(*)` scans the table (0.7 s at 1M rows). Both are 0 for a table never written."""
        row = connection.execute("SELECT block FROM passage_terms_data WHERE id = 1").fetchone()
        if row is None or not row[0]:
            return 0, 0
        rows, at = _varint(row[0], 0)
        tokens, _ = _varint(row[0], at) if at < len(row[0]) else (0, at)
        return rows, tokens

    def _document_frequencies(self, connection: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
        """Rows holding each term; remembered until the index changes (the vocabulary walks each
        term's whole posting list: 7 ms for a word in 100k rows)."""
        # FTS5's structure record changes with every write (its write counter), also another process's.
        version = connection.execute("SELECT block FROM passage_terms_data WHERE id = 10").fetchone()
        if version is None or version[0] != self._frequencies_of:
            self._frequencies, self._frequencies_of = {}, version[0] if version else None
        known = self._frequencies
        # Taken out before anything is read or cleared: the search and the reader's IDF run on two
        # threads, and another one may clear or replace the shared dict meanwhile.
        result = {term: count for term in terms if (count := known.get(term)) is not None}
        wanted = [term for term in terms if term not in result]
        if wanted:
            marks = ",".join("?" * len(wanted))
            found = dict(
                connection.execute(
                    f"SELECT term, doc FROM passage_vocabulary WHERE term IN ({marks})", wanted
                ).fetchall()
            )
            counted = {term: int(found.get(term, 0)) for term in wanted}
            if len(known) > 100_000:  # questions' words are few, but a long-lived server sees many
                known.clear()
            known.update(counted)
            result.update(counted)
        return {term: result[term] for term in terms}

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better) for the question's content words.

        The score is FTS5's BM25 over all the question's words, OR-ed. When they match more rows
        than `SCORED_ROWS`, only the rows holding the rarest words are ranked (MaxScore-style: a
        row with none of them scores at most the common words' IDFs, which rarely reaches the
        top), and the best `RESCORED` of those get the common words' share added back exactly.
        """
        terms = list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))[:MAX_QUERY_TERMS]
        if not terms or k <= 0:
            return []
        with self._guarded() as connection:
            frequencies = self._document_frequencies(connection, terms)
            terms = [term for term in terms if frequencies[term]]
            if not terms:
                return []
            if sum(frequencies.values()) <= SCORED_ROWS:
                return self._ranked(connection, terms, k)
            ordered = sorted(terms, key=lambda term: frequencies[term])
            rare: list[str] = []
            for term in ordered:
                if rare and sum(frequencies[t] for t in rare) + frequencies[term] > SCORED_ROWS:
                    break
                rare.append(term)
            common = ordered[len(rare) :]
            found = self._ranked(connection, rare, max(k, RESCORED))
            if not common or not found:
                return found[:k]
            rows, tokens = self._totals(connection)
            marks = ",".join("?" * len(found))
            ids = [rowid for rowid, _ in found]
            texts = dict(
                connection.execute(f"SELECT rowid, terms FROM passage_terms WHERE rowid IN ({marks})", ids)
            )
            # Lengths as FTS5 counted them (its tokenizer splits "1.3" in two; BM25 needs its count).
            sizes = dict(
                connection.execute(f"SELECT id, sz FROM passage_terms_docsize WHERE id IN ({marks})", ids)
            )
        weights = {term: _idf(rows, frequencies[term]) for term in common}
        average = tokens / rows if rows else 1.0
        scored = []
        for rowid, score in found:
            words = _FTS_TOKEN.findall(texts.get(rowid, ""))
            length = _varint(sizes[rowid], 0)[0] if sizes.get(rowid) else len(words)
            for term, weight in weights.items():
                count = words.count(term)
                if count:
                    score += weight * count * (K1 + 1) / (count + K1 * (1 - B + B * length / average))
            scored.append((rowid, score))
        scored.sort(key=lambda hit: hit[1], reverse=True)
        return scored[:k]

    @staticmethod
    def _ranked(connection: sqlite3.Connection, terms: list[str], k: int) -> list[tuple[int, float]]:
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
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
        with self._guarded() as connection:
            total = self._totals(connection)[0] or 1
            found = self._document_frequencies(connection, wanted)
        idf = {}
        for term in wanted:
            frequency = found[term]
            idf[term] = math.log(1 + (max(total, frequency) - frequency + 0.5) / (frequency + 0.5))
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
        """Another process changed the index: count its words afresh for IDF."""
        self._frequencies_of = None

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def _idf(rows: int, frequency: int) -> float:
    """FTS5's BM25 IDF (fts5_aux.c): never below a millionth, even for a word in most rows."""
    return max(math.log((rows - frequency + 0.5) / (frequency + 0.5)), 1e-6)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at` (FTS5 records use it): (value, offset after it)."""
    value = 0
    for step in range(8):
        byte = data[at + step]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + step + 1
    return (value << 8) | data[at + 8], at + 9
