"""A small consistency check of a workspace for the ingest tests: catalog, indexes and originals agree."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from indexer.catalog import DocumentRow, PageRow, PassageRow
from indexer.dense import DenseIndex
from indexer.workspace import Workspace


def inconsistencies(workspace: Workspace) -> list[str]:
    """What does not agree, in words; empty when the workspace is consistent.

    Every document is ready with pages 1..n and its original on disk, no original is an orphan, and
    the dense index on disk and the lexical index hold exactly the passages of ready documents.
    """
    problems: list[str] = []
    with workspace.session() as session:
        rows = session.scalars(select(DocumentRow)).all()
        stored: set[str] = set()
        for row in rows:
            if row.status != "ready":
                problems.append(f"{row.filename} is {row.status}")
            pages = session.scalars(select(PageRow.number).where(PageRow.document_id == row.id)).all()
            if sorted(pages) != list(range(1, row.page_count + 1)):
                problems.append(f"{row.filename} has pages {sorted(pages)}, not 1..{row.page_count}")
            original = Path(row.stored_path)
            original = original if original.is_absolute() else workspace.root / original
            if not original.is_file():
                problems.append(f"{row.filename}: original {original.name} is missing")
            stored.add(original.name)
        ready = set(
            session.scalars(
                select(PassageRow.id).join(DocumentRow).where(DocumentRow.status == "ready")
            ).all()
        )
    originals = workspace.root / "originals"
    on_disk = {path.name for path in originals.iterdir()} if originals.exists() else set()
    if on_disk - stored:
        problems.append(f"orphan originals: {sorted(on_disk - stored)}")
    dense = DenseIndex(workspace.root / "dense.faiss", workspace.embedder.dim)  # the file, not this process
    if set(dense.ids().tolist()) != ready:
        problems.append(f"dense index: {len(dense)} vectors for {len(ready)} ready passages")
    lexical = workspace.lexical.ids()
    if lexical != ready:
        problems.append(f"lexical index: {len(lexical)} entries for {len(ready)} ready passages")
    return problems
