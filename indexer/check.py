"""`check`: do the catalog, every index and the originals of a workspace agree? `repair`: make them agree.

    from indexer.check import check_workspace
    report = check_workspace(Workspace(path))
    assert report.consistent, report.summary()

Like `git fsck`: the catalog is the truth (it cannot be rebuilt from the indexes); every index is
compared with the passages and pages of the documents it lists as ready, and `repair` rebuilds what
disagrees from the catalog and the stored originals.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select

from indexer.catalog import DocumentRow, PageRow, PassageRow
from indexer.errors import ReadOnlyWorkspace, WorkspaceDamaged
from indexer.workspace import index_text

if TYPE_CHECKING:
    from indexer.workspace import Workspace

log = logging.getLogger(__name__)

SHOWN_IDS = 8
"""How many ids a summary line names before it says "and N more"."""


@dataclass
class IndexReport:
    """One index compared with the catalog: ids are passage ids (page ids for the visual index)."""

    name: str
    entries: int = 0
    missing: list[int] = field(default_factory=list)
    """Ids of ready documents that the index lacks (the document cannot be found through it)."""
    stale: list[int] = field(default_factory=list)
    """Ids the index holds that no ready document has (deleted or unfinished documents)."""
    duplicates: list[int] = field(default_factory=list)
    """Ids held more than once."""
    pending: list[int] = field(default_factory=list)
    """Deep index only: passages not embedded yet. Not an inconsistency: `enrich` fills them."""
    unreadable: str = ""
    """Why the index file could not be read ("" when it could)."""

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.duplicates or self.unreadable)


@dataclass
class CheckReport:
    """What `check_workspace` found (after `repair`: what is left, and in `repaired` what was done)."""

    root: str
    documents: int = 0
    pages: int = 0
    passages: int = 0
    catalog_damage: str = ""
    """What SQLite's own check of the catalog file found ("" when the file is sound)."""
    unfinished: list[int] = field(default_factory=list)
    """Documents a writer left unfinished (pending, or half deleted): hidden from every reader."""
    page_mismatches: list[int] = field(default_factory=list)
    """Documents whose page rows do not run 1..page_count."""
    missing_originals: list[int] = field(default_factory=list)
    """Ready documents whose stored original is gone: searchable, but their pages cannot be shown."""
    orphan_originals: list[str] = field(default_factory=list)
    """Files under originals/ that no document refers to (paths relative to the store's files: the
    workspace, or the shared store of the postgres backend)."""
    leftovers: list[str] = field(default_factory=list)
    """Temporary files of interrupted saves: harmless, not an inconsistency; `repair` removes them."""
    unbuilt_graphs: list[str] = field(default_factory=list)
    """Vector channels searched without their ANN graph (a bulk load cut short): right, but slow."""
    indexes: dict[str, IndexReport] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    """What `repair` did, one line per action."""
    ready_passages: set[int] = field(default_factory=set, repr=False, compare=False)
    ready_pages: set[int] = field(default_factory=set, repr=False, compare=False)

    @property
    def consistent(self) -> bool:
        return not (
            self.catalog_damage
            or self.unfinished
            or self.page_mismatches
            or self.missing_originals
            or self.orphan_originals
            or self.unbuilt_graphs
        ) and all(index.consistent for index in self.indexes.values())

    def problems(self) -> list[str]:
        """One line per inconsistency (empty when consistent)."""
        lines = []
        if self.catalog_damage:
            lines.append(f"catalog: damaged ({self.catalog_damage}); restore it from a backup")
        if self.unfinished:
            lines.append(f"catalog: {len(self.unfinished)} unfinished document(s) {_ids(self.unfinished)}")
        if self.page_mismatches:
            lines.append(
                f"catalog: page rows disagree with the page count of {_ids(self.page_mismatches)}; "
                "delete and add those documents again"
            )
        if self.missing_originals:
            lines.append(
                f"originals: missing for {_ids(self.missing_originals)}: still searchable, but their pages "
                "cannot be shown; add the files again to restore them"
            )
        if self.orphan_originals:
            lines.append(
                f"originals: {len(self.orphan_originals)} file(s) no document refers to "
                f"({', '.join(self.orphan_originals[:SHOWN_IDS])})"
            )
        lines.extend(
            f"{name}: no HNSW graph (a bulk load was cut short): searches scan all its vectors until a "
            "writer builds it (`--repair` does)"
            for name in self.unbuilt_graphs
        )
        for index in self.indexes.values():
            if index.unreadable:
                lines.append(f"{index.name}: unreadable ({index.unreadable})")
            for what, ids in (
                ("missing", index.missing),
                ("stale", index.stale),
                ("duplicated", index.duplicates),
            ):
                if ids:
                    lines.append(
                        f"{index.name}: {len(ids)} {what} entr{'y' if len(ids) == 1 else 'ies'} {_ids(ids)}"
                    )
        return lines

    def summary(self) -> str:
        """A few human lines: the counts, every problem, what was repaired, the verdict."""
        lines = [
            f"workspace {self.root}: {self.documents} document(s), {self.pages} page(s), "
            f"{self.passages} passage(s)"
        ]
        for index in self.indexes.values():
            note = f", {len(index.pending)} pending (`enrich` fills them)" if index.pending else ""
            lines.append(f"  {index.name}: {index.entries} entries{note}")
        lines.extend(f"  repaired: {action}" for action in self.repaired)
        lines.extend(f"  PROBLEM {problem}" for problem in self.problems())
        if self.consistent:
            lines.append("consistent")
        elif self.repaired:
            lines.append("NOT consistent: what is left above cannot be mended automatically")
        else:
            lines.append(f"NOT consistent: run `python -m assistant check {self.root} --repair`")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (what `check --json` prints)."""
        return {
            "root": self.root,
            "consistent": self.consistent,
            "documents": self.documents,
            "pages": self.pages,
            "passages": self.passages,
            "catalog_damage": self.catalog_damage,
            "unfinished": self.unfinished,
            "page_mismatches": self.page_mismatches,
            "missing_originals": self.missing_originals,
            "orphan_originals": self.orphan_originals,
            "leftovers": self.leftovers,
            "unbuilt_graphs": self.unbuilt_graphs,
            "indexes": {
                name: {
                    "entries": index.entries,
                    "missing": index.missing,
                    "stale": index.stale,
                    "duplicates": index.duplicates,
                    "pending": len(index.pending),
                    "unreadable": index.unreadable,
                    "consistent": index.consistent,
                }
                for name, index in self.indexes.items()
            },
            "repaired": self.repaired,
            "problems": self.problems(),
        }


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f"({shown}{more})"


def check_workspace(workspace: Workspace, repair: bool = False) -> CheckReport:
    """Compare the catalog, every index and the originals; with `repair`, mend what can be mended.

    Holds the write lock while it looks (a live writer finishes its step first), so what it reports
    is a settled state, not a write in progress. A read-only workspace is checked without the lock
    (a writer of another user may then show up as unfinished documents); repairing it raises
    `ReadOnlyWorkspace`.
    """
    if workspace.read_only:
        if repair:
            raise ReadOnlyWorkspace(
                f"{workspace.root} is read-only for this process: it can be checked, not repaired"
            )
        return diagnose(workspace)
    with workspace.writing(recover=False):
        report = diagnose(workspace)
        if not repair or (report.consistent and not report.leftovers):
            return report
        actions = mend(workspace, report)
        after = diagnose(workspace)
        after.repaired = actions
        return after


# -- looking ---------------------------------------------------------------------------------------


def diagnose(workspace: Workspace) -> CheckReport:
    """The report for the workspace as its files stand now (callers hold the write lock if they can)."""
    workspace.reload_all()
    report = CheckReport(str(workspace.root))
    with workspace.session() as session:
        documents = session.execute(
            select(DocumentRow.id, DocumentRow.status, DocumentRow.stored_path, DocumentRow.page_count)
        ).all()
        page_stats = {
            row[0]: (row[1], row[2], row[3])
            for row in session.execute(
                select(
                    PageRow.document_id, func.count(), func.min(PageRow.number), func.max(PageRow.number)
                ).group_by(PageRow.document_id)
            )
        }
        ready_documents = select(DocumentRow.id).where(DocumentRow.status == "ready")
        report.ready_passages = set(
            session.scalars(select(PassageRow.id).where(PassageRow.document_id.in_(ready_documents)))
        )
        report.ready_pages = set(
            session.scalars(select(PageRow.id).where(PageRow.document_id.in_(ready_documents)))
        )
    if workspace.engine.dialect.name == "sqlite":
        with workspace.engine.connect() as connection:
            verdict = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
        report.catalog_damage = "" if verdict == ["ok"] else "; ".join(verdict[:3])
    referenced: set[Path] = set()
    for document_id, status, stored_path, page_count in documents:
        original = workspace.original_path(stored_path)
        referenced.add(original)
        if status != "ready":
            report.unfinished.append(document_id)
            continue
        report.documents += 1
        report.pages += page_count
        if not original.is_file():
            report.missing_originals.append(document_id)
        expected = (page_count, 1, page_count) if page_count else None
        if page_stats.get(document_id) != expected:
            report.page_mismatches.append(document_id)
    report.passages = len(report.ready_passages)
    files = workspace.store.files
    if workspace.originals.is_dir():
        report.orphan_originals = sorted(
            path.relative_to(files).as_posix()
            for path in workspace.originals.iterdir()
            if path not in referenced
        )
    # Only files written under the write lock: a reader may be rendering into pages/ right now.
    report.leftovers = sorted(path.relative_to(files).as_posix() for path in workspace.store.leftovers())
    report.unbuilt_graphs = workspace.store.unbuilt_graphs()
    report.indexes["dense"] = _vector_report("dense", lambda: workspace.dense.ids(), report.ready_passages)
    if workspace.deep_enabled:
        deep = _vector_report("deep", lambda: _deep_ids(workspace), report.ready_passages)
        deep.pending, deep.missing = deep.missing, []
        report.indexes["deep"] = deep
    report.indexes["lexical"] = _vector_report(
        "lexical", lambda: _lexical_ids(workspace), report.ready_passages
    )
    if workspace.settings.visual:
        report.indexes["visual"] = _vector_report(
            "visual",
            lambda: np.array(sorted(workspace.visual.page_ids()), dtype=np.int64),
            report.ready_pages,
        )
    return report


def _deep_ids(workspace: Workspace) -> np.ndarray:
    deep = workspace.deep
    assert deep is not None
    return deep.ids()


def _lexical_ids(workspace: Workspace) -> np.ndarray:
    problem = workspace.lexical.integrity()
    if problem:
        raise WorkspaceDamaged(problem)
    return np.array(sorted(workspace.lexical.ids()), dtype=np.int64)


def _vector_report(name: str, read_ids: Any, expected: set[int]) -> IndexReport:
    report = IndexReport(name)
    try:
        ids = read_ids()
    except WorkspaceDamaged as error:
        report.unreadable = str(error)
        report.missing = sorted(expected)
        return report
    unique, counts = np.unique(ids, return_counts=True)
    held = set(unique.tolist())
    report.entries = len(ids)
    report.missing = sorted(expected - held)
    report.stale = sorted(held - expected)
    report.duplicates = sorted(unique[counts > 1].tolist())
    return report


# -- mending ---------------------------------------------------------------------------------------


def mend(workspace: Workspace, report: CheckReport) -> list[str]:
    """Make the indexes and originals agree with the catalog (write lock held); returns what was done.

    Indexes first (rebuilt from the catalog and the originals, then saved and published), unfinished
    documents and orphan files after: a kill half-way leaves the marker, and the next opening
    finishes the job. A missing original, a page-count mismatch or a damaged catalog cannot be
    mended here: they stay in the report.
    """
    workspace.store.mark_unfinished()
    actions: list[str] = []
    changed: list[str] = []
    for name, index in report.indexes.items():
        done = _mend_index(workspace, report, name, index)
        if done:
            actions.append(done)
            changed.append(name)
    saved = workspace.save_indexes([name for name in changed if name != "lexical"])
    with workspace.publishing(saved) as session:
        for document_id in report.unfinished:
            workspace.delete_rows(session, document_id)
    if report.unfinished:
        actions.append(f"removed {len(report.unfinished)} unfinished document(s) {_ids(report.unfinished)}")
    for relative in report.orphan_originals + report.leftovers:
        (workspace.store.files / relative).unlink(missing_ok=True)
    if report.orphan_originals:
        actions.append(f"removed {len(report.orphan_originals)} original(s) no document refers to")
    if report.leftovers:
        actions.append(f"removed {len(report.leftovers)} temporary file(s) of interrupted saves")
    for name, seconds in workspace.store.build_graphs().items():
        actions.append(f"built the HNSW graph of {name} ({seconds:.1f} s)")
    workspace.store.clear_unfinished()
    return actions


def _mend_index(workspace: Workspace, report: CheckReport, name: str, index: IndexReport) -> str:
    """Bring one index in line with the catalog; returns what was done ("" for nothing)."""
    if index.consistent:
        return ""
    if index.unreadable:
        workspace.start_afresh(name)
    removed = index.stale + index.duplicates if not index.unreadable else []
    # A duplicated id is removed with all its copies and then added once more.
    missing = sorted(set(index.missing) | set(index.duplicates))
    if name == "dense":
        workspace.dense.remove(removed)
        for chunk in _chunks(missing):
            workspace.embed_into_dense(workspace.passages(chunk).values())
    elif name == "deep":
        deep = workspace.deep
        assert deep is not None
        deep.remove(removed)
        missing = []  # the deep embedder is slow: `enrich` (or the next add) fills it in the background
    elif name == "lexical":
        workspace.lexical.remove(removed)
        for chunk in _chunks(missing):
            records = workspace.passages(chunk).values()
            workspace.lexical.add((r.id, index_text(r, r.document.filename)) for r in records)
    elif name == "visual":
        workspace.visual.remove_pages(removed)
        missing = _add_visual_pages(workspace, missing)
    parts = []
    if index.unreadable:
        parts.append("rebuilt from the catalog (the file was unreadable)")
    if removed:
        parts.append(f"dropped {len(removed)} stale or duplicated entr{'y' if len(removed) == 1 else 'ies'}")
    if missing and not index.unreadable:
        parts.append(f"added {len(missing)} missing entr{'y' if len(missing) == 1 else 'ies'}")
    if name == "deep" and (index.unreadable or index.duplicates):
        parts.append("`enrich` embeds what it lacks")
    return f"{name}: {', '.join(parts)}" if parts else ""


def _chunks(ids: list[int], size: int = 2048) -> list[list[int]]:
    """A rebuild reads the catalog a few thousand passages at a time, not all at once."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _add_visual_pages(workspace: Workspace, page_ids: list[int]) -> list[int]:
    """Render the pages from their originals and embed them; returns the page ids added."""
    if not page_ids:
        return []
    with workspace.session() as session:
        rows = session.execute(
            select(
                PageRow.id,
                PageRow.number,
                PageRow.width,
                PageRow.height,
                PageRow.dpi,
                DocumentRow.stored_path,
                DocumentRow.media_type,
            )
            .join(DocumentRow, PageRow.document_id == DocumentRow.id)
            .where(PageRow.id.in_(page_ids))
        ).all()
    by_original: dict[tuple[str, str], list[tuple[int, int, tuple[int, int], float]]] = defaultdict(list)
    for page_id, number, width, height, dpi, stored_path, media_type in rows:
        by_original[(stored_path, media_type)].append((page_id, number, (width, height), dpi))
    added = []
    for (stored_path, media_type), pages in by_original.items():
        original = workspace.original_path(stored_path)
        if not original.is_file():
            continue  # reported as a missing original
        for page_id, number, size, dpi in pages:
            image = workspace.render_page(original, media_type, number, size, dpi)
            workspace.visual.add_pages([(page_id, image)])
            added.append(page_id)
    return added
