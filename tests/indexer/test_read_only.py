"""A workspace this process may only read still answers `list`, `search` and `ask`, and writes nothing.

Read-only for real: files owned by another user, a `chmod -w` tree, a read-only bind mount. When
the tests run as root (who may write anything), the reader runs with every capability dropped
(`setpriv`), so the kernel's permission checks apply to it as to any user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from indexer.workspace import Workspace

if TYPE_CHECKING:
    from conftest import Corpus

REPOSITORY = Path(__file__).resolve().parents[2]
NOBODY = 65534


def as_reader(*command: str) -> subprocess.CompletedProcess[str]:
    """Run `command` as an ordinary user would: as root, without the capabilities that bypass permissions."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot take away root's right to write")
        prefix = [setpriv, "--bounding-set=-all", "--inh-caps=-all"]
    return subprocess.run(
        [*prefix, sys.executable, *command],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under `root` with its size, modification time and mode."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns, path.stat().st_mode)
        for path in [root, *root.rglob("*")]
    }


@pytest.fixture(scope="module")
def built(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readonly") / "ws"
    with Workspace(root) as workspace:
        workspace.add([corpus.vacuum_en, corpus.settings_ru.path])
    return root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(built, root)
    return root


SDK_READER = """
import json, sys
from assistant import Assistant
from indexer.errors import ReadOnlyWorkspace
with Assistant(sys.argv[1], create=False) as assistant:
    answer = assistant.ask("How often should I replace the dust bag?")
    first = assistant.documents()[0]
    image = assistant.page_image(first.id, 2)
    refused = []
    writes = (lambda: assistant.add([sys.argv[2]]), lambda: assistant.delete(first.id), assistant.compact)
    for attempt in writes:
        try:
            attempt()
        except ReadOnlyWorkspace as error:
            refused.append(str(error))
    print(json.dumps({"read_only": assistant.workspace.read_only, "found": answer.found,
                      "cited": answer.citations[0].document.filename if answer.citations else None,
                      "image": str(image), "refused": refused}))
"""


def assert_reads_work_and_nothing_is_written(root: Path, corpus: Corpus) -> None:
    before = snapshot(root)
    listing = as_reader("-m", "assistant", "list", str(root), "--json")
    assert listing.returncode == 0, listing.stderr
    assert [record["filename"] for record in json.loads(listing.stdout)] == [
        "vacuum_en.pdf",
        "settings_ru.png",
    ]
    search = as_reader("-m", "assistant", "search", str(root), "Мощность всасывания", "--json")
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["document"]["filename"] == "settings_ru.png"
    sdk = as_reader("-c", SDK_READER, str(root), str(corpus.coffee_en))
    assert sdk.returncode == 0, sdk.stderr
    seen = json.loads(sdk.stdout)
    assert seen["read_only"] is True and seen["found"] is True and seen["cited"] == "vacuum_en.pdf"
    assert not seen["image"].startswith(str(root)) and "omnifusion-assistant-" in seen["image"]
    assert len(seen["refused"]) == 3 and all("read-only" in message for message in seen["refused"])
    refused = as_reader("-m", "assistant", "delete", str(root), "1")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and "read-only" in refused.stderr
    assert snapshot(root) == before


def test_a_workspace_owned_by_another_user_is_served_read_only(copy: Path, corpus: Corpus) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root")
    for path in [copy, *copy.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    assert_reads_work_and_nothing_is_written(copy, corpus)


def test_a_write_protected_workspace_is_served_read_only(copy: Path, corpus: Corpus) -> None:
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert_reads_work_and_nothing_is_written(copy, corpus)
    finally:
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def test_a_reader_follows_a_live_writer_of_another_user(copy: Path, corpus: Corpus) -> None:
    """While the owner's process is connected, its log holds commits the main file does not have yet."""
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root")
    with Workspace(copy) as writer:
        writer.add([corpus.coffee_en])
        assert (copy / "catalog.sqlite-wal").stat().st_size > 0
        for path in [copy, *copy.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
        listing = as_reader("-m", "assistant", "list", str(copy), "--json")
        assert listing.returncode == 0, listing.stderr
        assert "coffee_en.pdf" in {record["filename"] for record in json.loads(listing.stdout)}


@pytest.fixture
def read_only_mount(copy: Path, tmp_path: Path) -> Iterator[Path]:
    view = tmp_path / "view"
    view.mkdir()
    bound = subprocess.run(["mount", "--bind", str(copy), str(view)], capture_output=True, check=False)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bound.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True, capture_output=True)
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def test_a_workspace_on_a_read_only_mount_is_served_read_only(read_only_mount: Path, corpus: Corpus) -> None:
    assert not os.access(read_only_mount, os.W_OK)
    assert_reads_work_and_nothing_is_written(read_only_mount, corpus)
