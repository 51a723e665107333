"""Answers from a text program's option list: "section.name = value" lines, each over its "(description)".

Full-screen text programs show their settings as a list of option lines, the option's identifier and
its value on one line and what the option does in parentheses on the next ("general.autosave = yes" /
"(if set to YES, automatic save is done when quitting)"). OCR reads them as two lines of one passage,
so the text reader sees the description as the sentence that matches "is autosave on?" and answers
with it, or with the line under it, instead of the value on the option's own line above.

Here the option is found by its identifier (named whole, or its glued words: "firstdayofweek" holds
"first day of week") and its description, and the answer is its value, boxed on the option's line. When
two screenshots show the same option (the program in two languages), the one in the question's language
is meant.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.screens import _DRAWN_MARK, _FRAME_WORDS, is_setting_question
from assistant.generators.visual import PagePassages, TermWeights, name_match, passage_lines, screenshot_text
from assistant.questions import OPTION, VARIABLE, profile_question
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder
from indexer.language import detect_language, search_tokens
from indexer.records import BBox, PassageRecord
from indexer.workspace import filename_words

log = logging.getLogger(__name__)

READ_PAGES = 5
"""Retrieved pages whose option lists are read: the twin in the question's language may rank below."""
MIN_COVERAGE = 0.6
"""Share (by weight) of the question's own words an option's identifier and description must hold."""
MIN_LEAD = 0.15
"""...by which the best option of a page must lead every other option (unless the question names it)."""
RANK_STEP = 0.05
"""What each place lower in the retrieval order costs an option against one on a higher page."""

_OPTION_LINE = re.compile(
    r"^(?P<name>[A-Za-z_][\w-]*(?:(?:\s?\.|\.\s?|,)[A-Za-z_][\w-]*)+)\s*[:=]?\s+(?P<value>[^\s=].*?)\s*$"
)
"""An option's line: a dotted identifier ("general.autosave"; OCR may read the dot as a comma glued to
its words, or set the dot apart on one side: never "Hello, world") and the value after it (the "="
between them is a line character that the screen reading drops)."""
_DESCRIPTION = re.compile(r"^\s*[({\[].*|.*\)\s*$")
"""The option's description under it, in parentheses (OCR may lose one of them, or read "(" as "{")."""
_ASKS_VALUE = re.compile(
    r"\b(?:which|what)\b|(?<!\w)(?:какой|какая|какое|какие|каков\w*|что|сколько|во\s+сколько)(?!\w)",
    re.IGNORECASE,
)
_MEANING = re.compile(
    r"\bwhat\s+does\b.*\b(?:do|mean|control)\b|\b(?:meaning|purpose)\b|(?<!\w)(?:что\s+означает|зачем|для\s+чего)",
    re.IGNORECASE,
)
"""'What does general.autosave do?' asks for the description, not the value."""


@dataclass(frozen=True)
class OptionLine:
    """One option of a list as read from a screenshot's passage."""

    passage: PassageRecord
    rank: int
    """Place of the option's page among the retrieved pages (0: the top one)."""
    name: str
    """The identifier as read ("general.firstdayofweek")."""
    value: str
    description: str
    value_start: int
    line_start: int
    line_end: int

    @property
    def key(self) -> str:
        """The identifier as one word, however OCR spaced or punctuated it."""
        return identifier_key(self.name)

    @property
    def language(self) -> str:
        """The language the option is shown in: its value's, else its description's, else its passage's."""
        for text in (self.value, self.description):
            language = detect_language(text)
            if language != "und":
                return language
        return self.passage.lang


def identifier_key(text: str) -> str:
    """An identifier as one lower-case word without its dots ("general . autosave" -> "generalautosave")."""
    return re.sub(r"[^\w]|_", "", text.lower())


def option_lines(passage: PassageRecord, rank: int = 0) -> list[OptionLine]:
    """The options a passage's lines hold: an identifier-and-value line followed by a description line."""
    options = []
    for (start, end, line), (_, _, below) in itertools.pairwise(passage_lines(passage)):
        match = _OPTION_LINE.match(line)
        if match is None or not _DESCRIPTION.match(below) or _OPTION_LINE.match(below):
            continue
        options.append(
            OptionLine(
                passage,
                rank,
                match.group("name"),
                match.group("value"),
                below.strip().strip("(){}[]").strip(),
                start + match.start("value"),
                start,
                end,
            )
        )
    return options


def value_box(option: OptionLine) -> BBox:
    """Where the value stands: the right part of its line's box, by the share of the line's cells before
    it (a terminal sets every character in a cell of one width)."""
    boxes = [s.bbox for s in option.passage.spans if s.start < option.line_end and s.end > option.line_start]
    if not boxes:
        return option.passage.bbox
    x0, y0, x1, y1 = boxes[0]
    share = (option.value_start - option.line_start) / max(1, option.line_end - option.line_start)
    return (x0 + (x1 - x0) * share, y0, x1, y1)


def asks_for_value(question: str) -> bool:
    """'Which day is set as the first day of the week?', «Какой текст показывает ... (appearance.emptyday)?»:
    the value of an option, not its name, its meaning or a red mark on the picture."""
    # "Which option turns autosave on?" asks for the option's name: the text reader answers it.
    if profile_question(question).asks in (OPTION, VARIABLE):
        return False
    if _MEANING.search(question) or _DRAWN_MARK.search(question):
        return False
    return is_setting_question(question) or bool(_ASKS_VALUE.search(question))


@dataclass(frozen=True)
class OptionFit:
    """How an option fits the question's terms (shares by weight)."""

    coverage: float
    """Of the question's terms, those its identifier or description holds."""
    named: float
    """Of the question's terms, those its identifier itself holds: the option is named after what it does."""
    asked: bool
    """It holds the noun the question asks for ("what COMMAND ...", «какой ТЕКСТ ...»)."""

    @property
    def score(self) -> float:
        return self.coverage + NAMED_WEIGHT * self.named + (ASKED_WEIGHT if self.asked else 0.0)


NAMED_WEIGHT = 0.5
ASKED_WEIGHT = 0.25


def option_fit(option: OptionLine, terms: dict[str, float], asked: str = "") -> OptionFit:
    """How much of the question's terms the option's identifier or description holds: a term inside the
    identifier's glued words counts whole ("week" in "firstdayofweek")."""
    total = sum(terms.values())
    glued = identifier_key(option.name)
    described = search_tokens(option.description)

    def holds(term: str) -> tuple[bool, float]:
        in_name = len(term) >= 3 and term in glued
        return in_name, 1.0 if in_name else min(1.0, name_match({term: 1.0}, described))

    found = named = 0.0
    for term, weight in terms.items():
        in_name, share = holds(term)
        found += weight * share
        named += weight if in_name else 0.0
    return OptionFit(
        found / total if total else 0.0, named / total if total else 0.0, bool(asked) and holds(asked)[1] > 0
    )


_ASKED_NOUN = re.compile(
    r"\b(?:which|what)\s+(?P<en>[a-z]+)|(?<!\w)(?:какой|какая|какое|какие|какую|каким)\s+(?P<ru>[а-яё]+)",
    re.IGNORECASE,
)


def asked_noun(question: str) -> str:
    """The stem of the noun the question asks for: "what command ..." -> "command" ("" when none)."""
    match = _ASKED_NOUN.search(question)
    if match is None:
        return ""
    word = match.group("en") or match.group("ru") or ""
    tokens = search_tokens(word, drop_stopwords=True)
    return tokens[0] if tokens and tokens[0] not in _FRAME_WORDS else ""


_SOURCE_WORDS = frozenset(search_tokens("according accordance согласно судя"))
"""'... according to its notification options': where the user read it, not what the option is."""


def question_terms(
    question: str, options: Sequence[OptionLine], term_weights: TermWeights | None
) -> dict[str, float]:
    """The question's words that may name an option: not the frame of the question ("which", "set",
    "options", "according to"), nor the words that name the screenshot's file (the program, the page of
    settings). A word the option does not hold counts against it: "which proxy server is set?" is not
    asked of an option that only keeps mail on the server."""
    files = {t for o in options for t in search_tokens(filename_words(o.passage.document.filename))}
    content = set(search_tokens(question, drop_stopwords=True)) - _FRAME_WORDS - _SOURCE_WORDS - files
    content = {t for t in content if not t.isdigit()}
    weights = term_weights(sorted(content)) if term_weights and content else {}
    return {t: weights.get(t, 1.0) for t in content}


def answer_from_option_list(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The value of the option the question names, from the top screenshots' option lists; None to pass."""
    options = [
        o for rank, p in screenshot_text(hits, page_passages, READ_PAGES) for o in option_lines(p, rank)
    ]
    # Most pages show no option list: the question is profiled only where one is shown.
    if not options or not asks_for_value(question):
        return None
    lowered = question.lower()
    chosen = [
        o
        for o in options
        if len(o.key) >= 6 and re.search(rf"(?<![\w.]){re.escape(o.name.lower())}(?![\w])", lowered)
    ]
    # "fetch,interval" read for "fetch.interval": the identifier the question writes, as OCR punctuated it.
    said = {identifier_key(word) for word in re.findall(r"[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+", question)}
    chosen = chosen or [o for o in options if o.key in said]
    why = "named"
    if not chosen:
        terms = question_terms(question, options, term_weights)
        if not terms:
            return None
        asked = asked_noun(question)
        fits = [(option_fit(o, terms, asked), o) for o in options]
        best_score = max(fit.score for fit, _ in fits)
        chosen = [o for fit, o in fits if fit.score >= best_score - 1e-9 and fit.coverage >= MIN_COVERAGE]
        # The same page must not hold a second option nearly as fit: then the words do not decide.
        for option in chosen:
            rivals = [
                fit.score
                for fit, other in fits
                if other.passage.document.id == option.passage.document.id
                and other.passage.page == option.passage.page
                and other.key != option.key
            ]
            if rivals and max(rivals) > best_score - MIN_LEAD:
                return None
        why = f"its words, fit {best_score:.2f}"
    if not chosen:
        return None
    language = answer_language(question)
    # Twins of one screen in two languages: the one in the question's language, then the higher page.
    best = min(chosen, key=lambda o: (o.language != language, o.rank))
    log.info(
        "option list: %r -> %r (%s, %s, %s)",
        question,
        best.value,
        best.name,
        why,
        best.passage.document.filename,
    )
    # Other screenshots showing the option with the same value say it too.
    same = [o for o in chosen if o is not best and o.key == best.key and o.value == best.value]
    cited = [best, *sorted(same, key=lambda o: o.rank)][:MAX_CITATIONS]
    return Answer(question, best.value, True, [_cite(o) for o in cited], language)


MAX_CITATIONS = 3


def _cite(option: OptionLine) -> Citation:
    passage = option.passage
    return Citation(
        document=passage.document,
        page=passage.page,
        bbox=value_box(option),
        quote=passage.text[option.line_start : option.line_end],
        score=round(1.0 - RANK_STEP * option.rank, 4),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )
