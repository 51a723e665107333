"""Streamlit upload-and-ask UI."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.exposure import check_exposure
from assistant.service import DEFAULT_MAX_UPLOAD
from indexer.errors import InvalidRequest

log = logging.getLogger(__name__)

APP = Path(__file__).with_name("app.py")
DEFAULT_MAX_UPLOAD_MB = DEFAULT_MAX_UPLOAD // 2**20
"""The REST service's upload limit in Streamlit's unit (whole MiB): one limit for both front doors."""


def streamlit_command(
    port: int, host: str = "127.0.0.1", max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
) -> list[str]:
    """The `streamlit run` command line for the app, headless (the workspace comes from the environment)."""
    if max_upload_mb < 1:
        raise InvalidRequest(
            "--max-upload-mb", f"must be a whole number of MB, at least 1, not {max_upload_mb}"
        )
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--server.maxUploadSize", str(max_upload_mb),
        # Served, not developed: no file watching, no "magic" (a bare string in the script would be shown),
        # no developer menu, no tracebacks shown to visitors.
        "--server.fileWatcherType", "none",
        "--runner.magicEnabled", "false",
        "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "type",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def launch(
    workspace: str | Path,
    port: int,
    host: str = "127.0.0.1",
    *,
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB,
    insecure: bool | None = None,
    settings: Mapping[str, Any] | None = None,
) -> int:
    """Run the Streamlit app on `host:port` over `workspace` until interrupted; returns its exit code.

    `insecure` (default: $ASSISTANT_INSECURE) allows a non-loopback `host`; `InsecureExposure` otherwise.
    `settings` (`Assistant` keyword settings such as `generator="openai"`) reach the app as the
    `ASSISTANT_*` variables they stand for.
    """
    check_exposure(
        host,
        protected=False,
        insecure=insecure,
        door="UI",
        risk="with no login",
        remedy="Put it behind an authenticating proxy",
    )
    env = dict(os.environ, ASSISTANT_WORKSPACE=str(Path(workspace).expanduser().resolve()))
    env.update({f"ASSISTANT_{name.upper()}": str(value) for name, value in (settings or {}).items()})
    command = streamlit_command(port, host, max_upload_mb)
    log.info("starting the UI on http://%s:%d for %s", host, port, env["ASSISTANT_WORKSPACE"])
    process = subprocess.Popen(command, env=env)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # A service manager stops us with SIGTERM: pass it on rather than orphan the Streamlit server.
        previous = signal.signal(signal.SIGTERM, lambda number, frame: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
