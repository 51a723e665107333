"""Which option of a screen is chosen, when the question names the options rather than their group.

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

from assistant.generators.base import Answer
from assistant.generators.screens import (
    SETTING_QUESTION,
    ControlReading,
    answer_with,
    is_setting_question,
    read_control,
)
from assistant.generators.visual import PagePassages, TermWeights, hit_passages
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder
from indexer.language import search_tokens

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
