"""Fixtures for tests with the visual channel on (import them by their *_fixture names): a tiny CLIP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


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
