"""`python -m assistant ui`: loopback unless told otherwise, and the REST service's upload limit."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from assistant.exposure import check_exposure, insecure_from_environment, is_loopback
from assistant.service import DEFAULT_MAX_UPLOAD
from indexer.errors import InsecureExposure, InvalidRequest
from ui import DEFAULT_MAX_UPLOAD_MB, streamlit_command

from .conftest import ROOT, child_env, free_port, start_server, stop_server


def _children_command_lines(pid: int) -> list[list[str]]:
    lines = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                lines.append((stat.parent / "cmdline").read_bytes().decode().split("\0"))
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    return lines


def _public_ui(workspace: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "assistant", "ui", str(workspace), "--host", "0.0.0.0", "--port", str(port)]


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.0.2.10", False),
        ("no-such-host.invalid", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_public_address_needs_insecure(monkeypatch: pytest.MonkeyPatch) -> None:
    def check(host: str, insecure: bool | None) -> None:
        door = {"door": "UI", "risk": "with no login", "remedy": "Put it behind a proxy"}
        check_exposure(host, protected=False, insecure=insecure, **door)

    monkeypatch.delenv("ASSISTANT_INSECURE", raising=False)
    with pytest.raises(InsecureExposure, match="--insecure") as refused:
        check("0.0.0.0", insecure=None)
    assert refused.value.host == "0.0.0.0" and "no login" in str(refused.value)
    check("0.0.0.0", insecure=True)
    check("127.0.0.1", insecure=False)
    for value, expected in (("1", True), ("true", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("ASSISTANT_INSECURE", value)
        assert insecure_from_environment() is expected


def test_the_upload_limit_is_the_rest_services() -> None:
    assert DEFAULT_MAX_UPLOAD_MB * 2**20 == DEFAULT_MAX_UPLOAD  # Streamlit counts whole MiB
    assert _option(streamlit_command(8501), "--server.maxUploadSize") == str(DEFAULT_MAX_UPLOAD_MB)
    assert _option(streamlit_command(8501, max_upload_mb=7), "--server.maxUploadSize") == "7"
    with pytest.raises(InvalidRequest, match="--max-upload-mb"):
        streamlit_command(8501, max_upload_mb=0)


def test_the_cli_refuses_a_public_address_and_starts_nothing(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        _public_ui(tmp_path / "ws", port),
        cwd=ROOT,
        env=child_env(ASSISTANT_INSECURE="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == InsecureExposure.exit_code
    assert "--insecure" in result.stderr and "Traceback" not in result.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens


def test_insecure_from_the_environment_listens_everywhere_and_says_so_loudly(tmp_path: Path) -> None:
    port = free_port()
    server = start_server(
        _public_ui(tmp_path / "ws", port),
        f"http://127.0.0.1:{port}",
        "/_stcore/health",
        child_env(ASSISTANT_INSECURE="1"),
        tmp_path / "ui.log",
    )
    try:
        assert "SECURITY" in server.log_tail() and "no login" in server.log_tail()
        (streamlit,) = [c for c in _children_command_lines(server.process.pid) if "streamlit" in c]
        assert _option(streamlit, "--server.address") == "0.0.0.0"
        assert _option(streamlit, "--server.maxUploadSize") == str(DEFAULT_MAX_UPLOAD_MB)
        assert httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=10).status_code == 200
    finally:
        stop_server(server)


def test_docker_compose_runs_the_ui_through_the_cli_and_publishes_it_on_loopback() -> None:
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]["ui"]
    command = service["command"]
    assert command[:4] == ["python", "-m", "assistant", "ui"]
    assert "--insecure" in command and _option(command, "--host") == "0.0.0.0"
    assert all(str(mapping).startswith("127.0.0.1:") for mapping in service["ports"])
