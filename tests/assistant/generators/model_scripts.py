"""Scripts for a loopback OpenAI-compatible model server that answers, stalls, fails or lies on purpose."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from assistant.generators import GeneratorSettings, make_generator
from assistant.generators.base import Generator

if TYPE_CHECKING:
    from conftest import Library

Script = Callable[["ScriptedHandler", dict[str, Any]], None]


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class ModelServer:
    """Each POST takes the next script (the last one repeats); every request is recorded."""

    url: str
    scripts: list[Script] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    models: list[str] = field(default_factory=lambda: ["scripted-vlm"])

    def script(self, *scripts: Script) -> None:
        self.scripts[:] = list(scripts)
        self.received.clear()

    @property
    def chats(self) -> list[Received]:
        return [r for r in self.received if r.path.endswith("/chat/completions")]


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: ModelServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server_state.received.append(Received(self.path, {}, dict(self.headers), time.monotonic()))
        if self.path.endswith("/models"):
            self.send_json(
                200,
                {"object": "list", "data": [{"id": m, "object": "model"} for m in self.server_state.models]},
            )
        else:
            self.send_json(404, {"error": {"message": "no such path"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        state = self.server_state
        state.received.append(Received(self.path, body, dict(self.headers), time.monotonic()))
        index = min(len(state.chats) - 1, len(state.scripts) - 1)
        state.scripts[index](self, body)

    def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def event(self, data: Any) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        self.wfile.write(f"data: {text}\n\n".encode())
        self.wfile.flush()


def chunk(text: str) -> dict[str, Any]:
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}]}


def streams(*pieces: str, pause: float = 0.0) -> Script:
    """Answers as server-sent events, one piece per event."""

    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        handler.start_events()
        handler.event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
        for piece in pieces:
            handler.event(chunk(piece))
            time.sleep(pause)
        handler.event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        handler.event("[DONE]")

    return run


def answers_json(text: str) -> Script:
    """A server that ignores `stream` and sends one JSON completion."""

    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        message = {"role": "assistant", "content": text}
        handler.send_json(200, {"object": "chat.completion", "choices": [{"index": 0, "message": message}]})

    return run


def fails(status: int, message: str = "boom", retry_after: str | None = None) -> Script:
    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        handler.send_json(status, {"error": {"message": message, "type": "server_error"}}, headers)

    return run


def hangs(seconds: float) -> Script:
    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        time.sleep(seconds)
        handler.close_connection = True

    return run


def sends_garbage(*lines: str) -> Script:
    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        handler.start_events()
        for line in lines:
            handler.wfile.write(line.encode() + b"\n\n")
        handler.wfile.flush()

    return run


def breaks_off(*pieces: str) -> Script:
    """Streams a little, then drops the connection without finishing."""

    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for piece in pieces:
            data = f"data: {json.dumps(chunk(piece))}\n\n".encode()
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        handler.wfile.flush()
        handler.close_connection = True  # no terminating chunk: the client sees a truncated body

    return run


def openai_generator(library: Library, url: str, **overrides: Any) -> Generator:
    """The openai backend over the library's workspace, as the SDK would build it."""
    workspace = library.assistant.workspace
    values: dict[str, Any] = {"generator": "openai", "generator_url": url, "generator_fallback": "none"}
    values.update(overrides)
    return make_generator(
        GeneratorSettings(**values),
        embedder=workspace.embedder,
        page_passages=workspace.page_passages,
        term_weights=workspace.lexical.idf,
        page_image=workspace.page_image,
    )
