"""What a picture pasted into a manual says that its prose does not: which option of a pasted screen is
chosen, which account or address a pasted window shows, and which picture a question's figure number
means.

Which option is chosen, when the question names the options rather than their group:

A dialog pasted into a manual (or shot on its own) often shows radio buttons with no group title, or
one the question does not use: "Use AXIS Screen ◉ / Use Gmoccapy Screen ○" and "Which screen is
selected?", «ограниченный размер стека ◉ / неограниченный размер стека ○» and «Какой размер стека
выбран?», or a lone pair of choices and «Какой вариант выбран?». The control reader matches the
question to a control's name (its group and label) and passes; this reader matches it to the words
the options share, or to a word for "option" when the screen offers one choice, and answers with the
option that is on, boxed where it stands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.figures import FIGURE_QUESTION, URL
from assistant.generators.screens import (
    SETTING_QUESTION,
    ControlReading,
    answer_with,
    is_setting_question,
    read_control,
)
from assistant.generators.visual import PagePassages, TermWeights, hit_passages
from assistant.questions import EMAIL
from assistant.retrieval import PageHit, numbered_figure
from indexer.embedders import TextEmbedder
from indexer.language import search_tokens
from indexer.records import BBox, PassageRecord, union_bbox

log = logging.getLogger(__name__)

CHOICE_WORDS = frozenset(
    search_tokens("option choice variant mode alternative вариант варианта режим опция пункт выбор")
)
"""Words that ask for "the chosen one" without naming the options."""
MIN_NAMED_WORD = 3
"""Letters a question word needs to name options ("use" yes, "a" no)."""


_ASKED_THING = re.compile(
    r"\b(?:which|what|какой|какая|какое|какие|какую|каким)\s+([^\W\d_]+(?:\s+[^\W\d_]+)?)", re.IGNORECASE
)
"""The words right after "which"/"какой": what the question asks for ("screen", «размер стека»)."""


def asked_thing(question: str) -> set[str]:
    """Search tokens of what the question asks for: the two words after its "which", cut at the verb
    ("Which screen is selected" -> screen; «Какой размер стека выбран» -> размер, стек)."""
    match = _ASKED_THING.search(question)
    if match is None:
        return set()
    words = match.group(1)
    verb = SETTING_QUESTION.search(words)
    if verb is not None:
        words = words[: verb.start()]
    return {t for t in search_tokens(words, drop_stopwords=True) if len(t) >= MIN_NAMED_WORD}


def options_named(question: str, radios: Sequence[ControlReading]) -> list[ControlReading]:
    """The radio buttons that what the question asks for names (`asked_thing`), when a word of it names
    two or more of them ("screen" in "Use AXIS Screen" and "Use Gmoccapy Screen"): a family of options.
    A word elsewhere in the question ("ключ сортировки" of «Какой столбец выбран в ключе сортировки?»)
    names where to look, not the options asked for.

    The family whose options share the most asked words wins; [] when none, or two tie.
    """
    asked = asked_thing(question)
    words = [set(search_tokens(r.value)) for r in radios]
    families: dict[frozenset[int], int] = {}
    for word in asked:
        holding = frozenset(index for index, own in enumerate(words) if word in own)
        if len(holding) >= 2:
            families[holding] = families.get(holding, 0) + 1
    if not families:
        return []
    ranked = sorted(families.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return []
    return [radios[index] for index in sorted(ranked[0][0])]


def chosen_option(question: str, readings: Sequence[ControlReading]) -> ControlReading | None:
    """The one option that is on among those the question names (`options_named`), or, for "which
    option is chosen" on a screen with one group of radio buttons, that group's chosen one."""
    radios = [r for r in readings if r.kind == "radio"]
    family = options_named(question, radios)
    if not family:
        asked = asked_thing(question)
        groups = {r.name for r in radios}
        if not asked & CHOICE_WORDS or len(groups) != 1 or len(radios) < 2:
            return None
        family = radios
    chosen = [r for r in family if r.on]
    return chosen[0] if len(chosen) == 1 else None


def answer_from_options(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The chosen option of the top page's screen that the question names by the options' words; None
    to pass (no setting question, no radio buttons, none or several chosen)."""
    if not hits or not is_setting_question(question):
        return None
    top = hits[0]
    readings = [r for p in hit_passages(top, page_passages) if (r := read_control(p, top)) is not None]
    option = chosen_option(question, readings)
    if option is None:
        return None
    log.info("options: %r -> %r", question, option.value)
    return answer_with(question, [option], 1.0)


# -- the picture a question's figure number means ---------------------------------------------------

NUMBERED_PAGES = 5
"""Top pages searched for the figure a question numbers."""
PICTURE_KINDS = frozenset(("figure", "control"))
"""Passages read from a picture's pixels: its words, and the controls of a pasted screen."""


def numbered_pictures(
    question: str, hits: Sequence[PageHit], page_passages: PagePassages | None
) -> list[PassageRecord]:
    """The passages read from the picture whose caption carries the figure number the question gives
    ("which account is open in figure 13.10"): its figure passages and the pasted screen's controls
    inside them, from the first of the top pages that has it; [] when the question numbers no figure
    or none of those pages holds it (13.1 is not 13.10)."""
    number = numbered_figure(question)
    if number is None:
        return []
    for hit in hits[:NUMBERED_PAGES]:
        passages = hit_passages(hit, page_passages)
        figures = [p for p in passages if p.kind == "figure" and numbered_figure(p.section) == number]
        if not figures:
            continue
        box = union_bbox([p.bbox for p in figures])
        controls = [p for p in passages if p.kind == "control" and _inside(p.bbox, box)]
        return figures + controls
    return []


def _inside(inner: BBox, outer: BBox) -> bool:
    x, y = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


# -- an account or an address a pasted window shows -------------------------------------------------

_I = re.IGNORECASE
ADDRESS_QUESTIONS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(
            r"\b(?:e-?mail\s+)?accounts?\b|\bmailbox\b|\be-?mail\s+address|(?<!\w)уч[её]тн\w*\s+запис\w*"
            r"|(?<!\w)аккаунт\w*|(?<!\w)почтов\w*\s+ящик\w*|(?<!\w)адрес\w*\s+(?:электронной\s+)?почты",
            _I,
        ),
        EMAIL,
    ),
    (re.compile(r"\bURL\b|\bweb\s+address|\bwebsite\b|(?<!\w)адрес\w*\s+(?:сайта|страницы)", _I), URL),
)
"""What a question about a window asks for, and how it is written: the account a mail program has
open is an e-mail address, the page a browser shows a URL."""


_ASKING = re.compile(r"(?<!\w)(?:which|what|какая|какой|какое|какую|каким|какие|чей|чья)\s+", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[^\s?]+\s+")
ASKED_WITHIN = 2
"""Words that may stand between an interrogative and what it asks for ("what is the e-mail address")."""


def asked_address(question: str) -> re.Pattern[str] | None:
    """How the address the question asks for is written (e-mail or URL), or None when it asks none.

    The address must be what is asked ("which account is open", «какая учётная запись»), not a
    word further on ("which button opens the account settings" asks for a button).
    """
    for asking in _ASKING.finditer(question):
        start = asking.end()
        for _ in range(ASKED_WITHIN + 1):
            for asks, shape in ADDRESS_QUESTIONS:
                if asks.match(question, start):
                    return shape
            word = _NEXT_WORD.match(question, start)
            if word is None:
                break
            start = word.end()
    return None


def shown_address(
    passages: Sequence[PassageRecord], shape: re.Pattern[str]
) -> tuple[str, PassageRecord, BBox] | None:
    """The address of `shape` the pictures show most often (a mail program writes its open account in
    the title, the folder tree and the tab), with the passage and the line that first shows it; None
    when none, or when two are shown as often (which one is open the picture does not say)."""
    found: dict[str, list[tuple[str, PassageRecord, BBox]]] = {}
    for passage in passages:
        for span in passage.spans:
            for match in shape.finditer(passage.text[span.start : span.end]):
                address = match.group(0).rstrip(".,;:)")
                found.setdefault(address.casefold(), []).append((address, passage, span.bbox))
    ranked = sorted(found.values(), key=len, reverse=True)
    if not ranked or (len(ranked) > 1 and len(ranked[0]) == len(ranked[1])):
        return None
    return ranked[0][0]


def answer_from_address(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The account or address shown in the picture the question speaks of (the one it numbers, else
    the top page's); None to pass (no address asked, no picture named, none or two shown alike)."""
    shape = asked_address(question)
    if shape is None or not hits:
        return None
    pictures = numbered_pictures(question, hits, page_passages)
    if not pictures:
        if not FIGURE_QUESTION.search(question):
            return None
        pictures = [p for p in hit_passages(hits[0], page_passages) if p.kind in PICTURE_KINDS]
    shown = shown_address(pictures, shape)
    if shown is None:
        return None
    address, passage, bbox = shown
    log.info("address: %r -> %r", question, address)
    return picture_answer(question, address, passage, bbox)


def picture_answer(question: str, text: str, passage: PassageRecord, bbox: BBox) -> Answer:
    """`text` read from a picture as the answer, cited on the box where it stands in `passage`."""
    citation = Citation(
        document=passage.document,
        page=passage.page,
        bbox=bbox,
        quote=text,
        score=1.0,
        page_width=passage.page_width,
        page_height=passage.page_height,
    )
    return Answer(question, text, True, [citation], answer_language(question))
