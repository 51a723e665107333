"""The REST service through a real uvicorn on loopback, with SQLite and with PostgreSQL as the catalog."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from assistant import Assistant
from assistant.service import JobBoard, JobOut

from .conftest import (
    EN_ANSWER_WORDS,
    EN_QUESTION,
    RU_ANSWER_WORDS,
    RU_QUESTION,
    UNANSWERABLE,
    FrontFiles,
    child_env,
    free_port,
    start_server,
    stop_server,
    write_manual,
)

API_KEY = "front-door-test-key"
UPLOAD_LIMIT = 2 * 2**20


@dataclass
class Service:
    url: str
    client: httpx.Client
    upload: httpx.Response
    files: FrontFiles
    backend: str


def _files(*paths: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (path.name, path.read_bytes(), "application/octet-stream")) for path in paths]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], ids=str
)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, front_files: FrontFiles
) -> Iterator[Service]:
    backend: str = request.param
    extra = {}
    if backend == "postgres":
        extra["ASSISTANT_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    folder = tmp_path_factory.mktemp(f"rest-{backend}")
    port = free_port()
    command = [sys.executable, "-m", "assistant", "serve", str(folder / "ws"), "--port", str(port)]
    command += ["--api-key", API_KEY, "--max-upload-mb", str(UPLOAD_LIMIT / 2**20)]
    server = start_server(
        command,
        f"http://127.0.0.1:{port}",
        "/v1/health",
        child_env(**extra),
        folder / "server.log",
    )
    client = httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=60)
    try:
        files = [front_files.coffee, front_files.broken, front_files.vacuum, front_files.text]
        upload = client.post("/v1/documents", files=_files(*files))
        yield Service(server.url, client, upload, front_files, backend)
    finally:
        client.close()
        stop_server(server)


def _ids(service: Service) -> dict[str, int]:
    return {d["filename"]: d["id"] for d in service.client.get("/v1/documents").json()}


def test_upload_indexes_good_files_and_names_each_bad_one(service: Service) -> None:
    assert service.upload.status_code == 422, service.upload.text
    body = service.upload.json()
    assert sorted(d["filename"] for d in body["added"]) == ["coffee-machine.pdf", "пылесос.pdf"]
    failures = {f["filename"]: f for f in body["failures"]}
    assert set(failures) == {"broken.pdf", "notes.txt"}
    assert failures["notes.txt"]["error"] == "UnsupportedFileType"
    assert "broken.pdf" in body["detail"] and "notes.txt" in body["detail"]
    assert all(f["reason"] for f in failures.values())
    documents = service.client.get("/v1/documents").json()
    assert {d["filename"]: d["page_count"] for d in documents} == {"coffee-machine.pdf": 3, "пылесос.pdf": 2}


def test_upload_of_known_content_is_unchanged(service: Service) -> None:
    response = service.client.post("/v1/documents", files=_files(service.files.coffee))
    assert response.status_code == 200
    assert [d["filename"] for d in response.json()["unchanged"]] == ["coffee-machine.pdf"]
    assert response.json()["added"] == []


def test_ask_in_english_cites_the_page_and_draws_the_box(service: Service) -> None:
    response = service.client.post("/v1/ask", json={"question": EN_QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["found"] is True and answer["language"] == "en"
    assert EN_ANSWER_WORDS in answer["text"]
    citation = answer["citations"][0]
    assert (citation["filename"], citation["page"]) == ("coffee-machine.pdf", 2)
    assert EN_ANSWER_WORDS in citation["quote"]
    x0, y0, x1, y1 = citation["bbox"]
    assert 0 <= x0 < x1 <= citation["page_width"] and 0 <= y0 < y1 <= citation["page_height"]

    plain = service.client.get(f"/v1/documents/{citation['document_id']}/pages/2/image")
    drawn = service.client.get(citation["image_url"])
    assert plain.headers["content-type"] == drawn.headers["content-type"] == "image/png"
    page = Image.open(io.BytesIO(plain.content)).convert("RGB")
    marked = Image.open(io.BytesIO(drawn.content)).convert("RGB")
    assert page.size == marked.size
    # The SDK renders pages a pixel wider than it records (rounding); boxes are unaffected.
    assert abs(page.width - citation["page_width"]) <= 1 and abs(page.height - citation["page_height"]) <= 1
    # The highlight reaches just outside the box: blue there in the drawn image (never red, the colour of
    # screenshots' own annotation marks), white in the plain one.
    edge = (int((x0 + x1) / 2), max(0, int(y0) - 2))
    red, _, blue = marked.getpixel(edge)  # type: ignore[misc]
    assert blue > 200 and blue - red > 40
    assert page.getpixel(edge) == (255, 255, 255)

    thumbnail = service.client.get(citation["image_url"] + "&width=200")
    assert Image.open(io.BytesIO(thumbnail.content)).width == 200


def test_ask_in_russian(service: Service) -> None:
    answer = service.client.post("/v1/ask", json={"question": RU_QUESTION}).json()
    assert answer["found"] is True and answer["language"] == "ru"
    assert RU_ANSWER_WORDS in answer["text"]
    assert answer["citations"][0]["filename"] == "пылесос.pdf"


def test_unanswerable_question_is_not_found(service: Service) -> None:
    answer = service.client.post("/v1/ask", json={"question": UNANSWERABLE}).json()
    assert answer["found"] is False and answer["citations"] == []
    assert answer["text"].startswith("Not found")


def test_document_filter_by_id_and_filename(service: Service) -> None:
    ids = _ids(service)
    only_vacuum = service.client.post(
        "/v1/ask", json={"question": EN_QUESTION, "documents": [ids["пылесос.pdf"]]}
    ).json()
    assert all(c["filename"] == "пылесос.pdf" for c in only_vacuum["citations"])
    assert EN_ANSWER_WORDS not in only_vacuum["text"]
    by_name = service.client.post(
        "/v1/ask", json={"question": EN_QUESTION, "documents": ["coffee-machine.pdf"]}
    )
    assert by_name.json()["found"] is True
    unknown = service.client.post(
        "/v1/ask", json={"question": EN_QUESTION, "documents": [9999, "missing.pdf"]}
    )
    assert unknown.status_code == 404
    assert "9999" in unknown.json()["detail"] and "missing.pdf" in unknown.json()["detail"]


def test_search_ranks_pages_with_evidence(service: Service) -> None:
    response = service.client.post("/v1/search", json={"question": "milk frother warm water", "k": 2})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert 1 <= len(hits) <= 2
    assert (hits[0]["document"]["filename"], hits[0]["page"]) == ("coffee-machine.pdf", 2)
    assert any("frother" in passage["text"] for passage in hits[0]["passages"])


def test_api_key_is_required(service: Service) -> None:
    assert httpx.get(service.url + "/v1/documents").status_code == 401
    wrong = httpx.post(service.url + "/v1/ask", json={"question": "x"}, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"]
    assert httpx.get(service.url + "/v1/health").status_code == 200


def test_upload_over_the_limit_is_413(service: Service) -> None:
    big = ("files", ("big.pdf", b"%PDF-1.7\n" + b"0" * (UPLOAD_LIMIT + 1024), "application/pdf"))
    response = service.client.post("/v1/documents", files=[big])
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'--zz\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n\r\n'
        for _ in range(40):
            yield b"x" * 65536

    # No Content-Length: the body is counted as it streams in.
    streamed = service.client.post(
        "/v1/documents", content=chunks(), headers={"content-type": "multipart/form-data; boundary=zz"}
    )
    assert streamed.status_code == 413


def test_bad_requests_get_clear_errors(service: Service) -> None:
    document_id = _ids(service)["coffee-machine.pdf"]
    assert service.client.post("/v1/ask", json={"question": ""}).status_code == 422
    assert service.client.post("/v1/ask", json={"question": "x", "k": 0}).status_code == 422
    bad_box = service.client.get(f"/v1/documents/{document_id}/pages/1/image?box=1,2,3")
    assert bad_box.status_code == 400 and "x0,y0,x1,y1" in bad_box.json()["detail"]
    missing_page = service.client.get(f"/v1/documents/{document_id}/pages/9/image")
    assert missing_page.status_code == 404 and "1..3" in missing_page.json()["detail"]
    assert service.client.get("/v1/documents/9999").status_code == 404
    assert service.client.get("/v1/documents/9999/pages/1/image").status_code == 404


def test_openapi_document_lists_the_routes(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    for path in ("/v1/documents", "/v1/ask", "/v1/search", "/v1/jobs", "/v1/jobs/{job_id}/results"):
        assert path in spec["paths"]
    assert "X-API-Key" in json.dumps(spec["components"]["securitySchemes"])
    assert "found" in spec["components"]["schemas"]["AnswerOut"]["properties"]


def test_concurrent_questions_while_one_writer_adds_and_deletes(service: Service, tmp_path: Path) -> None:
    extra = write_manual(
        tmp_path / "kettle.pdf",
        "Kettle K-1",
        [("Safety", "Do not fill the kettle above the 1.7 litre mark.")],
    )

    def ask(_: int) -> tuple[int, bool, str]:
        response = service.client.post("/v1/ask", json={"question": EN_QUESTION})
        answer = response.json()
        return response.status_code, answer["found"], answer["text"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        asked = [pool.submit(ask, number) for number in range(24)]
        writes = [pool.submit(service.client.post, "/v1/documents", files=_files(extra))]
        results = [future.result() for future in asked]
        added = writes[0].result()
    assert added.status_code == 201, added.text
    assert all(result == (200, True, results[0][2]) for result in results)
    kettle = added.json()["added"][0]["id"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        deleted = pool.submit(service.client.delete, f"/v1/documents/{kettle}")
        during = [pool.submit(ask, number) for number in range(8)]
        assert deleted.result().status_code == 204
        assert all(future.result()[:2] == (200, True) for future in during)
    assert service.client.get(f"/v1/documents/{kettle}").status_code == 404
    assert service.client.delete(f"/v1/documents/{kettle}").status_code == 404
    answer = service.client.post("/v1/ask", json={"question": "How full may I fill the kettle?"}).json()
    assert all(c["filename"] != "kettle.pdf" for c in answer["citations"])


def _wait_for_job(service: Service, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state: dict[str, Any] = service.client.get(f"/v1/jobs/{job_id}").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_batch_job_submit_poll_fetch(service: Service) -> None:
    lines = [
        {"id": "en", "question": EN_QUESTION},
        {"id": "ru", "question": RU_QUESTION, "documents": ["пылесос.pdf"]},
        {"id": "bad-filter", "question": EN_QUESTION, "documents": [4242]},
        {"id": "none", "question": UNANSWERABLE},
    ]
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    submitted = service.client.post(
        "/v1/jobs",
        files={"file": ("questions.jsonl", body, "application/x-ndjson")},
        data={"output_format": "csv"},
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] in ("queued", "running", "done") and job["total"] == 4
    early = service.client.get(job["results_url"])
    assert early.status_code in (200, 409)
    state = _wait_for_job(service, job["id"])
    assert (state["status"], state["done"], state["failed"]) == ("done", 3, 1)
    results = service.client.get(job["results_url"])
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    text = results.text
    assert "three months" in text and "два месяца" in text and "UnknownDocumentError" in text
    assert [j["id"] for j in service.client.get("/v1/jobs").json()].count(job["id"]) == 1


def test_batch_job_with_a_bad_file_names_the_line(service: Service) -> None:
    body = b'{"id": "a", "question": "ok?"}\n{"id": "b"}\n'
    response = service.client.post("/v1/jobs", files={"file": ("mine.jsonl", body, "application/x-ndjson")})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("mine.jsonl, line 2:")
    wrong_type = service.client.post("/v1/jobs", files={"file": ("mine.txt", b"x", "text/plain")})
    assert wrong_type.status_code == 400
    assert service.client.get("/v1/jobs/nope").status_code == 404


def test_jobs_cut_off_by_a_restart_are_reported_failed(indexed_workspace: Path, tmp_path: Path) -> None:

    finished = tmp_path / "jobs" / "done1"
    cut_off = tmp_path / "jobs" / "run1"
    for folder, state in ((finished, "done"), (cut_off, "running")):
        folder.mkdir(parents=True)
        (folder / "status.json").write_text(JobOut(id=folder.name, status=state, total=2).model_dump_json())
    with Assistant(indexed_workspace) as assistant:
        board = JobBoard(assistant, tmp_path / "jobs")
        try:
            states = {job.id: job for job in board.list()}
        finally:
            board.close()
    assert states["done1"].status == "done"
    assert states["run1"].status == "failed" and "restart" in states["run1"].error
