"""Render and decompression bombs: each costs one typed error (or a smaller page), never the machine.

The ingest runs in a child process (as `add` would in a CLI or a server) and its peak memory is read
from the kernel: the largest single process (wait4, which covers the reader and tesseract children)
and the sum of the process tree, sampled while it runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from indexer.workspace import Workspace
from tests.indexer.consistency import inconsistencies
from tests.indexer.hostile_files import (
    blank_pages,
    flate_content_bomb,
    huge_page,
    many_frames_tiff,
    page_pdf,
    soft_mask_bomb,
    user_unit_page,
)
from tests.indexer.memory_watch import TreeMemory

if TYPE_CHECKING:
    from conftest import Corpus, Maker

REPOSITORY = Path(__file__).resolve().parents[2]
GIGABYTE = 1 << 30

ADD = """
import json, sys
from assistant import Assistant
with Assistant(sys.argv[1], background_enrichment=False) as assistant:
    report = assistant.add_report(sys.argv[2:])
    print(json.dumps({
        "added": {d.filename: d.page_count for d in report.added},
        "failed": {f.path: [type(f).__name__, str(f)] for f in report.failures},
    }))
"""

# A process started by a big one (pytest, after the visual tests loaded torch) begins with its
# parent's peak in its own ru_maxrss (Linux carries it over on exec): a small launcher in between
# keeps the figure the ingest's own.
LAUNCH = """
import json, os, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", *sys.argv[1:]], stdout=subprocess.PIPE)
output = child.stdout.read()
# wait4: the peak of the child or of the largest of its (waited-for) descendants.
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "largest": usage.ru_maxrss * 1024,
                  "output": output.decode()}))
"""


def add_in_child(root: Path, files: list[Path]) -> tuple[dict[str, Any], int, int]:
    """Run `add_report(files)` in a fresh process; (its report, largest process RSS, peak summed RSS)."""
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, ADD, str(root), *map(str, files)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=subprocess.PIPE,
    )
    with TreeMemory(launcher.pid) as memory:
        output, _ = launcher.communicate()
    result = json.loads(output)
    assert launcher.returncode == 0 and result["status"] == 0, result
    report = json.loads(result["output"].strip().splitlines()[-1])
    return report, result["largest"], memory.peak


@pytest.mark.slow
def test_bombs_cost_one_typed_error_each_and_the_good_files_are_indexed(
    tmp_path: Path, make: Maker, corpus: Corpus
) -> None:
    bombs = make.root / "bombs"
    bombs.mkdir()
    files = [
        corpus.vacuum_en,
        huge_page(bombs / "huge_page.pdf"),
        huge_page(bombs / "huge_drawing.pdf", text=""),  # no text layer: rendered for OCR
        user_unit_page(bombs / "user_unit.pdf"),
        make.raw("kilometres.pdf", page_pdf(media_box=b"[0 0 4000000 4000000]")),
        blank_pages(bombs / "blank_pages.pdf", count=300),
        flate_content_bomb(bombs / "flate.pdf"),
        soft_mask_bomb(bombs / "soft_mask.pdf"),
        many_frames_tiff(bombs / "frames.tiff", frames=2000),
        corpus.settings_en.path,
    ]
    assert all(path.stat().st_size < 2_000_000 for path in files)
    root = tmp_path / "ws"
    report, largest, summed = add_in_child(root, files)

    assert largest < GIGABYTE, f"one process of the ingest reached {largest >> 20} MB"
    assert summed < GIGABYTE, f"the ingest's processes held {summed >> 20} MB together"
    # The pages too large for the pixel limit are read at a lower resolution; blank pages stream through.
    assert report["added"] == {
        "vacuum_en.pdf": 3,
        "huge_page.pdf": 1,
        "huge_drawing.pdf": 1,
        "user_unit.pdf": 1,
        "blank_pages.pdf": 300,
        "settings_en.png": 1,
    }
    failed = {Path(path).name: kind for path, (kind, _) in report["failed"].items()}
    assert failed == {
        "kilometres.pdf": "PageTooLarge",
        "flate.pdf": "ResourceLimitExceeded",
        "soft_mask.pdf": "PageTooLarge",
        "frames.tiff": "TooManyPages",
    }
    for path, (_, message) in report["failed"].items():
        assert message.startswith(f"'{Path(path).name}': ")
    with closing(Workspace(root)) as workspace:
        assert inconsistencies(workspace) == []
        huge = next(d for d in workspace.documents() if d.filename == "huge_page.pdf")
        [passage] = workspace.page_passages(huge.id, 1)
        assert passage.text == "Giant poster: replace the filter"
        assert passage.page_width * passage.page_height <= workspace.settings.max_page_pixels
