"""Answers from the labels of a figure: "which knob on the top panel sets the suction power?" -> SUCTION.

The indexer OCRs the pictures of text pages (`indexer.figures`) and stores their words as "figure"
passages, one line per label, with the figure's caption as their section. A label is a word or two
("SUCTION", "ЗАРЯДКА 12 В", "RESON"), which the sentence reader cannot weigh fairly against prose:
the sentence that introduces the figure repeats more of the question's words than the label that
answers it. So a question that speaks of a figure (its caption, or words such as "knob", "рисунок",
"screenshot") is matched here against each label of the top page's figures by the words it adds to
what the caption already says, and answered with the label that holds them, cited with its box.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.diagrams import (
    CONTAINER_QUESTION,
    MIN_NAME_SHARE,
    RELATION,
    asked_noun,
    asked_place,
    container_title,
    headed_by,
    is_statement,
    names,
    place_words,
    placed,
)
from assistant.generators.visual import PagePassages, TermWeights, hit_passages, name_match, similarities
from assistant.lexicon import lexicon
from assistant.questions import (
    COUNTED,
    EMAIL,
    HEAD_NOUNS,
    NUMBER,
    QuestionProfile,
    answer_kind,
    profile_question,
    translated_terms,
)
from assistant.retrieval import PageHit
from assistant.spans import question_names
from indexer.embedders import TextEmbedder
from indexer.language import STOPWORDS, detect_language, search_tokens
from indexer.records import BBox, PassageRecord, union_bbox
from indexer.workspace import filename_words

log = logging.getLogger(__name__)

FIGURE_QUESTION = re.compile(
    r"\b(figures?|fig\.|diagrams?|schematics?|drawings?|illustrations?|pictures?|images?|screenshots?|photos?"
    r"|panels?|knobs?|dials?|buttons?|sockets?|ports?|connectors?|switch(es)?|callouts?|labell?ed|labels?"
    r"|arrows?|parts?)\b"
    r"|(?<!\w)(рисун\w*|рис\.|схем\w*|изображени\w*|иллюстраци\w*|скриншот\w*|снимк\w*|снимок|панел\w*"
    r"|ручк\w*|кнопк\w*|гнезд\w*|разъ[её]м\w*|переключател\w*|подпис\w*|стрелк\w*|детал\w*)",
    re.IGNORECASE,
)
"""A question that speaks of a picture or of what pictures show (controls, parts, arrows)."""

_FRAME_WORDS = frozenset(
    search_tokens(
        "which what where how many much according between shown show shows depicted labelled labeled "
        "label labels set sets figure "
        "diagram schematic drawing illustration picture image screenshot photo panel panels knob knobs dial "
        "button buttons socket port connector switch callout arrow part parts "
        "какой какая какое какие каким какую как что показан показана показано показаны изображен "
        "подписан подписана подписано подпись рисунок рисунке рисунку схема схеме схемы снимок снимке "
        "скриншот скриншоте панель панели панелью ручка ручкой ручки кнопка кнопкой гнездо гнезда "
        "разъём разъем стрелка стрелкой "
        "деталь детали задаёт задает задают согласно между стоит данным данных according menu меню"
    )
)
"""Words that say a figure is asked about, not which label answers."""

SELECTION_QUESTION = re.compile(
    r"\b(selected|chosen|ticked|checked|highlighted|enabled)\b|(?<!\w)(выбран|отмечен|выделен|включен)\w*",
    re.IGNORECASE,
)
"""Questions about which item is selected: a figure's words say nothing of that (the screenshot's do)."""
NUMBER_TOKEN = re.compile(r"(?<!\w)\d")
"""A number of its own ("0.8.13", "(1590)"), not a digit inside a word ("Y2K", "i386")."""
BETWEEN = re.compile(
    r"\bbetween\b|\bfrom\s+[\w.-]+\s+(?:to|into)\b|(?<!\w)между(?!\w)|(?<!\w)от\s+[\w.-]+\s+(?:к|до)(?!\w)",
    re.IGNORECASE,
)
"""A question about what stands between two labels: on a line joining them, or on the arrow from one
to the other ("the arrow from Unstable to Testing", "стрелка от загрузчика к ядру")."""
NUMBERED_CAPTION = re.compile(
    r"^\s*(figure|fig\.|рисунок|рис\.|схема|diagram|illustration)\s*\d", re.IGNORECASE
)
"""A caption proper ("Figure 1.3 ...", "Рисунок 9.1 ..."); a figure's section may be only the heading
above it."""

MIN_LABEL_MATCH = 0.5
"""Share of the question's own words (beyond its frame and the caption) a label must hold."""
MEANING_WEIGHT = 0.5
"""How much a label's similarity to the question adds; it decides between labels that hold as many words."""
TIE = 0.05
"""Labels whose word matches differ by less than this are told apart by `_modifier_label`."""
SAME_LANGUAGE_SHARE = 0.2
"""Share of a page's prose in the question's language from which a word missing from the page is a
product's name, not a word the page says in its other language (a bilingual manual's page speaks both)."""
FIGURE_PAGES = 2
"""Top pages looked at for figures: the first of them that has any is read."""


@dataclass(frozen=True)
class FigureLabel:
    """One label of a figure: its text, box and the figure passage (whose section is the caption)."""

    passage: PassageRecord
    text: str
    bbox: BBox


def figure_labels(passages: Sequence[PassageRecord]) -> list[FigureLabel]:
    """Every label of the page's figure passages: a line, with the lines that continue it."""
    labels: list[FigureLabel] = []
    for passage in passages:
        if passage.kind != "figure":
            continue
        for span in passage.spans:
            text = passage.text[span.start : span.end].strip()
            # diagrams hook: a relation or cell line ("A → B") is what the figure's lines say, not a label.
            if not any(ch.isalnum() for ch in text) or is_statement(text):
                continue
            if labels and labels[-1].passage is passage and continues(labels[-1].bbox, text, span.bbox):
                last = labels[-1]
                labels[-1] = FigureLabel(passage, f"{last.text} {text}", union_bbox([last.bbox, span.bbox]))
            else:
                labels.append(FigureLabel(passage, text, span.bbox))
    return labels


def continues(above: BBox, text: str, box: BBox) -> bool:
    """Whether a line goes on with the label above it: it starts in lower case ("Testing is promoted
    to stable" / "by the Release Manager") right under it, overlapping it sideways."""
    first = next((ch for ch in text if ch.isalpha()), "")
    line = above[3] - above[1]
    return (
        first.islower()
        and 0 <= box[1] - above[3] <= 0.8 * line
        and min(above[2], box[2]) > max(above[0], box[0])
    )


def asks_about_figure(question: str, captions: Sequence[str], title: str) -> bool:
    """Whether the question speaks of a figure: a word for one, or a word of a caption on the page
    that the document's title does not explain ("Figure 6.2. synaptic package manager")."""
    if FIGURE_QUESTION.search(question):
        return True
    asked = set(search_tokens(question, drop_stopwords=True)) - set(search_tokens(title))
    for caption in captions:
        shared = asked & set(search_tokens(caption, drop_stopwords=True))
        # A heading standing in for a caption ("Управление пакетами") shares a word with many
        # questions about the page's prose: it must share two.
        if len(shared) >= (1 if NUMBERED_CAPTION.search(caption) else 2):
            return True
    return False


def answer_from_figure(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The figure label that answers the question, from the first top page with figures; None to pass.

    None (the text reader answers) unless the question speaks of a figure and one label holds most of
    the words the question adds to the figure's caption (a number, where a number is asked for), or
    a value of the asked shape stands beside a label naming what it belongs to (on either top page).
    """
    read = False
    for hit in list(hits)[:FIGURE_PAGES]:
        passages = hit_passages(hit, page_passages)
        labels = figure_labels(passages)
        if labels:
            # Past the first page with figures only a value beside its named label is sure enough
            # to answer: the page ranked lower by words of the other language may hold the figure.
            answer = _best_label(question, hit, passages, labels, embedder, term_weights, values_only=read)
            if answer is not None:
                return answer
            read = True
    return None


def figure_captions(labels: Sequence[FigureLabel], passages: Sequence[PassageRecord]) -> list[str]:
    """What names the page's figures rather than their parts: their captions and, where a picture was
    read as a dialog (the page has controls), its title bar, the picture's first line ("Global Label
    Properties vaxX" names no setting whose value follows)."""
    captions = sorted({label.passage.section for label in labels if label.passage.section})
    if any(p.kind == "control" for p in passages):
        captions += [p.text.split("\n", 1)[0] for p in passages if p.kind == "figure"]
    return captions


def _best_label(
    question: str,
    hit: PageHit,
    passages: Sequence[PassageRecord],
    labels: list[FigureLabel],
    embedder: TextEmbedder,
    term_weights: TermWeights | None,
    values_only: bool = False,
) -> Answer | None:
    title = filename_words(hit.document.filename)
    captions = figure_captions(labels, passages)
    kind = answer_kind(question)
    figure_asked = asks_about_figure(question, captions, title)
    # "Besides amount, size and stereo, which fourth knob ...?": the listed members, all in line in one
    # figure, say which group is meant whether or not the question speaks of a figure.
    if listed_members(question):
        # The labels holding the question's words are the members it rules out: no other way of
        # matching it to a label can answer.
        rest = _group_rest(question, passages)
        return _answer(question, rest, 1.0) if rest is not None else None
    if asks_hardware_value(question, kind):
        # "Which diode sits on the Inverter Shutoff line?": a part's type, a gain, a gauge, a key
        # combination is answered by the figure's value of that shape next to the label the question
        # names, whether or not it says "figure" (the drawing is where such values are written).
        valued = _anchored_value(
            question, kind, title, captions, labels, term_weights, passages, figure_asked
        )
        if valued is not None or values_only:
            return valued
    # "Which file is the mail server dumped to?": an arrow of the figure joins the node it names to a
    # value of the asked shape, whether or not the question speaks of a figure.
    arrowed = _arrow_value(question, kind, passages, captions)
    if arrowed is not None or not figure_asked:
        return arrowed
    if SETTING_QUESTION.search(question):
        # "Which model is highlighted?": the row a list of the pasted dialog shows selected; "which ink
        # set is selected?": the value the dialog writes after the setting's name.
        setting = None
        if SELECTION_QUESTION.search(question):
            setting = _selected_row(question, passages, labels, captions)
        setting = setting or _setting_value(question, labels, captions)
        if setting is not None or SELECTION_QUESTION.search(question):
            # OCR reads a figure's words, not which of a list's rows is highlighted.
            return setting
    if CALLOUT_QUESTION.search(question):
        legend = _legend_answer(question, passages, labels, None)
        if legend is not None:
            return legend
    named = _callout_name(question, labels)
    if named is not None:
        return _answer(question, named, 1.0)
    valued = _anchored_value(question, kind, title, captions, labels, term_weights)
    if valued is not None or values_only:
        return valued
    # "At which location is the bottom reference line drawn?", "which box holds the loader?": the label
    # that the figure's layout picks, where no label holds the words the question asks with.
    laid_out = _placed_label(question, labels, captions, title)
    if laid_out is not None:
        return _answer(question, laid_out, 1.0)
    if BETWEEN.search(question):
        between = _label_between(question, labels, embedder)
        return _answer(question, between, 1.0) if between is not None else None
    if NUMBER_OF_QUESTION.search(question):
        own = _question_terms(question, kind, title, captions, passages, term_weights)
        numbered = _legend_answer(question, passages, labels, own)
        if numbered is not None:
            return numbered
    if kind == NUMBER:
        labels = [label for label in labels if NUMBER_TOKEN.search(label.text)]
        if not labels:
            return None
    # Strokes read as letters ("О 7", "Sysiem hesiname") are no answer however well they match.
    labels = [label for label in labels if label_quality(label.text) >= MIN_LABEL_QUALITY]
    if not labels:
        return None
    terms = _question_terms(question, kind, title, captions, passages, term_weights)
    unique_best = False
    if not terms and kind == NUMBER:
        # "Which aptitude version does the screenshot of aptitude show?": the caption names what the
        # number belongs to, and the label that names it too holds it ("aptitude 0.8.13").
        asked = set(search_tokens(question, drop_stopwords=True)) - _FRAME_WORDS
        weights = term_weights(sorted(asked)) if term_weights and asked else {}
        terms = {t: weights.get(t, 1.0) for t in asked if any(t in search_tokens(c) for c in captions)}
        unique_best = True
    total = sum(terms.values())
    if total <= 0:
        return None
    meaning = similarities(embedder, question, [label.text for label in labels])
    scored = sorted(
        (
            (match + MEANING_WEIGHT * similarity, match, index)
            for index, (label, similarity) in enumerate(zip(labels, meaning, strict=True))
            for match in [name_match(terms, search_tokens(label.text)) / total]
        ),
        reverse=True,
    )
    score, match, index = scored[0]
    if len(scored) > 1 and scored[1][1] >= match - TIE:
        index = _modifier_label(question, terms, [labels[index], labels[scored[1][2]]], (index, scored[1][2]))
    best = labels[index]
    if is_origin(question, best.text):
        # "What does the arrow from the sources box lead to?": the label it starts at is no answer.
        log.info("figure: %r names %r as where its arrow starts; passing", question, best.text)
        return None
    # Where only the caption's words could be matched, the label that alone holds most of them answers.
    alone = unique_best and match > 0 and (len(scored) == 1 or scored[1][1] < match - TIE)
    if match < MIN_LABEL_MATCH and not alone:
        # The label may hold none of the asked words while the manual's text about it holds them.
        asks_number = bool(CALLOUT_QUESTION.search(question) or NUMBER_OF_QUESTION.search(question))
        explained = None if asks_number else _label_by_text(question, passages, labels, terms)
        if explained is not None:
            log.info(
                "figure: %r -> %r (named by the text, match %.2f)", question, explained[0].text, explained[1]
            )
            return _answer(question, explained[0], explained[1])
        log.info("figure: no label holds what %r asks (best %r, match %.2f)", question, best.text, match)
        return None
    if restates(question, best.text):
        log.info("figure: %r only restates %r; passing", best.text, question)
        return None
    elsewhere = names_elsewhere(question, best.text, captions, title)
    if unique_best and elsewhere:
        # "Which OpenGL version does the CubeView demo need?": the number beside the caption's name is
        # the figure's, not the version of a name the figure never shows.
        log.info("figure: %r holds no %s that %r asks about; passing", best.text, sorted(elsewhere), question)
        return None
    log.info("figure: %r -> %r (%s, match %.2f)", question, best.text, best.passage.section, match)
    return _answer(question, best, score)


def names_elsewhere(question: str, label: str, captions: Sequence[str], title: str) -> frozenset[str]:
    """The names the question writes (`question_names`: codes, capitalised products, Latin words in
    Russian) that neither the label, the figure's captions nor the document's own name hold."""
    held = set(search_tokens(label)) | set(search_tokens(title))
    held.update(token for caption in captions for token in search_tokens(caption))
    return question_names(question) - held


def restates(question: str, label: str) -> bool:
    """Whether a "Name: value" label's value is all words the question says itself ("UPS Model: SMART-UPS
    1000" for "which cartridge does APC list for the SMART-UPS 1000?"): it names what the question asks
    about, not what it asks for, and answers nothing."""
    name, colon, value = label.partition(":")
    tokens = search_tokens(value, drop_stopwords=True)
    return bool(colon and name.strip() and tokens) and set(tokens) <= set(search_tokens(question))


ORIGIN = re.compile(r"\bfrom\s+(?:the\s+|a\s+|an\s+)?|(?<!\w)(?:от|из)\s+", re.IGNORECASE)
"""Where a question names the start of an arrow or a line: "from the X box", "от блока X"."""


def is_origin(question: str, label: str) -> bool:
    """Whether the question names `label` as where a line starts ("the arrow from X leads to ...")."""
    own = search_tokens(label)
    if not own:
        return False
    for start in ORIGIN.finditer(question):
        # The label's words right after "from", or after one word naming what it is ("от блока X").
        after = search_tokens(question[start.end() :])
        if after[: len(own)] == own or after[1 : len(own) + 1] == own:
            return True
    return False


def _answer(question: str, label: FigureLabel, score: float) -> Answer:
    passage = label.passage
    citation = Citation(
        document=passage.document,
        page=passage.page,
        bbox=label.bbox,
        quote=label.text,
        score=round(score, 4),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )
    return Answer(question, label.text, True, [citation], answer_language(question))


def _label_between(question: str, labels: list[FigureLabel], embedder: TextEmbedder) -> FigureLabel | None:
    """ "What stands between the loader and initramfs?": the label between the two the question names.

    A label is named when the question holds all its words; an end named in other words (another
    language: "загрузчиком" for "Bootloader") is the label closest in meaning to a word of the
    question that no named label, caption or frame explains. The answer is the label nearest the
    middle of the two ends, inside the box they span.
    """
    # Words of the caption say which figure is meant ("the scheme of booting with systemd"), not where.
    asked = set(search_tokens(question)) - {
        t for label in labels for t in search_tokens(label.passage.section)
    }
    named = [label for label in labels if (own := set(search_tokens(label.text))) and own <= asked]
    log.debug("figure: between, named %s", [label.text for label in named])
    if not named or len(named) > 2:
        return None
    if len(named) == 1:
        explained = {t for label in named for t in search_tokens(label.text)}
        explained |= {t for label in labels for t in search_tokens(label.passage.section)}
        words = [
            word
            for word in re.findall(r"\w[\w-]*", question)
            if (tokens := search_tokens(word, drop_stopwords=True))
            and not set(tokens) & (explained | _FRAME_WORDS)
            and not word.isdigit()
        ]
        others = [label for label in labels if label not in named]
        if not words or not others:
            return None
        vectors = embedder.embed_passages([label.text for label in others])
        queries = embedder.embed_queries(words)
        similarity = np.asarray(queries @ vectors.T)
        _, column = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        named = [*named, others[int(column)]]
    (ax, ay), (bx, by) = (_centre(label.bbox) for label in named)
    middle = ((ax + bx) / 2, (ay + by) / 2)
    slack = max(label.bbox[3] - label.bbox[1] for label in named)
    inside = [
        label
        for label in labels
        if label not in named
        and min(ax, bx) - slack <= _centre(label.bbox)[0] <= max(ax, bx) + slack
        and min(ay, by) - slack <= _centre(label.bbox)[1] <= max(ay, by) + slack
    ]
    if not inside:
        # An arrow's label is written beside the arrow, not on it: the label alongside the middle
        # part of the line joining the two ends, no further from it than the ends are apart.
        inside = [
            label
            for label in labels
            if label not in named and beside_segment(_centre(label.bbox), (ax, ay), (bx, by))
        ]
    if not inside:
        return None
    chosen = min(inside, key=lambda label: np.hypot(*np.subtract(_centre(label.bbox), middle)))
    log.info("figure: %r -> %r (between %r and %r)", question, chosen.text, named[0].text, named[1].text)
    return chosen


def _placed_label(
    question: str, labels: list[FigureLabel], captions: Sequence[str], title: str
) -> FigureLabel | None:
    """The label the figure's layout picks for the question; None when its layout says nothing sure.

    - "What width is marked ...?": the one label naming the asked noun and a value ("Width 1.0"); of
      several ("Location 0.0", "Location 1.5"), the one at the place the question says ("the bottom").
    - "Which box holds X and Y?": the heading of the column of labels that X and Y stand in.
    - "Which box type is at the right end of the bottom row?": the label at that place of the figure,
      when the question names no label (else the place is that label's: "the knob on the top panel
      that sets the suction").
    """
    texts = [label.text for label in labels]
    boxes = [label.bbox for label in labels]
    place = asked_place(question)
    headed = headed_by(asked_noun(question), texts)
    if len(headed) == 1:
        log.info("figure: %r -> %r (the label naming the asked noun)", question, texts[headed[0]])
        return labels[headed[0]]
    if len(headed) > 1:
        chosen = placed(boxes, place, headed) if place is not None else None
        if chosen is not None:
            log.info("figure: %r -> %r (of the labels naming the asked noun)", question, texts[chosen])
            return labels[chosen]
        return None
    container = CONTAINER_QUESTION.search(question)
    if container is not None:
        return _container_heading(question[container.end() :], labels)
    if place is None:
        return None
    known = set(search_tokens(title)) | {t for caption in captions for t in search_tokens(caption)}
    asked = (
        set(search_tokens(question, drop_stopwords=True))
        - known
        - _FRAME_WORDS
        - place_words(question)
        - {asked_noun(question)}
    )
    if any(asked & set(search_tokens(text)) for text in texts):
        return None
    # One figure's labels: the place is within the figure the question speaks of.
    passage = max({label.passage.id: label.passage for label in labels}.values(), key=lambda p: len(p.spans))
    cells = [cell for label in labels if label.passage is passage for cell in name_cells(label)]
    chosen = placed([label.bbox for label in cells], place)
    if chosen is None:
        return None
    log.info("figure: %r -> %r (at the place asked)", question, cells[chosen].text)
    return cells[chosen]


IDENTIFIER_WORD = re.compile(r"[^\W_]+(?:[_.][^\W_]+)+[.,;]?")
"""An identifier ("FL_UP_BOX", "X.Low"): a name on its own wherever it stands."""
CAPITALS_WORD = re.compile(r"[A-ZА-ЯЁ][A-ZА-ЯЁ\d-]+[.,;]?")
ROW_OF_CAPITALS = 3
"""Words in capitals that make a row of names ("AMBER COBALT SAFFRON"); two may be one ("USB PORT")."""


def name_cells(label: FigureLabel) -> list[FigureLabel]:
    """A label that OCR read as one line across a row of a grid ("FL_UP_BOX FL_DOWN_BOX", "AMBER COBALT
    SAFFRON") as its names, each boxed by its share of the line's letters; any other label as it is."""
    words = list(re.finditer(r"\S+", label.text))
    identifiers = len(words) >= 2 and all(IDENTIFIER_WORD.fullmatch(word[0]) for word in words)
    capitals = len(words) >= ROW_OF_CAPITALS and all(CAPITALS_WORD.fullmatch(word[0]) for word in words)
    if not (identifiers or capitals):
        return [label]
    x0, y0, x1, y1 = label.bbox
    share = (x1 - x0) / max(1, len(label.text))
    return [
        FigureLabel(
            label.passage, word[0].rstrip(".,;"), (x0 + share * word.start(), y0, x0 + share * word.end(), y1)
        )
        for word in words
    ]


def _container_heading(items_text: str, labels: list[FigureLabel]) -> FigureLabel | None:
    """The heading of the box holding the labels listed in `items_text` ("the extensions and the loader")."""
    members: list[int] = []
    for item in LIST_SPLIT.split(items_text.strip(" ?.")):
        tokens = set(search_tokens(item, drop_stopwords=True))
        if not tokens:
            continue
        # The label most alike the item in words ("module for loading code models", not "code models"),
        # named by it.
        scored = [
            (len(tokens & own) / len(tokens | own), index)
            for index, label in enumerate(labels)
            if (own := set(search_tokens(label.text, drop_stopwords=True))) and names(label.text, tokens)
        ]
        share, index = max(scored, default=(0.0, -1))
        if not share or index in members:
            # Every item listed must be a label of one box: with one missed, the box is a guess.
            return None
        members.append(index)
    heading = container_title([label.bbox for label in labels], members)
    if heading is None:
        return None
    held = [labels[index].text for index in members]
    log.info("figure: the box holding %s is headed %r", held, labels[heading].text)
    return labels[heading]


def beside_segment(point: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether `point` stands alongside the middle three fifths of the segment a-b, less than
    three quarters of its length away from it."""
    ab = np.subtract(b, a)
    length = float(np.hypot(*ab))
    if length == 0:
        return False
    along = float(np.dot(np.subtract(point, a), ab)) / length**2
    across = abs(float(np.cross(ab, np.subtract(point, a)))) / length
    return 0.2 <= along <= 0.8 and across <= 0.75 * length


def _centre(box: BBox) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _modifier_label(
    question: str, terms: dict[str, float], pair: list[FigureLabel], indexes: tuple[int, int]
) -> int:
    """Of two labels that each hold one word of a compound the question names, the one holding the
    modifier: "the *suction* power" is set by SUCTION, not POWER; "мощность *всасывания*" likewise.

    English puts the modifier first, Russian (a genitive) second. Anything else keeps the first label.
    """
    order = search_tokens(question)
    matched = []
    for label in pair:
        tokens = search_tokens(label.text)
        found = [term for term in terms if name_match({term: 1.0}, tokens) > 0]
        if len(found) != 1 or found[0] not in order:
            return indexes[0]
        matched.append(order.index(found[0]))
    first, second = matched
    if abs(first - second) != 1:
        return indexes[0]
    modifier_first = detect_language(question) != "ru"
    return indexes[0] if (first < second) == modifier_first else indexes[1]


def _question_terms(
    question: str,
    kind: str,
    title: str,
    captions: Sequence[str],
    page: Sequence[PassageRecord],
    term_weights: TermWeights | None,
) -> dict[str, float]:
    """The question's words that may be in the answering label, weighted.

    The document's title and the figure's caption say which figure is meant, and a word found
    nowhere on the page names the product: neither decides between labels. A word that is on the page
    but in no label stays: a question about the text, not the figure, then matches no label well.
    """
    known = set(search_tokens(title))
    for caption in captions:
        known.update(search_tokens(caption))
    on_page = {token for passage in page for token in search_tokens(passage.text)}
    content = set(search_tokens(question, drop_stopwords=True)) - known - _FRAME_WORDS
    # The noun that says what kind of answer is asked ("which *version*") is not in the answer.
    head = [pattern for named, pattern in HEAD_NOUNS if named == kind]
    content -= {
        t
        for word in re.findall(r"\w+", question)
        if any(p.search(word) for p in head)
        for t in search_tokens(word)
    }
    language = detect_language(question)
    prose = [passage.text for passage in page if passage.kind != "figure" and passage.text.strip()]
    own = sum(len(text) for text in prose if detect_language(text) == language)
    if not prose or own >= SAME_LANGUAGE_SHARE * sum(len(text) for text in prose):
        content &= on_page
    else:
        # A page all in the other language has none of the question's words: their absence says nothing
        # of a product name, and a label holding one of four ("Text item" for "the text-mode
        # counterpart") is no answer to the rest. Only a name (a Latin word in a Russian question)
        # missing from the page is left out.
        content = {t for t in content if t in on_page or not (t.isascii() and not question.isascii())}
    weights = term_weights(sorted(content)) if term_weights and content else {}
    return {term: weights.get(term, 1.0) for term in content}


# -- a value beside the label that names it ---------------------------------------------------------

_I = re.IGNORECASE
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
MAC = re.compile(r"(?<![\w:])[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![\w:])", re.IGNORECASE)
URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+)+[a-z]?(?![\w.])", re.IGNORECASE)
DOTTED_NAME = re.compile(r"(?<![\w@./-])[A-Za-z][\w-]*(?:\.[\w-]+)+(?![\w@/])")
NUMBER_VALUE = re.compile(r"(?<![\w.,])[-+]?\d+(?:[.,:]\d+)*(?![\w])")

VALUE_SHAPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"\bMAC\b", re.IGNORECASE), MAC),
    (re.compile(r"\bIP(?:v[46])?\b|(?<!\w)IP-адрес", re.IGNORECASE), IPV4),
    (re.compile(r"\be-?mail\s+address|адрес\w*\s+(?:электронной\s+)?почты|e-?mail-адрес", _I), EMAIL),
    (re.compile(r"\bURL\b|\bweb\s+address|(?<!\w)ссылк\w*|адрес\w*\s+(?:сайта|страницы)", _I), URL),
    (re.compile(r"\bversions?\b|(?<!\w)верси\w*", re.IGNORECASE), VERSION),
    (
        re.compile(
            r"\b(?:host\s?|domain\s|server\s)?names?\b|\bdomains?\b|\bfiles?\b"
            r"|(?<!\w)(?:имя|имени|именем|назван\w*|домен\w*|файл\w*)",
            _I,
        ),
        DOTTED_NAME,
    ),
)
"""What a question asks the value of, and how such a value is written: "which IP address" is
answered by 212.10.3.4, "which host name" by a dotted name (mail.example.org). A number asked for
("how many", "сколько") is any number."""

_DECIMAL = r"[-+±~]?\d+(?:[.,]\d+)?(?:\s*[-–]\s*\d+(?:[.,]\d+)?)?"
"""An amount, or a range of two ("5-15"), as drawings write them before a unit."""
PART_NUMBER = re.compile(
    r"(?<![\w-])(?=(?:[^\W_]|-)*\d(?:[^\W_]|-)*\d)(?=(?:[^\W_]|-)*[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{3,}(?![\w-])"
)
"""A part's type as schematics and parts lists print it: letters and at least two digits ("1N4148",
"XC2C64A", "TSOP1736", "C9338W"); designators ("U13", "D1") and amounts with a unit are told apart
by `hardware_value`."""
DESIGNATOR = re.compile(
    r"^(?:[A-Z]|BT|CB|CN|DA|DD|DS|FB|FL|FU|HL|IC|JP|LED|LS|MK|MP|PS|RN|RV|SA|SB|SW|TP|VD|VR|VT|XP|XS|ZD)"
    r"\d{1,3}$"
)
"""Where a part sits on a board or a schematic ("U13", "D1", "IC4", "LED201"): its letters are a
reference designator's class (IEEE 315, ГОСТ 2.710); not what the part is ("BAT54", "LM358", "NE555",
whose letters are a maker's series)."""
AMOUNT_WITH_UNIT = re.compile(r"^\d+(?:[.,]\d+)?[^\W\d_]{1,4}$")
"""A number and its unit written together ("50mA", "22AWG", "40MHz"): an amount, not a part's type."""
GAIN = re.compile(_DECIMAL + r"\s*dBm?(?!\w)|" + _DECIMAL + r"\s*дБ(?!\w)")
GAUGE = re.compile(r"(?<!\w)(?:\d{1,2}\s*-?\s*AWG|AWG\s*#?\s*\d{1,2})(?!\w)", re.IGNORECASE)
VOLTAGE = re.compile(_DECIMAL + r"\s*(?:[mkµ]?V|[мк]?В)(?!\w)")
CURRENT = re.compile(_DECIMAL + r"\s*(?:[mµ]?A|[мк]?А)(?!\w)")
FREQUENCY = re.compile(_DECIMAL + r"\s*(?:[kKMG]?Hz|[кМГ]?Гц)(?!\w)")
RESISTANCE = re.compile(
    _DECIMAL + r"\s*[kKMm]?\s*(?:ohms?|Ω|Ом)(?!\w)|(?<![\w.])\d+[kKMR]\d*(?!\w)", re.IGNORECASE
)
LENGTH = re.compile(_DECIMAL + r"\s*(?:mm|cm|мм|см|mils?|in)(?!\w)", re.IGNORECASE)
SHORTCUT = re.compile(
    r"(?<!\w)(?:(?:Ctr[l1iI]|Alt|Shift|Cmd|Meta|Super|Win)\s*\+\s*)+(?:F\d{1,2}|[^\W_]+|[-+=,./\[\]])(?!\w)"
    r"|(?<!\w)F(?:[1-9]|1[0-2])(?!\w)",
    re.IGNORECASE,
)
"""A key combination as a menu or a table of keys writes it ("Ctrl+Q", "Ctrl+Shift+M", "F5"); OCR
reads the l of "Ctrl" as i or 1 often enough to accept them (the answer spells it right)."""
CAPACITANCE = re.compile(_DECIMAL + r"\s*(?:[pnuµμm]F|(?:[пнм]|мк)?Ф)(?!\w)")
INDUCTANCE = re.compile(_DECIMAL + r"\s*(?:[nuµμm]H|(?:[нм]|мк)?Гн)(?!\w)")
CONNECTOR = re.compile(
    r"(?<![\w-])(?:RJ-?\d{2}|[468]P[2468]C|D-?SUB(?:-?\d{1,2})?|D[A-E]-?\d{1,2}[PSMF]?|DB-?\d{1,2}"
    r"|(?:mini-?)?DIN(?:-?\d{1,2})?|M(?:8|12)|BNC|SMA|TNC|XLR(?:-?\d)?|TRR?S|HDMI|DVI(?:-[ADI])?|VGA"
    r"|USB(?:[- ](?:[ABC]|Type-?[ABC]|micro-?B|mini-?B))?|PS/2|IDC(?:-?\d{1,2})?|JST(?:[- ]?[A-Z]{2,3})?"
    r"|SFP\+?|IEC\s?C\d{1,2}|Molex|(?:\d{1,2}\s?x\s?)?\d{1,3}[- ]?(?:pins?|way|pole)"
    r"(?:\s+(?:header|connector|terminal|socket|plug|jack|strip))?|\d(?:[.,]\d)?\s?mm\s+jack"
    r"|screw\s+terminals?|terminal\s+blocks?|pin\s+headers?)(?![\w-])",
    re.IGNORECASE,
)
"""A connector's type as board drawings and pinouts name it: a family with its size ("RJ12", "DB-25",
"DE-9", "M12", "USB-C"), a standard's name ("BNC", "XLR", "HDMI") or a header's pins ("2x5pin header",
"10-pin connector"). What a connector is used for ("CAN-bus") is the label it is named by."""

HARDWARE_SHAPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(
            r"\b(?:keyboard\s+)?shortcuts?\b|\bhot\s?keys?\b|\bkey\s+(?:combination|binding)s?\b|\bkeystrokes?\b"
            r"|(?<!\w)(?:сочетани\w*\s+клавиш|горяч\w*\s+клавиш|клавиатурн\w*\s+сокращени)\w*",
            _I,
        ),
        SHORTCUT,
    ),
    (re.compile(r"\bgauge\b|\bAWG\b|\bwire\s+size|(?<!\w)(?:сечени|калибр)\w*", _I), GAUGE),
    (re.compile(r"\bgains?\b|\battenuation\b|\bdB\b|(?<!\w)(?:усилени|ослаблени|затухани)\w*", _I), GAIN),
    (re.compile(r"\bvoltages?\b|\bvolts?\b|(?<!\w)напряжени\w*", _I), VOLTAGE),
    (re.compile(r"\bcurrents?\b|\bamps?\b|(?<!\w)ток(?:а|ом|у)?(?!\w)", _I), CURRENT),
    (re.compile(r"\bfrequenc\w*|\bclock\s+rate|(?<!\w)частот\w*", _I), FREQUENCY),
    (re.compile(r"\bcapacit(?:ance|ors?)\b|(?<!\w)(?:[её]мкост|конденсатор)\w*", _I), CAPACITANCE),
    (
        re.compile(r"\binductanc\w*|\binductors?\b|\bchokes?\b|(?<!\w)(?:индуктивност|дроссел)\w*", _I),
        INDUCTANCE,
    ),
    (
        re.compile(
            r"\bconnectors?\b|\bsockets?\b|\bjacks?\b|\bplugs?\b|\breceptacles?\b|\bheaders?\b"
            r"|(?<!\w)(?:разъ[её]м|гнезд|штекер|штепсел|клеммник)\w*",
            _I,
        ),
        CONNECTOR,
    ),
    (re.compile(r"\bresist(?:ance|or)s?\b|\bohms?\b|(?<!\w)(?:сопротивлени|резистор)\w*", _I), RESISTANCE),
    (
        re.compile(
            r"\bsteps?\b|\bspacing\b|\bpitch\b|\bdistances?\b|\boffsets?\b|\bdimensions?\b|\bmargins?\b"
            r"|(?<!\w)(?:шаг|расстояни|отступ|размер|ширин|высот|длин)\w*",
            _I,
        ),
        LENGTH,
    ),
    (
        re.compile(
            r"\b(?:diodes?|transistors?|chips?|ICs?|microcontrollers?|MCUs?|CPLDs?|FPGAs?|regulators?"
            r"|transceivers?|amplifiers?|op-?amps?|part\s+(?:number|no)s?)\b"
            r"|(?<!\w)(?:диод|транзистор|микросхем|чип|микроконтроллер|стабилизатор|приёмопередатчик"
            r"|приемопередатчик|усилител)\w*",
            _I,
        ),
        PART_NUMBER,
    ),
)
"""What a question about a product's drawing or a program's menu asks for, and how the figure writes
it: "which diode" is answered by a part's type (1N4148), "what gain" by decibels, "which gauge" by
AWG, "which shortcut" by a key combination, "what step" by a length. Tried before `VALUE_SHAPES`:
"the *part number* of the cartridge" asks a part's type, not any number."""


def hardware_value(shape: re.Pattern[str], text: str) -> bool:
    """Whether `text` (a match of `shape`) is a value of that shape: a part's type is no designator
    and no amount with its unit."""
    if shape is PART_NUMBER:
        return not DESIGNATOR.match(text) and not AMOUNT_WITH_UNIT.match(text)
    return True


VALUE_NOUNS = frozenset(
    search_tokens(
        "ip ipv4 ipv6 address addresses mac url email mail version versions name names host hostname domain "
        "number value count адрес адреса ip-адрес версия версии имя имени название номер значение число"
    )
)
"""Words that say which kind of value is asked: not what the value belongs to."""
MIN_ANCHOR_MATCH = 0.5
"""Share of the question's own words a label must hold to name what the asked value belongs to."""
ROW_SLACK = 0.35
"""A value on the same row as its label: its middle within the label's height widened by this share."""
MAX_LABEL_WORDS = 6
"""A label longer than this is a line of a screen: its value is answered with the word before it."""
BELOW_REACH = 1.6
"""A value under its label: no more than this many of the label's heights below it."""


@dataclass(frozen=True)
class AnchoredValue:
    """A value of the asked kind with the label that says what it is."""

    anchor: FigureLabel
    value: FigureLabel
    place: int
    """0: in the label itself ("Packets: 135"), 1: the next label on its row, 2: the label under it."""
    match: float
    text: str
    """What is answered: the value's label, or the value and the word before it in a long one."""


def asked_value_shape(question: str, kind: str) -> re.Pattern[str] | None:
    """How the asked value is written, or None when the question asks for no value of a known shape.

    "How many cartridges" asks a count, not a part's type: a count's question tries no drawing's shape."""
    # "What gain" is a NUMBER question too, since the reader types quantities: only a count tries no shape.
    counted = kind == NUMBER and COUNTED.search(question) is not None
    if not counted:
        # The noun asked for comes first: "which *chip* drives the USB connector" asks a part's type,
        # "which *connector* does the chip drive" a connector's.
        named = [
            (found.start(), shape) for asks, shape in HARDWARE_SHAPES if (found := asks.search(question))
        ]
        if named:
            return min(named, key=lambda item: item[0])[1]
        designated = designated_shape(question)
        if designated is not None:
            return designated
    for asks, shape in VALUE_SHAPES:
        if asks.search(question):
            return shape
    return NUMBER_VALUE if kind == NUMBER else None


ASKED_DESIGNATOR = re.compile(r"(?<![\w-])(?P<prefix>[A-Z]{1,3})(?P<number>\d{1,4})(?![\w-])")
"""A designator the question names ("R12", "C202", "IC4"): its letters say what kind of part it is."""
DESIGNATOR_SHAPES: dict[str, re.Pattern[str]] = {
    "C": CAPACITANCE,
    "R": RESISTANCE,
    "L": INDUCTANCE,
    **{prefix: PART_NUMBER for prefix in ("U", "IC", "D", "Q", "T", "VT", "VD", "DA", "DD")},
    **{prefix: CONNECTOR for prefix in ("J", "P", "X", "CN", "XS", "XP")},
}
"""What a schematic writes beside a designator, by its letters (IEC 60617 / IEEE 315 and their Russian
ГОСТ 2.710 counterparts): a capacitor's capacitance, a resistor's resistance, a chip's or a
transistor's type, a connector's type."""


def designated_shape(question: str) -> re.Pattern[str] | None:
    """The value shape of the one kind of part the question's designators name ("the value of C202"
    asks a capacitance), or None when it names none, or parts of several kinds."""
    shapes = {DESIGNATOR_SHAPES.get(found["prefix"]) for found in ASKED_DESIGNATOR.finditer(question)}
    shapes.discard(None)
    return shapes.pop() if len(shapes) == 1 else None


def _anchored_value(
    question: str,
    kind: str,
    title: str,
    captions: Sequence[str],
    labels: list[FigureLabel],
    term_weights: TermWeights | None,
    page: Sequence[PassageRecord] = (),
    figure_asked: bool = True,
) -> Answer | None:
    """ "Which IP address does the server return for mail.example.org?", "How many processes are
    running?": the value of the asked shape that a figure writes in, beside or under the label naming
    what it belongs to (a host name and its address, a dashboard row "Running processes  190").

    A label names it when it holds half the question's own words (beyond frame, caption and the
    value's noun; in the other language through the lexicon), an identifier the question names, or
    the word that qualifies the value's noun ("the EHLO name"). None when no such pair is found.

    A drawing's value (`HARDWARE_SHAPES`) may stand a few lines from its label: a diode's type under
    its symbol on the line the label names, a designator's value under it (`NEAR_REACH`). Where no
    label names it but the figure asked about holds one value of that shape only ("the cable's notes
    say 22AWG"), that value answers (`figure_asked`: the question speaks of a figure).
    """
    shape = asked_value_shape(question, kind)
    if shape is None:
        return None
    hardware = any(shape is known_shape for _, known_shape in HARDWARE_SHAPES)
    known = set(search_tokens(title)) | {t for caption in captions for t in search_tokens(caption)}
    terms = (asked_names(question) - known - _FRAME_WORDS - VALUE_NOUNS) | acronym_terms(question)
    terms = {t for t in terms if not t.replace(".", "").isdigit()}
    if hardware:
        terms -= value_noun_terms(question)
        terms = said_on_page(question, terms, page)
    profile = profile_question(question)
    for caption in captions:
        # "the server status panel" of "Панель состояния сервера": the caption says which figure.
        terms -= translated_terms(profile, caption, frozenset(terms))
    qualifiers = _value_qualifiers(question)
    if not terms and not qualifiers:
        return None
    weights = term_weights(sorted(terms)) if term_weights else {}
    weighted = {t: weights.get(t, 1.0) for t in terms}
    total = sum(weighted.values()) or 1.0
    # "mail.example.org", "eth0", "sshd_config": names a label writes as the question does.
    identifiers = {
        name.lower().rstrip(".")
        for name in re.findall(r"(?<!\w)[^\W\d_][\w-]*(?:[._/][\w-]+)+|\b[^\W\d_]+\d\w*", question)
    }
    asked_tokens = set(search_tokens(question))
    # A Russian question keeps the names of an English drawing in Latin letters ("для шины CAN", "для
    # Ethernet"): the label holding them all is named, whatever the lexicon makes of the other words.
    portable = (
        set() if question.isascii() else {t for t in terms if t.isascii() and any(c.isalpha() for c in t)}
    )
    found: list[AnchoredValue] = []
    anchored: set[int] = set()
    partly: list[FigureLabel] = []
    for anchor in labels:
        tokens = search_tokens(anchor.text)
        own = name_match(weighted, tokens)
        missing = frozenset(t for t in terms if t not in tokens)
        crossed = translated_terms(profile, anchor.text, missing) if missing else set()
        match = (own + sum(weighted[t] for t in crossed)) / total
        lowered = anchor.text.lower()
        names = (
            any(name in lowered for name in identifiers)
            or bool(qualifiers & set(tokens))
            or bool(portable and portable <= set(tokens))
        )
        if match < MIN_ANCHOR_MATCH and not names:
            if match > 0:
                partly.append(anchor)
            continue
        anchored.add(id(anchor.passage))
        for place, value in _values_near(anchor, labels, reach=NEAR_REACH if hardware else 0.0):
            values = [
                item
                for item in shape.finditer(value.text)
                if not set(search_tokens(item[0])) <= asked_tokens
                and hardware_value(shape, item[0])
                and not unit_of(item[0], identifiers)
            ]
            if values:
                text = value.text
                if place == 0 and len(text.split()) > MAX_LABEL_WORDS:
                    # A screen's title bar holding "aptitude 0.8.13" among its menus: the value and
                    # the word before it.
                    start = text.rfind(" ", 0, max(0, values[0].start() - 1)) + 1
                    text = unbracketed(text[start : values[0].end()])
                found.append(AnchoredValue(anchor, value, place, match + (1.0 if names else 0.0), text))
                break
    if not found:
        if hardware and figure_asked:
            # "The value of C202" where OCR lost the designator: a schematic's one capacitance answers.
            # Only a shape that the designator's kind alone writes: a chip's type and a diode's are alike.
            designated = (
                shape in KIND_SHAPES
                and not named_in_figure(question, labels)
                and designated_shape(question) is shape
            )
            return _only_value(question, shape, labels, anchored, partly, designated)
        return None
    best = max(found, key=lambda pair: (pair.match, -pair.place, -_gap(pair.anchor.bbox, pair.value.bbox)))
    log.info("figure: %r -> %r by %r (place %d)", question, best.value.text, best.anchor.text, best.place)
    answer = _answer(question, best.value, best.match)
    text = best.text if best.place == 0 else f"{best.anchor.text}: {best.text}"
    return Answer(
        question, spelled_keys(text) if shape is SHORTCUT else text, True, answer.citations, answer.language
    )


KIND_SHAPES = (CAPACITANCE, RESISTANCE, INDUCTANCE, CONNECTOR)
"""Values only one kind of part has: a capacitance is a capacitor's (a part's type is any part's)."""


def unbracketed(text: str) -> str:
    """`text` without a bracket its cut left unclosed: "(2x13 pin header" of "(2x13 pin header)"."""
    if text.count("(") > text.count(")"):
        text = text.replace("(", "", 1)
    if text.count(")") > text.count("("):
        text = text[::-1].replace(")", "", 1)[::-1]
    return text.strip()


def asked_names(question: str) -> set[str]:
    """The question's search tokens without grammar words."""
    return set(search_tokens(question, drop_stopwords=True))


def acronym_terms(question: str) -> set[str]:
    """Tokens of the question's words in capitals that spell a grammar word: "the CAN bus", "an OR
    gate" name a thing, which the stopword list would drop as "can" and "or"."""
    return {
        token
        for word in re.findall(r"(?<!\w)[A-Z]{2,}(?!\w)", question)
        if not search_tokens(word, drop_stopwords=True)
        for token in search_tokens(word)
    }


def named_in_figure(question: str, labels: Sequence[FigureLabel]) -> bool:
    """Whether a designator the question names is written in the figure (as itself or one of its units)."""
    asked = {found[0].lower() for found in ASKED_DESIGNATOR.finditer(question)}
    return any(unit_of(word, asked) for label in labels for word in label.text.split())


def unit_of(value: str, identifiers: set[str]) -> bool:
    """Whether `value` is a designator the question names with a unit's letter after it: "U201B" is
    unit B of the package U201 (a schematic draws each gate of a chip apart), not what U201 is."""
    return any(re.fullmatch(re.escape(name) + r"[a-z]?", value.lower()) for name in identifiers)


NEAR_REACH = 6.0
"""How far under the label naming what it belongs to (in the label's heights) a drawing's value may
stand: a part's type is printed under its symbol, which sits on the line the label names."""
ALONG_REACH = 10.0
"""How far to either side of that label (in its heights) the value may stand: a line's label is
written at one place along it, the part drawn on it at another."""


NOTE_WORDS = 3
"""Words from which a figure's label is a note about the drawing rather than a part's own label."""


def asks_hardware_value(question: str, kind: str) -> bool:
    """Whether the question asks for a value of a drawing's or a menu's shape (`HARDWARE_SHAPES`)."""
    shape = asked_value_shape(question, kind)
    return any(shape is known for _, known in HARDWARE_SHAPES)


def value_noun_terms(question: str) -> set[str]:
    """Search tokens of the words saying which kind of value is asked ("diode", "gain", "сочетание
    клавиш"): the answer is of that kind, the label naming what it belongs to need not say so."""
    return {
        token
        for asks, _ in HARDWARE_SHAPES
        for found in asks.finditer(question)
        for token in search_tokens(found[0])
    }


def said_on_page(question: str, terms: set[str], page: Sequence[PassageRecord]) -> set[str]:
    """The terms the page holds somewhere (text or figure), where the page speaks the question's
    language: a word of the question the page never says ("sits", "line") is matched by no label."""
    if not page:
        return terms
    language = detect_language(question)
    texts = [passage.text for passage in page if passage.text.strip()]
    own = sum(len(text) for text in texts if detect_language(text) == language)
    if own < SAME_LANGUAGE_SHARE * sum(len(text) for text in texts):
        return terms
    on_page = {token for text in texts for token in search_tokens(text)}
    kept = {term for term in terms if term in on_page}
    return kept or terms


def _only_value(
    question: str,
    shape: re.Pattern[str],
    labels: Sequence[FigureLabel],
    anchored: set[int],
    partly: Sequence[FigureLabel] = (),
    designated: bool = False,
) -> Answer | None:
    """The one value of the asked shape in the figure a label of which the question names (or in the
    page's only figure), written in a note ("what gauge does the drawing's note give?" of a drawing
    with one AWG) or beside a label holding some of the question's words (`partly`: "the step of the
    repeated rectangle along X and Y" by "Rectangle, repeated" with "2mm" under it), or anywhere in it
    when the question asks it by a designator the figure does not write (`designated`: "the value of
    C202" of a schematic whose one capacitance is 100nF, where OCR lost the thin "C202")."""
    figures = {id(label.passage) for label in labels}
    if anchored:
        figures = anchored | {id(label.passage) for label in partly}
    elif partly:
        figures = {id(label.passage) for label in partly}
    elif len(figures) > 1:
        return None
    values = [
        (label, item[0])
        for label in labels
        if id(label.passage) in figures
        for item in shape.finditer(label.text)
        if hardware_value(shape, item[0])
    ]
    if len({value.casefold().replace(" ", "") for _, value in values}) != 1:
        return None
    # A note says something of the whole drawing ("PVC 22AWG 6 conductor"); a short label beside a
    # symbol is that part's value, given only where the question names some of that part.
    beside = {id(near) for anchor in partly for _, near in _values_near(anchor, labels, reach=NEAR_REACH)}
    # A part's type in a note is the product's own model ("Printer Model: Epson R2400"), not a part.
    noted = shape is not PART_NUMBER
    values = [
        (label, value)
        for label, value in values
        if (noted and len(label.text.split()) >= NOTE_WORDS) or id(label) in beside or designated
    ]
    if not values:
        return None
    label, _ = values[0]
    log.info("figure: %r -> %r (the figure's only value of that shape)", question, label.text)
    answer = _answer(question, label, MIN_ANCHOR_MATCH)
    text = spelled_keys(label.text) if shape is SHORTCUT else label.text
    return Answer(question, text, True, answer.citations, answer.language)


def spelled_keys(text: str) -> str:
    """A key combination as its keys are named: OCR's "Ctri+Q" / "Ctr1+Q" is Ctrl+Q."""
    return re.sub(r"\bCtr[1iI](?=\s*\+)", "Ctrl", text)


SETTING_QUESTION = re.compile(
    r"\b(?:which|what)\b.*\b(?:selected|chosen|set|entered|shown|displayed|highlighted)\b"
    r"|(?<!\w)(?:какой|какая|какое|какие|каким|какую|каков\w*|что)(?!\w).*"
    r"(?<!\w)(?:выбран\w*|задан\w*|установлен\w*|указан\w*|введен\w*|показ\w*|выделен\w*|стоит)",
    re.IGNORECASE,
)
"""A question about what a pasted dialog or panel shows as set: "which ink set is selected?"."""
BUTTON_CAPTIONS = frozenset(
    (
        *("reset", "browse", "apply", "cancel", "ok", "help", "close", "edit", "change", "add", "remove"),
        *("сброс", "обзор", "применить", "отмена", "ок", "справка", "закрыть", "изменить", "добавить"),
    )
)
"""Buttons a dialog puts after a setting's value ("Ink Set [Photo Black ▾] [Reset]"): not the value."""
_ARROW_DEBRIS = frozenset({"v", "V", "vv", "|", "=", "~", "▾", "▼"})
"""What OCR reads a drop-down's arrow as."""


def _setting_value(
    question: str, labels: Sequence[FigureLabel], captions: Sequence[str] = ()
) -> Answer | None:
    """ "Which ink set is selected?" on a pasted dialog whose row reads "Ink Set  Photo Black  Reset":
    the words after the setting's name on its row (in the same label, else the next label on the
    row, else the label under it), drop-down arrows and button captions left out.

    A label names the setting when its leading words are all words of the question and hold at least
    one of its own words (beyond what frames a question, and the caption's words, which say which
    figure: the dialog's title is no setting); the one naming most of the question wins, and a tie
    between two names with different values answers nothing.
    """
    best: list[tuple[tuple[int, int], FigureLabel, str]] = []
    for count, label, rest in _setting_name(question, labels, captions):
        value = _value_words(rest)
        cited = label
        if not value:
            for place, near in _values_near(label, labels):
                # A row of its own ("Typical usage: standard" under "Reserved blocks:") is no value.
                named_row = any(word.endswith(":") for word in near.text.split()[: MAX_NAMED_LABEL_WORDS + 1])
                if place and not named_row and (value := _value_words(near.text.split())):
                    cited = near
                    break
        if value:
            best.append((count, cited, value))
    if not best:
        return None
    best.sort(key=lambda item: item[0], reverse=True)
    if len(best) > 1 and best[1][0] == best[0][0] and best[1][2] != best[0][2]:
        log.info("figure: settings %r and %r both fit %r", best[0][2], best[1][2], question)
        return None
    _, cited, value = best[0]
    log.info("figure: %r -> %r (a setting's value after its name)", question, value)
    answer = _answer(question, cited, 1.0)
    return Answer(question, value, True, answer.citations, answer.language)


_STOPWORD_STEMS = frozenset(search_tokens(" ".join(sorted(STOPWORDS))))
"""Grammar words as search tokens: they name no setting."""


def _setting_name(
    question: str, labels: Sequence[FigureLabel], captions: Sequence[str]
) -> list[tuple[tuple[int, int], FigureLabel, list[str]]]:
    """Labels whose leading words name a setting the question asks about: ((how many of the question's
    own words they hold, how many of its words), the label, its words after the name).

    A name ending in a colon ("Ink Type:") is all of the label's name: each of its words must be the
    question's, or it names another setting. Such a name in the other language than the question's
    ("Resistance:" for "какое сопротивление") names it when each of its words writes one of the
    question's own words (a loanword or a glossary translation).
    """
    asked = set(search_tokens(question))
    known = {t for caption in captions for t in search_tokens(caption)}
    own = asked - _FRAME_WORDS - known - _STOPWORD_STEMS
    profile = None
    found = []
    for label in labels:
        words = label.text.split()
        colon = next(
            (i for i, word in enumerate(words[: MAX_NAMED_LABEL_WORDS + 1]) if word.endswith(":")), None
        )
        lead = 0
        while lead < len(words) and (tokens := search_tokens(words[lead])) and set(tokens) <= asked:
            lead += 1
        if colon is not None and lead <= colon:
            profile = profile or profile_question(question)
            crossed = [translated_terms(profile, word, frozenset(own)) for word in words[: colon + 1]]
            if all(crossed):
                # Counted below the same name in the question's own language: one word each.
                count = len(set().union(*crossed))
                found.append(((count, count), label, words[colon + 1 :]))
            continue
        if colon is not None:
            lead = colon + 1
        name = {t for word in words[:lead] for t in search_tokens(word)}
        if lead and name & own:
            found.append(((len(name & own), len(name)), label, words[lead:]))
    return found


def _selected_row(
    question: str, passages: Sequence[PassageRecord], labels: Sequence[FigureLabel], captions: Sequence[str]
) -> Answer | None:
    """ "Which printer model is highlighted?": the row a list of the page's pasted dialog shows
    selected (a control passage holding a value and nothing else, see `indexer.controls.selected_rows`),
    the one nearest the label naming what the question asks when the dialog has several lists."""
    rows = [passage for passage in passages if passage.kind == "control" and _lone_row(passage)]
    if not rows:
        return None
    names = _setting_name(question, labels, captions)
    if names:
        most = max(count for count, _, _ in names)
        anchors = [label.bbox for count, label, _ in names if count == most]
        row = min(rows, key=lambda passage: min(_gap(passage.spans[-1].bbox, box) for box in anchors))
    elif len(rows) == 1:
        row = rows[0]
    else:
        return None
    value = row.spans[-1]
    text = row.text[value.start : value.end].strip()
    log.info("figure: %r -> %r (the selected row of a list)", question, text)
    return _answer(question, FigureLabel(row, text, value.bbox), 1.0)


def _lone_row(passage: PassageRecord) -> bool:
    """Whether a control passage is a list's selected row alone: its value and nothing else (or the
    row named by itself, where the list's title was taken from the row)."""
    texts = [passage.text[span.start : span.end].strip() for span in passage.spans]
    if len(texts) == 1:
        return passage.text.strip() == texts[0]
    return len(texts) == 2 and texts[0] == texts[1] and passage.text.strip() == f"{texts[0]}: {texts[1]}"


def _value_words(words: Sequence[str]) -> str:
    """A setting's value out of the words after its name: up to the first button caption or arrow."""
    kept: list[str] = []
    for word in words:
        bare = word.strip("[]|(){}:")
        if word in _ARROW_DEBRIS or bare.lower() in BUTTON_CAPTIONS:
            break
        if bare:
            kept.append(bare)
    text = " ".join(kept)
    return text if any(ch.isalnum() for ch in text) else ""


def _value_qualifiers(question: str) -> set[str]:
    """Words that qualify the asked value's noun ("the *EHLO* name", "версия *Webmin*"): a label
    holding one of them with a value is that value."""
    words = re.findall(r"[\w.-]+", question)
    found: set[str] = set()
    for index, word in enumerate(words):
        if set(search_tokens(word)) & VALUE_NOUNS:
            for neighbour in words[max(0, index - 1) : index] + words[index + 1 : index + 2]:
                tokens = set(search_tokens(neighbour, drop_stopwords=True)) - VALUE_NOUNS - _FRAME_WORDS
                found |= tokens
    return found


def _values_near(
    anchor: FigureLabel, labels: Sequence[FigureLabel], reach: float = 0.0
) -> list[tuple[int, FigureLabel]]:
    """The label itself, the next label to its right on its row, the label right under it and, with
    `reach`, the labels of the figure within that many of its heights, nearest first."""
    x0, y0, x1, y1 = anchor.bbox
    height = max(y1 - y0, 1.0)
    same_figure = [
        label for label in labels if label is not anchor and label.passage.section == anchor.passage.section
    ]
    row = [
        label
        for label in same_figure
        if y0 - ROW_SLACK * height <= _centre(label.bbox)[1] <= y1 + ROW_SLACK * height
        and label.bbox[0] >= x1 - 0.2 * height
    ]
    below = [
        label
        for label in same_figure
        if y1 - 0.2 * height <= label.bbox[1] <= y1 + BELOW_REACH * height
        and min(x1, label.bbox[2]) > max(x0, label.bbox[0])
    ]
    near: list[tuple[int, FigureLabel]] = [(0, anchor)]
    if row:
        near.append((1, min(row, key=lambda label: label.bbox[0])))
    if below:
        near.append((2, min(below, key=lambda label: label.bbox[1])))
    if reach > 0:
        # Along the label's row or in the band under it (the line it names runs there, and what is
        # drawn on that line is labelled under it); what stands above belongs to the row above.
        around = sorted(
            (_gap(anchor.bbox, label.bbox), index)
            for index, label in enumerate(same_figure)
            if y0 - ROW_SLACK * height <= _centre(label.bbox)[1] <= y1 + reach * height
            and max(label.bbox[0] - x1, x0 - label.bbox[2]) <= ALONG_REACH * height
        )
        near.extend((3, same_figure[index]) for _, index in around)
        # A drawing writes a value nearest the name it belongs to: "CAN-bus" over "(RJ12)", though the
        # next name along the header row ("6x Axis (RJ50)") holds a connector's type too.
        near[1:] = sorted(
            near[1:], key=lambda item: (round(_gap(anchor.bbox, item[1].bbox) / height), item[0])
        )
    return near


# -- how well OCR read a label ------------------------------------------------------------------------

MIN_LABEL_QUALITY = 0.6
"""Share of a label's words that must read as words for the label to answer."""
UNKNOWN_WORD = 0.5
"""What a lower-case word the lexicon lacks counts: program names are such words, and so are misreadings."""
_LABEL_WORD = re.compile(r"[^\W_]+(?:[._/:@-][^\W_]+)*")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def label_quality(text: str) -> float:
    """Share of a label's words that read as words: numbers and identifiers, acronyms, capitalised
    names, grammar words and words the English-Russian lexicon knows, in the label's own script.

    OCR of a drawing reads strokes as letters: a lone letter of the other script beside Latin words
    ("О 7 Text item"), a word mixing scripts ("Cеrvеr"), a non-word ("hesiname"). Without the lexicon
    installed, a plain word counts as read.
    """
    words = _LABEL_WORD.findall(text)
    if not words:
        return 0.0
    latin = sum(bool(_LATIN.search(word)) for word in words)
    cyrillic = sum(bool(_CYRILLIC.search(word)) for word in words)
    script = _LATIN if latin >= cyrillic else _CYRILLIC
    vocabulary = lexicon()
    read = 0.0
    for word in words:
        letters = [ch for ch in word if ch.isalpha()]
        if any(ch.isdigit() for ch in word) or re.search(r"[._/:@-]", word):
            read += 1
        elif _LATIN.search(word) and _CYRILLIC.search(word):
            continue  # one word in two alphabets: look-alike letters guessed from strokes
        elif len(letters) <= 2:
            # A flag or an abbreviation ("i", "iA", "kB") in the label's script; a lone letter of the
            # other script is a pictogram read as one.
            read += bool(script.search(word)) and len(words) > 1
        elif word.lower() in STOPWORDS or word[:1].isupper() or not vocabulary or vocabulary.knows(word):
            read += 1
        else:
            # A program's name ("adduser", alone a label of its own) or a misreading ("hesiname").
            read += UNKNOWN_WORD if len(words) > 1 else 1.0
    return read / len(words)


# -- numbered callouts --------------------------------------------------------------------------------

CALLOUT_QUESTION = re.compile(
    r"(?:\bcallouts?|\bparts?|\bitems?|\bnumbers?|\bno\.|#|\bpositions?|(?<!\w)позици\w*|(?<!\w)номер\w*"
    r"|(?<!\w)цифр\w*|(?<!\w)выноск\w*|(?<!\w)детал\w*|№)\s*(?:№\s*)?(\d{1,3})(?![\w.,])",
    re.IGNORECASE,
)
"""A question about what a numbered callout shows: "callout 2", "part No. 3", "цифрой 3", "позиция 4"."""
CALLOUT_REACH = 6.0
"""A callout's name stands no further from its number than this many of the number's heights."""


def _callout_name(question: str, labels: Sequence[FigureLabel]) -> FigureLabel | None:
    """ "Which part is callout 2?": the legend entry "2 Dust filter" of the figure, or the words
    written beside a lone "2" (on its row to the right first, else the nearest words)."""
    asked = CALLOUT_QUESTION.search(question)
    if asked is None:
        return None
    number = asked.group(1)
    entry = re.compile(rf"^\s*{number}\s*[.):\u2013\u2014-]?\s+(?=[^\W\d_])")
    entries = [label for label in labels if entry.match(label.text)]
    if entries:
        return entries[0]
    lone = [label for label in labels if label.text.strip().rstrip(".)") == number]
    for callout in lone:
        _, y0, x1, y1 = callout.bbox
        height = max(y1 - y0, 1.0)
        worded = [label for label in labels if label is not callout and re.search(r"[^\W\d_]{2}", label.text)]
        row = [
            label
            for label in worded
            if y0 - ROW_SLACK * height <= _centre(label.bbox)[1] <= y1 + ROW_SLACK * height
            and label.bbox[0] >= x1 - 0.2 * height
        ]
        if row:
            return min(row, key=lambda label: label.bbox[0])
        near = [label for label in worded if _gap(label.bbox, callout.bbox) <= CALLOUT_REACH * height]
        if near:
            return min(near, key=lambda label: _gap(label.bbox, callout.bbox))
    return None


def _gap(a: BBox, b: BBox) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


# -- a legend in the text under the figure, and the manual's words about a label ----------------------

LEGEND_ENTRY = re.compile(
    r"(?<![\w.,])(\d{1,2})\s*[.):\u2013\u2014-]?\s+([^\W\d_][^\d\n]{0,48}?)\s*[;,.]?\s*(?=\d{1,2}\s*[.):\u2013\u2014-]?\s+[^\W\d_]|$)"
)
"""One entry of a legend line ("1 Power switch 2 Dust container", "3. Filter;"): a number and a name."""
MAX_LEGEND_WORDS = 5
"""A legend names a part in a few words; a numbered line longer than this is a step of a procedure."""
NUMBER_OF_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:callout\s+|part\s+|item\s+|position\s+)?(?:number|numeral|callout|position)\b"
    r"|(?<!\w)(?:как\w*|под\s+как\w*)\s+(?:цифр\w*|номер\w*|позици\w*|выноск\w*)",
    re.IGNORECASE,
)
"""A question asking which number marks a named part: "which number is the dust container?",
"какой цифрой обозначен фильтр?"."""


@dataclass(frozen=True)
class LegendEntry:
    """A numbered part: its number, its name, and where the name is written (a figure or the text)."""

    number: str
    name: str
    passage: PassageRecord
    bbox: BBox


def legend_entries(passages: Sequence[PassageRecord], labels: Sequence[FigureLabel]) -> list[LegendEntry]:
    """The page's numbered parts: legend labels of its figures ("2. Burr ring"), then legend lines of
    its text, a line that is nothing but entries ("1 Hose clamp", "1 Lid 2 Filter"), at least two of them
    on the page (one numbered line is a step or a heading, not a legend)."""
    entries: list[LegendEntry] = []
    for label in labels:
        found = legend_line_entries(label.text, label.passage, label.bbox)
        entries.extend(found[:1] if found else [])
    written: list[LegendEntry] = []
    for passage in passages:
        if passage.kind == "figure":
            continue
        for span in passage.spans:
            written.extend(legend_line_entries(passage.text[span.start : span.end], passage, span.bbox))
    if len({entry.number for entry in written}) >= 2:
        entries.extend(written)
    return entries


def legend_line_entries(line: str, passage: PassageRecord, box: BBox) -> list[LegendEntry]:
    """The legend entries that make up all of `line`, each boxed by its share of the line; [] when the
    line is anything else."""
    text = line.strip()
    matches = list(LEGEND_ENTRY.finditer(text))
    if (
        not matches
        or matches[0].start() != 0
        or any(a.end() != b.start() for a, b in itertools.pairwise(matches))
    ):
        return []
    if matches[-1].end() != len(text) or any(len(m.group(2).split()) > MAX_LEGEND_WORDS for m in matches):
        return []
    width = box[2] - box[0]
    return [
        LegendEntry(
            match.group(1),
            match.group(2).strip(" ;,."),
            passage,
            (
                box[0] + width * match.start() / len(text),
                box[1],
                box[0] + width * match.end() / len(text),
                box[3],
            ),
        )
        for match in matches
    ]


def _callout_on_figure(number: str, labels: Sequence[FigureLabel]) -> FigureLabel | None:
    """The lone number on a figure that points at the part: where the user looks for it."""
    return next((label for label in labels if label.text.strip().rstrip(".)") == number), None)


def _entry_answer(question: str, entry: LegendEntry, text: str, labels: Sequence[FigureLabel]) -> Answer:
    """An answer about a numbered part: cited on the figure's callout where OCR read it, else on the legend
    line that names it."""
    callout = _callout_on_figure(entry.number, labels)
    if callout is not None:
        cited = FigureLabel(callout.passage, f"{entry.number} {entry.name}", callout.bbox)
    else:
        cited = FigureLabel(entry.passage, f"{entry.number} {entry.name}", entry.bbox)
    answer = _answer(question, cited, 1.0)
    return Answer(question, text, True, answer.citations, answer.language)


def _legend_answer(
    question: str,
    passages: Sequence[PassageRecord],
    labels: Sequence[FigureLabel],
    terms: dict[str, float] | None,
) -> Answer | None:
    """ "What is part 3?" -> the legend's name for 3; "which number is the filter?" -> the number whose
    legend name holds most of the question's own words (half at least)."""
    entries = legend_entries(passages, labels)
    if not entries:
        return None
    asked = CALLOUT_QUESTION.search(question)
    if asked is not None:
        entry = next((entry for entry in entries if entry.number == asked.group(1)), None)
        return _entry_answer(question, entry, entry.name, labels) if entry is not None else None
    if not NUMBER_OF_QUESTION.search(question) or not terms:
        return None
    total = sum(terms.values())
    scored = sorted(
        (
            (name_match(terms, search_tokens(entry.name)) / total, index)
            for index, entry in enumerate(entries)
        ),
        reverse=True,
    )
    match, index = scored[0]
    if match < MIN_LABEL_MATCH or (
        len(scored) > 1
        and scored[1][0] >= match - TIE
        and entries[scored[1][1]].number != entries[index].number
    ):
        return None
    entry = entries[index]
    log.info("figure: %r -> part %s (%s, match %.2f)", question, entry.number, entry.name, match)
    return _entry_answer(question, entry, f"{entry.number} ({entry.name})", labels)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CLAUSE_BREAK = re.compile(r"\s*[;,:]\s*|\s+(?:and|or|while|и|или|а)\s+", re.IGNORECASE)
MAX_NAMED_LABEL_WORDS = 3
"""A control's label is a word or three ("SUCTION", "ЗАРЯДКА 12 В"); longer lines are a screen's text."""


def _label_by_text(
    question: str,
    passages: Sequence[PassageRecord],
    labels: Sequence[FigureLabel],
    terms: dict[str, float],
) -> tuple[FigureLabel, float] | None:
    """ "Which knob adjusts the airflow?" where the manual says "Turn the SUCTION knob to adjust the
    airflow" and the figure reads SUCTION: the label that a clause of the page's text names, written as
    the figure writes it, when that clause holds half the question's own words at least.

    A clause naming two labels says nothing of which one does what; a label the text never writes
    verbatim (a common word in other case) is not named by it.
    """
    total = sum(terms.values())
    if total <= 0:
        return None
    named = [
        (label, re.compile(rf"(?<!\w){re.escape(look_alike_folded(label.text.strip()))}(?!\w)"))
        for label in labels
        if 1 <= len(label.text.split()) <= MAX_NAMED_LABEL_WORDS
        and re.search(r"[^\W\d_]{2}", label.text)
        and label_quality(label.text) >= MIN_LABEL_QUALITY
        # A word of a screen's sentence that OCR read on its own ("the") names no control.
        and search_tokens(label.text, drop_stopwords=True)
    ]
    best: tuple[float, FigureLabel] | None = None
    for passage in passages:
        if passage.kind == "figure":
            continue
        for sentence in SENTENCE_END.split(passage.text.replace("\n", " ")):
            for clause in CLAUSE_BREAK.split(sentence):
                folded = look_alike_folded(clause)
                mentioned = {
                    (found.start(), found.end()): label
                    for label, pattern in named
                    if (found := pattern.search(folded)) is not None
                }
                if len(mentioned) != 1:
                    continue
                [((start, end), label)] = mentioned.items()
                written = clause[start:end]
                tokens = set(search_tokens(clause)) - set(search_tokens(written))
                match = name_match(terms, sorted(tokens)) / total
                if best is None or match > best[0]:
                    # The label as the text writes it: OCR may have read Cyrillic capitals as Latin.
                    best = (match, FigureLabel(label.passage, written, label.bbox))
    if best is None or best[0] < MIN_LABEL_MATCH:
        return None
    return best[1], best[0]


_LOOK_ALIKES = str.maketrans("ABCEHKMOPTXYaceopxy", "АВСЕНКМОРТХУасеорху")


def look_alike_folded(text: str) -> str:
    """`text` with Latin letters that look like Cyrillic ones written as those: OCR of a label in capitals
    reads "СВЕТ" as "CBET", and the text layer has it right. Upper case only where the label is."""
    return text.translate(_LOOK_ALIKES)


# -- the member of a group the question leaves out ---------------------------------------------------

_ASKING = r"(?:which|what|how|name|list|where|как\w*|что|где|назов\w*)"
LISTED = re.compile(
    r"(?:\b(?:besides|apart\s+from|aside\s+from|other\s+than|except(?:\s+for)?|in\s+addition\s+to)"
    r"|(?<!\w)(?:кроме|помимо))\s+"
    rf"(?:(?P<lead>[^?;:]+?)\s*,\s*(?={_ASKING}(?!\w))|(?P<tail>[^?;:,]+(?:,[^?;:,]+)*?)\s*\??\s*$)",
    re.IGNORECASE,
)
"""A question naming members of a group and asking for the one it leaves out: "Besides amount, size
and stereo, which fourth knob ...?", "Кроме «Вырезать» и «Копировать», какая команда ...?", "Which
button does the bar have besides OK and Cancel?"."""
LIST_SPLIT = re.compile(r"\s*,\s*(?:(?:and|or|и|или)\s+)?|\s+(?:and|or|и|или|&)\s+", re.IGNORECASE)
MIN_LISTED = 2
"""Members a question must name for their figure to show the group: one named label is no group."""
MAX_LISTED = 8
"""Members past which a list is no group's (a question listing a dozen names asks something else), and
which keep the placements tried (`MAX_PLACES` each) in the thousands."""
MAX_PLACES = 3
"""Places a figure writes one member at that are tried."""
ALIGN_SLACK = 0.6
"""Members of a row have their middles within this many lettering heights of one line (a column's
their left edges or middles)."""
GROUP_REACH = 1.6
"""How far past the group's last member (in the group's own pitch, the usual step between members)
the left-out member may stand: further on is the next group."""
GROUP_TIE = 0.15
"""Two candidates on either side whose steps differ by less than this share are equally likely: pass."""


@dataclass(frozen=True)
class LineWord:
    """A word of a figure's line, its box estimated from its share of the line's letters."""

    passage: PassageRecord
    text: str
    bbox: BBox
    line: int


def line_words(passages: Sequence[PassageRecord]) -> list[LineWord]:
    """The words of every label line of the page's figure passages (relation and cell lines left
    out), each boxed by its share of the line: OCR keeps a line's box, and a drawing's labels set in
    one typeface share it out by letters well enough to tell neighbours apart."""
    words: list[LineWord] = []
    line = 0
    for passage in passages:
        if passage.kind != "figure":
            continue
        for span in passage.spans:
            text = passage.text[span.start : span.end]
            if not text.strip() or is_statement(text.strip()):
                continue
            line += 1
            x0, y0, x1, y1 = span.bbox
            share = (x1 - x0) / max(1, len(text))
            for found in re.finditer(r"\S+", text):
                box = (x0 + share * found.start(), y0, x0 + share * found.end(), y1)
                words.append(LineWord(passage, found[0], box, line))
    return words


def listed_members(question: str) -> list[str]:
    """The members the question lists after "besides" / "кроме" (quotes and a noun's article off); []
    when it lists fewer than two."""
    asked = LISTED.search(question)
    if asked is None:
        return []
    items = [
        item.strip(" \"'«»“”„.")
        for item in LIST_SPLIT.split(asked["lead"] or asked["tail"] or "")
        if item.strip(" \"'«»“”„.")
    ]
    return items if len(items) >= MIN_LISTED else []


def _occurrences(item: str, words: Sequence[LineWord], known: set[str]) -> list[list[LineWord]]:
    """Where the figure writes `item`: runs of a line's words holding its tokens in order. Leading
    words no figure word holds ("the *knobs* amount") say what the members are, not which."""
    tokens = search_tokens(item)
    while tokens and tokens[0] not in known:
        tokens = tokens[1:]
    if not tokens:
        return []
    found = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + len(tokens)) + 1):
            run = list(words[start:end])
            # "CAN-bus" is one word of the figure and two tokens of the question.
            if (
                len({word.line for word in run}) == 1
                and [token for word in run for token in search_tokens(word.text)] == tokens
            ):
                found.append(run)
                break
    return found


def _aligned(boxes: Sequence[BBox], height: float) -> str | None:
    """ "row" when the boxes stand on one line, "column" when under one another, else None."""
    middles_y = [(box[1] + box[3]) / 2 for box in boxes]
    if max(middles_y) - min(middles_y) <= ALIGN_SLACK * height:
        return "row"
    lefts = [box[0] for box in boxes]
    middles_x = [(box[0] + box[2]) / 2 for box in boxes]
    if min(max(lefts) - min(lefts), max(middles_x) - min(middles_x)) <= 2 * ALIGN_SLACK * height:
        return "column"
    return None


def _group_rest(question: str, passages: Sequence[PassageRecord]) -> FigureLabel | None:
    """ "Besides amount, size and stereo, which fourth knob does the reverb have?": the member of the
    figure's group that the question leaves out.

    The members it lists must all be written in one figure, on one row (a panel's knobs) or in one
    column (a menu's items); the answer is the label in line with them that stands between them or
    next past either end, no further than the group's own step times `GROUP_REACH`. Two such labels
    as near on either side leave it open: None.
    """
    members = listed_members(question)
    if not members or len(members) > MAX_LISTED:
        return None
    words = line_words(passages)
    known = {token for word in words for token in search_tokens(word.text)}
    places = [_occurrences(member, words, known)[:MAX_PLACES] for member in members]
    if not all(places):
        return None
    height = float(np.median([word.bbox[3] - word.bbox[1] for word in words]))
    best: tuple[float, str, list[list[LineWord]]] | None = None
    for combination in itertools.product(*places):
        one_figure = len({run[0].passage.id for run in combination}) == 1
        if not one_figure or len({id(run[0]) for run in combination}) < len(combination):
            continue
        boxes = [union_bbox([word.bbox for word in run]) for run in combination]
        layout = _aligned(boxes, height)
        if layout is None:
            continue
        extent = union_bbox(boxes)
        size = (extent[2] - extent[0]) + (extent[3] - extent[1])
        if best is None or size < best[0]:
            best = (size, layout, list(combination))
    if best is None:
        return None
    _, layout, chosen = best
    return _left_out(question, words, chosen, layout, height)


def _left_out(
    question: str, words: Sequence[LineWord], chosen: list[list[LineWord]], layout: str, height: float
) -> FigureLabel | None:
    """The label in line with the chosen members that the question does not name (see `_group_rest`)."""
    axis = 0 if layout == "row" else 1
    boxes = [union_bbox([word.bbox for word in run]) for run in chosen]
    centres = sorted((box[axis] + box[axis + 2]) / 2 for box in boxes)
    pitch = float(np.median(np.diff(centres)))
    if pitch <= 0:
        return None
    passage = chosen[0][0].passage
    used = {id(word) for run in chosen for word in run}
    asked = set(search_tokens(question))
    across = [(box[1 - axis] + box[3 - axis]) / 2 for box in boxes]
    line = float(np.mean(across))
    units: list[tuple[str, BBox]] = []
    if layout == "row":
        # A row's members are words of OCR lines (a panel's labels are read as one line).
        units = [
            (word.text, word.bbox)
            for word in words
            if word.passage is passage
            and id(word) not in used
            and abs((word.bbox[1] + word.bbox[3]) / 2 - line) <= ALIGN_SLACK * height
        ]
    else:
        # A column's members are its lines (a menu's items, a legend's entries).
        lines: dict[int, list[LineWord]] = {}
        for word in words:
            if word.passage is passage and id(word) not in used:
                lines.setdefault(word.line, []).append(word)
        left = min(box[0] for box in boxes)
        middle = float(np.mean([(box[0] + box[2]) / 2 for box in boxes]))
        for run in lines.values():
            box = union_bbox([word.bbox for word in run])
            if min(abs(box[0] - left), abs((box[0] + box[2]) / 2 - middle)) <= 2 * ALIGN_SLACK * height:
                units.append((" ".join(word.text for word in run), box))
    scored: list[tuple[float, int, str, BBox]] = []
    for text, box in units:
        tokens = search_tokens(text)
        if not tokens or set(tokens) <= asked or label_quality(text) < MIN_LABEL_QUALITY:
            continue
        if sum(ch.isalpha() for ch in text) < 2:
            continue
        centre = (box[axis] + box[axis + 2]) / 2
        if centres[0] < centre < centres[-1]:
            scored.append((0.0, 0, text, box))
        else:
            step = (centres[0] - centre) if centre <= centres[0] else (centre - centres[-1])
            if step <= GROUP_REACH * pitch:
                scored.append((step / pitch, -1 if centre <= centres[0] else 1, text, box))
    if not scored:
        return None
    scored.sort(key=lambda item: item[0])
    if sum(item[1] == 0 for item in scored) > 1:
        # Several labels between the named ones: they are not one group less one member.
        log.info("figure: %r names members with %d labels between them; passing", question, len(scored))
        return None
    first = scored[0]
    if len(scored) > 1 and first[1] != 0:
        second = next((item for item in scored[1:] if item[1] == -first[1]), None)
        if second is not None and second[0] - first[0] <= GROUP_TIE * max(first[0], 1e-6):
            log.info("figure: %r leaves out %r or %r alike; passing", question, first[2], second[2])
            return None
    log.info("figure: %r -> %r (the member of the group it leaves out)", question, first[2])
    return FigureLabel(passage, first[2], first[3])


# -- the value at the other end of an arrow --------------------------------------------------------------

ARROW_SHAPES = (DOTTED_NAME, IPV4, URL, EMAIL, VERSION)
"""Values a diagram's node may be in whole: a file, an address, a version ("dump.ldif", "10.0.0.1")."""


def _arrow_value(
    question: str, kind: str, passages: Sequence[PassageRecord], captions: Sequence[str]
) -> Answer | None:
    """ "Под каким именем файла сохраняется дамп каталога LDAP?": the node of the asked value's shape
    (a file name) that an arrow of the figure joins to the node the question names ("LDAP directory
    → dump.ldif"), from the relation lines `indexer.diagrams` wrote.

    The question names a node by half its words, in its own language or the other (a loanword, the
    lexicon); a node named by the caption's words only says which figure. Two different values
    joined to nodes named alike answer nothing.
    """
    shape = asked_value_shape(question, kind)
    if shape not in ARROW_SHAPES:
        return None
    known = {t for caption in captions for t in search_tokens(caption)}
    asked = asked_names(question) - known
    profile = profile_question(question)
    found: list[tuple[float, str, PassageRecord, BBox]] = []
    for passage in passages:
        if passage.kind != "figure":
            continue
        for span in passage.spans:
            relation = RELATION.match(passage.text[span.start : span.end].strip())
            if relation is None:
                continue
            ends = [relation["subject"], *relation["others"].split(", ")]
            for index, node in enumerate(ends):
                named = max(names(node, asked), _crossed_share(profile, node, asked))
                others = ends[1:] if index == 0 else ends[:1]
                for other in others:
                    if named and shape is not None and shape.fullmatch(other.strip()):
                        found.append((named, other.strip(), passage, span.bbox))
    if not found:
        return None
    best = max(found, key=lambda item: item[0])
    if any(item[1] != best[1] and item[0] >= best[0] for item in found):
        log.info("figure: arrows join %r to several values alike; passing", question)
        return None
    score, value, passage, box = best
    log.info("figure: %r -> %r (at the other end of an arrow)", question, value)
    answer = _answer(question, FigureLabel(passage, value, box), score)
    return Answer(question, value, True, answer.citations, answer.language)


def _crossed_share(profile: QuestionProfile, node: str, asked: set[str]) -> float:
    """How much of a node's name the question says in the other language ("почтовый сервер" of "Mail
    server"): its words said as they are or by a translation of one of the question's words, when that
    is at least `MIN_NAME_SHARE` of them; else 0."""
    tokens = search_tokens(node)
    said = {token for token in tokens if token in asked}
    # A word the node writes as the question does is said, not crossed.
    crossed = translated_terms(profile, node, frozenset(asked - said))
    if not tokens or not crossed:
        return 0.0
    share = min(1.0, (len(said) + len(crossed)) / len(tokens))
    return share if share >= MIN_NAME_SHARE else 0.0
