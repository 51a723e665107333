"""Approximate vector search (IVF, fp16 codes) past a size: recall, ids, deletes, files, rebuilds, kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from indexer.check import check_workspace
from indexer.dense import AnnSettings, DenseIndex, lists_for, trained_size
from indexer.errors import AssistantError
from indexer.workspace import Workspace

if TYPE_CHECKING:
    from conftest import Maker

DIM = 48
REPOSITORY = Path(__file__).resolve().parents[2]


def topical_vectors(count: int, seed: int = 0, topics: int = 40) -> np.ndarray:
    """Unit vectors around a few dozen topics, the way passages of manuals gather (not uniform noise)."""
    centres = np.random.default_rng(0).normal(size=(topics, DIM))
    rng = np.random.default_rng(seed)
    vectors = centres[rng.integers(0, topics, count)] + 0.6 * rng.normal(size=(count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def filled(path: Path, count: int, ann: AnnSettings, first_id: int = 1000) -> DenseIndex:
    index = DenseIndex(path, DIM, ann=ann)
    index.add(np.arange(first_id, first_id + count), topical_vectors(count))
    return index


def top(index: DenseIndex, query: np.ndarray, k: int = 10) -> list[int]:
    return [passage_id for passage_id, _ in index.search(query, k)]


def recall_at(k: int, approximate: DenseIndex, exact: DenseIndex, queries: np.ndarray) -> float:
    found = [len(set(top(approximate, q, k)) & set(top(exact, q, k))) / k for q in queries]
    return float(np.mean(found))


ANN = AnnSettings(threshold=2000, nprobe=8)


def test_the_index_stays_exact_below_the_threshold_and_turns_approximate_past_it(tmp_path: Path) -> None:
    index = filled(tmp_path / "dense.faiss", 1999, ANN)
    assert not index.rebuild_due() and not index.rebuild()
    assert not index.approximate and index.lists == 0
    index.add(np.array([5]), topical_vectors(1, seed=9))
    assert index.rebuild_due()
    assert index.rebuild()
    assert index.approximate and index.lists == lists_for(2000)
    assert not index.rebuild_due()


def test_the_approximate_index_keeps_every_id_and_finds_what_exact_search_finds(tmp_path: Path) -> None:
    approximate = filled(tmp_path / "ivf.faiss", 20_000, ANN)
    exact = filled(tmp_path / "exact.faiss", 20_000, AnnSettings(threshold=0))
    assert approximate.rebuild() and not exact.rebuild_due()
    assert approximate.lists == lists_for(20_000) == 283
    assert sorted(approximate.ids().tolist()) == list(range(1000, 21_000))
    assert len(approximate) == 20_000
    queries = topical_vectors(200, seed=3)
    assert recall_at(10, approximate, exact, queries) >= 0.95
    # The scores are the same inner products (fp16 codes in both).
    query = queries[0]
    assert dict(approximate.search(query, 3)) == pytest.approx(dict(exact.search(query, 3)), abs=1e-5)


def test_removed_passages_never_come_back_from_the_inverted_file(tmp_path: Path) -> None:
    index = filled(tmp_path / "dense.faiss", 5000, ANN)
    assert index.rebuild()
    query = topical_vectors(5000)[17]
    assert top(index, query, 1) == [1017]
    assert index.remove([1017, 1018, 99]) == 2
    assert 1017 not in top(index, query, 50)
    assert {1017, 1018}.isdisjoint(index.ids().tolist()) and len(index) == 4998
    assert index.remove([]) == 0


def test_the_reader_weighs_passages_by_their_stored_vectors_in_the_inverted_file_too(tmp_path: Path) -> None:
    # The rerank reads the vectors of a few pages' passages by id; at scale they sit in the IVF lists.
    path = tmp_path / "dense.faiss"
    approximate = filled(path, 5000, ANN)
    exact = filled(tmp_path / "exact.faiss", 5000, AnnSettings(threshold=0))
    assert approximate.rebuild()
    query = topical_vectors(1, seed=4)[0]
    wanted = [1000, 2500, 5999, 123_456]
    expected = exact.similarities(query, wanted)
    assert sorted(expected) == [1000, 2500, 5999]
    assert approximate.similarities(query, wanted) == pytest.approx(expected, abs=1e-5)
    approximate.remove([2500])
    approximate.save()
    loaded = DenseIndex(path, DIM, ann=ANN)
    assert loaded.approximate
    assert loaded.similarities(query, wanted) == pytest.approx(
        {1000: expected[1000], 5999: expected[5999]}, abs=1e-5
    )
    # Vectors added after training are found by id as well.
    loaded.add(np.array([7]), topical_vectors(1, seed=8))
    assert set(loaded.similarities(query, [7, 2500])) == {7}


def test_save_and_load_keep_the_inverted_file_and_search_it_with_the_configured_nprobe(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dense.faiss"
    index = filled(path, 5000, ANN)
    assert index.rebuild()
    index.remove([1000])
    index.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dense.faiss"]
    loaded = DenseIndex(path, DIM, ann=AnnSettings(threshold=2000, nprobe=3))
    assert loaded.approximate and loaded.lists == index.lists
    assert sorted(loaded.ids().tolist()) == sorted(index.ids().tolist())
    # nprobe is a search setting: the loaded index uses the one it was opened with, not the writer's.
    assert loaded._index.nprobe == 3  # type: ignore[attr-defined]
    everything = DenseIndex(path, DIM, ann=AnnSettings(threshold=2000, nprobe=10_000))
    exact = filled(tmp_path / "exact.faiss", 5000, AnnSettings(threshold=0))
    exact.remove([1000])
    query = topical_vectors(1, seed=5)[0]
    assert top(everything, query, 20) == top(exact, query, 20)


def test_a_reader_follows_a_writer_whose_index_turned_approximate(tmp_path: Path) -> None:
    path = tmp_path / "dense.faiss"
    writer = filled(path, 3000, ANN)
    writer.save()
    reader = DenseIndex(path, DIM, ann=ANN)
    assert not reader.approximate
    assert writer.rebuild(then=writer.save)
    reader.reload()
    assert reader.approximate and len(reader) == 3000


def test_trained_again_once_grown_by_the_factor_and_exact_again_once_shrunk(tmp_path: Path) -> None:
    index = filled(tmp_path / "dense.faiss", 2500, ANN)
    assert index.rebuild()
    first = index.lists
    grown = int(ANN.retrain_factor * trained_size(first))
    index.add(np.arange(10**6, 10**6 + grown - 2500), topical_vectors(grown - 2500, seed=4))
    assert index.rebuild_due() and index.rebuild()
    assert index.lists == lists_for(grown) > first and not index.rebuild_due()
    kept = sorted(index.ids().tolist())[:999]
    index.remove(sorted(set(index.ids().tolist()) - set(kept)))
    assert index.rebuild_due() and index.rebuild()  # 999 < 2000 / 2: exact again
    assert not index.approximate and sorted(index.ids().tolist()) == kept


def test_threshold_zero_keeps_or_makes_the_index_exact(tmp_path: Path) -> None:
    path = tmp_path / "dense.faiss"
    index = filled(path, 3000, ANN)
    assert index.rebuild(then=index.save)
    reopened = DenseIndex(path, DIM, ann=AnnSettings(threshold=0))
    assert reopened.approximate and reopened.rebuild_due()  # what the file holds, until rebuilt
    assert reopened.rebuild() and not reopened.approximate and len(reopened) == 3000


def test_additions_and_removals_made_during_a_rebuild_are_kept(tmp_path: Path) -> None:
    index = filled(tmp_path / "dense.faiss", 3000, ANN)
    extra = topical_vectors(10, seed=8)

    @contextmanager
    def meanwhile() -> Iterator[None]:
        # The new structure is built; another thread changes the index before the swap.
        def change() -> None:
            index.add(np.arange(50_000, 50_010), extra)
            index.remove([1000, 1001])

        thread = threading.Thread(target=change)
        thread.start()
        thread.join()
        yield

    assert index.rebuild(holding=meanwhile)
    ids = set(index.ids().tolist())
    assert index.approximate and len(index) == 3008 == len(ids)
    assert set(range(50_000, 50_010)) <= ids and {1000, 1001}.isdisjoint(ids)
    assert top(index, extra[3], 1) == [50_003]


def test_a_rebuild_is_dropped_when_the_file_was_reloaded_meanwhile_or_when_stopped(tmp_path: Path) -> None:
    path = tmp_path / "dense.faiss"
    index = filled(path, 3000, ANN)
    index.save()

    @contextmanager
    def another_process_published() -> Iterator[None]:
        index.reload()
        yield

    published: list[bool] = []
    assert not index.rebuild(holding=another_process_published, then=lambda: published.append(True))
    assert not index.approximate and not published and len(index) == 3000
    stop = threading.Event()
    stop.set()
    assert not index.rebuild(stop)
    assert not index.approximate
    assert index.rebuild() and index.approximate  # and nothing was left half-done in between


# -- in a workspace ---------------------------------------------------------------------------------

SMALL = {"ann_threshold": 40, "ann_nprobe": 4}


@pytest.fixture
def manuals(make: Maker) -> list[Path]:
    return make.model_manuals(6, footer="Model VX-{n:02d}: the filter lasts {months} months.")


def test_a_workspace_turns_its_index_approximate_after_ingest_and_still_answers(
    tmp_path: Path, manuals: list[Path], make: Maker
) -> None:
    from assistant import Assistant

    with Assistant(tmp_path / "ws", background_enrichment=True, **SMALL) as assistant:
        assistant.add(manuals)
        assert assistant.wait_for_enrichment(300)
        workspace = assistant.workspace
        assert workspace.dense.approximate and len(workspace.dense) >= 40
        assert workspace.rebuild_due() == []
        [hit, *_] = assistant.search("How long does the filter of model VX-04 last?")
        assert hit.document.filename == "model_04.pdf"
        assert check_workspace(workspace).consistent
        assert assistant.delete(hit.document.id)
        report = check_workspace(workspace)
        assert report.consistent, report.summary()
        assert report.indexes["dense"].entries == report.passages
    # Another process opening it later reads the inverted file as saved.
    with Workspace(tmp_path / "ws", create=False) as reopened:
        assert reopened.dense.approximate


def test_check_sees_every_id_of_an_approximate_index_and_repair_mends_it(
    tmp_path: Path, manuals: list[Path]
) -> None:
    with Workspace(tmp_path / "ws", **SMALL) as workspace:
        workspace.add(manuals)
        assert workspace.rebuild_indexes() == ["dense"]
        lost = int(workspace.dense.ids()[7])
        workspace.dense.remove([lost])
        stray = np.random.default_rng(2).normal(size=(1, workspace.embedder.dim))
        workspace.dense.add(np.array([777_777]), stray / np.linalg.norm(stray))
        workspace.dense.save()
        report = check_workspace(workspace)
        assert report.indexes["dense"].missing == [lost]
        assert report.indexes["dense"].stale == [777_777]
        repaired = check_workspace(workspace, repair=True)
        assert repaired.consistent, repaired.summary()
        assert workspace.dense.approximate and lost in workspace.dense.ids().tolist()


def test_compact_rebuilds_what_is_due_and_other_processes_follow(tmp_path: Path, manuals: list[Path]) -> None:
    with Workspace(tmp_path / "ws", **SMALL) as writer, Workspace(tmp_path / "ws", **SMALL) as reader:
        writer.add(manuals)
        reader.refresh()
        assert len(reader.dense) == len(writer.dense) and not reader.dense.approximate
        writer.compact()
        assert writer.dense.approximate
        reader.refresh()  # one catalog query sees the new publication, then the file is read again
        assert reader.dense.approximate
        assert check_workspace(reader).consistent


KILLED_MID_REBUILD = """
import os, sys, signal
from contextlib import contextmanager
from indexer.workspace import Workspace
workspace = Workspace(sys.argv[1], ann_threshold=40)

@contextmanager
def stuck():
    # Built, about to swap under the write lock: the moment a kill hurts most.
    with workspace.writing():
        print("built", flush=True)
        signal.pause()
        yield

workspace.dense.rebuild(holding=stuck)
"""


def test_a_writer_killed_in_the_middle_of_a_rebuild_leaves_the_index_it_had(
    tmp_path: Path, manuals: list[Path]
) -> None:
    root = tmp_path / "ws"
    with Workspace(root, ann_threshold=0) as workspace:
        workspace.add(manuals)
        before = sorted(workspace.dense.ids().tolist())
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_REBUILD, str(root)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "built"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    with Workspace(root, ann_threshold=40) as workspace:
        assert not workspace.dense.approximate and sorted(workspace.dense.ids().tolist()) == before
        report = check_workspace(workspace)
        assert report.consistent, report.summary()
        assert workspace.rebuild_indexes() == ["dense"]
        assert workspace.dense.approximate
        assert check_workspace(workspace).consistent


# -- the deep channel's own nprobe -----------------------------------------------------------------


def test_the_deep_channel_searches_with_its_own_nprobe_and_the_dense_one_keeps_ann_nprobe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_ANN_DEEP_NPROBE", "3")
    with Workspace(tmp_path / "ws", ann_threshold=2000, ann_nprobe=9) as workspace:
        assert workspace.settings.ann_deep_nprobe == 3
        for name, nprobe in (("deep", 3), ("dense", 9)):
            index = workspace.store.vector_index(name, DIM, fresh=True)
            index.add(np.arange(1000, 6000), topical_vectors(5000))
            assert index.rebuild() and index._index.nprobe == nprobe  # type: ignore[attr-defined]
            index.save()
            # Read back from its file (another process, a restart): searched with the setting again.
            loaded = workspace.store.vector_index(name, DIM)
            assert isinstance(loaded, DenseIndex) and isinstance(index, DenseIndex)
            assert loaded.approximate and loaded._index.nprobe == nprobe  # type: ignore[attr-defined]
            query = topical_vectors(1, seed=5)[0]
            assert top(loaded, query) == top(index, query)
    # An argument outranks the environment; the defaults hold in a workspace where neither sets it.
    with Workspace(tmp_path / "ws", ann_deep_nprobe=5) as workspace:
        assert workspace.store.vector_index("deep", DIM)._index.nprobe == 5  # type: ignore[attr-defined]
    monkeypatch.delenv("ASSISTANT_ANN_DEEP_NPROBE")
    with Workspace(tmp_path / "other") as workspace:
        assert AnnSettings.of(workspace.settings, "deep").nprobe == 128
        assert AnnSettings.of(workspace.settings, "dense").nprobe == 384


@pytest.mark.parametrize("value", ["0", "-4", "many"])
def test_a_bad_deep_nprobe_from_the_environment_is_a_typed_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ASSISTANT_ANN_DEEP_NPROBE", value)
    with pytest.raises(AssistantError, match=r"(?i)ann_deep_nprobe"):
        Workspace(tmp_path / "ws")
    assert not (tmp_path / "ws").exists()
