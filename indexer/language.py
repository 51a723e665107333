"""Language detection and stemmed search tokens for English and Russian text."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those there here what which who whom whose when where why how do does did doing done can could
    should would will shall may might must i you he she we they me my your our their them his her not no
    yes so than then too very s t just into onto about over under again also any some all each more most
    other such only own same until while up down out off once both few nor have has had having am
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас
    нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем
    была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем
    ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два
    об другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем
    хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между это
    каким какое какие какую каков который которая которые которое чем ли
    """.split()  # noqa: SIM905
)


def detect_language(text: str) -> str:
    """'ru', 'en', or 'und' from the share of Cyrillic among the letters."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic + latin == 0:
        return "und"
    return "ru" if cyrillic >= 0.3 * (cyrillic + latin) else "en"


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-cased word with the stemmer of its own script (mixed manuals are common)."""
    if _CYRILLIC.search(word):
        return str(_stemmer("russian").stemWord(word))
    if word.isascii() and word.isalpha():
        return str(_stemmer("english").stemWord(word))
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def search_tokens(text: str, drop_stopwords: bool = False) -> list[str]:
    """Stemmed tokens for the lexical index; the same function serves passages and questions."""
    tokens = []
    for word in words(text):
        if drop_stopwords and word in STOPWORDS:
            continue
        tokens.append(stem(word))
    return tokens


MARK_QUESTION = re.compile(
    r"\b(circled|arrow|framed|red|обвед\w*|стрелк\w*|красн\w*|рамк\w*)\b",
    re.IGNORECASE,
)
"""Questions about a hand-drawn annotation ("which option is circled in red?").

"Marked", "highlighted", «отмечен», «выделен» alone speak of a control's own state ("какой флажок не
отмечен?", "which printer is highlighted in the list?"); with a mark drawn on the screen the question
names its colour or shape too ("marked with a red frame", «выделен красной рамкой»)."""
