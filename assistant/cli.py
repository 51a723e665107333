"""Command line: `python -m assistant add|ask|search|delete|list|batch|serve|ui|eval|compact`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from indexer.errors import AssistantError, IngestFailed

log = logging.getLogger("assistant")


def _json(data: Any) -> str:
    def default(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if isinstance(value, Path):
            return str(value)
        raise TypeError(f"cannot serialise {type(value).__name__}")

    return json.dumps(data, default=default, ensure_ascii=False, indent=2)


def _open(args: argparse.Namespace) -> Any:
    from assistant.sdk import Assistant

    settings: dict[str, Any] = {}
    if getattr(args, "embedder", None):
        settings["embedder"] = args.embedder
    if getattr(args, "dpi", None):
        settings["dpi"] = args.dpi
    # The CLI runs enrichment in the foreground (or not at all), never in a thread that exits with it.
    return Assistant(args.workspace, background_enrichment=False, **settings)


def _expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            files.append(path)
    return files


def cmd_add(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    files = _expand(args.paths)
    with _open(args) as assistant:
        bar = tqdm(total=len(files), unit="file", disable=args.json or len(files) < 2, file=sys.stderr)

        def progress(event: str, path: Path, index: int, total: int) -> None:
            if event == "start":
                bar.set_postfix_str(path.name[:40])
            else:
                bar.update(1)

        started = time.perf_counter()
        report = assistant.add_report(files, progress)
        bar.close()
        seconds = time.perf_counter() - started
        if not args.no_enrich and report.added:
            _enrich(assistant, quiet=args.json)
        if args.json:
            print(
                _json(
                    {
                        "added": report.added,
                        "unchanged": report.unchanged,
                        "failed": [{"path": f.path, "error": str(f)} for f in report.failures],
                        "seconds": round(seconds, 2),
                    }
                )
            )
        else:
            for doc in report.added:
                print(f"added     #{doc.id} {doc.filename} ({doc.page_count} page(s))")
            for doc in report.unchanged:
                print(f"unchanged #{doc.id} {doc.filename} (already indexed)")
            for failure in report.failures:
                print(f"FAILED    {failure}", file=sys.stderr)
            print(
                f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
                f"{len(report.failures)} failed in {seconds:.1f} s"
            )
    return 1 if report.failures else 0


def _enrich(assistant: Any, quiet: bool) -> int:
    from tqdm import tqdm

    bar = tqdm(unit="passage", desc="deep index", disable=quiet, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        return int(assistant.enrich(progress))
    except KeyboardInterrupt:
        print("deep index: interrupted; `python -m assistant enrich` resumes it", file=sys.stderr)
        return 0
    finally:
        bar.close()


def cmd_enrich(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        count = _enrich(assistant, quiet=args.json)
        left = len(assistant.workspace.pending_enrichment())
    print(
        _json({"embedded": count, "pending": left})
        if args.json
        else f"{count} passage(s) embedded, {left} pending"
    )
    return 0


def _citation_line(citation: Any) -> str:
    box = ", ".join(f"{v:.0f}" for v in citation.bbox)
    return f"  [{citation.document.filename} p.{citation.page} box=({box})] {citation.quote[:120]!r}"


def cmd_ask(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        started = time.perf_counter()
        answer = assistant.ask(
            args.question, k=args.k, documents=set(args.document) if args.document else None
        )
        elapsed = time.perf_counter() - started
    if args.json:
        payload = dataclasses.asdict(answer)
        payload["latency_ms"] = round(elapsed * 1000, 1)
        print(_json(payload))
    else:
        print(answer.text)
        for citation in answer.citations:
            print(_citation_line(citation))
    return 0 if answer.found else 3


def cmd_search(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        hits = assistant.search(
            args.question, k=args.k, documents=set(args.document) if args.document else None
        )
    if args.json:
        print(
            _json(
                [
                    {
                        "document": hit.document,
                        "page": hit.page,
                        "score": round(hit.score, 5),
                        "passages": [
                            {
                                "text": e.passage.text,
                                "bbox": e.passage.bbox,
                                "score": round(e.score, 5),
                                "ranks": e.ranks,
                            }
                            for e in hit.passages
                        ],
                    }
                    for hit in hits
                ]
            )
        )
    else:
        for rank, hit in enumerate(hits, start=1):
            best = hit.passages[0].passage.text.replace("\n", " ")[:100] if hit.passages else ""
            print(f"{rank}. {hit.document.filename} p.{hit.page} score={hit.score:.4f}  {best}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        documents = assistant.documents()
    if args.json:
        print(_json(documents))
    else:
        for doc in documents:
            print(
                f"#{doc.id:<5} {doc.filename:40} {doc.page_count:>4} p.  {doc.languages:8} {doc.media_type}"
            )
        print(f"{len(documents)} document(s)")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        results = {doc_id: assistant.delete(doc_id) for doc_id in args.document_ids}
    if args.json:
        print(
            _json(
                {
                    "deleted": [i for i, ok in results.items() if ok],
                    "missing": [i for i, ok in results.items() if not ok],
                }
            )
        )
    else:
        for doc_id, ok in results.items():
            print(f"deleted #{doc_id}" if ok else f"no document #{doc_id}")
    return 0 if all(results.values()) else 1


def cmd_compact(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        sizes = assistant.compact()
    print(_json(sizes) if args.json else f"{sizes['before']:,} -> {sizes['after']:,} bytes")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import evaluate, load_questions, summarize

    questions = load_questions(Path(args.questions))
    with _open(args) as assistant:
        if args.docs:
            assistant.add_report(_expand(args.docs))
        results = evaluate(assistant, questions)
    summary = summarize(results)
    if args.json:
        print(_json({"summary": summary, "questions": results}))
    else:
        print(f"{'group':22} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'answer':>7} {'p50 ms':>7}")
        for name, row in summary.items():
            print(
                f"{name:22} {row['n']:>3} {row['recall@1']:>6.3f} {row['recall@5']:>6.3f} {row['mrr']:>6.3f} "
                f"{row['answer_accuracy']:>7.3f} {row['p50_ms']:>7.1f}"
            )
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from assistant.batch import run_batch

    summary = run_batch(
        args.workspace,
        Path(args.questions),
        Path(args.out),
        workers=args.workers,
        ray_address=args.ray,
        progress=not args.json,
    )
    print(_json(summary) if args.json else str(summary))
    return 0 if getattr(summary, "failed", 0) == 0 else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.service import serve

    serve(
        args.workspace,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        max_upload_bytes=int(args.max_upload_mb * 2**20),
    )
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    import ui

    return int(
        ui.launch(
            args.workspace,
            args.port,
            host=args.host,
            max_upload_mb=ui.DEFAULT_MAX_UPLOAD_MB if args.max_upload_mb is None else args.max_upload_mb,
            insecure=args.insecure or None,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Cited answers from manuals (PDF) and screenshots, in English and Russian.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("workspace", help="workspace directory (created if missing)")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_argument("--embedder", help="text embedder for a NEW workspace: use (default), e5, st:/path")
        return sub

    sub = command("add", "index PDFs and images (directories are walked)")
    sub.add_argument("paths", nargs="+")
    sub.add_argument("--dpi", type=float, help="page render resolution for a new workspace (default 150)")
    sub.add_argument(
        "--no-enrich",
        action="store_true",
        help="skip the deep (cross-lingual) embedding after indexing; `enrich` does it later",
    )
    sub.set_defaults(func=cmd_add)
    command("enrich", "fill the deep cross-lingual index for passages that lack it").set_defaults(
        func=cmd_enrich
    )
    for name, func, help_text in (
        ("ask", cmd_ask, "answer a question with citations"),
        ("search", cmd_search, "rank pages for a question"),
    ):
        sub = command(name, help_text)
        sub.add_argument("question")
        sub.add_argument("-k", type=int, default=5, help="pages to consider (default 5)")
        sub.add_argument(
            "--document", type=int, action="append", help="restrict to a document id (repeatable)"
        )
        sub.set_defaults(func=func)
    command("list", "list indexed documents").set_defaults(func=cmd_list)
    sub = command("delete", "delete documents by id")
    sub.add_argument("document_ids", type=int, nargs="+")
    sub.set_defaults(func=cmd_delete)
    command("compact", "give the space of deleted documents back to the disk").set_defaults(func=cmd_compact)
    sub = command("eval", "Recall@1/@5, MRR and answer accuracy per language on a questions.jsonl")
    sub.add_argument("questions")
    sub.add_argument("--docs", nargs="*", help="files to index first (e.g. the corpus folder)")
    sub.set_defaults(func=cmd_eval)
    sub = command("batch", "answer a file of questions (.jsonl/.csv) into a file of answers")
    sub.add_argument("questions")
    sub.add_argument("--out", required=True)
    sub.add_argument("--workers", type=int, default=1)
    sub.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster ('auto' or host:port)")
    sub.set_defaults(func=cmd_batch)
    sub = command("serve", "REST service (FastAPI)")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument("--api-key", help="require this key in X-API-Key (or env ASSISTANT_API_KEY)")
    sub.add_argument("--max-upload-mb", type=float, default=50.0)
    sub.set_defaults(func=cmd_serve)
    sub = command("ui", "Streamlit upload-and-ask UI (headless)")
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    sub.add_argument("--port", type=int, default=8501)
    sub.add_argument(
        "--max-upload-mb",
        type=int,
        default=None,
        help="largest file one upload may carry, in MB (default: the REST service's limit, 50)",
    )
    sub.add_argument(
        "--insecure",
        action="store_true",
        help="listen on a non-loopback --host although the UI has no login (or env ASSISTANT_INSECURE=1)",
    )
    sub.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except IngestFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
