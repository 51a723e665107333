"""Generator settings (argument > environment > config.json > default), the factory, the reader's stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from assistant.generators import (
    Answer,
    AnswerDelta,
    ExtractiveGenerator,
    GeneratorConfigError,
    GeneratorSettings,
    make_generator,
)
from assistant.generators.openai import OpenAIGenerator, chat_completions_url

if TYPE_CHECKING:
    from conftest import Library


def test_defaults_are_the_extractive_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GeneratorSettings.names():
        monkeypatch.delenv(f"ASSISTANT_{name.upper()}", raising=False)
    settings = GeneratorSettings.load()
    assert settings.generator == "extractive" and settings.generator_fallback == "extractive"


def test_argument_beats_environment_beats_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = {"generator": "openai", "generator_url": "http://file:1/v1", "generator_timeout": 5, "dpi": 150}
    monkeypatch.setenv("ASSISTANT_GENERATOR_URL", "http://env:2/v1")
    monkeypatch.setenv("ASSISTANT_GENERATOR_TIMEOUT", "7.5")
    monkeypatch.setenv("ASSISTANT_GENERATOR_API_KEY", "from-env")
    settings = GeneratorSettings.load(stored, generator_timeout=9.0, generator_model=None)
    assert settings.generator == "openai"  # from the file (other index settings in it are ignored)
    assert settings.generator_url == "http://env:2/v1"
    assert settings.generator_timeout == 9.0
    assert settings.generator_api_key == "from-env" and "from-env" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"generator": "gpt"}, "ASSISTANT_GENERATOR"),
        ({"generator": "openai"}, "ASSISTANT_GENERATOR_URL"),
        ({"generator": "llamacpp"}, "ASSISTANT_GENERATOR_MODEL"),
        ({"generator_fallback": "maybe"}, "ASSISTANT_GENERATOR_FALLBACK"),
        ({"generator_vision": "yes"}, "ASSISTANT_GENERATOR_VISION"),
        ({"generator_timeout": 0}, "ASSISTANT_GENERATOR_TIMEOUT"),
        ({"generator_threads": 0}, "ASSISTANT_GENERATOR_THREADS"),
        ({"generator_max_pixels": 0}, "ASSISTANT_GENERATOR_MAX_PIXELS"),
    ],
)
def test_bad_settings_name_the_variable(values: dict[str, object], names: str) -> None:
    with pytest.raises(GeneratorConfigError, match=names):
        GeneratorSettings(**values)  # type: ignore[arg-type]


def test_a_bad_environment_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_GENERATOR_TIMEOUT", "soon")
    with pytest.raises(GeneratorConfigError, match="ASSISTANT_GENERATOR_TIMEOUT"):
        GeneratorSettings.load()


@pytest.mark.parametrize(
    ("base", "endpoint"),
    [
        ("http://gpu:8000/v1", "http://gpu:8000/v1/chat/completions"),
        ("http://gpu:8000/v1/", "http://gpu:8000/v1/chat/completions"),
        ("http://gpu:8000", "http://gpu:8000/v1/chat/completions"),
        ("https://api.example.com/v1/chat/completions", "https://api.example.com/v1/chat/completions"),
    ],
)
def test_the_endpoint_is_found_from_the_base_url(base: str, endpoint: str) -> None:
    assert chat_completions_url(base) == endpoint


def test_the_factory_builds_what_is_configured(library: Library) -> None:
    workspace = library.assistant.workspace
    reader = make_generator(GeneratorSettings(), embedder=workspace.embedder)
    assert isinstance(reader, ExtractiveGenerator) and not reader.uses_history
    settings = GeneratorSettings(generator="openai", generator_url="http://127.0.0.1:9/v1")
    remote = make_generator(settings, embedder=workspace.embedder, page_image=workspace.page_image)
    assert isinstance(remote, OpenAIGenerator) and remote.uses_history
    assert isinstance(remote.fallback, ExtractiveGenerator)
    strict = GeneratorSettings(
        generator="openai", generator_url="http://127.0.0.1:9/v1", generator_fallback="none"
    )
    assert make_generator(strict, embedder=workspace.embedder).fallback is None  # type: ignore[attr-defined]
    remote.close()


def test_the_reader_streams_its_answer_then_the_answer(library: Library) -> None:
    question = "How often should I replace the dust bag?"
    reader = library.assistant.generator
    hits = library.assistant.search(question)
    items = list(reader.stream(question, hits))
    assert isinstance(items[0], AnswerDelta) and isinstance(items[-1], Answer) and len(items) == 2
    assert items[0].text == items[-1].text and "every 4 weeks" in items[-1].text
    assert reader.answer(question, hits, history=[]).text == items[-1].text
