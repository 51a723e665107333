"""Answer generators: the extractive reader and the model-backed backends, chosen by configuration."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence

from assistant.conversation import Turn, resolve_follow_up
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
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder

Search = Callable[[str, int, "Collection[int] | None"], list[PageHit]]
"""(question, k, documents or None) -> ranked pages: `Assistant.search`."""

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
    "stream_in_conversation",
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


def stream_in_conversation(
    generator: Generator,
    search: Search,
    question: str,
    history: Sequence[Turn] = (),
    k: int = 5,
    documents: Collection[int] | None = None,
) -> Iterator[AnswerDelta | Answer]:
    """One turn of a conversation: retrieve for the follow-up as resolved against the history (its
    subject written in, searched first among the previous answer's documents), answer, stream.

    Backends that read the history get the question as asked, with the history; the extractive
    reader gets the rewritten question. The final `Answer` keeps the question as asked.
    """
    resolved = resolve_follow_up(question, history)
    scope = documents if documents is not None else (resolved.documents or None)
    hits = search(resolved.text, k, scope)
    if not hits and documents is None and scope is not None:
        hits = search(resolved.text, k, None)  # the previous documents do not hold it: all do
    asked = question if generator.uses_history else resolved.text
    for item in generator.stream(asked, hits, history):
        if isinstance(item, Answer):
            item.question = question
        yield item
