"""REST batch jobs: cancel, and a shutdown that does not wait for the job, which resumes on restart."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import Assistant
from assistant.batch import Question, answer_questions, read_answers, read_questions
from assistant.service import JobBoard, JobOut

from .conftest import EN_QUESTION, RU_QUESTION, FrontFiles, RunningServer, stop_server
from .service_process import serve_rest

API_KEY = "jobs-test-key"
LONG_JOB = 200


@pytest.fixture(scope="module")
def jobs_workspace(tmp_path_factory: pytest.TempPathFactory, front_files: FrontFiles) -> Path:
    """A workspace of its own: the servers here write job folders into it."""
    root = tmp_path_factory.mktemp("jobs-ws") / "ws"
    with Assistant(root) as assistant:
        assistant.add(front_files.good)
        assistant.wait_for_enrichment()
    return root


def _serve(workspace: Path, log_path: Path) -> RunningServer:
    return serve_rest(workspace, log_path, "--api-key", API_KEY)


@pytest.fixture
def server(jobs_workspace: Path, tmp_path: Path) -> Iterator[RunningServer]:
    running = _serve(jobs_workspace, tmp_path / "server.log")
    yield running
    stop_server(running)


def _client(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=120)


def _questions(count: int, prefix: str = "q") -> bytes:
    rows = [
        {"id": f"{prefix}{number:03d}", "question": RU_QUESTION if number % 2 else EN_QUESTION}
        for number in range(count)
    ]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def _submit(client: httpx.Client, body: bytes) -> str:
    response = client.post("/v1/jobs", files={"file": ("questions.jsonl", body, "application/x-ndjson")})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _until(read: Callable[[], dict[str, Any]], holds: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Poll until `holds`; the deadline only guards against a hang, it measures nothing."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = read()
        if holds(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"never reached: last state {state}")


def _rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cancel_a_queued_and_a_running_job(server: RunningServer) -> None:
    with _client(server) as client:

        def state(job_id: str) -> dict[str, Any]:
            return client.get(f"/v1/jobs/{job_id}").json()  # type: ignore[no-any-return]

        running = _submit(client, _questions(LONG_JOB))
        waiting = _submit(client, _questions(3, prefix="w"))
        _until(lambda: state(running), lambda s: s["status"] == "running" and s["done"] >= 2)

        queued = client.post(f"/v1/jobs/{waiting}/cancel")
        assert queued.status_code == 200, queued.text
        assert (queued.json()["status"], queued.json()["done"]) == ("cancelled", 0)

        assert client.post(f"/v1/jobs/{running}/cancel").status_code == 200
        final = _until(lambda: state(running), lambda s: s["status"] != "running")
        assert final["status"] == "cancelled"
        assert 2 <= final["done"] < LONG_JOB  # it stopped between questions, long before the end
        partial = client.get(f"/v1/jobs/{running}/results")
        assert partial.status_code == 200
        rows = _rows(partial.text)
        assert len(rows) == final["done"] + final["failed"]
        assert len({row["id"] for row in rows}) == len(rows)

        again = client.post(f"/v1/jobs/{running}/cancel")
        assert (again.status_code, again.json()["status"]) == (200, "cancelled")
        # The cancelled queued job never ran: it has no answers to fetch.
        assert state(waiting)["status"] == "cancelled"
        assert client.get(f"/v1/jobs/{waiting}/results").status_code == 409

        small = _submit(client, _questions(1, prefix="s"))
        _until(lambda: state(small), lambda s: s["status"] == "done")
        late = client.post(f"/v1/jobs/{small}/cancel")
        assert late.status_code == 409 and late.json()["error"] == "JobConflict"
        assert client.post("/v1/jobs/0123456789ab/cancel").status_code == 404
        assert client.post("/v1/jobs/..%2F..%2Fetc/cancel").status_code == 404


def test_shutdown_interrupts_a_running_job_and_a_restart_resumes_it(
    jobs_workspace: Path, tmp_path: Path
) -> None:
    first = _serve(jobs_workspace, tmp_path / "first.log")
    try:
        with _client(first) as client:
            job_id = _submit(client, _questions(LONG_JOB))
            _until(lambda: client.get(f"/v1/jobs/{job_id}").json(), lambda s: s["done"] >= 3)
        first.process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once its shutdown has run: a clean stop ends with -SIGTERM.
        assert first.process.wait(timeout=120) in (0, -signal.SIGTERM), first.log_tail()
        assert "Application shutdown complete" in first.log_tail()
    finally:
        if first.process.poll() is None:
            stop_server(first)

    folder = jobs_workspace / "jobs" / job_id
    on_disk = JobOut.model_validate_json((folder / "status.json").read_text(encoding="utf-8"))
    answered = [row for row in read_answers(folder / "answers.jsonl") if not row["error"]]
    # The service went down without answering the rest of the job: it did not wait for it.
    assert (on_disk.status, on_disk.interruptions) == ("interrupted", 1)
    assert 3 <= len(answered) < LONG_JOB
    assert on_disk.done == len(answered)

    second = _serve(jobs_workspace, tmp_path / "second.log")
    try:
        with _client(second) as client:
            final = _until(
                lambda: client.get(f"/v1/jobs/{job_id}").json(),
                lambda s: s["status"] not in ("queued", "running"),
            )
            assert final["status"] == "done", final
            assert (final["done"], final["failed"], final["total"]) == (LONG_JOB, 0, LONG_JOB)
            assert final["skipped"] == len(answered)  # what it had done before the restart
            assert final["interruptions"] == 1
            rows = _rows(client.get(f"/v1/jobs/{job_id}/results").text)
    finally:
        stop_server(second)
    assert sorted(row["id"] for row in rows) == [f"q{number:03d}" for number in range(LONG_JOB)]
    kept = {row["id"]: row["latency_ms"] for row in answered}
    assert all(kept[row["id"]] == row["latency_ms"] for row in rows if row["id"] in kept)  # not asked again


def test_a_job_cut_off_by_a_crash_resumes_when_the_service_opens_the_workspace(
    indexed_workspace: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "jobs" / "0123456789ab"
    folder.mkdir(parents=True)
    (folder / "questions.jsonl").write_bytes(_questions(5))
    before = {"question": EN_QUESTION, "found": True, "language": "en", "citations": [], "latency_ms": 1.0}
    (folder / "answers.jsonl").write_text(
        json.dumps({"id": "q000", "answer": "kept", "error": "", **before})
        + "\n"
        + json.dumps({"id": "q001", "answer": "kept", "error": "", **before})
        + "\n"
        + json.dumps({"id": "q002", "answer": "", "error": "Boom: asked again", **before})
        + '\n{"id": "q003", "answ',  # the row the crash cut off
        encoding="utf-8",
    )
    crashed = JobOut(id=folder.name, status="running", total=5, done=3, output_format="jsonl")
    (folder / "status.json").write_text(crashed.model_dump_json(), encoding="utf-8")
    finished = tmp_path / "jobs" / "ba9876543210"
    finished.mkdir()
    (finished / "status.json").write_text(
        JobOut(id=finished.name, status="cancelled", total=2, done=1).model_dump_json(), encoding="utf-8"
    )

    with Assistant(indexed_workspace) as assistant:
        board = JobBoard(assistant, tmp_path / "jobs")
        try:
            state = _until(lambda: board.state(folder.name).model_dump(), lambda s: s["status"] == "done")
            assert board.state(finished.name).status == "cancelled"  # finished jobs are left alone
        finally:
            board.close()
    assert (state["done"], state["failed"], state["skipped"], state["interruptions"]) == (5, 0, 2, 1)
    rows = {row["id"]: row for row in read_answers(folder / "answers.jsonl")}
    assert sorted(rows) == ["q000", "q001", "q002", "q003", "q004"]
    assert rows["q000"]["answer"] == rows["q001"]["answer"] == "kept"
    assert rows["q002"]["error"] == "" and rows["q002"]["answer"]


@pytest.mark.parametrize("workers", [1, 3])
def test_a_stop_ends_the_answering_loop_between_questions_and_it_resumes(
    indexed_workspace: Path, tmp_path: Path, workers: int
) -> None:
    questions = read_questions_from(_questions(40), tmp_path / "questions.jsonl")
    out = tmp_path / "answers.jsonl"
    stop = threading.Event()

    def after_each(row: dict[str, Any]) -> None:
        if not row["error"]:
            stop.set()  # asked to stop as soon as one question is answered

    with Assistant(indexed_workspace) as assistant:
        first = answer_questions(assistant, questions, out, workers=workers, on_row=after_each, stop=stop)
        # Questions already handed to the threads (at most 4 per worker) are finished and kept;
        # nothing more is started.
        assert 1 <= first.done + first.failed <= (1 if workers == 1 else workers * 4)
        second = answer_questions(assistant, questions, out, workers=workers)
    assert (second.skipped, second.done + second.skipped, second.failed) == (first.done, 40, 0)
    assert sorted(row["id"] for row in read_answers(out)) == [f"q{number:03d}" for number in range(40)]


def read_questions_from(body: bytes, path: Path) -> list[Question]:
    path.write_bytes(body)
    return read_questions(path)
