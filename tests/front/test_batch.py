"""Batch jobs: questions files in (.jsonl/.csv), answers out, resume, failures recorded, threads and Ray."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.batch import BatchSummary, QuestionFileError, read_answers, read_questions, run_batch

from .conftest import EN_ANSWER_WORDS, EN_QUESTION, RU_ANSWER_WORDS, RU_QUESTION, UNANSWERABLE


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


QUESTIONS = [
    {"id": "en", "question": EN_QUESTION},
    {"id": "ru", "question": RU_QUESTION, "documents": ["пылесос.pdf"]},
    {"id": "none", "question": UNANSWERABLE},
    {"id": "bad-filter", "question": EN_QUESTION, "document": 4242},
]


def test_read_questions_accepts_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = _jsonl(
        tmp_path / "q.jsonl", [*QUESTIONS, {"id": 7, "question": " trimmed ", "doc": "a.pdf", "k": 2}]
    )
    rows = read_questions(jsonl)
    assert [r.id for r in rows] == ["en", "ru", "none", "bad-filter", "7"]
    assert rows[1].documents == ("пылесос.pdf",) and rows[3].documents == (4242,)
    assert (rows[4].question, rows[4].k, rows[4].documents) == ("trimmed", 2, ("a.pdf",))
    table = tmp_path / "q.csv"
    table.write_text('id,question,documents\n1,"Where, exactly?",\n2,Как дела?,1;2\n', encoding="utf-8")
    assert [(r.id, r.question, r.documents) for r in read_questions(table)] == [
        ("1", "Where, exactly?", None),
        ("2", "Как дела?", ("1", "2")),
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "q.jsonl",
            '{"id": "a", "question": "ok?"}\n{"id": "b", "question": ""}\n',
            "q.jsonl, line 2: the 'question'",
        ),
        (
            "q.jsonl",
            '{"id": "a", "question": "ok?"}\n\n{"question": "who?"}\n',
            "q.jsonl, line 3: every row needs an 'id'",
        ),
        ("q.jsonl", '{"id": "a", "question": "ok?"\n', "q.jsonl, line 1: not valid JSON"),
        ("q.jsonl", '["a", "b"]\n', "q.jsonl, line 1: each line must be a JSON object"),
        (
            "q.jsonl",
            '{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n',
            "line 2: id 'a' was already used on line 1",
        ),
        ("q.jsonl", '{"id": "a", "question": "x", "k": 500}\n', "line 1: k must be between 1 and 50"),
        ("q.csv", "name,text\nx,y\n", "q.csv, line 1: the CSV header must have 'id' and 'question'"),
        ("q.csv", "id,question\n1,fine\n2,too,many\n", "q.csv, line 3: the row has more cells"),
        ("q.txt", "id,question\n", "must be .jsonl or .csv"),
    ],
)
def test_read_questions_names_file_and_line(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionFileError) as caught:
        read_questions(path)
    assert expected in str(caught.value)


def test_missing_questions_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match=r"missing\.jsonl: cannot be opened"):
        read_questions(tmp_path / "missing.jsonl")


def test_batch_answers_records_failures_and_resumes(
    indexed_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = _jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    out = tmp_path / "answers.jsonl"
    summary = run_batch(indexed_workspace, questions, out, workers=2)
    assert (summary.total, summary.done, summary.failed, summary.skipped) == (4, 3, 1, 0)
    assert "answering" in capsys.readouterr().err  # the tqdm progress bar
    rows = {row["id"]: row for row in read_answers(out)}
    assert EN_ANSWER_WORDS in rows["en"]["answer"] and rows["en"]["found"] is True
    citation = rows["en"]["citations"][0]
    assert (citation["filename"], citation["page"], len(citation["bbox"])) == ("coffee-machine.pdf", 2, 4)
    assert RU_ANSWER_WORDS in rows["ru"]["answer"]
    assert rows["none"]["found"] is False and rows["none"]["citations"] == [] and rows["none"]["error"] == ""
    assert "UnknownDocumentError" in rows["bad-filter"]["error"] and "4242" in rows["bad-filter"]["error"]
    assert all(row["latency_ms"] > 0 for row in rows.values())

    # Resume: answered ids are skipped, the failed one is asked again, a new one is added.
    _jsonl(
        questions,
        [*QUESTIONS, {"id": "new", "question": "What should I do if the coffee comes out too slowly?"}],
    )
    again = run_batch(indexed_workspace, questions, out, workers=1, progress=False)
    assert (again.total, again.skipped, again.done, again.failed) == (5, 3, 1, 1)
    ids = [row["id"] for row in read_answers(out)]
    assert sorted(ids) == ["bad-filter", "en", "new", "none", "ru"]
    assert "coarsely" in {row["id"]: row for row in read_answers(out)}["new"]["answer"]


def test_resume_drops_a_line_cut_off_by_a_crash(indexed_workspace: Path, tmp_path: Path) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", QUESTIONS[:2])
    out = tmp_path / "a.jsonl"
    run_batch(indexed_workspace, questions, out, progress=False)
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text(lines[0] + "\n" + lines[1][:25], encoding="utf-8")  # killed mid-write
    summary = run_batch(indexed_workspace, questions, out, progress=False)
    assert (summary.skipped, summary.done) == (1, 1)
    assert sorted(row["id"] for row in read_answers(out)) == ["en", "ru"]


def test_csv_in_and_out_with_two_workers(indexed_workspace: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.csv"
    with questions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "documents"])
        for number in range(12):
            writer.writerow([f"q{number}", EN_QUESTION if number % 2 else RU_QUESTION, ""])
    out = tmp_path / "answers.csv"
    summary = run_batch(indexed_workspace, questions, out, workers=2, progress=False)
    assert (summary.done, summary.failed) == (12, 0)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "id",
        "question",
        "answer",
        "found",
        "language",
        "citations",
        "latency_ms",
        "error",
    ]
    by_id = {row["id"]: row for row in rows}
    assert EN_ANSWER_WORDS in by_id["q1"]["answer"] and RU_ANSWER_WORDS in by_id["q0"]["answer"]
    assert json.loads(by_id["q1"]["citations"])[0]["page"] == 2
    assert {row["found"] for row in rows} == {"true"}  # what spreadsheets and JSON tools read as booleans
    assert all(row["found"] is True for row in read_answers(out))
    assert run_batch(indexed_workspace, questions, out, progress=False).skipped == 12


def test_csv_found_reads_back_in_both_spellings_and_resume_rewrites_the_old_one(
    indexed_workspace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "answers.csv"
    # Written by an earlier version, which spelled booleans the Python way.
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "answer", "found", "language", "citations", "latency_ms", "error"])
        writer.writerow(["a", EN_QUESTION, "three months", "True", "en", "[]", "5", ""])
        writer.writerow(["b", UNANSWERABLE, "Not found", "False", "en", "[]", "5", ""])
        writer.writerow(["c", UNANSWERABLE, "Not found", "false", "en", "[]", "5", ""])
    assert [(row["id"], row["found"]) for row in read_answers(out)] == [
        ("a", True),
        ("b", False),
        ("c", False),
    ]
    questions = _jsonl(tmp_path / "q.jsonl", [{"id": i, "question": EN_QUESTION} for i in "abcd"])
    summary = run_batch(indexed_workspace, questions, out, progress=False)
    assert (summary.skipped, summary.done) == (3, 1)
    with out.open(encoding="utf-8", newline="") as handle:
        assert [row["found"] for row in csv.DictReader(handle)] == ["true", "false", "false", "true"]


def test_the_summary_is_a_sentence(tmp_path: Path) -> None:
    summary = BatchSummary(total=50, done=46, skipped=2, failed=2, seconds=3.24, out=tmp_path / "a.jsonl")
    text = str(summary)
    assert text.startswith(
        "answered 46 of 50 question(s) (2 failed, 2 skipped from an earlier run) "
        f"in 3.2 s → {tmp_path / 'a.jsonl'}"
    )
    assert "running the same command again retries them" in text
    clean = BatchSummary(total=3, done=3, seconds=0.5, out=Path("answers.csv"))
    assert (
        str(clean)
        == "answered 3 of 3 question(s) (0 failed, 0 skipped from an earlier run) in 0.5 s → answers.csv"
    )


def test_output_must_be_jsonl_or_csv(indexed_workspace: Path, tmp_path: Path) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", QUESTIONS[:1])
    with pytest.raises(QuestionFileError, match=r"the output file must be \.jsonl or \.csv"):
        run_batch(indexed_workspace, questions, tmp_path / "answers.txt")


def test_the_same_job_on_a_local_ray_instance(indexed_workspace: Path, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    questions = _jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    out = tmp_path / "ray-answers.jsonl"
    try:
        summary = run_batch(indexed_workspace, questions, out, workers=2, ray_address="local", progress=False)
    finally:
        ray.shutdown()
    assert (summary.done, summary.failed) == (3, 1)
    rows = {row["id"]: row for row in read_answers(out)}
    assert EN_ANSWER_WORDS in rows["en"]["answer"] and rows["en"]["citations"][0]["page"] == 2
    assert "UnknownDocumentError" in rows["bad-filter"]["error"]


def test_the_command_line_runs_a_batch(indexed_workspace: Path, tmp_path: Path) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", QUESTIONS[:3])
    out = tmp_path / "a.csv"
    command = [sys.executable, "-m", "assistant", "batch", str(indexed_workspace), str(questions)]
    command += ["--out", str(out), "--workers", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "answering" in done.stderr  # the progress bar
    assert done.stdout.startswith("answered 3 of 3 question(s) (0 failed, 0 skipped from an earlier run) in ")
    assert sorted(row["id"] for row in read_answers(out)) == ["en", "none", "ru"]
