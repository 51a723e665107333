"""Answer generators: the extractive reader and the model-backed backends, chosen by configuration."""

from __future__ import annotations

from collections.abc import Callable

from assistant.generators.base import (
    GENERATORS,
    NOT_FOUND_TEXT,
    Answer,
    AnswerDelta,
    Citation,
    Generator,
    GeneratorConfigError,
    GeneratorError,
    GeneratorRejected,
    GeneratorSettings,
    GeneratorUnavailable,
)
from assistant.generators.extractive import AnswerSettings, ExtractiveGenerator, PagePassages
from assistant.generators.regions import PageImage
from indexer.embedders import TextEmbedder

__all__ = [
    "GENERATORS",
    "NOT_FOUND_TEXT",
    "Answer",
    "AnswerDelta",
    "AnswerSettings",
    "Citation",
    "ExtractiveGenerator",
    "Generator",
    "GeneratorConfigError",
    "GeneratorError",
    "GeneratorRejected",
    "GeneratorSettings",
    "GeneratorUnavailable",
    "make_generator",
]


def make_generator(
    settings: GeneratorSettings,
    *,
    embedder: TextEmbedder,
    page_passages: PagePassages | None = None,
    term_weights: Callable[[list[str]], dict[str, float]] | None = None,
    page_image: PageImage | None = None,
    answer_settings: AnswerSettings | None = None,
) -> Generator:
    """The backend `settings.generator` names; model backends get the extractive reader as their
    fallback unless `generator_fallback` is "none". Backends import their optional packages here,
    so a missing extra fails at start-up with a `GeneratorConfigError` naming it."""
    extractive = ExtractiveGenerator(embedder, answer_settings, page_passages, term_weights)
    if settings.generator == "extractive":
        return extractive
    fallback = extractive if settings.generator_fallback == "extractive" else None
    if settings.generator == "openai":
        from assistant.generators.openai import OpenAIGenerator

        return OpenAIGenerator(settings, page_image, fallback)
    if settings.generator == "llamacpp":
        from assistant.generators.llamacpp import LlamaCppGenerator

        return LlamaCppGenerator(settings, page_image, fallback)
    from assistant.generators.omnifusion import OmniFusionGenerator

    return OmniFusionGenerator(settings, page_image, fallback)
