"""Answers about what a dialog screenshot shows as set: the selected option, the ticked box, a field's value.

The indexer reads a screenshot's controls from its pixels and stores each as a "control" passage
(`indexer.layout.control_passages`): the label's span, the value's span, the state in words.
Here a question such as "Which orientation is selected?" or "Какое верхнее поле задано?" is
matched to the control it names (by the label and section heading, not by the value it asks for),
and answered with that control's value (for a radio group: the selected option; for check boxes:
the ticked ones), cited with the value's own box.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.visual import (
    PagePassages,
    TermWeights,
    hit_passages,
    name_match,
    related_stems,
    similarities,
)
from assistant.retrieval import QUOTED_NAME, PageHit, names_window
from indexer.controls import MENU_CHECK, MENU_HEADINGS, MENU_SECTION_BREAK, STATE_WORDS
from indexer.embedders import TextEmbedder
from indexer.language import MARK_QUESTION, STOPWORDS, detect_language, search_tokens, stem
from indexer.language import words as language_words
from indexer.records import BBox, PassageRecord, union_bbox
from indexer.workspace import filename_words

log = logging.getLogger(__name__)

SETTING_QUESTION = re.compile(
    r"\b(selected|chosen|ticked|checked|enabled|active|set|entered|specified|configured|shown|"
    r"turned\s+(?:on|off)|switched\s+(?:on|off)|unticked|unchecked|"
    r"shows?|displays?|displayed|reports?|reported|says?|has|have|located|positioned|"
    r"выбран\w*|отмечен\w*|включ[её]н\w*|выключ[её]н\w*|снят\w*|задан\w*|указан\w*|установлен\w*|стоит|введ[её]н\w*|выставлен\w*|"
    r"показыва\w*|показан\w*|отображ\w*|сообща\w*|имеет|у(?=\s)|расположен\w*)\b",
    re.IGNORECASE,
)
"""Questions about a control's current value or state ("what margin is set?", "какой язык выбран?"), what
a property table says an item has ("how many inputs does the gate have?") and where a setting places a
thing ("where is the toolbar located?": its location's value)."""

_USED_AS = re.compile(
    r"\b(?:uses?|used)\b.*\bas\b|(?<!\w)использу\w*\s+(?:как|в\s+качестве)(?!\w)",
    re.IGNORECASE,
)
"""'Which program does it use as its PDF viewer?': the role named after "as" is a setting's label. Not
'which port does it use' alone: what a program uses is as often a manual's fact as a field's value."""

_ASKS_WHICH = re.compile(
    r"\b(which|what|where|how\s+(?:many|much)|какой|какая|какое|какие|каким|какую|каков\w*|что|сколько|где)\b",
    re.IGNORECASE,
)
_ASKS_COUNT = re.compile(r"\bhow\s+(?:many|much)\b|(?<!\w)сколько(?!\w)", re.IGNORECASE)
"""A count a field holds ("how many retries are set?", «сколько потерь точек на линию задано?»): only a
field whose value holds a number, and whose name holds the question's words, answers it."""

# Words that frame the question rather than name the control: they must not decide which control.
_FRAME_WORDS = frozenset(
    search_tokens(
        "which what selected chosen ticked checked enabled active set entered specified configured shown "
        "show shows display displays displayed report reports reported say says "
        "показывает показано показан отображает отображается сообщает "
        "dialog window screen tab option options setting settings value box boxes checkbox checkboxes "
        "field there currently "
        "выбран выбрана выбрано выбраны отмечен отмечена отмечено отмечены включен включена включено задан "
        "задана задано указан указана указано установлен установлена установлено стоит введен введено "
        "диалог диалоге окно окне окна вкладка вкладке параметр параметры значение сейчас флажок флажки "
        "разделе раздел use uses used использует используется используют"
    )
)

MIN_NAME_MATCH = 0.5
"""Share of the question's own words (beyond its frame and the dialog's title) a control's name must hold."""
MIN_MEANING = 0.55
"""Cosine similarity of question and control name that stands in for shared words."""
MIN_CROSS_MEANING = 0.4
"""Across languages: similarity of what the question names ("paper size") and the control's name."""
CROSS_MARGIN = 0.15
"""...by which it must lead every other control of the screen (translations are close, neighbours not)."""


@dataclass(frozen=True)
class ControlReading:
    """A control passage taken apart: what it is called, what it holds, whether it is on."""

    passage: PassageRecord
    hit: PageHit
    name: str
    """The section heading and label ("Margins Left"), or the group's title for an option."""
    value: str
    value_bbox: BBox
    on: bool | None
    option: bool
    """A radio button or check box (its value is the option's text), not a field."""
    label: str = ""
    """The control's own label ("Format"), without its section ("Paper Format")."""
    kind: str = "field"
    """'radio' or 'checkbox' (told by the state's words), else 'field' (fields, drop-downs, lists)."""


def read_control(passage: PassageRecord, hit: PageHit) -> ControlReading | None:
    """Split a control passage ("Margins › Left: 0.98″", "Other options › Comments (not ticked)")."""
    if passage.kind != "control" or not passage.spans:
        return None
    value_span = passage.spans[-1]
    value = passage.text[value_span.start : value_span.end]
    label = passage.text[passage.spans[0].start : passage.spans[0].end] if len(passage.spans) > 1 else ""
    head = passage.text[: value_span.start].replace("›", " ").rstrip(" :")
    tail = passage.text[value_span.end :].strip(" ()")
    on: bool | None = None
    option = bool(tail)
    kind = "field"
    for words in STATE_WORDS.values():
        for (indicator, state), phrase in words.items():
            if tail == phrase:
                on, kind = state, indicator
    if option and on is None:
        return None
    # An option without a row label is named by its group's title: that is its own label.
    return ControlReading(
        passage, hit, head.strip(), value, value_span.bbox, on, option, label or head.strip(), kind
    )


_DRAWN_MARK = MARK_QUESTION
"""A red mark drawn on the screenshot; "marked"/"отмечен", "highlighted"/«выделен» alone speak of a
control's own state (a ticked box, a list's or a text screen's highlighted row)."""


def is_setting_question(question: str) -> bool:
    """'Which X is selected?', 'What X is set?', 'Какой X выбран?' and not about a red mark."""
    setting = SETTING_QUESTION.search(question) or _USED_AS.search(question)
    asks = bool(setting and _ASKS_WHICH.search(question))
    return asks and not _DRAWN_MARK.search(question)


def answer_from_controls(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The value or selected option the question asks for, from the top screen's controls; None to pass.

    The screen is the top page, or the one the question means among the top pages (`clean_copy`).
    A question that lists options ("…: A, B or C?") or sets one aside ("besides A") is answered
    from the options it names (`answer_choice`, `answer_besides`); otherwise None (the text reader
    answers) unless one control's name clearly matches what the question names.

    A program shows its settings on several pages of one window ("Settings": Fonts, Highlights,
    Keys): when the top one has no control the question names, another page of the same window
    among the top pages that has one, by its words, answers (`SAME_WINDOW_PAGES`).
    """
    parts = question_parts(question)
    if len(parts) == 2:
        # "What gate size is set, and how many inputs does it have?": two controls, each read on its own
        # (the second part's count must not keep the first part's word value out).
        read = [answer_from_controls(part, hits, page_passages, embedder, term_weights) for part in parts]
        if all(a is not None and a.found for a in read):
            both = [a for a in read if a is not None]
            log.info("screen: %r read in two parts: %s", question, [a.text for a in both])
            return Answer(
                question,
                "; ".join(a.text for a in both),
                True,
                [c for a in both for c in a.citations],
                answer_language(question),
            )
    answer = _answer_from_screen(question, hits, page_passages, embedder, term_weights)
    if not hits or not is_setting_question(question):
        return answer
    top = hits[0]
    window = _window_of(top, page_passages)
    if not window or not top.document.media_type.startswith("image/"):
        return answer
    # An answer stands unless the top page names its controls only in part ("Tool button style" for
    # "which widget style") while another page of the window has a control the question names whole
    # ("Style"): that page is the one meant.
    whole_only = answer is not None
    if whole_only and _names_a_control_whole(question, hit_passages(top, page_passages)):
        return answer
    for hit in list(hits)[1:SAME_WINDOW_PAGES]:
        if not hit.document.media_type.startswith("image/") or not same_window(
            _window_of(hit, page_passages), window
        ):
            continue
        if whole_only and not _names_a_control_whole(question, hit_passages(hit, page_passages)):
            continue
        other = _answer_from_screen(question, [hit], page_passages, embedder, term_weights, strict=True)
        if other is not None:
            log.info(
                "screen: %r read on %s, another page of the window %r",
                question,
                hit.document.filename,
                window,
            )
            return other
    return answer


_SECOND_QUESTION = re.compile(
    r",?\s+and\s+(?=(?:which|what|how\s+(?:many|much))\b)"
    r"|,?\s+и\s+(?=(?:какой|какая|какое|какие|каков\w*|сколько)(?!\w))",
    re.IGNORECASE,
)
"""Where a question asks a second thing: "…, and how many inputs does it have?", «…, и какой шрифт задан?»."""


_CUT_WORD = re.compile(r"(\w{3,})(?:\.\.\.|…)")
"""A word a narrow column cut short with an ellipsis ("Количество вхо...", "Number of inp…")."""


def completed_name(name: str, question: str) -> str:
    """`name` with each word a narrow column cut short written whole, as the question writes the one
    it begins ("вхо..." of "сколько у него входов?"); the cut word as it is when the question has none."""

    def whole(cut: re.Match[str]) -> str:
        start = cut.group(1).lower()
        words = [
            w for w in re.findall(r"\w+", question) if w.lower().startswith(start) and len(w) > len(start)
        ]
        return words[0] if len(words) == 1 else cut.group(0)

    return _CUT_WORD.sub(whole, name)


def question_parts(question: str) -> list[str]:
    """A question that asks two things split in two, each asking one; else the question alone."""
    parts = _SECOND_QUESTION.split(question, maxsplit=1)
    if len(parts) != 2 or not all(is_setting_question(part) for part in parts):
        return [question]
    first, second = (part.strip() for part in parts)
    return [first.rstrip(",;") + "?", second]


def _names_a_control_whole(question: str, passages: list[PassageRecord]) -> bool:
    """Whether every word of some control's own name on the page is in the question ("style" of "Style")."""
    asked = set(search_tokens(question))
    for passage in passages:
        reading = read_control(passage, PageHit(passage.document, passage.page, 0.0, []))
        if reading is None or reading.name in TAB_STRIP_NAMES:
            continue
        own = set(search_tokens(reading.label, drop_stopwords=True)) - _FRAME_WORDS
        if own and own <= asked:
            return True
    return False


def named_window_first(
    question: str, hits: Sequence[PageHit], page_passages: PagePassages | None
) -> Sequence[PageHit]:
    """The top pages with the screen whose window the question names put first ("…PDF Options dialog").

    A screen is named when every word of its title (as OCR read it, stray letters left out) is in
    the question. The top page keeps its place when it is named too, when no other is, or when the
    one named is another page of its own window (its title read with OCR's debris: "Settings Blolx").
    """
    asked = set(search_tokens(question))

    def named(hit: PageHit) -> bool:
        title = _title_words(_window_of(hit, page_passages))
        return bool(title) and title <= asked

    screens = [hit for hit in list(hits)[:SAME_WINDOW_PAGES] if hit.document.media_type.startswith("image/")]
    if not screens or screens[0] is not hits[0] or named(hits[0]):
        return hits
    meant = next((hit for hit in screens[1:] if named(hit)), None)
    if meant is None:
        return hits
    if same_window(_window_of(hits[0], page_passages), _window_of(meant, page_passages)):
        # Another page (tab) of the top screen's own window: the name says nothing between them.
        return hits
    log.info("screen: %r names the window of %s", question, meant.document.filename)
    return [meant, *(hit for hit in hits if hit is not meant)]


def named_dialog_picture_first(
    question: str, hits: Sequence[PageHit], page_passages: PagePassages | None
) -> Sequence[PageHit]:
    """The top pages with a manual's page put first whose pasted dialog the question names by its title
    ("in the Global Label Properties dialog pictured in the manual, which ... is selected?").

    Only when the top page shows no control at all: the page that describes the dialog in prose may
    outrank the one that pictures it. A pasted dialog's title is its picture's first line (the title bar
    OCR reads first); it names the dialog when it has two words of three letters or more, all in the
    question.
    """
    if not hits or any(p.kind == "control" for p in hit_passages(hits[0], page_passages)):
        return hits
    asked = set(search_tokens(question))
    for hit in list(hits)[1:SAME_WINDOW_PAGES]:
        passages = hit_passages(hit, page_passages)
        if not any(p.kind == "control" for p in passages):
            continue
        titles = [_title_words(p.text.split("\n", 1)[0]) for p in passages if p.kind == "figure"]
        if any(len(title) >= 2 and title <= asked for title in titles):
            log.info(
                "screen: %r names the dialog pictured on %s page %d",
                question,
                hit.document.filename,
                hit.page,
            )
            return [hit, *(other for other in hits if other is not hit)]
    return hits


def _title_words(title: str) -> set[str]:
    """A window title's words of three letters or more: OCR reads the title bar's buttons as stray letters."""
    return {t for t in search_tokens(title, drop_stopwords=True) if len(t) >= 3 and not t.isdigit()}


SAME_WINDOW_PAGES = 3
"""Top pages searched for another page of the top screen's window that holds the control asked for."""


def same_window(title: str, other: str) -> bool:
    """Whether two screenshots' titles, as OCR read them, are one window's ("settings: 8", "Settings ЕЕ").

    OCR adds the title bar's buttons and icon as stray letters; the title's words (three letters
    or more) are the same in both.
    """

    own, theirs = _title_words(title), _title_words(other)
    shared = {word for word in own if any(misread_alike(word, their) for their in theirs)}
    return bool(shared) and len(shared) >= 0.5 * max(len(own), len(theirs))


MISREAD_LENGTH = 6
"""Words this long that OCR read one letter apart ("galiculator", "galculator") are one word."""


def misread_alike(word: str, other: str) -> bool:
    """Whether two readings of one word differ by at most one letter added, lost or changed, when long.

    A title bar's shading makes OCR add or swap a letter in one screenshot and not in the next; a
    short word one letter apart is another word ("font", "fonts" stem alike anyway).
    """
    if word == other:
        return True
    if min(len(word), len(other)) < MISREAD_LENGTH or abs(len(word) - len(other)) > 1:
        return False
    if len(word) == len(other):
        return sum(a != b for a, b in zip(word, other, strict=True)) == 1
    shorter, longer = sorted((word, other), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _window_of(hit: PageHit, page_passages: PagePassages | None) -> str:
    """The title of a screenshot's window (its control passages' section), "" when it shows no control."""
    passages = hit_passages(hit, page_passages)
    return next((p.section for p in passages if p.kind == "control" and p.section), "")


def _answer_from_screen(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
    strict: bool = False,
) -> Answer | None:
    """`answer_from_controls` on the top screen; `strict`: only from a control whose name holds the question's
    words (no meaning alone, no other language, no tab row, place or count)."""
    asks_tabs = asks_for_tabs(question)
    asks_heading = asks_for_heading(question)
    described = describes_option(question)
    besides = bool(_BESIDES_CLAUSE.search(question))
    # "Under which heading …" asks for a section, not for a control below something.
    where = None if asks_heading else spatial_question(question)
    counted = ordinal_question(question)
    menu = asks_about_menu(question)
    untranslated = asks_untranslated(question)
    message = asks_for_message(question)
    layout = asks_tabs or where or counted or asks_heading or described or menu or untranslated or message
    if not hits or not (layout or besides or is_setting_question(question)):
        return None
    if strict and layout:
        return None
    hits = named_dialog_picture_first(
        question, named_window_first(question, hits, page_passages), page_passages
    )
    if menu:
        hits = open_menu_first(question, hits, page_passages)
    top, passages = clean_copy(question, hits, page_passages)
    if _DRAWN_MARK.search(question) and any(p.kind == "mark" for p in passages):
        # "Which option does the red arrow point at?" is the mark's to answer, not a control's whose
        # label shares a word with the question ("BackArrow sends Del").
        return None
    readings = [r for p in passages if (r := read_control(p, top)) is not None]
    # A "control" named just like the tab the question names ("на вкладке «Международные»") is that tab
    # read as a field: the question is about a control on the tab, not about the tab.
    tabs = declared_tabs(question)
    readings = [r for r in readings if not tabs or _item_tokens(r.label) not in tabs]
    if _ASKS_COUNT.search(question) and not layout:
        # A check box's words or a list's row are no count; a field named otherwise holds another one.
        readings = [r for r in readings if not r.option and any(ch.isdigit() for ch in r.value)]
        strict = True
    if not readings:
        return None
    window = f"{readings[0].passage.section} {filename_words(top.document.filename)}"
    if untranslated:
        return answer_untranslated(question, readings)
    if message:
        return answer_message(question, readings, passages)
    if asks_heading:
        return answer_heading(question, readings, passages, window)
    if menu:
        answered = answer_menu(question, readings, passages, embedder)
        if answered is not None or not is_setting_question(question):
            return answered
    if where is not None:
        placed = answer_placed(question, where, readings, passages)
        if placed is not None or not (counted or is_setting_question(question)):
            return placed
    if counted is not None:
        return answer_counted(question, counted, readings)
    if asks_tabs:
        return _answer_tabs(question, readings)
    picked = (
        answer_choice(question, readings)
        or answer_besides(question, readings)
        or answer_besides_named(question, readings)
    )
    if picked is not None or (besides and not is_setting_question(question)):
        return picked
    if described:
        return answer_described(question, readings, passages, window, embedder, term_weights)
    names = sorted({r.name for r in readings if r.name})
    if not names:
        return None
    labelled = labelled_as_asked(question, readings)
    if labelled is not None:
        return _answer(question, readings, labelled, 1.0, 1.0)
    terms = _question_terms(question, window, passages, names, term_weights)
    meaning = dict(zip(names, similarities(embedder, question, names), strict=True))
    total = sum(terms.values())
    own = _own_label_matches(readings, terms)
    shared = options_common_words(readings)
    scored = []
    for name in names:
        words = search_tokens(completed_name(name, question))
        match = name_match(terms, words + shared.get(name, [])) / total if total else 0.0
        scored.append((match + 0.5 * meaning[name], match, own.get(name, 0.0), name))
    scored.sort(reverse=True)
    best_score, best_match, _, best_name = scored[0]
    # Meaning alone vouches for a control when no word can be shared (another language, a label OCR
    # broke), and only if retrieval found that control's passage among the page's evidence too.
    retrieved = {e.passage.id for e in top.passages}
    found_too = any(r.passage.id in retrieved for r in readings if r.name == best_name)
    if strict and best_match < MIN_NAME_MATCH:
        return None
    crossing = best_match < MIN_NAME_MATCH and own_language(question) != detect_language(" ".join(names))
    if crossing:
        twin = answer_from_twin(question, top, readings, hits, page_passages, embedder, term_weights)
        if twin is not None:
            return twin
        # An English question about a Russian screen (or the reverse) shares no word with the
        # controls: what it names ("paper size") must mean one control's name far more than any other.
        named = named_phrase(question, window)
        if named:
            across = dict(zip(names, similarities(embedder, named, names), strict=True))
            ranked = sorted(across.items(), key=lambda item: item[1], reverse=True)
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            if ranked[0][1] >= MIN_CROSS_MEANING and ranked[0][1] - runner_up >= CROSS_MARGIN:
                best_name, best_score, best_match = ranked[0][0], ranked[0][1], 0.0
                log.info(
                    "screen: %r names %r across languages (%.2f, next %.2f)",
                    named,
                    best_name,
                    best_score,
                    runner_up,
                )
                return _answer(question, readings, best_name, best_score, best_match)
    if best_match < MIN_NAME_MATCH and not (meaning[best_name] >= MIN_MEANING and found_too):
        log.info(
            "screen: no control named like %r (best %r, match %.2f, meaning %.2f)",
            question,
            best_name,
            best_match,
            meaning[best_name],
        )
        return None
    tied = [item for item in scored[1:] if item[0] >= best_score - 0.02 and item[1] >= best_match]
    if tied:
        # "Which paper format is chosen?" between "Paper Format › Format" and "Paper Format ›
        # Orientation": the section names both; the control whose own label the question names wins.
        # Then the control whose name the question says whole: "the Serif font drop-down" is "Serif
        # font", not "Sans-serif font", which holds a word more.
        asked = set(search_tokens(question))

        def said(item: tuple[float, float, float, str]) -> tuple[float, float]:
            own = search_tokens(item[3])
            return item[2], sum(t in asked for t in own) / len(own) if own else 0.0

        leader = max([scored[0], *tied], key=said)
        if any(said(item) >= said(leader) for item in [scored[0], *tied] if item is not leader):
            log.info("screen: %r and %r tie for %r", best_name, tied[0][3], question)
            return None
        best_score, best_match, _, best_name = leader
    return _answer(question, readings, best_name, best_score, best_match)


TWIN_ROW = 0.03
"""How far (share of the screen's height) a control may sit from its place on the other language's screen."""


def answer_from_twin(
    question: str,
    top: PageHit,
    readings: list[ControlReading],
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None,
) -> Answer | None:
    """An English question about a Russian screen (or the reverse), read through the same window in
    the question's language among the top pages.

    Translated dialogs keep their layout: the control the question names on the twin screen (same
    rows, labels of other lengths) sits on the same row of the meant screen, in the same state.
    """
    language = own_language(question)
    for hit in list(hits)[:CLEAN_COPY_PAGES]:
        if hit.key == top.key or not hit.document.media_type.startswith("image/"):
            continue
        passages = hit_passages(hit, page_passages)
        if _screen_language(passages) != language or any(p.kind == "mark" for p in passages):
            continue
        answer = answer_from_controls(question, [hit], _fixed_page(passages), embedder, term_weights)
        if answer is None or not answer.citations:
            continue
        twin = [r for p in passages if (r := read_control(p, hit)) is not None]
        chosen = [r for r in twin if _centre(r.value_bbox) == _centre(answer.citations[0].bbox)]
        if len(chosen) != 1:
            continue  # a group's several ticked boxes: each would need its own twin
        placed = _same_place(chosen[0], readings)
        if placed is not None:
            log.info(
                "screen: %r read on %s's twin %s", question, top.document.filename, hit.document.filename
            )
            return answer_with(question, [placed], answer.citations[0].score)
    return None


def own_language(question: str) -> str:
    """The language a question is written in, its quoted names (a window's title) left out."""
    return detect_language(_QUOTED.sub(" ", question))


def _fixed_page(passages: list[PassageRecord]) -> PagePassages:
    """A page reader that returns `passages`, whichever page is asked for."""

    def read(document: int, page: int) -> list[PassageRecord]:
        return passages

    return read


def _centre(box: BBox) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _same_place(twin: ControlReading, readings: list[ControlReading]) -> ControlReading | None:
    """The control of `readings` on the twin's row, of its kind and state, nearest across."""
    tx, ty = _centre(twin.value_bbox)
    tw, th = twin.passage.page_width or 1.0, twin.passage.page_height or 1.0
    candidates = []
    for reading in readings:
        if reading.kind != twin.kind or reading.on != twin.on or reading.name in TAB_STRIP_NAMES:
            continue
        x, y = _centre(reading.value_bbox)
        w, h = reading.passage.page_width or 1.0, reading.passage.page_height or 1.0
        dy, dx = abs(y / h - ty / th), abs(x / w - tx / tw)
        if dy <= TWIN_ROW:
            candidates.append((dy * 3 + dx, reading))
    return min(candidates, key=lambda item: item[0])[1] if candidates else None


NEGATED_STATE = re.compile(
    r"\b(not|un(ticked|checked|selected)|cleared|disabled|off)\b"
    r"|(?<!\w)(не\s+(отмечен|выбран|включ[её]н)\w*|снят\w*|выключ[её]н\w*|неотмечен\w*)",
    re.IGNORECASE,
)
"""The question asks for the option that is off ("which box is *not* ticked?", "какой флажок снят?")."""
_CHOICES = re.compile(r"([^\s,:;?]+(?:\s*,\s*[^\s,:;?]+)*)\s*,?\s+(?:or|или)\s+([^\s,:;?]+)", re.IGNORECASE)
_BESIDES = re.compile(
    r"\b(?:besides|except|apart from|other than)\s+([^\s,:;?]+)|(?<!\w)(?:кроме|помимо)\s+([^\s,:;?]+)",
    re.IGNORECASE,
)


def _options_holding(readings: list[ControlReading], word: str) -> list[ControlReading]:
    """The options whose own text holds `word` (as a search token: "XMP" in "Save XMP data")."""
    tokens = search_tokens(word)
    return [r for r in readings if r.option and tokens and set(tokens) <= set(search_tokens(r.value))]


def answer_choice(question: str, readings: list[ControlReading]) -> Answer | None:
    """ "Which box is not ticked: Exif, XMP or IPTC?": of the options the question lists, the one in
    the asked-for state. Each listed word must name exactly one option of the screen, and exactly
    one of them must be in that state; otherwise None.
    """
    found = _CHOICES.search(question)
    if found is None:
        return None
    words = [w.strip() for w in found.group(1).split(",") if w.strip()] + [found.group(2)]
    options = []
    for word in words[-4:]:
        holding = _options_holding(readings, word)
        if len(holding) != 1:
            return None
        options.append(holding[0])
    if len({id(o) for o in options}) < 2:
        return None
    wanted = not NEGATED_STATE.search(question)
    chosen = [o for o in options if o.on is wanted]
    if len(chosen) != 1:
        return None
    log.info("screen: %r -> %r (of the listed %s)", question, chosen[0].value, words)
    return answer_with(question, chosen, 1.0)


def answer_besides(question: str, readings: list[ControlReading]) -> Answer | None:
    """ "Which metadata besides Exif are ticked?": the ticked options of the named one's family.

    The family are the options written like it but for one word ("Save Exif data", "Save XMP
    data", "Save IPTC data"); the named option is left out.
    """
    found = _BESIDES.search(question)
    if found is None:
        return None
    named = _options_holding(readings, found.group(1) or found.group(2))
    if len(named) != 1:
        return None
    own = search_tokens(named[0].value)
    family = [
        r
        for r in readings
        if r.option
        and r is not named[0]
        and len(tokens := search_tokens(r.value)) == len(own)
        and sum(a != b for a, b in zip(tokens, own, strict=True)) == 1
    ]
    wanted = not NEGATED_STATE.search(question)
    chosen = [r for r in family if r.on is wanted]
    if not chosen:
        return None
    log.info("screen: %r -> %s (besides %r)", question, [r.value for r in chosen], named[0].value)
    return answer_with(question, chosen, 1.0)


def answer_with(question: str, chosen: list[ControlReading], score: float) -> Answer:
    """The answer that names the chosen controls' values, cited on the box round them."""
    text = ", ".join(r.value for r in chosen)
    bbox = union_bbox([r.value_bbox for r in chosen])
    return Answer(
        question, text, True, [_cite(chosen[0].passage, bbox, text, score)], answer_language(question)
    )


CLEAN_COPY_PAGES = 3
"""Top pages searched for an unmarked copy of a marked screenshot at the top."""


_LANGUAGE_NAMED = (
    (re.compile(r"\b(russian|русск\w*)", re.IGNORECASE), "ru"),
    (re.compile(r"\b(english|английск\w*|англоязычн\w*)", re.IGNORECASE), "en"),
)


def named_language(question: str) -> str | None:
    """The language the question says the screen is in ("the Russian print dialog"), if it names one."""
    named = {code for pattern, code in _LANGUAGE_NAMED if pattern.search(question)}
    return named.pop() if len(named) == 1 else None


def _screen_language(passages: list[PassageRecord]) -> str | None:
    """The language of a screenshot's controls (None: no controls, or no language told)."""
    languages = [p.lang for p in passages if p.kind == "control" and p.lang in ("en", "ru")]
    return max(set(languages), key=languages.count) if languages else None


def clean_copy(
    question: str, hits: Sequence[PageHit], page_passages: PagePassages | None
) -> tuple[PageHit, list[PassageRecord]]:
    """The top screen's page and passages, or the screen the question means among the top pages.

    A question that names the screen's language ("in the Russian export window") is read from a
    screenshot in that language. Erasing a red mark before OCR also erases what it was drawn over
    (a combo box's frame, a radio's ring), so a setting is read from a clean screenshot of the same
    window (same title) when the top pages hold one.
    """

    top = hits[0]
    passages = hit_passages(top, page_passages)
    wanted = named_language(question)
    if wanted and _screen_language(passages) not in (None, wanted):
        # "In the Russian export window, ...": the screenshot of that window in Russian.
        for hit in list(hits)[1:CLEAN_COPY_PAGES]:
            other = hit_passages(hit, page_passages)
            if _screen_language(other) == wanted:
                log.info(
                    "screen: reading %s, the %s screen the question names", hit.document.filename, wanted
                )
                top, passages = hit, other
                break
    if not any(p.kind == "mark" for p in passages):
        return top, passages
    window = next((p.section for p in passages if p.kind == "control"), None)
    for hit in list(hits)[1:CLEAN_COPY_PAGES]:
        other = hit_passages(hit, page_passages)
        same_window = any(p.kind == "control" and p.section == window for p in other)
        if window and same_window and not any(p.kind == "mark" for p in other):
            log.info(
                "screen: reading %s, the clean copy of the marked %s",
                hit.document.filename,
                top.document.filename,
            )
            return hit, other
    return top, passages


_UNTRANSLATED = re.compile(
    r"\buntranslated\b|\bnot\s+(?:been\s+)?translated\b|\b(?:left|still|remains?|stayed)\s+in\s+English\b"
    r"|(?<!\w)без\s+перевода(?!\w)|(?<!\w)не\s*переведён\w*|(?<!\w)не\s*переведен\w*"
    r"|(?<!\w)остал\w*\s+(?:на\s+)?английском(?!\w)|(?<!\w)по-английски(?!\w)",
    re.IGNORECASE,
)
"""'Which option was left untranslated?', 'Какой параметр остался без перевода?'."""
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")


def asks_untranslated(question: str) -> bool:
    """Whether the question asks which of a translated screen's texts is still in the original language."""
    return bool(_UNTRANSLATED.search(question))


def _shown_text(reading: ControlReading) -> str:
    """What the program wrote on the screen for a control: an option's text, a field's label (its value
    is the user's data, a file name or a program, in whatever script it is)."""
    return reading.value if reading.option else reading.label


def _script(text: str) -> str | None:
    """'ru' for words in Cyrillic only, 'en' for words in Latin only (two letters at least), else None."""
    latin, cyrillic = len(_LATIN_LETTER.findall(text)), len(_CYRILLIC_LETTER.findall(text))
    if cyrillic >= 2 and not latin:
        return "ru"
    if latin >= 2 and not cyrillic:
        return "en"
    return None


def answer_untranslated(question: str, readings: list[ControlReading]) -> Answer | None:
    """The controls written in another script than the rest of a translated screen ("Don't execute script
    files" among Russian options): what a translation left out. None when the screen is in one script,
    or when as many texts are in each (no language to call the translation)."""
    shown = [(r, _script(_shown_text(r))) for r in readings if r.name not in TAB_STRIP_NAMES]
    scripts = [script for _, script in shown if script]
    if not scripts:
        return None
    screen = max(set(scripts), key=scripts.count)
    left = [r for r, script in shown if script and script != screen]
    if not left or 2 * len(left) >= len(scripts):
        log.info("screen: %r finds no text left out of the translation", question)
        return None
    log.info("screen: %r -> untranslated %r", question, [_shown_text(r) for r in left])
    text = ", ".join(_shown_text(r) for r in left)
    bbox = union_bbox([r.value_bbox if r.option else r.passage.spans[0].bbox for r in left])
    return Answer(question, text, True, [_cite(left[0].passage, bbox, text, 1.0)], answer_language(question))


_MESSAGE_QUESTION = re.compile(
    r"\b(?:warning|message|error|notice|notification|alert|banner)s?\b"
    r"|(?<!\w)(?:предупрежден\w*|сообщени\w*|уведомлени\w*|ошибк\w*)",
    re.IGNORECASE,
)
_MESSAGE_SHOWN = re.compile(
    r"\b(?:shows?|displays?|displayed|shown|says?|gives?|reports?)\b"
    r"|(?<!\w)(?:показыва\w*|показан\w*|отображ\w*|сообща\w*|выводит\w*|выдаёт|выдает)",
    re.IGNORECASE,
)
MIN_MESSAGE_WORDS = 3
"""A message is a sentence: a bar's caption of fewer words is a button or a title."""


def asks_for_message(question: str) -> bool:
    """'What warning does the tool show at the top?', 'Какое предупреждение показывает окно?'."""
    return bool(_MESSAGE_QUESTION.search(question) and _MESSAGE_SHOWN.search(question))


def answer_message(
    question: str, readings: list[ControlReading], passages: list[PassageRecord]
) -> Answer | None:
    """The sentence a window shows in a message bar above its contents ("The application is not configured
    correctly."), without the bar's icon and buttons that OCR read on its line; None when there is none.

    Such a bar sits between the title bar (the topmost line) and the window's controls (its row of
    tabs, or its first control): the first line there that reads as a sentence is the message.
    """
    strip = next((r for r in readings if r.name in TAB_STRIP_NAMES), None)
    controls_top = min(
        [strip.value_bbox[1]]
        if strip
        else [r.passage.bbox[1] for r in readings if r.passage.kind == "control"]
    )
    above = sorted(
        (p for p in passages if p.kind == "text" and p.bbox[3] <= controls_top + 2),
        key=lambda p: p.bbox[1],
    )
    found = [(p, sentence) for p in above[1:] if (sentence := message_sentence(p.text))]
    if not found:
        log.info("screen: %r finds no message line above the controls", question)
        return None
    passage, sentence = found[0]
    log.info("screen: %r -> message %r", question, sentence)
    return Answer(
        question, sentence, True, [_cite(passage, passage.bbox, sentence, 1.0)], answer_language(question)
    )


_BAR_PARTS = re.compile(r"\s*\|+\s*|\s{3,}")


def message_sentence(line: str) -> str:
    """The longest run of words on a message bar's line: its icon read as a letter and its buttons
    ("|Information|| Hide") are set apart by OCR's bars and wide gaps."""
    parts = [part.strip() for part in _BAR_PARTS.split(line) if part.strip()]
    best = max(parts, key=lambda part: len(part.split()), default="")
    words = best.split()
    # The icon in front ("А", "!", "⚠") read as a one-letter word.
    while words and len(words[0]) == 1 and not words[0].isdigit() and len(words) > MIN_MESSAGE_WORDS:
        words = words[1:]
    # A sentence has small words ("is", "not", "не"); a row of tab captions is capitals only.
    told = any(word[:1].islower() for word in words[1:]) or best.endswith((".", "!"))
    return " ".join(words) if len(words) >= MIN_MESSAGE_WORDS and told else ""


_TABS_QUESTION = re.compile(
    r"\b(?:which|what)\s+tabs?\b|(?<!\w)(?:как\w*|что\s+за)\s+вкладк\w*", re.IGNORECASE
)
"""'Which tabs…', 'Какие вкладки…': the tabs are what is asked for; "…on the «Fonts» tab" only names one."""


def asks_for_tabs(question: str) -> bool:
    """Whether the question asks which tab(s) a window has or holds something, not about a red mark."""
    return bool(_TABS_QUESTION.search(question)) and not _DRAWN_MARK.search(question)


TAB_STRIP_NAMES = frozenset({"Tabs", "Вкладки"})
"""How `indexer.controls` names a notebook's row of tabs."""


_ONE_TAB = re.compile(r"\btab\b|(?<!\w)вкладк(?:а|е|у|ой)(?!\w)", re.IGNORECASE)
"""'Which tab holds …?', 'На какой вкладке …?': one tab is asked for, not the row."""
_TAB_ROW = re.compile(r"\btabs\b|(?<!\w)вкладк(?:и|ах|ами)(?!\w)", re.IGNORECASE)


def _answer_tabs(question: str, readings: list[ControlReading]) -> Answer | None:
    """'Which tabs does the dialog have besides General?': the tab row, less the tabs the question names.

    'Which tab holds the shell options?' asks for one tab: the one whose caption the question
    names ("Shell"), or none when no caption of this row is named (another window's row).
    """
    strip = next((r for r in readings if r.name in TAB_STRIP_NAMES), None)
    if strip is None:
        return None
    named = set(search_tokens(question))
    tabs = [tab.strip() for tab in strip.value.split(",") if tab.strip()]
    if _ONE_TAB.search(question) and not _TAB_ROW.search(question):
        meant = [tab for tab in tabs if set(search_tokens(tab, drop_stopwords=True)) & named]
        if len(meant) != 1:
            log.info("screen: %r names %d of the tabs %r", question, len(meant), tabs)
            return None
        return _answer_with_tabs(question, strip, meant[0])
    others = [tab for tab in tabs if not set(search_tokens(tab)) <= named]
    if not others:
        return None
    return _answer_with_tabs(question, strip, ", ".join(others))


def _answer_with_tabs(question: str, strip: ControlReading, text: str) -> Answer:
    log.info("screen: %r -> tabs %r", question, text)
    return Answer(
        question, text, True, [_cite(strip.passage, strip.value_bbox, text, 1.0)], answer_language(question)
    )


def options_common_words(readings: list[ControlReading]) -> dict[str, list[str]]:
    """For each group of options, the words most of its options share: they name what the group chooses.

    "Authentication using pkexec / sudo / su" under "Root mode" is a choice of authentication, though
    the group's title does not say so; a word only one option holds names that option, not the group.
    """
    groups: dict[str, list[set[str]]] = {}
    for reading in readings:
        if reading.option and reading.name:
            groups.setdefault(reading.name, []).append(set(search_tokens(reading.value, drop_stopwords=True)))
    common = {}
    for name, options in groups.items():
        if len(options) < 2:
            continue
        counts: dict[str, int] = {}
        for words in options:
            for word in words:
                counts[word] = counts.get(word, 0) + 1
        common[name] = sorted(w for w, n in counts.items() if n >= 2 and n * 2 >= len(options))
    return common


def _own_label_matches(readings: list[ControlReading], terms: dict[str, float]) -> dict[str, float]:
    """For each control name, the share of the question's terms its own label holds (not its section's)."""
    total = sum(terms.values())
    if not total:
        return {}
    return {r.name: name_match(terms, search_tokens(r.label)) / total for r in readings if r.label}


def _cite(passage: PassageRecord, bbox: BBox, text: str, score: float) -> Citation:
    return Citation(
        document=passage.document,
        page=passage.page,
        bbox=bbox,
        quote=text,
        score=round(score, 4),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )


def _answer(
    question: str, readings: list[ControlReading], best_name: str, best_score: float, best_match: float
) -> Answer | None:
    """The answer from the control named `best_name`: its value, or its group's chosen options (those
    left off when the question asks what is not ticked)."""
    group = [r for r in readings if r.name == best_name]
    if any(r.kind == "radio" for r in group):
        # A radio group's title names its buttons; a check box placed under it is another control.
        group = [r for r in group if r.kind == "radio"]
    # "Which Navigation option is not checked?" asks for the group's options that are off.
    wanted = not NEGATED_STATE.search(question)
    chosen = [r for r in group if r.on == wanted] if group[0].option else group[:1]
    if not chosen:
        return None
    log.info("screen: %r -> %r (%s, match %.2f)", question, [r.value for r in chosen], best_name, best_match)
    return answer_with(question, chosen, best_score)


@dataclass(frozen=True)
class SpatialQuestion:
    """ "Which check box is under the «Browse...» button?": the relation, what is asked for, what is named."""

    relation: str
    """'below', 'above', 'left', 'right' or 'beside'."""
    kind: str | None
    """'checkbox', 'radio' or 'field' asked for; None: any control."""
    anchor: str
    """The words that name the control the question starts from."""


_RELATIONS = (
    (re.compile(r"\b(?:under|below|beneath|underneath)\b|(?<!\w)(?:под|ниже)(?!\w)", re.IGNORECASE), "below"),
    (re.compile(r"\babove\b|(?<!\w)(?:над|выше)(?!\w)", re.IGNORECASE), "above"),
    (
        re.compile(r"\b(?:to the right of|right of|to the right)\b|(?<!\w)(?:справа|правее)(?!\w)", re.I),
        "right",
    ),
    (re.compile(r"\b(?:to the left of|left of|to the left)\b|(?<!\w)(?:слева|левее)(?!\w)", re.I), "left"),
    (re.compile(r"\b(?:next to|beside)\b|(?<!\w)(?:рядом|возле)(?!\w)", re.IGNORECASE), "beside"),
)
_ASKED_KINDS = (
    (re.compile(r"check\s?-?box\w*|tick\s?box\w*|флаж\w*|галочк\w*", re.IGNORECASE), "checkbox"),
    (re.compile(r"radio\w*|переключател\w*|радиокнопк\w*", re.IGNORECASE), "radio"),
    (
        re.compile(
            r"\bfields?\b|\bdrop-?downs?\b|\blists?\b|(?<!\w)пол[еяю](?!\w)|списк\w*|список", re.IGNORECASE
        ),
        "field",
    ),
)
_WIDGET_WORDS = frozenset(
    search_tokens(
        "the button buttons field box check checkbox label option of to кнопка кнопкой кнопки кнопку поле "
        "полем флажок флажком надпись с от"
    )
)
_ANCHOR_END = re.compile(
    r"\?|,|\b(?:in|on|of)\s+(?:the|this)\b|(?<!\w)(?:в|на)\s+(?:окне|вкладке|диалоге)(?!\w)", re.IGNORECASE
)


def spatial_question(question: str) -> SpatialQuestion | None:
    """The relation a question asks about between two controls of a screen, if it asks about one."""
    if not _ASKS_WHICH.search(question) or _DRAWN_MARK.search(question):
        return None
    for pattern, relation in _RELATIONS:
        found = pattern.search(question)
        if found is None:
            continue
        before, after = question[: found.start()], question[found.end() :]
        kind = next((k for p, k in _ASKED_KINDS if p.search(before)), None)
        quoted = _QUOTED.search(after)
        if quoted is not None and not quoted.group(0).startswith("("):
            anchor = quoted.group(0)[1:-1]
        else:
            anchor = " ".join(
                word
                for word in re.findall(r"[\w.]+", _ANCHOR_END.split(after, maxsplit=1)[0])
                if (tokens := search_tokens(word, drop_stopwords=True))
                and tokens[0] not in _WIDGET_WORDS | _FRAME_WORDS
            )
        if anchor.strip():
            return SpatialQuestion(relation, kind, anchor.strip())
    return None


def anchor_box(anchor: str, passages: list[PassageRecord]) -> BBox | None:
    """Where the screen writes the words of `anchor`: the smallest line (or control part) holding them all."""
    wanted = set(search_tokens(anchor))
    if not wanted:
        return None
    boxes = []
    for passage in passages:
        for span in passage.spans:
            text = passage.text[span.start : span.end]
            if not wanted <= set(search_tokens(text)):
                continue
            # Inside a longer line, the words' share of the line's width stands for their box.
            lowered, needle = text.lower(), anchor.lower()
            at = lowered.find(needle)
            x0, y0, x1, y1 = span.bbox
            if at >= 0 and len(text) > len(needle):
                width = (x1 - x0) / len(text)
                x0, x1 = x0 + at * width, x0 + (at + len(needle)) * width
            boxes.append((x0, y0, x1, y1))
    return min(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])) if boxes else None


def placed_distance(relation: str, anchor: BBox, box: BBox) -> float | None:
    """How far `box` lies from `anchor` in the direction `relation` names; None when it is not there."""
    ax0, ay0, ax1, ay1 = anchor
    bx0, by0, bx1, by1 = box
    row = ay1 - ay0
    # Widgets in one column are not flush: a check box's label starts a little left of the button above.
    overlaps_x = min(ax1, bx1) - max(ax0, bx0) > -row
    overlaps_y = min(ay1, by1) - max(ay0, by0) > -0.3 * row
    if relation == "below" and overlaps_x and by0 >= ay1 - 0.3 * row:
        return by0 - ay1
    if relation == "above" and overlaps_x and by1 <= ay0 + 0.3 * row:
        return ay0 - by1
    if relation in ("right", "beside") and overlaps_y and bx0 >= ax1 - 0.3 * row:
        return bx0 - ax1
    if relation in ("left", "beside") and overlaps_y and bx1 <= ax0 + 0.3 * row:
        return ax0 - bx1
    return None


def answer_placed(
    question: str, where: SpatialQuestion, readings: list[ControlReading], passages: list[PassageRecord]
) -> Answer | None:
    """ "Which check box is under the «Browse...» button?": the nearest control of the asked kind there."""
    box = anchor_box(where.anchor, passages)
    if box is None:
        log.info("screen: %r names no control of the screen (%r)", question, where.anchor)
        return None
    anchor_tokens = set(search_tokens(where.anchor))
    placed = []
    for reading in readings:
        if where.kind is not None and reading.kind != where.kind:
            continue
        if reading.name in TAB_STRIP_NAMES or set(search_tokens(reading.value)) <= anchor_tokens:
            continue
        distance = placed_distance(where.relation, box, reading.value_bbox)
        if distance is not None:
            placed.append((distance, reading))
    if not placed:
        return None
    distance, nearest = min(placed, key=lambda item: item[0])
    log.info(
        "screen: %r -> %r, %s %r (%.0f px)", question, nearest.value, where.relation, where.anchor, distance
    )
    return answer_with(question, [nearest], 1.0)


@dataclass(frozen=True)
class CountedQuestion:
    """ "What does the third check box do?": which control of a kind, counted in reading order."""

    position: int
    """1 for the first; -1 for the last."""
    kind: str
    """'checkbox', 'radio' or 'field'."""


_ORDINALS: dict[str, int] = {
    **dict.fromkeys(("first", "1st", "перв"), 1),
    **dict.fromkeys(("second", "2nd", "втор"), 2),
    **dict.fromkeys(("third", "3rd", "трет"), 3),
    **dict.fromkeys(("fourth", "4th", "четверт", "четвёрт"), 4),
    **dict.fromkeys(("fifth", "5th", "пят"), 5),
    **dict.fromkeys(("sixth", "6th", "шест"), 6),
    **dict.fromkeys(("seventh", "7th", "седьм"), 7),
    **dict.fromkeys(("eighth", "8th", "восьм"), 8),
    **dict.fromkeys(("last", "последн"), -1),
}
_ORDINAL = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|last|[1-8](?:st|nd|rd|th))\b"
    r"|(?<!\w)(перв|втор|трет|четв[её]рт|пят|шест|седьм|восьм|последн)\w*",
    re.IGNORECASE,
)


def ordinal_question(question: str) -> CountedQuestion | None:
    """The control a question picks by its place among its kind ("the third checkbox", "второй флажок").

    The ordinal must stand right before the kind's word (a few words between at most), so that
    "the first option under Margins" or "в первом разделе" is not read as a count.
    """
    for found in _ORDINAL.finditer(question):
        after = question[found.end() : found.end() + 40]
        words = " ".join(re.findall(r"[\w-]+", after)[:3])
        kind = next((k for p, k in _ASKED_KINDS if p.match(words)), None)
        if kind is None:
            continue
        stem = found.group(0).lower()
        position = next(v for key, v in _ORDINALS.items() if stem.startswith(key.lower()))
        return CountedQuestion(position, kind)
    return None


def reading_order(readings: list[ControlReading]) -> list[ControlReading]:
    """Controls as a reader meets them: row by row from the top, left to right within a row.

    A row is the controls whose value boxes overlap in height: a check box set a pixel lower than
    its neighbour in the next column is on the same row.
    """
    rows: list[list[ControlReading]] = []
    for reading in sorted(readings, key=lambda r: (r.value_bbox[1] + r.value_bbox[3]) / 2):
        y0, y1 = reading.value_bbox[1], reading.value_bbox[3]
        if rows:
            last = rows[-1][-1].value_bbox
            if min(y1, last[3]) - max(y0, last[1]) >= 0.5 * min(y1 - y0, last[3] - last[1]):
                rows[-1].append(reading)
                continue
        rows.append([reading])
    return [r for row in rows for r in sorted(row, key=lambda r: r.value_bbox[0])]


def answer_counted(question: str, counted: CountedQuestion, readings: list[ControlReading]) -> Answer | None:
    """The control the question counts to: its option's text (what it turns on or off) or its value."""
    of_kind = reading_order([r for r in readings if r.kind == counted.kind and r.name not in TAB_STRIP_NAMES])
    index = counted.position - 1 if counted.position > 0 else len(of_kind) + counted.position
    if not 0 <= index < len(of_kind):
        log.info(
            "screen: %r counts to %d of %d %s controls",
            question,
            counted.position,
            len(of_kind),
            counted.kind,
        )
        return None
    chosen = of_kind[index]
    log.info("screen: %r -> %r (%s no. %d)", question, chosen.value, counted.kind, counted.position)
    return answer_with(question, [chosen], 1.0)


_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|\([^)]*\)")
_LANGUAGE_NAMES = frozenset(
    search_tokens("russian english русский русском английский английском русскоязычном англоязычном")
)


def named_phrase(question: str, window: str) -> str:
    """What the question names, in its own words: "paper size" of "…which paper size is selected?".

    The window's name (quoted, or words of its title), names of products and languages
    (capitalised inside the sentence: "LibreOffice", "Russian"), and the words that frame the
    question are left out.
    """
    title = set(search_tokens(window))
    kept = []
    for index, word in enumerate(re.findall(r"[\w/-]+", _QUOTED.sub(" ", question))):
        token = search_tokens(word)
        if not token or word.lower() in STOPWORDS or (index > 0 and word[0].isupper()):
            continue
        if token[0] in _FRAME_WORDS or token[0] in title or token[0] in _LANGUAGE_NAMES:
            continue
        kept.append(word)
    return " ".join(kept)


def _question_terms(
    question: str,
    window: str,
    page: list[PassageRecord],
    names: list[str],
    term_weights: TermWeights | None,
) -> dict[str, float]:
    """The question's words that may name a control, weighted.

    The window (its title, its file's name) only says which screenshot is meant, and a word found
    nowhere on the page names the product ("LibreOffice's"): neither decides between controls. A
    word that is on the page but in no control's name stays: it says the question is about that
    text, not a control, and weighs against every control. Words that frame the question
    ("option", "selected") count a little where a control's name holds them ("the other options").
    A quoted name that names the window ("(Параметры демонстрации)", its title OCR cut to
    "раметры") is the window's too, and so is a word a control holds as its value.
    """
    title = set(search_tokens(window))
    for quote in QUOTED_NAME.findall(question):
        words = set(search_tokens("".join(quote), drop_stopwords=True))
        if names_window([words], set(), title):
            title |= words
    named = [search_tokens(completed_name(name, question)) for name in names]
    # A tab's word that a control's name holds too ("Font" tab, "Font family") may name that control.
    tab_words = named_tabs(question, page) | {t for words in declared_tabs(question) for t in words}
    title |= {t for t in tab_words if not any(t in name for name in named)}
    # What a control holds names the item the screen shows ("the EVENTS register" of a property table
    # whose Label is EVENTS), as the title names the window: it says which screen, not which control.
    fields = [
        r
        for p in page
        if (r := read_control(p, PageHit(p.document, p.page, 0.0, []))) is not None
        and not r.option
        and r.name not in TAB_STRIP_NAMES
        and r.name.split(" ")[0] not in MENU_SECTIONS
    ]
    held = {token for r in fields for token in search_tokens(r.value)}
    title |= held - {token for name in named for token in name}
    # "door_alarm" of the question is the title's "door alarm" (its underscore lost to OCR, or written so).
    asked = set(search_tokens(question, drop_stopwords=True))
    title |= {
        t for t in asked if (parts := set(re.split(r"[_-]+", t)) - {""}) and len(parts) > 1 and parts <= title
    }
    on_page = {token for passage in page for token in search_tokens(passage.text)}
    content = asked - title
    framing = {t for t in content & _FRAME_WORDS if any(t in name for name in named)}
    content = {
        t for t in content - _FRAME_WORDS if t in on_page or any(name_match({t: 1.0}, name) for name in named)
    }
    weights = term_weights(sorted(content)) if term_weights and content else {}
    terms = {t: weights.get(t, 1.0) for t in content}
    terms.update({t: 0.3 for t in framing})
    return terms


_TAB_NAMED = re.compile(
    r"(?<!\w)(?:вкладк\w*|tab)\s+[«\"“]([^»\"”]+)[»\"”]|[«\"“]([^»\"”]+)[»\"”]\s+(?:tab|вкладк\w*)",
    re.IGNORECASE,
)
"""A tab the question names by its quoted caption: 'the "Fonts" tab', «на вкладке «Окно»»."""


def declared_tabs(question: str) -> list[set[str]]:
    """The words of each tab caption the question quotes as a tab's."""
    return [
        words
        for found in _TAB_NAMED.finditer(question)
        if (words := set(search_tokens(found.group(1) or found.group(2), drop_stopwords=True)))
    ]


def named_tabs(question: str, page: list[PassageRecord]) -> set[str]:
    """The words of the tab captions the question names whole ("…in the Appearance settings"): like the
    window's title they say which page of the window is meant, not which control on it."""
    asked = set(search_tokens(question, drop_stopwords=True))
    found: set[str] = set()
    for passage in page:
        reading = read_control(passage, PageHit(passage.document, passage.page, 0.0, []))
        if reading is None or reading.name not in TAB_STRIP_NAMES:
            continue
        for caption in reading.value.split(","):
            words = set(search_tokens(caption, drop_stopwords=True))
            if words and words <= asked:
                found |= words
    return found


# --- questions about the screen's layout: headings, described options, the rest of a group -------

_HEADING_QUESTION = re.compile(
    r"\b(?:under|in|within|beneath)\s+(?:which|what)\s+(?:heading|section|group|frame|panel|box|category)\b"
    r"|\b(?:which|what)\s+(?:heading|section|group|frame|panel)\s+(?:is|are|holds?|contains?|has|lists?)\b"
    r"|(?<!\w)(?:под|в)\s+(?:каким|какой|каком)\s+"
    r"(?:заголовк\w*|раздел\w*|групп\w*|рамк\w*|секци\w*|блок\w*|подраздел\w*)"
    r"|(?<!\w)(?:какой|какая|каков)\s+(?:заголовок|раздел|группа|секция)\s+(?:у|содержит|включает|объединяет)\b",
    re.IGNORECASE,
)
"""'Under which heading are the lag meter settings?', 'В каком разделе …?': a section is asked for."""

_HEADING_WORDS = frozenset(
    search_tokens(
        "heading headings section group frame panel box category settings setting options option control "
        "controls located found находится находятся заголовок заголовком раздел разделе группа группе "
        "рамка рамке секция секции блок блоке настройки настройка параметры параметр"
    )
)


def asks_for_heading(question: str) -> bool:
    """Whether the question asks which heading (section, group box) some controls of a screen are under."""
    return bool(_HEADING_QUESTION.search(question))


def _section_of(reading: ControlReading) -> str:
    """The heading a control sits under ("Extra Gadgets" of "Extra Gadgets › Lag meter: Both"), "" if none."""
    head, found, _ = reading.passage.text.partition(" › ")
    return head.strip() if found else ""


def _own_words(reading: ControlReading) -> set[str]:
    """What names the control itself: an option's text, a field's label (never its section)."""
    own = reading.value if reading.option else reading.label
    return set(search_tokens(own, drop_stopwords=True)) - _FRAME_WORDS - _HEADING_WORDS


def answer_heading(
    question: str, readings: list[ControlReading], passages: list[PassageRecord], window: str
) -> Answer | None:
    """ "Under which heading are the lag meter and throttle meter settings?": the section of the
    controls the question names.

    A control is named when every word of its own label (an option: its text) is in the question
    and at least one of them is not the window's (a page called "User list" names no control).
    All the named controls must sit under one heading; it is cited where the screen writes it.
    """
    # The words after "under which heading" name the controls ("… are the lag meter settings?"); the
    # words before it often name the page ("In the User list preferences, …"), which names no control.
    found = _HEADING_QUESTION.search(question)
    assert found is not None
    after = set(search_tokens(question[found.end() :], drop_stopwords=True)) - _FRAME_WORDS - _HEADING_WORDS
    asked = set(search_tokens(question[found.end() :] if after else question[: found.start()]))
    title = set(search_tokens(window))
    named = [r for r in readings if (own := _own_words(r)) and own <= asked and own - title]
    # A control the question names in part ("the read receipts" of "Request read receipts") counts
    # too: when it sits under another heading, the question has no one answer.
    touched = [r for r in readings if (own := _own_words(r) - title) and len(own & asked) >= 0.5 * len(own)]
    sections = {_section_of(r) for r in named + touched}
    if not named or len(sections) != 1 or not (section := sections.pop()):
        log.info("screen: %r names %d controls under headings %r", question, len(named), sections)
        return None
    box = anchor_box(section, [p for p in passages if p.kind != "control"]) or union_bbox(
        [(r.passage.spans[0].bbox) for r in named]
    )
    log.info("screen: %r -> heading %r of %s", question, section, [r.label or r.value for r in named])
    return Answer(
        question, section, True, [_cite(named[0].passage, box, section, 1.0)], answer_language(question)
    )


_DESCRIBED_OPTION = re.compile(
    # "which option" and a verb saying what it does ("makes", "asks", "lets", "will"), not "is/are".
    r"\b(?:which|what)\s+(?:option|setting|check\s?-?box|tick\s?box|choice|preference|switch|toggle)\s+"
    r"(?!(?:is|was|has|does\s+not)\b)(?:\w+s|does|will|would|should|can|must|lets?|makes?)\b"
    r"|(?<!\w)(?:как(?:ой|ая|ое|ую)|что\s+за)\s+"
    r"(?:параметр|флажок|флаг|опци\w*|настройк\w*|пункт|переключатель|галочк\w*)\s+"
    r"(?:\w+\s+)?(?:\w+(?:ет|ит|ют|ят|ает)|позволя\w*|отвеча\w*)\b",
    re.IGNORECASE,
)
"""'Which option makes dot files be treated as ASCII?': an option described by what it does, not named."""

MIN_DESCRIBED = 0.4
"""Share of the question's describing words an option's text must hold (with meaning making up the rest)."""
DESCRIBED_MARGIN = 0.08
"""...and by how much its score must lead the next option's."""


def compound_tokens(text: str, question: str) -> list[str]:
    """`text`'s search tokens, with a word glued from two of the question's words also read as those two.

    A label writes "dotfiles", "filetypes", "username" where a question says "files that begin with
    a dot", "file types", "user name": the glued word counts for each of its parts.
    """
    asked = {w for w in language_words(question) if len(w) >= 3}
    tokens = search_tokens(text)
    for word in language_words(text):
        for part in asked:
            rest = word[len(part) :]
            if word.startswith(part) and len(rest) >= 3 and stem(rest) in {stem(w) for w in asked}:
                tokens += [stem(part), stem(rest)]
            elif word.endswith(part) and len(word) - len(part) >= 3 and word[: -len(part)] in asked:
                tokens += [stem(word[: -len(part)]), stem(part)]
    return tokens


def describes_option(question: str) -> bool:
    return bool(_DESCRIBED_OPTION.search(question))


def answer_described(
    question: str,
    readings: list[ControlReading],
    passages: list[PassageRecord],
    window: str,
    embedder: TextEmbedder,
    term_weights: TermWeights | None,
) -> Answer | None:
    """ "Which option makes files starting with a dot be treated as ASCII?": the option (check box,
    radio button) whose text says what the question describes.

    Options are scored by the question's words their text holds (weighted) and by meaning; the
    best must hold a good share of the words and lead every other option clearly, else None.
    """
    options = [r for r in readings if r.option and r.value.strip()]
    if not options:
        return None
    title = set(search_tokens(window))
    # A quoted name names the page ("on the «File Types» page"), and a word the screen never writes
    # names the product: neither describes what an option does.
    unquoted = _QUOTED.sub(" ", question)
    on_screen = {t for p in passages for t in search_tokens(p.text)}
    content = set(search_tokens(unquoted, drop_stopwords=True)) - _FRAME_WORDS - title
    asking = _DESCRIBED_OPTION.search(unquoted)
    if asking is not None:
        content -= set(search_tokens(asking.group(0)))
    content = {t for t in content if t in on_screen or any(related_stems(t, o) for o in on_screen)}
    weights = term_weights(sorted(content)) if term_weights and content else {}
    terms = {t: weights.get(t, 1.0) for t in content}
    total = sum(terms.values())
    if not total:
        return None
    texts = [r.value for r in options]
    meaning = similarities(embedder, question, texts)
    scored = sorted(
        (
            (name_match(terms, compound_tokens(r.value, unquoted)) / total, m, r)
            for r, m in zip(options, meaning, strict=True)
        ),
        key=lambda item: item[0] + item[1],
        reverse=True,
    )
    match, best_meaning, best = scored[0]
    runner_up = scored[1][0] + scored[1][1] if len(scored) > 1 else 0.0
    if match < MIN_DESCRIBED or match + best_meaning - runner_up < DESCRIBED_MARGIN:
        log.info(
            "screen: %r describes no option clearly (best %r, match %.2f, lead %.2f)",
            question,
            best.value,
            match,
            match + best_meaning - runner_up,
        )
        return None
    log.info("screen: %r -> option %r (match %.2f, meaning %.2f)", question, best.value, match, best_meaning)
    return answer_with(question, [best], match)


_BESIDES_CLAUSE = re.compile(
    r"\b(?:besides|except(?:\s+for)?|apart from|other than|aside from)\s+(?P<en>[^?;:]+?)(?=[,?;:]|$)"
    r"|(?<!\w)(?:кроме|помимо)\s+(?P<ru>[^?;:]+?)(?=[,?;:]|$)",
    re.IGNORECASE,
)
_LIST_JOINS = re.compile(r"\s*,\s*|\s+(?:and|or|и|или)\s+", re.IGNORECASE)


def answer_besides_named(question: str, readings: list[ControlReading]) -> Answer | None:
    """ "Which startup option besides the normal start and the Site Manager is offered?": the other
    members of the group that holds the options the question sets aside.

    Each set-aside phrase must name one option best (most of its words in the option's text);
    all of them must belong to one group (radio buttons or check boxes of one title). The answer is
    the group's other members, or of those only the ones in the asked-for state when the question
    asks about a state ("which other box is ticked?").
    """
    found = _BESIDES_CLAUSE.search(question)
    if found is None:
        return None
    phrases = [p for p in _LIST_JOINS.split(found.group("en") or found.group("ru")) if p.strip()]
    options = [r for r in readings if r.option]
    named: list[ControlReading] = []
    for phrase in phrases:
        wanted = set(search_tokens(phrase, drop_stopwords=True)) - _FRAME_WORDS
        if not wanted:
            continue
        shares = [
            (name_match(dict.fromkeys(wanted, 1.0), search_tokens(r.value)) / len(wanted), i)
            for i, r in enumerate(options)
        ]
        shares.sort(reverse=True)
        if not shares or shares[0][0] < 0.5 or (len(shares) > 1 and shares[1][0] >= shares[0][0]):
            return None
        named.append(options[shares[0][1]])
    if not named or len({(r.name, r.kind) for r in named}) != 1:
        return None
    set_aside = {id(r) for r in named}
    group = [
        r for r in options if (r.name, r.kind) == (named[0].name, named[0].kind) and id(r) not in set_aside
    ]
    if SETTING_QUESTION.search(question):
        wanted_state = not NEGATED_STATE.search(question)
        group = [r for r in group if r.on is wanted_state]
    if not group:
        return None
    log.info("screen: %r -> %s (the rest of %r)", question, [r.value for r in group], named[0].name)
    return answer_with(question, group, 1.0)


_ASKED_NAME = re.compile(
    r"\b(?:which|what)\s+(?P<en>(?:[\w-]+\s+){0,3}?[\w-]+)\s+(?:is|are)\s+(?:currently\s+|now\s+)?"
    r"(?:selected|chosen|ticked|checked|enabled|active|set|entered|specified|configured|shown)\b"
    r"|(?<!\w)(?:какой|какая|какое|какие|каким|какую)\s+(?P<ru>(?:[\w-]+\s+){0,3}?[\w-]+)\s+"
    r"(?:сейчас\s+)?(?:выбран|отмечен|включ[её]н|задан|указан|установлен|введ[её]н|выставлен)\w*",
    re.IGNORECASE,
)


def asked_name(question: str) -> set[str]:
    """The words that name the asked-for control: "switcher type" of "which switcher type is selected?"."""
    found = _ASKED_NAME.search(question)
    if found is None:
        return set()
    return set(search_tokens(found.group("en") or found.group("ru"), drop_stopwords=True)) - _FRAME_WORDS


def labelled_as_asked(question: str, readings: list[ControlReading]) -> str | None:
    """The name of the one control whose own label is exactly what the question asks for, else None.

    "Which switcher type is selected?" asks for the control labelled "Switcher type", however
    many other controls share a word with the rest of the question ("…in the Channel switcher
    preferences"); two controls labelled alike leave the choice to the other scores.
    """
    asked = asked_name(question)
    if not asked:
        return None
    names = {
        r.name
        for r in readings
        if r.label
        and r.name not in TAB_STRIP_NAMES
        and set(search_tokens(r.label, drop_stopwords=True)) - _FRAME_WORDS == asked
    }
    if len(names) != 1:
        return None
    name = names.pop()
    log.info("screen: %r asks for the control labelled %r", question, name)
    return name


# --- menus ------------------------------------------------------------------------------------

MENU_SECTIONS = frozenset(MENU_HEADINGS.values())
"""The section `indexer.controls` writes an open menu's passage under ("Menu › Edit: Undo (Ctrl+Z), …")."""

_MENU_WORD = re.compile(r"\bmenus?\b|(?<!\w)меню(?!\w)", re.IGNORECASE)
_ITEM_WORDS = re.compile(
    r"\b(?:items?|entr(?:y|ies)|commands?|options?|choices?|lines?)\b|(?<!\w)(?:пункт|элемент|команд|строк)\w*",
    re.IGNORECASE,
)
_NEIGHBOUR = re.compile(
    r"\b(?:right\s+)?(?P<after>after|below|under|follows?|following)\b|\b(?:right\s+)?(?P<before>before|above|precedes?)\b"
    r"|(?<!\w)(?P<ru_after>после|под|за|следует\s+за)(?!\w)|(?<!\w)(?P<ru_before>перед|над|до)(?!\w)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    r"\bbetween\s+(?P<first>.+?)\s+and\s+(?P<second>.+?)\s*[?.!]*$"
    r"|(?<!\w)между\s+(?P<ru_first>.+?)\s+и\s+(?P<ru_second>.+?)\s*[?.!]*$",
    re.IGNORECASE,
)
"""'Which item sits between Cut and Paste?', «Какой пункт стоит между «Копировать» и «Вставить»?»."""
_SHORTCUT_QUESTION = re.compile(
    r"\b(?:shortcut|hotkey|hot\s+key|key\s+combination|keyboard)\b|(?<!\w)(?:сочетани\w*|горяч\w*\s+клавиш\w*|клавиш\w*)",
    re.IGNORECASE,
)
_ITEMS_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:items|entries|commands|options)\b|\blist\b|(?<!\w)(?:какие|перечисл\w*)\s+(?:пункт|команд|элемент)\w*",
    re.IGNORECASE,
)
_MENU_ITEM = re.compile(r"^(?P<text>.*?)(?:\s+\((?P<shortcut>[^()]*)\))?$")


def asks_about_menu(question: str) -> bool:
    """Whether the question is about a menu's items: their order, a neighbour, a shortcut, the list."""
    return bool(_MENU_WORD.search(question))


MENU_PAGES = 10
"""Retrieved pages searched for a screenshot showing the menu a question names open."""


def open_menu_first(
    question: str, hits: Sequence[PageHit], page_passages: PagePassages | None
) -> Sequence[PageHit]:
    """The top pages with the first screenshot showing the menu the question names put first.

    "What is the first item of the Settings menu?" is about a screenshot with that menu open; the
    program's dialogs that the menu opens share its words and may rank well above it, so all the
    pages retrieved are looked at (`MENU_PAGES`), not only the top few.
    """
    for hit in list(hits)[:MENU_PAGES]:
        passages = hit_passages(hit, page_passages)
        menus = [
            r
            for p in passages
            if (r := read_control(p, hit)) is not None and r.name.split(" ")[0] in MENU_SECTIONS
        ]
        if menus and _menu_named(question, menus) is not None:
            if hit is not hits[0]:
                log.info("screen: %r is about the menu open on %s", question, hit.document.filename)
            return [hit, *(other for other in hits if other is not hit)]
    return hits


@dataclass(frozen=True)
class MenuEntry:
    """One item of a menu passage: its text, shortcut, check mark (None: the menu draws none), section."""

    text: str
    shortcut: str
    checked: bool | None
    section: int


def menu_entries(reading: ControlReading) -> list[MenuEntry]:
    """A menu passage's items in order ("✓ Word Wrap (Ctrl+W), Zoom | Close" as `indexer.controls`
    writes it)."""
    entries = []
    marked = MENU_CHECK.strip() in reading.value
    for section, part in enumerate(reading.value.split(MENU_SECTION_BREAK)):
        for piece in part.split(", "):
            piece = piece.strip()
            checked = piece.startswith(MENU_CHECK.strip())
            found = _MENU_ITEM.match(piece.removeprefix(MENU_CHECK.strip()).strip())
            if found is not None and found.group("text"):
                entries.append(
                    MenuEntry(
                        found.group("text"),
                        found.group("shortcut") or "",
                        checked if marked else None,
                        section,
                    )
                )
    return entries


def _menu_items(reading: ControlReading) -> list[tuple[str, str]]:
    """A menu passage's items in order, each (text, shortcut)."""
    return [(entry.text, entry.shortcut) for entry in menu_entries(reading)]


_MENU_TITLE = re.compile(
    r"\b(?P<en>[\w.&-]+)[»\"”']?\s+menu\b|(?<!\w)меню\s+[«\"“]?(?P<ru>[\w.&-]+(?:\s+[\w.&-]+)?)",
    re.IGNORECASE,
)


def _menu_named(question: str, menus: list[ControlReading]) -> ControlReading | None:
    """The menu the question names by its title ("the Edit menu", "меню «Вид»"), or the screen's
    only one when the question names none ("the first item of the menu")."""
    found = _MENU_TITLE.search(question)
    said = (found.group("en") or found.group("ru")) if found else ""
    # "the left menu", "меню выделен": where the menu stands or what the question asks of it is no title.
    title = set(search_tokens(said, drop_stopwords=True)) - _MENU_FRAME_WORDS - _MENU_PLACE_WORDS
    if not title:
        return menus[0] if len(menus) == 1 else None
    named = [
        m
        for m in menus
        if (own := _close_tokens(set(search_tokens(m.label)), title)) and (own <= title or title <= own)
    ]
    return named[0] if len(named) == 1 else None


def _close_tokens(own: set[str], asked: set[str]) -> set[str]:
    """`own` with each token OCR misread by one letter ("fant" for "font") written as the asked one."""
    return {
        next((a for a in asked if len(t) >= 4 and len(a) == len(t) and _one_letter_apart(a, t)), t)
        for t in own
    }


def _one_letter_apart(a: str, b: str) -> bool:
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def answer_menu(
    question: str,
    readings: list[ControlReading],
    passages: list[PassageRecord],
    embedder: TextEmbedder | None = None,
) -> Answer | None:
    """ "What is the first item of the Settings menu?", "Which item follows Copy?", "What is the
    shortcut for Undo?", "Which items does the Edit menu have?": read from an open menu's items.

    The menu is the one whose title the question names (or the screen's only one); an item is
    named when all its words are in the question (the longest such item). The answer cites the
    item's own line where the screen's text has it, else the menu.
    """
    menu = _menu_named(question, [r for r in readings if r.name.split(" ")[0] in MENU_SECTIONS])
    if menu is None:
        return None
    items = _menu_items(menu)
    if not items:
        return None
    asked = set(search_tokens(question))
    title = set(search_tokens(menu.label))
    named = [
        i
        for i, (text, _) in enumerate(items)
        if (own := set(search_tokens(text, drop_stopwords=True))) and own <= asked and own - title
    ]
    named_item = max(named, key=lambda i: len(search_tokens(items[i][0]))) if named else None
    counted = _counted_item(question)
    neighbour = _NEIGHBOUR.search(question)
    text_passages = [p for p in passages if p.kind != "control"]
    if counted is not None:
        index = counted - 1 if counted > 0 else len(items) + counted
        if not 0 <= index < len(items):
            return None
        return _answer_item(question, menu, items[index][0], text_passages, f"no. {counted}")
    between = _BETWEEN.search(question)
    if between is not None:
        return _answer_between(question, menu, items, between, text_passages)
    if _SHORTCUT_QUESTION.search(question) and named_item is not None:
        text, shortcut = items[named_item]
        if not shortcut:
            return None
        return _answer_item(question, menu, shortcut, text_passages, f"shortcut of {text!r}", where=text)
    if neighbour is not None and named_item is not None:
        step = 1 if neighbour.group("after") or neighbour.group("ru_after") else -1
        index = named_item + step
        if not 0 <= index < len(items):
            return None
        return _answer_item(
            question, menu, items[index][0], text_passages, f"next to {items[named_item][0]!r}"
        )
    if _ITEMS_QUESTION.search(question):
        text = ", ".join(t for t, _ in items)
        log.info("screen: %r -> the items of the menu %r", question, menu.label)
        return Answer(
            question, text, True, [_cite(menu.passage, menu.value_bbox, text, 1.0)], answer_language(question)
        )
    if _CHECKED_QUESTION.search(question):
        return answer_menu_checked(question, menu, text_passages, embedder)
    if _WHICH_ITEM.search(question):
        return answer_menu_purpose(question, menu, text_passages, embedder)
    return None


def _answer_between(
    question: str,
    menu: ControlReading,
    items: list[tuple[str, str]],
    between: re.Match[str],
    text_passages: list[PassageRecord],
) -> Answer | None:
    """The item between the two the question names, when one item stands between them; None when
    either is not an item of the menu, or they are neighbours, or further apart."""
    ends = [
        between.group("first") or between.group("ru_first"),
        between.group("second") or between.group("ru_second"),
    ]
    places = []
    for end in ends:
        # The item's words, all of them, OCR's one-letter slips forgiven; the longest item so named
        # ("Check Water" in "Check Water in the Tank menu").
        said = set(search_tokens(end, drop_stopwords=True))
        named = [
            (len(own), i)
            for i, (text, _) in enumerate(items)
            if (own := _close_tokens(_item_tokens(text), said)) and own <= said
        ]
        longest = max(named, default=(0, -1))
        if [n for n in named if n[0] == longest[0]] != [longest]:
            return None
        places.append(longest[1])
    low, high = sorted(places)
    if high - low != 2:
        return None
    return _answer_item(
        question, menu, items[low + 1][0], text_passages, f"between {items[low][0]!r} and {items[high][0]!r}"
    )


def _item_tokens(text: str) -> set[str]:
    return set(search_tokens(text, drop_stopwords=True))


_CHECKED_QUESTION = re.compile(
    r"\b(?:checked|ticked|selected|chosen|enabled|active|marked|toggled|highlighted)\b"
    r"|(?<!\w)(?:отмечен\w*|выбран\w*|включен\w*|галочк\w*|активн\w*|выделен\w*|подсвечен\w*)",
    re.IGNORECASE,
)
"""A question about which of a menu's items carries its check mark or radio dot."""

_WHICH_ITEM = re.compile(
    r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,3}?(?:menu\s+)?(?:item|entry|command|option|choice)\b"
    r"|(?<!\w)(?:какой|какая|какую|какое)\s+(?:[\w-]+\s+){0,2}?(?:пункт|элемент|команд)\w*",
    re.IGNORECASE,
)
"""'Which item of the File menu …', 'Какой пункт меню …': a question answered by one of a menu's items."""

_OPENS_DIALOG = re.compile(
    r"\b(?:dialog|dialogue|window|opens?|box)\b|(?<!\w)(?:диалог\w*|окн\w*|открыва\w*|открыть)",
    re.IGNORECASE,
)
_ELLIPSIS = ("...", "…")
"""An item ending so opens a dialog (a convention of every toolkit) rather than acting at once."""

_MENU_PLACE_WORDS = frozenset(
    search_tokens(
        "left right side top main navigation sidebar page "
        "левое левого левом левый правое правого правом боковое бокового боковом главного навигации странице"
    )
)
"""Where a menu stands ("the left menu", «в боковом меню»): words that name no menu's title."""

_MENU_FRAME_WORDS = frozenset(
    search_tokens(
        "which what selected chosen ticked checked enabled active marked toggled highlighted set currently "
        "выделен выделена выделено подсвечен "
        "menu menus item items entry entries command commands option options choice choices "
        "dialog dialogue window box open opens does do "
        "какой какая какое какие какую выбран выбрана выбрано отмечен отмечена отмечено включен включена "
        "включено сейчас меню пункт пункты элемент команда команды диалог окно открывает открыть делает"
    )
)


def _item_terms(question: str, menu: ControlReading) -> dict[str, float]:
    """What the question says of the item it wants: its words less the frame ("which item … checked"),
    the menu's and the window's names."""
    named = _MENU_TITLE.search(question)
    title = set(search_tokens(menu.label)) | set(search_tokens(named.group(0) if named else ""))
    window = set(search_tokens(f"{menu.passage.section} {filename_words(menu.hit.document.filename)}"))
    drop = _MENU_FRAME_WORDS | _MENU_PLACE_WORDS | title | window
    return {t: 1.0 for t in search_tokens(question, drop_stopwords=True) if t not in drop and len(t) > 1}


def answer_menu_checked(
    question: str, menu: ControlReading, passages: list[PassageRecord], embedder: TextEmbedder | None = None
) -> Answer | None:
    """ "Which bell option is checked?", "Какой размер шрифта отмечен?": the checked items among those
    the question names by a word; when it names none ("which font size"), the checked item of the
    menu's one part where exactly one item is checked (a choice of one, drawn as radio items), or
    of the part closest in meaning when there are several.
    """
    entries = [e for e in menu_entries(menu) if e.checked is not None]
    if not entries:
        return None
    terms = _item_terms(question, menu)
    named = [e for e in entries if terms and name_match(terms, search_tokens(e.text)) > 0]
    if named:
        chosen = [e for e in named if e.checked]
        why = "checked among the items the question names"
    else:
        sections = [
            part
            for index in sorted({e.section for e in entries})
            if len(part := [e for e in entries if e.section == index]) >= 3
            and sum(bool(e.checked) for e in part) == 1
        ]
        if len(sections) > 1 and embedder is not None:
            texts = [", ".join(e.text for e in part) for part in sections]
            near = similarities(embedder, question, texts)
            sections = [sections[max(range(len(sections)), key=near.__getitem__)]]
        chosen = [e for e in sections[0] if e.checked] if len(sections) == 1 else []
        why = "the one checked item of a part of the menu"
    if not chosen:
        return None
    text = ", ".join(e.text for e in chosen)
    return _answer_item(question, menu, text, passages, why, where=chosen[0].text)


def answer_menu_purpose(
    question: str, menu: ControlReading, passages: list[PassageRecord], embedder: TextEmbedder | None = None
) -> Answer | None:
    """ "Which item opens the dialog for the tab distance?", "Какой пункт закрывает терминал?": the item
    whose words the question's purpose shares most; when it asks for a dialog, an item ending in
    "..." (which opens one) is preferred. A menu in the other language than the question ("Какой пункт
    открывает сочетания клавиш?" of "Keyboard Shortcuts...") shares no word: there the item must be
    far closer in meaning to the question than any other (`MIN_CROSS_MEANING`, `CROSS_MARGIN`)."""
    terms = _item_terms(question, menu)
    if not terms:
        return None
    entries = menu_entries(menu)
    dialog = bool(_OPENS_DIALOG.search(question))
    scored = []
    for entry in entries:
        shared = name_match(terms, search_tokens(entry.text))
        if shared > 0:
            scored.append((shared + (0.5 if dialog and entry.text.endswith(_ELLIPSIS) else 0.0), entry.text))
    scored.sort(reverse=True)
    if not scored and embedder is not None and len(entries) > 1:
        if own_language(question) == detect_language(" ".join(e.text for e in entries)):
            return None
        # What the item is to do, without the frame ("which item of the … menu"): its meaning is the item's.
        purpose = " ".join(w for w in language_words(question) if stem(w) in terms)
        near = sorted(
            zip(
                similarities(embedder, purpose, [e.text for e in entries]),
                [e.text for e in entries],
                strict=True,
            ),
            reverse=True,
        )
        if near[0][0] < MIN_CROSS_MEANING or near[0][0] - near[1][0] < CROSS_MARGIN:
            return None
        scored = [near[0]]
    if not scored or (len(scored) > 1 and scored[1][0] >= scored[0][0]):
        return None
    text = scored[0][1]
    return _answer_item(question, menu, text.rstrip(".…"), passages, "its words name the purpose", where=text)


def _counted_item(question: str) -> int | None:
    """The place of the item a question counts to ("the first item", "второй пункт"); -1 for the last."""
    for found in _ORDINAL.finditer(question):
        following = " ".join(re.findall(r"[\w-]+", question[found.end() : found.end() + 40])[:3])
        if _ITEM_WORDS.search(following):
            lowered = found.group(0).lower()
            return next(v for key, v in _ORDINALS.items() if lowered.startswith(key.lower()))
    return None


def _answer_item(
    question: str, menu: ControlReading, text: str, passages: list[PassageRecord], why: str, where: str = ""
) -> Answer:
    box = anchor_box(where or text, passages) or menu.value_bbox
    log.info("screen: %r -> %r of the menu %r (%s)", question, text, menu.label, why)
    return Answer(question, text, True, [_cite(menu.passage, box, text, 1.0)], answer_language(question))
