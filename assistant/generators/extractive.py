"""The extractive reader: the sentence or line that answers, with the rectangle where it stands."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from assistant.conversation import Turn
from assistant.generators.base import (
    NOT_FOUND_TEXT,
    Answer,
    AnswerDelta,
    Citation,
    Generator,
    answer_language,
)
from assistant.generators.screens import answer_from_controls
from assistant.retrieval import Evidence, PageHit
from indexer.embedders import TextEmbedder
from indexer.language import MARK_QUESTION, search_tokens
from indexer.records import BBox, PassageRecord, union_bbox

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 320

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZА-ЯЁ0-9“\"(<>-])|\n{2,}")


@dataclass(frozen=True)
class AnswerSettings:
    min_similarity: float = 0.30
    """Dense cosine similarity the best evidence must reach (unless its words match well)."""
    min_coverage: float = 0.5
    """Share of the question's content words the evidence must contain (unless similarity is high)."""
    min_crosslingual_similarity: float = 0.50
    pages: int = 3
    passages_per_page: int = 6
    shortlist: int = 40
    """Candidate lines compared with the question by embedding (the rest lose on cheap evidence)."""


@dataclass
class _Candidate:
    evidence: Evidence
    hit: PageHit
    start: int
    end: int
    text: str
    score: float = 0.0
    coverage: float = 0.0


PagePassages = Callable[[int, int], list[PassageRecord]]
"""(document id, page number) -> the page's passages in reading order."""


class ExtractiveGenerator(Generator):
    """Picks the answering span from the top pages' passages; says "not found" on weak evidence.

    The conversation's history does not reach it: a follow-up is rewritten before retrieval
    (`assistant.conversation.resolve_follow_up`), so the question it gets stands on its own.
    """

    name = "extractive"
    uses_history = False

    def __init__(
        self,
        embedder: TextEmbedder,
        settings: AnswerSettings | None = None,
        page_passages: PagePassages | None = None,
        term_weights: Callable[[list[str]], dict[str, float]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or AnswerSettings()
        self.page_passages = page_passages
        self.term_weights = term_weights

    def stream(
        self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()
    ) -> Iterator[AnswerDelta | Answer]:
        answer = self.answer(question, hits, history)
        yield AnswerDelta(answer.text)
        yield answer

    def answer(self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()) -> Answer:
        hits = list(hits)
        language = answer_language(question)
        not_found = Answer(question, NOT_FOUND_TEXT[language], False, [], language)
        # "Which orientation is selected?": a screenshot's controls answer before its text lines.
        screen = answer_from_controls(question, hits, self.page_passages, self.embedder, self.term_weights)
        if screen is not None:
            return screen
        candidates = self._candidates(hits[: self.settings.pages])
        if not candidates:
            return not_found
        terms = set(search_tokens(question, drop_stopwords=True))
        # Rare words of the question ("opacity", "numeric") say more than common ones ("set", "R").
        weights = self.term_weights(sorted(terms)) if self.term_weights else {}
        total_weight = sum(weights.get(t, 1.0) for t in terms) or 1.0
        wants_mark = bool(MARK_QUESTION.search(question))
        best_fusion = max(c.evidence.score for c in candidates) or 1.0
        best_page = max(c.hit.score for c in candidates) or 1.0
        for candidate in candidates:
            passage = candidate.evidence.passage
            tokens = set(search_tokens(candidate.text + " " + passage.section))
            candidate.coverage = len(terms & tokens) / len(terms) if terms else 0.0
            # An answer adds something to the question: a line that only repeats it (a dialog
            # title, a heading) shows where the answer is, but is not the answer.
            own = set(search_tokens(candidate.text))
            # What the line itself adds beyond its section's title: the dialog's name is in every
            # line's context, the asked-for setting is in one line only.
            context = (
                set(search_tokens(passage.section))
                if candidate.text.strip() != passage.section.strip()
                else set()
            )
            own_coverage = sum(weights.get(t, 1.0) for t in (terms & own) - context) / total_weight
            novel = any(t not in terms and (len(t) >= 3 or t.isdigit()) for t in own)
            restates = candidate.text.strip() == passage.section.strip() or passage.kind == "heading"
            page_weight = candidate.hit.score / best_page
            candidate.score = (
                0.2 * candidate.coverage
                + 0.8 * own_coverage
                + 0.2 * candidate.evidence.score / best_fusion
                + 0.3 * page_weight
                + (0.5 if wants_mark and passage.kind == "mark" and candidate.hit is hits[0] else 0.0)
                - (0.3 if restates else 0.0)
                - (0.0 if novel else 0.3)
            )
        # Embedding every sentence of three pages is most of an answer's cost: only the lines
        # the cheap evidence already favours are compared with the question's meaning.
        shortlist = sorted(candidates, key=lambda c: c.score, reverse=True)[: self.settings.shortlist]
        # Each line is judged with its section (a dialog's title, a manual's heading) in view.
        vectors = self.embedder.embed_passages([_in_context(c) for c in shortlist])
        query = self.embedder.embed_queries([question])[0]
        similarities = vectors @ query
        for candidate, similarity in zip(shortlist, similarities, strict=True):
            candidate.score += float(similarity)
        candidates = shortlist
        best = max(candidates, key=lambda c: c.score)
        similarity = max(best.evidence.similarity, float(similarities.max()))
        supported = (
            similarity >= self.settings.min_similarity and best.coverage >= self.settings.min_coverage / 2
        ) or best.coverage >= self.settings.min_coverage
        if best.evidence.passage.lang not in (language, "und"):
            # Across languages no word is shared, so only the meaning can vouch for the evidence.
            supported = supported or similarity >= self.settings.min_crosslingual_similarity
        if wants_mark and best.evidence.passage.kind == "mark":
            supported = True
        if not supported:
            log.info("not found: similarity %.2f, coverage %.2f for %r", similarity, best.coverage, question)
            return not_found
        citations = [self._cite(best)]
        seen = {(best.hit.document.id, best.hit.page)}
        for other in sorted(candidates, key=lambda c: c.score, reverse=True):
            key = (other.hit.document.id, other.hit.page)
            if key not in seen and other.score >= best.score * 0.85 and len(citations) < 3:
                citations.append(self._cite(other))
                seen.add(key)
        return Answer(question, best.text, True, citations, language)

    def _candidates(self, hits: list[PageHit]) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        for hit in hits:
            chosen = hit.passages[: self.settings.passages_per_page]
            for evidence in chosen:
                spans = _sentences(evidence.passage)
                # Single sentences and pairs: the fact often sits in the sentence after the topic.
                windows = [(s, e) for s, e in spans]
                windows += [
                    (spans[i][0], spans[i + 1][1])
                    for i in range(len(spans) - 1)
                    if spans[i + 1][1] - spans[i][0] <= MAX_ANSWER_CHARS
                ]
                for start, end in windows:
                    text = evidence.passage.text[start:end].strip()
                    if len(text) >= 2 and any(ch.isalnum() for ch in text):
                        candidates.append(_Candidate(evidence, hit, start, end, text))
            candidates.extend(self._lead_ins(hit, chosen))
        return candidates

    def _lead_ins(self, hit: PageHit, chosen: list[Evidence]) -> list[_Candidate]:
        """A short line just before a passage (a command, a label) joined to its first sentence."""
        if self.page_passages is None or not chosen:
            return []
        page = self.page_passages(hit.document.id, hit.page)
        position = {p.id: i for i, p in enumerate(page)}
        found = []
        for evidence in chosen:
            index = position.get(evidence.passage.id)
            if not index:
                continue
            previous = page[index - 1]
            if len(previous.text) > 80 or previous.kind == "mark":
                continue
            first = _sentences(evidence.passage)[:1]
            if not first:
                continue
            text = previous.text.strip() + "\n" + evidence.passage.text[: first[0][1]].strip()
            merged = dataclasses.replace(
                evidence.passage,
                text=text,
                bbox=union_bbox([previous.bbox, span_bbox(evidence.passage, 0, first[0][1])]),
                spans=[],
            )
            found.append(
                _Candidate(
                    Evidence(merged, evidence.score, evidence.ranks, evidence.similarity),
                    hit,
                    0,
                    len(text),
                    text,
                )
            )
        return found

    def _cite(self, candidate: _Candidate) -> Citation:
        passage = candidate.evidence.passage
        return Citation(
            document=passage.document,
            page=passage.page,
            bbox=span_bbox(passage, candidate.start, candidate.end),
            quote=candidate.text,
            score=round(candidate.score, 4),
            page_width=passage.page_width,
            page_height=passage.page_height,
        )


def _in_context(candidate: _Candidate) -> str:
    section = candidate.evidence.passage.section
    if section and section not in candidate.text:
        return f"{section}: {candidate.text}"
    return candidate.text


def _sentences(passage: PassageRecord) -> list[tuple[int, int]]:
    """Sentence spans of a passage; OCR'd UI text is split by line (labels, not prose)."""
    text = passage.text
    if passage.kind in ("mark", "heading"):
        return [(0, len(text))]
    if passage.lang != "und" and _looks_like_prose(text):
        spans, start = [], 0
        for match in _SENTENCE_END.finditer(text):
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        return _limit(spans, text)
    return [(span.start, span.end) for span in passage.spans]


def _looks_like_prose(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and sum(len(line) for line in lines) / len(lines) > 45


def _limit(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    limited = []
    for start, end in spans:
        while end - start > MAX_ANSWER_CHARS:
            cut = text.rfind(" ", start, start + MAX_ANSWER_CHARS)
            cut = cut if cut > start else start + MAX_ANSWER_CHARS
            limited.append((start, cut))
            start = cut + 1
        if end > start:
            limited.append((start, end))
    return limited


def span_bbox(passage: PassageRecord, start: int, end: int) -> BBox:
    """Union of the boxes of the lines a character range touches (the passage box if none)."""
    boxes = [span.bbox for span in passage.spans if span.start < end and span.end > start]
    return union_bbox(boxes) if boxes else passage.bbox
