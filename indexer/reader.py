"""Untrusted files are read in a child process with a memory and a time limit, so no file takes the machine.

A PDF of a few hundred bytes can ask pdfium for gigabytes (a huge page, a Flate bomb in a content
stream, a soft mask of 30000 x 30000 px), and no header check sees every case. So every file is read
(pages, text layer, rendering, OCR) by `python -m indexer.reader`, a child whose address space is
capped (RLIMIT_AS) and whose progress is timed by the parent; when it dies or stalls, the file gets a
`ResourceLimitExceeded` naming it and the next file gets a fresh child. Pages stream back one by one.

This is a boundary for resources, not for security: the child runs as the same user.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import logging
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Self

from indexer.errors import (
    AssistantError,
    DocumentError,
    EmptyDocument,
    IndexingFailed,
    MissingFile,
    ResourceLimitExceeded,
    UnreadableFile,
)
from indexer.pipeline import ExtractedDocument, ExtractedPage, extract_pages, file_sha256
from indexer.settings import IndexSettings
from indexer.sniff import sniff_media_type

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parents[1]
MAX_IDLE_READERS = 2
READER_START_TIMEOUT_S = 300.0
"""A fresh child imports pdfium, Pillow and numpy first: slow on a loaded machine, never this slow."""
RETIRE_ABOVE_SHARE = 0.5
"""A child still holding more than this share of its memory limit after a file is replaced."""


@dataclass(frozen=True)
class ReadRequest:
    path: str
    media_type: str
    settings: IndexSettings
    spool: str | None


@dataclass(frozen=True)
class Unchanged:
    """A file whose content the workspace already holds (by sha256): nothing to read."""

    path: Path
    sha256: str


Outcome = ExtractedDocument | Unchanged | DocumentError
"""What became of one file: its pages, 'already indexed', or the typed error naming it."""


def identify(path: Path) -> tuple[str, str, int]:
    """(media type, sha256, size) of a file about to be added, or the typed error saying why it cannot be."""
    try:
        if not path.is_file():
            raise MissingFile(path)
        size = path.stat().st_size
        if size == 0:
            raise EmptyDocument(path, "the file is empty (0 bytes)")
        return sniff_media_type(path), file_sha256(path), size
    except FileNotFoundError as error:
        raise MissingFile(path) from error
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from error


# -- the child process ------------------------------------------------------------------------


class ReaderDied(Exception):
    """The child process ended (killed for memory, crashed) or its connection broke."""


class ReaderProcess:
    """One `python -m indexer.reader` child, spoken to over a socket pair."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        python_path = os.environ.get("PYTHONPATH", "")
        env = {
            **os.environ,
            # The child imports this very checkout, whatever the current directory.
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPOSITORY), python_path) if p),
            # Thread pools and malloc arenas reserve address space that the memory limit counts.
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2",
        }
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "indexer.reader", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # Damaged files make libtiff and pdfium complain on stderr; the reader's own words
                # come through logging. Debugging a reader shows them all.
                stderr=None if log.isEnabledFor(logging.DEBUG) else subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        finally:
            theirs.close()
        self.connection = Connection(ours.detach())
        self.owner = os.getpid()

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None and not self.connection.closed

    def send(self, request: ReadRequest) -> None:
        try:
            self.connection.send(request)
        except OSError as error:
            raise ReaderDied(str(error)) from error

    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        """The child's next message, or None when none came within `timeout` seconds."""
        try:
            if not self.connection.poll(max(0.0, timeout)):
                return None
            message: tuple[Any, ...] = self.connection.recv()
            return message
        except (EOFError, OSError) as error:
            raise ReaderDied(str(error)) from error

    def exit_status(self) -> str:
        """How the child ended, in words (it is waited for)."""
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def kill(self) -> None:
        if self.owner != os.getpid():
            return  # a forked copy of the parent: the child is not ours to stop
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.connection.close()

    def close(self) -> None:
        """Let an idle child end by itself (it exits when its connection closes)."""
        if self.owner != os.getpid():
            return
        self.connection.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()


_idle: list[ReaderProcess] = []
_idle_lock = threading.Lock()


def _lease() -> ReaderProcess:
    with _idle_lock:
        while _idle:
            reader = _idle.pop()
            if reader.alive():
                return reader
            reader.kill()
    return ReaderProcess()


def _give_back(reader: ReaderProcess) -> None:
    if reader.alive():
        with _idle_lock:
            if len(_idle) < MAX_IDLE_READERS:
                _idle.append(reader)
                return
        reader.close()
    else:
        reader.kill()


@atexit.register
def _close_idle() -> None:
    with _idle_lock:
        while _idle:
            _idle.pop().close()


def _forget_idle() -> None:
    # In a forked child of this process the idle readers belong to the parent.
    _idle.clear()


os.register_at_fork(after_in_child=_forget_idle)


# -- reading a list of files, one ahead of the caller ------------------------------------------


@dataclass
class _Job:
    path: Path
    document: ExtractedDocument
    started: float
    last_message: float
    spool: Path | None
    pages: int = 0
    accepted: bool = False
    """The child has started on it: the time limits count from then, not from a fresh child's start."""

    def limit(self, settings: IndexSettings) -> tuple[float, str]:
        """When the child's next message is due (monotonic clock), and what it means if none comes."""
        if not self.accepted:
            return self.started + READER_START_TIMEOUT_S, (
                f"the reader process did not start within {READER_START_TIMEOUT_S:g} s"
            )
        page_due = self.last_message + settings.reader_page_timeout_s
        file_due = self.started + settings.reader_file_timeout_s
        if file_due <= page_due:
            return (
                file_due,
                f"reading it took longer than {settings.reader_file_timeout_s:g} s (reader_file_timeout_s)",
            )
        page = self.pages + 1
        return (
            page_due,
            f"page {page} took longer than {settings.reader_page_timeout_s:g} s (reader_page_timeout_s)",
        )


class OutcomeReader(ABC):
    """What `Workspace.add` reads files through: one `Outcome` per file, in the files' order.

    The caller stores each outcome while the reader works on the next ones. `known(sha256)` tells
    which contents the workspace already holds (those are not read again). With `spool`, page
    images are saved as PNGs (`ExtractedPage.image_path`) for the visual channel; each document's
    images are deleted when the next outcome is taken, and all that is left when the reader closes.
    Subclasses say how the next outcome is made (`_take`), whether it is there (`ready`), and how
    their workers stop (`_stop`).
    """

    def __init__(
        self,
        files: Sequence[Path],
        settings: IndexSettings,
        known: Callable[[str], bool],
        spool: bool = False,
    ) -> None:
        self._files = deque(files)
        self._settings = settings
        self._known = known
        self._spool_root = Path(tempfile.mkdtemp(prefix="assistant-pages-")) if spool else None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Outcome]:
        previous: Outcome | None = None
        while (outcome := self._take()) is not None:
            drop_page_images(previous)
            previous = outcome
            yield outcome
        drop_page_images(previous)

    @abstractmethod
    def ready(self, timeout: float) -> bool:
        """True when the next outcome is there within `timeout` s, or when no file is left to wait for."""

    def close(self) -> None:
        self._stop()
        if self._spool_root is not None:
            shutil.rmtree(self._spool_root, ignore_errors=True)

    @abstractmethod
    def _take(self) -> Outcome | None:
        """The next file's outcome (waiting for it), or None when every file has been given out."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop the workers (whatever they are still reading is dropped)."""


class DocumentReader(OutcomeReader):
    """Reads the files in a confined child process, one file ahead of the caller."""

    def __init__(
        self,
        files: Sequence[Path],
        settings: IndexSettings,
        known: Callable[[str], bool],
        spool: bool = False,
    ) -> None:
        super().__init__(files, settings, known, spool)
        self._counter = 0
        self._process: ReaderProcess | None = None
        self._job: _Job | None = None
        self._done: deque[Outcome] = deque()

    def ready(self, timeout: float) -> bool:
        if not self._done:
            self._advance(time.monotonic() + timeout)
        return bool(self._done) or (not self._files and self._job is None)

    def _take(self) -> Outcome | None:
        if not self._done:
            self._advance(None)
        return self._done.popleft() if self._done else None

    def _stop(self) -> None:
        if self._process is not None:
            if self._job is None:
                _give_back(self._process)
            else:
                self._process.kill()  # busy with a file nobody will take
            self._process = None
        self._job = None

    # -- the state machine ---------------------------------------------------------------------

    def _advance(self, deadline: float | None) -> None:
        """Work until one more outcome is done (and the next file is under way), or until `deadline`."""
        while not self._done:
            if self._job is None:
                if not self._files:
                    return
                self._start_next()
                continue
            if not self._pump(deadline):
                return
        # One ahead: the child reads the next file while the caller stores this one.
        while self._job is None and self._files and len(self._done) < 2:
            self._start_next()

    def _start_next(self) -> None:
        path = self._files.popleft()
        try:
            media_type, sha, size = identify(path)
            if self._known(sha):
                self._done.append(Unchanged(path, sha))
                return
        except DocumentError as error:
            self._done.append(error)
            return
        spool = None
        if self._spool_root is not None:
            self._counter += 1
            spool = self._spool_root / str(self._counter)
            spool.mkdir()
        now = time.monotonic()
        self._job = _Job(path, ExtractedDocument(path, sha, media_type, size), now, now, spool)
        request = ReadRequest(str(path), media_type, self._settings, str(spool) if spool else None)
        for attempt in (1, 2):
            try:
                if self._process is None:
                    self._process = _lease()
                self._process.send(request)
                return
            except (ReaderDied, OSError) as error:
                # An idle child that died meanwhile (killed by an operator, say): one fresh try.
                self._retire()
                if attempt == 2:
                    detail = f"the reader process could not be started ({error})"
                    self._finish(ResourceLimitExceeded(path, detail))

    def _pump(self, deadline: float | None) -> bool:
        """Handle one message of the current job; False when `deadline` came first."""
        job, process = self._job, self._process
        assert job is not None and process is not None
        settings = self._settings
        limit, overdue = job.limit(settings)
        now = time.monotonic()
        try:
            message = process.receive((limit if deadline is None else min(limit, deadline)) - now)
        except ReaderDied:
            status = process.exit_status()
            self._retire()
            self._finish(
                ResourceLimitExceeded(
                    job.path,
                    f"the reader process stopped ({status}) after {job.pages} page(s): the file needs more "
                    f"than the {settings.reader_memory_mb} MB one file may use (reader_memory_mb), "
                    "or it is damaged",
                )
            )
            return True
        if message is None:
            if time.monotonic() < limit:
                return False  # the caller's deadline came first
            self._retire()
            self._finish(ResourceLimitExceeded(job.path, overdue))
            return True
        job.last_message = time.monotonic()
        kind = message[0]
        if kind == "started":
            job.accepted = True
            job.started = job.last_message
        elif kind == "page":
            page: ExtractedPage = message[1]
            job.document.pages.append(page)
            job.pages += 1
        elif kind == "log":
            _, level, name, text = message
            logging.getLogger(name).log(level, "%s", text)
        elif kind == "done":
            _, memory, limit_bytes = message
            log.debug(
                "read %s: %d page(s); reader peak %d MB resident, %d MB address space",
                job.path.name,
                job.pages,
                memory.get("VmHWM", 0) >> 20,
                memory.get("VmPeak", 0) >> 20,
            )
            if memory.get("VmRSS", 0) > RETIRE_ABOVE_SHARE * limit_bytes:
                self._retire()
            try:
                self._finish(job.document.completed())
            except DocumentError as error:
                self._finish(error)
        elif kind == "failed":
            failure: DocumentError = message[1]
            if isinstance(failure, ResourceLimitExceeded | IndexingFailed):
                self._retire()  # its heap is in an unknown state now
            self._finish(failure)
        return True

    def _finish(self, outcome: Outcome) -> None:
        job = self._job
        self._job = None
        if isinstance(outcome, DocumentError) and job is not None and job.spool is not None:
            shutil.rmtree(job.spool, ignore_errors=True)
        self._done.append(outcome)

    def _retire(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None


def drop_page_images(outcome: Outcome | None) -> None:
    """Delete the page images spooled for one document (they share one folder per document)."""
    if isinstance(outcome, ExtractedDocument):
        for page in outcome.pages:
            if page.image_path is not None:
                shutil.rmtree(page.image_path.parent, ignore_errors=True)
                return


# -- inside the child --------------------------------------------------------------------------


class _Channel:
    """The child's end of the connection; OCR threads log through it too, hence the lock."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            self.connection.send(message)


class _Forward(logging.Handler):
    def __init__(self, channel: _Channel) -> None:
        super().__init__(logging.INFO)
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.channel.send(("log", record.levelno, record.name, self.format(record)))
        except Exception:
            self.handleError(record)


def _memory_status() -> dict[str, int]:
    """VmPeak, VmHWM, VmRSS... of this process in bytes."""
    values: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name.startswith("Vm") and rest.strip().endswith("kB"):
                values[name] = int(rest.split()[0]) * 1024
    return values


def _release_memory(collect: bool = False) -> None:
    if collect:
        gc.collect()  # ~30 ms with numpy and scipy loaded: only after a failure, not per file
    with contextlib.suppress(OSError, AttributeError):
        # Hand freed heap back to the system, so an idle reader does not sit on a big file's memory.
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _read(channel: _Channel, request: ReadRequest) -> None:
    path = Path(request.path)
    settings = request.settings
    limit = settings.reader_memory_mb << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(
        resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
    )
    channel.send(("started",))
    too_much = ResourceLimitExceeded(
        path, f"it needs more than the {settings.reader_memory_mb} MB one file may use (reader_memory_mb)"
    )
    try:
        spool = Path(request.spool) if request.spool else None
        for page in extract_pages(path, settings, request.media_type, spool):
            channel.send(("page", page))
        _release_memory()
        channel.send(("done", _memory_status(), limit))
    except DocumentError as error:
        channel.send(("failed", error))
    except AssistantError as error:
        # tesseract missing, failing or too slow on a page: this file only, in the error's own words.
        channel.send(("failed", DocumentError(path, f"could not be read: {error}")))
    except MemoryError:
        _release_memory(collect=True)
        channel.send(("failed", too_much))
    except Exception as error:
        if _memory_status().get("VmPeak", 0) > 0.9 * limit:
            # pdfium and numpy report a refused allocation in their own words.
            channel.send(("failed", too_much))
        else:
            log.error("reading %s failed:\n%s", path.name, traceback.format_exc())
            channel.send(("failed", IndexingFailed(path, f"{type(error).__name__}: {error}")))


def serve(fd: int) -> None:
    """The child's loop: one ReadRequest after another, until the parent closes the connection."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    channel = _Channel(Connection(fd))
    root = logging.getLogger()
    root.handlers[:] = [_Forward(channel)]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # Pillow warns about damaged EXIF and TIFF tags
    while True:
        try:
            request = channel.connection.recv()
        except (EOFError, OSError):
            return
        try:
            _read(channel, request)
        except (BrokenPipeError, ConnectionError):
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]))
