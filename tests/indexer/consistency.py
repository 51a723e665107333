"""The ingest tests' consistency verdict: what `python -m assistant check` reports, in words."""

from __future__ import annotations

from indexer.check import check_workspace
from indexer.workspace import Workspace


def inconsistencies(workspace: Workspace) -> list[str]:
    """What does not agree (catalog, every index, originals), one line each; empty when consistent.

    The same check operators run after an incident, so the tests' fault injections are judged by it.
    """
    return check_workspace(workspace).problems()
