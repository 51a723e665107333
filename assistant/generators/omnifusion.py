"""The `omnifusion` backend: an OmniFusion checkpoint run in this process (as `omnifusion serve` runs it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.generators.base import (
    Generator,
    GeneratorConfigError,
    GeneratorError,
    GeneratorSettings,
    GeneratorUnavailable,
)
from assistant.generators.chat import ChatGenerator
from assistant.generators.regions import PageImage

if TYPE_CHECKING:
    from omnifusion.chat import ModelWorker

log = logging.getLogger(__name__)


class OmniFusionGenerator(ChatGenerator):
    """Same prompts as the `openai` backend, but the model's worker thread lives in this process."""

    name = "omnifusion"

    def __init__(
        self,
        settings: GeneratorSettings,
        page_image: PageImage | None = None,
        fallback: Generator | None = None,
        worker: ModelWorker | None = None,
    ) -> None:
        super().__init__(settings, page_image, fallback)
        self.where = f"OmniFusion ({settings.generator_model})"
        if worker is None:
            from omnifusion.runtime import OmniFusionError
            from omnifusion.server import ServeOptions, load_worker

            options = ServeOptions(
                checkpoint=settings.generator_model,
                encoder=settings.generator_encoder or None,
                device=settings.generator_device,
                dtype=settings.generator_dtype,
                context=settings.generator_context,
                max_views=settings.generator_max_images + 1,
            )
            try:
                worker, _ = load_worker(options)
            except OmniFusionError as error:
                raise GeneratorConfigError(
                    f"the omnifusion generator cannot load its model: {error}"
                ) from error
        self.worker = worker

    def close(self) -> None:
        self.worker.stop()

    def _complete(self, messages: list[dict[str, Any]]) -> Iterator[str]:
        from omnifusion.chat import parse_chat_request
        from omnifusion.runtime import OmniFusionError

        body = {
            "messages": messages,
            "max_tokens": self.settings.generator_max_tokens,
            "temperature": self.settings.generator_temperature,
        }
        try:
            request = parse_chat_request(body, max_images=self.settings.generator_max_images)
            yield from self.worker.stream(request, timeout=self.settings.generator_timeout)
        except TimeoutError as error:
            raise GeneratorUnavailable(self.where, str(error)) from error
        except OmniFusionError as error:
            raise GeneratorError(f"{self.where} failed: {error}") from error
