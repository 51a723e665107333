"""The service never listens beyond this machine without a key, unless the operator says so out loud."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assistant.exposure import is_loopback
from indexer.errors import InsecureExposure

from .conftest import ROOT, child_env, free_port, stop_server
from .service_process import serve_rest


def _serve_command(workspace: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "assistant", "serve", str(workspace), "--port", str(free_port()), *extra]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("no-such-host.invalid", False),
    ],
)
def test_loopback_addresses(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize(
    ("host", "env"),
    [("0.0.0.0", {}), ("0.0.0.0", {"ASSISTANT_API_KEY": ""}), ("::", {"ASSISTANT_INSECURE": "0"})],
    ids=["no-key", "empty-key", "insecure-off"],
)
def test_serve_refuses_a_public_address_without_a_key(tmp_path: Path, host: str, env: dict[str, str]) -> None:
    workspace = tmp_path / "ws"
    result = subprocess.run(
        _serve_command(workspace, "--host", host),
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == InsecureExposure.exit_code, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"error: refusing to start the REST service on {host} without an API key")
    assert "ASSISTANT_API_KEY" in message and "--insecure" in message
    assert "Traceback" not in result.stderr
    assert not workspace.exists()  # refused before anything was created


@pytest.mark.parametrize(
    ("extra", "env"), [(["--insecure"], {}), ([], {"ASSISTANT_INSECURE": "1"})], ids=["flag", "setting"]
)
def test_insecure_serves_keyless_and_says_so_loudly(
    tmp_path: Path, extra: list[str], env: dict[str, str]
) -> None:
    server = serve_rest(tmp_path / "ws", tmp_path / "server.log", "--host", "0.0.0.0", *extra, env=env)
    try:
        assert httpx.get(server.url + "/v1/documents", timeout=60).status_code == 200
        log = server.log_tail()
        # The CLI logs "critical: ..." (level in lower case) unless -v asks for timestamps and names.
        assert "critical" in log.lower() and "without an api key" in log.lower() and "0.0.0.0" in log
    finally:
        stop_server(server)


# -- the shipped container setup ------------------------------------------------------------------


def _dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("CMD "))
    command: list[str] = json.loads(line[4:])
    return command


def test_the_image_refuses_to_serve_without_a_key(tmp_path: Path) -> None:
    command = _dockerfile_command()
    assert "--insecure" not in command and "0.0.0.0" in command
    # The image's own command, run here: only the workspace path and the interpreter differ.
    local = [sys.executable if part == "python" else part for part in command]
    local = [str(tmp_path / "ws") if part == "/data/workspace" else part for part in local]
    local[local.index("--port") + 1] = str(free_port())
    result = subprocess.run(local, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == InsecureExposure.exit_code, result.stderr
    assert "refusing to start the REST service on 0.0.0.0 without an API key" in result.stderr


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    """docker compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`."""
    if isinstance(value, dict):
        return {key: _interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if op in ("?", ":?") and not present:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        if op in ("-", ":-") and not present:
            return str(arg)
        return env.get(name, "")

    return _VARIABLE.sub(substitute, value)


def test_compose_cannot_start_the_api_without_a_key() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    api = compose["services"]["api"]
    for env in ({}, {"ASSISTANT_API_KEY": ""}):
        with pytest.raises(ValueError, match="ASSISTANT_API_KEY"):
            _interpolate(api, env)
    configured = _interpolate(api, {"ASSISTANT_API_KEY": "s3cret"})
    assert configured["environment"]["ASSISTANT_API_KEY"] == "s3cret"
    assert configured["environment"]["ASSISTANT_WORKSPACE"] == "/data/workspace"
    # The API replicas publish nothing themselves: the one published port is the proxy's, in front of
    # them, so every request that reaches the outside world meets a replica that demands the key.
    assert "ports" not in api and configured["expose"] == ["8000"]
    assert "8000:8000" in compose["services"]["proxy"]["ports"]
    # Nothing switches the API's refusal off (the UI, which has no login, is published on loopback
    # only and says --insecure for its container address), and the API runs the image's guarded command.
    assert "ASSISTANT_INSECURE" not in json.dumps(compose)
    assert "--insecure" not in json.dumps(api)
    assert "command" not in api and "entrypoint" not in api
    # The other services still get the shared settings (the catalog URL, the workspace).
    for name in ("ui", "batch"):
        environment = _interpolate(compose["services"][name]["environment"], {})
        assert environment["ASSISTANT_DATABASE_URL"].startswith("postgresql+psycopg2://")
