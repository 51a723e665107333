"""The `openai` backend: any OpenAI-compatible chat-completions server (vLLM, llama.cpp, omnifusion serve)."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from assistant.generators.base import (
    Generator,
    GeneratorRejected,
    GeneratorSettings,
    GeneratorUnavailable,
)
from assistant.generators.chat import ChatGenerator, ImagesRefused
from assistant.generators.regions import PageImage

log = logging.getLogger(__name__)

RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_BACKOFF = 8.0
_IMAGE_REFUSAL = re.compile(
    r"image input is not supported|(?:does not|doesn't|do not) support (?:images?|vision|multi-?modal)|"
    r"not a multimodal model|image[_ ]url.{0,40}not supported|mmproj|only text|text-only|"
    r"images? (?:are|is) not (?:supported|allowed)|multimodal input",
    re.IGNORECASE,
)


def chat_completions_url(base: str) -> str:
    """`http://host:8000/v1`, `http://host:8000` or the full endpoint -> the endpoint."""
    url = base.strip().rstrip("/")
    if not re.match(r"^https?://", url):
        raise GeneratorRejected(
            base, 0, "not an http(s) URL", "; set ASSISTANT_GENERATOR_URL=http://host:port/v1"
        )
    if url.endswith("/chat/completions"):
        return url
    if re.search(r"/v\d+$", url):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or as an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text[:300] or "no details"
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            return str(error.get("message") or error.get("detail") or error)[:300]
        if isinstance(error, str):
            return error[:300]
        if "detail" in data:
            return str(data["detail"])[:300]
    return text[:300]


class OpenAIGenerator(ChatGenerator):
    """Streams the answer from an OpenAI-compatible server, with retries and an overall deadline."""

    name = "openai"

    def __init__(
        self,
        settings: GeneratorSettings,
        page_image: PageImage | None = None,
        fallback: Generator | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(settings, page_image, fallback)
        self.url = chat_completions_url(settings.generator_url)
        headers = {"Accept": "text/event-stream, application/json"}
        if settings.generator_api_key:
            headers["Authorization"] = f"Bearer {settings.generator_api_key}"
        self._client = httpx.Client(headers=headers, transport=transport, follow_redirects=False)
        self._model = settings.generator_model
        self._model_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def model_name(self, deadline: float) -> str:
        """The configured model, or the first one the server lists (asked once)."""
        with self._model_lock:
            if self._model:
                return self._model
            models_url = self.url.removesuffix("/chat/completions") + "/models"
            try:
                response = self._client.get(models_url, timeout=self._timeout(deadline))
                response.raise_for_status()
                listed = response.json().get("data") or []
                self._model = str(listed[0]["id"])
            except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
                raise GeneratorUnavailable(
                    models_url, f"did not list its models ({error}); set ASSISTANT_GENERATOR_MODEL"
                ) from error
            log.info("answering with model %r of %s", self._model, self.url)
            return self._model

    def _timeout(self, deadline: float) -> httpx.Timeout:
        remaining = max(0.05, deadline - time.monotonic())
        return httpx.Timeout(remaining, connect=min(remaining, 10.0))

    def _complete(self, messages: list[dict[str, Any]]) -> Iterator[str]:
        settings = self.settings
        deadline = time.monotonic() + settings.generator_timeout
        body: dict[str, Any] = {
            "model": self.model_name(deadline),
            "messages": messages,
            "stream": True,
            "max_tokens": settings.generator_max_tokens,
            "temperature": settings.generator_temperature,
        }
        attempt = 0
        while True:
            streamed = False
            try:
                with self._client.stream(
                    "POST", self.url, json=body, timeout=self._timeout(deadline)
                ) as response:
                    if response.status_code >= 400:
                        detail = _error_message(response.read())
                        if _IMAGE_REFUSAL.search(detail):
                            raise ImagesRefused(f"{self.url} takes no images: {detail}")
                        if response.status_code in RETRYABLE:
                            raise _Retryable(
                                f"answered HTTP {response.status_code} ({detail})", retry_after(response)
                            )
                        hint = (
                            "; check ASSISTANT_GENERATOR_API_KEY"
                            if response.status_code in (401, 403)
                            else "; check ASSISTANT_GENERATOR_MODEL"
                            if response.status_code == 404
                            else ""
                        )
                        raise GeneratorRejected(self.url, response.status_code, detail, hint)
                    for piece in self._read(response, deadline):
                        streamed = True
                        yield piece
                    return
            except _Retryable as error:
                problem, wait = str(error), error.wait
            except httpx.TimeoutException as error:
                raise GeneratorUnavailable(
                    self.url,
                    f"did not answer within {settings.generator_timeout:g} s ({type(error).__name__})",
                ) from error
            except (httpx.TransportError, httpx.StreamError) as error:
                if streamed:
                    raise GeneratorUnavailable(self.url, f"broke off the answer ({error})") from error
                problem, wait = f"cannot be reached ({type(error).__name__}: {error})", None
            attempt += 1
            if attempt > settings.generator_retries:
                raise GeneratorUnavailable(
                    self.url, f"{problem}; gave up after {attempt} attempt(s): check that it runs"
                )
            delay = (
                wait
                if wait is not None
                else min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
            )
            if time.monotonic() + delay >= deadline:
                raise GeneratorUnavailable(
                    self.url, f"{problem}; no time left to retry within {settings.generator_timeout:g} s"
                )
            log.warning("%s %s; retrying in %.1f s (attempt %d)", self.url, problem, delay, attempt + 1)
            time.sleep(delay)

    def _read(self, response: httpx.Response, deadline: float) -> Iterator[str]:
        """Text of a server-sent-event stream, or of the JSON answer of a server that ignores `stream`."""
        kind = response.headers.get("content-type", "")
        if "text/event-stream" not in kind:
            data = _json(response.read(), self.url)
            yield _message_text(data, self.url)
            return
        done = False
        for line in response.iter_lines():
            if done:
                continue  # read to the end, so the connection goes back to the pool
            if time.monotonic() > deadline:
                raise GeneratorUnavailable(
                    self.url, f"did not finish the answer within {self.settings.generator_timeout:g} s"
                )
            if not line.startswith("data:"):
                continue  # comments (": ping"), event names, blank separators
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                continue
            data = _json(payload.encode(), self.url)
            if "error" in data:
                raise GeneratorUnavailable(
                    self.url, f"failed while answering ({_error_message(payload.encode())})"
                )
            for choice in data.get("choices") or []:
                delta = (choice or {}).get("delta") or {}
                content = delta.get("content")
                if isinstance(content, str) and content:
                    yield content


class _Retryable(Exception):
    def __init__(self, problem: str, wait: float | None) -> None:
        super().__init__(problem)
        self.wait = wait


def _json(raw: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise GeneratorUnavailable(url, f"sent something that is not JSON ({raw[:120]!r})") from error
    if not isinstance(data, dict):
        raise GeneratorUnavailable(url, f"sent JSON that is not an object ({raw[:120]!r})")
    return data


def _message_text(data: dict[str, Any], url: str) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise GeneratorUnavailable(url, f"answered without choices[0].message ({str(data)[:120]})") from error
    return content if isinstance(content, str) else ""
