"""REST service (FastAPI): upload, list, delete, search, ask, cited page images and batch jobs over HTTP."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from assistant.batch import QuestionFileError, answer_questions, read_questions
from assistant.concurrency import one_native_thread_per_request
from assistant.highlight import draw_boxes, parse_box
from assistant.payloads import (
    UnknownDocumentError,
    answer_payload,
    hit_payload,
    resolve_documents,
)
from assistant.sdk import Assistant
from indexer.errors import AssistantError, WorkspaceError
from indexer.records import DocumentRecord

log = logging.getLogger(__name__)

API_KEY_ENV = "ASSISTANT_API_KEY"
DEFAULT_MAX_UPLOAD = 50 * 2**20

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# -- request and response bodies (they make the OpenAPI document) ---------------------------------


class FileFailure(BaseModel):
    filename: str
    error: str = Field(description="Error type, e.g. UnsupportedFileType")
    reason: str


class UploadOut(BaseModel):
    added: list[DocumentRecord]
    unchanged: list[DocumentRecord] = Field(description="Files whose content was already indexed")
    failures: list[FileFailure]
    detail: str = ""


class QuestionIn(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    k: int = Field(5, ge=1, le=50, description="How many pages to retrieve")
    documents: list[int | str] | None = Field(None, description="Only these document ids or filenames")


class CitationOut(BaseModel):
    document_id: int
    filename: str
    page: int
    bbox: list[float] = Field(description="x0, y0, x1, y1 in pixels of the page image")
    quote: str
    score: float
    page_width: int
    page_height: int
    image_url: str = Field(description="The page image with this citation's box drawn")


class AnswerOut(BaseModel):
    question: str
    text: str
    found: bool
    language: str
    citations: list[CitationOut]


class PassageOut(BaseModel):
    id: int
    text: str
    kind: str
    section: str
    bbox: list[float]
    score: float


class HitOut(BaseModel):
    document: DocumentRecord
    page: int
    score: float
    passages: list[PassageOut]


class SearchOut(BaseModel):
    question: str
    hits: list[HitOut]


JobStatus = Literal["queued", "running", "done", "failed"]


class JobOut(BaseModel):
    id: str
    status: JobStatus
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    error: str = ""
    submitted_at: str = ""
    results_url: str = ""


class ErrorOut(BaseModel):
    error: str
    detail: str


# -- the upload limit, enforced before the body is parsed -----------------------------------------


class _BodyTooLargeError(Exception):
    pass


class UploadLimit:
    """Answers 413 when a request body exceeds the limit, by header or by counting a chunked body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # The app may turn the receive error into its own answer (FastAPI says 400 "error
            # parsing the body"); the user must hear 413 instead.
            if exceeded:
                if not started and message["type"] == "http.response.start":
                    started = True
                    await self._reject(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLargeError:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        limit = f"{self.max_bytes / 2**20:.1f} MiB" if self.max_bytes >= 2**20 else f"{self.max_bytes} bytes"
        body = json.dumps(
            {
                "error": "PayloadTooLarge",
                "detail": f"the request is over the {limit} upload limit; send fewer or "
                "smaller files per request",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# -- batch jobs ---------------------------------------------------------------------------------


@dataclass
class _Job:
    id: str
    directory: Path
    questions: Path
    results: Path
    state: JobOut


class JobBoard:
    """Batch jobs run one after another in a background thread; their files live in the workspace."""

    def __init__(self, assistant: Assistant, root: Path) -> None:
        self.assistant = assistant
        self.root = root
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")
        self._load()

    def _load(self) -> None:
        """Jobs of earlier runs of the service; one cut off by a restart is reported as failed."""
        if not self.root.is_dir():
            return
        for state_file in sorted(self.root.glob("*/status.json")):
            try:
                state = JobOut.model_validate_json(state_file.read_text(encoding="utf-8"))
            except ValueError:
                log.warning("ignoring unreadable %s", state_file)
                continue
            if state.status in ("queued", "running"):
                state.status, state.error = (
                    "failed",
                    "interrupted by a restart of the service; submit it again",
                )
            directory = state_file.parent
            questions = next(iter(sorted(directory.glob("questions.*"))), directory / "questions.jsonl")
            results = next(iter(sorted(directory.glob("answers.*"))), directory / "answers.jsonl")
            self._jobs[state.id] = _Job(state.id, directory, questions, results, state)

    def submit(self, filename: str, content: Any, output_format: str | None) -> JobOut:
        suffix = Path(filename).suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise QuestionFileError(filename, "the questions file must be .jsonl or .csv")
        job_id = uuid.uuid4().hex[:12]
        directory = self.root / job_id
        directory.mkdir(parents=True)
        questions = directory / f"questions{suffix}"
        with questions.open("wb") as handle:
            shutil.copyfileobj(content, handle)
        try:
            rows = read_questions(questions)
        except QuestionFileError as error:
            shutil.rmtree(directory, ignore_errors=True)
            # Name the user's file, not the copy in the job folder.
            raise QuestionFileError(filename, str(error).split(": ", 1)[1], error.line) from error
        results = directory / f"answers.{(output_format or suffix.lstrip('.'))}"
        state = JobOut(
            id=job_id,
            status="queued",
            total=len(rows),
            submitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
            results_url=f"/v1/jobs/{job_id}/results",
        )
        job = _Job(job_id, directory, questions, results, state)
        with self._lock:
            self._jobs[job_id] = job
        self._save(job)
        self._runner.submit(self._run, job)
        return state.model_copy()

    def _run(self, job: _Job) -> None:
        with self._lock:
            job.state.status = "running"
        self._save(job)

        def count(row: dict[str, Any]) -> None:
            with self._lock:
                if row["error"]:
                    job.state.failed += 1
                else:
                    job.state.done += 1

        try:
            summary = answer_questions(
                self.assistant, read_questions(job.questions), job.results, on_row=count
            )
            with self._lock:
                job.state.status, job.state.seconds = "done", summary.seconds
        except Exception as error:  # a job that dies is reported through its status, not lost in a thread
            log.exception("batch job %s failed", job.id)
            with self._lock:
                job.state.status, job.state.error = "failed", f"{type(error).__name__}: {error}"
        self._save(job)

    def _save(self, job: _Job) -> None:
        with self._lock:
            text = job.state.model_dump_json(indent=2)
        temporary = job.directory / "status.json.tmp"
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, job.directory / "status.json")

    def get(self, job_id: str) -> _Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch job {job_id!r}")
        return job

    def state(self, job_id: str) -> JobOut:
        job = self.get(job_id)
        with self._lock:
            return job.state.model_copy()

    def list(self) -> list[JobOut]:
        with self._lock:
            return [job.state.model_copy() for job in self._jobs.values()]

    def close(self) -> None:
        self._runner.shutdown(wait=True, cancel_futures=True)


# -- the application ------------------------------------------------------------------------------


def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


def _jobs(request: Request) -> JobBoard:
    return request.app.state.jobs  # type: ignore[no-any-return]


# Module level: with postponed annotations FastAPI resolves these names in the module's globals.
Client = Annotated[Assistant, Depends(_assistant)]
GivenKey = Annotated[str | None, Depends(APIKeyHeader(name="X-API-Key", auto_error=False))]
Jobs = Annotated[JobBoard, Depends(_jobs)]


def _error(status_code: int, error: Exception) -> JSONResponse:
    return JSONResponse({"error": type(error).__name__, "detail": str(error)}, status_code=status_code)


def create_app(
    workspace: str | Path, api_key: str | None = None, max_upload_bytes: int = DEFAULT_MAX_UPLOAD
) -> FastAPI:
    """The REST app over one workspace; `api_key` (or $ASSISTANT_API_KEY) makes every /v1 call need it."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
    root = Path(workspace)
    # One writer: uploads and deletes queue here, in the threadpool, while reads go on concurrently.
    write_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from starlette.concurrency import run_in_threadpool

        one_native_thread_per_request()
        assistant = await run_in_threadpool(Assistant, root)
        # Load the embedder and indexes now, so the first user does not wait for them.
        await run_in_threadpool(assistant.search, "warm up", 1)
        app.state.assistant = assistant
        app.state.jobs = JobBoard(assistant, assistant.workspace.root / "jobs")
        log.info("serving %s (%d documents)", assistant.workspace.root, len(assistant.documents()))
        try:
            yield
        finally:
            app.state.jobs.close()
            assistant.close()

    app = FastAPI(
        title="Document assistant",
        version="1",
        description="Cited answers from manuals (PDF) and screenshots, in English and Russian. Every answer "
        "points at a rectangle on a page.",
        lifespan=lifespan,
    )
    app.add_middleware(UploadLimit, max_bytes=max_upload_bytes)

    def authorised(given: GivenKey) -> None:
        if key is not None and (given is None or not secrets.compare_digest(given, key)):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid X-API-Key header is required",
                {"WWW-Authenticate": "API-Key"},
            )

    secured = [Depends(authorised)]
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorOut},
        401: {"model": ErrorOut},
        404: {"model": ErrorOut},
    }

    @app.exception_handler(UnknownDocumentError)
    async def unknown_documents(request: Request, error: UnknownDocumentError) -> JSONResponse:
        return _error(status.HTTP_404_NOT_FOUND, error)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, error: AssistantError) -> JSONResponse:
        return _error(status.HTTP_400_BAD_REQUEST, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        response = JSONResponse(
            {"error": type(error).__name__, "detail": error.detail}, status_code=error.status_code
        )
        response.headers.update(error.headers or {})
        return response

    @app.get("/v1/health", tags=["service"])
    def health(client: Client) -> dict[str, Any]:
        """Liveness and what the workspace holds (no API key needed)."""
        return {"status": "ok", **client.workspace.counts()}

    @app.post(
        "/v1/documents",
        tags=["documents"],
        dependencies=secured,
        response_model=UploadOut,
        status_code=status.HTTP_201_CREATED,
        responses={**errors, 413: {"model": ErrorOut}, 422: {"model": UploadOut}},
    )
    def upload(
        client: Client, files: Annotated[list[UploadFile], File(description="PDFs and images")]
    ) -> UploadOut | JSONResponse:
        """Index several files; bad ones are named in `failures` (422) and the good ones indexed anyway."""
        with tempfile.TemporaryDirectory(prefix="upload-") as scratch:
            paths = []
            for number, upload in enumerate(files):
                # One folder per file keeps the user's filename (the catalog shows it) and allows duplicates.
                name = Path(upload.filename or "").name or f"upload-{number + 1}"
                target = Path(scratch) / str(number) / name
                target.parent.mkdir()
                with target.open("wb") as handle:
                    shutil.copyfileobj(upload.file, handle)
                paths.append(target)
            with write_lock:
                report = client.add_report(paths)
        result = UploadOut(
            added=[d for d in report.added],
            unchanged=[d for d in report.unchanged],
            failures=[
                FileFailure(filename=Path(f.path).name, error=type(f).__name__, reason=f.reason)
                for f in report.failures
            ],
        )
        if report.failures:
            names = ", ".join(f.filename for f in result.failures)
            result.detail = f"{len(result.failures)} file(s) could not be indexed: {names}"
            return JSONResponse(result.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if not report.added:
            return JSONResponse(result.model_dump(), status_code=status.HTTP_200_OK)
        return result

    @app.get("/v1/documents", tags=["documents"], dependencies=secured, responses=errors)
    def list_documents(client: Client) -> list[DocumentRecord]:
        return [d for d in client.documents()]

    def find(client: Assistant, document_id: int) -> DocumentRecord:
        record = client.workspace.document(document_id)
        if record is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document with id {document_id}")
        return record

    @app.get("/v1/documents/{document_id}", tags=["documents"], dependencies=secured, responses=errors)
    def get_document(client: Client, document_id: int) -> DocumentRecord:
        return find(client, document_id)

    @app.delete(
        "/v1/documents/{document_id}",
        tags=["documents"],
        dependencies=secured,
        status_code=status.HTTP_204_NO_CONTENT,
        responses=errors,
    )
    def delete_document(client: Client, document_id: int) -> Response:
        with write_lock:
            deleted = client.delete(document_id)
        if not deleted:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document with id {document_id}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get(
        "/v1/documents/{document_id}/pages/{page}/image",
        tags=["documents"],
        dependencies=secured,
        response_class=Response,
        responses={**errors, 200: {"content": {"image/png": {}}, "description": "PNG of the page"}},
    )
    def page_image(
        client: Client,
        document_id: int,
        page: int,
        box: Annotated[list[str], Query(description="x0,y0,x1,y1 in page pixels; repeat for more")] = [],  # noqa: B006
        width: Annotated[int | None, Query(ge=32, le=4000, description="Scale down to this width")] = None,
    ) -> Response:
        """The page as indexed, with the given boxes (a citation's `bbox`) drawn on it."""
        boxes = [parse_box(text) for text in box]
        find(client, document_id)
        try:
            path = client.page_image(document_id, page)
        except WorkspaceError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
        if not boxes and width is None:
            return FileResponse(path, media_type="image/png")
        return Response(draw_boxes(path, boxes, width), media_type="image/png")

    @app.post("/v1/search", tags=["questions"], dependencies=secured, responses=errors)
    def search(client: Client, body: QuestionIn) -> SearchOut:
        """Ranked pages with their evidence passages."""
        documents = resolve_documents(body.documents, client.documents()) if body.documents else None
        hits = client.search(body.question, body.k, documents)
        return SearchOut(question=body.question, hits=[HitOut(**hit_payload(hit)) for hit in hits])

    @app.post("/v1/ask", tags=["questions"], dependencies=secured, responses=errors)
    def ask(client: Client, body: QuestionIn) -> AnswerOut:
        """The answer with its citations (document, page, box, quote), or found=false."""
        documents = resolve_documents(body.documents, client.documents()) if body.documents else None
        payload = answer_payload(client.ask(body.question, body.k, documents))
        for citation in payload["citations"]:
            bbox = ",".join(f"{value:g}" for value in citation["bbox"])
            citation["image_url"] = (
                f"/v1/documents/{citation['document_id']}/pages/{citation['page']}/image?box={bbox}"
            )
        return AnswerOut(**payload)

    @app.post(
        "/v1/jobs",
        tags=["batch"],
        dependencies=secured,
        status_code=status.HTTP_202_ACCEPTED,
        responses={**errors, 413: {"model": ErrorOut}},
    )
    def submit_job(
        board: Jobs,
        file: Annotated[
            UploadFile, File(description=".jsonl or .csv rows: id, question, optional documents")
        ],
        output_format: Annotated[
            Literal["jsonl", "csv"] | None, Form(description="Default: as the input")
        ] = None,
    ) -> JobOut:
        """Queue a batch of questions; poll `GET /v1/jobs/{id}`, then fetch its results."""
        return board.submit(file.filename or "questions.jsonl", file.file, output_format)

    @app.get("/v1/jobs", tags=["batch"], dependencies=secured, responses=errors)
    def list_jobs(board: Jobs) -> list[JobOut]:
        return board.list()

    @app.get("/v1/jobs/{job_id}", tags=["batch"], dependencies=secured, responses=errors)
    def job_status(board: Jobs, job_id: str) -> JobOut:
        return board.state(job_id)

    @app.get(
        "/v1/jobs/{job_id}/results",
        tags=["batch"],
        dependencies=secured,
        response_class=FileResponse,
        responses={**errors, 409: {"model": ErrorOut}},
    )
    def job_results(board: Jobs, job_id: str) -> FileResponse:
        """The answers file (.jsonl or .csv) once the job is done; 409 while it still runs."""
        job = board.get(job_id)
        state = board.state(job_id)
        if state.status != "done":
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"job {job_id} is {state.status}; poll until it is done"
            )
        media_type = "text/csv" if job.results.suffix == ".csv" else "application/x-ndjson"
        return FileResponse(
            job.results, media_type=media_type, filename=f"answers-{job_id}{job.results.suffix}"
        )

    return app


def serve(
    workspace: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_key: str | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
) -> None:
    """Run the REST service with uvicorn until interrupted (API key also from $ASSISTANT_API_KEY)."""
    import uvicorn

    app = create_app(workspace, api_key, max_upload_bytes)
    uvicorn.run(app, host=host, port=port, log_level="info")
