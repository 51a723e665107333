"""The REST service through a real uvicorn on loopback, with SQLite and with PostgreSQL as the catalog."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from assistant.service import ImageLinks

from .conftest import (
    EN_ANSWER_WORDS,
    EN_QUESTION,
    RU_ANSWER_WORDS,
    RU_QUESTION,
    UNANSWERABLE,
    FrontFiles,
    stop_server,
    write_manual,
)
from .service_process import serve_rest

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
    options = ["--api-key", API_KEY, "--max-upload-mb", str(UPLOAD_LIMIT / 2**20)]
    server = serve_rest(folder / "ws", folder / "server.log", *options, env=extra)
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
    empty = service.client.post("/v1/ask", json={"question": " "})
    assert (empty.status_code, empty.json()["field"]) == (422, "question")
    zero = service.client.post("/v1/ask", json={"question": "x", "k": 0})
    assert (zero.status_code, zero.json()["field"]) == (422, "k")
    bad_box = service.client.get(f"/v1/documents/{document_id}/pages/1/image?box=1,2,3")
    assert bad_box.status_code == 422 and "x0,y0,x1,y1" in bad_box.json()["detail"]
    assert bad_box.json()["field"] == "box[0]"
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


# -- hostile requests: each was a 500 (or worse) before; each must be a 4xx naming the field ---------


def _multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"hostile-boundary") -> tuple[bytes, str]:
    """A multipart body built by hand: httpx would escape the very bytes these tests must send."""
    body = b""
    for filename, content in parts:
        body += b"--" + boundary + b"\r\n"
        body += b'Content-Disposition: form-data; name="files"; filename="' + filename + b'"\r\n'
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary.decode()}"


def test_hostile_file_names_are_refused_one_by_one_and_the_others_indexed(
    service: Service, tmp_path: Path
) -> None:
    kettle = write_manual(tmp_path / "k.pdf", "Kettle K-9", [("Filling", "Fill the kettle to 1.2 litres.")])
    iron = write_manual(tmp_path / "i.pdf", "Iron I-3", [("Steam", "Use distilled water for steam.")])
    fan = write_manual(tmp_path / "f.pdf", "Fan F-2", [("Speeds", "The fan has three speeds.")])
    body, content_type = _multipart(
        [
            (b"..", kettle.read_bytes()),
            (b"a\x00b.pdf", kettle.read_bytes()),
            (b"x" * 296 + b".pdf", kettle.read_bytes()),
            (b"C:\\Users\\me\\kettle-k9.pdf", kettle.read_bytes()),
            (b"../../etc/iron-i3.pdf", iron.read_bytes()),
            (b"", fan.read_bytes()),  # a part with no name at all
        ]
    )
    response = service.client.post("/v1/documents", content=body, headers={"content-type": content_type})
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "IngestFailed"
    assert sorted(d["filename"] for d in answer["added"]) == ["iron-i3.pdf", "kettle-k9.pdf", "upload-6"]
    failures = answer["failures"]
    assert [(f["field"], f["error"]) for f in failures] == [
        ("files[0]", "InvalidFilename"),
        ("files[1]", "InvalidFilename"),
        ("files[2]", "InvalidFilename"),
    ]
    assert "not a file name" in failures[0]["reason"]
    assert "U+0000" in failures[1]["reason"]
    assert "300 bytes" in failures[2]["reason"]
    try:
        listed = _ids(service)
        assert {"iron-i3.pdf", "kettle-k9.pdf"} <= set(listed)
        assert not any(".." in name or "/" in name or "\\\\" in name for name in listed)
    finally:
        for document in answer["added"]:
            assert service.client.delete(f"/v1/documents/{document['id']}").status_code == 204


def test_out_of_range_ids_and_bad_text_are_4xx_naming_the_field(service: Service) -> None:
    huge = 2**63
    for method, path in (
        ("GET", f"/v1/documents/{huge}"),
        ("DELETE", f"/v1/documents/{huge}"),
        ("GET", f"/v1/documents/{huge}/pages/1/image"),
        ("GET", "/v1/documents/-1"),
    ):
        response = service.client.request(method, path)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["field"] == "document_id"
    largest = service.client.get(f"/v1/documents/{2**63 - 1}")
    assert largest.status_code == 404 and largest.json()["error"] == "UnknownDocument"
    page = service.client.get(f"/v1/documents/{_ids(service)['coffee-machine.pdf']}/pages/{2**40}/image")
    assert (page.status_code, page.json()["field"]) == (422, "page")

    json_headers = {"content-type": "application/json"}
    for raw, field in (
        (b'{"question": "\\ud800 descale?"}', "question"),  # a lone surrogate, as JSON allows
        (b'{"question": "' + b"a" * 4001 + b'"}', "question"),
        (b'{"question": "descale?", "k": 100000000000000000000}', "k"),
        (b'{"question": 5}', "question"),
        (b'{"k": 3}', "question"),
        (b'{"question": "x", "documents": "coffee"}', "documents"),
    ):
        for route in ("/v1/ask", "/v1/search"):
            response = service.client.post(route, content=raw, headers=json_headers)
            assert response.status_code == 422, (raw[:40], response.text)
            body = response.json()
            assert body["field"] == field and body["detail"].startswith(field), body
    surrogate_filter = service.client.post(
        "/v1/ask", content=b'{"question": "descale?", "documents": ["\\udfff"]}', headers=json_headers
    )
    assert surrogate_filter.status_code == 404 and surrogate_filter.json()["error"] == "UnknownDocumentError"
    broken = service.client.post("/v1/ask", content=b'{"question": "x', headers=json_headers)
    assert (broken.status_code, broken.json()["error"], broken.json()["field"]) == (
        422,
        "ValidationError",
        "body",
    )


def test_validation_errors_have_the_documented_shape(service: Service) -> None:
    response = service.client.post("/v1/ask", json={"k": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationError"
    assert {problem["field"] for problem in body["errors"]} == {"question", "k"}
    assert "question: Field required" in body["detail"]
    spec = service.client.get("/openapi.json").json()
    for path, method in (("/v1/ask", "post"), ("/v1/documents/{document_id}", "get")):
        schema = spec["paths"][path][method]["responses"]["422"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ValidationErrorOut")
    assert {"error", "detail", "field", "errors"} <= set(
        spec["components"]["schemas"]["ValidationErrorOut"]["properties"]
    )
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_a_non_ascii_or_wrong_key_is_401_not_500(service: Service) -> None:
    for key in ("ключ".encode(), b"\xff\xfe", API_KEY.encode() + b"x", b""):
        response = httpx.get(service.url + "/v1/documents", headers={"X-API-Key": key})
        assert response.status_code == 401, (key, response.text)
        assert response.json()["error"] == "Unauthorized"


# -- page images: boxes are checked against the page, and drawing never stalls the service -----------


def test_boxes_are_clipped_to_the_page_and_absurd_ones_refused(service: Service) -> None:
    document_id = _ids(service)["coffee-machine.pdf"]
    base = f"/v1/documents/{document_id}/pages/1/image"
    plain = Image.open(io.BytesIO(service.client.get(base).content))
    giant = service.client.get(base, params={"box": "0,0,1e10,1e10"})
    assert giant.status_code == 200, giant.text
    drawn = Image.open(io.BytesIO(giant.content)).convert("RGB")
    assert drawn.size == plain.size
    # Clipped to the page: the box's fill covers the whole page, corner to corner.
    for corner in ((1, 1), (plain.width - 2, plain.height - 2), (plain.width // 2, plain.height // 2)):
        assert drawn.getpixel(corner) != (255, 255, 255)
        assert plain.convert("RGB").getpixel(corner) == (255, 255, 255)

    for params, field in (
        ({"box": f"{plain.width + 10},0,{plain.width + 20},5"}, "box[0]"),
        ({"box": ["1,1,2,2", "-50,-50,-10,-10"]}, "box[1]"),
        ({"box": "nan,0,1,1"}, "box[0]"),
        ({"box": "0,0,inf,1"}, "box[0]"),
        ({"box": ["1,1,2,2"] * 51}, "box"),
        ({"width": 10**6}, "width"),
    ):
        response = service.client.get(base, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["field"] == field


def test_health_answers_while_heavy_images_are_drawn(service: Service) -> None:
    document_id = _ids(service)["coffee-machine.pdf"]
    heavy = {"box": ["0,0,1e10,1e10"] * 50}
    finished: list[str] = []

    def image(number: int) -> int:
        response = service.client.get(f"/v1/documents/{document_id}/pages/2/image", params=heavy)
        finished.append(f"image-{number}")
        return response.status_code

    def health() -> int:
        response = httpx.get(service.url + "/v1/health", timeout=60)
        finished.append("health")
        return response.status_code

    with ThreadPoolExecutor(max_workers=17) as pool:
        images = [pool.submit(image, number) for number in range(16)]
        time.sleep(0.2)  # let the image requests reach the server first
        checked = pool.submit(health)
        assert checked.result() == 200
        assert all(future.result() == 200 for future in images)
    # The health check did not queue behind the drawing: it came back before the last image did.
    assert finished.index("health") < len(finished) - 1, finished


# -- signed page-image links: a plain <img> loads them without the key ------------------------------


def test_image_urls_in_answers_are_signed_links_that_load_without_the_key(service: Service) -> None:
    answer = service.client.post("/v1/ask", json={"question": EN_QUESTION}).json()
    url = answer["citations"][0]["image_url"]
    assert "sig=" in url and "expires=" in url
    anonymous = httpx.Client(base_url=service.url, timeout=60)  # what an <img> sends: no key at all
    with anonymous:
        loaded = anonymous.get(url)
        assert loaded.status_code == 200 and loaded.headers["content-type"] == "image/png"
        keyed = service.client.get(url)
        assert loaded.content == keyed.content  # the same drawn page as with the key
        assert anonymous.get(url + "&width=120").status_code == 200  # a thumbnail of the same link

        tampered_box = re.sub(r"box=[^&]+", "box=0,0,500,500", url)
        other_page = re.sub(r"/pages/\d+/", "/pages/3/", url)
        assert other_page != url
        for forged in (
            tampered_box,
            other_page,
            url.replace("sig=", "sig=0"),
            url + "&box=1,1,2,2",
            url.replace("sig=", "sig=%D0%BA"),
        ):
            response = anonymous.get(forged)
            assert response.status_code == 403, forged
            assert response.json()["error"] == "InvalidSignature"
        # Signed exactly as the service signs, with the service's key, but an hour ago.
        path = url.split("?")[0]
        document_id, page = int(path.split("/")[3]), int(path.split("/")[5])
        stale = ImageLinks(API_KEY.encode(), 60).url(document_id, page, ["1,1,20,20"], now=time.time() - 3600)
        expired = anonymous.get(stale)
        assert expired.status_code == 403 and expired.json()["error"] == "LinkExpired"
        fresh = ImageLinks(API_KEY.encode(), 60).url(document_id, page, ["1,1,20,20"])
        assert anonymous.get(fresh).status_code == 200
        # A signature is only for page images; nothing else opens with it.
        query = fresh.split("?")[1]
        assert anonymous.get(f"/v1/documents/{document_id}?{query}").status_code in (401, 403)
        assert anonymous.get(path).status_code == 401


# -- the documentation pages work with no internet ----------------------------------------------------


def test_docs_pages_load_only_local_assets(service: Service) -> None:
    anonymous = httpx.Client(base_url=service.url, timeout=60)
    with anonymous:
        for page in ("/docs", "/redoc"):
            html = anonymous.get(page)
            assert html.status_code == 200
            urls = re.findall(r'(?:src|href)="([^"]+)"', html.text)
            assert urls, html.text
            assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
            assert "cdn" not in html.text.lower() and "googleapis" not in html.text
            for asset in urls:
                loaded = anonymous.get(asset)
                assert loaded.status_code == 200 and len(loaded.content) > 100, asset
        assert anonymous.get("/openapi.json").status_code == 200


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium")
def test_in_a_browser_offline_docs_render_and_cited_images_load_in_a_plain_img(service: Service) -> None:
    if service.backend != "sqlite":
        pytest.skip("the browser checks the pages, which do not depend on the catalog")
    playwright_api = pytest.importorskip("playwright.sync_api")
    answer = service.client.post("/v1/ask", json={"question": EN_QUESTION}).json()
    signed = service.url + answer["citations"][0]["image_url"]
    unsigned = signed.split("&expires=")[0]
    outside: list[str] = []

    def offline(route: Any) -> None:
        # No internet, as on the machines this runs on: anything not from the service fails.
        if route.request.url.startswith(service.url) or route.request.url.startswith("about:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.route("**/*", offline)
            page.goto(service.url + "/docs")
            page.wait_for_selector(".opblock-summary-path")  # Swagger UI drew the operations
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert any("/v1/ask" in path for path in paths), paths
            page.set_content(f'<img id="signed" src="{signed}"><img id="unsigned" src="{unsigned}">')
            page.wait_for_function("() => [...document.images].every(img => img.complete)")
            widths = page.evaluate("() => [...document.images].map(img => img.naturalWidth)")
        finally:
            browser.close()
    assert outside == []
    assert abs(widths[0] - answer["citations"][0]["page_width"]) <= 1  # the cited page, drawn
    assert widths[1] == 0  # without the signature (and with no key) the image does not load
