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

from assistant.generators.base import Answer, Citation, answer_language
from assistant.generators.visual import PagePassages, TermWeights, hit_passages
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


def statement_score(text: str, asked: set[str], relation_asked: bool) -> float:
    """How well a figure line answers: a cell whose row and column the question both names scores above
    2; a relation whose node the question names scores 1-2 (its first node, which the line is about,
    counts fully, a node at the other end half); 0 for a line that is neither or not named."""
    cell = CELL.match(text)
    if cell is not None:
        row, column = names(cell["row"], asked), names(cell["column"], asked)
        return 2.0 + (row + column) / 2 if row and column else 0.0
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


def statements(passages: Sequence[PassageRecord], asked: set[str], relation_asked: bool) -> list[Statement]:
    """The relation and cell lines of the page's figure passages the question names, best first."""
    found = []
    for passage in passages:
        if passage.kind != "figure":
            continue
        for span in passage.spans:
            text = passage.text[span.start : span.end].strip()
            score = statement_score(text, asked, relation_asked)
            if score > 0:
                found.append(Statement(passage, text, span.bbox, score))
    return sorted(found, key=lambda statement: statement.score, reverse=True)


def states_a_count(line: str) -> bool:
    """Whether a relation or cell line can answer "how many": it writes a number ("R2400 › Cartridges:
    8"), not only a name ("R2400 › Ink type: Photo Black")."""
    return re.search(r"\d", line) is not None


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
    asked = set(search_tokens(question, drop_stopwords=True))
    relation_asked = bool(RELATION_QUESTION.search(question))
    # "How many ink cartridges ...?" is answered by a cell that counts, not by the row's other cells.
    counted = COUNTED.search(question) is not None
    for hit in list(hits)[:DIAGRAM_PAGES]:
        found = statements(hit_passages(hit, page_passages), asked, relation_asked)
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
