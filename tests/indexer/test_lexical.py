"""Lexical BM25 channel over stemmed English and Russian: word forms match, deletes stick, file shrinks."""

from __future__ import annotations

from pathlib import Path

import pytest

import indexer.lexical as lexical_module
from indexer.language import search_tokens
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


def full_bm25(index: LexicalIndex, question: str) -> dict[int, float]:
    """FTS5's own BM25 of every row for all the question's words (what the channel must reproduce)."""
    terms = list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))
    with index._guarded() as connection:
        return dict(index._ranked(connection, terms, 1_000_000))


def test_a_question_of_common_words_is_ranked_from_its_rarest_words_with_exact_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large library in small: most rows share the question's common words, a few hold its rare one.
    monkeypatch.setattr(lexical_module, "SCORED_ROWS", 40)
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    filler = "Clean the filter of the machine with water and check the machine settings."
    rows = [(i, f"{filler} Part {i} of the machine manual, section 1.{i}.") for i in range(300)]
    rows += [
        (1000, "Descale the machine: clean the filter, then run the descaling program with water."),
        (1001, "Descaling removes lime from the kettle and the boiler."),
        (1002, "Descale every three months."),
    ]
    index.add(rows)
    question = "How do I descale the machine and clean its filter with water?"
    exact = full_bm25(index, question)
    found = index.search(question, 5)
    # The row with the rare word and the common ones is first, as plain BM25 ranks it, and every
    # score is FTS5's own to the last digits (the common words' share is added back exactly).
    assert found[0][0] == 1000 == max(exact, key=lambda row: exact[row])
    assert [row for row, _ in found[:3]] == sorted(exact, key=lambda row: -exact[row])[:3]
    assert all(score == pytest.approx(exact[row], rel=1e-9) for row, score in found)
    # A question of common words alone still answers, ranked by the least common of them.
    assert index.search("machine settings water", 3)


def test_word_frequencies_follow_another_writers_additions(tmp_path: Path) -> None:
    writer = LexicalIndex(tmp_path / "lexical.sqlite")
    writer.add(PASSAGES.items())
    reader = LexicalIndex(tmp_path / "lexical.sqlite", read_only=True)
    rare = reader.idf(["descal"])["descal"]
    assert reader.search("descale", 5) == []
    LexicalIndex(tmp_path / "lexical.sqlite").add((10 + i, "Descale the kettle.") for i in range(4))
    # No restart and no reset: the next question sees the new rows and the word's lower IDF.
    assert reader.idf(["descal"])["descal"] < rare
    assert {row for row, _ in reader.search("descale", 5)} == {10, 11, 12, 13}


class _ClearedByAnotherThread(dict[str, int]):
    """The shared word-frequency memo as another thread leaves it: cleared just as this one adds to it."""

    def update(self, *args: object, **kwargs: object) -> None:
        self.clear()
        super().update(*args, **kwargs)  # type: ignore[arg-type]


def test_idf_survives_another_thread_clearing_the_frequency_memo(lexical: LexicalIndex) -> None:
    expected = lexical.idf(["vacuum", "descal"])
    lexical._frequencies = _ClearedByAnotherThread(lexical._frequencies)
    # One word remembered, one new: the memo is cleared between the two (a search on the channel's
    # thread and the reader's IDF on the caller's share it).
    assert lexical.idf(["vacuum", "descal", "filter"]) == {
        **expected,
        "filter": lexical.idf(["filter"])["filter"],
    }
