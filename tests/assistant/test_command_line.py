"""The command line as a user drives it: real processes, exit codes, one-line errors, phases of `add`."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant import Assistant
from assistant.cli import EXIT_BROKEN_PIPE, EXIT_BUG, EXIT_CODES, NOT_FOUND, PARTLY_DONE
from indexer.errors import (
    AssistantError,
    CatalogUnavailable,
    InsecureExposure,
    InvalidRequest,
    NoWorkspace,
    StorageFull,
    UnknownDocument,
    WorkspaceDamaged,
    WorkspaceError,
)

if TYPE_CHECKING:
    from conftest import Corpus, Maker

REPOSITORY = Path(__file__).resolve().parents[2]
DUST_BAG = "How often should I replace the dust bag?"
RU_DUST_BAG = "Как часто менять мешок пылесборника?"
TIMEOUT = 240
SECTIONS = range(12)


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPOSITORY) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or child_env(),
        check=False,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit `code`, and stderr ends in one `error: ...` line naming `words`, without a traceback.

    Warnings logged on the way (`warning: ...`, one line each) may come before it.
    """
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    *before, line = done.stderr.strip().splitlines()
    assert line.startswith("error: "), done.stderr
    assert all(other.startswith("warning: ") for other in before), done.stderr
    for word in words:
        assert word in line, (word, line)
    return line


@pytest.fixture(scope="module")
def workspace(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """English and Russian manuals; the tests here only read it."""
    root = tmp_path_factory.mktemp("cli") / "ws"
    with Assistant(root) as assistant:
        assistant.add([corpus.vacuum_en, corpus.vacuum_ru])
    return root


# -- exit codes --------------------------------------------------------------------------------------


def test_exit_codes_are_distinct_and_documented_in_help_and_readme() -> None:
    codes = [code for code, _ in EXIT_CODES]
    assert len(codes) == len(set(codes))
    for error in (
        AssistantError,
        NoWorkspace,
        InvalidRequest,
        UnknownDocument,
        CatalogUnavailable,
        WorkspaceDamaged,
        WorkspaceError,
        StorageFull,
        InsecureExposure,
    ):
        assert error.exit_code in codes, error
    done = cli("--help")
    assert done.returncode == 0
    help_text = done.stdout.split("exit codes:", 1)[1]
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES:
        assert f"{code:>3}  {meaning}" in help_text
        assert f"| {code} |" in readme, f"README.md lacks exit code {code}"


# -- item 8 and 12: bounds, empty questions, unknown documents ----------------------------------------


@pytest.mark.parametrize(
    ("command", "question", "k", "words"),
    [
        ("ask", "", 5, ["question", "empty"]),
        ("search", "   \n ", 5, ["question", "empty"]),
        ("ask", "dust bag " * 600, 5, ["question", "4,000"]),
        ("search", DUST_BAG, 10**8, ["k", "between 1 and 50"]),
        ("ask", DUST_BAG, 0, ["k", "between 1 and 50"]),
    ],
    ids=["empty", "blank", "too-long", "huge-k", "zero-k"],
)
def test_bad_questions_and_k_are_one_line_errors(
    workspace: Path, command: str, question: str, k: int, words: list[str]
) -> None:
    done = cli(command, workspace, question, "-k", k)
    assert_one_line_error(done, InvalidRequest.exit_code, *words)
    assert done.stdout == ""


def test_document_filter_takes_ids_and_file_names(workspace: Path) -> None:
    listed = json.loads(cli("list", workspace, "--json").stdout)
    ids = {document["filename"]: document["id"] for document in listed}
    asked = cli(
        "ask", workspace, "Как часто менять мешок пылесборника?", "--document", "vacuum_ru.pdf", "--json"
    )
    by_name = json.loads(asked.stdout)
    assert by_name["found"] and {c["document"]["filename"] for c in by_name["citations"]} == {"vacuum_ru.pdf"}
    done = cli("search", workspace, DUST_BAG, "--document", ids["vacuum_en.pdf"], "--json")
    assert done.returncode == 0 and {h["document"]["id"] for h in json.loads(done.stdout)} == {
        ids["vacuum_en.pdf"]
    }
    done = cli("ask", workspace, DUST_BAG, "--document", "4242", "--document", "manual.docx")
    assert_one_line_error(done, UnknownDocument.exit_code, "4242", "manual.docx")


def test_not_found_is_its_own_exit_code(workspace: Path) -> None:
    done = cli("ask", workspace, "What is the boiling point of liquid nitrogen on Mars?")
    assert done.returncode == NOT_FOUND and done.stderr == ""
    assert done.stdout.startswith("Not found")


def test_delete_by_id_or_name_and_unknown_ones_delete_nothing(corpus: Corpus, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Assistant(root) as assistant:
        english, russian, coffee = assistant.add([corpus.vacuum_en, corpus.vacuum_ru, corpus.coffee_en])
    done = cli("delete", root, english.id, "nope.pdf", 999)
    assert_one_line_error(done, UnknownDocument.exit_code, "nope.pdf", "999")
    assert len(json.loads(cli("list", root, "--json").stdout)) == 3  # the typo cost nothing
    done = cli("delete", root, "vacuum_ru.pdf", english.id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"deleted #{english.id} vacuum_en.pdf",
        f"deleted #{russian.id} vacuum_ru.pdf",
    ]
    again = cli("delete", root, english.id)
    assert_one_line_error(again, UnknownDocument.exit_code, str(english.id))
    assert [d["filename"] for d in json.loads(cli("list", root, "--json").stdout)] == ["coffee_en.pdf"]
    assert json.loads(cli("delete", root, coffee.id, "--json").stdout)["deleted"][0]["id"] == coffee.id


# -- item 13: no tracebacks ---------------------------------------------------------------------------


def test_eval_with_a_missing_file_creates_nothing(workspace: Path, tmp_path: Path) -> None:
    missing = tmp_path / "questions.jsonl"
    assert_one_line_error(cli("eval", workspace, missing), AssistantError.exit_code, "questions.jsonl")
    missing.write_text(json.dumps({"id": 1, "question": "?", "doc": "a.pdf", "pages": [1]}) + "\n")
    new = tmp_path / "new-ws"
    done = cli("eval", new, missing, "--docs", tmp_path / "corpus-typo")
    assert_one_line_error(done, AssistantError.exit_code, "corpus-typo", "no such file")
    assert not new.exists()


def test_a_closed_output_pipe_ends_quietly(workspace: Path) -> None:
    """`list --json | head -1`: the reader goes away before the output is written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "assistant", "list", str(workspace), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    error = child.stderr.read().decode()
    assert child.wait(timeout=TIMEOUT) == EXIT_BROKEN_PIPE
    assert error == ""


def test_a_full_disk_is_a_one_line_error(workspace: Path, tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "list", str(workspace), "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
            timeout=TIMEOUT,
            check=False,
        )
    assert_one_line_error(done, StorageFull.exit_code, "disk is full", "free some space")
    # Answers written to a file on a full disk (/dev/full answers every write with ENOSPC).
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "1", "question": DUST_BAG}) + "\n", encoding="utf-8")
    (tmp_path / "answers.jsonl").symlink_to("/dev/full")
    done = cli("batch", workspace, questions, "--out", tmp_path / "answers.jsonl", "--json")
    assert_one_line_error(done, StorageFull.exit_code, "disk is full")


@pytest.mark.parametrize(
    "damage",
    ["truncated dense.faiss", "garbage catalog", "config.json not JSON", "config.json bad value"],
)
def test_a_damaged_workspace_never_prints_a_traceback(
    corpus: Corpus, tmp_path: Path, damage: str, make: Maker
) -> None:
    root = tmp_path / "ws"
    with Assistant(root) as assistant:
        assistant.add([corpus.vacuum_en])
    if damage == "truncated dense.faiss":
        data = (root / "dense.faiss").read_bytes()
        (root / "dense.faiss").write_bytes(data[: len(data) // 3])
    elif damage == "garbage catalog":
        (root / "catalog.sqlite").write_bytes(b"this is not a database\n" * 100)
        for extra in ("catalog.sqlite-wal", "catalog.sqlite-shm"):
            (root / extra).unlink(missing_ok=True)
    elif damage == "config.json not JSON":
        (root / "config.json").write_text('{"dpi": 150', encoding="utf-8")
    else:
        config = json.loads((root / "config.json").read_text(encoding="utf-8"))
        (root / "config.json").write_text(json.dumps({**config, "dpi": "high"}), encoding="utf-8")
    done = cli("add", root, make.manual("new.pdf", make.coffee_en))
    assert done.returncode not in (0, PARTLY_DONE), done.stdout
    line = assert_one_line_error(done, done.returncode)
    if done.returncode == EXIT_BUG:  # not (yet) a typed error: the message says how to learn more
        assert line.endswith("run with -v for details")
    asked = cli("ask", root, DUST_BAG)
    if asked.returncode not in (0, NOT_FOUND):  # reading may not need what was damaged
        assert_one_line_error(asked, asked.returncode)


def test_an_unexpected_error_is_one_line_and_verbose_shows_the_traceback(workspace: Path) -> None:
    """A bug (a command raising what nobody expected) at the one place that catches everything."""
    program = (
        "import sys\n"
        "import assistant.cli as cli\n"
        "def broken(args):\n"
        "    raise KeyError('catalog row vanished\\nsecond line')\n"
        "cli.cmd_list = broken\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", program, "list", str(workspace)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=TIMEOUT,
        check=False,
    )
    line = assert_one_line_error(quiet, EXIT_BUG, "KeyError", "catalog row vanished")
    assert line.endswith("; run with -v for details")
    for verbose in (["-v", "list", str(workspace)], ["list", str(workspace), "-v"]):
        loud = subprocess.run(
            [sys.executable, "-c", program, *verbose],
            capture_output=True,
            text=True,
            env=child_env(),
            timeout=TIMEOUT,
            check=False,
        )
        assert loud.returncode == EXIT_BUG
        assert "Traceback" in loud.stderr and "def broken" not in loud.stdout
        assert loud.stderr.strip().splitlines()[-1] == line


# -- item 15: the two phases of add ------------------------------------------------------------------


def many_passages(make: Maker, name: str = "pumps.pdf", pages: int = 16) -> Path:
    """About 200 passages: a few batches of the deep index, so that Ctrl-C lands in the middle."""
    chapters = [
        (
            f"Pump P{n}",
            [f"Section {n}.{i}: pump P{n}{i} needs a new seal every {i + 2} months." for i in range(12)],
        )
        for n in range(pages)
    ]
    return make.manual(name, chapters)


def test_add_says_searchable_then_fills_the_deep_index_and_ctrl_c_is_safe(
    make: Maker, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    manual = many_passages(make)
    env = child_env(ASSISTANT_DEEP_EMBEDDER="e5")
    child = subprocess.Popen(
        [sys.executable, "-m", "assistant", "add", str(root), str(manual)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: the order the user sees
        text=True,
        env=env,
    )
    assert child.stdout is not None
    seen: list[str] = []
    for line in child.stdout:
        seen.append(line)
        if line.startswith("deep index: embedding"):
            child.send_signal(signal.SIGINT)
            break
    rest, _ = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, "".join(seen) + rest
    before = "".join(seen)
    assert "1 added, 0 unchanged, 0 failed in" in before and "searchable now" in before
    announcement = seen[-1]
    assert "passage(s) for cross-lingual questions" in announcement and "Ctrl-C is safe" in announcement
    resume = f"python -m assistant enrich {root}"
    assert resume in announcement
    assert "stopped with" in rest and resume in rest and "Traceback" not in rest

    # The documents were searchable all along; `enrich` finishes what Ctrl-C left.
    hits = json.loads(
        cli("search", root, "Which pump needs a new seal every 5 months?", "--json", env=env).stdout
    )
    assert hits and hits[0]["document"]["filename"] == "pumps.pdf"
    with Assistant(root, deep_embedder="e5") as assistant:  # this test session turns it off by default
        left = assistant.pending_enrichment()
    assert left > 0
    done = cli("enrich", root, "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["embedded"], result["pending"], result["interrupted"]) == (left, 0, False)


def test_add_json_stays_machine_readable(corpus: Corpus, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    done = cli(
        "add",
        root,
        corpus.vacuum_en,
        corpus.root / "missing.pdf",
        "--json",
        env=child_env(ASSISTANT_DEEP_EMBEDDER="e5"),
    )
    assert done.returncode == PARTLY_DONE
    report = json.loads(done.stdout)  # the whole of stdout is one JSON document: no bars, no notes
    assert [d["filename"] for d in report["added"]] == ["vacuum_en.pdf"]
    assert "missing.pdf" in report["failed"][0]["error"]
    deep = report["deep_index"]
    assert deep["embedded"] > 0 and deep["pending"] == 0 and deep["interrupted"] is False
    assert "deep index" not in done.stderr and "%|" not in done.stderr


def test_add_without_enrich_says_what_waits(corpus: Corpus, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    done = cli("add", root, corpus.vacuum_en, "--no-enrich", env=child_env(ASSISTANT_DEEP_EMBEDDER="e5"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(": searchable now")
    assert f"wait for `python -m assistant enrich {root}`" in done.stderr


# -- item 16 and the batch summary, through the command line -----------------------------------------


def test_eval_counts_unanswerable_questions(workspace: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "bag", "lang": "en", "kind": "manual", "question": DUST_BAG, "doc": "vacuum_en.pdf",
         "pages": [2], "answers": ["4 weeks"]},
        {"id": "mars", "lang": "en", "kind": "unanswerable", "question": "What is the boiling point of "
         "liquid nitrogen on Mars?", "doc": "", "pages": [], "answers": []},
    ]  # fmt: skip
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    done = cli("eval", workspace, questions)
    assert done.returncode == 0, done.stderr
    table = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[1:] if line.strip()}
    assert table["all"][:5] == ["2", "1.000", "1.000", "1.000", "1.000"]
    assert table["unanswerable"][:5] == ["1", "-", "-", "-", "1.000"]


def test_batch_prints_a_sentence_not_a_repr(workspace: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    rows = [{"id": "1", "question": DUST_BAG}, {"id": "2", "question": DUST_BAG, "documents": [4242]}]
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "answers.csv"
    done = cli("batch", workspace, questions, "--out", out)
    assert done.returncode == PARTLY_DONE, done.stderr
    assert done.stdout.startswith("answered 1 of 2 question(s) (1 failed, 0 skipped from an earlier run) in ")
    assert f"→ {out}" in done.stdout and "BatchSummary" not in done.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        assert [row["found"] for row in csv.DictReader(handle)] == ["true", "false"]
