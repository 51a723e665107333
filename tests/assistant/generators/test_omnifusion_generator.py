"""The `omnifusion` backend: the model `omnifusion serve` hosts, run in this process on tiny checkpoints."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
import torch

from assistant.generators import Answer, AnswerDelta, GeneratorConfigError, GeneratorSettings, make_generator
from assistant.generators.regions import select_regions

if TYPE_CHECKING:
    from conftest import Library

OMNIFUSION_TESTS = Path(__file__).resolve().parents[2] / "omnifusion"
QUESTION = "How often should I clean the exhaust filter?"


def load(name: str, file: Path) -> ModuleType:
    """A helper module of the omnifusion tests (tiny models, steering), under a name of its own."""
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tiny_models = load("omnifusion_tiny_models", OMNIFUSION_TESTS / "conftest.py")
steering = load("omnifusion_steering", OMNIFUSION_TESTS / "steering.py")


@pytest.fixture(scope="module")
def checkpoints(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("omnifusion-generator")
    tiny_models.save_clip(root / "clip")
    tiny_models.save_official_checkpoint(root / "random")
    regions = select_regions(library.assistant.search(QUESTION))
    number = next(r.number for r in regions if "once a month" in r.passage.text)
    steering.steer_checkpoint(root / "random", root / "steered", root / "clip", f"Monthly [{number}].")
    return {"clip": root / "clip", "random": root / "random", "steered": root / "steered"}


def omnifusion(library: Library, checkpoint: Path, clip: Path, **overrides: Any) -> Any:
    workspace = library.assistant.workspace
    values: dict[str, Any] = {
        "generator": "omnifusion",
        "generator_model": str(checkpoint),
        "generator_encoder": str(clip),
        "generator_device": "cpu",
        "generator_fallback": "none",
        "generator_max_images": 1,
        "generator_max_tokens": 16,
    }
    values.update(overrides)
    return make_generator(
        GeneratorSettings(**values),
        embedder=workspace.embedder,
        page_passages=workspace.page_passages,
        page_image=workspace.page_image,
    )


@pytest.fixture(scope="module")
def steered(library: Library, checkpoints: dict[str, Path]) -> Iterator[Any]:
    generator = omnifusion(library, checkpoints["steered"], checkpoints["clip"])
    yield generator
    generator.close()


def test_the_steered_model_streams_and_cites(library: Library, steered: Any) -> None:
    items = list(steered.stream(QUESTION, library.assistant.search(QUESTION)))
    *deltas, answer = items
    assert all(isinstance(d, AnswerDelta) for d in deltas) and isinstance(answer, Answer)
    assert "".join(d.text for d in deltas).strip() == answer.text == "Monthly."
    assert answer.found and answer.generator == "omnifusion"
    [citation] = answer.citations
    assert citation.document.filename == "vacuum_en.pdf" and "once a month" in citation.quote


def test_follow_ups_reach_the_model_with_their_history(library: Library, steered: Any) -> None:
    from assistant.conversation import Turn

    history = [Turn("How often should I replace the dust bag?", "Every 4 weeks.", (1,))]
    answer = steered.answer(QUESTION, library.assistant.search(QUESTION), history)
    assert answer.found  # the longer prompt (history turns) still fits and decodes


def test_a_random_model_never_makes_up_a_box(library: Library, checkpoints: dict[str, Path]) -> None:
    generator = omnifusion(library, checkpoints["random"], checkpoints["clip"])
    try:
        hits = library.assistant.search("Как часто менять мешок пылесборника?")
        answer = generator.answer("Как часто менять мешок пылесборника?", hits)
    finally:
        generator.close()
    boxes = [e.passage.bbox for hit in hits for e in hit.passages]
    assert answer.language == "ru"
    for citation in answer.citations:
        assert any(b[0] - 0.5 <= citation.bbox[0] and citation.bbox[2] <= b[2] + 0.5 for b in boxes)


def test_a_prompt_over_the_context_falls_back_to_the_reader(
    library: Library, checkpoints: dict[str, Path]
) -> None:
    generator = omnifusion(
        library,
        checkpoints["steered"],
        checkpoints["clip"],
        generator_context=64,
        generator_fallback="extractive",
    )
    try:
        answer = generator.answer(QUESTION, library.assistant.search(QUESTION))
    finally:
        generator.close()
    assert answer.generator.startswith("extractive (fallback") and "context" in answer.generator
    assert answer.found and "once a month" in answer.text


def test_a_missing_checkpoint_is_a_configuration_error(library: Library, tmp_path: Path) -> None:
    with pytest.raises(GeneratorConfigError, match="cannot load its model"):
        omnifusion(library, tmp_path / "nothing", tmp_path / "no-clip")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_steered_model_on_cuda_in_bf16(library: Library, checkpoints: dict[str, Path]) -> None:
    generator = omnifusion(library, checkpoints["steered"], checkpoints["clip"], generator_device="cuda")
    try:
        assert generator.worker.engine.model.dtype == torch.bfloat16
        answer = generator.answer(QUESTION, library.assistant.search(QUESTION))
    finally:
        generator.close()
    # bf16 rounding may move a logit, but whatever it says, no box is made up.
    assert not answer.found or "once a month" in answer.citations[0].quote
