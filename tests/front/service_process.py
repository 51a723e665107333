"""`python -m assistant serve` started as a real process on a free loopback port, for the REST tests."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import RunningServer, child_env, free_port, start_server


def serve_rest(
    workspace: Path, log_path: Path, *options: str, env: dict[str, str] | None = None
) -> RunningServer:
    """The REST service over `workspace`, once `/v1/health` answers; `options` go to `serve`."""
    port = free_port()
    command = [sys.executable, "-m", "assistant", "serve", str(workspace), "--port", str(port), *options]
    return start_server(command, f"http://127.0.0.1:{port}", "/v1/health", child_env(**(env or {})), log_path)
