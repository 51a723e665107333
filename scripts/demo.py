"""Demo: index the sample manuals and screenshots, then answer questions in English and Russian."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402


def main() -> int:
    samples = ROOT / "samples"
    workspace = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "demo-workspace"
    files = sorted(p for p in samples.iterdir() if p.suffix.lower() in {".pdf", ".png", ".jpg", ".tiff"})
    questions = [json.loads(line) for line in (samples / "questions.jsonl").read_text().splitlines() if line]
    # The demo answers at once from the fast channels; the cross-lingual e5 index is left for
    # `python -m assistant enrich` so that the run stays short and its output repeatable.
    with Assistant(workspace, background_enrichment=False) as assistant:
        started = time.perf_counter()
        documents = assistant.add(files)
        pages = sum(d.page_count for d in documents)
        print(
            f"Indexed {len(documents)} documents ({pages} pages) into {workspace} "
            f"in {time.perf_counter() - started:.1f} s\n"
        )
        correct = 0
        for item in questions:
            started = time.perf_counter()
            answer = assistant.ask(item["question"])
            elapsed = (time.perf_counter() - started) * 1000
            ok = answer.found and any(a.lower() in answer.text.lower() for a in item["answers"])
            correct += ok
            print(f"Q [{item['lang']}]: {item['question']}")
            print(f"A: {answer.text.strip()}")
            for citation in answer.citations[:2]:
                box = ", ".join(f"{v:.0f}" for v in citation.bbox)
                print(f"   cited: {citation.document.filename}, page {citation.page}, box ({box})")
            print(
                f"   {'expected answer found' if ok else 'expected: ' + ' / '.join(item['answers'])}"
                f" ({elapsed:.0f} ms)\n"
            )
        print(f"{correct} of {len(questions)} answers contain the expected fact.")
        pending = len(assistant.workspace.pending_enrichment())
        if pending:
            print(
                f"({pending} passages still lack the cross-lingual e5 vectors: "
                f"`.venv/bin/python -m assistant enrich {workspace}` adds them.)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
