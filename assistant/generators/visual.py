"""What the screenshot and figure readers share: the hook's shape, matching question words to names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from assistant.generators.base import Answer
from assistant.retrieval import PageHit
from indexer.embedders import TextEmbedder
from indexer.records import PassageRecord

PagePassages = Callable[[int, int], list[PassageRecord]]
"""(document id, page number) -> the page's passages in reading order."""
TermWeights = Callable[[list[str]], dict[str, float]]
"""Search terms -> how rare each is in the workspace (rarer words name things)."""


def hit_passages(hit: PageHit, page_passages: PagePassages | None) -> list[PassageRecord]:
    """The passages of a hit's page: all of them where the reader can read pages, else those retrieved."""
    if page_passages is not None:
        return page_passages(hit.document.id, hit.page)
    return [evidence.passage for evidence in hit.passages]


def screenshot_text(
    hits: Sequence[PageHit], page_passages: PagePassages | None, pages: int
) -> list[tuple[int, PassageRecord]]:
    """The text passages of the screenshots among the first `pages` hits, each with its screenshot's
    place among them (0: the highest)."""
    shots = [hit for hit in list(hits)[:pages] if hit.document.media_type.startswith("image/")]
    return [
        (rank, passage)
        for rank, hit in enumerate(shots)
        for passage in hit_passages(hit, page_passages)
        if passage.kind == "text"
    ]


def passage_lines(passage: PassageRecord) -> list[tuple[int, int, str]]:
    """A passage's lines with where each starts and ends in its text."""
    lines = []
    at = 0
    for line in passage.text.split("\n"):
        lines.append((at, at + len(line), line))
        at += len(line) + 1
    return lines


class VisualReader(Protocol):
    """Answers from what a page's pixels hold (a control's value, a figure's label), or None to pass."""

    def __call__(
        self,
        question: str,
        hits: Sequence[PageHit],
        page_passages: PagePassages | None,
        embedder: TextEmbedder,
        term_weights: TermWeights | None = None,
    ) -> Answer | None: ...


def name_match(terms: dict[str, float], name: list[str]) -> float:
    """Weight of the question's terms found in a name's search tokens (a related stem counts 0.7)."""
    found = 0.0
    for term, weight in terms.items():
        if term in name:
            found += weight
        elif any(related_stems(term, token) for token in name):
            found += 0.7 * weight
    return found


def related_stems(a: str, b: str) -> bool:
    """Stems of one root across word forms the stemmer keeps apart ("верхн"/"сверх", "orientat"/"orient").

    They share a run of at least 4 letters covering most of the shorter one.
    """
    if len(a) < 4 or len(b) < 4 or a == b:
        return False
    shorter, longer = sorted((a, b), key=len)
    for size in range(len(shorter), 3, -1):
        if size < 0.6 * len(shorter):
            break
        if any(shorter[i : i + size] in longer for i in range(len(shorter) - size + 1)):
            return True
    return False


def similarities(embedder: TextEmbedder, question: str, names: list[str]) -> list[float]:
    """Cosine similarity of the question to each name (the embedder's vectors are normalised)."""
    if not names:
        return []
    vectors = embedder.embed_passages(names)
    query = embedder.embed_queries([question])[0]
    return [float(v) for v in np.asarray(vectors @ query)]
