"""What the workspace tests share: the CLI run in a child process, and a tiny visual channel.

Import the fixtures by their *_fixture names (the tests ask for them by their plain names).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


def run_cli(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """`python -m assistant ARGS` in a child with this worktree's code; `environment` adds variables."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), **environment},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module", name="visual_settings")
def visual_settings_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The workspace's `visual` setting for a randomly initialised CLIP saved in a temporary folder."""
    from tests.omnifusion.conftest import save_clip

    clip = tmp_path_factory.mktemp("models") / "clip"
    save_clip(clip)
    return {"kind": "clip", "path": str(clip), "max_tiles": 0}


@pytest.fixture(name="one_torch_thread")
def one_torch_thread_fixture() -> Iterator[None]:
    """Tiny models gain nothing from intra-op threads; on a busy 2-core box they lose to contention."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
