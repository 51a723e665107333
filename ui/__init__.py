"""Streamlit upload-and-ask UI."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
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
