"""Command line: `python -m assistant add|ask|chat|search|delete|list|batch|serve|ui|eval|compact|check`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import json
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from assistant.limits import MAX_HISTORY_TURNS, MAX_K
from indexer.errors import (
    AssistantError,
    CatalogUnavailable,
    IngestFailed,
    InsecureExposure,
    InvalidRequest,
    MissingFile,
    NoWorkspace,
    StorageFull,
    UnknownDocument,
    WorkspaceError,
)

log = logging.getLogger("assistant")

PARTLY_DONE = IngestFailed.exit_code
"""Some of the work failed and the rest is done: files not indexed, batch questions that failed."""
NOT_FOUND = 3
"""`ask` found no answer in the documents: a result, not a failure, but scripts want to tell."""
EXIT_IO = 74
"""The file system refused a read or write (sysexits' EX_IOERR)."""
EXIT_BUG = 70
"""An error this program did not expect: a bug (sysexits' EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""Whoever read the output went away (`| head`); 128 + SIGPIPE, what `git` or `cat` exit with there."""
GENERATOR_FAILED = 11
"""`GeneratorError.exit_code` (kept in step by a test; importing the generators here would slow --help)."""
GENERATOR_OPTIONS = ("generator", "generator_url", "generator_model")
"""Generator settings the commands that answer take as flags; the others come from ASSISTANT_GENERATOR_*."""

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (PARTLY_DONE, "partly done: some files not indexed, some batch questions failed"),
    (AssistantError.exit_code, "bad command line, input file or document (the message names it)"),
    (NOT_FOUND, "ask: the documents do not answer the question"),
    (NoWorkspace.exit_code, "no workspace at that path (nothing was created)"),
    (InvalidRequest.exit_code, "invalid argument: empty or too long question, k out of range"),
    (UnknownDocument.exit_code, "no document with that id or filename"),
    (CatalogUnavailable.exit_code, "the catalog database cannot be reached (URL, password, server)"),
    (
        WorkspaceError.exit_code,
        "the workspace or the generator settings cannot be used (damaged, read-only, bad config.json, "
        "bad ASSISTANT_GENERATOR*)",
    ),
    (StorageFull.exit_code, "the disk is full; what was stored before is intact"),
    (InsecureExposure.exit_code, "serve/ui refused to listen beyond loopback without protection"),
    (GENERATOR_FAILED, "the answering model failed (down, timing out, refusing) and no fallback is set"),
    (EXIT_BUG, "unexpected internal error; run again with -v for the traceback"),
    (EXIT_IO, "the file system refused a read or write (permissions, a missing folder)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "the output's reader went away (`... | head`); output stops quietly"),
)


def _exit_codes_text() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES)


def _serialisable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _json(data: Any) -> str:
    return json.dumps(data, default=_serialisable, ensure_ascii=False, indent=2)


def _json_line(data: Any) -> str:
    """One line of JSON, for output read as it comes (`--stream --json`, `chat --json`)."""
    return json.dumps(data, default=_serialisable, ensure_ascii=False)


def _generator_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The generator flags given on the command line (absent ones leave the environment and config.json)."""
    return {name: getattr(args, name) for name in GENERATOR_OPTIONS if getattr(args, name, None)}


def _open(args: argparse.Namespace) -> Any:
    from assistant.sdk import Assistant

    settings: dict[str, Any] = _generator_settings(args)
    if getattr(args, "embedder", None):
        settings["embedder"] = args.embedder
    if getattr(args, "dpi", None):
        settings["dpi"] = args.dpi
    # Only commands that put documents in may create a workspace: a mistyped path for `ask`,
    # `list` or `delete` says "no workspace at PATH" instead of leaving an empty one behind.
    create = args.command == "add" or bool(getattr(args, "docs", None))
    # The CLI runs enrichment in the foreground (or not at all), never in a thread that exits with it.
    return Assistant(args.workspace, background_enrichment=False, create=create, **settings)


def _expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            files.append(path)
    return files


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _note(message: str) -> None:
    """A progress message on stderr that does not tear a progress bar."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


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
        report = assistant.add_report(files, progress, ray=args.ray, ray_workers=args.workers)
        bar.close()
        seconds = time.perf_counter() - started
        if not args.json:
            for doc in report.added:
                print(f"added     #{doc.id} {doc.filename} ({doc.page_count} page(s))")
            for doc in report.unchanged:
                print(f"unchanged #{doc.id} {doc.filename} (already indexed)")
            for failure in report.failures:
                print(f"FAILED    {failure}", file=sys.stderr)
            searchable = ": searchable now" if report.added else ""
            print(
                f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
                f"{len(report.failures)} failed in {_duration(seconds)}{searchable}",
                flush=True,
            )
        deep = None if args.no_enrich else _deep_phase(assistant, args.workspace, quiet=args.json)
        if args.no_enrich and not args.json and (waiting := assistant.pending_enrichment()):
            _note(
                f"deep index: {waiting:,} passage(s) wait for `{_enrich_command(args.workspace)}` "
                "(cross-lingual questions work better after it)"
            )
        if args.json:
            print(
                _json(
                    {
                        "added": report.added,
                        "unchanged": report.unchanged,
                        "failed": [{"path": f.path, "error": str(f)} for f in report.failures],
                        "seconds": round(seconds, 2),
                        "deep_index": deep,
                    }
                )
            )
    return PARTLY_DONE if report.failures else 0


def _enrich_command(workspace: str) -> str:
    return f"python -m assistant enrich {shlex.quote(str(workspace))}"


@contextlib.contextmanager
def _stop_on_first_interrupt(stop: threading.Event, notice: str) -> Iterator[None]:
    """The first Ctrl-C sets `stop` (the work ends at its next safe point); a second interrupts at once."""

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        _note(notice)

    try:
        previous = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread (main() run from a thread): Ctrl-C keeps its usual meaning
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _deep_phase(assistant: Any, workspace: str, quiet: bool) -> dict[str, Any] | None:
    """Fill the deep (cross-lingual) index with its own progress; Ctrl-C stops it cleanly.

    Returns what was done (None when nothing was pending). The documents are searchable before
    this starts; an interrupted run is finished later by `enrich`, which continues where it stopped.
    """
    from tqdm import tqdm

    resume = _enrich_command(workspace)
    stop = threading.Event()
    started = time.perf_counter()
    pending = count = 0
    bar: tqdm[Any] | None = None

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    # The handler goes in first: a Ctrl-C right after the announcement must find it there.
    notice = "deep index: stopping after the current batch (Ctrl-C again: now)"
    try:
        with _stop_on_first_interrupt(stop, notice):
            pending = assistant.pending_enrichment()
            if not pending:
                return None
            if not quiet:
                _note(
                    f"deep index: embedding {pending:,} passage(s) for cross-lingual questions; "
                    f"Ctrl-C is safe: the documents stay searchable and `{resume}` finishes it later"
                )
            bar = tqdm(total=pending, unit="passage", desc="deep index", disable=quiet, file=sys.stderr)
            count = int(assistant.enrich(progress, stop))
    except KeyboardInterrupt:
        stop.set()  # the second Ctrl-C: what was saved so far stays, the batch in hand is redone later
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    left = assistant.pending_enrichment()
    if not quiet:
        if left:
            _note(
                f"deep index: stopped with {left:,} of {max(left, pending):,} passage(s) to go; the "
                f"documents are searchable now, and `{resume}` finishes the cross-lingual index"
            )
        else:
            _note(f"deep index: {count:,} passage(s) embedded in {_duration(seconds)}")
    return {"embedded": count, "pending": left, "interrupted": stop.is_set(), "seconds": round(seconds, 2)}


def cmd_enrich(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        deep = _deep_phase(assistant, args.workspace, quiet=args.json)
    deep = deep or {"embedded": 0, "pending": 0, "interrupted": False, "seconds": 0.0}
    if args.json:
        print(_json(deep))
    elif not deep["embedded"] and not deep["pending"]:
        print("deep index: nothing to do (every passage is in it, or the deep channel is off)")
    return EXIT_INTERRUPTED if deep["interrupted"] and deep["pending"] else 0


def _citation_line(citation: Any) -> str:
    box = ", ".join(f"{v:.0f}" for v in citation.bbox)
    return f"  [{citation.document.filename} p.{citation.page} box=({box})] {citation.quote[:120]!r}"


def _answer_json(answer: Any, elapsed: float) -> dict[str, Any]:
    payload = dataclasses.asdict(answer)
    payload["latency_ms"] = round(elapsed * 1000, 1)
    return payload


def _print_answer(answer: Any) -> None:
    print(answer.text)
    for citation in answer.citations:
        print(_citation_line(citation))


def _print_stream(items: Iterable[Any], as_json: bool, started: float, out: TextIO) -> Any:
    """Write the answer's text as it comes (JSON: one `{"delta": ...}` line a piece), then the final
    answer's citations (JSON: `{"answer": ...}`); returns the final `Answer`."""
    from assistant.answering import Answer

    pieces: list[str] = []
    final: Any = None
    for item in items:
        if isinstance(item, Answer):
            final = item
            continue
        pieces.append(item.text)
        out.write(_json_line({"delta": item.text}) + "\n" if as_json else item.text)
        out.flush()
    if final is None:
        raise AssistantError("the answer stream ended without an answer")
    if as_json:
        print(_json_line({"answer": _answer_json(final, time.perf_counter() - started)}), file=out)
        return final
    streamed = "".join(pieces)
    if streamed:
        print(file=out)
    # The final answer is authoritative: a reply that cites nothing valid ends as "not found".
    if " ".join(final.text.split()) != " ".join(streamed.split()):
        print(final.text, file=out)
    for citation in final.citations:
        print(_citation_line(citation), file=out)
    return final


def cmd_ask(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        started = time.perf_counter()
        if args.stream:
            items = assistant.ask_stream(args.question, k=args.k, documents=args.document)
            answer = _print_stream(items, args.json, started, sys.stdout)
            return 0 if answer.found else NOT_FOUND
        answer = assistant.ask(args.question, k=args.k, documents=args.document)
        elapsed = time.perf_counter() - started
    if args.json:
        print(_json(_answer_json(answer, elapsed)))
    else:
        _print_answer(answer)
    return 0 if answer.found else NOT_FOUND


def cmd_chat(args: argparse.Namespace) -> int:
    """Questions from stdin, one a line, each answered in the conversation of those before it.

    A question that fails is reported and the conversation goes on; `/new` starts a new one.
    """
    from assistant.conversation import Turn
    from assistant.generators import GeneratorConfigError, GeneratorError

    interactive = sys.stdin.isatty()
    failed = 0
    history: list[Turn] = []
    with _open(args) as assistant:
        if interactive:
            _note(
                f"{len(assistant.documents())} document(s); one question a line, "
                "/new to start over, Ctrl-D to end"
            )
        while True:
            if interactive:
                print("> ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                break
            question = line.strip()
            if not question:
                continue
            if question == "/new":
                history.clear()
                if not args.json:
                    print("(a new conversation)", flush=True)
                continue
            started = time.perf_counter()
            try:
                items = assistant.ask_stream(question, k=args.k, documents=args.document, history=history)
                answer = _print_stream(items, args.json, started, sys.stdout)
            except (InvalidRequest, UnknownDocument, GeneratorError) as error:
                if isinstance(error, GeneratorConfigError):
                    raise  # the settings, not the question: every question would fail the same way
                failed += 1
                _fail(_one_line(str(error), limit=4000), error.exit_code)
                continue
            history = [*history, Turn.from_answer(answer)][-MAX_HISTORY_TURNS:]
            if not args.json:
                print(flush=True)
    return PARTLY_DONE if failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        hits = assistant.search(args.question, k=args.k, documents=args.document)
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
        if not hits:
            print("no matching pages")
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
    from assistant.payloads import resolve_documents

    with _open(args) as assistant:
        # Every name is checked before anything is deleted: a typo among the arguments deletes nothing.
        ids = resolve_documents(args.documents, assistant.documents()) or set()
        deleted = [assistant.delete(document_id) for document_id in sorted(ids)]
    if args.json:
        print(_json({"deleted": deleted}))
    else:
        for doc in deleted:
            print(f"deleted #{doc.id} {doc.filename}")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    with _open(args) as assistant:
        sizes = assistant.compact()
    print(_json(sizes) if args.json else f"{sizes['before']:,} -> {sizes['after']:,} bytes")
    return 0


def _figure(value: float | None, width: int) -> str:
    return f"{value:>{width}.3f}" if value is not None else f"{'-':>{width}}"


def cmd_check(args: argparse.Namespace) -> int:
    from indexer.check import check_workspace
    from indexer.workspace import Workspace

    workspace = Workspace(args.workspace, create=False)
    try:
        report = check_workspace(workspace, repair=args.repair)
    finally:
        workspace.close()
    print(_json(report.to_dict()) if args.json else report.summary())
    return 0 if report.consistent else 1


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import evaluate, load_questions, summarize

    # Both inputs are checked before the workspace is opened (or created by --docs).
    questions = load_questions(Path(args.questions))
    for raw in args.docs or []:
        if not Path(raw).expanduser().exists():
            raise MissingFile(raw)
    with _open(args) as assistant:
        if args.docs:
            report = assistant.add_report(_expand(args.docs))
            for failure in report.failures:
                print(f"warning: not indexed, its questions will miss: {failure}", file=sys.stderr)
            # Evaluate the workspace as users get it: with the cross-lingual channel filled.
            deep = _deep_phase(assistant, args.workspace, quiet=args.json)
            if deep is not None and deep["interrupted"]:
                return EXIT_INTERRUPTED  # figures without the whole deep index would mislead
        results = evaluate(assistant, questions)
    summary = summarize(results)
    if args.json:
        print(_json({"summary": summary, "questions": results}))
    else:
        print(f"{'group':22} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'answer':>7} {'p50 ms':>7}")
        for name, row in summary.items():
            print(
                f"{name:22} {row['n']:>3} {_figure(row['recall@1'], 6)} {_figure(row['recall@5'], 6)} "
                f"{_figure(row['mrr'], 6)} {_figure(row['answer_accuracy'], 7)} {row['p50_ms']:>7.1f}"
            )
        print(
            "R@1, R@5 and MRR count the answerable questions; answer accuracy counts all of them "
            "(an unanswerable one is right when the answer is 'not found')"
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
        settings=_generator_settings(args),
    )
    print(_json(summary) if args.json else str(summary))
    return PARTLY_DONE if summary.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.service import serve

    serve(
        args.workspace,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        max_upload_bytes=int(args.max_upload_mb * 2**20),
        insecure=args.insecure,
        settings=_generator_settings(args),
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
            settings=_generator_settings(args),
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Cited answers from manuals (PDF) and screenshots, in English and Russian.",
        epilog=_exit_codes_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbose_help = "log progress and decisions; show the traceback of an unexpected error"
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "workspace", help="workspace directory (add, serve and ui create it; other commands need one)"
        )
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        # SUPPRESS: given after the command it counts too, and its absence does not undo a -v before it.
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help)
        sub.add_argument("--embedder", help="text embedder for a NEW workspace: use (default), e5, st:/path")
        return sub

    def generator_flags(sub: argparse.ArgumentParser) -> None:
        group = sub.add_argument_group(
            "answering model",
            "default: ASSISTANT_GENERATOR, ASSISTANT_GENERATOR_URL, ASSISTANT_GENERATOR_MODEL, then the "
            "workspace's config.json (other settings: ASSISTANT_GENERATOR_* only, see docs/GENERATORS.md)",
        )
        group.add_argument(
            "--generator",
            choices=("extractive", "openai", "llamacpp", "omnifusion"),
            help="what writes the answer (default extractive: a sentence from the documents)",
        )
        group.add_argument(
            "--generator-url", metavar="URL", help="openai: the model server, e.g. http://gpu-host:8000/v1"
        )
        group.add_argument(
            "--generator-model",
            metavar="NAME_OR_PATH",
            help="openai: the served model's name; llamacpp: the .gguf file; omnifusion: the checkpoint",
        )

    def question_flags(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("-k", type=int, default=5, help=f"pages to consider (1..{MAX_K}, default 5)")
        sub.add_argument(
            "--document",
            action="append",
            metavar="ID_OR_FILENAME",
            help="only this document: an id or a file name as `list` shows it (repeatable)",
        )

    sub = command("add", "index PDFs and images (directories are walked)")
    sub.add_argument("paths", nargs="+")
    sub.add_argument("--dpi", type=float, help="page render resolution for a new workspace (default 150)")
    sub.add_argument(
        "--no-enrich",
        action="store_true",
        help="skip the deep (cross-lingual) embedding after indexing; `enrich` does it later",
    )
    sub.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="read, OCR and embed on a Ray cluster ('auto', host:port, or 'local' for this machine); "
        "this process stores",
    )
    sub.add_argument("--workers", type=int, help="with --ray local: worker processes (default: one per CPU)")
    sub.set_defaults(func=cmd_add)
    command("enrich", "fill the deep cross-lingual index for passages that lack it").set_defaults(
        func=cmd_enrich
    )
    sub = command("ask", "answer a question with citations")
    sub.add_argument("question")
    question_flags(sub)
    sub.add_argument(
        "--stream",
        action="store_true",
        help="print the answer as it is written, then its citations (--json: one JSON object a line)",
    )
    generator_flags(sub)
    sub.set_defaults(func=cmd_ask)
    sub = command(
        "chat",
        "a conversation: questions from stdin, one a line, follow-ups answered in context (/new starts over)",
    )
    question_flags(sub)
    generator_flags(sub)
    sub.set_defaults(func=cmd_chat)
    sub = command("search", "rank pages for a question")
    sub.add_argument("question")
    question_flags(sub)
    sub.set_defaults(func=cmd_search)
    command("list", "list indexed documents").set_defaults(func=cmd_list)
    sub = command("delete", "delete documents by id or file name (all are checked before any is deleted)")
    sub.add_argument("documents", nargs="+", metavar="ID_OR_FILENAME")
    sub.set_defaults(func=cmd_delete)
    command("compact", "give the space of deleted documents back to the disk").set_defaults(func=cmd_compact)
    sub = command(
        "check",
        "verify that the catalog, every index and the originals agree (exit 0 consistent, 1 not)",
    )
    sub.add_argument("--repair", action="store_true", help="mend what can be mended, then check again")
    sub.set_defaults(func=cmd_check)
    sub = command("eval", "Recall@1/@5, MRR and answer accuracy per language on a questions.jsonl")
    sub.add_argument("questions")
    sub.add_argument("--docs", nargs="*", help="files to index first (e.g. the corpus folder)")
    generator_flags(sub)
    sub.set_defaults(func=cmd_eval)
    sub = command("batch", "answer a file of questions (.jsonl/.csv) into a file of answers")
    sub.add_argument("questions")
    sub.add_argument("--out", required=True)
    sub.add_argument("--workers", type=int, default=1)
    sub.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster ('auto' or host:port)")
    generator_flags(sub)
    sub.set_defaults(func=cmd_batch)
    sub = command("serve", "REST service (FastAPI)")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument("--api-key", help="require this key in X-API-Key (or env ASSISTANT_API_KEY)")
    sub.add_argument("--max-upload-mb", type=float, default=50.0)
    sub.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback --host without an API key (or env ASSISTANT_INSECURE=1); "
        "anyone who reaches the port can then read and delete every document",
    )
    generator_flags(sub)
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
    generator_flags(sub)
    sub.set_defaults(func=cmd_ui)
    return parser


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _disk_full(error: BaseException) -> bool:
    """ENOSPC anywhere in the chain, or SQLite's own words for it (it reports no errno)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "database or disk is full" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _storage_full(error: BaseException) -> StorageFull:
    where = getattr(error, "filename", None)
    return StorageFull(
        f"the disk is full{f' (writing {where})' if where else ''}; free some space and run the "
        "command again (what was stored before is intact)"
    )


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that flushing what is left in its buffer at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class _Plain(logging.Formatter):
    """`warning: message`, as the CLI's own `error: message` lines read."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {_one_line(record.getMessage(), limit=500)}"


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run one command; any failure ends as one `error: ...` line on stderr and an exit code (--help)."""
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        if args.verbose
        else _Plain()  # people read these beside `error: ...`, not in a log file
    )
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe or a full disk shows here, inside the handlers below
        return code
    except IngestFailed as error:  # one line per file is the point of this one
        return _fail(str(error), error.exit_code)
    except AssistantError as error:
        if _disk_full(error) and not isinstance(error, StorageFull):  # the cause is what to act on
            error = _storage_full(error)
        # Our own messages end with what to do: never cut that off, only fold them onto one line.
        return _fail(_one_line(str(error), limit=4000), error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if _disk_full(error):
            _silence_stdout()
            return _fail(_one_line(str(_storage_full(error))), StorageFull.exit_code)
        if args.verbose:
            log.exception("%s failed", args.command)
        if isinstance(error, OSError):
            what = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
            return _fail(_one_line(f"{what}; check the path and its permissions"), EXIT_IO)
        detail = _one_line(f"{type(error).__name__}: {error}", limit=300)
        return _fail(f"unexpected {detail}; run with -v for details", EXIT_BUG)


if __name__ == "__main__":
    sys.exit(main())
