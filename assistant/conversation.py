"""Conversations: the turns so far, and follow-up questions resolved against them before retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from indexer.language import detect_language

if TYPE_CHECKING:
    from assistant.generators.base import Answer

FOLLOW_UP_WORDS = 7
"""A question this short that points back ("it", «его») or starts with "and"/«а» is a follow-up."""

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)

# "what about the filter?": the same question as before, about something else.
_SUBSTITUTION = re.compile(
    r"^\s*(?:and\s+|but\s+|а\s+|и\s+)?(?:what\s+about|how\s+about|what\s+if|same\s+for|"
    r"что\s+насч[её]т|как\s+насч[её]т|а\s+что\s+с|что\s+с|то\s+же\s+(?:самое\s+)?для)\s+(?P<subject>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_CONTINUATION = {"and", "also", "then", "but", "so", "а", "и", "ещё", "еще", "тогда", "также", "но"}

# Words that point back at the previous question's subject. "it"/«это» also appear in self-contained
# questions ("Is it safe to wash the filter?"): only short questions count them.
_REFERRING_EN = {
    "it",
    "its",
    "it's",
    "them",
    "they",
    "their",
    "this",
    "that",
    "these",
    "those",
    "there",
    "one",
}
_REFERRING_RU = {
    "его", "её", "ее", "их", "него", "неё", "нее", "них", "ним", "ней", "нём", "нем", "ему", "им", "ими",
    "он", "она", "оно", "они", "это", "этот", "эта", "эту", "этого", "этой", "этим", "этом", "там", "туда",
}  # fmt: skip
_POSSESSIVE_EN = {"its", "their"}

_QUESTION_EN = {
    "how",
    "what",
    "where",
    "when",
    "why",
    "which",
    "who",
    "whom",
    "whose",
    "often",
    "long",
    "much",
    "many",
}
_AUXILIARY_EN = {
    "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may", "might", "must", "is",
    "are", "am", "was", "were", "to", "be", "i", "you", "we", "they", "he", "she", "it", "need", "have",
    "has",
}  # fmt: skip
_DETERMINERS_EN = {"the", "a", "an", "my", "your", "our", "their", "this", "that", "these", "those"}
_QUESTION_RU = {
    "как", "как-то", "что", "где", "когда", "зачем", "почему", "сколько", "какой", "какая", "какое", "какие",
    "какую", "каким", "чем", "куда", "откуда", "часто", "долго", "ли", "можно", "нужно", "надо", "следует",
    "я", "мне", "мы", "нам", "вы", "вам", "ты", "тебе", "а", "и", "же", "мой", "мою", "моего",
}  # fmt: skip
# Infinitives, imperatives and the commonest present forms; endings that nouns share ("пакет",
# "сети", "канал") are left out, since keeping a verb in the subject costs less than losing a noun.
_VERB_RU = re.compile(r"(?:ть|ться|чь|ется|ются|ится|ятся|ает|яет|ают|яют|ует|уют|ите|айте|яйте)$")


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and what was answered (with the documents it cited)."""

    question: str
    answer: str
    documents: tuple[int, ...] = ()
    found: bool = True

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        documents = tuple(dict.fromkeys(c.document.id for c in answer.citations))
        return cls(answer.question, answer.text, documents, answer.found)


@dataclass(frozen=True)
class ResolvedQuestion:
    """The question as retrieval should see it; `documents` narrows retrieval (empty: all documents)."""

    text: str
    documents: tuple[int, ...] = ()
    follow_up: bool = False


def subject_of(question: str) -> str:
    """What a question is about, as written in it: "the dust bag" of "How often should I replace the
    dust bag?", «мешок пылесборника» of «Как часто менять мешок пылесборника?»."""
    words = _WORD.findall(question.strip().rstrip("?.!"))
    if not words:
        return ""
    if detect_language(question) == "ru":
        kept = [w for w in words if w.lower() not in _QUESTION_RU and not _VERB_RU.search(w.lower())]
        return " ".join(kept)
    lowered = [w.lower() for w in words]
    for index, word in enumerate(lowered):
        if word in _DETERMINERS_EN and index + 1 < len(words):
            return " ".join(words[index:])
    # "How do I enable dark mode?": question words, then auxiliaries and pronouns, then the verb.
    index = 0
    while index < len(words) and lowered[index] in _QUESTION_EN:
        index += 1
    skipped_auxiliary = False
    while index < len(words) and lowered[index] in _AUXILIARY_EN:
        index += 1
        skipped_auxiliary = True
    if skipped_auxiliary and index + 1 < len(words):
        index += 1
    return " ".join(words[index:])


def resolve_follow_up(question: str, history: Sequence[Turn]) -> ResolvedQuestion:
    """Rewrite a follow-up with the subject of the question it follows, and keep that turn's documents.

    "And how do I turn it off?" after "How do I turn on the Wi-Fi adapter?" becomes "how do I turn
    the Wi-Fi adapter off?"; «а как его отключить?» after «Как включить режим энергосбережения?»
    becomes «как режим энергосбережения отключить?». A question that stands on its own is left alone.
    """
    return _resolve(question.strip(), list(history))[0]


def _resolve(question: str, history: list[Turn]) -> tuple[ResolvedQuestion, str]:
    """The resolved question and the subject it is about (a chain of follow-ups keeps the first's)."""
    while history and not history[-1].question.strip():
        history = history[:-1]
    if not history or not question:
        return ResolvedQuestion(question), subject_of(question)
    previous = history[-1]
    anchor_question, subject = _resolve(previous.question.strip(), history[:-1])
    anchor = anchor_question.text
    if not subject:
        return ResolvedQuestion(question), subject_of(question)
    documents = previous.documents if previous.found else ()
    substitution = _SUBSTITUTION.match(question)
    if substitution:
        new_subject = substitution.group("subject").strip()
        if subject in anchor:
            return ResolvedQuestion(anchor.replace(subject, new_subject, 1), (), True), new_subject
        return ResolvedQuestion(f"{anchor.rstrip('?')} {new_subject}?", (), True), new_subject
    words = _WORD.findall(question)
    lowered = [w.lower() for w in words]
    if len(words) > FOLLOW_UP_WORDS:
        return ResolvedQuestion(question), subject_of(question)
    referring = _REFERRING_RU if detect_language(question) == "ru" else _REFERRING_EN
    pronoun = next((w for w, low in zip(words, lowered, strict=True) if low in referring), None)
    body = _drop_leading_continuation(question)
    if pronoun is not None:
        replacement = f"{subject}'s" if pronoun.lower() in _POSSESSIVE_EN else subject
        pattern = re.compile(rf"(?<![\w-]){re.escape(pronoun)}(?![\w-])")
        return ResolvedQuestion(pattern.sub(lambda _: replacement, body, count=1), documents, True), subject
    if lowered and lowered[0] in _CONTINUATION:
        # "and on Android?": the previous question, narrowed by what the follow-up adds.
        return ResolvedQuestion(f"{anchor.rstrip('?.! ')} {body.rstrip('?.! ')}?", documents, True), subject
    return ResolvedQuestion(question), subject_of(question)


def _drop_leading_continuation(question: str) -> str:
    words = question.split(maxsplit=1)
    if len(words) == 2 and words[0].lower().strip(",") in _CONTINUATION:
        return words[1]
    return question
