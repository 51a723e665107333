"""`omnifusion serve` over real HTTP: the official openai client, the assistant's backend, bad requests."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import torch
from PIL import Image, ImageDraw
from steering import running, steer_checkpoint

from omnifusion.server import ServeOptions, create_app, load_worker

if TYPE_CHECKING:
    from conftest import Library

# The assistant and the official client are imported where used: on a GPU host the CUDA test below
# runs with nothing but torch, transformers, starlette, uvicorn and httpx.

STEERED_QUESTION = "How often should I clean the exhaust filter?"


@dataclass
class Served:
    url: str
    model: str
    options: ServeOptions


def page_png(width: int = 120, height: int = 80, text: str = "Save") -> str:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).rectangle((10, 10, width - 10, height - 10), outline=(220, 24, 24), width=3)
    ImageDraw.Draw(image).text((20, 30), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def user_message(text: str, images: int = 1) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": page_png()}} for _ in range(images)
    ]
    return {"role": "user", "content": [*parts, {"type": "text", "text": text}]}


def image_only(url: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


def serve_in_thread(options: ServeOptions, max_body_bytes: int = 64 * 1024 * 1024) -> Iterator[Served]:
    worker, served = load_worker(options)
    try:
        with running(create_app(worker, served, max_body_bytes)) as url:
            yield Served(url, served.id, options)
    finally:
        worker.stop()


@pytest.fixture(scope="module")
def served(tiny: Any) -> Iterator[Served]:
    """The tiny random checkpoint (official layout) behind the server, on CPU."""
    options = ServeOptions(
        str(tiny.official), str(tiny.clip), device="cpu", context=2048, max_views=3, max_batch=4
    )
    yield from serve_in_thread(options)


@pytest.fixture(scope="module")
def steered_reply(library: Library) -> str:
    """The steered reply: "Monthly [n].", n the region that holds the exhaust-filter sentence."""
    from assistant.generators.regions import select_regions

    regions = select_regions(library.assistant.search(STEERED_QUESTION))
    number = next(r.number for r in regions if "once a month" in r.passage.text)
    return f"Monthly [{number}]."


@pytest.fixture(scope="module")
def steered(tiny: Any, steered_reply: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    target = tmp_path_factory.mktemp("steered") / "OmniMistral-steered"
    steer_checkpoint(tiny.official, target, tiny.clip, steered_reply)
    yield from serve_in_thread(
        ServeOptions(str(target), str(tiny.clip), device="cpu", context=2048, max_views=2)
    )


def official_client(base_url: str) -> Any:
    openai = pytest.importorskip(
        "openai", reason="the official client is a dev dependency (pip install openai)"
    )
    return openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=120)


def client(served: Served) -> Any:
    return official_client(served.url + "/v1")


def test_models_and_health(served: Served) -> None:
    listed = client(served).models.list()
    assert [m.id for m in listed.data] == ["OmniMistral-v1_1"] == [served.model]
    health = httpx.get(served.url + "/health").json()
    assert health["status"] == "ok" and health["device"] == "cpu" and health["dtype"] == "float32"
    assert health["context"] == 2048 and health["max_views"] == 3


def test_the_official_client_streams_a_chat_with_an_image(served: Served) -> None:
    stream = client(served).chat.completions.create(
        model=served.model,
        messages=[{"role": "system", "content": "Be brief."}, user_message("What does the red button do?")],
        max_tokens=6,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes in (["stop"], ["length"])
    usage = chunks[-1].usage
    assert usage is not None and 1 <= usage.completion_tokens <= 6
    # One 120x80 image: its global view plus the anyres tiles left in the budget, 4 tokens each.
    assert usage.prompt_tokens > 3 * 4


def test_streamed_and_whole_answers_agree(served: Served) -> None:
    messages = [user_message("What does the red button on the settings page do?")]
    whole = client(served).chat.completions.create(model=served.model, messages=messages, max_tokens=8)
    pieces = client(served).chat.completions.create(
        model=served.model, messages=messages, max_tokens=8, stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in pieces if c.choices)
    assert whole.choices[0].message.content == streamed
    assert whole.usage is not None and whole.usage.completion_tokens >= 1


def test_concurrent_clients_share_the_model(served: Served) -> None:
    messages = [user_message("The paper tray holds up to 250 sheets of A4 paper.")]
    results: list[str] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            reply = client(served).chat.completions.create(
                model=served.model, messages=messages, max_tokens=5
            )
            results.append(reply.choices[0].message.content or "")
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and len(results) == 6
    assert len(set(results)) == 1  # greedy decoding of one prompt, batched or not, says one thing


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"messages": [image_only("http://x/a.png")]}, 400, "data:image"),
        ({"messages": [image_only("data:image/png;base64,%%%")]}, 400, "base64"),
        ({"messages": [image_only("data:image/png;base64,aGVsbG8=")]}, 400, "cannot be read"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, 400, "last message"),
        ({"messages": []}, 400, "messages"),
        ({"messages": [{"role": "user", "content": "hi"}], "n": 2}, 400, "n=1"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, 400, "max_tokens"),
        ({"messages": [{"role": "user", "content": "hi"}], "temperature": 9}, 400, "temperature"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, 400, "role"),
        ({"messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o"}, 404, "not served here"),
        ({"messages": [{"role": "user", "content": "word " * 2100}]}, 400, "context is 2048"),
    ],
)  # fmt: skip
def test_bad_requests_get_openai_style_errors(
    served: Served, body: dict[str, Any], status: int, says: str
) -> None:
    response = httpx.post(served.url + "/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert says in error["message"] and error["type"]


def test_too_many_images_and_a_broken_body(served: Served) -> None:
    body = {"messages": [user_message("compare", images=4)]}
    response = httpx.post(served.url + "/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == 400 and "at most 3 views" in response.json()["error"]["message"]
    response = httpx.post(served.url + "/v1/chat/completions", content=b"{not json", timeout=60)
    assert response.status_code == 400 and "not JSON" in response.json()["error"]["message"]


def test_a_client_that_leaves_frees_the_model(served: Served) -> None:
    body = {"messages": [{"role": "user", "content": "Tell a long story."}], "max_tokens": 400,
            "ignore_eos": True, "stream": True}  # fmt: skip
    with httpx.stream("POST", served.url + "/v1/chat/completions", json=body, timeout=60) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("data:")
    deadline = time.monotonic() + 60
    while httpx.get(served.url + "/health").json()["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert httpx.get(served.url + "/health").json()["running"] == 0
    reply = client(served).chat.completions.create(
        model=served.model, messages=[{"role": "user", "content": "hi"}], max_tokens=2
    )
    assert reply.choices[0].finish_reason in ("stop", "length")


@pytest.fixture(scope="module")
def cramped(tiny: Any) -> Iterator[Served]:
    """One request at a time, one waiting, small bodies: a server to overload on purpose."""
    options = ServeOptions(str(tiny.official), str(tiny.clip), device="cpu", max_batch=1, max_queue=1)
    yield from serve_in_thread(options, max_body_bytes=20_000)


def test_a_full_queue_answers_503_with_retry_after(cramped: Served) -> None:
    long = {"messages": [{"role": "user", "content": "Tell a long story."}], "max_tokens": 2000,
            "ignore_eos": True, "stream": True}  # fmt: skip
    with httpx.stream("POST", cramped.url + "/v1/chat/completions", json=long, timeout=120) as running_one:
        lines = running_one.iter_lines()
        assert next(lines).startswith("data:")  # the worker is busy with this one now
        waiting = threading.Thread(
            target=lambda: httpx.post(
                cramped.url + "/v1/chat/completions", json=dict(long, max_tokens=2, stream=False), timeout=120
            )
        )
        waiting.start()
        deadline = time.monotonic() + 60
        while httpx.get(cramped.url + "/health").json()["queued"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = httpx.post(cramped.url + "/v1/chat/completions", json=dict(long, stream=False), timeout=60)
    waiting.join(120)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "already waiting" in refused.json()["error"]["message"]


def test_an_oversized_body_is_refused_before_it_is_read(cramped: Served) -> None:
    body = {"messages": [{"role": "user", "content": "a" * 30_000}]}
    response = httpx.post(cramped.url + "/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == 413 and "limit is 20,000" in response.json()["error"]["message"]


def test_a_steered_model_says_its_reply_through_the_server(steered: Served, steered_reply: str) -> None:
    reply = client(steered).chat.completions.create(
        model=steered.model, messages=[user_message("anything at all")], max_tokens=40
    )
    assert reply.choices[0].message.content == steered_reply
    assert reply.choices[0].finish_reason == "stop"


def test_the_assistant_answers_with_cited_boxes_over_http(library: Library, steered: Served) -> None:
    """Assistant.search -> the openai backend -> HTTP -> OmniFusion -> "[n]" -> our own box."""
    from assistant.generators import GeneratorSettings, make_generator

    workspace = library.assistant.workspace
    settings = GeneratorSettings(
        generator="openai",
        generator_url=steered.url + "/v1",
        generator_fallback="none",
        generator_max_images=1,
    )
    generator = make_generator(settings, embedder=workspace.embedder, page_image=workspace.page_image)
    answer = generator.answer(STEERED_QUESTION, library.assistant.search(STEERED_QUESTION))
    generator.close()
    assert answer.found and answer.text == "Monthly." and answer.generator == "openai"
    [citation] = answer.citations
    assert citation.document.filename == "vacuum_en.pdf" and citation.page == 2
    assert "once a month" in citation.quote
    [passage] = [p for p in workspace.page_passages(citation.document.id, 2) if "once a month" in p.text]
    x0, y0, x1, y1 = citation.bbox
    # Line boxes are stored to a tenth of a pixel, the passage's box exactly: compare within half a pixel.
    assert (
        passage.bbox[0] - 0.5 <= x0 < x1 <= passage.bbox[2] + 0.5
        and passage.bbox[1] - 0.5 <= y0 < y1 <= passage.bbox[3] + 0.5
    )


def test_a_random_model_never_makes_up_a_box(library: Library, served: Served) -> None:
    from assistant.generators import GeneratorSettings, make_generator

    workspace = library.assistant.workspace
    settings = GeneratorSettings(generator="openai", generator_url=served.url, generator_fallback="none",
                                 generator_max_images=1, generator_max_tokens=24)  # fmt: skip
    generator = make_generator(settings, embedder=workspace.embedder, page_image=workspace.page_image)
    for question in ("How often should I replace the dust bag?", "Как часто менять мешок пылесборника?"):
        hits = library.assistant.search(question)
        answer = generator.answer(question, hits)
        boxes = [e.passage.bbox for hit in hits for e in hit.passages]
        assert not answer.found or answer.citations
        for citation in answer.citations:
            x0, y0, x1, y1 = citation.bbox
            assert any(
                b[0] - 0.5 <= x0 and x1 <= b[2] + 0.5 and b[1] - 0.5 <= y0 and y1 <= b[3] + 0.5 for b in boxes
            )
    generator.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_serve_command_runs_and_stops(tiny: Any) -> None:
    port = free_port()
    command = [sys.executable, "-m", "omnifusion", "serve", str(tiny.official), "--encoder", str(tiny.clip),
               "--port", str(port), "--device", "cpu", "--model-name", "tiny"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), OMP_NUM_THREADS="1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()["model"] == "tiny":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.25)
        tiny_client = official_client(f"http://127.0.0.1:{port}/v1")
        reply = tiny_client.chat.completions.create(
            model="tiny", messages=[user_message("What is this?")], max_tokens=3
        )
        assert reply.choices[0].message.role == "assistant"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees how it ended.
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert f"serving tiny on http://127.0.0.1:{port}/v1 (cpu, float32)" in out


def test_the_serve_command_names_a_bad_checkpoint(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omnifusion", "serve", str(tmp_path / "missing"), "--device", "cpu"],
        capture_output=True, text=True, timeout=240,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
    )  # fmt: skip
    assert done.returncode == 2 and "missing" in done.stderr and "error:" in done.stderr


@pytest.mark.gpu
def test_the_server_on_cuda_in_bf16(tiny: Any) -> None:
    options = ServeOptions(str(tiny.official), str(tiny.clip), device="cuda", context=512)
    for served in serve_in_thread(options):
        health = httpx.get(served.url + "/health").json()
        assert health["device"].startswith("cuda") and health["dtype"] == "bfloat16"
        body = {
            "model": served.model,
            "messages": [user_message("What is this?")],
            "max_tokens": 4,
            "stream": True,
        }
        with httpx.stream("POST", served.url + "/v1/chat/completions", json=body, timeout=120) as response:
            events = [line for line in response.iter_lines() if line.startswith("data:")]
        assert events[-1] == "data: [DONE]"
        assert any(json.loads(e[5:])["choices"][0].get("finish_reason") for e in events[1:-1])
        assert torch.cuda.is_available()
