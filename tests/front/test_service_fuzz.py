"""Schemathesis against the live service's own OpenAPI document: no generated request may get a 500."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant

from .conftest import FrontFiles, RunningServer, child_env, stop_server
from .service_process import serve_rest

API_KEY = "fuzz-test-key"
ST = Path(sys.executable).with_name("st")

pytestmark = pytest.mark.skipif(not ST.exists(), reason="needs schemathesis (pip install schemathesis)")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, front_files: FrontFiles) -> Iterator[RunningServer]:
    """A service of its own with one manual: the fuzzer deletes and uploads whatever it likes."""
    folder = tmp_path_factory.mktemp("fuzz")
    with Assistant(folder / "ws", background_enrichment=False) as assistant:
        assistant.add([front_files.coffee])
    server = serve_rest(folder / "ws", folder / "server.log", "--api-key", API_KEY, "--max-upload-mb", "2")
    yield server
    stop_server(server)


@pytest.mark.slow
def test_no_generated_request_is_a_server_error(fuzzed: RunningServer, tmp_path: Path) -> None:
    # A fixed seed and a bounded number of examples: the same few hundred requests on every run.
    command = [
        str(ST),
        "run",
        f"{fuzzed.url}/openapi.json",
        "--header",
        f"X-API-Key: {API_KEY}",
        "--checks",
        "not_a_server_error",
        "--phases",
        "coverage,fuzzing",
        "--max-examples",
        "25",
        "--seed",
        "20261129",
        "--no-color",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=900
    )
    report = result.stdout[-6000:]
    assert result.returncode == 0, report + "\n" + fuzzed.log_tail()
    assert "passed" in report and "failed" not in report.split("SUMMARY")[-1], report
    shutil.rmtree(tmp_path / ".schemathesis", ignore_errors=True)
