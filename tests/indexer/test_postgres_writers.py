"""Writers of the postgres index store on several machines: they take turns through the database's
advisory lock, never a file; a writer killed half-way leaves nothing another replica cannot repair.

Real processes: the CLI and small scripts in children, killed with SIGKILL where the test says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from indexer.check import check_workspace
from indexer.workspace import WriterBusy
from tests.indexer.harness import REPOSITORY
from tests.indexer.postgres_harness import Cluster, cluster_fixture  # noqa: F401

if TYPE_CHECKING:
    from conftest import Corpus, Maker

pytestmark = pytest.mark.postgres


def child(cluster: Cluster, script: str, *args: str) -> subprocess.Popen[str]:
    """A Python script in a child process, configured for the cluster like a replica on another machine."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), **cluster.environment()},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(input="", timeout=600)  # an empty stdin lets a holder go
    assert process.returncode == 0, out + err
    return out


HOLD_THE_LOCK = """
    import sys
    from indexer.workspace import Workspace
    with Workspace(sys.argv[1]) as workspace, workspace.writing():
        print("holding", flush=True)
        sys.stdin.read()  # until the test closes it
"""


def test_the_write_lock_is_the_databases_across_processes(cluster: Cluster) -> None:
    replica = cluster.replica("here")
    holder = child(cluster, HOLD_THE_LOCK, str(cluster.home / "there"))
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    busy = pytest.raises(WriterBusy, match="another process is writing to the index")
    with busy, replica.workspace.writing(wait=False):
        pass
    finished(holder)
    with replica.workspace.writing(wait=False):
        pass
    # A holder that dies without letting go: the server ends its session, and the lock with it.
    killed = child(cluster, HOLD_THE_LOCK, str(cluster.home / "there"))
    assert killed.stdout is not None and killed.stdout.readline() == "holding\n"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    with replica.workspace.writing(wait=True):
        pass


def test_two_writers_on_two_machines_both_land(cluster: Cluster, make: Maker) -> None:
    files = make.model_manuals(6)
    first = child(
        cluster,
        "from assistant.cli import main; main()",
        "add",
        str(cluster.home / "a"),
        *map(str, files[:3]),
        "--no-enrich",
    )
    second = child(
        cluster,
        "from assistant.cli import main; main()",
        "add",
        str(cluster.home / "b"),
        *map(str, files[3:]),
        "--no-enrich",
    )
    finished(first)
    finished(second)
    reader = cluster.replica("reader")
    assert sorted(record.filename for record in reader.documents()) == [path.name for path in files]
    for n in range(6):
        [hit, *_] = reader.search(f"How long does the filter of model VX-{n:02d} last?")
        assert hit.document.filename == f"model_{n:02d}.pdf"
    report = check_workspace(reader.workspace)
    assert report.consistent, report.summary()


DIE_BEFORE_PUBLISHING = """
    import os, signal, sys
    from assistant import Assistant
    from indexer.workspace import Workspace

    with Assistant(sys.argv[1], background_enrichment=False) as assistant:
        assistant.add([sys.argv[2]])
        # Killed at the worst moment: rows, vectors and lexical rows stored, the document not published.
        Workspace._publish = lambda self, batch: os.kill(os.getpid(), signal.SIGKILL) if batch else None
        assistant.add([sys.argv[3]])
"""


def test_a_writer_killed_mid_add_is_repaired_by_another_replica(cluster: Cluster, corpus: Corpus) -> None:
    reader = cluster.replica("reader")
    killed = child(
        cluster,
        DIE_BEFORE_PUBLISHING,
        str(cluster.home / "killed"),
        str(corpus.vacuum_en),
        str(corpus.coffee_en),
    )
    killed.communicate(input="", timeout=600)
    assert killed.returncode == -signal.SIGKILL
    # Readers never see the unfinished document; `check` names it and what it left in the indexes.
    assert [record.filename for record in reader.documents()] == ["vacuum_en.pdf"]
    assert all(
        hit.document.filename == "vacuum_en.pdf" for hit in reader.search("descale the coffee machine")
    )
    report = check_workspace(reader.workspace)
    assert not report.consistent
    assert len(report.unfinished) == 1
    assert report.indexes["dense"].stale and report.indexes["lexical"].stale
    assert reader.workspace.unfinished()
    # The next write, by another replica, takes the lock the dead writer's session let go, and repairs.
    reader.add([corpus.settings_en.path])
    assert not reader.workspace.unfinished()
    report = check_workspace(reader.workspace)
    assert report.consistent, report.summary()
    assert report.documents == 2
    [added] = reader.add([corpus.coffee_en])
    [hit, *_] = reader.search("How often should I descale the coffee machine?")
    assert hit.document.id == added.id


def test_a_replica_opening_after_a_killed_writer_repairs_at_once(cluster: Cluster, corpus: Corpus) -> None:
    killed = child(
        cluster,
        DIE_BEFORE_PUBLISHING,
        str(cluster.home / "killed"),
        str(corpus.vacuum_en),
        str(corpus.coffee_en),
    )
    killed.communicate(input="", timeout=600)
    assert killed.returncode == -signal.SIGKILL
    opened = cluster.replica("later")
    assert not opened.workspace.unfinished()
    report = check_workspace(opened.workspace)
    assert report.consistent, report.summary()
    assert [record.filename for record in opened.documents()] == ["vacuum_en.pdf"]
    assert len(list((cluster.shared / "originals").iterdir())) == 1


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_a_stop_during_a_query_stays_a_stop_not_a_lost_catalog(
    cluster: Cluster, stop: type[BaseException]
) -> None:
    """Ctrl-C (or a stop signal's handler) while a writer waits on the server ends the process as a stop: it
    was reported as "cannot reach the catalog", with that error's exit code."""
    from sqlalchemy import event, text

    from indexer.catalog import make_engine

    engine = make_engine(cluster.url)

    def interrupted(*_: object) -> None:
        raise stop

    event.listen(engine, "before_cursor_execute", interrupted)
    try:
        with pytest.raises(stop), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
