"""Answers when an appointment starts and ends, from a day panel ("10:00 -> 11:30" over its title).

A calendar program lists a day's appointments as a time line ("08:45 -> 09:15") with the appointment's
title on the line under it. "What time does the supply meeting start and end?" names the title, and the
text reader, which reads the title and the times as two lines, answers with the title or not at all (the
question in the other language shares no word with it). Here the appointment is found by the title's
words, or across languages by its meaning, on the screens of the language the question names, and the
answer is its start and end, boxed on the time line.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.screens import _FRAME_WORDS, named_language, named_phrase
from assistant.generators.visual import (
    PagePassages,
    TermWeights,
    name_match,
    passage_lines,
    screenshot_text,
    similarities,
)
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder
from indexer.language import detect_language, search_tokens
from indexer.records import BBox, PassageRecord, union_bbox
from indexer.workspace import filename_words

log = logging.getLogger(__name__)

READ_PAGES = 5
"""Retrieved pages whose day panels are read: a screenshot in the other language ranks low."""
MIN_COVERAGE = 0.5
"""Share (by weight) of the question's own words an appointment's title must hold to be named by them."""
MIN_MEANING = 0.4
"""Similarity of question and title that names the appointment across languages..."""
MEANING_LEAD = 0.1
"""...by which it must lead every other appointment's title."""

_TIME = r"\d{1,2}:\d{2}"
_TIME_LINE = re.compile(rf"^\W*(?P<start>{_TIME})\s*(?:-*>|[-–—]|to|до)?\s*(?P<end>{_TIME})(?!\d)")
"""A time line: the start and the end, an arrow or a dash between them (a screen reading may drop it)."""
_TIME_RANGE_QUESTION = re.compile(
    r"\b(?:start|begin)s?\b.*\b(?:end|finish)(?:es|s)?\b|\bfrom\s+when\b.*\bto\s+when\b|\bhow\s+long\b"
    r"|(?<!\w)начина\w*.*(?:заканчива|конча|оканчива)\w*|(?<!\w)с\s+како\w+\s+(?:и\s+)?(?:до|по)\s+како\w+",
    re.IGNORECASE,
)
"""'What time does the meeting start and end?', «Во сколько начинается и заканчивается планёрка?»."""
_TIME_WORDS = frozenset(
    search_tokens(
        "time times start starts end ends begin begins finish finishes long when appointment meeting event "
        "время начинается заканчивается кончается оканчивается когда сколько встреча событие language "
        "russian english русский английский russian-language english-language"
    )
)
"""Words of a time question that name no appointment ("meeting" is every appointment's kind)."""


_TIME_FRAME = " ".join(_TIME_WORDS)


@dataclass(frozen=True)
class Appointment:
    """A time line and the title under it, as read from a screenshot's passage."""

    passage: PassageRecord
    rank: int
    start: str
    end: str
    title: str
    line_start: int
    line_end: int


def appointments(passage: PassageRecord, rank: int = 0) -> list[Appointment]:
    """The appointments a passage's lines hold: a time line with a start and an end, the title under it."""
    found = []
    for (start, end, line), (_, _, below) in itertools.pairwise(passage_lines(passage)):
        match = _TIME_LINE.match(line)
        title = below.strip()
        if match is None or not title or _TIME_LINE.match(below) or sum(ch.isalpha() for ch in title) < 3:
            continue
        found.append(Appointment(passage, rank, match.group("start"), match.group("end"), title, start, end))
    return found


def asks_time_range(question: str) -> bool:
    """Whether the question asks for when something starts and ends (or how long it lasts)."""
    return _TIME_RANGE_QUESTION.search(question) is not None


def line_box(passage: PassageRecord, start: int, end: int) -> BBox:
    """The box of the lines a character range of a passage touches (the passage's box if none)."""
    boxes = [s.bbox for s in passage.spans if s.start < end and s.end > start]
    return union_bbox(boxes) if boxes else passage.bbox


def line_citation(passage: PassageRecord, start: int, end: int, quote: str, rank: int) -> Citation:
    """A citation of the lines a character range of a screenshot's passage touches, scored by the rank
    of its screenshot among those read (0: the highest)."""
    return Citation(
        document=passage.document,
        page=passage.page,
        bbox=line_box(passage, start, end),
        quote=quote,
        score=round(1.0 - 0.05 * rank, 4),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )


def answer_from_schedule(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The start and end of the appointment the question names, from the top screenshots; None to pass."""
    if not asks_time_range(question):
        return None
    found = [a for rank, p in screenshot_text(hits, page_passages, READ_PAGES) for a in appointments(p, rank)]
    # "In my Russian-language calendar": only the screens in that language.
    language = named_language(question)
    if language is not None:
        found = [a for a in found if detect_language(a.title) == language]
    if not found:
        return None
    files = {t for a in found for t in search_tokens(filename_words(a.passage.document.filename))}
    content = set(search_tokens(question, drop_stopwords=True)) - _FRAME_WORDS - _TIME_WORDS - files
    weights = term_weights(sorted(content)) if term_weights and content else {}
    terms = {t: weights.get(t, 1.0) for t in content}
    total = sum(terms.values())
    titles = sorted({a.title for a in found})
    cover = {t: name_match(terms, search_tokens(t)) / total if total else 0.0 for t in titles}
    best = max(titles, key=lambda t: cover[t])
    why = f"its title's words {cover[best]:.2f}"
    if cover[best] < MIN_COVERAGE or sum(cover[t] >= cover[best] for t in titles) > 1:
        # No title holds the question's words (it is asked in the other language): by meaning, when one
        # title clearly leads.
        # The question's own words for it ("supply department meeting"), not its frame, compared.
        frame = " ".join(
            [*files, "time start end begin finish when long во сколько начинается заканчивается"]
        )
        phrase = named_phrase(question, frame) or question
        meaning = dict(zip(titles, similarities(embedder, phrase, titles), strict=True))
        ranked = sorted(titles, key=lambda t: meaning[t], reverse=True)
        lead = meaning[ranked[0]] - (meaning[ranked[1]] if len(ranked) > 1 else 0.0)
        if meaning[ranked[0]] < MIN_MEANING or lead < MEANING_LEAD:
            log.info("schedule: %r names no appointment (%s)", question, meaning)
            return None
        best, why = ranked[0], f"its title's meaning {meaning[ranked[0]]:.2f}, ahead by {lead:.2f}"
    chosen = sorted((a for a in found if a.title == best), key=lambda a: a.rank)
    first = chosen[0]
    log.info("schedule: %r -> %s-%s %r (%s)", question, first.start, first.end, best, why)
    text = f"{first.start}–{first.end} ({best})"
    citations = [
        line_citation(a.passage, a.line_start, a.line_end, f"{a.start} {a.end} {a.title}", a.rank)
        for a in chosen
        if (a.start, a.end) == (first.start, first.end)
    ][:3]
    return Answer(question, text, True, citations, answer_language(question))
