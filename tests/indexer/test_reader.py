"""Files are read in a confined child process: typed errors come back, a bomb or a stall costs one file."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from indexer import reader as reader_module
from indexer.errors import (
    CorruptFile,
    DocumentError,
    EmptyDocument,
    ImageTooLarge,
    ImageTooSmall,
    IndexingFailed,
    MissingFile,
    PageTooLarge,
    ResourceLimitExceeded,
    TooManyPages,
    UnreadableFile,
    UnsupportedFileType,
)
from indexer.pipeline import ExtractedDocument, extract_document
from indexer.reader import DocumentReader, Outcome, Unchanged
from indexer.settings import IndexSettings
from tests.indexer.hostile_files import flate_content_bomb

if TYPE_CHECKING:
    from conftest import Corpus, Maker

REPOSITORY = Path(__file__).resolve().parents[2]


def read_all(
    files: list[Path], settings: IndexSettings | None = None, known: Collection[str] = ()
) -> list[Outcome]:
    with DocumentReader(files, settings or IndexSettings(), known=lambda sha: sha in known) as reader:
        return list(reader)


@pytest.mark.parametrize(
    "error",
    [
        MissingFile("a/manual.pdf"),
        UnsupportedFileType("notes.docx", "a ZIP container"),
        CorruptFile("cut.pdf", "page 2: bad xref"),
        EmptyDocument("blank.pdf", "the PDF has zero pages"),
        ImageTooSmall("dot.png", 1, 1, 16),
        ImageTooLarge("bomb.png", 20000, 20000, 60_000_000),
        PageTooLarge("poster.pdf", 3, "is 5 x 5 km"),
        TooManyPages("frames.tiff", 2000, 1000),
        ResourceLimitExceeded("flate.pdf", "killed by SIGABRT"),
        IndexingFailed("odd.pdf", "KeyError: 3"),
        UnreadableFile("secret.pdf", "Permission denied"),
        DocumentError("plain.pdf", "could not be read: tesseract failed"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_every_document_error_survives_the_trip_between_processes(error: DocumentError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.path, copy.reason) == (str(error), error.path, error.reason)
    assert vars(copy) == vars(error)


def test_outcomes_come_in_the_order_of_the_files(corpus: Corpus, make: Maker) -> None:
    truncated = make.raw("cut.pdf", corpus.vacuum_en.read_bytes()[:2000])
    outcomes = read_all(
        [corpus.vacuum_ru, make.root / "missing.pdf", corpus.settings_en.path, truncated, corpus.coffee_en]
    )
    assert [type(outcome) for outcome in outcomes] == [
        ExtractedDocument,
        MissingFile,
        ExtractedDocument,
        CorruptFile,
        ExtractedDocument,
    ]
    pdf, _, screenshot, corrupt, _ = outcomes
    assert isinstance(corrupt, CorruptFile) and corrupt.path == str(truncated)
    # The child's pages are the same as reading in this process.
    assert isinstance(pdf, ExtractedDocument) and isinstance(screenshot, ExtractedDocument)
    here = extract_document(corpus.vacuum_ru, IndexSettings())
    assert [[p.text for p in page.passages] for page in pdf.pages] == [
        [p.text for p in page.passages] for page in here.pages
    ]
    assert [p.kind for p in screenshot.pages[0].passages].count("mark") == 1


def test_known_content_is_not_read_again(corpus: Corpus) -> None:
    first = read_all([corpus.vacuum_en])[0]
    assert isinstance(first, ExtractedDocument)
    [again] = read_all([corpus.vacuum_en], known={first.sha256})
    assert again == Unchanged(corpus.vacuum_en, first.sha256)


def test_a_decompression_bomb_kills_only_its_reader(corpus: Corpus, make: Maker) -> None:
    bomb = flate_content_bomb(make.root / "flate.pdf")
    outcomes = read_all([corpus.vacuum_en, bomb, corpus.coffee_en])
    good, failed, after = outcomes
    assert isinstance(failed, ResourceLimitExceeded), failed
    assert failed.path == str(bomb)
    assert str(failed).startswith("'flate.pdf': could not be read within the limits for one file")
    assert "768 MB one file may use (reader_memory_mb)" in str(failed)
    # A fresh reader takes the next file.
    assert isinstance(good, ExtractedDocument) and isinstance(after, ExtractedDocument)
    assert after.pages[0].passages[0].text == "Brewing coffee"


def test_a_page_that_takes_too_long_is_stopped(corpus: Corpus) -> None:
    # A screenshot needs tesseract, which alone takes longer than a few milliseconds to start.
    [stalled] = read_all([corpus.settings_ru.path], IndexSettings(reader_page_timeout_s=0.005))
    assert isinstance(stalled, ResourceLimitExceeded)
    assert "page 1 took longer than 0.005 s (reader_page_timeout_s)" in str(stalled)
    # The stopped reader is not handed out again.
    [text] = read_all([corpus.vacuum_ru])
    assert isinstance(text, ExtractedDocument)


def test_a_file_that_takes_too_long_in_all_is_stopped(corpus: Corpus) -> None:
    [stalled] = read_all([corpus.tiff], IndexSettings(reader_file_timeout_s=0.005))
    assert isinstance(stalled, ResourceLimitExceeded)
    assert "longer than 0.005 s (reader_file_timeout_s)" in str(stalled)


def test_an_unreadable_file_is_named(make: Maker, corpus: Corpus) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = make.raw("secret.pdf", corpus.vacuum_en.read_bytes())
    path.chmod(0)
    [outcome] = read_all([path])
    assert isinstance(outcome, UnreadableFile) and "Permission denied" in str(outcome)


def test_the_reader_is_reused_between_calls(corpus: Corpus) -> None:
    read_all([corpus.vacuum_en])
    [first] = reader_module._idle[-1:]
    read_all([corpus.coffee_en])
    assert reader_module._idle[-1] is first and first.alive()


CHILD = """
import sys
from indexer.reader import DocumentReader
from indexer.settings import IndexSettings
reader = DocumentReader([], IndexSettings(), known=lambda sha: False)
from indexer import reader as module
process = module._lease()
print(process.process.pid, flush=True)
sys.stdin.read()
"""


def test_the_reader_ends_when_the_process_that_started_it_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPOSITORY,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert Path(f"/proc/{child}").exists()
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60
    while not ended(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ended(child)


def ended(pid: int) -> bool:
    """Gone, or a zombie waiting for init to reap it."""
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
