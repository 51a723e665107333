"""OCR processes run on a budget of CPU seconds: the index does not depend on how busy the machine is."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from indexer.budget import WALL_PER_CPU, run_on_cpu_budget
from indexer.errors import AssistantError
from indexer.ocr import OcrSettings, recognize

prlimit = pytest.importorskip("resource").__dict__.get("prlimit")
needs_prlimit = pytest.mark.skipif(prlimit is None, reason="no resource.prlimit on this system")


@needs_prlimit
def test_a_process_that_works_past_its_budget_is_ended_by_its_cpu_time() -> None:
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_on_cpu_budget([sys.executable, "-c", "while True: pass"], b"", 1.0)
    # Ended by SIGXCPU after about one CPU second, long before the wall-clock guard.
    assert time.monotonic() - started < WALL_PER_CPU


@needs_prlimit
def test_time_spent_waiting_is_not_spent_budget() -> None:
    # Two seconds of wall-clock time and almost no CPU: a busy machine's process is such a one.
    waiting = "import time; time.sleep(2.5); print('done')"
    completed = run_on_cpu_budget([sys.executable, "-c", waiting], b"", 1.0)
    assert completed.returncode == 0
    assert completed.stdout.strip() == b"done"


def test_the_wall_clock_guard_still_ends_a_process_that_only_waits() -> None:
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_on_cpu_budget([sys.executable, "-c", "import time; time.sleep(60)"], b"", 0.2)
    assert time.monotonic() - started < 0.2 * WALL_PER_CPU + 5


def test_the_input_reaches_the_process_and_its_output_comes_back() -> None:
    script = "import sys; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(data[::-1])"
    completed = run_on_cpu_budget([sys.executable, "-c", script], "пароль".encode(), 5.0)
    assert completed.stdout == "пароль".encode()[::-1]


@needs_prlimit
def test_tesseract_on_a_page_that_needs_more_cpu_than_allowed_says_so() -> None:
    document = pdfium.PdfDocument(Path(__file__).parent.parent / "data" / "cp.1.en.pdf")
    page = document[0].render(scale=300 / 72).to_pil()
    with pytest.raises(AssistantError, match="CPU"):
        recognize(page, OcrSettings(languages="eng+rus", timeout_s=0.5))
