"""The `llamacpp` backend: a local GGUF model run in-process by xllamacpp (text, or vision with mmproj)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.generators.base import (
    Generator,
    GeneratorConfigError,
    GeneratorError,
    GeneratorSettings,
    GeneratorUnavailable,
)
from assistant.generators.chat import ChatGenerator, ImagesRefused
from assistant.generators.regions import PageImage

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'omnifusion-assistant[llamacpp]' (the xllamacpp package)"
_END = object()


def _gguf(path: str, setting: str) -> Path:
    file = Path(path).expanduser()
    if not file.is_file():
        raise GeneratorConfigError(
            f"setting {setting} (ASSISTANT_{setting.upper()}) names {path!r}, which is not a file; "
            "give the path of a local .gguf model (nothing is downloaded)"
        )
    with file.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise GeneratorConfigError(
                f"{file} is not a GGUF file (setting {setting}); convert the model to GGUF"
            )
    return file


class LlamaCppGenerator(ChatGenerator):
    """One llama.cpp model in this process; its own scheduler serialises questions (one slot)."""

    name = "llamacpp"

    def __init__(
        self,
        settings: GeneratorSettings,
        page_image: PageImage | None = None,
        fallback: Generator | None = None,
    ) -> None:
        try:
            import xllamacpp
        except ImportError as error:
            raise GeneratorConfigError(
                f"the llamacpp generator needs an optional extra: {EXTRA_HINT}"
            ) from error
        model = _gguf(settings.generator_model, "generator_model")
        mmproj = _gguf(settings.generator_mmproj, "generator_mmproj") if settings.generator_mmproj else None
        if settings.generator_vision == "on" and mmproj is None:
            raise GeneratorConfigError(
                "generator_vision is on but no generator_mmproj is set: a llama.cpp model sees images only "
                "through its vision projector (.gguf)"
            )
        super().__init__(settings, page_image, fallback, vision=mmproj is not None)
        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        if mmproj is not None:
            params.mmproj.path = str(mmproj)
        params.n_ctx = settings.generator_context
        params.n_parallel = 1
        params.cpuparams.n_threads = settings.generator_threads
        params.cpuparams_batch.n_threads = settings.generator_threads
        params.verbosity = 0 if not log.isEnabledFor(logging.DEBUG) else 3
        try:
            self._server: Any = xllamacpp.Server(params)
        except Exception as error:  # the binding raises plain RuntimeErrors for unreadable models
            raise GeneratorConfigError(f"llama.cpp could not load {model}: {error}") from error
        self.where = f"llama.cpp ({model.name})"
        log.info(
            "loaded %s with %d thread(s)%s", model, settings.generator_threads, " + mmproj" if mmproj else ""
        )

    def close(self) -> None:
        self._server = None

    def _complete(self, messages: list[dict[str, Any]]) -> Iterator[str]:
        server = self._server
        if server is None:
            raise GeneratorUnavailable(self.where, "was closed")
        request = {
            "messages": messages,
            "stream": True,
            "max_tokens": self.settings.generator_max_tokens,
            "temperature": self.settings.generator_temperature,
        }
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True ends the generation (the reader went away)

        def run() -> None:
            try:
                result = server.handle_chat_completions(request, on_chunk)
                if isinstance(result, dict) and "error" in result:
                    chunks.put(RuntimeError(str(result["error"])))
            except Exception as error:  # surfaced to the reader below
                chunks.put(error)
            finally:
                chunks.put(_END)

        worker = threading.Thread(target=run, name="llamacpp-answer", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=self.settings.generator_timeout)
                except queue.Empty:
                    raise GeneratorUnavailable(
                        self.where, f"produced nothing for {self.settings.generator_timeout:g} s"
                    ) from None
                if item is _END:
                    return
                if isinstance(item, Exception):
                    message = str(item)
                    if "image input is not supported" in message or "mmproj" in message:
                        raise ImagesRefused(message)
                    raise GeneratorError(f"{self.where} failed: {message}")
                if isinstance(item, dict) and "error" in item:
                    raise GeneratorError(f"{self.where} failed: {item['error']}")
                for choice in item.get("choices") or [] if isinstance(item, dict) else []:
                    content = ((choice or {}).get("delta") or {}).get("content")
                    if isinstance(content, str) and content:
                        yield content
        finally:
            stop.set()
