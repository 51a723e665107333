"""Front-door benchmark: batch throughput, REST ask latency under concurrent clients, UI Ask-to-answer time.

    .venv/bin/python benchmarks/front_bench.py [--pages 520] [--questions 300] [--clients 4]

Builds (once, cached under benchmarks/results/) a workspace of generated multi-page manuals in English
and Russian, then measures the front doors on it and writes benchmarks/results/front.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.batch import read_answers, run_batch  # noqa: E402

log = logging.getLogger("front_bench")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
RESULTS = ROOT / "benchmarks" / "results"

EN = {
    "devices": [
        "coffee machine",
        "vacuum cleaner",
        "laser printer",
        "wireless router",
        "dishwasher",
        "washing machine",
        "air conditioner",
        "robot mower",
    ],
    "parts": [
        "filter",
        "water tank",
        "brush roll",
        "cooling fan",
        "battery pack",
        "drum",
        "spray nozzle",
        "drive belt",
        "lamp",
        "door seal",
        "drain pump",
        "heating element",
    ],
    "actions": ["clean", "replace", "inspect", "descale", "lubricate", "rinse"],
    "intervals": [
        "every week",
        "every two weeks",
        "once a month",
        "every three months",
        "every six months",
        "once a year",
        "after 200 hours of use",
        "after every use",
    ],
}
RU = {
    "devices": ["кофемашина", "пылесос", "кондиционер"],
    "parts": [
        "фильтр",
        "резервуар для воды",
        "щётка",
        "вентилятор",
        "аккумулятор",
        "форсунка",
        "ремень",
        "уплотнитель",
        "насос",
        "нагреватель",
    ],
    "actions": ["очищать", "заменять", "проверять", "промывать", "смазывать"],
    "intervals": [
        "каждую неделю",
        "раз в месяц",
        "каждые три месяца",
        "раз в полгода",
        "раз в год",
        "после каждого использования",
    ],
}


@dataclass(frozen=True)
class Fact:
    language: str
    device: str
    code: str
    part: str
    action: str
    interval: str
    filename: str
    page: int


def _page_text(fact: Fact, rng: random.Random) -> tuple[str, str]:
    minutes = rng.choice([5, 10, 15, 30])
    if fact.language == "ru":
        heading = f"{fact.device.capitalize()} {fact.code}: обслуживание — {fact.part}"
        body = (
            f"{fact.part.capitalize()} нужно {fact.action} {fact.interval}. "
            f"Перед работой отключите прибор от сети и подождите {minutes} минут. "
            f"Если деталь повреждена, закажите запасную часть с номером {fact.code}-{fact.page:03d}. "
            "Используйте только оригинальные расходные материалы производителя."
        )
    else:
        heading = f"{fact.device.title()} {fact.code}: {fact.part} maintenance"
        body = (
            f"{fact.action.capitalize()} the {fact.part} {fact.interval}. "
            f"Before you start, unplug the {fact.device} and let it cool down for {minutes} minutes. "
            f"If the {fact.part} is damaged, order spare part number {fact.code}-{fact.page:03d}. "
            "Use only original parts approved by the manufacturer."
        )
    return heading, body


def build_corpus(folder: Path, pages: int, seed: int = 7) -> list[Fact]:
    """Manuals of 40 pages each (about one in four Russian) until `pages` pages are written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    facts: list[Fact] = []
    number = 0
    while len(facts) < pages:
        number += 1
        language = "ru" if number % 4 == 0 else "en"
        words = RU if language == "ru" else EN
        device = rng.choice(words["devices"])
        code = f"{'ABCDEFGHJK'[number % 10]}{100 + number * 7}"
        filename = f"manual-{number:02d}-{language}.pdf"
        pdf = FPDF(format="A4")
        pdf.add_font("DejaVu", fname=FONT)
        for page in range(1, min(40, pages - len(facts)) + 1):
            fact = Fact(
                language,
                device,
                code,
                rng.choice(words["parts"]),
                rng.choice(words["actions"]),
                rng.choice(words["intervals"]),
                filename,
                page,
            )
            heading, body = _page_text(fact, rng)
            pdf.add_page()
            pdf.set_font("DejaVu", size=16)
            pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", size=11)
            pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
            facts.append(fact)
        pdf.output(str(folder / filename))
    return facts


def question_for(fact: Fact) -> str:
    if fact.language == "ru":
        return f"Как часто нужно {fact.action} {fact.part} ({fact.device} {fact.code})?"
    return f"How often should I {fact.action} the {fact.part} of the {fact.device} {fact.code}?"


def prepare(pages: int, questions: int) -> tuple[Path, Path, list[Fact]]:
    corpus = RESULTS / f"corpus-{pages}"
    workspace = RESULTS / f"workspace-{pages}"
    facts_file = corpus / "facts.json"
    if facts_file.exists() and (workspace / "dense.faiss").exists():
        facts = [Fact(**item) for item in json.loads(facts_file.read_text(encoding="utf-8"))]
    else:
        facts = build_corpus(corpus, pages)
        started = time.perf_counter()
        # As shipped, deep (e5) vectors included; filled here before measuring so that no
        # background enrichment competes with the measured questions.
        with Assistant(workspace, background_enrichment=False) as assistant:
            assistant.add(sorted(corpus.glob("*.pdf")))
            assistant.enrich()
            counts = assistant.workspace.counts()
        log.info("indexed %s in %.1fs", counts, time.perf_counter() - started)
        facts_file.write_text(
            json.dumps([fact.__dict__ for fact in facts], ensure_ascii=False), encoding="utf-8"
        )
    rng = random.Random(11)
    chosen = rng.sample(facts, min(questions, len(facts)))
    questions_file = RESULTS / "questions.jsonl"
    with questions_file.open("w", encoding="utf-8") as handle:
        for number, fact in enumerate(chosen):
            row = {
                "id": f"q{number}",
                "question": question_for(fact),
                "page": fact.page,
                "doc": fact.filename,
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return workspace, questions_file, facts


def bench_batch(workspace: Path, questions: Path, workers: int) -> dict[str, float]:
    out = RESULTS / f"answers-w{workers}.jsonl"
    out.unlink(missing_ok=True)
    cpu = time.process_time()
    summary = run_batch(workspace, questions, out, workers=workers, progress=False)
    cpu = time.process_time() - cpu
    rows = read_answers(out)
    expected = {
        json.loads(line)["id"]: json.loads(line)
        for line in questions.read_text(encoding="utf-8").splitlines()
    }
    on_page = sum(
        1
        for row in rows
        if row["citations"]
        and row["citations"][0]["page"] == expected[row["id"]]["page"]
        and row["citations"][0]["filename"] == expected[row["id"]]["doc"]
    )
    latencies = sorted(row["latency_ms"] for row in rows)
    return {
        "questions": summary.total,
        "seconds": summary.seconds,
        "qps": (summary.done + summary.failed) / summary.seconds,
        "failed": summary.failed,
        "p50_ms": statistics.median(latencies),
        "cited_right_page": on_page / len(rows),
        # CPU seconds per question do not depend on what else runs on the machine: 2 cores / this is
        # the rate an otherwise idle 2-core machine would reach if the threads scaled perfectly.
        "cpu_ms": cpu / len(rows) * 1000,
    }


def bench_rest(workspace: Path, questions: Path, clients: int, per_client: int) -> dict[str, float]:
    port = 8000 + random.randint(100, 800)
    code = f"import sys; from assistant.service import serve; serve(sys.argv[1], port={port})"
    log_file = (RESULTS / "rest-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(workspace)], cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        texts = [json.loads(line)["question"] for line in questions.read_text(encoding="utf-8").splitlines()]
        with httpx.Client(base_url=url, timeout=60) as warm:
            for text in texts[:20]:
                warm.post("/v1/ask", json={"question": text}).raise_for_status()
        latencies: list[float] = []
        lock = threading.Lock()

        def client(offset: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                for number in range(per_client):
                    text = texts[(offset * per_client + number) % len(texts)]
                    started = time.perf_counter()
                    http.post("/v1/ask", json={"question": text}).raise_for_status()
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()
    latencies.sort()
    return {
        "requests": len(latencies),
        "clients": clients,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "rps": len(latencies) / seconds,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        memory = 0.0
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=520)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "front.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]

    workspace, questions, _ = prepare(args.pages, args.questions)
    with Assistant(workspace) as assistant:
        counts = assistant.workspace.counts()
    batch1 = bench_batch(workspace, questions, 1)
    batch2 = bench_batch(workspace, questions, 2)
    rest = bench_rest(workspace, questions, args.clients, args.per_client)
    timing_file = ROOT / "test-artifacts" / "ui-timing.json"
    ui = json.loads(timing_file.read_text(encoding="utf-8")) if timing_file.exists() else None
    load_after = os.getloadavg()[0]

    ui_cell = (
        f"{ui['press_ask_to_answer_s'][-1]:.2f} s (first question {ui['press_ask_to_answer_s'][0]:.2f} s)"
        if ui
        else "not measured: run `pytest -m browser tests/front` first"
    )
    rows = [
        (
            "batch throughput, `--workers 2`",
            ">= 10 q/s",
            f"{batch2['qps']:.1f} q/s",
            f"{batch2['questions']} questions in {batch2['seconds']:.1f} s; "
            f"p50 {batch2['p50_ms']:.0f} ms/question; {batch2['cpu_ms']:.0f} CPU ms/question "
            f"(an idle 2-core machine: at most {2000 / batch2['cpu_ms']:.0f} q/s); "
            f"top citation on the generating page {batch2['cited_right_page']:.0%}",
        ),
        (
            "batch throughput, `--workers 1`",
            "(reference)",
            f"{batch1['qps']:.1f} q/s",
            f"p50 {batch1['p50_ms']:.0f} ms/question; {batch1['cpu_ms']:.0f} CPU ms/question",
        ),
        (
            f"REST `POST /v1/ask` p50, {rest['clients']} concurrent clients, warm",
            "<= 400 ms",
            f"{rest['p50_ms']:.0f} ms",
            f"p95 {rest['p95_ms']:.0f} ms; {rest['rps']:.1f} requests/s over {rest['requests']} requests",
        ),
        (
            "UI: press Ask -> answer shown (browser test, warm)",
            "<= 1.5 s (reported)",
            ui_cell,
            "Playwright + Debian chromium, tests/front/test_browser.py, on its small two-manual workspace",
        ),
    ]
    table = ["| measure | target | result | notes |", "| --- | --- | --- | --- |"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    command = "python benchmarks/front_bench.py " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            "# Front-door benchmarks",
            "",
            f"- date: {datetime.now(UTC).isoformat(timespec='minutes')}",
            f"- machine: {machine()}",
            f"- load average (1 min) before / after: {load_before:.1f} / {load_after:.1f} "
            "(other jobs shared the machine when this is well above 0)",
            f"- workspace: {counts['documents']} generated manuals (EN and RU), {counts['pages']} pages, "
            f"{counts['passages']} passages; extractive answers, default embedder",
            f"- command: `{command.strip()}`",
            "",
            *table,
            "",
            "Reading the numbers: the batch and REST figures are wall-clock on a shared machine, so they",
            "fall as the load average rises; CPU ms per question is the load-independent cost. Almost all",
            "of it is the SDK's extractive answering (embedding the candidate sentences of the top pages",
            "with the default numpy encoder, about 85% of a question's time in a profile), not the front",
            "doors. Every front door runs native BLAS/OpenMP single-threaded per question",
            "(assistant/concurrency.py): with OpenBLAS's own threads, one question at a time ran at",
            "1.2 q/s here instead of 8.",
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("\n".join(table))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
