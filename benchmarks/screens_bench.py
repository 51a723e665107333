"""OCR ingest speed on real screenshots: pages/s of `extract_document` (OCR, marks, controls, passages).

Run it once per code version on the same machine, alternating, since the machine is shared:

    PYTHONPATH=/work/main   .venv/bin/python benchmarks/screens_bench.py DIR...   # before
    PYTHONPATH=$PWD         .venv/bin/python benchmarks/screens_bench.py DIR...   # after

It prints one line of JSON: pages, seconds, pages/s, and the load average around the run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from indexer.pipeline import extract_document
from indexer.settings import IndexSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    files = sorted(p for folder in args.folders for p in folder.glob("*.png"))
    settings = IndexSettings()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    pages = 0
    for _ in range(args.rounds):
        for path in files:
            pages += len(extract_document(path, settings).pages)
    elapsed = time.perf_counter() - started
    report = {
        "pages": pages,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 2),
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
