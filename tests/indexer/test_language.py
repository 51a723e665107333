"""Language per text and the stemmed tokens both search channels and answers share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.language import detect_language, search_tokens, stem


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Replace the dust bag every 4 weeks.", "en"),
        ("Меняйте мешок пылесборника каждые 4 недели.", "ru"),
        ("Нажмите кнопку Wi-Fi на 5 секунд", "ru"),
        ("Press OK to save the profile (Сохранить)", "en"),
        ("230 V / 50 Hz", "en"),
        ("4711 — 88213", "und"),
        ("", "und"),
    ],
)
def test_language_follows_the_share_of_cyrillic_letters(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("мешки", "мешков"),
        ("пылесборника", "пылесборник"),
        ("мощности", "мощность"),
        ("меняйте", "менять"),
        ("replace", "replacing"),
        ("filters", "filter"),
    ],
)
def test_word_forms_share_a_stem(one: str, other: str) -> None:
    assert stem(one) == stem(other)


def test_tokens_are_lower_case_stems_with_yo_folded() -> None:
    assert search_tokens("Скорость ЩЁТКИ") == search_tokens("скорость щетки")
    assert search_tokens("Replacing the Dust-Bags") == ["replac", "the", "dust", "bag"]


def test_stopwords_are_dropped_from_questions_only_on_request() -> None:
    question = "Как часто нужно менять мешок?"
    assert "как" in search_tokens(question)
    assert "как" not in search_tokens(question, drop_stopwords=True)
    assert stem("мешок") in search_tokens(question, drop_stopwords=True)


@given(st.text(alphabet="abcxyzабвгдеёжз ,.!0123456789", max_size=60))
def test_language_is_always_one_of_three_and_tokens_are_stable(text: str) -> None:
    assert detect_language(text) in ("en", "ru", "und")
    tokens = search_tokens(text)
    assert search_tokens(" ".join(tokens)) == [stem(token) for token in tokens]
