"""Lexical BM25 channel over stemmed English and Russian: word forms match, deletes stick, file shrinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.lexical import LexicalIndex

PASSAGES = {
    1: "Replace the dust bag every 4 weeks. A full bag reduces the suction power.",
    2: "Clean the exhaust filter under running water once a month.",
    3: "Меняйте мешок пылесборника каждые 4 недели. Переполненный мешок снижает мощность всасывания.",
    4: "Промывайте выходной фильтр под проточной водой раз в месяц.",
    5: "Скорость щётки: Обычная",
}


@pytest.fixture
def lexical(tmp_path: Path) -> LexicalIndex:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    index.add(PASSAGES.items())
    return index


def first(index: LexicalIndex, question: str) -> int:
    hits = index.search(question, 5)
    assert hits, question
    return hits[0][0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When do I replace dust bags?", 1),
        ("replacing the bag", 1),
        ("How do I clean filters?", 2),
        ("Когда менять пылесборник?", 3),
        ("Как часто заменять мешки пылесборника?", 3),
        ("Какая мощность всасывания?", 3),
        ("Как промыть выходные фильтры?", 4),
        ("скорость щетки", 5),
    ],
)
def test_other_word_forms_find_the_passage(lexical: LexicalIndex, question: str, expected: int) -> None:
    assert first(lexical, question) == expected


def test_scores_are_higher_for_better_matches(lexical: LexicalIndex) -> None:
    hits = lexical.search("dust bag suction power", 5)
    assert hits[0][0] == 1
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert hits[0][1] > 0


def test_questions_of_stopwords_or_quotes_do_not_break_the_query(lexical: LexicalIndex) -> None:
    assert lexical.search("What is it and how?", 5) == []
    assert lexical.search('Что значит "MAX" OR NOT*?', 5) == []
    assert lexical.search("", 5) == []


def test_deleted_passages_are_never_found_and_survive_a_reopen(lexical: LexicalIndex, tmp_path: Path) -> None:
    lexical.remove([1, 3])
    assert lexical.ids() == {2, 4, 5}
    assert 1 not in [i for i, _ in lexical.search("dust bag", 5)]
    lexical.close()
    reopened = LexicalIndex(tmp_path / "lexical.sqlite")
    assert len(reopened) == 3
    assert reopened.search("мешок пылесборника", 5) == []
    assert first(reopened, "filter") == 2


def test_adding_the_same_passage_id_again_replaces_it(lexical: LexicalIndex) -> None:
    lexical.add([(2, "Descale the coffee machine every three months.")])
    assert len(lexical) == 5
    assert first(lexical, "descaling") == 2
    assert lexical.search("exhaust filter", 5) == []


def on_disk(directory: Path) -> int:
    """Bytes of the index with its write-ahead log: what the user's disk really holds."""
    return sum(path.stat().st_size for path in directory.glob("lexical.sqlite*"))


def test_optimize_gives_the_space_of_deleted_rows_back(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    index.add((i, f"Step {i}: {PASSAGES[1 + i % 5]} " * 5) for i in range(3000))
    index.optimize()
    full = on_disk(tmp_path)
    index.remove(range(100, 3000))
    index.optimize()
    assert on_disk(tmp_path) < full / 3
    assert len(index) == 100
