"""Dense passage vectors in FAISS with the real embedders: search, delete, atomic save, cross-lingual."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.dense import DenseIndex
from indexer.embedders import TextEmbedder, load_embedder
from indexer.errors import WorkspaceDamaged

PASSAGES = {
    101: "Replace the dust bag every 4 weeks. A full bag reduces the suction power.",
    102: "A whistling noise means that the hose is blocked: remove the blockage with a long stick.",
    103: "Descale the coffee machine every three months with a citric acid solution.",
    104: "Keep the cord away from water and never pull the plug out of the socket by the cable.",
    105: "Fill the water tank up to the MAX mark and insert a coffee capsule.",
}


@pytest.fixture(scope="module")
def use() -> TextEmbedder:
    return load_embedder("use")


def filled(path: Path, embedder: TextEmbedder) -> DenseIndex:
    index = DenseIndex(path, embedder.dim)
    index.add(np.array(list(PASSAGES), dtype=np.int64), embedder.embed_passages(list(PASSAGES.values())))
    return index


def top(index: DenseIndex, embedder: TextEmbedder, question: str, k: int = 5) -> list[int]:
    return [passage_id for passage_id, _ in index.search(embedder.embed_queries([question])[0], k)]


def test_search_finds_the_answering_passage_first(tmp_path: Path, use: TextEmbedder) -> None:
    index = filled(tmp_path / "dense.faiss", use)
    assert len(index) == 5
    assert top(index, use, "How often should I change the dust bag?")[0] == 101
    assert top(index, use, "What does a whistling sound mean?")[0] == 102
    hits = index.search(use.embed_queries(["dust bag"])[0], 3)
    assert len(hits) == 3
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("Как часто менять мешок для пыли?", 101), ("Что означает свист пылесоса?", 102)],
)
def test_russian_question_finds_the_english_passage(
    tmp_path: Path, use: TextEmbedder, question: str, expected: int
) -> None:
    index = filled(tmp_path / "dense.faiss", use)
    assert top(index, use, question)[0] == expected


def test_e5_embedder_finds_english_passages_for_russian_questions(tmp_path: Path) -> None:
    e5 = load_embedder("e5")
    assert e5.dim == 384
    index = filled(tmp_path / "dense.faiss", e5)
    assert top(index, e5, "Как часто удалять накипь в кофемашине?")[0] == 103
    assert top(index, e5, "How often do I change the bag?")[0] == 101


def test_deleted_passages_are_never_returned(tmp_path: Path, use: TextEmbedder) -> None:
    index = filled(tmp_path / "dense.faiss", use)
    assert index.remove([101, 999]) == 1
    assert len(index) == 4
    assert 101 not in top(index, use, "How often should I change the dust bag?", k=10)
    assert sorted(index.ids().tolist()) == [102, 103, 104, 105]
    assert index.remove([]) == 0


def test_save_is_atomic_and_reloads_the_same_index(tmp_path: Path, use: TextEmbedder) -> None:
    path = tmp_path / "sub" / "dense.faiss"
    index = filled(path, use)
    index.remove([104])
    index.save()
    assert sorted(p.name for p in path.parent.iterdir()) == ["dense.faiss"]
    reloaded = DenseIndex(path, use.dim)
    assert sorted(reloaded.ids().tolist()) == sorted(index.ids().tolist())
    query = use.embed_queries(["coffee capsule"])[0]
    before, after = index.search(query, 5), reloaded.search(query, 5)
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before])


def test_a_reader_follows_what_the_writer_saved(tmp_path: Path, use: TextEmbedder) -> None:
    path = tmp_path / "dense.faiss"
    writer = filled(path, use)
    writer.save()
    reader = DenseIndex(path, use.dim)
    writer.remove([101])
    writer.save()
    reader.reload()
    assert 101 not in reader.ids().tolist() and len(reader) == 4


def test_an_index_of_another_width_is_refused_with_advice(tmp_path: Path, use: TextEmbedder) -> None:
    path = tmp_path / "dense.faiss"
    filled(path, use).save()
    with pytest.raises(WorkspaceDamaged, match=r"512-d vectors but the embedder gives 384-d; run .*--repair"):
        DenseIndex(path, 384)


def test_empty_index_finds_nothing(tmp_path: Path, use: TextEmbedder) -> None:
    index = DenseIndex(tmp_path / "dense.faiss", use.dim)
    assert index.search(use.embed_queries(["anything"])[0], 5) == []
    assert not (tmp_path / "dense.faiss").exists()
