"""The CPU reader on the evaluation sets: answer accuracy and page recall per kind and language.

    .venv/bin/python benchmarks/reader_eval.py --label after                 # dev, heldout, corpus
    .venv/bin/python benchmarks/reader_eval.py --label after --sets dev corpus
    .venv/bin/python benchmarks/reader_eval.py --baseline                     # the LangChain pipeline
    .venv/bin/python benchmarks/reader_eval.py --render                      # tables from the results

Each set's workspace is built once under --workspaces (documents added, the deep channel filled)
and reused. With --label, the assistant importable from PYTHONPATH answers (so an older checkout
can be measured on the same workspaces: PYTHONPATH=/path/to/old/tree ... --label before) and its
figures go to benchmarks/results/reader_<label>.json; --render puts before, after and the baseline
side by side in benchmarks/results/reader.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TUNING_SETS = (
    "dev",
    "heldout",
    "corpus",
    "fresh",
    "blind",
    "novel",
    "unseen",
    "hidden",
    "untold",
    "veiled",
    "cloaked",
    "shrouded",
    "masked",
)
"""What a plain run measures: every set tuned on (`blind`, `novel`, `unseen`, `hidden`, `untold`, `veiled`,
`cloaked`, `shrouded` and `masked` were unsealed after their one sealed measurement each, kept in
reader_<set>_sealed.json). A set still sealed is in SETS only, and only the lead measures it, once, with
`--sets <name>`."""
SETS = TUNING_SETS
"""Every set `--sets` accepts: the tuning sets and the sets still sealed."""
ANSWER_CHARS = 200
"""Characters of each answer kept in the per-question record."""


def corpus_folder() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "corpus" / "questions.jsonl").is_file():
            return base / "shared" / "corpus"
    raise SystemExit("no shared/corpus next to this checkout; pass --corpus")


def set_paths(name: str, corpus: Path) -> tuple[Path, Path]:
    """(documents folder, questions file) of an evaluation set."""
    if name == "corpus":
        return corpus / "docs", corpus / "questions.jsonl"
    folder = ROOT / "benchmarks" / "eval" / name
    return folder / "docs", folder / "questions.jsonl"


def measure(name: str, workspace: Path, corpus: Path) -> dict[str, Any]:
    from assistant import Assistant
    from assistant.evaluation import evaluate, load_questions, summarize
    from indexer.errors import IngestFailed

    docs, questions_file = set_paths(name, corpus)
    questions = load_questions(questions_file)
    unread: list[str] = []
    with Assistant(workspace, background_enrichment=False) as assistant:
        if not assistant.documents():
            started = time.perf_counter()
            try:
                assistant.add(sorted(p for p in docs.iterdir() if p.is_file()))
            except IngestFailed as failed:
                # The set is measured on what was read: its questions on the file left out count as
                # wrong, and the record says which file and why.
                unread = [str(failure) for failure in failed.failures]
                print(f"{name}: {failed}", file=sys.stderr)
            assistant.enrich()
            print(f"{name}: indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results = evaluate(assistant, questions)
    return {
        "unread": unread,
        "summary": summarize(results),
        "questions": [
            {
                key: value[:ANSWER_CHARS] if key == "answer" else value
                for key, value in asdict(result).items()
                if key in ("id", "lang", "kind", "rank", "found", "correct", "answer", "why", "top_pages")
            }
            for result in results
        ],
    }


def baseline(name: str, corpus: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.baseline_langchain import run

    docs, questions_file = set_paths(name, corpus)
    questions = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line]
    report = run(sorted(p for p in docs.iterdir() if p.is_file()), questions)
    return {"summary": report["groups"], "index_s": report["index_s"], "p50_ms": report["p50_ms"]}


def load(label: str) -> dict[str, Any]:
    path = RESULTS / f"reader_{label}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def save(label: str, sets: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = load(label)
    report.setdefault("sets", {}).update(sets)
    report["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    (RESULTS / f"reader_{label}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def render() -> str:
    """Markdown: each set's groups, answer accuracy and page recall: before, previous, after, baseline."""
    before, previous, after, base = load("before"), load("previous"), load("after"), load("baseline")
    note = f" ({after['date_note']})" if after.get("date_note") else ""
    lines = [
        "# CPU reader: answers per kind and language",
        "",
        f"*after*: measured {after.get('date', '?')}{note} with `.venv/bin/python benchmarks/reader_eval.py "
        "--label after --sets dev heldout corpus fresh blind novel unseen hidden untold veiled cloaked shrouded masked` "
        "(the reader "
        "of this tree on workspaces "
        f"built by it; the deep channel filled). *previous*: the same at the end of the session before "
        f"({previous.get('date', 'not run')}). *before*: the reader before issue 9 "
        f"({before.get('date', '?')}, `--label before` with PYTHONPATH on the older tree). *LangChain*: "
        f"`benchmarks/reader_eval.py --baseline` ({base.get('date', 'not run')}), PyPDFLoader + "
        "RecursiveCharacterTextSplitter(1000, 150) + FAISS + multilingual-e5-small, tesseract text for images.",
        "",
        "Sets: `dev` (benchmarks/eval/dev, tuned on), `heldout` (benchmarks/eval/heldout: other documents and "
        "programs; sealed until two sessions ago, tuned on since), `fresh` (benchmarks/eval/fresh: other "
        "documents and programs, sealed until its one measurement in *previous*, tuned on since), `blind` "
        "(benchmarks/eval/blind: documents and programs none of the others uses, built sealed two sessions "
        "ago, its sealed figures kept in reader_blind_sealed.json; tuned on since), "
        "`novel` (benchmarks/eval/novel: documents and programs none of the others uses, UPS/IR hardware "
        "and printer manuals with figures, GTK 2 and wxWidgets screenshots, built sealed after `blind` was "
        "measured, measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_novel_sealed.json), tuned on since), `unseen` (benchmarks/eval/unseen: documents and programs "
        "none of the others uses, LinuxCNC and KiCad manuals with drawings, Qt 6, GTK 4 and FOX screenshots, "
        "built sealed after `novel` was measured, measured sealed once at the end of the session that built it "
        "(*previous*, kept in reader_unseen_sealed.json), tuned on since), `hidden` (benchmarks/eval/hidden: "
        "documents and programs none of the others uses, ngspice and FLTK manuals with figures, Russian man pages, "
        "a scan, the Russian handbook's desktop chapter, Motif, FLTK, Xaw, EFL and galculator screenshots, built "
        "sealed after `unseen` was unsealed, measured sealed once at the end of the session that built it "
        "(*previous*, kept in reader_hidden_sealed.json; 12 of its questions are on galculator screenshots, a "
        "program one engineer tested on without knowing, see its README), tuned on since), `untold` (benchmarks/eval/untold: "
        "documents and programs none of the others uses, apcupsd, xfig and Eeschema manuals with figures, scanimage(1), "
        "Russian man pages, a scan, Midnight Commander (ncurses TUI), xsane (GTK 2) and xfig (Xaw3d) screenshots, built "
        "after `hidden` was unsealed, measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_untold_sealed.json), tuned on since), `veiled` (benchmarks/eval/veiled: documents and programs none of the "
        "others uses, Logisim guide chapters with pictured dialogs and circuits (English and Russian), cfdisk(8), Russian "
        "man pages, a scan, Logisim (Java Swing), Chromium settings (WebUI) and cfdisk (ncurses TUI) screenshots, built after `untold` was unsealed; "
        "measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_veiled_sealed.json), tuned on since), `cloaked` (benchmarks/eval/cloaked: documents and programs none "
        "of the others uses, the Wireshark user's guide and Double Commander's Russian help with pictured dialogs, "
        "qpdfview's Russian help, man pages, a scan, qpdfview (Qt 5) and calcurse (ncurses TUI) screenshots, built after "
        "`veiled` was unsealed, measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_cloaked_sealed.json), tuned on since), `shrouded` (benchmarks/eval/shrouded: documents and programs "
        "none of the others uses, the KeePassXC user guide and KGet's Russian handbook with pictured dialogs, man pages, "
        "a scan, Sylpheed (GTK 2) and GNU nano (ncurses TUI) screenshots, built after `cloaked` was unsealed, "
        "measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_shrouded_sealed.json), tuned on since), `masked` (benchmarks/eval/masked: documents and programs "
        "none of the others uses, the Russian Okular handbook and the Filelight and KSystemLog handbooks with pictures, "
        "man pages, a scan, Transmission (GTK 3) and links2 (text-mode browser in an xterm) screenshots, built after "
        "`shrouded` was unsealed, measured sealed once at the end of the session that built it (*previous*, kept in "
        "reader_masked_sealed.json), tuned on since), "
        "`corpus` (shared/corpus, the 30 questions the first "
        "reader was tuned on). A correct answer is found, cites an expected page and contains an expected "
        'string; an unanswerable question is correct when the reader says "not found".',
        "",
        "| set | group | n | answer before | answer previous | answer after | LangChain top chunk* "
        "| R@1 before | R@1 previous | R@1 after | LangChain R@1 | R@5 after | LangChain R@5 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in (*(name for name in SETS if name != "corpus"), "corpus"):
        now = after.get("sets", {}).get(name, {}).get("summary", {})
        if not now:
            continue
        old = before.get("sets", {}).get(name, {}).get("summary", {})
        last = previous.get("sets", {}).get(name, {}).get("summary", {})
        plain = base.get("sets", {}).get(name, {}).get("summary", {})
        languages = sorted(g for g in now if g.startswith("lang="))
        kinds = sorted(g for g in now if g.startswith("kind="))
        order = ["all", *languages, *kinds, *(g for g in now if g == "unanswerable")]
        for group in order:
            row, was, then, lc = now[group], old.get(group, {}), last.get(group, {}), plain.get(group, {})
            lines.append(
                f"| {name} | {group} | {row['n']} | {cell(was.get('answer_accuracy'))} | "
                f"{cell(then.get('answer_accuracy'))} | {cell(row['answer_accuracy'])} | "
                f"{cell(lc.get('answer_accuracy'))} | {cell(was.get('recall@1'))} | "
                f"{cell(then.get('recall@1'))} | {cell(row['recall@1'])} | {cell(lc.get('recall@1'))} | "
                f"{cell(row['recall@5'])} | {cell(lc.get('recall@5'))} |"
            )
    unread = {
        name: files for name, report in after.get("sets", {}).items() if (files := report.get("unread"))
    }
    for name, files in unread.items():
        lines += [
            "",
            f"Files of `{name}` this tree could not read (measured without them): {', '.join(files)}.",
        ]
    lines += [
        "",
        "\\* LangChain has no reader: its figure is whether its top chunk contains an expected string (an "
        'upper bound for any extractive reader on top of it), and it cannot say "not found" (0 on '
        "unanswerable questions). R@1 / R@5: the first page that states the answer is ranked first / in "
        'the top 5 (pages of the top 10 chunks for LangChain). "kind=screenshot" are labels, tabs and '
        'buttons; "screenshot-value" the value a control holds.',
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(TUNING_SETS))
    parser.add_argument("--label", help="name the figures of the assistant on PYTHONPATH (before, after)")
    parser.add_argument("--baseline", action="store_true", help="run the LangChain pipeline on the sets")
    parser.add_argument("--render", action="store_true", help="write benchmarks/results/reader.md")
    parser.add_argument("--workspaces", type=Path, default=Path("/tmp/reader-eval"))
    parser.add_argument("--corpus", type=Path, help="the shared corpus folder (docs/, questions.jsonl)")
    args = parser.parse_args()
    corpus = args.corpus or corpus_folder()
    if args.label:
        save(args.label, {name: measure(name, args.workspaces / name, corpus) for name in args.sets})
    if args.baseline:
        save("baseline", {name: baseline(name, corpus) for name in args.sets})
    if args.render:
        table = render()
        (RESULTS / "reader.md").write_text(table, encoding="utf-8")
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
