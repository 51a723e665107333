"""The reader on questions that ask for an algorithm, and on how-to questions about what a guide never tells.

The guide is invented (tests/data/packrat_guide.en.html / .ru.html, printed with chromium): a backup tool's
archives are encrypted with a named cipher; a section about shared drawers and a settings line ("Max. drawer
size: MiB") name no cipher; a speed limit is a check box, with no schedule anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.questions import ACTION, ALGORITHM, algorithm_names, processed_object, profile_question

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workspace = tmp_path_factory.mktemp("packrat_guide")
    with Assistant(workspace, background_enrichment=False) as assistant:
        assistant.add([DATA / "packrat_guide.en.pdf", DATA / "packrat_guide.ru.pdf"])
        yield assistant


@pytest.mark.parametrize(
    "question",
    ["Which algorithm does Packrat use to encrypt archives?", "Каким алгоритмом Packrat шифрует архивы?"],
)
def test_the_cipher_of_the_archives_is_the_answer(guide: Assistant, question: str) -> None:
    answer = guide.ask(question)
    assert answer.found and "ChaCha20-Poly1305" in answer.text
    assert answer.citations[0].document.filename.startswith("packrat_guide")


@pytest.mark.parametrize(
    "question",
    [
        # The only cipher named is the archives': the drawers' is never told.
        "Which cipher encrypts the shared drawers?",
        "Каким алгоритмом шифруются общие ящики?",
        # The speed limit is a check box; no schedule is told ("по которому" opens a relative clause, the
        # question asks how, not for a speed).
        "How do I set a schedule so that the speed limit is on only at night?",
        "Как в Packrat задать расписание, по которому ограничение скорости включается только ночью?",
    ],
)
def test_what_the_guide_never_tells_is_not_found(guide: Assistant, question: str) -> None:
    answer = guide.ask(question)
    assert not answer.found, answer.text


@pytest.mark.parametrize(
    ("question", "kind", "acted_on"),
    [
        ("Which cipher encrypts the shared drawers?", ALGORITHM, {"share", "drawer"}),
        ("Каким алгоритмом шифруются общие ящики?", ALGORITHM, {"общ", "ящик"}),
        ("What hash does the tool use?", ALGORITHM, set()),
        (
            "Как задать расписание, по которому ограничение скорости включается?",
            ACTION,
            {"расписан"},
        ),
    ],
)
def test_what_an_algorithm_question_asks_and_what_it_is_applied_to(
    question: str, kind: str, acted_on: set[str]
) -> None:
    profile = profile_question(question)
    assert profile.asks == kind
    assert profile.sets == acted_on
    if kind == ALGORITHM:
        assert processed_object(question) == acted_on


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Before upload every archive is encrypted with ChaCha20-\nPoly1305.", ["ChaCha20-Poly1305"]),
        (
            "Каждый архив шифруется алгоритмом Serpent-XTS, ключ — через Argon2id.",
            ["Serpent-XTS", "Argon2id"],
        ),
        ("Checksums are SHA-256 digests.", ["SHA-256"]),
        # A settings line in capitals and units names no cipher; nor a line that says nothing of one.
        ("Max. drawer size: MiB", []),
        ("Upload AES files to the NAS box over SSH.", []),
    ],
)
def test_the_algorithms_a_line_names(line: str, names: list[str]) -> None:
    assert algorithm_names(line) == names
