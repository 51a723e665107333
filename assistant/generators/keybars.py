"""Answers what a key combo does and which key does something, from a text program's key bars.

A full-screen text program lists its commands as key combo and short name pairs: two bars at the
bottom ("^G Help  ^S Save  M-U Undo"), or a help screen with a key and its description on each line
("^W (F6) Search forward for a string"). "What does ^S do?" asks for the name paired with the key,
"Which key toggles regular-expression search?" for the key paired with the name; the text reader
returns the whole bar or a manual's line about the key. Here the pairs are read from the lines of
the top screenshots, the key written as the bar writes it ("^X", "M-X"; OCR's quote mark for the
caret and Cyrillic look-alikes after it set right), and the answer is the other half of the pair.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.generators.base import Answer, answer_language
from assistant.generators.schedules import line_citation
from assistant.generators.screens import named_language
from assistant.generators.visual import (
    PagePassages,
    TermWeights,
    passage_lines,
    related_stems,
    screenshot_text,
)
from assistant.retrieval import RED_MARK, PageHit
from indexer.embedders import TextEmbedder
from indexer.language import detect_language, search_tokens
from indexer.ocr import latin_twin
from indexer.records import PassageRecord
from indexer.textscreen import key_text

log = logging.getLogger(__name__)

READ_PAGES = 5
"""Retrieved pages whose key bars are read."""
MIN_BAR_KEYS = 2
"""Key combos a line must hold to be a key bar (a line that starts with one is a help screen's row)."""

_CARETS = "^“”ˆ"
_KEY = re.compile(
    rf"(?<![\w^-])(?:[{re.escape(_CARETS)}]\s?(?P<ctrl>[^\W_]|[\\/@\[\]])|(?P<meta>[MМ]-\S))(?=\s|$)"
)
"""A key combo as a key bar shows it, read by OCR: "^G", "“W" (the caret read as a quote), "^Р"
(a Latin letter read Cyrillic), "M-U", "М-/"."""
_ASKED_KEY = re.compile(
    r"(?<![\w^])(?:\^\s?(?P<caret>\w)|(?:ctrl|control|ктрл)[+-](?P<ctrl>\w)|(?:m|м|alt|meta)[+-](?P<meta>\S))"
    r"(?![\w-])",
    re.IGNORECASE,
)
"""A key combo named in a question: "^R", "Ctrl+R", "M-R", "Alt+R"."""
_ASKS_FOR_KEY = re.compile(
    r"\b(?:which|what)\s+(?:keys?|key\s+combo\w*|shortcuts?|keystrokes?|combinations?)\b"
    r"|(?<!\w)(?:как\w{2,3})\s+(?:клавиш\w*|комбинаци\w*|сочетани\w*)",
    re.IGNORECASE,
)
"""'Which key toggles ...', «Какая клавиша включает ...»."""
_QUOTED = re.compile(r"«([^»]{2,60})»|“([^”]{2,60})”|\"([^\"]{2,60})\"")
"""A name the question quotes."""
_PAREN_KEYS = re.compile(r"^\s*(?:\([^)]{1,8}\)\s*)+")
"""Alternative keys in parentheses before a help screen's description: "(F6)", "(M-R)"."""

_FRAME_WORDS = frozenset(
    search_tokens(
        "which what key keys combo combination shortcut keystroke press pressing toggle toggles turn turns "
        "switch switches do does mean bound assigned screen help bar bars line lines bottom prompt main "
        "according shown show shows command function "
        "какая какой клавиша клавиши комбинация сочетание включает выключает переключает делает "
        "означает закреплена назначена экран экране экрана справка справки строка строке строках нижних "
        "главного команда команду функция согласно показано"
    )
)
"""Words that frame a key question and name no command."""


@dataclass(frozen=True)
class KeyPair:
    """A key combo and the name or description paired with it on one line of a screenshot."""

    key: str
    name: str
    passage: PassageRecord
    rank: int
    start: int
    end: int


def bar_key(read: str) -> str:
    """A key combo as the bar writes it, from OCR's reading ("“W" -> "^W", "^Р" -> "^P", "М-U" -> "M-U")."""
    text = read.replace(" ", "")
    return key_text(text, len(text)) or text


def key_pairs(passage: PassageRecord, rank: int = 0) -> list[KeyPair]:
    """The key-and-name pairs of a passage's key bars (two or more keys on a line) and help rows (a
    line that starts with a key): each key with the text up to the next key or the line's end."""
    pairs = []
    for line_start, _, line in passage_lines(passage):
        keys = list(_KEY.finditer(line))
        if len(keys) < MIN_BAR_KEYS and not (keys and keys[0].start() == 0):
            continue
        for key, following in zip(keys, [*keys[1:], None], strict=True):
            stop = following.start() if following is not None else len(line)
            name = _PAREN_KEYS.sub("", line[key.end() : stop]).strip(" .,;")
            if sum(ch.isalpha() for ch in name) < 2:
                continue
            pairs.append(
                KeyPair(
                    bar_key(key.group(0)), name, passage, rank, line_start + key.start(), line_start + stop
                )
            )
    return pairs


def asked_key(question: str) -> str | None:
    """The key combo a question names, written as a key bar writes it ("Ctrl+R" -> "^R"), or None."""
    match = _ASKED_KEY.search(question)
    if match is None:
        return None
    letter = match["caret"] or match["ctrl"]
    if letter is not None:
        return "^" + (latin_twin(letter) or letter).upper()
    meta = match["meta"]
    return "M-" + (latin_twin(meta) or meta).upper()


def _names(term: str, token: str) -> bool:
    """Whether a question's word names a word of a command's name: the same stem, a related one, or the
    name's abbreviation of it ("reg" of "regular", "уч" of "учёт")."""
    return term == token or related_stems(term, token) or (len(token) >= 2 and term.startswith(token))


def names_command(words: set[str], content: set[str], name: str) -> bool:
    """Whether the question's `words` name every word of a command's name, and its `content` words (those
    that do not frame a key question) one at least: "Which key sorts the keys?" names "Sort Keys"."""
    tokens = search_tokens(name)
    return (
        bool(tokens)
        and all(any(_names(word, token) for word in words) for token in tokens)
        and any(_names(word, token) for word in content for token in tokens)
    )


def marked_name(pair: KeyPair, page_passages: PagePassages | None) -> bool:
    """Whether a red mark on the pair's screenshot is on the pair's name: the mark's passage (the text
    under it) holds the name's words."""
    if page_passages is None:
        return False
    name = set(search_tokens(pair.name))
    document, page = pair.passage.document.id, pair.passage.page
    return bool(name) and any(
        p.kind == "mark" and name <= set(search_tokens(p.text)) for p in page_passages(document, page)
    )


def answer_from_key_bar(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The name a key bar pairs with the key the question names, or the key it pairs with the name the
    question names, from the top screenshots; None to pass."""
    key = asked_key(question)
    asks_key = _ASKS_FOR_KEY.search(question) is not None
    if key is None and not asks_key:
        return None
    pairs = [
        p
        for rank, passage in screenshot_text(hits, page_passages, READ_PAGES)
        for p in key_pairs(passage, rank)
    ]
    # The screens in the language the question names, else in its own where it has some (a key's name
    # on the other language's twin of a screen is no other command).
    screen_language = {p.passage.id: detect_language(p.passage.text) for p in pairs}
    language = named_language(question)
    if language is None and answer_language(question) in screen_language.values():
        language = answer_language(question)
    if language is not None:
        pairs = [p for p in pairs if screen_language[p.passage.id] == language]
    if key is not None and not asks_key:
        chosen = sorted((p for p in pairs if p.key == key), key=lambda p: p.rank)
        if not chosen or len({p.name for p in chosen}) > 1:
            # Screens bind a key each to their own command (^R reads a file in the editor, replaces
            # at its search prompt): which screen the question means is not told by the key.
            return None
        best = chosen[0]
        text, why = best.name, f"the name paired with {key}"
    else:
        # A quoted name («Цел.слово») is the command; the other words only frame it ("at the search
        # prompt" would name the search command).
        quoted = " ".join(" ".join(match) for match in _QUOTED.findall(question))
        words = set(search_tokens(quoted or question, drop_stopwords=True))
        named = [p for p in pairs if names_command(words, words - _FRAME_WORDS, p.name)]
        how = "named"
        if not named and RED_MARK.search(question):
            # "Which key belongs to the command the red arrow points at?": the name the mark is on.
            named, how = [p for p in pairs if marked_name(p, page_passages)], "marked"
        full = sorted(named, key=lambda p: p.rank)
        if not full or len({p.key for p in full if p.rank == full[0].rank}) > 1:
            return None
        best = full[0]
        text, why = best.key, f"the key paired with the {how} {best.name!r}"
    log.info("key bar: %r -> %r (%s)", question, text, why)
    citation = line_citation(best.passage, best.start, best.end, f"{best.key} {best.name}", best.rank)
    return Answer(question, text, True, [citation], answer_language(question))
