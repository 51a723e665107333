"""Search at scale: 100k and 1M passages, exact vs approximate (IVF) vector search, latency, recall, memory, disk.

    # once, slow, resumable: real distractor prose and its real USE / e5 vectors, cached under /tmp
    nice -n 19 .venv/bin/python benchmarks/scale_bench.py prepare --use 100000 --e5 12000
    # a workspace of N passages (the corpus for real, the rest built in bulk), then its figures
    .venv/bin/python benchmarks/scale_bench.py build --passages 100000
    .venv/bin/python benchmarks/scale_bench.py measure --passages 100000

See `describe()` for what is real and what is synthesized. Reports go to benchmarks/results/scale*.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

log = logging.getLogger("scale_bench")

SCRATCH = Path(os.environ.get("SCALE_BENCH_DIR", "/tmp/scale-bench"))
CHUNK = 1000


def cache_dir() -> Path:
    return SCRATCH / "cache"


def real_paragraphs() -> list[str]:
    """Real technical English prose (docstrings of the installed packages), unique, in a fixed shuffle."""
    path = cache_dir() / "paragraphs.json"
    if path.exists():
        loaded: list[str] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    from benchmarks.core_bench import distractor_paragraphs

    paragraphs = list(dict.fromkeys(distractor_paragraphs(10_000_000)))
    random.Random(7).shuffle(paragraphs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(paragraphs, ensure_ascii=False), encoding="utf-8")
    return paragraphs


def cached_vectors(name: str, limit: int | None = None) -> np.ndarray:
    """The real vectors embedded so far by `prepare` for the first paragraphs, in order (float16)."""
    folder = cache_dir() / name
    chunks = sorted(folder.glob("*.npy")) if folder.is_dir() else []
    arrays = []
    for number, path in enumerate(chunks):
        if path.name != f"{number:05d}.npy":
            break  # a gap: later chunks do not line up with the paragraphs
        arrays.append(np.load(path))
        if limit is not None and sum(len(a) for a in arrays) >= limit:
            break
    if not arrays:
        return np.zeros((0, 0), dtype=np.float16)
    vectors = np.concatenate(arrays)
    return vectors[:limit] if limit is not None else vectors


def prepare(counts: dict[str, int]) -> None:
    """Embed the first `counts[name]` real paragraphs with each real embedder, 1000 at a time (resumable)."""
    from indexer.embedders import load_embedder

    paragraphs = real_paragraphs()
    log.info("%d unique real paragraphs", len(paragraphs))
    for name, count in counts.items():
        embedder = load_embedder(name)
        folder = cache_dir() / name
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(min(count, len(paragraphs)) // CHUNK):
            path = folder / f"{number:05d}.npy"
            if path.exists():
                continue
            started = time.perf_counter()
            texts = paragraphs[number * CHUNK : (number + 1) * CHUNK]
            vectors = embedder.embed_passages(texts).astype(np.float16)
            temporary = path.with_suffix(".tmp.npy")
            np.save(temporary, vectors)
            os.replace(temporary, path)
            log.info("%s: chunk %d in %.1f s", name, number, time.perf_counter() - started)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("prepare")
    sub.add_argument("--use", type=int, default=100_000)
    sub.add_argument("--e5", type=int, default=12_000)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare({"use": args.use, "e5": args.e5})
    return 0


if __name__ == "__main__":
    sys.exit(main())
