"""What every answer generator shares: the `Answer` it returns, the streaming contract, settings, errors."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from indexer.errors import AssistantError
from indexer.language import detect_language
from indexer.records import BBox, DocumentRecord

if TYPE_CHECKING:
    from assistant.conversation import Turn
    from assistant.retrieval import PageHit

NOT_FOUND_TEXT = {
    "en": "Not found: the indexed documents do not seem to answer this question.",
    "ru": "Не найдено: в проиндексированных документах нет ответа на этот вопрос.",
}

GENERATORS = ("extractive", "openai", "llamacpp", "omnifusion")


@dataclass(frozen=True)
class Citation:
    document: DocumentRecord
    page: int
    bbox: BBox
    """(x0, y0, x1, y1) in pixels of the page image (`page_width` x `page_height`)."""
    quote: str
    score: float
    page_width: int = 0
    page_height: int = 0


@dataclass
class Answer:
    question: str
    text: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "en"
    generator: str = "extractive"
    """Which backend answered: a backend's name, or "extractive (fallback: ...)" when the model failed."""


@dataclass(frozen=True)
class AnswerDelta:
    """A piece of the answer's text as the model writes it; the final `Answer` follows the deltas."""

    text: str


def answer_language(question: str) -> str:
    """The language an answer is written in: the question's, when it is one the product speaks."""
    language = detect_language(question)
    return language if language in NOT_FOUND_TEXT else "en"


def not_found(question: str, language: str, generator: str) -> Answer:
    return Answer(question, NOT_FOUND_TEXT[language], False, [], language, generator)


class Generator(ABC):
    """Question + ranked pages (+ the conversation so far) in, a cited `Answer` out.

    `stream` yields `AnswerDelta`s as the text is written and ends with the final `Answer`, which
    is authoritative: when the model's reply turns out to cite nothing it can stand behind, the
    final answer says "not found" although deltas were shown.
    """

    name: ClassVar[str] = ""
    uses_history: ClassVar[bool] = True
    """False when the backend cannot use the history: the caller rewrites follow-ups instead."""

    @abstractmethod
    def stream(
        self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()
    ) -> Iterator[AnswerDelta | Answer]: ...

    def answer(self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()) -> Answer:
        final: Answer | None = None
        for item in self.stream(question, hits, history):
            if isinstance(item, Answer):
                final = item
        if final is None:
            raise GeneratorError(f"the {self.name} generator ended without an answer")
        return final

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release the model, the connection pool or the worker thread (idempotent)."""


class GeneratorError(AssistantError):
    """The answering model failed on a question (the reader falls back when so configured)."""

    exit_code: ClassVar[int] = 11
    """Not 10: `InsecureExposure` has that one."""
    http_status: ClassVar[int] = 502


class GeneratorUnavailable(GeneratorError):
    """The answering model cannot be reached, timed out or kept failing; the message names its URL."""

    http_status: ClassVar[int] = 503

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        super().__init__(f"the answering model at {where} {problem}")


class GeneratorRejected(GeneratorError):
    """The model server refused the request itself (bad key, unknown model, prompt too long)."""

    def __init__(self, where: str, status: int, message: str, hint: str = "") -> None:
        self.where = where
        self.status = status
        super().__init__(
            f"the answering model at {where} refused the request (HTTP {status}: {message}){hint}"
        )


class GeneratorConfigError(GeneratorError):
    """The generator settings cannot be used (unknown backend, missing model file or extra)."""

    exit_code: ClassVar[int] = 8
    http_status: ClassVar[int] = 500


@dataclass(frozen=True)
class GeneratorSettings:
    """Which backend answers and how. Each field is also `ASSISTANT_<FIELD>` in the environment and
    `<field>` in the workspace's config.json (argument > environment > config.json > default)."""

    generator: str = "extractive"
    """extractive | openai | llamacpp | omnifusion"""
    generator_url: str = ""
    """openai: the server's base URL (http://host:8000/v1), or its full /chat/completions URL."""
    generator_model: str = ""
    """openai: the served model's name (empty: the server's first); llamacpp: the .gguf file;
    omnifusion: the checkpoint directory."""
    generator_api_key: str = field(default="", repr=False)
    generator_timeout: float = 120.0
    """Seconds one answer may take, retries included."""
    generator_fallback: str = "extractive"
    """extractive: answer with the extractive reader when the model fails; none: raise the error."""
    generator_retries: int = 2
    """Retries on connection errors, 429 and 5xx (with backoff; Retry-After is honoured)."""
    generator_vision: str = "auto"
    """auto: send evidence images, and text only once a server refuses them; on: always; off: never."""
    generator_max_images: int = 2
    generator_max_pixels: int = 1_600_000
    """Pixels of all evidence images of one question together."""
    generator_max_tokens: int = 256
    generator_temperature: float = 0.0
    generator_regions: int = 8
    """Numbered evidence regions shown to the model (passages of the top pages)."""
    generator_threads: int = 1
    """llamacpp: CPU threads (2 threads on 2 busy cores stall: keep 1 on a shared machine)."""
    generator_context: int = 4096
    """llamacpp, omnifusion: context length in tokens."""
    generator_mmproj: str = ""
    """llamacpp: the vision projector (.gguf) of a vision model; empty: text only."""
    generator_encoder: str = ""
    """omnifusion: the CLIP directory (the official checkpoint layout does not hold one)."""
    generator_device: str = "auto"
    generator_dtype: str = ""
    """omnifusion: float32 | float16 | bfloat16; empty: bfloat16 on CUDA, float32 on CPU."""

    def __post_init__(self) -> None:
        def bad(name: str, problem: str) -> GeneratorConfigError:
            return GeneratorConfigError(f"setting {name} (ASSISTANT_{name.upper()}) {problem}")

        if self.generator not in GENERATORS:
            raise bad("generator", f"is {self.generator!r}; choose one of {', '.join(GENERATORS)}")
        if self.generator_fallback not in ("extractive", "none"):
            raise bad("generator_fallback", f"is {self.generator_fallback!r}; choose extractive or none")
        if self.generator_vision not in ("auto", "on", "off"):
            raise bad("generator_vision", f"is {self.generator_vision!r}; choose auto, on or off")
        if not self.generator_timeout > 0:
            raise bad("generator_timeout", f"is {self.generator_timeout}; give seconds above 0")
        for name in (
            "generator_max_images",
            "generator_max_pixels",
            "generator_max_tokens",
            "generator_regions",
            "generator_threads",
            "generator_context",
        ):
            if getattr(self, name) < 1:
                raise bad(name, f"is {getattr(self, name)}; it must be at least 1")
        if self.generator_retries < 0:
            raise bad("generator_retries", f"is {self.generator_retries}; it must be 0 or more")
        if not 0.0 <= self.generator_temperature <= 2.0:
            raise bad("generator_temperature", f"is {self.generator_temperature}; use 0 to 2")
        if self.generator == "openai" and not self.generator_url:
            raise bad("generator_url", "is empty; the openai generator needs the server's URL")
        if self.generator in ("llamacpp", "omnifusion") and not self.generator_model:
            what = "a .gguf file" if self.generator == "llamacpp" else "an OmniFusion checkpoint directory"
            raise bad("generator_model", f"is empty; the {self.generator} generator needs {what}")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def load(cls, stored: Mapping[str, Any] | None = None, **overrides: Any) -> GeneratorSettings:
        """Defaults < `stored` (the workspace's config.json; other keys are ignored) < environment <
        `overrides` that are not None."""
        from indexer.errors import WorkspaceError
        from indexer.settings import merge_settings

        names = set(cls.names())
        mine = {key: value for key, value in (stored or {}).items() if key in names}
        try:
            return merge_settings(cls, mine, overrides)  # type: ignore[no-any-return]
        except WorkspaceError as error:
            raise GeneratorConfigError(str(error)) from error
