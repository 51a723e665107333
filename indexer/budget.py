"""Running an OCR process on a budget of CPU seconds, not of wall-clock seconds.

A wall-clock timeout makes the index depend on how busy the machine is: the same figure is read
on an idle laptop and left unread while other work shares its cores (a build, a second indexer, a
browser). What the budget is meant to stop is a picture that costs too much work, so it counts the
process's CPU time (RLIMIT_CPU, set on the child after it starts): at any load the same words come
out. A wall-clock guard, `WALL_PER_CPU` times the budget, still ends a process that waits rather
than works. Where the CPU limit cannot be set (no `resource.prlimit`: not Linux) the budget is
wall-clock seconds, as before.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess

log = logging.getLogger(__name__)

WALL_PER_CPU = 6.0
"""Wall-clock seconds allowed per CPU second of budget: a process that gets a sixth of a core
(a busy 2-core machine) still finishes; one blocked on nothing for that long is ended."""


def run_on_cpu_budget(command: list[str], stdin: bytes, cpu_s: float) -> subprocess.CompletedProcess[bytes]:
    """Run `command` with `stdin`, ended when it has used `cpu_s` seconds of CPU.

    Raises `subprocess.TimeoutExpired` when the budget (or the wall-clock guard) runs out, like
    `subprocess.run(timeout=...)`, so callers treat both the same way. Tesseract's own threads
    are held to one (the callers run pages in parallel already).
    """
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        wall_s = cpu_s * WALL_PER_CPU if _limit_cpu(process.pid, cpu_s) else cpu_s
        try:
            stdout, stderr = process.communicate(stdin, timeout=wall_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    if process.returncode == -signal.SIGXCPU:
        raise subprocess.TimeoutExpired(command, cpu_s, stdout, stderr)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _limit_cpu(pid: int, cpu_s: float) -> bool:
    """Cap the CPU seconds of process `pid` (SIGXCPU at the budget); False where that cannot be done."""
    try:
        import resource

        soft = max(1, math.ceil(cpu_s))
        resource.prlimit(pid, resource.RLIMIT_CPU, (soft, soft + 1))
    except (ImportError, AttributeError, OSError, ValueError) as error:
        # No prlimit here, or the process has already ended: the wall clock is the budget.
        log.debug("no CPU limit on process %d (%s): wall-clock budget", pid, error)
        return False
    return True
