"""The reader's benchmark table says which files a set was measured without."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import reader_eval

SUMMARY = {"all": {"n": 2, "answer_accuracy": 0.5, "recall@1": 0.5, "recall@5": 1.0}}


def test_the_table_names_the_files_a_set_was_measured_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One set lost a damaged guide at indexing: its figures stand for what was read, and the table says so.
    after = {
        "date": "2026-12-01 05:00 UTC",
        "sets": {
            "cloaked": {"unread": ["guide.pdf: not a PDF (damaged)"], "summary": SUMMARY, "questions": []},
            "veiled": {"unread": [], "summary": SUMMARY, "questions": []},
        },
    }
    (tmp_path / "reader_after.json").write_text(json.dumps(after), encoding="utf-8")
    monkeypatch.setattr(reader_eval, "RESULTS", tmp_path)
    table = reader_eval.render()
    assert "Files of `cloaked` this tree could not read (measured without them): guide.pdf" in table
    assert "Files of `veiled`" not in table
    assert "| cloaked | all | 2 |" in table and "| veiled | all | 2 |" in table
