"""The English-Russian lexicon: read from a dictd dictionary, inverted, and used to cross languages."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest

from assistant.lexicon import _LOADED, DICTIONARY, EMPTY, Lexicon, cache_folder, lexicon, read_lexicon
from assistant.questions import (
    crossings,
    glossary_translations,
    profile_question,
    translated_terms,
    translations,
)

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _code(number: int) -> str:
    digits = ""
    while True:
        digits = _B64[number % 64] + digits
        number //= 64
        if not number:
            return digits


def write_dictionary(folder: Path, articles: dict[str, str]) -> Path:
    """A dictd dictionary (index with base-64 offsets, gzip body) of these articles, as dictfmt writes."""
    body = b""
    index = []
    for headword, article in articles.items():
        data = f"{headword}\n{article}\n".encode()
        index.append(f"{headword}\t{_code(len(body))}\t{_code(len(data))}")
        body += data
    base = folder / "invented"
    base.with_suffix(".index").write_text("\n".join(index) + "\n", encoding="utf-8")
    base.with_suffix(".dict.dz").write_bytes(gzip.compress(body))
    return base


ARTICLES = {
    "lantern": """   [↗læntɜn] _n.
   1) фонарь; a dark lantern потайной фонарь
   2) _архит. световой люк (на крыше)
   3) маяк
   4) _уст. кухня""",
    "swiftly": """   [↗swɪftlɪ] _adv.
   1) быстро, стремительно""",
    "beacon": """   [↗bi:kɜn]
   1. _n.
      1) сигнальный огонь; маяк
      2) бакен
   2. _v. освещать""",
    "to": """   _prep. к, в""",
}


def test_a_dictd_dictionary_gives_the_first_senses_of_each_word_both_ways(tmp_path: Path) -> None:
    read = read_lexicon(*_files(write_dictionary(tmp_path, ARTICLES)))
    lantern = read.translations("lanterns")
    assert lantern[0] == "фонар"  # the first sense first
    assert "маяк" in lantern and "светов" in lantern  # a label and a gloss in parentheses are not words
    assert "кухн" not in lantern  # a fourth sense is a rare meaning
    assert "потайн" not in lantern  # an example's translation is not the word's
    assert read.translations("swiftly") == ("быстр", "стремительн")
    # Inverted: both headwords that give "маяк" come back, the one whose first meaning it is first.
    assert read.translations("маяком") == ("beacon", "lantern")
    assert read.translations("освещает") == ("beacon",)  # a second part of speech starts its senses anew
    assert read.translations("to") == () and not read.translations("к")  # grammar words are left out


def _files(base: Path) -> tuple[Path, Path]:
    return base.with_suffix(".index"), base.with_suffix(".dict.dz")


def test_a_missing_dictionary_leaves_the_lexicon_empty_and_says_how_to_install_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.lexicon"):
        assert lexicon(tmp_path / "absent") is EMPTY
    assert "apt-get install mueller7-dict" in caplog.text


def test_the_installed_dictionary_knows_everyday_words_the_glossary_lacks() -> None:
    # scripts/setup.sh installs Debian's mueller7-dict; without it this test fails, as it should.
    assert DICTIONARY.with_suffix(".index").exists(), "run scripts/setup.sh (apt-get install mueller7-dict)"
    assert "immedi" in translations("немедленно") and not glossary_translations("немедлен")
    assert "action" in translations("действие")
    assert "процесс" in translations("processes")
    assert "search" in translations("поиск")
    # One stem, two words: "вместе" is together, "вместо" instead.
    assert "togeth" in translations("вместе") and "instead" not in translations("вместе")
    # The glossary still gives the computing senses an old dictionary lacks ("файл" is not in Mueller).
    assert "file" in translations("файлами")


def test_a_russian_question_meets_an_english_span_through_the_dictionary() -> None:
    question = profile_question("Какой флаг мгновенно прерывает передачу данных?")
    span = "--abort  Interrupt the transfer instantly and discard the received data."
    found = translated_terms(question, span, question.topic)
    assert {"мгновен", "прерыва", "передач"} <= found
    unrelated = "--verbose  Print the name of each file as it is copied."
    assert not translated_terms(question, unrelated, question.topic) & {"мгновен", "прерыва", "передач"}


def test_an_english_question_meets_a_russian_span_through_the_dictionary() -> None:
    question = profile_question("Which key swiftly hides every window?")
    span = "Клавиша F12 быстро скрывает все окна."
    assert {"swift", "hide"} <= translated_terms(question, span, question.terms)


@pytest.mark.parametrize(
    ("question", "grammar"),
    [
        ("Какой командой удалить пакет вместе с его файлами?", "вмест"),
        ("Which files are removed together with the package?", "togeth"),
        ("Какой порт используется согласно документации?", "согласн"),
    ],
)
def test_a_word_that_only_builds_a_preposition_is_not_translated(question: str, grammar: str) -> None:
    # "вместе с" is "with": its dictionary sense "together" would vouch for any span that says it.
    crossing = crossings(question)
    assert grammar not in crossing
    assert len(crossing) >= 2


def test_a_read_lexicon_is_cached_for_the_next_process_and_a_damaged_cache_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    base = write_dictionary(tmp_path, ARTICLES)
    first = lexicon(base)
    assert first.translations("lantern")[0] == "фонар"
    [cache] = cache_folder().glob("lexicon-*.json")
    # The next process (a fresh table) reads the cache, not the dictionary.
    _LOADED.clear()
    monkeypatch.setattr("assistant.lexicon.read_lexicon", _unread)
    assert lexicon(base).translations("маяком") == ("beacon", "lantern")
    # A cache cut short by a crash is read afresh from the dictionary.
    cache.write_text(cache.read_text(encoding="utf-8")[:100], encoding="utf-8")
    _LOADED.clear()
    monkeypatch.setattr("assistant.lexicon.read_lexicon", read_lexicon)
    assert lexicon(base).translations("swiftly") == ("быстр", "стремительн")
    _LOADED.clear()


def _unread(index: Path, body: Path) -> Lexicon:
    raise AssertionError(f"{index} was read again instead of the cache")


def test_an_inflected_adjective_means_what_its_dictionary_form_means(tmp_path: Path) -> None:
    """ "новые" is also a lemma of paraphrases ("новые рубежи" for "new frontier"): its usual meaning is
    that of "новый", which comes first."""
    base = write_dictionary(
        tmp_path,
        {
            "frontier": "   _n.\n   1) граница; new frontiers новые рубежи\n   2) новые рубежи",
            "new": "   _a.\n   1) новый; new discovery новое открытие",
        },
    )
    read = read_lexicon(*_files(base))
    assert read.translations("новые")[0] == "new"
    # A word that is no adjective keeps its own senses only.
    assert read.translations("рубежи") == ("frontier",)
