"""`python -m omnifusion serve`: an OpenAI-compatible HTTP server for one OmniFusion model.

Endpoints: `POST /v1/chat/completions` (text and `image_url` data URIs, JSON or server-sent events),
`GET /v1/models`, `GET /health`. One worker thread owns the model (see `omnifusion.chat.ModelWorker`);
the asyncio front takes many clients and hands their requests over.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from omnifusion.chat import (
    MAX_IMAGES,
    ChatRequest,
    ChatRequestError,
    Delta,
    Done,
    Event,
    Failed,
    ModelWorker,
    QueueFull,
    parse_chat_request,
)
from omnifusion.runtime import OmniFusionError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024 * 1024


def _error(
    status: int, message: str, kind: str = "invalid_request_error", param: str | None = None
) -> JSONResponse:
    headers = {"Retry-After": "1"} if status == 503 else None
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass
class ServedModel:
    """What the server says about its model."""

    id: str
    device: str
    dtype: str
    context: int
    max_views: int
    created: int = 0


def create_app(worker: ModelWorker, served: ServedModel, max_body_bytes: int = MAX_BODY_BYTES) -> Starlette:
    """The HTTP front of a running `ModelWorker`."""
    served.created = served.created or int(time.time())

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "model": served.id,
                "device": served.device,
                "dtype": served.dtype,
                "context": served.context,
                "max_views": served.max_views,
                "queued": worker.queued,
                "running": worker.running,
            }
        )

    async def models(request: Request) -> Response:
        entry = {"id": served.id, "object": "model", "created": served.created, "owned_by": "omnifusion"}
        return JSONResponse({"object": "list", "data": [entry]})

    async def chat_completions(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return _error(413, f"the request is {int(declared):,} bytes; the limit is {max_body_bytes:,}")
        raw = bytearray()
        async for chunk in request.stream():
            raw.extend(chunk)
            if len(raw) > max_body_bytes:
                return _error(413, f"the request is over the {max_body_bytes:,} byte limit")
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return _error(400, f"the body is not JSON ({error})")
        try:
            chat = await run_in_threadpool(parse_chat_request, body, MAX_IMAGES)
        except ChatRequestError as error:
            return _error(400, str(error), param=error.param)
        if chat.model and chat.model != served.id:
            return _error(404, f"model {chat.model!r} is not served here; this server serves {served.id!r}",
                          "not_found_error", "model")  # fmt: skip
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event] = asyncio.Queue()

        def deliver(event: Event) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        try:
            job = worker.submit(chat, deliver)
        except QueueFull as error:
            return _error(503, str(error), "server_busy")
        except OmniFusionError as error:
            return _error(503, str(error), "server_error")
        try:
            first = await events.get()
        except asyncio.CancelledError:
            job.cancel()
            raise
        if isinstance(first, Failed):
            failure = first.error
            if isinstance(failure, ChatRequestError):
                return _error(400, str(failure), param=failure.param)
            logger.error("request failed: %s", failure)
            return _error(500, f"the model failed: {failure}", "server_error")
        completion_id = "chatcmpl-" + uuid.uuid4().hex
        if not chat.stream:
            return await _complete(completion_id, first, events, job.cancel, served)
        return StreamingResponse(
            _events(completion_id, chat, first, events, job.cancel, served),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        ]
    )


async def _complete(
    completion_id: str, first: Event, events: asyncio.Queue[Event], cancel: Any, served: ServedModel
) -> Response:
    parts: list[str] = []
    event = first
    try:
        while True:
            if isinstance(event, Delta):
                parts.append(event.text)
            elif isinstance(event, Failed):
                return _error(500, f"the model failed: {event.error}", "server_error")
            else:
                break
            event = await events.get()
    finally:
        cancel()  # a client that went away stops the decoding of its row
    assert isinstance(event, Done)
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": served.id,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(parts)},
                    "finish_reason": event.finish_reason,
                }
            ],
            "usage": _usage(event),
        }
    )


def _usage(done: Done) -> dict[str, int]:
    return {
        "prompt_tokens": done.prompt_tokens,
        "completion_tokens": done.completion_tokens,
        "total_tokens": done.prompt_tokens + done.completion_tokens,
    }


def _sse(data: dict[str, Any] | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n".encode()


async def _events(
    completion_id: str,
    chat: ChatRequest,
    first: Event,
    events: asyncio.Queue[Event],
    cancel: Any,
    served: ServedModel,
) -> AsyncIterator[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": served.id,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    try:
        yield _sse(chunk({"role": "assistant", "content": ""}))
        event = first
        while True:
            if isinstance(event, Delta):
                yield _sse(chunk({"content": event.text}))
            elif isinstance(event, Failed):
                message = f"the model failed: {event.error}"
                yield _sse(
                    {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
                )
                break
            else:
                yield _sse(chunk({}, event.finish_reason))
                if chat.include_usage:
                    usage = dict(chunk({}), choices=[], usage=_usage(event))
                    yield _sse(usage)
                break
            event = await events.get()
        yield _sse("[DONE]")
    finally:
        cancel()  # the client went away (or the answer ended): free the batch row


@dataclass
class ServeOptions:
    checkpoint: str
    encoder: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    device: str = "auto"
    dtype: str = ""
    model_name: str | None = None
    context: int = 4096
    max_views: int = 3
    max_batch: int = 8
    max_queue: int = 64


def load_worker(options: ServeOptions) -> tuple[ModelWorker, ServedModel]:
    """Load the checkpoint (either layout) and start its worker."""
    from pathlib import Path

    from omnifusion.chat import ChatEngine
    from omnifusion.checkpoint import load_model
    from omnifusion.encoders import EncoderConfig
    from omnifusion.runtime import resolve_device

    device = resolve_device(options.device)
    dtype = options.dtype or ("bfloat16" if device.type == "cuda" else "float32")
    encoders = (
        [EncoderConfig(kind="clip", path=options.encoder, device=str(device), dtype=dtype)]
        if options.encoder
        else None
    )
    model = load_model(options.checkpoint, encoders, device=str(device), dtype=dtype)
    engine = ChatEngine(model, context=options.context, max_views=options.max_views)
    worker = ModelWorker(engine, max_batch=options.max_batch, max_queue=options.max_queue).start()
    name = options.model_name or Path(options.checkpoint).resolve().name
    return worker, ServedModel(name, str(device), dtype, options.context, options.max_views)


def run(worker: ModelWorker, served: ServedModel, host: str, port: int, log_level: str = "warning") -> None:
    """Answer on host:port until interrupted (SIGINT/SIGTERM), then stop the worker."""
    import uvicorn

    logger.info("serving %s on http://%s:%d (%s, %s)", served.id, host, port, served.device, served.dtype)
    try:
        uvicorn.run(
            create_app(worker, served), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5
        )
    finally:
        worker.stop()
