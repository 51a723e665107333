"""REST service (FastAPI): upload, list, delete, search, ask (streamed, in conversations), cited page images
and batch jobs over HTTP."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import http
import json
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI, File, Form, Query, Request, Response, Security, UploadFile, status
from fastapi import Path as PathParameter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import APIKeyHeader
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.answering import Answer, AnswerDelta
from assistant.batch import QuestionFileError, answer_questions, read_answers, read_questions
from assistant.concurrency import one_native_thread_per_request
from assistant.conversation import Turn
from assistant.exposure import check_exposure
from assistant.generators import GeneratorError
from assistant.highlight import draw_boxes, page_boxes, page_size
from assistant.lexicon import lexicon
from assistant.limits import MAX_HISTORY_TURNS, MAX_K, MAX_QUESTION_CHARS, checked_k, checked_question
from assistant.payloads import answer_payload, hit_payload, resolve_documents
from assistant.sdk import Assistant
from indexer.errors import (
    AssistantError,
    InvalidRequest,
    UnknownDocument,
    WorkspaceError,
)
from indexer.records import DocumentRecord
from indexer.workspace import AddReport

log = logging.getLogger(__name__)

API_KEY_ENV = "ASSISTANT_API_KEY"
DEFAULT_MAX_UPLOAD = 50 * 2**20
DEFAULT_MAX_JSON = 256 * 2**10
"""A question is at most 4000 characters; even written as JSON escapes it fits many times over."""
DEFAULT_LINK_SECONDS = 15 * 60
"""How long a signed page-image link in an answer stays valid."""
MAX_DOCUMENT_ID = 2**63 - 1
"""Ids are 64-bit signed integers in every catalog; a larger number cannot name a document."""
MAX_PAGE = 2**31 - 1
MAX_FILENAME_BYTES = 255
"""What one path component may hold on the file systems a workspace lives on."""
UPLOAD_ROUTES = frozenset({("POST", "/v1/documents"), ("POST", "/v1/jobs")})
OPEN_PATHS = frozenset({"/v1/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_ASSETS = "/docs/assets"
IMAGE_PATH = re.compile(r"/v1/documents/[0-9]+/pages/[0-9]+/image")
JOB_ID = re.compile(r"[0-9a-f]{12}")
CONVERSATION_ID = re.compile(r"[0-9a-f]{32}")
DEFAULT_CONVERSATIONS = 1000
"""Conversations kept in memory; the least recently used is dropped first."""
DEFAULT_CONVERSATION_SECONDS = 3600
"""A conversation is dropped this long after its last question."""
DEFAULT_CONVERSATION_CHARS = 8_000_000
"""Characters of questions and answers kept over all conversations (the oldest dropped first)."""
KEPT_ANSWER_CHARS = 2000
"""What a conversation keeps of an answer: the model reads less of it, the follow-up rule none."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# -- errors the service raises itself ----------------------------------------------------------


class InvalidFilename(InvalidRequest):
    """An uploaded file's name cannot name a file: '..', control characters, bad Unicode, too long."""


class UnknownPage(AssistantError):
    """A page number the document does not have."""

    http_status: ClassVar[int] = 404


class UnknownJob(AssistantError):
    """A batch job id this service does not know."""

    http_status: ClassVar[int] = 404

    def __init__(self, job_id: str) -> None:
        shown = job_id if len(job_id) <= 40 else job_id[:37] + "..."
        super().__init__(f"no batch job {shown!r}; GET /v1/jobs lists them")


class UnknownConversation(AssistantError):
    """A conversation id this service never gave out, or one it has dropped since (expired or evicted)."""

    http_status: ClassVar[int] = 404

    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            f"no conversation {conversation_id!r}: it expired (conversations are kept for "
            f"{DEFAULT_CONVERSATION_SECONDS // 60} minutes after their last question, and not across "
            "restarts) or was never started here; ask without conversation_id to start a new one, or send "
            "the turns so far as history"
        )


class JobConflict(AssistantError):
    """The job is not in a state that allows what was asked (results before the end, cancel after it)."""

    http_status: ClassVar[int] = 409


# -- request and response bodies (they make the OpenAPI document) ---------------------------------


class ErrorOut(BaseModel):
    error: str = Field(description="Error type, e.g. InvalidRequest, ValidationError, UnknownDocument")
    detail: str = Field(description="What happened and what to do")
    field: str | None = Field(
        None, description="The request field at fault, e.g. question, k, box[0], document_id, files[1]"
    )


class FieldProblem(BaseModel):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldProblem] = Field(default_factory=list, description="Every field at fault")


class FileFailure(BaseModel):
    filename: str
    error: str = Field(description="Error type, e.g. UnsupportedFileType, InvalidFilename")
    reason: str
    field: str = Field(default="", description="Which part of the upload: files[N] (0-based)")


class UploadOut(BaseModel):
    added: list[DocumentRecord]
    unchanged: list[DocumentRecord] = Field(description="Files whose content was already indexed")
    failures: list[FileFailure]
    error: str = Field(
        default="", description="IngestFailed when some files could not be indexed (status 422)"
    )
    detail: str = ""


class QuestionIn(BaseModel):
    question: str = Field(
        description=f"1 to {MAX_QUESTION_CHARS} characters, English or Russian",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS},
    )
    k: int = Field(
        5, description="How many pages to retrieve", json_schema_extra={"minimum": 1, "maximum": MAX_K}
    )
    documents: list[int | str] | None = Field(None, description="Only these document ids or filenames")


class TurnIn(BaseModel):
    question: str = Field(description="An earlier question of the conversation")
    answer: str = Field("", description="What was answered to it")
    documents: list[int] = Field(
        default_factory=list,
        description="Ids of the documents that answer cited: a follow-up is searched there first",
    )


class AskIn(QuestionIn):
    history: list[TurnIn] | None = Field(
        None,
        description=f"The conversation so far, oldest first (the last {MAX_HISTORY_TURNS} turns count). "
        "A follow-up such as 'and how do I turn it off?' is resolved against it. When given, it replaces "
        "the turns the service keeps under conversation_id",
    )
    conversation_id: str | None = Field(
        None,
        description="Continue a conversation the service keeps (the id an earlier answer returned); "
        "without it a new conversation starts. Conversations live in memory: "
        f"{DEFAULT_CONVERSATION_SECONDS // 60} minutes after their last question, at most "
        f"{DEFAULT_CONVERSATIONS} of them, {MAX_HISTORY_TURNS} turns each; an expired one is a 404",
    )
    stream: bool = Field(
        False,
        description='Answer as server-sent events: `event: delta` with `{"text"}` as the answer is '
        "written, then `event: answer` with the whole answer (citations included), or `event: error` with "
        '`{"error", "detail"}` if it fails once streaming has begun',
    )


class CitationOut(BaseModel):
    document_id: int
    filename: str
    page: int
    bbox: list[float] = Field(description="x0, y0, x1, y1 in pixels of the page image")
    quote: str
    score: float
    page_width: int
    page_height: int
    image_url: str = Field(
        description="The page image with this citation's box drawn; when the service needs an API key "
        "the link is signed and expires, so a plain <img> loads it without the key"
    )


class AnswerOut(BaseModel):
    question: str
    text: str
    found: bool
    language: str
    citations: list[CitationOut]
    generator: str = Field(
        description="Which backend answered: extractive, openai, llamacpp, omnifusion, or "
        "'extractive (fallback: ...)' when the model failed and the extractive reader answered instead"
    )
    conversation_id: str = Field(description="Send it with the next question to continue this conversation")


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


JobStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


class JobOut(BaseModel):
    id: str
    status: JobStatus = Field(
        description="queued, running, done, failed, cancelled; interrupted while the service is down "
        "(it resumes when the service starts again)"
    )
    total: int = 0
    done: int = Field(
        default=0, description="Questions answered, including those answered before an interruption"
    )
    failed: int = Field(default=0, description="Questions whose row holds an error (asked again on a resume)")
    skipped: int = Field(default=0, description="Answered before the last interruption and not asked again")
    interruptions: int = Field(default=0, description="How often a shutdown or crash cut the job off")
    seconds: float = 0.0
    error: str = ""
    submitted_at: str = ""
    output_format: Literal["jsonl", "csv", ""] = ""
    results_url: str = ""
    cancel_url: str = ""


# -- JSON that never fails on what a client sent -------------------------------------------------


class SafeJSONResponse(JSONResponse):
    """JSON whose text may echo a client's input: a lone surrogate is escaped instead of failing the reply."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


def _error_body(error: str, detail: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if field is not None:
        body["field"] = field
    body.update(extra)
    return body


async def _send_json(send: Send, status_code: int, body: dict[str, Any], close: bool = False) -> None:
    response = SafeJSONResponse(body, status_code=status_code)
    headers = [(name, value) for name, value in response.raw_headers]
    if status_code == status.HTTP_401_UNAUTHORIZED:
        headers.append((b"www-authenticate", b"API-Key"))
    if close:
        # The body was not read: the connection cannot carry another request, so say it ends here.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


# -- signed page-image links -------------------------------------------------------------------


LinkCheck = Literal["absent", "valid", "expired", "forged"]


class ImageLinks:
    """Expiring HMAC-signed page-image URLs, so a plain <img> can show a cited page when auth is on.

    The signature covers the path (document and page), every `box` and the expiry; `width` is left
    out so a client may ask the same link for a thumbnail. The signing key is derived from the API
    key, so changing the key revokes every link.
    """

    def __init__(self, api_key: bytes, lifetime_seconds: int = DEFAULT_LINK_SECONDS) -> None:
        self._secret = hmac.new(api_key, b"assistant page-image links v1", hashlib.sha256).digest()
        self.lifetime_seconds = lifetime_seconds

    def _signature(self, path: str, boxes: Sequence[str], expires: int) -> str:
        message = "\n".join([path, str(expires), *boxes]).encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def url(self, document_id: int, page: int, boxes: Sequence[str], now: float | None = None) -> str:
        path = f"/v1/documents/{document_id}/pages/{page}/image"
        expires = int(time.time() if now is None else now) + self.lifetime_seconds
        query = [("box", box) for box in boxes]
        query += [("expires", str(expires)), ("sig", self._signature(path, boxes, expires))]
        return f"{path}?{urlencode(query, safe=',')}"

    def check(self, path: str, query_string: bytes, now: float | None = None) -> LinkCheck:
        # Parsed exactly as Starlette parses it for the route, so the boxes drawn are the boxes signed.
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        signatures = [value for name, value in pairs if name == "sig"]
        expiries = [value for name, value in pairs if name == "expires"]
        if not signatures and not expiries:
            return "absent"
        if len(signatures) != 1 or len(expiries) != 1 or not IMAGE_PATH.fullmatch(path):
            return "forged"
        try:
            expires = int(expiries[0])
        except ValueError:
            return "forged"
        boxes = [value for name, value in pairs if name == "box"]
        # As bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
        given = signatures[0].encode("utf-8", "replace")
        if not hmac.compare_digest(self._signature(path, boxes, expires).encode(), given):
            return "forged"
        return "valid" if (time.time() if now is None else now) <= expires else "expired"


# -- the guards in front of the application: the key first, then the size of the body --------------


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


class ApiKeyGuard:
    """Answers 401 to a /v1 request without the key before anything reads its body.

    It sits outside every other layer: an unauthenticated client must not make the service buffer,
    parse or spool a byte of what it sends. Keys are compared in constant time as bytes, so a key
    with non-ASCII bytes is simply wrong, not a crash. The health check and the API's documentation
    stay open; a page image may carry a signed link (`ImageLinks`) instead of the key.
    """

    def __init__(self, app: ASGIApp, api_key: str | None, links: ImageLinks | None = None) -> None:
        self.app = app
        self.key = api_key.encode("utf-8") if api_key else None
        self.links = links

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.key is None or self._open(scope["path"]):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-api-key")
        if given is not None and hmac.compare_digest(given, self.key):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # none today; a future one is closed too (1008: policy)
            await send({"type": "websocket.close", "code": 1008})
            return
        if self.links is not None and scope["method"] in ("GET", "HEAD"):
            verdict = self.links.check(scope["path"], scope.get("query_string", b""))
            if verdict == "valid":
                await self.app(scope, receive, send)
                return
            if verdict != "absent":
                detail = (
                    "this image link has expired; ask the question again for a fresh link, or send X-API-Key"
                    if verdict == "expired"
                    else "this image link's signature does not match (it was altered, or the service's "
                    "key has changed); ask again for a fresh link, or send X-API-Key"
                )
                name = "LinkExpired" if verdict == "expired" else "InvalidSignature"
                await _send_json(send, status.HTTP_403_FORBIDDEN, _error_body(name, detail), close=True)
                return
        detail = (
            "a valid X-API-Key header is required"
            if given is None
            else "the X-API-Key header does not hold this service's key"
        )
        await _send_json(send, status.HTTP_401_UNAUTHORIZED, _error_body("Unauthorized", detail), close=True)

    @staticmethod
    def _open(path: str) -> bool:
        return path in OPEN_PATHS or path.startswith(DOCS_ASSETS + "/")


class _BodyTooLargeError(Exception):
    pass


def _size(limit: int) -> str:
    return f"{limit / 2**20:.1f} MiB" if limit >= 2**20 else f"{limit / 2**10:.0f} KiB"


class BodyLimit:
    """Answers 413 when a request body exceeds its route's limit, by header or by counting as it streams.

    Uploads (documents, question files) get `upload_bytes`; every other body (JSON) the much smaller
    `json_bytes`, so no request can make the service hold more than that.
    """

    def __init__(self, app: ASGIApp, upload_bytes: int, json_bytes: int = DEFAULT_MAX_JSON) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.json_bytes = json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = (scope["method"], scope["path"].rstrip("/")) in UPLOAD_ROUTES
        limit = self.upload_bytes if upload else self.json_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit, upload)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
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
                    await self._reject(send, limit, upload)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLargeError:
            if not started:
                await self._reject(send, limit, upload)

    async def _reject(self, send: Send, limit: int, upload: bool) -> None:
        what = "upload" if upload else "JSON request"
        advice = "send fewer or smaller files per request" if upload else "send a smaller body"
        detail = f"the request is over the {_size(limit)} {what} limit; {advice}"
        await _send_json(
            send, status.HTTP_413_CONTENT_TOO_LARGE, _error_body("PayloadTooLarge", detail), close=True
        )


# -- uploaded file names ------------------------------------------------------------------------


def _shown(name: str, limit: int = 80) -> str:
    """A client's file name fit to quote in a message: valid UTF-8, bounded length."""
    text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def upload_name(raw: str | None, number: int) -> str:
    """The name an uploaded file is stored and listed under; `InvalidFilename` names `files[N]` if none fits.

    Folders are dropped (old browsers sent `C:\\Users\\...\\manual.pdf`); a part with no name at all
    becomes `upload-N`. Names that cannot be a file (`..`, control characters such as NUL, lone
    surrogates, over 255 bytes) are refused rather than silently changed, so the user knows.
    """
    field_name = f"files[{number}]"
    text = raw or ""
    name = re.split(r"[\\/]", text)[-1].strip()
    if not name:
        return f"upload-{number + 1}"
    if name in (".", ".."):
        raise InvalidFilename(field_name, f"{_shown(text)!r} is not a file name; give the file a name")
    control = next((char for char in name if ord(char) < 32 or ord(char) == 127), None)
    if control is not None:
        raise InvalidFilename(
            field_name,
            f"the file name {_shown(text)!r} holds the control character U+{ord(control):04X}; "
            "rename the file",
        )
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidFilename(
            field_name, f"the file name {_shown(text)!r} holds an invalid character (a lone surrogate)"
        ) from error
    if len(encoded) > MAX_FILENAME_BYTES:
        raise InvalidFilename(
            field_name,
            f"the file name {_shown(text)!r} is {len(encoded)} bytes long; at most {MAX_FILENAME_BYTES} "
            "bytes (UTF-8) are allowed; shorten it",
        )
    return name


# -- batch jobs ---------------------------------------------------------------------------------


@dataclass
class _Job:
    id: str
    directory: Path
    questions: Path
    results: Path
    state: JobOut
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    """A client cancelled it (a set `stop` without this is a shutdown)."""
    elsewhere: bool = False
    """Run by another process on the same workspace: its state is read from disk."""


def _claim(job: _Job) -> int | None:
    """An exclusive lock on the job's folder (a file descriptor), or None while another process holds it."""
    descriptor = os.open(job.directory / "run.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _release(descriptor: int) -> None:
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)


class JobBoard:
    """Batch jobs, answered one after another by a background thread; their files live in the workspace.

    A job can be cancelled (it stops between questions). Closing the board does not wait for the job:
    it is asked to stop, marked `interrupted`, and resumes from its answers file when a board opens
    the workspace again; `done` and `skipped` then count what was answered before.
    """

    def __init__(self, assistant: Assistant, root: Path, grace_seconds: float = 5.0) -> None:
        self.assistant = assistant
        self.root = root
        self.grace_seconds = grace_seconds
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._saving = threading.Lock()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._closing = threading.Event()
        self._current: _Job | None = None
        # A daemon thread: a process that exits must not wait for a question being answered.
        self._worker = threading.Thread(target=self._work, name="batch-jobs", daemon=True)
        self._load()
        self._worker.start()

    # -- the jobs on disk

    def _read(self, directory: Path) -> _Job | None:
        try:
            state = JobOut.model_validate_json((directory / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring the unreadable batch job in %s", directory)
            return None
        questions = next(iter(sorted(directory.glob("questions.*"))), directory / "questions.jsonl")
        if state.output_format:
            results = directory / f"answers.{state.output_format}"
        else:
            results = next(
                iter(sorted(directory.glob("answers.*"))), directory / f"answers{questions.suffix}"
            )
        return _Job(state.id, directory, questions, results, state)

    def _load(self) -> None:
        """Jobs of earlier runs of the service; those cut off by a shutdown or crash are queued again."""
        if not self.root.is_dir():
            return
        resumed: list[_Job] = []
        for state_file in sorted(self.root.glob("*/status.json")):
            job = self._read(state_file.parent)
            if job is None:
                continue
            self._jobs[job.id] = job
            if job.state.status not in ("queued", "running", "interrupted"):
                continue
            descriptor = _claim(job)
            if descriptor is None:  # another service on this workspace is answering it right now
                job.elsewhere = True
                continue
            _release(descriptor)
            if job.state.status == "running":  # the process died without marking it
                job.state.interruptions += 1
            if job.state.status != "queued":
                log.info("batch job %s was interrupted; resuming it", job.id)
            job.state.status = "queued"
            self._save(job)
            resumed.append(job)
        for job in sorted(resumed, key=lambda job: job.state.submitted_at):
            self._queue.put(job)

    def _save(self, job: _Job) -> None:
        with self._lock:
            text = job.state.model_dump_json(indent=2)
        with self._saving:
            temporary = job.directory / "status.json.tmp"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, job.directory / "status.json")

    # -- submitting and answering

    def submit(self, filename: str, content: Any, output_format: str | None) -> JobOut:
        suffix = Path(filename).suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise QuestionFileError(_shown(filename), "the questions file must be .jsonl or .csv")
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
            raise QuestionFileError(_shown(filename), str(error).split(": ", 1)[1], error.line) from error
        chosen = output_format or suffix.lstrip(".")
        state = JobOut(
            id=job_id,
            status="queued",
            total=len(rows),
            submitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
            output_format="csv" if chosen == "csv" else "jsonl",
            results_url=f"/v1/jobs/{job_id}/results",
            cancel_url=f"/v1/jobs/{job_id}/cancel",
        )
        job = _Job(job_id, directory, questions, directory / f"answers.{state.output_format}", state)
        with self._lock:
            self._jobs[job_id] = job
        self._save(job)
        self._queue.put(job)
        return state.model_copy()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None or self._closing.is_set():
                return
            self._run(job)

    def _run(self, job: _Job) -> None:
        descriptor = _claim(job)
        if descriptor is None:
            log.warning("batch job %s is being answered by another process; leaving it", job.id)
            job.elsewhere = True
            return
        try:
            with self._lock:
                if job.state.status != "queued" or self._closing.is_set():
                    return  # cancelled while it waited, or the service is stopping
                job.state.status = "running"
                self._current = job
            self._answer(job)
        finally:
            with self._lock:
                self._current = None
            _release(descriptor)
            job.finished.set()

    def _answer(self, job: _Job) -> None:
        try:
            questions = read_questions(job.questions)
            wanted = {question.id for question in questions}
            before = {str(row["id"]) for row in read_answers(job.results) if not row.get("error")} & wanted
            with self._lock:
                job.state.done, job.state.failed, job.state.skipped = len(before), 0, len(before)
            self._save(job)

            def count(row: dict[str, Any]) -> None:
                with self._lock:
                    if row["error"]:
                        job.state.failed += 1
                    else:
                        job.state.done += 1
                self._save(job)

            summary = answer_questions(self.assistant, questions, job.results, on_row=count, stop=job.stop)
            with self._lock:
                job.state.done = summary.done + summary.skipped
                job.state.failed, job.state.skipped = summary.failed, summary.skipped
                job.state.seconds = round(job.state.seconds + summary.seconds, 3)
                # A stop that came after the last question changes nothing: the job is done.
                if summary.done + summary.failed + summary.skipped >= summary.total:
                    job.state.status = "done"
                elif job.cancelled:
                    job.state.status = "cancelled"
                else:
                    job.state.status = "interrupted"
        except Exception as error:  # a job that dies is reported through its status, not lost in a thread
            with self._lock:
                if self._closing.is_set() and not job.cancelled:  # the workspace closed under it: it resumes
                    job.state.status = "interrupted"
                else:
                    log.exception("batch job %s failed", job.id)
                    job.state.status, job.state.error = "failed", f"{type(error).__name__}: {error}"
        self._save(job)

    # -- what clients ask for

    def get(self, job_id: str) -> _Job:
        if not JOB_ID.fullmatch(job_id):
            raise UnknownJob(job_id)
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.elsewhere:
            # Submitted to, or being answered by, another service on the same workspace.
            found = self._read(self.root / job_id) if (self.root / job_id / "status.json").is_file() else None
            if found is None:
                raise UnknownJob(job_id)
            found.elsewhere = True
            with self._lock:
                self._jobs[job_id] = job = found
        return job

    def state(self, job_id: str) -> JobOut:
        job = self.get(job_id)
        with self._lock:
            return job.state.model_copy()

    def list(self) -> list[JobOut]:
        with self._lock:
            return [job.state.model_copy() for job in self._jobs.values()]

    def cancel(self, job_id: str) -> JobOut:
        """Stop a queued or running job; a running one stops after the question it is answering."""
        job = self.get(job_id)
        if job.elsewhere:
            raise JobConflict(f"job {job_id} is run by another service on this workspace; cancel it there")
        with self._lock:
            current = job.state.status
            if current in ("done", "failed"):
                raise JobConflict(f"job {job_id} is already {current}; there is nothing to cancel")
            job.cancelled = True
            job.stop.set()
            if current in ("queued", "interrupted"):
                job.state.status = "cancelled"
        if current == "running":
            job.finished.wait(self.grace_seconds)
        else:
            self._save(job)
        return self.state(job_id)

    def close(self) -> None:
        """Stop without waiting for the job: it is marked interrupted and resumes on the next start."""
        self._closing.set()
        with self._lock:
            current = self._current
        self._queue.put(None)
        if current is None:
            return
        current.stop.set()
        # The question being answered finishes (its row is then complete on disk) unless it takes long.
        if not current.finished.wait(self.grace_seconds):
            log.warning("batch job %s is still answering a question; leaving it interrupted", current.id)
        with self._lock:
            if current.state.status in ("running", "interrupted") and not current.cancelled:
                current.state.status = "interrupted"
                current.state.interruptions += 1
        self._save(current)


# -- conversations -------------------------------------------------------------------------------


def _kept(turn: Turn) -> Turn:
    return Turn(turn.question, turn.answer[:KEPT_ANSWER_CHARS], turn.documents, turn.found)


def _turns_chars(turns: Sequence[Turn]) -> int:
    return sum(len(turn.question) + len(turn.answer) for turn in turns)


class Conversations:
    """The turns of recent conversations, in memory, bounded in count, age, turns and characters.

    Each conversation belongs to an owner (a digest of the API key that began it, when the service
    has one): another key neither reads nor continues it. Nothing survives a restart.
    """

    def __init__(
        self,
        limit: int = DEFAULT_CONVERSATIONS,
        idle_seconds: float = DEFAULT_CONVERSATION_SECONDS,
        max_chars: int = DEFAULT_CONVERSATION_CHARS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.max_chars = max_chars
        self._clock = clock
        self._lock = threading.Lock()
        # (owner, id) -> (last used, turns), least recently used first
        self._kept: OrderedDict[tuple[str, str], tuple[float, tuple[Turn, ...]]] = OrderedDict()
        self._chars = 0

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def turns(self, owner: str, conversation_id: str) -> list[Turn]:
        """The turns kept so far; `UnknownConversation` when there is no such conversation (any more)."""
        with self._lock:
            self._expire()
            kept = self._kept.get((owner, conversation_id))
        if kept is None:
            raise UnknownConversation(conversation_id)
        return list(kept[1])

    def record(self, owner: str, conversation_id: str, turns: Sequence[Turn]) -> None:
        """Keep `turns` (the last `MAX_HISTORY_TURNS`) as the conversation so far."""
        kept = tuple(_kept(turn) for turn in turns[-MAX_HISTORY_TURNS:])
        key = (owner, conversation_id)
        with self._lock:
            previous = self._kept.pop(key, None)
            if previous is not None:
                self._chars -= _turns_chars(previous[1])
            self._kept[key] = (self._clock(), kept)
            self._chars += _turns_chars(kept)
            self._expire()
            while len(self._kept) > self.limit or (self._chars > self.max_chars and len(self._kept) > 1):
                self._chars -= _turns_chars(self._kept.popitem(last=False)[1][1])

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._kept)

    def _expire(self) -> None:
        oldest = self._clock() - self.idle_seconds
        while self._kept:
            key, (used, turns) = next(iter(self._kept.items()))
            if used >= oldest:
                return
            del self._kept[key]
            self._chars -= _turns_chars(turns)


def _owner(request: Request) -> str:
    """Whose conversations a request sees: a digest of its API key (the key itself is never kept)."""
    given = request.headers.get("x-api-key")
    return hashlib.sha256(given.encode("utf-8", "surrogateescape")).hexdigest() if given else ""


def _event(name: str, data: Mapping[str, Any]) -> bytes:
    """One server-sent event; the data is one line of JSON (JSON escapes every line break)."""
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        encoded = f"event: {name}\ndata: {text}\n\n".encode()
    except UnicodeEncodeError:  # text a client or a model sent with a lone surrogate: escape it
        text = json.dumps(data, ensure_ascii=True, allow_nan=False)
        encoded = f"event: {name}\ndata: {text}\n\n".encode()
    return encoded


_END = object()


class EventStream(StreamingResponse):
    """Server-sent events whose source is closed however the response ends, a client gone included
    (Starlette leaves an unfinished body iterator to the garbage collector)."""

    media_type = "text/event-stream"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()


async def _answer_events(
    first: AnswerDelta | Answer,
    rest: Iterator[AnswerDelta | Answer],
    finish: Callable[[Answer], dict[str, Any]],
) -> AsyncIterator[bytes]:
    """The answer as server-sent events; each next piece is waited for in the thread pool.

    Once the first event is out the status is sent, so a failure becomes an `error` event. When the
    client goes away, the answer's iterator is closed, which stops the model's reply.
    """
    from starlette.concurrency import run_in_threadpool

    item: object = first
    try:
        while item is not _END:
            if isinstance(item, Answer):
                yield _event("answer", finish(item))
            elif isinstance(item, AnswerDelta):
                yield _event("delta", {"text": item.text})
            item = await run_in_threadpool(next, rest, _END)
    except Exception as error:
        if isinstance(error, AssistantError):
            log.error("POST /v1/ask (streaming): %s: %s", type(error).__name__, error)
            body = _error_body(type(error).__name__, str(error))
        else:
            log.error("POST /v1/ask (streaming) failed", exc_info=error)
            body = _error_body("InternalError", "the service failed on this request; its log has the details")
        yield _event("error", body)
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


# -- the application ------------------------------------------------------------------------------


def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


def _jobs(request: Request) -> JobBoard:
    return request.app.state.jobs  # type: ignore[no-any-return]


# Module level: with postponed annotations FastAPI resolves these names in the module's globals.
Client = Annotated[Assistant, Depends(_assistant)]
Jobs = Annotated[JobBoard, Depends(_jobs)]
DocumentId = Annotated[int, PathParameter(ge=1, le=MAX_DOCUMENT_ID, description="A document's id")]
PageNumber = Annotated[int, PathParameter(ge=1, le=MAX_PAGE, description="1-based page number")]
# The key itself is checked by `ApiKeyGuard` before the body is read; this only documents it (the
# "Authorize" button of /docs).
documented_key = Security(APIKeyHeader(name="X-API-Key", auto_error=False))


def _field_name(location: Iterable[Any]) -> str:
    """('body', 'files', 0) -> 'files[0]'; ('query', 'box', 1) -> 'box[1]'; ('body',) -> 'body'."""
    parts = list(location)
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_error_body(errors: Sequence[Any]) -> dict[str, Any]:
    """FastAPI's validation errors as `{"error": "ValidationError", "detail", "field", "errors"}`.

    The client's input is never echoed: it may be megabytes, or text that cannot be encoded.
    """
    problems = []
    for error in errors:
        message = str(error.get("msg", "is not valid"))
        location = error.get("loc", ())
        if error.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would be.
            reason = (error.get("ctx") or {}).get("error") or "not JSON"
            position = location[1] if len(location) > 1 else "?"
            message, location = f"{message} at character {position} ({reason})", ("body",)
        problems.append(FieldProblem(field=_field_name(location), message=message))
    if not problems:
        problems.append(FieldProblem(field="body", message="the request is not valid"))
    detail = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
    body = ValidationErrorOut(
        error="ValidationError", detail=detail, field=problems[0].field, errors=problems
    ).model_dump()
    return body


def create_app(
    workspace: str | Path,
    api_key: str | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    max_json_bytes: int = DEFAULT_MAX_JSON,
    link_seconds: int = DEFAULT_LINK_SECONDS,
    settings: Mapping[str, Any] | None = None,
    conversations: Conversations | None = None,
) -> FastAPI:
    """The REST app over one workspace; `api_key` (or $ASSISTANT_API_KEY) makes every /v1 call need it.

    `settings` are `Assistant` keyword settings (e.g. `generator="openai"`, `generator_url=...`);
    the environment and the workspace's config.json fill in the rest.
    """
    key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV)) or None
    links = ImageLinks(key.encode("utf-8"), link_seconds) if key else None
    root = Path(workspace)
    chosen = dict(settings or {})
    kept = conversations if conversations is not None else Conversations()
    # One writer: uploads and deletes queue here, in the threadpool, while reads go on concurrently.
    write_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from starlette.concurrency import run_in_threadpool

        one_native_thread_per_request()
        assistant = await run_in_threadpool(partial(Assistant, root, **chosen))
        # Load the embedder and indexes now, so the first user does not wait for them; build the
        # generator too, so that a missing model file or extra stops the start, not the first question.
        await run_in_threadpool(assistant.search, "warm up", 1)
        # The bilingual lexicon (read, or loaded from its cache: up to a second) for cross-lingual questions.
        await run_in_threadpool(lexicon)
        generator = await run_in_threadpool(lambda: assistant.generator)
        log.info("answering with the %s generator", generator.name)
        app.state.assistant = assistant
        app.state.jobs = await run_in_threadpool(JobBoard, assistant, assistant.workspace.root / "jobs")
        log.info("serving %s (%d documents)", assistant.workspace.root, len(assistant.documents()))
        try:
            yield
        finally:
            app.state.jobs.close()
            assistant.close()

    # Swagger UI and ReDoc are served from the fastapi-offline package: /docs works with no internet.
    app = FastAPIOffline(
        title="Document assistant",
        version="1",
        description="Cited answers from manuals (PDF) and screenshots, in English and Russian. Every answer "
        "points at a rectangle on a page.\n\nEvery /v1 call except /v1/health needs the `X-API-Key` "
        'header when the service has a key. Errors are JSON `{"error", "detail"}` (and `field` when '
        "one request field is at fault), validation errors included.",
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
        swagger_ui_parameters={"validatorUrl": None},
        default_response_class=SafeJSONResponse,
    )
    app.add_middleware(BodyLimit, upload_bytes=max_upload_bytes, json_bytes=max_json_bytes)
    app.add_middleware(ApiKeyGuard, api_key=key, links=links)

    secured = [documented_key]
    problem = {"model": ErrorOut}
    errors: dict[int | str, dict[str, Any]] = {
        400: problem,
        401: problem,
        404: problem,
        413: problem,
        422: {"model": ValidationErrorOut, "description": "A request field is invalid; `field` names it"},
    }

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, error: AssistantError) -> JSONResponse:
        status_code = error.http_status
        if status_code >= 500:
            log.error("%s %s: %s: %s", request.method, request.url.path, type(error).__name__, error)
        body = _error_body(type(error).__name__, str(error), getattr(error, "field", None))
        return SafeJSONResponse(body, status_code=status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return SafeJSONResponse(
            validation_error_body(error.errors()), status_code=status.HTTP_422_UNPROCESSABLE_ENTITY
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        try:
            name = http.HTTPStatus(error.status_code).phrase.title().replace(" ", "").replace("-", "")
        except ValueError:
            name = "HTTPError"
        response = SafeJSONResponse(_error_body(name, str(error.detail)), status_code=error.status_code)
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        detail = "the service failed on this request; its log has the details"
        return SafeJSONResponse(_error_body("InternalError", detail), status_code=500)

    @app.get("/v1/health", tags=["service"])
    def health(client: Client) -> dict[str, Any]:
        """Liveness, what the workspace holds and which generator answers (no API key needed)."""
        return {"status": "ok", **client.workspace.counts(), "generator": client.generator_settings.generator}

    @app.post(
        "/v1/documents",
        tags=["documents"],
        dependencies=secured,
        response_model=UploadOut,
        status_code=status.HTTP_201_CREATED,
        responses={
            **errors,
            200: {"model": UploadOut, "description": "Every file was already indexed"},
            422: {
                "model": UploadOut | ValidationErrorOut,
                "description": "Some files could not be indexed (named in `failures`, the others were "
                "indexed); a malformed request gets the ValidationErrorOut shape instead",
            },
        },
    )
    def upload(
        client: Client, files: Annotated[list[UploadFile], File(description="PDFs and images")]
    ) -> UploadOut | JSONResponse:
        """Index several files; bad ones are named in `failures` (422) and the good ones indexed anyway."""
        failures: list[tuple[int, FileFailure]] = []
        with tempfile.TemporaryDirectory(prefix="upload-") as scratch:
            paths = []
            for number, upload in enumerate(files):
                try:
                    name = upload_name(upload.filename, number)
                except InvalidFilename as error:
                    shown = _shown(upload.filename or "", 300)
                    reason = str(error).split(": ", 1)[1]
                    failures.append(
                        (
                            number,
                            FileFailure(
                                filename=shown, error=type(error).__name__, reason=reason, field=error.field
                            ),
                        )
                    )
                    continue
                # One folder per file keeps the user's filename (the catalog shows it) and allows duplicates.
                target = Path(scratch) / str(number) / name
                target.parent.mkdir()
                with target.open("wb") as handle:
                    shutil.copyfileobj(upload.file, handle)
                paths.append(target)
            report = AddReport()
            if paths:
                with write_lock:
                    report = client.add_report(paths)
        for failure in report.failures:
            number = int(Path(failure.path).parent.name)
            failures.append(
                (
                    number,
                    FileFailure(
                        filename=Path(failure.path).name,
                        error=type(failure).__name__,
                        reason=failure.reason,
                        field=f"files[{number}]",
                    ),
                )
            )
        result = UploadOut(
            added=list(report.added),
            unchanged=list(report.unchanged),
            failures=[failure for _, failure in sorted(failures, key=lambda pair: pair[0])],
        )
        if result.failures:
            names = ", ".join(failure.filename for failure in result.failures)
            result.error = "IngestFailed"
            result.detail = f"{len(result.failures)} file(s) could not be indexed: {names}"
            return SafeJSONResponse(result.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if not report.added:
            return SafeJSONResponse(result.model_dump(), status_code=status.HTTP_200_OK)
        return result

    @app.get("/v1/documents", tags=["documents"], dependencies=secured, responses=errors)
    def list_documents(client: Client) -> list[DocumentRecord]:
        return list(client.documents())

    def find(client: Assistant, document_id: int) -> DocumentRecord:
        record = client.workspace.document(document_id)
        if record is None:
            raise UnknownDocument([document_id])
        return record

    @app.get("/v1/documents/{document_id}", tags=["documents"], dependencies=secured, responses=errors)
    def get_document(client: Client, document_id: DocumentId) -> DocumentRecord:
        return find(client, document_id)

    @app.delete(
        "/v1/documents/{document_id}",
        tags=["documents"],
        dependencies=secured,
        status_code=status.HTTP_204_NO_CONTENT,
        responses=errors,
    )
    def delete_document(client: Client, document_id: DocumentId) -> Response:
        with write_lock:
            deleted = client.delete(document_id)
        if not deleted:
            raise UnknownDocument([document_id])
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get(
        "/v1/documents/{document_id}/pages/{page}/image",
        tags=["documents"],
        dependencies=secured,
        response_class=Response,
        responses={
            **errors,
            200: {"content": {"image/png": {}}, "description": "PNG of the page"},
            403: {"model": ErrorOut, "description": "A signed link that expired or was altered"},
        },
    )
    def page_image(
        client: Client,
        document_id: DocumentId,
        page: PageNumber,
        box: Annotated[
            list[str], Query(description="x0,y0,x1,y1 in page pixels; repeat for more (at most 50)")
        ] = [],  # noqa: B006
        width: Annotated[int | None, Query(ge=32, le=4000, description="Scale down to this width")] = None,
        expires: Annotated[int | None, Query(description="Signed links: when the link expires")] = None,
        sig: Annotated[
            str | None, Query(description="Signed links: the signature (instead of the key)")
        ] = None,
    ) -> Response:
        """The page as indexed, with the given boxes (a citation's `bbox`) drawn on it.

        Boxes are clipped to the page; one wholly off the page is a 422 naming it. Drawing runs in
        the thread pool (this is a plain function), never on the event loop.
        """
        find(client, document_id)
        try:
            path = client.page_image(document_id, page)
        except WorkspaceError as error:
            raise UnknownPage(str(error)) from error
        boxes = page_boxes(box, page_size(path))
        if not boxes and width is None:
            return FileResponse(path, media_type="image/png")
        return Response(draw_boxes(path, boxes, width), media_type="image/png")

    def documents_filter(client: Assistant, body: QuestionIn) -> set[int] | None:
        return resolve_documents(body.documents, client.documents()) if body.documents else None

    @app.post("/v1/search", tags=["questions"], dependencies=secured, responses=errors)
    def search(client: Client, body: QuestionIn) -> SearchOut:
        """Ranked pages with their evidence passages."""
        question, k = checked_question(body.question), checked_k(body.k)
        hits = client.search(question, k, documents_filter(client, body))
        return SearchOut(question=question, hits=[HitOut(**hit_payload(hit)) for hit in hits])

    model_errors: dict[int | str, dict[str, Any]] = {
        500: {
            "model": ErrorOut,
            "description": "GeneratorConfigError: the generator settings cannot be used",
        },
        502: {"model": ErrorOut, "description": "GeneratorRejected: the model server refused the request"},
        503: {
            "model": ErrorOut,
            "description": "GeneratorUnavailable: the model server is down, timing out or failing (only "
            "with generator_fallback=none; otherwise the extractive reader answers)",
        },
    }

    def answered(owner: str, conversation_id: str, history: list[Turn], answer: Answer) -> dict[str, Any]:
        """The answer's payload with its image links; the conversation keeps the turn."""
        kept.record(owner, conversation_id, [*history, Turn.from_answer(answer)])
        payload = answer_payload(answer)
        now = time.time()
        for citation in payload["citations"]:
            document_id, page = citation["document_id"], citation["page"]
            bbox = ",".join(f"{value:g}" for value in citation["bbox"])
            citation["image_url"] = (
                links.url(document_id, page, [bbox], now)
                if links is not None
                else f"/v1/documents/{document_id}/pages/{page}/image?box={bbox}"
            )
        return AnswerOut(**payload, conversation_id=conversation_id).model_dump()

    @app.post(
        "/v1/ask",
        tags=["questions"],
        dependencies=secured,
        response_model=AnswerOut,
        responses={
            **errors,
            **model_errors,
            200: {
                "description": "The answer; with `stream: true`, server-sent events (`delta`..., then "
                "`answer`, or `error`)",
                "content": {
                    "text/event-stream": {
                        "schema": {"type": "string"},
                        "example": 'event: delta\ndata: {"text": "Descale it every "}\n\n'
                        'event: delta\ndata: {"text": "three months."}\n\n'
                        'event: answer\ndata: {"question": "...", "text": "Descale it every three months.", '
                        '"found": true, "citations": [...], "conversation_id": "..."}\n\n',
                    }
                },
            },
            404: {"model": ErrorOut, "description": "An unknown document, or a conversation that expired"},
        },
    )
    def ask(client: Client, body: AskIn, request: Request) -> AnswerOut | EventStream:
        """The answer with its citations (document, page, box, quote), or found=false.

        In a conversation (`conversation_id`, or `history`), a follow-up is answered in the context of
        the turns before it: the model reads them, and for the extractive reader the follow-up is
        rewritten with the previous question's subject and searched in its documents first. Every
        answer returns the `conversation_id` to continue with. With `stream: true` the answer comes as
        server-sent events; errors found before the first event are plain JSON with their status.
        """
        question, k = checked_question(body.question), checked_k(body.k)
        owner = _owner(request)
        if body.conversation_id is not None and not CONVERSATION_ID.fullmatch(body.conversation_id):
            raise InvalidRequest(
                "conversation_id", "is not an id this service gives out (32 hexadecimal digits)"
            )
        history: list[Turn] = []
        if body.history is not None:  # the client's turns replace what is kept (an expired id is no matter)
            history = [Turn(t.question, t.answer, tuple(t.documents)) for t in body.history]
        elif body.conversation_id is not None:
            history = kept.turns(owner, body.conversation_id)
        conversation_id = body.conversation_id or kept.new_id()
        items = client.ask_stream(question, k, documents_filter(client, body), history)
        if not body.stream:
            final = [item for item in items if isinstance(item, Answer)]
            if not final:  # a backend that broke the streaming contract
                raise GeneratorError(f"the {client.generator.name} generator ended without an answer")
            return AnswerOut(**answered(owner, conversation_id, history, final[-1]))
        # The first piece is waited for here, in the thread pool: retrieval and the model's first
        # words. A failure up to there is an ordinary JSON error with its status.
        first = next(items, None)
        if first is None:  # a backend that broke the streaming contract
            raise GeneratorError(f"the {client.generator.name} generator ended without an answer")
        return EventStream(
            _answer_events(first, items, partial(answered, owner, conversation_id, history)),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post(
        "/v1/jobs",
        tags=["batch"],
        dependencies=secured,
        status_code=status.HTTP_202_ACCEPTED,
        responses=errors,
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

    @app.post(
        "/v1/jobs/{job_id}/cancel",
        tags=["batch"],
        dependencies=secured,
        responses={**errors, 409: {"model": ErrorOut, "description": "The job had already finished"}},
    )
    def cancel_job(board: Jobs, job_id: str) -> JobOut:
        """Cancel a queued or running job; a running one stops after its current question.

        The answers written so far stay available from its results URL.
        """
        return board.cancel(job_id)

    @app.get(
        "/v1/jobs/{job_id}/results",
        tags=["batch"],
        dependencies=secured,
        response_class=FileResponse,
        responses={**errors, 409: {"model": ErrorOut}},
    )
    def job_results(board: Jobs, job_id: str) -> FileResponse:
        """The answers file (.jsonl or .csv) once the job is done (or what a cancelled one answered)."""
        job = board.get(job_id)
        state = board.state(job_id)
        if state.status not in ("done", "cancelled"):
            raise JobConflict(f"job {job_id} is {state.status}; poll until it is done")
        if not job.results.exists():
            raise JobConflict(f"job {job_id} was {state.status} before answering any question")
        media_type = "text/csv" if job.results.suffix == ".csv" else "application/x-ndjson"
        return FileResponse(
            job.results, media_type=media_type, filename=f"answers-{job_id}{job.results.suffix}"
        )

    return app


# -- running it ---------------------------------------------------------------------------------


def serve(
    workspace: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_key: str | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    insecure: bool = False,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Run the REST service with uvicorn until interrupted (API key also from $ASSISTANT_API_KEY).

    `settings` are `Assistant` keyword settings, such as the generator's (`create_app`).

    Listening beyond loopback without a key raises `InsecureExposure` unless `insecure` (or
    $ASSISTANT_INSECURE=1) says it is meant; then the log says so loudly.
    """
    import uvicorn

    key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV)) or None
    check_exposure(
        host,
        protected=key is not None,
        insecure=True if insecure else None,
        door="REST service",
        risk="without an API key",
        remedy=f"Set {API_KEY_ENV} (or --api-key)",
    )
    app = create_app(workspace, key or "", max_upload_bytes, settings=settings)
    # Requests still open after a SIGTERM get this long; batch jobs never hold the shutdown up.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=10)
