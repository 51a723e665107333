"""A/B of the search's orchestration on a scale workspace: read ahead on/off, rebinding the spans read
ahead or proposing them again, deep nprobe; one process.

Alternates the variants question by question (the machine is shared: load moves between rounds) and
prints wall and process-CPU p50/p95 per variant, the CPU the main thread spends taking the read-ahead
pages over (`_take_fits`, which rebinding makes cheap), and how many questions get the same top-5 pages.

    SCALE_BENCH_DIR=/tmp/speed3-bench .venv/bin/python benchmarks/read_ahead_ab.py --rounds 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_bench

import assistant.retrieval as retrieval

Variant = tuple[bool, bool, int]
"""(read ahead, rebind the spans read ahead, deep nprobe)."""


def name(variant: Variant) -> str:
    ahead, rebind, nprobe = variant
    if not ahead:
        return f"read ahead off, deep nprobe {nprobe}"
    return f"read ahead on, {'rebound' if rebind else 'proposed again'}, deep nprobe {nprobe}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--deep-nprobe", type=int, nargs="+", default=[128])
    args = parser.parse_args()
    asked = [item["question"] for item in scale_bench.questions()]
    variants: list[Variant] = [
        (ahead, rebind, nprobe)
        for nprobe in args.deep_nprobe
        for ahead, rebind in ((False, True), (True, False), (True, True))
    ]
    wall: dict[Variant, list[float]] = {v: [] for v in variants}
    cpu: dict[Variant, list[float]] = {v: [] for v in variants}
    taking: dict[Variant, float] = {v: 0.0 for v in variants}
    pages: dict[Variant, dict[str, list[tuple[int, int]]]] = {v: {} for v in variants}
    current: list[Variant] = [variants[0]]
    take_fits = retrieval._take_fits

    def timed_take_fits(*arguments: Any) -> None:
        started = time.thread_time()
        take_fits(*arguments)
        taking[current[0]] += time.thread_time() - started

    retrieval._take_fits = timed_take_fits  # type: ignore[assignment]
    with scale_bench.open_assistant() as assistant:
        retriever, deep = assistant.retriever, assistant.workspace.deep
        for question in asked[:10]:
            retriever.search(question, 5)  # warm
        for number in range(args.rounds):
            for question in asked:
                for variant in variants if number % 2 == 0 else variants[::-1]:
                    current[0] = variant
                    retriever.read_ahead, retriever.rebind_read_ahead, nprobe = variant
                    if deep is not None and deep.approximate:
                        deep._index.nprobe = nprobe  # type: ignore[attr-defined]
                    started, spent = time.perf_counter(), time.process_time()
                    hits = retriever.search(question, 5)
                    wall[variant].append((time.perf_counter() - started) * 1000)
                    cpu[variant].append((time.process_time() - spent) * 1000)
                    pages[variant][question] = [hit.key for hit in hits]
    searches = args.rounds * len(asked)
    for variant in variants:
        times = sorted(wall[variant])
        print(
            f"{name(variant)}: wall p50 {statistics.median(times):.1f} p95 {times[int(len(times) * 0.95)]:.1f} "
            f"ms, CPU p50 {statistics.median(cpu[variant]):.1f} ms, taking the read-ahead pages over "
            f"{taking[variant] / searches * 1000:.2f} ms a search"
        )
    base = variants[0]
    for variant in variants[1:]:
        same = sum(pages[base][q] == pages[variant][q] for q in asked)
        print(f"same top-5 pages as '{name(base)}' for '{name(variant)}': {same} / {len(asked)}")
    print("load average", [round(value, 1) for value in os.getloadavg()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
