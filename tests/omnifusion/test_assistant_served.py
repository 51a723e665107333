"""The assistant configured to answer through `python -m omnifusion serve` (a real process, real HTTP):
by arguments, by `ASSISTANT_GENERATOR*` variables and config.json, and from the command line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from steering import steer_checkpoint

from assistant import Answer, Assistant
from assistant.answering import AnswerDelta

if TYPE_CHECKING:
    from conftest import Library

REPOSITORY = Path(__file__).resolve().parents[2]
QUESTION = "How often should I clean the exhaust filter?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def model_url(tiny: Any, library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`omnifusion serve` on a tiny checkpoint steered to reply "Monthly [n].", n the region of the
    exhaust-filter sentence; its base URL (.../v1)."""
    from assistant.generators.regions import select_regions

    regions = select_regions(library.assistant.search(QUESTION))
    number = next(r.number for r in regions if "once a month" in r.passage.text)
    checkpoint = tmp_path_factory.mktemp("served") / "OmniMistral-steered"
    steer_checkpoint(tiny.official, checkpoint, tiny.clip, f"Monthly [{number}].")
    port = free_port()
    command = [sys.executable, "-m", "omnifusion", "serve", str(checkpoint), "--encoder", str(tiny.clip),
               "--port", str(port), "--device", "cpu", "--context", "2048", "--max-views", "2"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY), OMP_NUM_THREADS="1")
    log = (checkpoint.parent / "serve.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, (checkpoint.parent / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "omnifusion serve did not come up"
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        log.close()


def assert_cited_exhaust_filter(answer: Answer, library: Library) -> None:
    assert answer.found and answer.text == "Monthly." and answer.generator == "openai", answer
    [citation] = answer.citations
    assert citation.document.filename == "vacuum_en.pdf" and citation.page == 2
    assert "once a month" in citation.quote
    passages = library.assistant.workspace.page_passages(citation.document.id, 2)
    [passage] = [p for p in passages if "once a month" in p.text]
    x0, y0, x1, y1 = citation.bbox
    # The box is the project's own (a passage's line), never a model's: within half a pixel of it.
    assert passage.bbox[0] - 0.5 <= x0 < x1 <= passage.bbox[2] + 0.5
    assert passage.bbox[1] - 0.5 <= y0 < y1 <= passage.bbox[3] + 0.5


def test_the_assistant_configured_by_arguments_answers_with_a_cited_box(
    library: Library, model_url: str
) -> None:
    with Assistant(
        library.assistant.workspace.root,
        create=False,
        deep_embedder="e5",  # as the library was built (the tests' environment turns it off)
        background_enrichment=False,
        generator="openai",
        generator_url=model_url,
        generator_fallback="none",
        generator_max_images=1,
    ) as assistant:
        assert_cited_exhaust_filter(assistant.ask(QUESTION), library)
        items = list(assistant.ask_stream(QUESTION))
        *deltas, final = items
        assert deltas and all(isinstance(item, AnswerDelta) for item in deltas)
        assert "".join(d.text for d in deltas).strip() == "Monthly."
        assert_cited_exhaust_filter(final, library)


@pytest.fixture
def copied_workspace(library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the library's workspace (the library itself must not change), its config.json
    holding generator settings as an operator writes them."""
    copy = tmp_path / "ws"
    shutil.copytree(library.assistant.workspace.root, copy, ignore=shutil.ignore_patterns("pages"))
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    config.update(generator_fallback="none", generator_max_images=1, generator_model="wrong-name")
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.delenv("ASSISTANT_DEEP_EMBEDDER")  # the copy's config.json says e5, as the library's
    return copy


def test_the_assistant_configured_by_environment_and_config_file_answers(
    library: Library, model_url: str, copied_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_GENERATOR", "openai")
    monkeypatch.setenv("ASSISTANT_GENERATOR_URL", model_url)
    monkeypatch.setenv("ASSISTANT_GENERATOR_MODEL", "OmniMistral-steered")  # the environment beats the file
    with Assistant(copied_workspace, create=False, background_enrichment=False) as assistant:
        settings = assistant.generator_settings
        assert (settings.generator_fallback, settings.generator_max_images) == ("none", 1)
        assert settings.generator_model == "OmniMistral-steered"
        assert_cited_exhaust_filter(assistant.ask(QUESTION), library)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env={**clean, "PYTHONPATH": str(REPOSITORY), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_ask_streams_the_models_answer_then_its_citation(model_url: str, copied_workspace: Path) -> None:
    env = {"ASSISTANT_GENERATOR": "openai", "ASSISTANT_GENERATOR_URL": model_url}
    env["ASSISTANT_GENERATOR_MODEL"] = "OmniMistral-steered"
    done = cli("ask", str(copied_workspace), QUESTION, "--stream", env=env)
    assert done.returncode == 0, done.stderr
    text, citation = done.stdout.splitlines()
    assert text == "Monthly."
    assert citation.startswith("  [vacuum_en.pdf p.2 box=(") and "once a month" in citation
    # The same from flags alone, as JSON lines: the pieces, then the answer.
    flags = [
        "--generator",
        "openai",
        "--generator-url",
        model_url,
        "--generator-model",
        "OmniMistral-steered",
    ]
    done = cli("ask", str(copied_workspace), QUESTION, "--stream", "--json", *flags, env={})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert all("delta" in line for line in lines[:-1]) and "answer" in lines[-1]
    assert "".join(line["delta"] for line in lines[:-1]).strip() == "Monthly."
    answer = lines[-1]["answer"]
    assert answer["generator"] == "openai" and answer["citations"][0]["page"] == 2
