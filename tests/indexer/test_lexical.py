"""Lexical BM25 channel over stemmed English and Russian: word forms match, deletes stick, file shrinks."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import indexer.lexical as lexical_module
from indexer.language import search_tokens
from indexer.lexical import LexicalIndex

if TYPE_CHECKING:
    from conftest import Maker

REPOSITORY = Path(__file__).resolve().parents[2]

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


SENTENCES = [
    "Replace the dust bag every 4 weeks.",
    "A full bag reduces the suction power and can overheat the motor.",
    "Clean the exhaust filter under running water once a month and let it dry for 24 hours.",
    "If the vacuum cleaner does not start, check that the plug is in the socket.",
    "A whistling noise means that the hose is blocked: remove the blockage with a long stick.",
    "Fill the water tank up to the MAX mark and insert a coffee capsule.",
    "Press the cup button once for an espresso and twice for a lungo.",
    "Descale the coffee machine every three months with a citric acid solution.",
    "Open the print dialog, choose the printer and set the number of copies.",
    "The battery charges fully in five hours on the charging station.",
    "Меняйте мешок пылесборника каждые 4 недели.",
    "Переполненный мешок снижает мощность всасывания и перегревает двигатель.",
    "Промывайте выходной фильтр под проточной водой раз в месяц.",
    "Не вынимайте вилку из розетки, потянув за шнур.",
    "Откройте диалог печати, выберите принтер и укажите число копий.",
    "Аккумулятор заряжается полностью за пять часов на зарядной станции.",
    "Налейте воду в бак до отметки MAX и вставьте капсулу с кофе.",
    "Удаляйте накипь из кофемашины раз в три месяца раствором лимонной кислоты.",
]

QUESTIONS = [
    "How often do I replace the dust bag?",
    "How do I clean the filter with water?",
    "the vacuum cleaner does not start, what do I check?",
    "How do I descale the coffee machine?",
    "How many copies does the print dialog set?",
    "Как часто менять мешок пылесборника?",
    "Как промыть фильтр водой?",
    "Как удалить накипь из кофемашины?",
    "Сколько часов заряжается аккумулятор?",
    "water filter month bag",
]


def library_rows(count: int, start: int = 1) -> list[tuple[int, str]]:
    """Passages of real manual sentences in many combinations: common words in most rows, with their
    counts and the rows' lengths varying, as in a large library."""
    rows = []
    for i in range(start, start + count):
        picked = [SENTENCES[(i * step + step) % len(SENTENCES)] for step in (1, 5, 7)[: 1 + i % 3]]
        rows.append((i, " ".join(picked)))
    return rows


@pytest.fixture
def common_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large library in small: questions score more than `SCORED_ROWS` rows, words in more than
    `LISTED_WORD_ROWS` rows get posting lists."""
    monkeypatch.setattr(lexical_module, "SCORED_ROWS", 60)
    monkeypatch.setattr(lexical_module, "LISTED_WORD_ROWS", 12)
    monkeypatch.setattr(lexical_module, "LISTED_MIN_ROWS", 80)


def assert_exact(
    index: LexicalIndex, question: str, k: int = 20, drift: float = 1e-5
) -> list[tuple[int, float]]:
    """The channel's hits are FTS5's own full BM25 ranking (rows of equal score in any order).

    `drift`: rows added since the posting lists were built move FTS5's token average a little,
    while the lists keep the weights of the build's average (rebuilt past `POSTINGS_STALE`).
    """
    exact = full_bm25(index, question)
    found = index.search(question, k)
    best = sorted(exact.values(), reverse=True)[:k]
    assert [score for _, score in found] == pytest.approx(best, rel=drift), question
    assert all(exact[row] == pytest.approx(score, rel=drift) for row, score in found), question
    return found


@pytest.mark.usefixtures("common_words")
def test_posting_lists_rank_english_and_russian_exactly_as_fts5(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    index.add(library_rows(600))
    assert index.postings_due()
    assert index.build_postings()
    assert not index.postings_due()
    with index._guarded() as connection:
        listed = {term for (term,) in connection.execute("SELECT term FROM word_postings")}
    assert {"bag", "filter", "мешок", "фильтр"} <= listed
    for question in QUESTIONS:
        terms = list(dict.fromkeys(search_tokens(question, drop_stopwords=True)))
        with index._guarded() as connection:
            frequencies = index._document_frequencies(connection, terms)
            # The lists serve each question (not the rarest-words path), and rank as FTS5 does.
            assert index._from_postings(connection, terms, frequencies, 20) is not None, question
        found = assert_exact(index, question)
        assert [score for _, score in index.exact_search(question, 20)] == pytest.approx(
            [score for _, score in found], rel=1e-5
        )
    assert index.postings_built()


@pytest.mark.usefixtures("common_words")
def test_rows_added_replaced_or_deleted_after_the_build_are_ranked_as_fts5_ranks_them(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    index.add(library_rows(600))
    assert index.build_postings()
    # Appended after the build: found, with their exact scores, while the lists still serve.
    index.add([(900, "Replace the dust bag and the exhaust filter: the bag, the filter, the bag.")])
    assert assert_exact(index, "replace the dust bag filter", drift=1e-3)[0][0] == 900
    with index._guarded() as connection:
        assert lexical_module._postings_build(connection) is not None
    # Deleted after the build: never found, though the lists still hold them.
    best = [row for row, _ in index.search("Как промыть фильтр водой?", 100)]
    index.remove(best)  # more than the search reads past `k`: it reads on until `k` rows exist
    found = assert_exact(index, "Как промыть фильтр водой?", drift=1e-3)
    assert len(found) == 20 and not set(best) & {row for row, _ in found}
    with index._guarded() as connection:
        assert lexical_module._postings_build(connection) is not None
    # A covered row with new text: the lists no longer know it and are dropped.
    index.add([(10, "Промывайте фильтр водой. Фильтр, фильтр, фильтр: промывайте фильтр.")])
    with index._guarded() as connection:
        assert lexical_module._postings_build(connection) is None
    assert index.postings_due()
    assert assert_exact(index, "Как промыть фильтр водой?")[0][0] == 10
    assert index.build_postings()
    assert assert_exact(index, "Как промыть фильтр водой?")[0][0] == 10


@pytest.mark.usefixtures("common_words")
def test_a_reader_sees_the_lists_another_process_builds_and_a_small_index_drops_them(tmp_path: Path) -> None:
    writer = LexicalIndex(tmp_path / "lexical.sqlite")
    writer.add(library_rows(600))
    reader = LexicalIndex(tmp_path / "lexical.sqlite", read_only=True)
    question = "How do I descale the coffee machine?"
    assert_exact(reader, question)
    assert not reader.postings_due() and not reader.build_postings()  # a reader never writes
    assert writer.build_postings()
    terms = search_tokens(question, drop_stopwords=True)
    with reader._guarded() as connection:
        frequencies = reader._document_frequencies(connection, terms)
        assert reader._from_postings(connection, terms, frequencies, 10) is not None
    assert_exact(reader, question)
    writer.remove(range(1, 560))
    assert writer.postings_due()  # shrunk below `LISTED_MIN_ROWS`: the lists no longer pay
    assert writer.build_postings()
    with writer._guarded() as connection:
        assert lexical_module._postings_build(connection) is None
        assert connection.execute("SELECT count(*) FROM word_postings").fetchone()[0] == 0


_BUILD = """
import sys
from pathlib import Path
import indexer.lexical as lexical
lexical.SCORED_ROWS, lexical.LISTED_WORD_ROWS, lexical.LISTED_MIN_ROWS = 60, 2, 80
index = lexical.LexicalIndex(Path(sys.argv[1]))
print("building", flush=True)
index.build_postings()
print("built", flush=True)
"""


@pytest.mark.usefixtures("common_words")
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.3])
def test_a_build_killed_at_any_moment_leaves_a_sound_index_that_ranks_exactly(
    tmp_path: Path, delay: float
) -> None:
    path = tmp_path / "lexical.sqlite"
    index = LexicalIndex(path)
    index.add(library_rows(6000))  # its build takes ~0.3 s: most kills land inside it
    index.close()
    build = subprocess.Popen(
        [sys.executable, "-c", _BUILD, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPOSITORY
    )
    assert build.stdout is not None and build.stdout.readline().strip() == "building"
    time.sleep(delay)
    build.send_signal(signal.SIGKILL)
    build.wait()
    index = LexicalIndex(path)
    assert index.integrity() == ""
    with index._guarded() as connection:
        state = lexical_module._postings_build(connection)
        lists = connection.execute("SELECT count(*) FROM word_postings").fetchone()[0]
    assert (state is None) == (lists == 0)  # the lists and their state come and go together
    for question in QUESTIONS:
        assert_exact(index, question)
    assert index.build_postings() and not index.postings_due()
    for question in QUESTIONS:
        assert_exact(index, question)


@pytest.mark.usefixtures("common_words")
def test_a_workspace_builds_the_lists_when_due_and_check_stays_clean(
    tmp_path: Path, make: Maker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.check import check_workspace
    from indexer.workspace import Workspace

    # A few manuals: words in a handful of passages count as common here.
    monkeypatch.setattr(lexical_module, "LISTED_WORD_ROWS", 3)
    with Workspace(tmp_path / "ws") as workspace:
        workspace.add(make.model_manuals(12))
        question = "How long does the filter of model VX-04 last?"
        before = workspace.lexical.search(question, 10)
        assert "lexical" in workspace.rebuild_due()
        assert "lexical" in workspace.rebuild_indexes()
        assert "lexical" not in workspace.rebuild_due()
        assert isinstance(workspace.lexical, LexicalIndex)
        with workspace.lexical._guarded() as connection:
            assert connection.execute("SELECT count(*) FROM word_postings").fetchone()[0] > 0
        assert [score for _, score in workspace.lexical.search(question, 10)] == pytest.approx(
            [score for _, score in before]
        )
        report = check_workspace(workspace)
        assert report.consistent, report.summary()


@pytest.mark.usefixtures("common_words")
def test_a_build_overtaken_by_a_writer_or_stopped_writes_nothing(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    index.add(library_rows(600))

    @contextmanager
    def another_writer_first() -> Iterator[None]:
        # Between the build's snapshot and its write, a writer changes a row the lists would cover.
        LexicalIndex(tmp_path / "lexical.sqlite").add([(5, "Replace the dust bag, the bag, the bag.")])
        yield

    assert not index.build_postings(holding=another_writer_first)
    assert not index.postings_built() and index.postings_due()
    stop = threading.Event()
    stop.set()
    assert not index.build_postings(stop)
    assert not index.postings_built()
    assert index.build_postings() and index.postings_built()
    assert 5 in {row for row, _ in assert_exact(index, "replace the dust bag", k=50)}
