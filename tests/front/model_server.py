"""A scripted OpenAI-compatible model server on loopback for the front doors: it cites the region that
holds given words, and can hold its reply half-way until the test lets it go on."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.assistant.generators.model_scripts import ModelServer, Script, ScriptedHandler, chunk

from .conftest import free_port

REGION = re.compile(r"^\[(?P<number>\d+)\] \((?P<where>[^)]*)\) (?P<text>.*)$", re.MULTILINE)


def prompt_text(body: dict[str, Any]) -> str:
    """The text of the last user message (the evidence regions and the question)."""
    content = body["messages"][-1]["content"]
    return (
        content if isinstance(content, str) else "\n".join(p["text"] for p in content if p["type"] == "text")
    )


def region_number(body: dict[str, Any], words: str) -> int:
    """The number the prompt gives the region that holds `words`."""
    for match in REGION.finditer(prompt_text(body)):
        if words.lower() in match["text"].lower():
            return int(match["number"])
    raise AssertionError(f"no region holds {words!r}:\n{prompt_text(body)}")


@dataclass
class Hold:
    """Where a held reply waits, and what the test sees of it."""

    release: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)
    """Set once the first piece is sent and the reply waits."""
    client_gone: threading.Event = field(default_factory=threading.Event)
    """Set when writing to the client failed: it closed the connection."""
    sent_after_release: int = 0


def cites(words: str, *pieces: str, hold: Hold | None = None) -> Script:
    """Streams `pieces`, then ` [n].` with n the region holding `words`; with `hold`, the reply
    stops after the first piece until the test sets `hold.release`."""

    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        number = region_number(body, words)
        handler.start_events()
        handler.event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
        for index, piece in enumerate(pieces):
            handler.event(chunk(piece))
            if index == 0 and hold is not None:
                hold.reached.set()
                hold.release.wait(300)
        handler.event(chunk(f" [{number}]."))
        handler.event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        handler.event("[DONE]")

    return run


def rambles(hold: Hold, words: int = 5000) -> Script:
    """One word, a wait for `hold.release`, then word after word until the client goes away (or
    `words` run out): how a test sees whether the model's reply is stopped when nobody reads it."""

    def run(handler: ScriptedHandler, body: dict[str, Any]) -> None:
        handler.start_events()
        try:
            handler.event(chunk("Well,"))
            hold.reached.set()
            hold.release.wait(300)
            for number in range(words):
                handler.event(chunk(f" word{number}"))
                hold.sent_after_release += 1
                time.sleep(0.01)  # a model's pace, not a measurement
            handler.event("[DONE]")
        except (BrokenPipeError, ConnectionResetError):
            hold.client_gone.set()

    return run


@contextmanager
def model_server() -> Iterator[ModelServer]:
    state = ModelServer(url="")
    handler = type("FrontHandler", (ScriptedHandler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url() -> str:
    """The URL of a model server that is not there: a loopback port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/v1"
