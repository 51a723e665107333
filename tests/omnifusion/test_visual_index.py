"""The visual channel end to end with tiny models: CLIP joint space and a trained retrieval head."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from transformers import CLIPModel

from omnifusion.retrieval import INDEX_FILE, VisualConfig, VisualPageIndex, maxsim_score
from omnifusion.retriever import (
    RetrieverTrainConfig,
    load_retriever,
    maxsim,
    mine_pseudo_queries,
    train_retriever,
)
from omnifusion.runtime import ModelDirectoryError, OmniFusionError

PAGE_TEXTS = {
    1: "The paper tray holds up to 250 sheets of A4 paper. Load the paper with the print side down.",
    2: "To reset the network settings, hold the Wi-Fi key for five seconds. The light blinks twice.",
    3: "The warranty covers manufacturing defects for two years. Keep the receipt as proof of purchase.",
    4: "Откройте крышку и извлеките старый картридж. Вставьте новый картридж до щелчка.",
}
COLOURS = {1: (220, 30, 30), 2: (30, 160, 40), 3: (30, 40, 220), 4: (200, 180, 20)}


def _page(page_id: int, size: tuple[int, int] = (90, 120)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10 + 20 * page_id, 80, 40 + 20 * page_id), fill=COLOURS[page_id])
    draw.ellipse((5 * page_id, 5, 5 * page_id + 30, 35), outline=(0, 0, 0), width=3)
    return image


def test_visual_config_from_the_assistants_dict() -> None:
    config = VisualConfig.from_dict({"kind": "clip", "path": "/models/clip", "batch_size": 4, "max_tiles": 6})
    assert config.batch_size == 4 and config.device == "cpu" and config.dtype == "float32"
    assert VisualConfig.from_dict(config.to_dict()) == config
    with pytest.raises(OmniFusionError, match="visual kind"):
        VisualConfig.from_dict({"kind": "colpali", "path": "x"})
    with pytest.raises(OmniFusionError, match="unknown visual setting"):
        VisualConfig.from_dict({"kind": "clip", "path": "x", "colour": "red"})


def test_clip_index_add_search_remove_save_reopen(tiny: Any, tmp_path: Path) -> None:
    config = VisualConfig(kind="clip", path=str(tiny.clip), max_tiles=4, batch_size=3)
    index = VisualPageIndex.open(tmp_path / "visual", config)
    assert index.page_ids() == set() and index.search("anything", 3) == []
    index.add_pages([(page_id, _page(page_id)) for page_id in (1, 2, 3)])
    assert index.page_ids() == {1, 2, 3}
    hits = index.search("paper tray", k=3)
    assert sorted(p for p, _ in hits) == [1, 2, 3]
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    # scores are the best view's cosine with the query, computed exactly
    embedder = index.embedder
    query = embedder.embed_query("paper tray")
    for page_id, score in hits:
        assert score == pytest.approx(maxsim_score(query, embedder.embed_page(_page(page_id))), abs=2e-3)
    # every page contributes its global view plus its tiles
    assert index.n_vectors % 3 == 0 and index.n_vectors // 3 > 1
    # a page found at rank 1 by its own best-matching query is still found after a reopen
    top_page = hits[0][0]
    index.remove_pages([2, 99])
    assert index.page_ids() == {1, 3}
    assert 2 not in [p for p, _ in index.search("paper tray", k=3)]
    index.save()
    assert (tmp_path / "visual" / INDEX_FILE).is_file()
    assert not [p for p in (tmp_path / "visual").iterdir() if p.name != INDEX_FILE]  # no temp files left
    reopened = VisualPageIndex.open(tmp_path / "visual", config)
    assert reopened.page_ids() == {1, 3}
    assert reopened.search("paper tray", k=2) == index.search("paper tray", k=2)
    if top_page != 2:
        assert reopened.search("paper tray", k=1)[0][0] == top_page
    # replacing a page keeps one copy of it
    reopened.add_pages([(1, _page(4))])
    assert reopened.page_ids() == {1, 3} and reopened.n_vectors == index.n_vectors


def test_clip_kind_needs_the_text_tower(tiny: Any, tmp_path: Path) -> None:
    from transformers import CLIPVisionModel

    vision_only = tmp_path / "vision-only"
    CLIPVisionModel.from_pretrained(tiny.clip, local_files_only=True).save_pretrained(vision_only)
    index = VisualPageIndex.open(tmp_path / "idx", VisualConfig(kind="clip", path=str(vision_only)))
    with pytest.raises(OmniFusionError, match="text towers"):
        index.add_pages([(1, _page(1))])


def test_unreadable_model_directories_are_reported(tmp_path: Path) -> None:
    missing = VisualPageIndex.open(tmp_path / "a", VisualConfig(kind="clip", path=str(tmp_path / "nowhere")))
    with pytest.raises(ModelDirectoryError, match="local directory"):
        missing.add_pages([(1, _page(1))])
    (tmp_path / "empty").mkdir()
    empty = VisualPageIndex.open(tmp_path / "b", VisualConfig(kind="clip", path=str(tmp_path / "empty")))
    with pytest.raises(ModelDirectoryError, match="empty"):
        empty.add_pages([(1, _page(1))])
    not_trained = VisualPageIndex.open(
        tmp_path / "c", VisualConfig(kind="retriever", path=str(tmp_path / "empty"))
    )
    with pytest.raises(ModelDirectoryError, match=r"retriever\.json"):
        not_trained.add_pages([(1, _page(1))])


def test_an_index_built_with_another_model_is_refused(tiny: Any, tmp_path: Path) -> None:
    index = VisualPageIndex.open(
        tmp_path / "idx", VisualConfig(kind="clip", path=str(tiny.clip), max_tiles=0)
    )
    index.add_pages([(1, _page(1))])
    index.save()
    # the same weights elsewhere are the same space: moving the model keeps the index usable
    moved_dir = tmp_path / "moved-clip"
    shutil.copytree(tiny.clip, moved_dir)
    moved = VisualPageIndex.open(
        tmp_path / "idx", VisualConfig(kind="clip", path=str(moved_dir), max_tiles=0)
    )
    assert moved.search("x", 1)[0][0] == 1
    # other weights are another space: searching would compare unrelated vectors, so it is refused
    model = CLIPModel.from_pretrained(tiny.clip, local_files_only=True)
    with torch.no_grad():
        model.visual_projection.weight.mul_(-1)
    other_dir = tmp_path / "other-clip"
    model.save_pretrained(other_dir)
    shutil.copy(tiny.clip / "tokenizer.json", other_dir)
    shutil.copy(tiny.clip / "tokenizer_config.json", other_dir)
    other = VisualPageIndex.open(
        tmp_path / "idx", VisualConfig(kind="clip", path=str(other_dir), max_tiles=0)
    )
    with pytest.raises(OmniFusionError, match="delete"):
        other.search("x", 1)


def test_pseudo_queries_come_from_the_pages_own_sentences() -> None:
    queries = mine_pseudo_queries(PAGE_TEXTS[1] + "\n12\nSection 3", per_page=5)
    assert 1 <= len(queries) <= 2
    assert all(set(q.split()) <= set(PAGE_TEXTS[1].replace(".", ". ").split()) | {""} for q in queries)
    assert mine_pseudo_queries("Page 12", per_page=3) == []


def _retriever_config(tiny: Any, data: Path, output: Path, **settings: Any) -> RetrieverTrainConfig:
    return RetrieverTrainConfig.from_dict(
        {
            "checkpoint": str(tiny.official),
            "encoder": {"kind": "clip", "path": str(tiny.clip)},
            "data": str(data),
            "output_dir": str(output),
            "dim": 16,
            "head_width": 32,
            "head_heads": 4,
            "batch_size": 4,
            "learning_rate": 3e-3,
            "temperature": 0.05,
            "device": "cpu",
            **settings,
        }
    )


@pytest.fixture(scope="module")
def trained_retriever(tiny: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("retriever")
    lines = []
    for page_id, text in PAGE_TEXTS.items():
        _page(page_id).save(root / f"page-{page_id}.png")
        lines.append(json.dumps({"image": f"page-{page_id}.png", "text": text}))
    (root / "pages.jsonl").write_text("\n".join(lines) + "\n")
    config = _retriever_config(tiny, root / "pages.jsonl", root / "late", mode="late", max_tiles=2, epochs=60)
    result = train_retriever(config)
    assert result.pairs >= 4
    assert result.losses[-1] < 0.5 * result.losses[0], result.losses
    return root, root / "late"


def test_trained_late_interaction_retriever_finds_the_page(
    trained_retriever: tuple[Path, Path], tmp_path: Path
) -> None:
    root, retriever_dir = trained_retriever
    config = VisualConfig(kind="retriever", path=str(retriever_dir), max_tiles=2)
    index = VisualPageIndex.open(tmp_path / "visual", config)
    index.add_pages([(page_id, Image.open(root / f"page-{page_id}.png")) for page_id in PAGE_TEXTS])
    found = 0
    for page_id, text in PAGE_TEXTS.items():
        for query in mine_pseudo_queries(text, per_page=2, seed=page_id - 1):
            found += index.search(query, k=1)[0][0] == page_id
    assert found >= 6  # memorised training pairs: mechanics, not quality
    # late interaction keeps one 16-d vector per image token; pooling 2x2 blocks keeps fewer
    retriever = load_retriever(retriever_dir)
    per_view = retriever.adapter_tokens_per_view
    views = len(retriever.views(_page(1)))
    assert index.n_vectors == len(PAGE_TEXTS) * views * per_view
    pooled = VisualPageIndex.open(
        tmp_path / "pooled",
        VisualConfig(kind="retriever", path=str(retriever_dir), max_tiles=2, token_pool=2),
    )
    pooled.add_pages([(1, _page(1))])
    assert pooled.n_vectors == views * 1  # the 2x2 grid of the tiny tower pools to one vector per view


def test_single_vector_retriever_stores_one_vector_per_page(
    tiny: Any, trained_retriever: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = trained_retriever
    config = _retriever_config(
        tiny, root / "pages.jsonl", tmp_path / "single", mode="single", max_tiles=0, epochs=25
    )
    result = train_retriever(config)
    assert result.losses[-1] < result.losses[0]
    index = VisualPageIndex.open(
        tmp_path / "visual", VisualConfig(kind="retriever", path=str(tmp_path / "single"), max_tiles=0)
    )
    index.add_pages([(page_id, _page(page_id)) for page_id in PAGE_TEXTS])
    assert index.n_vectors == len(PAGE_TEXTS)
    hits = index.search(mine_pseudo_queries(PAGE_TEXTS[3], per_page=1, seed=2)[0], k=4)
    assert len(hits) == 4 and all(-1.0 <= s <= 1.0 for _, s in hits)


def test_cli_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "omnifusion", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("convert", "train", "train-retriever", "embed"):
        assert command in out


def test_importing_the_channel_does_not_import_torch() -> None:
    code = "import sys, omnifusion.retrieval; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_maxsim_score_is_mean_best_cosine() -> None:
    query = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    page = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    assert maxsim_score(query, page) == pytest.approx((1.0 + 0.8) / 2)


def test_training_maxsim_ignores_document_padding() -> None:
    query = torch.tensor([[[1.0, 0.0]]])
    documents = torch.tensor([[[-0.6, 0.8], [0.0, 0.0]]])  # one real token, one padding slot
    real = torch.tensor([[True, False]])
    scores = maxsim(query, torch.ones(1, 1), documents, real)
    assert scores.item() == pytest.approx(-0.6)
    assert maxsim(query, torch.ones(1, 1), documents).item() == pytest.approx(0.0)  # what masking prevents


class _RandomEmbedder:
    """Unit vectors without a model: a few vectors per page, several per query (late interaction)."""

    name = "random"
    dim = 8

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def _unit(self, count: int) -> np.ndarray:
        vectors = self.rng.standard_normal((count, self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_page(self, image: Any) -> np.ndarray:
        return self._unit(int(self.rng.integers(1, 6)))

    def embed_query(self, text: str) -> np.ndarray:
        return self._unit(3)


@pytest.mark.parametrize("storage", ["fp16", "fp32"])
def test_search_matches_exact_maxsim_over_every_page(tmp_path: Path, storage: str) -> None:
    config = VisualConfig(kind="retriever", path=str(tmp_path), storage=storage, candidates=8)
    index = VisualPageIndex(tmp_path, config, embedder=_RandomEmbedder())
    index.add_pages([(page, None) for page in range(60)])  # type: ignore[misc]
    index.remove_pages([3, 7, 8, 20, 59])
    index.add_pages([(3, None), (100, None)])  # type: ignore[misc]
    for _ in range(10):
        query = index.embedder.embed_query("q")
        index.embedder.embed_query = lambda text, query=query: query  # type: ignore[method-assign]
        exact = sorted(
            ((page, maxsim_score(query, index._page_vectors(page, None))) for page in index.page_ids()),
            key=lambda item: (-item[1], item[0]),
        )[:5]
        found = index.search("q", 5)
        assert [p for p, _ in found] == [p for p, _ in exact]
        assert [s for _, s in found] == pytest.approx([s for _, s in exact], abs=1e-6)
    # reopened under the other storage setting, the stored vectors are still read as what they are
    index.save()
    other = "fp32" if storage == "fp16" else "fp16"
    reopened = VisualPageIndex.open(
        tmp_path, VisualConfig(kind="retriever", path=str(tmp_path), storage=other)
    )
    reopened._embedder = index.embedder
    assert reopened.search("q", 5) == found


def test_a_failed_save_leaves_the_previous_index_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = VisualConfig(kind="retriever", path=str(tmp_path))
    index = VisualPageIndex(tmp_path, config, embedder=_RandomEmbedder())
    index.add_pages([(1, None), (2, None)])  # type: ignore[misc]
    index.save()
    before = (tmp_path / INDEX_FILE).read_bytes()
    index.add_pages([(3, None)])  # type: ignore[misc]

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        index.save()
    assert (tmp_path / INDEX_FILE).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE]
    monkeypatch.undo()
    assert VisualPageIndex.open(tmp_path, config).page_ids() == {1, 2}
