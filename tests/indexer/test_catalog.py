"""The catalog: Alembic creates it on a fresh URL, reopening changes nothing, rows cascade on delete."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from indexer.catalog import (
    SCHEMA_REVISION,
    DocumentRow,
    PageRow,
    PassageRow,
    TileRow,
    bump_generations,
    open_catalog,
    read_generations,
    relative_original,
    table_names,
)


def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.sqlite'}"


def add_document(session_factory: object, sha: str = "a" * 64) -> int:
    with session_factory() as session, session.begin():  # type: ignore[operator]
        document = DocumentRow(
            sha256=sha, filename="vacuum.pdf", media_type="application/pdf", size_bytes=10, stored_path="x"
        )
        page = PageRow(number=1, width=1240, height=1754, dpi=150, text_source="pdf")
        document.pages.append(page)
        session.add(document)
        session.flush()
        page.passages.append(
            PassageRow(
                document_id=document.id,
                ordinal=0,
                kind="text",
                lang="en",
                text="Replace the dust bag",
                x0=1,
                y0=2,
                x1=3,
                y1=4,
                spans=[[0, 20, 1, 2, 3, 4]],
            )
        )
        page.tiles.append(TileRow(ordinal=0, row=0, col=0, x0=0, y0=0, x1=336, y1=336))
        return document.id


def test_fresh_url_gets_every_table_at_the_head_revision(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="indexer.catalog")
    engine, _ = open_catalog(url(tmp_path))
    assert table_names(engine) == [
        "alembic_version",
        "documents",
        "index_generations",
        "pages",
        "passages",
        "tiles",
    ]
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == SCHEMA_REVISION
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    assert "catalog migrated from None" in caplog.text
    engine.dispose()


def test_reopening_migrates_nothing_and_keeps_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine, sessions = open_catalog(url(tmp_path))
    add_document(sessions)
    engine.dispose()
    caplog.clear()
    caplog.set_level(logging.INFO, logger="indexer.catalog")
    engine, sessions = open_catalog(url(tmp_path))
    assert "migrated" not in caplog.text
    with sessions() as session:
        assert session.scalar(select(func.count(PassageRow.id))) == 1
        assert session.scalars(select(DocumentRow.filename)).all() == ["vacuum.pdf"]
    engine.dispose()


def test_deleting_a_document_cascades_to_pages_passages_and_tiles(tmp_path: Path) -> None:
    engine, sessions = open_catalog(url(tmp_path))
    keep, gone = add_document(sessions, "a" * 64), add_document(sessions, "b" * 64)
    with sessions() as session, session.begin():
        session.execute(delete(DocumentRow).where(DocumentRow.id == gone))
    with sessions() as session:
        assert session.scalars(select(PageRow.document_id)).all() == [keep]
        assert session.scalars(select(PassageRow.document_id)).all() == [keep]
        assert session.scalar(select(func.count(TileRow.id))) == 1
    engine.dispose()


def test_the_same_content_cannot_be_catalogued_twice(tmp_path: Path) -> None:
    engine, sessions = open_catalog(url(tmp_path))
    add_document(sessions)
    with pytest.raises(IntegrityError):
        add_document(sessions)
    engine.dispose()


def test_migration_builds_the_schema_the_models_describe(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from indexer.catalog import Base

    engine, _ = open_catalog(url(tmp_path))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    engine.dispose()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("/home/ann/ws/originals/ab12.pdf", "originals/ab12.pdf"),
        ("/srv/moved/ws/originals/cd34.png", "originals/cd34.png"),
        ("originals/ef56.tiff", "originals/ef56.tiff"),  # already relative: left alone
        ("/dev/null", "/dev/null"),  # not an original the workspace stored: left alone
    ],
)
def test_migration_0002_makes_originals_relative_to_the_workspace(stored: str, expected: str) -> None:
    assert relative_original(stored) == expected


def test_publication_counts_start_at_zero_and_move_together(tmp_path: Path) -> None:
    engine, sessions = open_catalog(url(tmp_path))
    assert read_generations(engine) == {"dense": 0, "deep": 0, "visual": 0}
    with sessions() as session, session.begin():
        assert bump_generations(session, ["dense", "visual"]) == {"dense": 1, "visual": 1}
    assert read_generations(engine) == {"dense": 1, "deep": 0, "visual": 1}
    engine.dispose()
