"""Streamlit upload-and-ask UI."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The `streamlit run` command line for the app, headless (the workspace comes from the environment)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def launch(workspace: str | Path, port: int, host: str = "127.0.0.1") -> int:
    """Run the Streamlit app on `host:port` over `workspace` until interrupted; returns its exit code."""
    env = dict(os.environ, ASSISTANT_WORKSPACE=str(Path(workspace).expanduser().resolve()))
    command = streamlit_command(port, host)
    log.info("starting the UI on http://%s:%d for %s", host, port, env["ASSISTANT_WORKSPACE"])
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
