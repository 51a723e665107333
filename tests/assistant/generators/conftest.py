"""A scripted OpenAI-compatible model server on loopback for the generator tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from model_scripts import ModelServer, ScriptedHandler


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    state = ModelServer(url="")
    handler = type("Handler", (ScriptedHandler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
