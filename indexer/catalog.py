"""The catalog: documents, pages, passages and tiles in SQLAlchemy 2 (SQLite by default, any URL)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.pool import NullPool

from indexer.errors import AssistantError, CatalogUnavailable, ReadOnlyWorkspace
from indexer.storage import cannot_open, first_line, sqlite_read_only_uri, typed_failure

log = logging.getLogger(__name__)

SCHEMA_REVISION = "0002"
"""Alembic head this code expects; `open_catalog` upgrades older catalogs to it."""

MIGRATION_LOCK = 0x6F6D6E6966757331
"""PostgreSQL advisory-lock key that serialises catalog migrations of processes starting together."""

INDEXES = ("dense", "deep", "visual")
"""The index files whose publication the catalog counts (see `IndexGenerationRow`)."""


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class DocumentRow(Base):
    __tablename__ = "documents"
    # Ids are never reused (SQLite would hand a deleted document's id to the next one), so a
    # retried delete or a stale link can never hit a different document.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it as is)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(512))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    stored_path: Mapped[str] = mapped_column(String(1024))
    # 'pending' until every index holds the document; readers only ever see 'ready'.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    languages: Mapped[str] = mapped_column(String(32), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))

    pages: Mapped[list[PageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class PageRow(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[float] = mapped_column(Float)
    text_source: Mapped[str] = mapped_column(String(8))
    ocr_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)

    document: Mapped[DocumentRow] = relationship(back_populates="pages")
    passages: Mapped[list[PassageRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    tiles: Mapped[list[TileRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        Index("ix_pages_document_number", "document_id", "number", unique=True),
        {"sqlite_autoincrement": True},
    )


class PassageRow(Base):
    __tablename__ = "passages"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it as is)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8))
    section: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    x0: Mapped[float] = mapped_column(Float)
    y0: Mapped[float] = mapped_column(Float)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    # [[start, end, x0, y0, x1, y1], ...] per line: lets a quote inside the passage get its own box.
    spans: Mapped[list[Any]] = mapped_column(JSON)


class IndexGenerationRow(Base):
    """How often each index file was published: a process reloads an index when its count moved.

    Bumped in the same transaction that makes the saved file's content count (documents flipped to
    ready, a delete finished, deep vectors saved), always after the file itself was replaced.
    """

    __tablename__ = "index_generations"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class TileRow(Base):
    __tablename__ = "tiles"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it as is)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)


def relative_original(stored_path: str) -> str:
    """An original's path as catalog 0002 stores it: relative to the workspace, so a copy or a move works.

    Catalogs of revision 0001 stored absolute paths ending in `originals/<sha256>.<ext>`; other
    absolute paths (none are written by the workspace) are left as they are.
    """
    path = PurePosixPath(stored_path)
    if path.is_absolute() and path.parent.name == "originals":
        return f"originals/{path.name}"
    return stored_path


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the single writer, and a killed writer leaves a consistent file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _shown(url: URL | str) -> str:
    """The URL as it may appear in a message: never with its password."""
    return url.render_as_string(hide_password=True) if isinstance(url, URL) else url


def _typed_errors(engine: Engine, url: URL, place: Path | None) -> None:
    """Every database failure of this engine surfaces as the project's typed error."""
    shown = _shown(url)

    def handle_error(context: ExceptionContext) -> None:
        error = context.original_exception
        if not isinstance(error, Exception):
            # Ctrl-C or a stop signal during a query: the process is being stopped, the catalog is fine
            # (SQLAlchemy reports it as a disconnect because it drops that connection).
            return
        if url.get_backend_name() == "sqlite":
            typed = typed_failure(
                error,
                place or Path(url.database or shown),
                "restore it from a backup, or add the originals to a new workspace: the catalog is "
                "the one file that cannot be rebuilt",
            )
            if typed is None and cannot_open(error):
                typed = CatalogUnavailable(
                    f"cannot open the catalog at {shown} ({first_line(error)}); check that the path "
                    "exists and that this user may read it"
                )
        elif context.connection is None or context.is_disconnect:
            typed = CatalogUnavailable(
                f"cannot reach the catalog at {shown} ({first_line(error)}); check ASSISTANT_DATABASE_URL "
                "(user, password, host, port, database) and that the server is running"
            )
        else:
            typed = None
        if typed is not None:
            raise typed from error

    event.listen(engine, "handle_error", handle_error)


def make_engine(url: str, read_only: bool = False, place: Path | None = None) -> Engine:
    """An engine whose failures are typed errors; `read_only` opens a SQLite file without writing a byte.

    `place` is the workspace's own catalog file (None for a catalog elsewhere).
    """
    advice = (
        "set ASSISTANT_DATABASE_URL to e.g. postgresql+psycopg2://user:password@host:5432/database, "
        "or leave it empty for the workspace's own SQLite catalog"
    )
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        # The parser's message repeats the string, password included: say less.
        raise CatalogUnavailable(f"the catalog URL is not a database URL; {advice}") from error
    serializer = {"json_serializer": lambda obj: json.dumps(obj, separators=(",", ":"))}
    try:
        if parsed.get_backend_name() == "sqlite" and read_only and parsed.database:
            database = Path(parsed.database)
            engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(
                    sqlite_read_only_uri(database), uri=True, check_same_thread=False, timeout=30
                ),
                # A fresh connection for every use: each one decides anew between following a live
                # writer's log (`mode=ro`) and reading the file as it stands (`immutable`).
                poolclass=NullPool,
                **serializer,
            )
            event.listen(engine, "connect", _sqlite_reader_pragmas)
        else:
            # A server-side catalog may restart or drop idle connections: test each one before use.
            pinged = {"pool_pre_ping": True} if parsed.get_backend_name() != "sqlite" else {}
            engine = create_engine(parsed, **serializer, **pinged)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
        raise CatalogUnavailable(
            f"cannot use the catalog URL {_shown(parsed)} ({first_line(error)}); {advice} "
            "(PostgreSQL needs the postgres extra: pip install 'omnifusion-assistant[postgres]')"
        ) from error
    _typed_errors(engine, parsed, place)
    return engine


def migrate(engine: Engine, read_only: bool = False) -> None:
    """Bring the catalog to the Alembic head (creating it on first use)."""
    current = _current_revision(engine)
    if current == SCHEMA_REVISION:
        return
    if read_only:
        raise ReadOnlyWorkspace(
            f"the catalog is at schema {current or 'none'} and needs an upgrade to {SCHEMA_REVISION}, which "
            "this process cannot write; open the workspace once as a user who may write it"
        )
    # Alembic is imported only when there is work for it: it costs a one-shot CLI call 0.1 s.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Replicas that start together against a new database: one migrates, the others wait
            # for it and then find nothing left to do (PostgreSQL's DDL is transactional).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if _revision_of(connection) == SCHEMA_REVISION:
                return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("catalog migrated from %s to %s", current, SCHEMA_REVISION)


def _current_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return _revision_of(connection)


def _revision_of(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def open_catalog(
    url: str, read_only: bool = False, place: Path | None = None
) -> tuple[Engine, sessionmaker[Any]]:
    """Connect and migrate; every failure is a typed error (`CatalogUnavailable`, `WorkspaceDamaged`...)."""
    engine = make_engine(url, read_only, place)
    try:
        migrate(engine, read_only)
    except AssistantError:
        engine.dispose()
        raise
    return engine, sessionmaker(engine, expire_on_commit=False, future=True)


_GENERATIONS = select(IndexGenerationRow.name, IndexGenerationRow.value)


def read_generations(engine: Engine) -> dict[str, int]:
    """Index name -> publication count: one small query, run before every search."""
    with engine.connect() as connection:
        return {name: int(value) for name, value in connection.execute(_GENERATIONS)}


def bump_generations(session: Session, names: Collection[str]) -> dict[str, int]:
    """Count one more publication of each named index, inside the caller's transaction."""
    session.execute(
        update(IndexGenerationRow)
        .where(IndexGenerationRow.name.in_(list(names)))
        .values(value=IndexGenerationRow.value + 1)
    )
    rows = session.execute(_GENERATIONS.where(IndexGenerationRow.name.in_(list(names))))
    return {name: int(value) for name, value in rows}


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
