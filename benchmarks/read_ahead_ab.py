"""A/B of the search's orchestration on a scale workspace: read ahead on/off, deep nprobe, one process.

Alternates the variants question by question (the machine is shared: load moves between rounds) and
prints wall and process-CPU p50/p95 per variant, and how many questions get the same top-5 pages.

    SCALE_BENCH_DIR=/tmp/speed3-bench .venv/bin/python benchmarks/read_ahead_ab.py --rounds 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--deep-nprobe", type=int, nargs="+", default=[128, 384])
    args = parser.parse_args()
    asked = [item["question"] for item in scale_bench.questions()]
    variants = [(ahead, nprobe) for nprobe in args.deep_nprobe for ahead in (False, True)]
    wall: dict[tuple[bool, int], list[float]] = {v: [] for v in variants}
    cpu: dict[tuple[bool, int], list[float]] = {v: [] for v in variants}
    pages: dict[tuple[bool, int], dict[str, list[tuple[int, int]]]] = {v: {} for v in variants}
    with scale_bench.open_assistant() as assistant:
        retriever, deep = assistant.retriever, assistant.workspace.deep
        for question in asked[:10]:
            retriever.search(question, 5)  # warm
        for number in range(args.rounds):
            for question in asked:
                for ahead, nprobe in variants if number % 2 == 0 else variants[::-1]:
                    retriever.read_ahead = ahead
                    if deep is not None and deep.approximate:
                        deep._index.nprobe = nprobe  # type: ignore[attr-defined]
                    started, spent = time.perf_counter(), time.process_time()
                    hits = retriever.search(question, 5)
                    wall[(ahead, nprobe)].append((time.perf_counter() - started) * 1000)
                    cpu[(ahead, nprobe)].append((time.process_time() - spent) * 1000)
                    pages[(ahead, nprobe)][question] = [hit.key for hit in hits]
    for ahead, nprobe in variants:
        times = sorted(wall[(ahead, nprobe)])
        print(
            f"read ahead {'on ' if ahead else 'off'} deep nprobe {nprobe}: wall p50 "
            f"{statistics.median(times):.1f} p95 {times[int(len(times) * 0.95)]:.1f} ms, "
            f"CPU p50 {statistics.median(cpu[(ahead, nprobe)]):.1f} ms"
        )
    base = variants[0]
    for variant in variants[1:]:
        same = sum(pages[base][q] == pages[variant][q] for q in asked)
        print(f"same top-5 pages as {base} for {variant}: {same} / {len(asked)}")
    print("load average", [round(value, 1) for value in os.getloadavg()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
