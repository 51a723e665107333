"""Answers from what a figure's lines and grid say: "which users map to user_u?", "what tolerance is violet?".

The indexer reads the connectors and arrows of a diagram and the grid of a table drawn as a picture
(`indexer.diagrams`) and stores what they say as lines of the figure's passage: "user_u ← hertzog,
lolando", "sysadm_r → sysadm_t", "Violet 7 › Tolerance: ± 0.10%". A question that names a thing of
such a line (a node of a diagram; a row and a column of a table) is answered with that line, cited
with its box, before the figure's single labels or the prose are read: the answer is the label at the
other end of the line, which no label alone and no sentence holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.visual import PagePassages, TermWeights, hit_passages
from assistant.measures import Dimension, asked_dimension, measured_values
from assistant.questions import COUNTED
from assistant.retrieval import PageHit
from indexer.diagrams import INCOMING, JOINED, OUTGOING
from indexer.embedders import TextEmbedder
from indexer.language import search_tokens
from indexer.records import BBox, PassageRecord

log = logging.getLogger(__name__)

RELATION = re.compile(rf"^(?P<subject>.+?) (?P<arrow>[{OUTGOING}{INCOMING}{JOINED}]) (?P<others>.+)$")
"""A diagram's relation line: the node, the arrow, the nodes at the other ends (comma separated)."""
CELL = re.compile(r"^(?P<row>.+?) › (?P<column>[^:]+): (?P<value>.+)$")
"""A table's cell line: the row's name, the column's header, the cell."""
RELATION_QUESTION = re.compile(
    r"\b(connect\w*|join\w*|link\w*|map\w*|correspond\w*|feeds?|sends?|wired?|leads?|goes|flows?|points?"
    r"|transitions?|next|after|before|follows?|comes?|attached|paired|assigned|upstream|downstream)\b"
    r"|(?<!\w)(соедин\w*|сопостав\w*|соответств\w*|связ\w*|подключ\w*|вед[её]т|ид[её]т|указыва\w*"
    r"|переход\w*|после|перед|следу\w*|присвоен\w*|назначен\w*|куда|откуда|пода[её]т\w*|поступа\w*)",
    re.IGNORECASE,
)
"""Words asking what a line joins: only they make a diagram's relation an answer ("which IP address
does the gateway have?" names a node of a figure but asks for a label beside it, not what it joins).
"What stands between A and B?" is the figure reader's: the answer is a label on the line, not its end."""
MIN_NAME_SHARE = 0.5
"""Share of a node's (or a row's) words the question must say for the node to be named by it."""
DIAGRAM_PAGES = 2
DIRECTED_BONUS = 0.1


@dataclass(frozen=True)
class Statement:
    """A relation or cell line of a figure passage: its text, box, and how well the question names it."""

    passage: PassageRecord
    text: str
    bbox: BBox
    score: float


def is_statement(text: str) -> bool:
    """Whether a figure passage's line is a relation or a cell line that `indexer.diagrams` wrote."""
    return bool(RELATION.match(text) or CELL.match(text))


def names(name: str, asked: set[str]) -> float:
    """How surely the question (its tokens `asked`) names `name`: the share of its tokens it says, when
    that is at least `MIN_NAME_SHARE` and one of them is a real name (not a lone digit or letter); else 0."""
    tokens = search_tokens(name)
    if not tokens:
        return 0.0
    said = [token for token in tokens if token in asked]
    if not any(len(token) >= 3 for token in said):
        return 0.0
    share = len(said) / len(tokens)
    # A box is called by its first line ("the pump" for "Pump / model 40"): its first word said whole.
    first = search_tokens(name.split()[0])
    if first and all(token in asked for token in first):
        share = max(share, MIN_NAME_SHARE)
    return share if share >= MIN_NAME_SHARE else 0.0


SAID_BONUS = 0.05
"""Per word of a row's name the question says: "Backup server" is named more surely than "Server"."""
UNIT_BONUS = 0.25
"""For a cell whose value is of the quantity the question asks ("температура" of "29.2 °C")."""


def statement_score(
    text: str,
    asked: set[str],
    relation_asked: bool,
    dimension: Dimension | None = None,
    joined: frozenset[str] = frozenset(),
) -> float:
    """How well a figure line answers: a cell whose row and column the question both names scores above
    2; a relation whose node the question names scores 1-2 (its first node, which the line is about,
    counts fully, a node at the other end half); 0 for a line that is neither or not named.

    A column is named by its header's words or, in any language, by the quantity the question asks for
    (`dimension`) when the cell holds a value of it with its unit: "какая температура" names "Temp"
    through "29.2 °C", and a header OCR read without its space ("UPSLoad") by two words the question
    says one after the other (`joined`); a row only by the question's own words. Of rows named alike,
    the one whose name the question says more of wins.
    """
    cell = CELL.match(text)
    if cell is not None:
        row, column = names(cell["row"], asked), names(cell["column"], asked | joined)
        unit = dimension is not None and bool(measured_values(dimension, cell["value"]))
        if unit:
            column = max(column, MIN_NAME_SHARE)
        if not (row and column):
            return 0.0
        said = sum(token in asked for token in search_tokens(cell["row"]))
        return 2.0 + (row + column) / 2 + SAID_BONUS * said + (UNIT_BONUS if unit else 0.0)
    relation = RELATION.match(text)
    if relation is None or not relation_asked:
        return 0.0
    subject = names(relation["subject"], asked)
    others = max((names(other, asked) for other in relation["others"].split(", ")), default=0.0)
    # Where a drawing has both, its arrows carry what it is about; its plain lines are wiring beside it.
    arrow = DIRECTED_BONUS if relation["arrow"] != JOINED else 0.0
    if subject:
        return 1.0 + 0.5 * subject + 0.25 * others + arrow
    return 0.5 + 0.5 * others if others else 0.0


def statements(
    passages: Sequence[PassageRecord],
    asked: set[str],
    relation_asked: bool,
    dimension: Dimension | None = None,
    joined: frozenset[str] = frozenset(),
) -> list[Statement]:
    """The relation and cell lines of the page's figure passages the question names, best first."""
    found = []
    for passage in passages:
        if passage.kind != "figure":
            continue
        for span in passage.spans:
            text = passage.text[span.start : span.end].strip()
            score = statement_score(text, asked, relation_asked, dimension, joined)
            if score > 0:
                found.append(Statement(passage, text, span.bbox, score))
    return sorted(found, key=lambda statement: statement.score, reverse=True)


def states_a_count(line: str) -> bool:
    """Whether a relation or cell line can answer "how many": it writes a number ("R2400 › Cartridges:
    8"), not only a name ("R2400 › Ink type: Photo Black")."""
    return re.search(r"\d", line) is not None


def question_names(question: str) -> tuple[set[str], frozenset[str]]:
    """The question's tokens, and the tokens of each two of its words written as one ("UPS load" ->
    "upsload"): a header OCR read without its space is named by them (`statement_score`)."""
    words = re.findall(r"[^\W_]+", question)
    joined = frozenset(token for first, second in pairwise(words) for token in search_tokens(first + second))
    return set(search_tokens(question, drop_stopwords=True)), joined


def answer_from_diagram(
    question: str,
    hits: Sequence[PageHit],
    page_passages: PagePassages | None,
    embedder: TextEmbedder,
    term_weights: TermWeights | None = None,
) -> Answer | None:
    """The relation or cell line of a top page's figure that the question names; None to pass.

    A relation answers only a question about what joins what; a cell only when the question names
    both its row and its column. Of lines that score alike, none is sure: pass.
    """
    asked, joined = question_names(question)
    relation_asked = bool(RELATION_QUESTION.search(question))
    # "How many ink cartridges ...?" is answered by a cell that counts, not by the row's other cells.
    counted = COUNTED.search(question) is not None
    for hit in list(hits)[:DIAGRAM_PAGES]:
        found = statements(
            hit_passages(hit, page_passages), asked, relation_asked, asked_dimension(question), joined
        )
        if counted:
            found = [statement for statement in found if states_a_count(statement.text)]
        if not found:
            continue
        best = found[0]
        if len(found) > 1 and found[1].score >= best.score and found[1].text != best.text:
            log.info("diagram: %r names %r and %r alike; passing", question, best.text, found[1].text)
            return None
        log.info("diagram: %r -> %r (score %.2f)", question, best.text, best.score)
        citation = Citation(
            document=best.passage.document,
            page=best.passage.page,
            bbox=best.bbox,
            quote=best.text,
            score=round(best.score, 4),
            page_width=best.passage.page_width,
            page_height=best.passage.page_height,
        )
        return Answer(question, best.text, True, [citation], answer_language(question))
    return None


# -- where a label stands in its figure ---------------------------------------------------------------

_I = re.IGNORECASE
_RU_ADJECTIVE_END = r"(?:ий|ый|ой|яя|ая|ее|ое|ем|ом|ей|юю|ую|его|ого|ие|ые|их|ых|им|ым|ему|ому|ими|ыми)"
TOP = re.compile(
    r"\b(?:top(?:most)?|upper(?:most)?|highest)\b(?![-\s]+(?:level|case|limit|bound|threshold))"
    rf"|(?<!\w)(?:верхн{_RU_ADJECTIVE_END}|вверху|сверху|наверху)(?!\w)(?!\s+(?:предел|границ|регистр))",
    _I,
)
BOTTOM = re.compile(
    r"\b(?:bottom(?:most)?|lowest|lower(?:most)?)\b(?![-\s]+(?:level|case|limit|bound|threshold))"
    rf"|(?<!\w)(?:нижн{_RU_ADJECTIVE_END}|внизу|снизу)(?!\w)(?!\s+(?:предел|границ|регистр))",
    _I,
)
_SIDE_NOUN = r"(?=\s+(?:end|side|edge|corner|column|half|part|of)\b)"
LEFT = re.compile(
    rf"\b(?:left(?:most|-most|-hand)|(?:on|to|at|in)\s+the\s+(?:far\s+)?left|(?:the|far)\s+left{_SIDE_NOUN}|(?:top|bottom|upper|lower)[-\s]+left)\b"
    rf"|(?<!\w)(?:лев{_RU_ADJECTIVE_END}|слева)(?!\w)",
    _I,
)
RIGHT = re.compile(
    rf"\b(?:right(?:most|-most|-hand)|(?:on|to|at|in)\s+the\s+(?:far\s+)?right|(?:the|far)\s+right{_SIDE_NOUN}|(?:top|bottom|upper|lower)[-\s]+right)\b"
    rf"|(?<!\w)(?:прав{_RU_ADJECTIVE_END}|справа)(?!\w)",
    _I,
)
"""Where in a figure the asked label stands: "the bottom reference line", "at the right end", "в нижнем
ряду", "справа". "Top-level diagram", "upper case", "нижний предел" and "the right value" say nothing of a
place."""
ROW = re.compile(r"\brows?\b|(?<!\w)(?:ряд\w*|строк\w*)", _I)
COLUMN = re.compile(r"\bcolumns?\b|(?<!\w)(?:столб\w*|колонк\w*)", _I)
HEADING = re.compile(r"\b(?:headings?|headers?|titles?)\b|(?<!\w)заголов\w*", _I)
"""A figure's heading is written over what it heads: asked for, it is the figure's topmost label."""
ASKED_NOUN = re.compile(
    r"\b(?:which|what)\s+(?P<en>[^\W\d_][\w-]*)"
    rf"|(?<!\w)как{_RU_ADJECTIVE_END}\s+(?P<ru>[^\W\d_][\w-]*)",
    _I,
)
"""The noun a question word opens ("what *width* is marked", "какой *тип* счётчика")."""
CONTAINER_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:box|block|group|frame|panel|section|pane|area|module|container)"
    r"\s+(?:of\s+[^?]*?\s+)?(?:holds?|contains?|has|includes?|lists?|groups?|shows?|encloses?)\b"
    r"|\b(?:in|inside)\s+which\s+(?:\w+\s+)?(?:box|block|group|frame|panel|section|pane|area|container)\b"
    rf"|(?<!\w)(?:в\s+)?как(?:{_RU_ADJECTIVE_END})\s+(?:\w+\s+)?(?:блок|рамк|групп|панел|раздел|област|прямоугольник)\w*"
    r"(?:\s+(?:\w+\s+){0,3}?(?:содерж|наход|входят|входит|располож|собран)\w*)?",
    _I,
)
"""A question asking which box of a diagram holds the labels it names: the answer is the box's own
heading, the label over them ("which box holds the extensions and the loader?" -> "simulator sources")."""
HEADING_REACH = 2.0
"""A box's heading is set apart from its items by up to twice their own step (a heading's gap is wider)."""
PLACE_SLACK = 0.6
"""Labels of one row have their middles within this many lettering heights (a column's their middles
across); more apart, they are on different rows."""


@dataclass(frozen=True)
class Place:
    """Where a question says its label stands: -1 top/left, 1 bottom/right, 0 unsaid, for each axis;
    `rows_first` when a row is picked first ("the right end of the bottom row"), not a column."""

    vertical: int
    horizontal: int
    rows_first: bool = True


def asked_place(question: str) -> Place | None:
    """The place in its figure the question puts what it asks for; None when it names none.

    A row named with a side ("the bottom row") is picked first and the other side ("its right end")
    picks within it; a column named with a side ("the left column") likewise. A heading asked for with no
    place stands on top."""
    vertical = (1 if BOTTOM.search(question) else 0) - (1 if TOP.search(question) else 0)
    horizontal = (1 if RIGHT.search(question) else 0) - (1 if LEFT.search(question) else 0)
    if not vertical and not horizontal:
        return Place(-1, 0) if HEADING.search(question) else None
    rows_first = not (COLUMN.search(question) and not ROW.search(question))
    return Place(vertical, horizontal, rows_first)


SIDE_TOKENS = frozenset(search_tokens("end side edge corner"))


def place_words(question: str) -> set[str]:
    """Tokens of the question that say a place (its side words, "row", "column"): no label holds them."""
    spans = [
        match.group(0)
        for pattern in (TOP, BOTTOM, LEFT, RIGHT, ROW, COLUMN, HEADING)
        for match in pattern.finditer(question)
    ]
    return {token for span in spans for token in search_tokens(span)} | SIDE_TOKENS


def asked_noun(question: str) -> str:
    """The stem of the noun the question word opens ("width", "locat", "тип"), or ""."""
    for match in ASKED_NOUN.finditer(question):
        tokens = search_tokens(match["en"] or match["ru"] or "", drop_stopwords=True)
        if tokens:
            return tokens[0]
    return ""


def headed_by(noun: str, texts: Sequence[str]) -> list[int]:
    """Indexes of the labels that name the asked noun and then a value: "Width 1.0", "Location 1.5"."""
    if not noun:
        return []
    found = []
    for index, text in enumerate(texts):
        tokens = search_tokens(text)
        if len(tokens) >= 2 and tokens[0] == noun:
            found.append(index)
    return found


def _lines_of(boxes: Sequence[BBox], indexes: Sequence[int], axis: int, slack: float) -> list[list[int]]:
    """The labels (`indexes` into `boxes`) grouped into rows (axis 1: by their middles' height) or
    columns (axis 0), in order along the axis."""
    middles = sorted(indexes, key=lambda index: (boxes[index][axis] + boxes[index][axis + 2]) / 2)
    lines: list[list[int]] = []
    last = None
    for index in middles:
        middle = (boxes[index][axis] + boxes[index][axis + 2]) / 2
        if lines and last is not None and middle - last <= slack:
            lines[-1].append(index)
        else:
            lines.append([index])
        last = middle
    return lines


def placed(boxes: Sequence[BBox], place: Place, among: Sequence[int] | None = None) -> int | None:
    """The one label (index into `boxes`) standing where `place` says, among `among` (all by default);
    None when no single label stands there (two on the bottom row when no side of it is said)."""
    indexes = list(range(len(boxes))) if among is None else list(among)
    if not indexes:
        return None
    height = float(np.median([boxes[index][3] - boxes[index][1] for index in indexes]))
    slack = PLACE_SLACK * max(height, 1.0)
    steps = [(1, place.vertical), (0, place.horizontal)]
    if not place.rows_first:
        steps.reverse()
    for axis, side in steps:
        if not side:
            continue
        lines = _lines_of(boxes, indexes, axis, slack)
        indexes = lines[-1] if side > 0 else lines[0]
    return indexes[0] if len(indexes) == 1 else None


def container_title(boxes: Sequence[BBox], members: Sequence[int]) -> int | None:
    """The label heading the box that holds the `members` (indexes into `boxes`): the nearest label over
    the topmost member, its left edge in line with theirs, no further above it than `HEADING_REACH` times
    the members' own step (at least three lettering heights); None when the members stand in no column."""
    if not members:
        return None
    height = float(np.median([boxes[index][3] - boxes[index][1] for index in members]))
    lefts = [boxes[index][0] for index in members]
    if max(lefts) - min(lefts) > 2 * PLACE_SLACK * height:
        return None
    tops = sorted(boxes[index][1] for index in members)
    step = max(float(np.max(np.diff(tops))) if len(tops) > 1 else 0.0, 3 * height)
    top = tops[0]
    over = [
        index
        for index, box in enumerate(boxes)
        if index not in members
        and box[3] <= top + 0.2 * height
        and top - box[1] <= HEADING_REACH * step
        and abs(box[0] - float(np.median(lefts))) <= 2 * PLACE_SLACK * height
    ]
    return max(over, key=lambda index: boxes[index][1]) if over else None
