"""Native thread pools sized for front doors that already run many requests side by side."""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

log = logging.getLogger(__name__)

_SETTERS = ("openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_")


_APPLIED = False


def one_native_thread_per_request() -> None:
    """Make the BLAS (numpy's OpenBLAS) and FAISS OpenMP pools single-threaded for this process.

    The service, batch workers and UI parallelise across questions; a pool of native threads per
    matrix product on top of that oversubscribes small machines badly: on 2 cores, 24 concurrent asks
    took 20 s instead of 0.5 s. One question's products are small enough to need no inner threads:
    even one question at a time ran 1.2 q/s with OpenBLAS's threads on a busy 2-core machine, and
    several times that without them.
    """
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    import faiss
    import numpy  # noqa: F401  (loads the OpenBLAS this adjusts)

    faiss.omp_set_num_threads(1)
    for library in _loaded_openblas():
        try:
            handle = ctypes.CDLL(library)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(handle, name, None)
            if setter is not None:
                setter(1)
                log.debug("%s(1) in %s", name, library)
                break


def _loaded_openblas() -> set[str]:
    """Paths of the OpenBLAS libraries this process has loaded (numpy ships its own, renamed)."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: the pools stay as they are
        return set()
    return {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower() and "/" in line}
