"""Peak memory of a process and everything it starts, read from /proc while it runs (Linux)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, parents first."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):  # the process ended meanwhile
                queue.extend(int(child) for child in (task / "children").read_text().split())
    return found


def resident_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def kill_tree(pid: int) -> None:
    for member in reversed(process_tree(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


class TreeMemory:
    """While in the `with` block, samples the summed RSS of `pid`'s process tree every 20 ms.

    A sample can miss a peak shorter than that; the largest single process is exact from wait4().
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(resident_bytes(pid) for pid in process_tree(self.pid)))
            time.sleep(0.02)
