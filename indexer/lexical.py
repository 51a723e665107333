"""Lexical BM25 channel: stemmed English/Russian tokens in SQLite FTS5, one row per passage."""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import NamedTuple

import numpy as np

from indexer.language import search_tokens
from indexer.storage import sqlite_read_only_uri, storage_errors

log = logging.getLogger(__name__)

MAX_QUERY_TERMS = 32

SCORED_ROWS = 65_536
"""Most rows one question may have FTS5 rank: BM25 costs ~3 us a matching row, and at 1M passages an
OR over a question's common words matches up to 180k rows (0.5-1 s). Past it the rarest words pick the
rows. Smaller budgets were faster but lost answers: at 1M passages, 4,096 (and 16,384) moved the
fused top-5 pages of 25 (16) of 150 questions and lost 2 of 28 found pages; 65,536 moved none."""

RESCORED = 1024
"""Rows that the rarest words' ranking hands on to be scored with every word of the question."""

LISTED_WORD_ROWS = 1024
"""A word in more rows than this has its rows and BM25 weights kept as arrays (`build_postings`), so
that a question sums them instead of FTS5 scoring every row that holds the word (~2 us a row)."""

LISTED_MIN_ROWS = 200_000
"""Rows past which the posting lists are kept. Below it FTS5 scores a question's rows in a few ms (at
100k passages 4 ms p50 either way, exact both ways), and the lists would only cost disk (~110 B a row)."""

APPENDED = 2048
"""Most rows added since the posting lists were built that a search reads apart (past it, the lists
are due and the rarest-words path serves)."""

POSTINGS_STALE = 0.05
"""Share of rows added or removed since the posting lists were built past which they are built anew."""

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
        # Common words' posting lists (see `build_postings`) and the state they were built at.
        connection.execute(
            "CREATE TABLE IF NOT EXISTS word_postings (term TEXT PRIMARY KEY, rows BLOB NOT NULL, "
            "weights BLOB NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS word_postings_build (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "covered INTEGER NOT NULL, rows INTEGER NOT NULL, average REAL NOT NULL)"
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
            build = _postings_build(connection)
            if build is not None and rows and min(row for row, _ in rows) <= build.covered:
                # A row the lists cover gets new text: its listed weights would be wrong. Appended
                # rows (past `covered`) are searched apart until the next build.
                _drop_postings(connection)
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
        terms = _question_terms(question)
        if not terms or k <= 0:
            return []
        with self._guarded() as connection:
            terms, frequencies = self._held_terms(connection, terms)
            if not terms:
                return []
            if sum(frequencies.values()) <= SCORED_ROWS:
                return self._ranked(connection, terms, k)
            listed = self._from_postings(connection, terms, frequencies, k)
            if listed is not None:
                return listed
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
            weights = {term: _idf(rows, frequencies[term]) for term in common}
            shares = _shares(
                connection, [rowid for rowid, _ in found], weights, tokens / rows if rows else 1.0
            )
        scored = [(rowid, score + shares.get(rowid, 0.0)) for rowid, score in found]
        scored.sort(key=lambda hit: hit[1], reverse=True)
        return scored[:k]

    def _from_postings(
        self, connection: sqlite3.Connection, terms: list[str], frequencies: dict[str, int], k: int
    ) -> list[tuple[int, float]] | None:
        """FTS5's BM25 top `k` with the common words' shares summed from their posting lists; None
        when the lists cannot serve this question (never built, or words grown common since).

        A row's BM25 is a sum over the question's words. The rare words' share comes from FTS5
        over the few rows holding them; each common word's from its list (row, weight), added up
        for every row at once: no row is scored twice and none is left out, so the ranking is
        FTS5's own, at the token average of the build (`POSTINGS_STALE` bounds its drift).
        """
        build = _postings_build(connection)
        if build is None or build.covered > 8 * build.rows + 65_536:
            return None  # row ids spread far apart would make the per-row array large
        marks = ",".join("?" * len(terms))
        lists = {
            term: (np.frombuffer(rows, dtype=np.int32), np.frombuffer(weights, dtype=np.float32))
            for term, rows, weights in connection.execute(
                f"SELECT term, rows, weights FROM word_postings WHERE term IN ({marks})", terms
            )
        }
        rare = [term for term in terms if term not in lists]
        if not lists or sum(frequencies[term] for term in rare) > SCORED_ROWS:
            return None
        last = connection.execute("SELECT max(id) FROM passage_terms_docsize").fetchone()[0] or 0
        appended = (
            [
                row
                for (row,) in connection.execute(
                    "SELECT rowid FROM passage_terms WHERE passage_terms MATCH ? AND rowid > ? LIMIT ?",
                    (_match(terms), build.covered, APPENDED + 1),
                )
            ]
            if last > build.covered
            else []
        )
        if len(appended) > APPENDED:
            return None  # the lists are due again; until then the rarest-words path serves
        rows, tokens = self._totals(connection)
        idf = {term: _idf(rows, frequencies[term]) for term in terms}
        scores = np.bincount(
            np.concatenate([listed for listed, _ in lists.values()]),
            weights=np.concatenate([weights * idf[term] for term, (_, weights) in lists.items()]),
            minlength=build.covered + 1,
        )
        rare_rows = np.zeros(0, dtype=np.int64)
        if rare:
            found = np.array(
                connection.execute(
                    "SELECT rowid, bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
                    "AND rowid <= ?",
                    (_match(rare), build.covered),
                ).fetchall()
            ).reshape(-1, 2)
            rare_rows = found[:, 0].astype(np.int64)
            scores[rare_rows] -= found[:, 1]
        # Threshold algorithm over the lists in weight order: a row outside the heads read so far
        # and holding no rare word scores at most the sum of the heads' last weights; once the
        # `k`-th best candidate reaches that, no other row can enter the top `k`.
        head = 1024
        while True:
            pool = np.concatenate([rare_rows, *(listed[:head] for listed, _ in lists.values())])
            # A row is in the pool at most once per list and once for the rare words.
            take = (k + 64) * (len(lists) + 1)
            if take < len(pool):
                pool = pool[np.argpartition(-scores[pool], take - 1)[:take]]
            pool = np.unique(pool)
            pool = pool[np.argsort(-scores[pool], kind="stable")]
            # Rows deleted since the build keep their postings: the best `k` of the rows that exist.
            best = _existing(
                connection, [(int(row), float(scores[row])) for row in pool if scores[row] > 0], k
            )
            bound = sum(
                idf[term] * float(weights[head])
                for term, (_, weights) in lists.items()
                if head < len(weights)
            )
            if bound == 0 or (len(best) == k and best[-1][1] >= bound):
                break
            head *= 4
        # Rows appended since the build: every word's share read from their text.
        ranked = best + list(_shares(connection, appended, idf, tokens / rows if rows else 1.0).items())
        ranked.sort(key=lambda hit: hit[1], reverse=True)
        return ranked[:k]

    def exact_search(self, question: str, k: int) -> list[tuple[int, float]]:
        """FTS5's BM25 with every row that holds a word of the question scored: what `search` returns
        (rows of equal score in any order), at its full cost (~2 us a row). For measurements."""
        terms = _question_terms(question)
        if not terms or k <= 0:
            return []
        with self._guarded() as connection:
            terms, _ = self._held_terms(connection, terms)
            return self._ranked(connection, terms, k) if terms else []

    def _held_terms(
        self, connection: sqlite3.Connection, terms: list[str]
    ) -> tuple[list[str], dict[str, int]]:
        """The terms some row holds, and each term's row count."""
        frequencies = self._document_frequencies(connection, terms)
        return [term for term in terms if frequencies[term]], frequencies

    def postings_built(self) -> bool:
        with self._guarded() as connection:
            return _postings_build(connection) is not None

    @staticmethod
    def _ranked(connection: sqlite3.Connection, terms: list[str], k: int) -> list[tuple[int, float]]:
        rows = connection.execute(
            "SELECT rowid, bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
            "ORDER BY bm25(passage_terms) LIMIT ?",
            (_match(terms), k),
        ).fetchall()
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def postings_due(self) -> bool:
        """Whether the common words' posting lists should be built (again): the index is large enough
        for them to pay, and they are missing or the rows changed by `POSTINGS_STALE` since."""
        if self.read_only:
            return False
        with self._guarded() as connection:
            rows = self._totals(connection)[0]
            build = _postings_build(connection)
        if rows < LISTED_MIN_ROWS:
            return build is not None  # shrunk: every question is scored in full; building drops them
        return build is None or abs(rows - build.rows) > POSTINGS_STALE * build.rows

    def build_postings(
        self,
        stop: threading.Event | None = None,
        holding: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> bool:
        """Keep, for each word in more than `LISTED_WORD_ROWS` rows, its rows and BM25 weights as
        arrays (`_from_postings` sums those instead of FTS5 scoring every row); True when written.

        Read from one snapshot of the index without blocking its writers (about a minute at 1M
        passages), then written in one transaction inside `holding()` (the workspace's write lock),
        only if no row changed meanwhile: a kill at any moment leaves the old lists or the new ones,
        each consistent with the rows it covers. Below `LISTED_MIN_ROWS` rows the lists are dropped.
        """
        if self.read_only:
            return False
        with self._guarded() as connection:
            connection.execute("BEGIN")  # one snapshot for every read below
            try:
                version = _structure(connection)
                rows, tokens = self._totals(connection)
                covered = connection.execute("SELECT max(rowid) FROM passage_terms").fetchone()[0] or 0
                words = (
                    connection.execute(
                        "SELECT term, doc FROM passage_vocabulary WHERE doc > ?", (LISTED_WORD_ROWS,)
                    ).fetchall()
                    if rows >= LISTED_MIN_ROWS
                    else []
                )
                lists = []
                for term, frequency in words:
                    if stop is not None and stop.is_set():
                        return False
                    found = np.array(
                        connection.execute(
                            "SELECT rowid, bm25(passage_terms) FROM passage_terms "
                            "WHERE passage_terms MATCH ?",
                            (_match([term]),),
                        ).fetchall()
                    ).reshape(-1, 2)
                    # FTS5's BM25 of one word is its IDF times its weight in the row: keep the weight,
                    # heaviest first (the search reads the lists' heads).
                    weights = (-found[:, 1] / _idf(rows, frequency)).astype(np.float32)
                    order = np.argsort(-weights, kind="stable")
                    ids = found[order, 0].astype(np.int32)
                    lists.append((term, ids.tobytes(), weights[order].tobytes()))
            finally:
                connection.rollback()
            with holding(), connection:
                connection.execute("BEGIN IMMEDIATE")
                if _structure(connection) != version:
                    log.info("%s: posting lists dropped: rows changed while they were built", self.path.name)
                    return False
                _drop_postings(connection)
                if lists:
                    connection.executemany(
                        "INSERT INTO word_postings (term, rows, weights) VALUES (?, ?, ?)", lists
                    )
                    connection.execute(
                        "INSERT INTO word_postings_build (id, covered, rows, average) VALUES (1, ?, ?, ?)",
                        (covered, rows, tokens / rows),
                    )
        log.info("%s: posting lists of %d common words built over %d rows", self.path.name, len(lists), rows)
        return True

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


class _PostingsBuild(NamedTuple):
    covered: int  # the highest row id when the lists were built: rows above it are searched apart
    rows: int
    average: float  # tokens per row then: the lists' weights are BM25's at this average


def _postings_build(connection: sqlite3.Connection) -> _PostingsBuild | None:
    """The state the posting lists were built at; None when there are none (or the file predates them)."""
    try:
        row = connection.execute(
            "SELECT covered, rows, average FROM word_postings_build WHERE id = 1"
        ).fetchone()
    except sqlite3.OperationalError:  # a read-only file written before the lists existed
        return None
    return _PostingsBuild(*row) if row else None


def _drop_postings(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM word_postings")
    connection.execute("DELETE FROM word_postings_build")


def _structure(connection: sqlite3.Connection) -> bytes | None:
    """FTS5's structure record: it changes with every write to the index, another process's too."""
    row = connection.execute("SELECT block FROM passage_terms_data WHERE id = 10").fetchone()
    return bytes(row[0]) if row else None


def _match(terms: list[str]) -> str:
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _shares(
    connection: sqlite3.Connection, ids: list[int], idf: dict[str, float], average: float
) -> dict[int, float]:
    """BM25 share of the words `idf` weighs in each row, read from the rows' text (rows gone: absent)."""
    if not ids or not idf:
        return {row: 0.0 for (row,) in connection.execute(_rows_in(len(ids)), ids)} if ids else {}
    marks = ",".join("?" * len(ids))
    texts = dict(connection.execute(f"SELECT rowid, terms FROM passage_terms WHERE rowid IN ({marks})", ids))
    # Lengths as FTS5 counted them (its tokenizer splits "1.3" in two; BM25 needs its count).
    sizes = dict(connection.execute(f"SELECT id, sz FROM passage_terms_docsize WHERE id IN ({marks})", ids))
    shares = {}
    for row, text in texts.items():
        words = _FTS_TOKEN.findall(text or "")
        length = _varint(sizes[row], 0)[0] if sizes.get(row) else len(words)
        share = 0.0
        for term, weight in idf.items():
            count = words.count(term)
            if count:
                share += weight * count * (K1 + 1) / (count + K1 * (1 - B + B * length / average))
        shares[row] = share
    return shares


def _rows_in(count: int) -> str:
    return f"SELECT id FROM passage_terms_docsize WHERE id IN ({','.join('?' * count)})"


def _existing(
    connection: sqlite3.Connection, ranked: list[tuple[int, float]], k: int
) -> list[tuple[int, float]]:
    """The first `k` hits whose rows still exist (posting lists keep deleted rows until rebuilt)."""
    kept: list[tuple[int, float]] = []
    at = 0
    while len(kept) < k and at < len(ranked):
        batch = ranked[at : at + k + 16]
        present = {row for (row,) in connection.execute(_rows_in(len(batch)), [row for row, _ in batch])}
        kept += [hit for hit in batch if hit[0] in present]
        at += len(batch)
    return kept[:k]


def _question_terms(question: str) -> list[str]:
    """The question's distinct search words, at most `MAX_QUERY_TERMS`."""
    return list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))[:MAX_QUERY_TERMS]


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
