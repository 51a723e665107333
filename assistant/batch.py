"""Batch question answering: a .jsonl/.csv of questions in, answers with citations out, resumable."""

from __future__ import annotations

import csv
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.concurrency import one_native_thread_per_request
from assistant.limits import MAX_K
from assistant.payloads import answer_payload, resolve_documents
from assistant.sdk import Assistant
from indexer.distributed import ray_connection
from indexer.errors import AssistantError

log = logging.getLogger(__name__)

OUTPUT_FIELDS = ("id", "question", "answer", "found", "language", "citations", "latency_ms", "error")
FORMATS = (".jsonl", ".csv")
CSV_TRUE, CSV_FALSE = "true", "false"
"""How `found` is spelled in CSV output: what spreadsheets and JSON-minded tools read as booleans."""


class QuestionFileError(AssistantError):
    """The questions file (or a line of it) cannot be read; names the file and the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{Path(path).name}, line {line}" if line is not None else Path(path).name
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    documents: tuple[int | str, ...] | None = None
    """Document ids or filenames the answer must come from; None searches every document."""
    k: int = 5
    line: int = 0


@dataclass
class BatchSummary:
    total: int = 0
    done: int = 0
    skipped: int = 0
    """Questions already answered in the output file by an earlier run (resumed)."""
    failed: int = 0
    seconds: float = 0.0
    out: Path = field(default_factory=Path)

    @property
    def questions_per_second(self) -> float:
        answered = self.done + self.failed
        return answered / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        """One line for people: what was answered, what failed, where the answers are."""
        line = (
            f"answered {self.done} of {self.total} question(s) ({self.failed} failed, "
            f"{self.skipped} skipped from an earlier run) in {self.seconds:.1f} s → {self.out}"
        )
        if self.failed:
            line += "; each failed row names its error, and running the same command again retries them"
        return line


Row = dict[str, Any]
RowCallback = Callable[[Row], None]


# -- reading questions ---------------------------------------------------------------------------


def _check_format(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise QuestionFileError(
            path, f"{what} must be .jsonl or .csv, not {suffix or 'a file without suffix'!r}"
        )
    return suffix


def _document_filter(value: Any, path: Path, line: int) -> tuple[int | str, ...] | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise QuestionFileError(
                    path, f"documents {text!r} is not a JSON list ({error.msg})", line
                ) from error
        else:
            value = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, int | str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, int | str) and not isinstance(v, bool) for v in value
    ):
        raise QuestionFileError(path, "documents must be document ids or filenames (a list, or '1;2')", line)
    return tuple(value)


def _question(record: dict[str, Any], path: Path, line: int) -> Question:
    identifier = record.get("id")
    if identifier is None or str(identifier).strip() == "":
        raise QuestionFileError(path, "every row needs an 'id' (resuming uses it)", line)
    text = record.get("question")
    if not isinstance(text, str) or not text.strip():
        raise QuestionFileError(path, "the 'question' is missing or empty", line)
    documents = record.get("documents")
    if documents is None:
        documents = record.get("document", record.get("doc"))
    k_value = record.get("k") or 5
    try:
        k = int(k_value)
    except (TypeError, ValueError) as error:
        raise QuestionFileError(path, f"k must be a whole number, not {k_value!r}", line) from error
    if not 1 <= k <= MAX_K:
        raise QuestionFileError(path, f"k must be between 1 and {MAX_K}, not {k}", line)
    return Question(str(identifier).strip(), text.strip(), _document_filter(documents, path, line), k, line)


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = _check_format(path, "the questions file")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise QuestionFileError(path, f"cannot be opened ({error.strerror}); check the path") from error
    with handle:
        try:
            if suffix == ".csv":
                reader = csv.DictReader(handle)
                if reader.fieldnames is None or not {"id", "question"} <= set(reader.fieldnames):
                    raise QuestionFileError(path, "the CSV header must have 'id' and 'question' columns", 1)
                for record in reader:
                    if None in record:
                        raise QuestionFileError(
                            path, "the row has more cells than the header", reader.line_num
                        )
                    yield reader.line_num, dict(record)
                return
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise QuestionFileError(path, f"not valid JSON ({error.msg})", number) from error
                if not isinstance(record, dict):
                    raise QuestionFileError(path, "each line must be a JSON object", number)
                yield number, record
        except UnicodeDecodeError as error:
            raise QuestionFileError(path, "is not UTF-8 text; save it as UTF-8") from error


def read_questions(path: str | Path) -> list[Question]:
    """Rows of a .jsonl or .csv file; `QuestionFileError` names the file and line of the first bad row."""
    path = Path(path)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for line, record in _records(path):
        question = _question(record, path, line)
        if question.id in seen:
            raise QuestionFileError(
                path, f"id {question.id!r} was already used on line {seen[question.id]}", line
            )
        seen[question.id] = line
        questions.append(question)
    return questions


# -- answering -----------------------------------------------------------------------------------


def answer_row(assistant: Assistant, question: Question) -> Row:
    """One output row; a failing question becomes a row with its error rather than stopping the job."""
    started = time.perf_counter()
    row: Row = {"id": question.id, "question": question.question}
    try:
        documents = (
            resolve_documents(question.documents, assistant.documents()) if question.documents else None
        )
        answer = answer_payload(assistant.ask(question.question, k=question.k, documents=documents))
        row.update(answer=answer["text"], found=answer["found"], language=answer["language"])
        row["citations"] = [
            {key: citation[key] for key in ("document_id", "filename", "page", "bbox", "quote", "score")}
            for citation in answer["citations"]
        ]
        row["error"] = ""
    except Exception as error:  # recorded in its row; the job goes on
        if not isinstance(error, AssistantError):
            log.exception("question %s failed", question.id)
        row.update(
            answer="", found=False, language="", citations=[], error=f"{type(error).__name__}: {error}"
        )
    row["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return row


class AnswerWriter:
    """Appends rows to a .jsonl or .csv file, flushed per row so an interrupted job can resume."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.suffix = _check_format(path, "the output file")
        self._lock = threading.Lock()
        self._handle = path.open("a", encoding="utf-8", newline="")
        self._csv: csv.DictWriter[str] | None = None
        if self.suffix == ".csv":
            self._csv = csv.DictWriter(self._handle, fieldnames=OUTPUT_FIELDS, extrasaction="ignore")
            if path.stat().st_size == 0:
                self._csv.writeheader()

    def write(self, row: Row) -> None:
        with self._lock:
            if self._csv is not None:
                self._csv.writerow(
                    {
                        **row,
                        "found": CSV_TRUE if row["found"] else CSV_FALSE,
                        "citations": json.dumps(row["citations"], ensure_ascii=False),
                    }
                )
            else:
                self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def read_answers(path: str | Path) -> list[Row]:
    """Rows of an output file (citations decoded, `found` a bool); rows cut off by a crash are dropped."""
    path = Path(path)
    if not path.exists():
        return []
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as handle:
        if _check_format(path, "the output file") == ".csv":
            for record in csv.DictReader(handle):
                try:
                    citations = json.loads(record.get("citations") or "[]")
                except json.JSONDecodeError:
                    continue
                # "True" is how files written before `true`/`false` spell it; both read back.
                found = (record.get("found") or "").strip().lower() == CSV_TRUE
                rows.append({**record, "found": found, "citations": citations})
        else:
            for line in handle:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    log.warning("%s: dropping a line cut off by an earlier run", path)
    return rows


def _resume(out: Path) -> set[str]:
    """Keep the answered rows of an earlier run; failed ones are dropped so they are asked again."""
    if not out.exists() or out.stat().st_size == 0:
        return set()
    kept = [row for row in read_answers(out) if row.get("id") and not row.get("error")]
    temporary = out.with_name(f".{out.stem}.resume{out.suffix}")
    temporary.unlink(missing_ok=True)
    writer = AnswerWriter(temporary)
    try:
        for row in kept:
            writer.write(row)
    finally:
        writer.close()
    os.replace(temporary, out)
    return {str(row["id"]) for row in kept}


def answer_questions(
    assistant: Assistant,
    questions: Sequence[Question],
    out: Path,
    workers: int = 1,
    progress: bool = False,
    on_row: RowCallback | None = None,
    stop: threading.Event | None = None,
) -> BatchSummary:
    """Answer the questions not yet in `out` with one shared `Assistant` and `workers` threads.

    Setting `stop` ends the job between questions (a cancel, or a server shutting down): the rows
    written so far stay, so answering the same questions into `out` again resumes where it stopped.
    """
    return _run(
        questions,
        out,
        progress,
        on_row,
        lambda pending, emit: _local(assistant, pending, workers, emit, stop),
    )


def _run(
    questions: Sequence[Question],
    out: Path,
    progress: bool,
    on_row: RowCallback | None,
    execute: Callable[[list[Question], RowCallback], None],
) -> BatchSummary:
    from tqdm import tqdm

    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    done_ids = _resume(out)
    pending = [q for q in questions if q.id not in done_ids]
    summary = BatchSummary(total=len(questions), skipped=len(questions) - len(pending), out=out)
    if summary.skipped:
        log.info("resuming %s: %d of %d question(s) already answered", out, summary.skipped, summary.total)
    writer = AnswerWriter(out)
    bar = tqdm(total=len(pending), unit="q", desc="answering", disable=not progress, dynamic_ncols=True)

    def emit(row: Row) -> None:
        writer.write(row)
        if row["error"]:
            summary.failed += 1
        else:
            summary.done += 1
        bar.update(1)
        if on_row is not None:
            on_row(row)

    try:
        execute(pending, emit)
    finally:
        bar.close()
        writer.close()
        summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _local(
    assistant: Assistant,
    pending: list[Question],
    workers: int,
    emit: RowCallback,
    stop: threading.Event | None = None,
) -> None:
    one_native_thread_per_request()

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    if workers <= 1:
        for question in pending:
            if stopped():
                return
            emit(answer_row(assistant, question))
        return
    # Threads share one Assistant: its readers are safe concurrently and the heavy work
    # (embedding, FAISS, SQLite) runs in native code that releases the GIL.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as pool:
        running: set[Future[Row]] = set()
        for question in pending:
            if stopped():
                break
            running.add(pool.submit(answer_row, assistant, question))
            if len(running) >= workers * 4:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    emit(future.result())
        for future in running:
            # On a stop, questions not started yet are dropped; those being answered are kept.
            if stopped() and future.cancel():
                continue
            emit(future.result())


def _ray(
    workspace: Path,
    pending: list[Question],
    workers: int,
    address: str,
    emit: RowCallback,
    settings: Mapping[str, Any],
) -> None:
    """The same job on a Ray cluster: one actor per worker, each with its own `Assistant`.

    The workspace path must be readable by every node (a shared file system), and the catalog
    reachable from them (PostgreSQL via ASSISTANT_DATABASE_URL for a multi-node cluster); so must
    the model server of a model-backed generator.
    """
    import ray
    from ray.util import ActorPool

    @ray.remote(num_cpus=1)
    class AnswerActor:
        def __init__(self, root: str, settings: dict[str, Any]) -> None:
            one_native_thread_per_request()
            self.assistant = Assistant(root, create=False, **settings)

        def answer(self, question: Question) -> Row:
            return answer_row(self.assistant, question)

    with ray_connection(address, max(workers, 1)):
        actors = [AnswerActor.remote(str(workspace), dict(settings)) for _ in range(max(workers, 1))]  # type: ignore[attr-defined]
        pool = ActorPool(actors)
        for row in pool.map_unordered(lambda actor, question: actor.answer.remote(question), pending):
            emit(row)
        for actor in actors:
            ray.kill(actor)


def run_batch(
    workspace: str | Path,
    questions: Path,
    out: Path,
    workers: int = 1,
    ray_address: str | None = None,
    progress: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> BatchSummary:
    """Answer every question of `questions` into `out` (.jsonl or .csv), skipping ids already answered.

    `settings` are `Assistant` keyword settings (e.g. `generator="openai"`), for every worker.
    """
    questions, out = Path(questions), Path(out)
    settings = dict(settings or {})
    _check_format(out, "the output file")
    rows = read_questions(questions)
    if ray_address:
        root = Path(workspace).expanduser().resolve()
        # Fail here, not in every actor, if the workspace or the generator settings cannot be used.
        with Assistant(root, create=False, **settings):
            pass
        summary = _run(
            rows,
            out,
            progress,
            None,
            lambda pending, emit: _ray(root, pending, workers, ray_address, emit, settings),
        )
    else:
        with Assistant(workspace, create=False, **settings) as assistant:
            summary = answer_questions(assistant, rows, out, workers, progress)
    log.info(
        "batch %s: %d answered, %d failed, %d skipped in %.1fs",
        out,
        summary.done,
        summary.failed,
        summary.skipped,
        summary.seconds,
    )
    return summary
