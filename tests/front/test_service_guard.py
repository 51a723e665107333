"""The API key is checked before a byte of the body is read, and every body is size-limited."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.service import ApiKeyGuard, BodyLimit

from .conftest import RunningServer, stop_server
from .service_process import serve_rest

API_KEY = "guard-test-key"
FLOOD_CLIENTS = 16
FLOOD_BYTES = 45 * 2**20  # under the 50 MiB upload limit: only the key can stop these
MiB = 2**20


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("guard")
    server = serve_rest(folder / "ws", folder / "server.log", "--api-key", API_KEY)
    yield server
    stop_server(server)


def _memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def _unauthenticated_upload(port: int, key: bytes | None) -> tuple[bytes, int]:
    """Start a 45 MiB upload; returns the reply's status line and how much of the body got sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        head = (
            b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=flood\r\n"
            b"Content-Length: %d\r\n" % FLOOD_BYTES
        )
        if key is not None:
            head += b"X-API-Key: " + key + b"\r\n"
        first = b"--flood\r\n" + b"x" * 65536
        connection.sendall(head + b"\r\n" + first)
        reply = connection.recv(4096)
        sent = len(first)
        chunk = b"x" * MiB
        try:
            while sent < FLOOD_BYTES:
                sent += connection.send(chunk[: FLOOD_BYTES - sent])
        except OSError:  # the service closed the connection instead of reading the body
            pass
        return reply.split(b"\r\n", 1)[0], sent


def test_unauthenticated_floods_are_refused_unread_and_cost_no_memory(guarded: RunningServer) -> None:
    port = int(guarded.url.rsplit(":", 1)[1])
    pid = guarded.process.pid
    before = _memory(pid)
    keys: list[bytes | None] = [None, b"wrong", "ключ".encode(), b""] * (FLOOD_CLIENTS // 4)
    with ThreadPoolExecutor(max_workers=FLOOD_CLIENTS) as pool:
        flood = [pool.submit(_unauthenticated_upload, port, key) for key in keys]
        # The service keeps answering while the flood goes on.
        health = [httpx.get(guarded.url + "/v1/health", timeout=120).status_code for _ in range(5)]
        results = [future.result() for future in flood]
    after = _memory(pid)
    assert health == [200] * 5
    assert all(status == b"HTTP/1.1 401 Unauthorized" for status, _ in results), results
    # Each connection was closed long before its body was through: the service read none of it.
    assert all(sent < FLOOD_BYTES for _, sent in results), [sent for _, sent in results]
    peak_growth = after["VmHWM"] - max(before["VmHWM"], before["VmRSS"])
    # 16 bodies of 45 MiB held 2.3 GB before the key was checked first; now they cost nothing.
    assert peak_growth < 64 * MiB, (before, after)
    authorised = httpx.get(guarded.url + "/v1/documents", headers={"X-API-Key": API_KEY}, timeout=60)
    assert authorised.status_code == 200


def test_json_bodies_have_a_small_limit_even_with_the_key(guarded: RunningServer) -> None:
    port = int(guarded.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        connection.sendall(
            b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"X-API-Key: " + API_KEY.encode() + b"\r\nContent-Length: %d\r\n\r\n{" % FLOOD_BYTES
        )
        reply = b""
        while chunk := connection.recv(4096):  # the service closes the connection after its answer
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413"), reply
    assert b"JSON request limit" in reply

    headers = {"X-API-Key": API_KEY, "content-type": "application/json"}

    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(64):
            yield b"a" * 8192
        yield b'"}'

    streamed = httpx.post(guarded.url + "/v1/search", headers=headers, content=chunks(), timeout=60)
    assert streamed.status_code == 413 and streamed.json()["error"] == "PayloadTooLarge"


def test_open_paths_need_no_key_and_everything_else_does(guarded: RunningServer) -> None:
    for path in ("/v1/health", "/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui.css"):
        assert httpx.get(guarded.url + path, timeout=60).status_code == 200, path
    for path in ("/v1/documents", "/v1/jobs", "/v1/nowhere", "/", "/docs-not-really"):
        response = httpx.get(guarded.url + path, timeout=60)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "API-Key"


# -- the guards as ASGI layers: nothing behind them runs, and nothing reads the body ----------------


def _call(app: Any, headers: list[tuple[bytes, bytes]], path: str = "/v1/documents") -> tuple[int, list[str]]:
    events: list[str] = []

    async def receive() -> dict[str, Any]:
        events.append("body read")
        return {"type": "http.request", "body": b"x" * 1024, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            events.append(f"status {message['status']}")

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""}
    asyncio.run(app(scope, receive, send))
    status = next(int(event.split()[1]) for event in events if event.startswith("status"))
    return status, events


async def _inner(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_non_ascii_service_key_is_compared_as_bytes() -> None:
    guard = ApiKeyGuard(_inner, "ключ-🔑")
    assert _call(guard, [(b"x-api-key", "ключ-🔑".encode())]) == (200, ["body read", "status 200"])
    for wrong in ("ключ".encode(), b"\xff", b"", "ключ-🔑".encode() + b" "):
        assert _call(guard, [(b"x-api-key", wrong)]) == (401, ["status 401"])
    assert _call(guard, []) == (401, ["status 401"])
    closed: list[Any] = []

    async def connect() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def record(message: Any) -> None:
        closed.append(message)

    socket_scope = {"type": "websocket", "path": "/v1/anything", "headers": [], "query_string": b""}
    asyncio.run(guard(socket_scope, connect, record))
    assert closed == [{"type": "websocket.close", "code": 1008}]
    assert _call(ApiKeyGuard(_inner, None), []) == (200, ["body read", "status 200"])


def test_the_body_limit_answers_413_from_the_declared_length_without_reading() -> None:
    limited = BodyLimit(_inner, upload_bytes=10 * MiB, json_bytes=100)
    assert _call(limited, [(b"content-length", b"101")], "/v1/ask") == (413, ["status 413"])
    assert _call(limited, [(b"content-length", b"5000")], "/v1/documents")[0] == 200
    # Counted as it streams when no length is declared: the 1 KiB body is over the JSON limit.
    assert _call(limited, [], "/v1/ask") == (413, ["body read", "status 413"])
