"""The `postgres` index store: catalog, pgvector HNSW channels and BM25 rows in one PostgreSQL database;
originals, page images and the visual index in a shared store every replica mounts.

Any number of processes on any machines serve one corpus this way. Writers take turns through a
PostgreSQL advisory lock (the server lets go of it when a writer's connection dies, so a killed writer
never blocks the next one); readers query the database directly, so there is nothing to reload.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import os
import socket
import struct
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.types import UserDefinedType

from indexer.errors import CatalogUnavailable, WorkspaceError
from indexer.language import search_tokens
from indexer.lexical import MAX_QUERY_TERMS
from indexer.storage import first_line, storage_errors, writable
from indexer.stores.base import IndexStore, WriterBusy, folder_bytes

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from indexer.settings import IndexSettings

log = logging.getLogger(__name__)

STORE_REVISION = "0001"
"""Head of the store's own Alembic chain (table `index_store_version`, beside the catalog's)."""
VECTOR_CHANNELS = ("dense", "deep")
STORE_FILE = "store.json"
"""In the shared store: which database it belongs to (two corpora must never share one store)."""
MAX_LEXEME_BYTES = 2046
"""PostgreSQL's limit for one lexeme (2 KiB): longer "words" are not searchable (they never are words)."""
MAX_POSITIONS = 256
"""PostgreSQL keeps at most 256 positions of a lexeme: a term's frequency counts up to that."""
MAX_EF_SEARCH = 1000
DEFER_INDEX_MIN_ROWS = 20_000
DEFER_INDEX_SHARE = 0.2
"""A writer that has added `DEFER_INDEX_MIN_ROWS` rows since its last save, and at least this share of what
the HNSW graph held, drops the graph and builds it again in one pass when it saves. Measured here
(benchmarks/postgres_scale.py, 2 cores): inserting into both graphs row by row ran at ~100 passages/s, a
one-pass build of both at ~600 rows/s, so a load of a fifth of the table costs about what the rebuild of
the whole table costs."""
MAX_BUILD_MEMORY_MB = 4096
"""The most `maintenance_work_mem` an HNSW build asks for (it asks for what the graph needs, below this:
a graph larger than its memory is built on disk, many times slower)."""
# BM25 as SQLite's FTS5 computes it, so that both stores rank alike.
BM25_K1 = 1.2
BM25_B = 0.75


def _lock_key(purpose: str) -> int:
    """A signed 64-bit advisory-lock key of this application (other applications use other keys)."""
    return int.from_bytes(
        hashlib.sha256(f"omnifusion-assistant:{purpose}".encode()).digest()[:8], "big", signed=True
    )


WRITER_LOCK = _lock_key("writer")
SCHEMA_LOCK = _lock_key("schema")


class HalfVector(UserDefinedType[np.ndarray]):
    """pgvector's `halfvec`: 16-bit floats, half the memory and disk of `vector` at the same recall."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "halfvec"

    def bind_processor(self, dialect: Any) -> Any:
        return vector_literal

    def bind_expression(self, bindvalue: Any) -> Any:
        return cast(bindvalue, self)


def vector_literal(vector: np.ndarray) -> str:
    # Six significant digits: more than a 16-bit float holds.
    return "[" + ",".join(f"{value:.6g}" for value in np.asarray(vector, dtype=np.float32).tolist()) + "]"


_METADATA = MetaData()
_VECTORS = {
    name: Table(
        f"{name}_vectors",
        _METADATA,
        Column("passage_id", Integer, primary_key=True),
        Column("embedding", HalfVector()),
    )
    for name in VECTOR_CHANNELS
}
_LEXICAL = Table(
    "lexical_passages",
    _METADATA,
    Column("passage_id", Integer, primary_key=True),
    Column("terms", TSVECTOR),
    Column("length", Integer),
)
_TERMS = Table(
    "lexical_terms", _METADATA, Column("term", Text, primary_key=True), Column("documents", Integer)
)
_TOTALS = Table(
    "lexical_totals",
    _METADATA,
    Column("id", Integer, primary_key=True),
    Column("passages", Integer),
    Column("tokens", Integer),
)
_STATE = Table("store_state", _METADATA, Column("key", Text, primary_key=True), Column("value", Text))


def _canonical(value: object) -> object:
    """A setting as the database records it: every way of saying "off" is the same."""
    return "" if isinstance(value, str) and value.lower() in ("", "off", "none") else value


class PostgresStore(IndexStore):
    """Catalog, vectors and lexical rows in the database at `database_url`; files in `shared_store`."""

    name = "postgres"

    def __init__(self, root: Path, settings: IndexSettings) -> None:
        super().__init__(root, settings)
        if not settings.database_url:
            raise WorkspaceError(
                "the postgres index backend keeps the whole index in one PostgreSQL database: set "
                "ASSISTANT_DATABASE_URL (e.g. postgresql+psycopg2://user:password@host:5432/database)"
            )
        try:
            backend = make_url(settings.database_url).get_backend_name()
        except ArgumentError:
            backend = "postgresql"  # the catalog names the problem, without the password
        if backend != "postgresql":
            raise WorkspaceError(
                f"the postgres index backend needs a PostgreSQL database URL, not a {backend} one; "
                "set ASSISTANT_DATABASE_URL=postgresql+psycopg2://..., or use ASSISTANT_INDEX_BACKEND=local"
            )
        if not settings.shared_store:
            raise WorkspaceError(
                "the postgres index backend keeps originals and page images in a shared store: set "
                "ASSISTANT_SHARED_STORE to a directory every replica mounts (the same path on each)"
            )
        if "://" in settings.shared_store:
            raise WorkspaceError(
                f"shared_store {settings.shared_store!r}: only a mounted directory is supported; mount the "
                "bucket (e.g. with s3fs or a CSI driver) and give its path"
            )
        for name, low, high in (
            ("pg_ef_search", 1, MAX_EF_SEARCH),
            ("pg_hnsw_m", 2, 100),
            ("pg_hnsw_ef_construction", 4, 1000),
        ):
            value = getattr(settings, name)
            if not low <= value <= high:
                raise WorkspaceError(
                    f"setting {name!r} must be in {low}..{high} (pgvector's range), not {value!r}"
                )
        if settings.pg_hnsw_ef_construction < 2 * settings.pg_hnsw_m:
            raise WorkspaceError(
                f"setting 'pg_hnsw_ef_construction' ({settings.pg_hnsw_ef_construction}) must be at least "
                f"twice 'pg_hnsw_m' ({settings.pg_hnsw_m})"
            )
        self._files = Path(settings.shared_store).expanduser().resolve()
        self._engine: Engine | None = None
        self._channels: dict[str, PgVectorIndex] = {}

    @property
    def files(self) -> Path:
        return self._files

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the postgres store is used before the catalog was opened")
        return self._engine

    def catalog_url(self) -> tuple[str, Path | None]:
        return self.settings.database_url, None

    def writable(self) -> bool:
        return writable(self.root, ("config.json",)) and (
            not self._files.exists() or writable(self._files, ("originals", "pages", "visual", STORE_FILE))
        )

    # -- schema, identity, shared settings -------------------------------------------------------

    def holds_a_corpus(self) -> bool:
        from indexer.catalog import make_engine

        engine = make_engine(self.settings.database_url)
        try:
            with engine.connect() as connection:
                return _store_revision(connection) is not None
        finally:
            engine.dispose()

    def attach(self, engine: Engine, read_only: bool) -> None:
        if engine.dialect.name != "postgresql":
            raise WorkspaceError("the postgres index backend needs a PostgreSQL catalog")
        self._engine = engine
        migrate_store(engine, read_only)
        with engine.connect() as connection:
            identity = connection.execute(select(_STATE.c.value).where(_STATE.c.key == "store_id")).scalar()
        self._claim_the_shared_store(str(identity), read_only)

    def _claim_the_shared_store(self, identity: str, read_only: bool) -> None:
        """Write (or compare) the database's identity in the shared store: deleting a document removes
        its original, which must never be another corpus's file."""
        marker = self._files / STORE_FILE
        advice = "give each database its own ASSISTANT_SHARED_STORE"
        if marker.is_file():
            try:
                recorded = json.loads(marker.read_text(encoding="utf-8")).get("database")
            except (ValueError, AttributeError, OSError) as error:
                raise WorkspaceError(f"{marker} is not readable ({error}); {advice}") from error
            if recorded != identity:
                raise WorkspaceError(
                    f"the shared store {self._files} belongs to another database (its {STORE_FILE} names "
                    f"{recorded!r}, this database is {identity!r}); {advice}"
                )
            return
        if read_only:
            return
        with storage_errors(marker, advice):
            self._files.mkdir(parents=True, exist_ok=True)
            temporary = marker.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"database": identity}), encoding="utf-8")
            os.replace(temporary, marker)

    def reconcile(self, settings: IndexSettings, frozen: Iterable[str], chosen: set[str]) -> None:
        """The first process records the frozen settings (the embedders) in the database; every later one,
        on any machine, adopts them, and refuses one set explicitly to something else."""
        names = list(frozen)
        mine = {name: _canonical(getattr(settings, name)) for name in names}
        with self.engine.begin() as connection:
            connection.execute(
                upsert(_STATE).values(key="settings", value=json.dumps(mine)).on_conflict_do_nothing()
            )
            stored = connection.execute(select(_STATE.c.value).where(_STATE.c.key == "settings")).scalar()
        recorded = json.loads(stored or "{}")
        for name in names:
            if name not in recorded or recorded[name] == mine[name]:
                continue
            if name in chosen:
                raise WorkspaceError(
                    f"the database was built with {name}={recorded[name]!r}; use a new database for "
                    f"{name}={mine[name]!r} (its vectors would not mix)"
                )
            setattr(settings, name, recorded[name])

    # -- channels --------------------------------------------------------------------------------

    def vector_index(self, name: str, dim: int, fresh: bool = False) -> PgVectorIndex:
        index = PgVectorIndex(self.engine, name, dim, self.settings)
        if fresh:
            index.clear()
        self._channels[name] = index
        return index

    def unbuilt_graphs(self) -> list[str]:
        return sorted(self._missing_graphs())

    def build_graphs(self) -> dict[str, float]:
        return self.build_missing_graphs()

    def build_missing_graphs(self) -> dict[str, float]:
        """Build the HNSW graph of every typed channel that has none (a bulk load not saved, or its writer
        killed before it saved); seconds per graph built. Writers call it before they let go of the lock."""
        built = {}
        for name, width in self._missing_graphs().items():
            channel = self._channels.get(name) or PgVectorIndex(self.engine, name, width, self.settings)
            if not channel.deferred:
                log.warning("%s: its HNSW graph is missing (a bulk load was interrupted): building it", name)
            built[name] = channel.build_graph()
        return built

    def _missing_graphs(self) -> dict[str, int]:
        """Typed vector channels with no HNSW graph: their width by name."""
        with self.engine.connect() as connection:
            return {
                name: int(width)
                for name, width, graph in connection.execute(
                    text(
                        "SELECT c.name, a.atttypmod, to_regclass(c.name || '_vectors_hnsw') "
                        "FROM unnest(CAST(:names AS text[])) AS c(name) "
                        "JOIN pg_attribute AS a ON a.attrelid = to_regclass(c.name || '_vectors') "
                        "AND a.attname = 'embedding'"
                    ),
                    {"names": list(VECTOR_CHANNELS)},
                ).all()
                if width > 0 and graph is None
            }

    def lexical_index(self, read_only: bool) -> PgLexicalIndex:
        return PgLexicalIndex(self.engine)

    # -- writers ---------------------------------------------------------------------------------

    @contextmanager
    def writer_lock(self, wait: bool) -> Iterator[None]:
        """A session-level advisory lock on a connection of its own: held until released, or until the
        holder's connection ends (a killed process, a lost machine once TCP gives up on it)."""
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": WRITER_LOCK}
            ).scalar()
            if not taken:
                if not wait:
                    raise WriterBusy(f"another process is writing to the index in {self._shown()}")
                log.info("waiting for another process writing to the index in %s", self._shown())
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK})
        except BaseException:
            # Whatever state the lock is in, ending the session lets go of it.
            connection.invalidate()
            connection.close()
            raise
        try:
            yield
            # A writer that loaded in bulk and never saved, or one killed before it built its graphs (its
            # rows are gone now: the workspace repairs first), leaves none missing to the next.
            self.build_missing_graphs()
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK})
            except Exception as error:
                log.warning("could not release the writer lock (%s); closing its session instead", error)
                connection.invalidate()
            connection.close()

    def _shown(self) -> str:
        return make_url(self.settings.database_url).render_as_string(hide_password=True)

    def mark_unfinished(self) -> None:
        holder = json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        )
        with self.engine.begin() as connection:
            connection.execute(
                upsert(_STATE)
                .values(key="unfinished", value=holder)
                .on_conflict_do_update(index_elements=["key"], set_={"value": holder})
            )

    def clear_unfinished(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_STATE).where(_STATE.c.key == "unfinished"))

    def left_unfinished(self) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(select(_STATE.c.key).where(_STATE.c.key == "unfinished")).first()
                is not None
            )

    # -- upkeep ----------------------------------------------------------------------------------

    def disk_usage(self) -> int:
        with self.engine.connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        return int(size or 0) + folder_bytes(self._files / "visual")

    def compact_catalog(self, engine: Engine) -> None:
        """VACUUM makes the space of deleted rows reusable and refreshes the planner's statistics; it never
        blocks searches (VACUUM FULL, which gives the space back to the file system, would)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))


# -- the vector channels ---------------------------------------------------------------------------


class PgVectorIndex:
    """One vector channel in a table: `halfvec(dim)` per passage, an HNSW index for inner product.

    The table comes from the store's migration with an untyped column; the first process that knows the
    embedder's width types it and builds the HNSW index (the width belongs to the embedder, which the
    database records on creation). Rows go when their passage goes (ON DELETE CASCADE).

    Rows arrive by COPY in pgvector's binary format. A writer adding many rows at once (see
    `DEFER_INDEX_MIN_ROWS`) drops the HNSW graph and builds it again in one pass when it saves, as pgvector
    advises for bulk loads; meanwhile searches scan the table exactly (slower, never wrong). A writer killed
    in between leaves no graph: the next one to take the writer lock builds it (`build_missing_graphs`).
    """

    def __init__(self, engine: Engine, name: str, dim: int, settings: IndexSettings) -> None:
        if name not in _VECTORS:
            raise ValueError(f"no vector channel {name!r}; known: {sorted(_VECTORS)}")
        self.engine = engine
        self.name = name
        self.table = _VECTORS[name]
        self.dim = dim
        self.ef_search = settings.pg_ef_search
        self._hnsw = (settings.pg_hnsw_m, settings.pg_hnsw_ef_construction)
        self._count: int | None = None
        self._typed = False
        self._unsaved = 0
        """Rows this writer added since it last saved."""
        self._before = 0
        """Rows the table held when those began (what the graph held then)."""
        self.deferred = False
        """Whether this writer dropped the graph to build it again when it saves."""

    @property
    def graph(self) -> str:
        return f"{self.table.name}_hnsw"

    def _width(self, connection: Connection) -> int:
        typmod = connection.execute(
            text(
                "SELECT atttypmod FROM pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attname = 'embedding'"
            ),
            {"table": self.table.name},
        ).scalar()
        return int(typmod) if typmod is not None else -1

    def _ensure_typed(self) -> None:
        """Type the column and build the HNSW index once, whoever comes first (schema lock)."""
        if self._typed:
            return
        with self.engine.begin() as connection:
            width = self._width(connection)
            if width < 0:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
                width = self._width(connection)
            if width < 0:
                connection.execute(
                    text(f"ALTER TABLE {self.table.name} ALTER COLUMN embedding TYPE halfvec({self.dim})")
                )
                build_graph(connection, self.table.name, self.dim, self._hnsw, rows=0)
                width = self.dim
        if width != self.dim:
            raise WorkspaceError(
                f"the database holds {width}-d {self.name} vectors but the embedder gives {self.dim}-d; "
                "use the embedder the database was built with, or a new database"
            )
        self._typed = True

    def __len__(self) -> int:
        if self._count is None:
            with self.engine.connect() as connection:
                self._count = int(
                    connection.execute(select(func.count()).select_from(self.table)).scalar() or 0
                )
        return self._count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """COPY the rows in (an id already held is replaced); a bulk load drops the graph first."""
        if len(ids) == 0:
            return
        self._ensure_typed()
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"{self.name}: {len(ids)} ids but vectors of shape {vectors.shape}")
        if self._unsaved == 0:
            self._before = len(self)
        self._unsaved += len(ids)
        table = self.table.name
        with self.engine.begin() as connection:
            if not self.deferred and self._unsaved >= max(
                DEFER_INDEX_MIN_ROWS, DEFER_INDEX_SHARE * self._before
            ):
                connection.execute(text(f"DROP INDEX IF EXISTS {self.graph}"))
                self.deferred = True
                log.info(
                    "%s: %d rows added to %d: the HNSW graph is built again in one pass when they are saved",
                    table,
                    self._unsaved,
                    self._before,
                )
            wanted = [int(i) for i in ids]
            held = connection.execute(
                text(f"SELECT 1 FROM {table} WHERE passage_id = ANY(:ids) LIMIT 1"), {"ids": wanted}
            ).first()
            payload = halfvec_copy(np.asarray(ids, dtype=np.int64), vectors)
            if held is None:
                copy_into(connection, f"COPY {table} (passage_id, embedding) FROM STDIN BINARY", payload)
            else:
                # Some are replaced: through a staging table, so that the COPY stays one statement.
                connection.execute(
                    text(
                        "CREATE TEMP TABLE staged_vectors "
                        f"(passage_id integer, embedding halfvec({self.dim})) ON COMMIT DROP"
                    )
                )
                copy_into(connection, "COPY staged_vectors FROM STDIN BINARY", payload)
                connection.execute(
                    text(
                        f"INSERT INTO {table} SELECT * FROM staged_vectors ON CONFLICT (passage_id) "
                        "DO UPDATE SET embedding = EXCLUDED.embedding"
                    )
                )
        self._count = None

    def remove(self, ids: list[int] | np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        wanted = [int(i) for i in ids]
        with self.engine.begin() as connection:
            removed = connection.execute(
                delete(self.table).where(self.table.c.passage_id.in_(wanted))
            ).rowcount
        self._count = None
        return int(removed or 0)

    def ids(self) -> np.ndarray:
        with self.engine.connect() as connection:
            found = connection.execute(select(self.table.c.passage_id)).scalars().all()
        return np.array(sorted(found), dtype=np.int64)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Approximate (HNSW) beyond a few thousand rows; `ef_search` is at least `k` (HNSW returns at most
        `ef_search` rows), at most pgvector's 1000."""
        if k <= 0:
            return []
        vector = bindparam("query", np.asarray(query), type_=HalfVector())
        distance = self.table.c.embedding.op("<#>")(vector)  # negative inner product
        with self.engine.begin() as connection:
            connection.execute(
                text("SELECT set_config('hnsw.ef_search', :value, true)"),
                {"value": str(min(MAX_EF_SEARCH, max(self.ef_search, k)))},
            )
            rows = connection.execute(
                select(self.table.c.passage_id, distance).order_by(distance).limit(k)
            ).all()
        return [(int(passage_id), -float(value)) for passage_id, value in rows]

    def similarities(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product of `query` with the stored vectors of `ids` (ids not held are left out), computed
        by the server: only the scores cross the network, not the vectors."""
        if not ids:
            return {}
        vector = bindparam("query", np.asarray(query), type_=HalfVector())
        product = self.table.c.embedding.op("<#>")(vector)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(self.table.c.passage_id, product).where(
                    self.table.c.passage_id.in_([int(i) for i in ids])
                )
            ).all()
        return {int(passage_id): -float(value) for passage_id, value in rows}

    def save(self) -> None:
        """Rows are committed as they come; a graph dropped for a bulk load is built again here, before the
        workspace publishes the documents (so they become visible with their graph)."""
        if self.deferred:
            self.build_graph()
        self._unsaved = 0

    def build_graph(self) -> float:
        """Build the HNSW graph of the rows held, if it is missing; returns the seconds it took."""
        started = time.perf_counter()
        with self.engine.begin() as connection:
            if connection.execute(text("SELECT to_regclass(:name)"), {"name": self.graph}).scalar() is None:
                build_graph(connection, self.table.name, self.dim, self._hnsw, rows=len(self))
        self.deferred = False
        return time.perf_counter() - started

    def reload(self) -> None:
        self._count = None

    def clear(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(self.table))
        self._count = None
        self._unsaved = 0


def build_graph(connection: Connection, table: str, dim: int, hnsw: tuple[int, int], rows: int) -> None:
    """CREATE INDEX ... USING hnsw with the memory the graph needs (within `MAX_BUILD_MEMORY_MB`): readers
    go on searching meanwhile (by a scan), writers wait for it."""
    m, construction = hnsw
    # A node: its vector, up to 2m neighbours on the ground layer (fewer above), pgvector's bookkeeping.
    wanted_mb = rows * (2 * dim + 2 * m * 10 + 160) * 1.25 / 2**20
    # Never less than the server is configured with (an operator's PG_MAINTENANCE_WORK_MEM stands).
    configured_mb = (
        connection.execute(
            text("SELECT setting::bigint / 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'")
        ).scalar()
        or 0
    )
    memory = int(max(configured_mb, min(MAX_BUILD_MEMORY_MB, max(64, wanted_mb))))
    connection.execute(
        text("SELECT set_config('maintenance_work_mem', :value, true)"), {"value": f"{memory}MB"}
    )
    started = time.perf_counter()
    connection.execute(
        text(
            f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding halfvec_ip_ops) "
            f"WITH (m = {int(m)}, ef_construction = {int(construction)})"
        )
    )
    log.info(
        "%s: HNSW graph of %d %d-d rows (m=%d, ef_construction=%d, %d MB) built in %.1f s",
        table,
        rows,
        dim,
        m,
        construction,
        memory,
        time.perf_counter() - started,
    )


def halfvec_copy(ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """Rows (passage_id integer, embedding halfvec) in COPY's binary format: what pgvector's halfvec_recv
    reads is its width, a reserved 16-bit word and the 16-bit floats, all big-endian."""
    count, dim = vectors.shape
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("id_size", ">i4"),
            ("id", ">i4"),
            ("vector_size", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("values", ">f2", (dim,)),
        ]
    )
    rows = np.zeros(count, dtype=row)
    rows["fields"] = 2
    rows["id_size"] = 4
    rows["id"] = ids
    rows["vector_size"] = 4 + 2 * dim
    rows["dim"] = dim
    rows["values"] = vectors.astype(np.float16)
    return COPY_HEADER + rows.tobytes() + struct.pack(">h", -1)


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)


def copy_into(connection: Connection, statement: str, payload: bytes | str) -> None:
    """COPY FROM STDIN on the connection's own transaction (psycopg2's copy_expert)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(
            statement, io.BytesIO(payload) if isinstance(payload, bytes) else io.StringIO(payload)
        )
    finally:
        cursor.close()


# -- the lexical channel ---------------------------------------------------------------------------


def _quoted(term: str) -> str:
    """A lexeme as PostgreSQL's tsvector/tsquery input syntax writes it."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def lexical_terms(text_: str) -> list[str]:
    """The terms FTS5's unicode61 tokenizer makes of the local store's stemmed tokens: `\\w` runs split
    at underscores (a separator there), so both stores count the same terms and lengths."""
    return [part for token in search_tokens(text_) for part in token.split("_") if part]


def tsvector_literal(terms: list[str]) -> str:
    """Each searchable term with as many positions as it occurs (only the count matters for BM25)."""
    counts = Counter(term for term in terms if len(term.encode()) <= MAX_LEXEME_BYTES)
    return " ".join(
        f"{_quoted(term)}:{','.join(str(p) for p in range(1, min(count, MAX_POSITIONS) + 1))}"
        for term, count in counts.items()
    )


class PgLexicalIndex:
    """BM25 over the same stemmed terms as the local FTS5 index, in a `tsvector` column with a GIN index.

    Term statistics (how many passages hold each term, how many terms there are) are kept by statement
    triggers in the same transaction as the rows, so IDF is exact for every replica at every moment,
    also when a catalog delete cascades to the rows.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, entries: Iterable[tuple[int, str]]) -> None:
        self.add_terms((passage_id, lexical_terms(passage_text)) for passage_id, passage_text in entries)

    def add_terms(self, entries: Iterable[tuple[int, list[str]]]) -> None:
        """Rows of already stemmed terms (`lexical_terms`), by one COPY: the statement trigger counts the
        terms of them all at once. A passage already held is replaced."""
        buffer = io.StringIO()
        rows = csv.writer(buffer, lineterminator="\n")
        ids = []
        for passage_id, terms in entries:
            rows.writerow((int(passage_id), tsvector_literal(terms), len(terms)))
            ids.append(int(passage_id))
        if not ids:
            return
        with self.engine.begin() as connection:
            connection.execute(delete(_LEXICAL).where(_LEXICAL.c.passage_id.in_(ids)))
            copy_into(
                connection,
                "COPY lexical_passages (passage_id, terms, length) FROM STDIN CSV",
                buffer.getvalue(),
            )

    def remove(self, passage_ids: Iterable[int]) -> None:
        wanted = [int(i) for i in passage_ids]
        if wanted:
            with self.engine.begin() as connection:
                connection.execute(delete(_LEXICAL).where(_LEXICAL.c.passage_id.in_(wanted)))

    def ids(self) -> set[int]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(_LEXICAL.c.passage_id)).scalars())

    def _totals(self, connection: Connection) -> tuple[int, int]:
        row = connection.execute(
            select(_TOTALS.c.passages, _TOTALS.c.tokens).where(_TOTALS.c.id == 1)
        ).first()
        return (int(row[0]), int(row[1])) if row is not None else (0, 0)

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return self._totals(connection)[0]

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better), scored like FTS5's bm25() for an OR of the terms."""
        words = list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))[:MAX_QUERY_TERMS]
        terms = list(
            dict.fromkeys(
                part
                for word in words
                for part in word.split("_")
                if part and len(part.encode()) <= MAX_LEXEME_BYTES
            )
        )
        if not terms or k <= 0:
            return []
        query = " | ".join(_quoted(term) for term in terms)
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    """
                    WITH totals AS (
                        SELECT passages, greatest(tokens::float8 / greatest(passages, 1), 1e-9) AS average
                        FROM lexical_totals WHERE id = 1
                    ), wanted AS (
                        SELECT t.term, greatest(
                            ln((totals.passages - t.documents + 0.5) / (t.documents + 0.5)), 1e-6
                        ) AS idf
                        FROM lexical_terms AS t, totals WHERE t.term = ANY(:terms)
                    )
                    SELECT l.passage_id,
                           sum(w.idf * (u.tf * (:k1 + 1)) /
                               (u.tf + :k1 * (1 - :b + :b * l.length / totals.average))) AS score
                    FROM lexical_passages AS l
                    CROSS JOIN totals
                    CROSS JOIN LATERAL (
                        -- Only the question's lexemes, picked out in C (weight A, then filtered): unnesting
                        -- every lexeme of every matching passage took most of the query's time.
                        SELECT lexeme, cardinality(positions) AS tf
                        FROM unnest(ts_filter(setweight(l.terms, 'A', CAST(:terms AS text[])), '{a}'))
                    ) AS u
                    JOIN wanted AS w ON w.term = u.lexeme
                    WHERE l.terms @@ CAST(:query AS tsquery)
                    GROUP BY l.passage_id
                    ORDER BY score DESC, l.passage_id
                    LIMIT :k
                    """
                ),
                {"terms": terms, "query": query, "k": k, "k1": BM25_K1, "b": BM25_B},
            ).all()
        return [(int(passage_id), float(score)) for passage_id, score in rows]

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25-style inverse document frequency of stemmed terms, as the local index computes it."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        with self.engine.connect() as connection:
            total = self._totals(connection)[0] or 1
            found = dict(
                connection.execute(
                    select(_TERMS.c.term, _TERMS.c.documents).where(_TERMS.c.term.in_(wanted))
                ).all()
            )
        idf = {}
        for term in wanted:
            frequency = int(found.get(term, 0))
            documents = max(total, frequency)
            idf[term] = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
        return idf

    def optimize(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("lexical_passages", "lexical_terms"):
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))

    def integrity(self) -> str:
        """Whether the term statistics agree with the rows (a full recount: `check` runs it)."""
        with self.engine.connect() as connection:
            differing = connection.execute(
                text(
                    """
                    WITH counted AS (
                        SELECT lexeme AS term, count(*)::int AS documents
                        FROM lexical_passages, unnest(tsvector_to_array(terms)) AS lexeme GROUP BY lexeme
                    )
                    SELECT count(*) FROM counted FULL JOIN lexical_terms AS kept USING (term)
                    WHERE counted.documents IS DISTINCT FROM kept.documents
                    """
                )
            ).scalar()
            totals = self._totals(connection)
            actual = connection.execute(
                text("SELECT count(*), coalesce(sum(length), 0) FROM lexical_passages")
            ).first()
        problems = []
        if differing:
            problems.append(f"the statistics of {differing} term(s) disagree with the rows")
        if actual is not None and (int(actual[0]), int(actual[1])) != totals:
            problems.append(f"the totals {totals} disagree with the rows {tuple(actual)}")
        return f"lexical_passages: {'; '.join(problems)}" if problems else ""

    def forget_count(self) -> None:
        """Nothing is cached: the counts live in the database."""

    def reset(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("TRUNCATE lexical_passages, lexical_terms"))
            connection.execute(_TOTALS.update().where(_TOTALS.c.id == 1).values(passages=0, tokens=0))

    def close(self) -> None:
        """The connections belong to the workspace's engine."""


# -- the store's own schema ------------------------------------------------------------------------


def migrate_store(engine: Engine, read_only: bool = False) -> None:
    """Bring the store's tables (pgvector, lexical, state) to `STORE_REVISION`; one process at a time."""
    with engine.connect() as connection:
        current = _store_revision(connection)
    if current == STORE_REVISION:
        return
    if read_only:
        raise WorkspaceError(
            f"the index store in the database is at {current or 'none'}, not {STORE_REVISION}; "
            "open it once from a process that may write"
        )
    _require_pgvector(engine)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            config.attributes["connection"] = connection
            config.attributes["store_id"] = uuid.uuid4().hex
            command.upgrade(config, "head")
    except DBAPIError as error:
        raise CatalogUnavailable(
            f"cannot set up the index store in the database ({first_line(error)})"
        ) from error
    log.info("index store migrated from %s to %s", current, STORE_REVISION)


def _store_revision(connection: Connection) -> str | None:
    exists = connection.execute(text("SELECT to_regclass('index_store_version')")).scalar()
    if exists is None:
        return None
    return connection.execute(text("SELECT version_num FROM index_store_version")).scalar()


def _require_pgvector(engine: Engine) -> None:
    """pgvector in this database, or an error that says who must install it and how."""
    with engine.connect() as connection:
        installed = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).first()
        if installed is not None:
            return
        available = connection.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        ).first()
    if available is None:
        raise CatalogUnavailable(
            "this PostgreSQL server has no pgvector extension, which the postgres index backend needs; "
            "run the pgvector/pgvector image (docker-compose.yml does), or install pgvector on the server"
        )
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    except DBAPIError as error:
        raise CatalogUnavailable(
            f"cannot install pgvector in this database ({first_line(error)}); a superuser must run "
            "`CREATE EXTENSION vector;` in it once (or in template1, for every new database)"
        ) from error
